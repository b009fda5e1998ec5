"""Moved: :mod:`wiretwin.drivers.voice` now (client drivers are a layer above the twins).

Kept so that ``from wiretwin.lavalink.clients.discord import ...`` still works; each name
read here warns (DeprecationWarning) with its new path. No twin module imports the drivers
layer: the names are looked up when read (PEP 562).
"""

from __future__ import annotations

from ...runtime.lazy import lazy_exports

_MOVED = {
    "wiretwin.drivers.voice": (
        "DEFAULT_BOT_ID", "DEFAULT_ENDPOINT", "VoiceGateway", "VoiceSession",
        "VoiceStateRequest", "add_voice_channel", "ready_client",
    ),
}

__getattr__, __dir__ = lazy_exports(
    __name__, {}, moved={name: new for new, names in _MOVED.items() for name in names})
