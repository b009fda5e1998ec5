"""Moved: the Sonora client's simulator is :mod:`wiretwin.compat.sonora.simulator` now.

Kept so that ``from wiretwin.lavalink.simulator import protocol_simulator`` still works;
each name read here warns (DeprecationWarning) with its new path. No twin module imports
the compat layer: the names are looked up when read (PEP 562).
"""

from __future__ import annotations

from ..runtime.lazy import lazy_exports

_NEW = "wiretwin.compat.sonora.simulator"
_MOVED = ["FAULTS", "ProtocolSimulator", "mock_factory", "protocol_simulator"]

__getattr__, __dir__ = lazy_exports(__name__, {}, moved=dict.fromkeys(_MOVED, _NEW))
