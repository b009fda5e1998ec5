"""Moved: :mod:`wiretwin.drivers.pomice` now (client drivers are a layer above the twins).

Kept so that ``from wiretwin.lavalink.clients.pomice import ...`` still works; each name
read here warns (DeprecationWarning) with its new path. No twin module imports the drivers
layer: the names are looked up when read (PEP 562).
"""

from __future__ import annotations

from ...runtime.lazy import lazy_exports

_NAMES = (
    "DEFAULT_IDENTIFIER", "EVENT_NAMES", "PlayerState", "PomiceEventRecord",
    "PomiceEvents", "PomiceRig", "ReconnectGate", "TwinPlayer", "close_node",
    "close_pool", "connect_player", "create_node",
    "dispatch_voice", "node_settings", "pomice_clock", "pomice_node", "ready_bot",
    "send_voice", "wait_session",
)

__getattr__, __dir__ = lazy_exports(
    __name__, {}, moved=dict.fromkeys(_NAMES, "wiretwin.drivers.pomice"))
