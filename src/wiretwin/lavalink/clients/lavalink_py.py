"""Moved: :mod:`wiretwin.drivers.lavalink_py` now (client drivers are a layer above the twins).

Kept so that ``from wiretwin.lavalink.clients.lavalink_py import ...`` still works; each name
read here warns (DeprecationWarning) with its new path. No twin module imports the drivers
layer: the names are looked up when read (PEP 562).
"""

from __future__ import annotations

from ...runtime.lazy import lazy_exports

_NAMES = (
    "CLIENT_NAME", "DEFAULT_USER_ID", "Connection", "EventLog", "Handshakes",
    "SyntheticVoice", "VoiceLike", "close_client", "connect", "enable_resuming",
    "feed_voice", "join_voice", "new_client", "wait_ready",
)

__getattr__, __dir__ = lazy_exports(
    __name__, {}, moved=dict.fromkeys(_NAMES, "wiretwin.drivers.lavalink_py"))
