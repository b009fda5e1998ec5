"""The Lavalink v4 twin (REST + websocket, catalogue, playback clock).

Exports load on first use (PEP 562), so ``import wiretwin.lavalink`` costs nothing and
imports no aiohttp: reading ``wiretwin.lavalink.Track`` loads the track format alone,
``LavalinkTwin`` the server with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..runtime.lazy import lazy_exports

if TYPE_CHECKING:
    from .catalogue import Catalogue, LoadResult, Playlist
    from .config import LavalinkConfig
    from .errors import LavalinkError
    from .tracks import Track, TrackInfo, decode_track, encode_track
    from .twin import LavalinkTwin, MockFactory, PlayerView

__getattr__, __dir__ = lazy_exports(__name__, {
    "Catalogue": ".catalogue",
    "LavalinkConfig": ".config",
    "LavalinkError": ".errors",
    "LavalinkTwin": ".twin",
    "LoadResult": ".catalogue",
    "MockFactory": ".twin",
    "PlayerView": ".twin",
    "Playlist": ".catalogue",
    "Track": ".tracks",
    "TrackInfo": ".tracks",
    "decode_track": ".tracks",
    "encode_track": ".tracks",
})

__all__ = [
    "Catalogue",
    "LavalinkConfig",
    "LavalinkError",
    "LavalinkTwin",
    "LoadResult",
    "MockFactory",
    "PlayerView",
    "Playlist",
    "Track",
    "TrackInfo",
    "decode_track",
    "encode_track",
]
