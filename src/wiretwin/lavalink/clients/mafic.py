"""Moved: :mod:`wiretwin.drivers.mafic` now (client drivers are a layer above the twins).

Kept so that ``from wiretwin.lavalink.clients.mafic import ...`` still works; each name
read here warns (DeprecationWarning) with its new path. No twin module imports the drivers
layer: the names are looked up when read (PEP 562).
"""

from __future__ import annotations

from ...runtime.lazy import lazy_exports

_NAMES = (
    "DEFAULT_CHANNEL_ID", "DEFAULT_GUILD_ID", "DEFAULT_LABEL", "MaficBot",
    "RecordingClient", "RecordingPlayer", "close_pool", "connect_player", "create_node",
    "follow_clock",
)

__getattr__, __dir__ = lazy_exports(
    __name__, {}, moved=dict.fromkeys(_NAMES, "wiretwin.drivers.mafic"))
