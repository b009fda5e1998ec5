"""The Sonora client's API (``from sonora import ...``), for real.

``SonoraClient``, its players, queue, filters and autoplay (:mod:`.client`,
:mod:`.audio`) speak Lavalink v4 over the wire; ``protocol_simulator`` and
``mock_factory`` (:mod:`.simulator`, the Sonora client's simulator) start a Lavalink twin
for them. A program written for the Sonora client switches with
``from wiretwin.compat.sonora import ...``.
"""

from __future__ import annotations

from .audio import AutoplayEngine, Equalizer, Filters, Timescale
from .client import Queue, QueueFull, SonoraClient, SonoraError, SonoraPlayer, SonoraTrack
from .simulator import mock_factory, protocol_simulator

__all__ = ["AutoplayEngine", "Equalizer", "Filters", "Queue", "QueueFull", "SonoraClient",
           "SonoraError", "SonoraPlayer", "SonoraTrack", "Timescale", "mock_factory",
           "protocol_simulator"]
