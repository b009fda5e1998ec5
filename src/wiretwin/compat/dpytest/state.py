"""dpytest's ``state`` module. ``FakeState`` is the configured bot's own
``ConnectionState`` (``backend.get_state()``), re-classed by ``configure()`` to carry
dpytest's ``stop_dispatch()`` / ``start_dispatch()`` (:mod:`.fakes`). What the module
also exposed, the backend and the factories, is here under dpytest's names."""

from __future__ import annotations

from . import backend as back
from . import factories as facts
from .fakes import FakeState, FakeVoiceChannel

__all__ = ["FakeState", "FakeVoiceChannel", "back", "facts"]
