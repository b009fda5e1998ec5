"""The Lavalink v4 twin (REST + websocket, catalogue, playback clock)."""

from __future__ import annotations

from .catalogue import Catalogue, LoadResult, Playlist
from .config import LavalinkConfig
from .model import LavalinkError
from .tracks import Track, TrackInfo, decode_track, encode_track
from .twin import LavalinkTwin, MockFactory, PlayerView

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
