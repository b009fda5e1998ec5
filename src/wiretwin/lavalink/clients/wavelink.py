"""Moved: :mod:`wiretwin.drivers.wavelink` now (client drivers are a layer above the twins).

Kept so that ``from wiretwin.lavalink.clients.wavelink import ...`` still works; each name
read here warns (DeprecationWarning) with its new path. No twin module imports the drivers
layer: the names are looked up when read (PEP 562).
"""

from __future__ import annotations

from ...runtime.lazy import lazy_exports

_NAMES = (
    "EventLog", "VoiceStateRequest", "WavelinkClient", "WavelinkEvent", "close_node",
    "close_pool", "connect_node", "connect_player", "wavelink_client",
)

__getattr__, __dir__ = lazy_exports(
    __name__, {}, moved=dict.fromkeys(_NAMES, "wiretwin.drivers.wavelink"))
