"""Moved: the Sonora client's API is :mod:`wiretwin.compat.sonora` now.

Kept so that ``from wiretwin.lavalink.sonora import SonoraClient`` still works; each name
read here warns (DeprecationWarning) with its new path. No twin module imports the
compat layer: the names are looked up when read (PEP 562).
"""

from __future__ import annotations

from ...runtime.lazy import lazy_exports

_NEW = "wiretwin.compat.sonora"
_MOVED = ["AutoplayEngine", "Equalizer", "Filters", "Queue", "QueueFull", "SonoraClient",
          "SonoraError", "SonoraPlayer", "SonoraTrack", "Timescale", "mock_factory",
          "protocol_simulator"]

__getattr__, __dir__ = lazy_exports(__name__, {}, moved=dict.fromkeys(_MOVED, _NEW))

__all__ = list(_MOVED)
