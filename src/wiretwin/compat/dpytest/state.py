"""dpytest's ``state`` module. dpytest's ``FakeState`` (a ``ConnectionState`` it filled
by hand) has no counterpart yet: the bot here keeps its own state from a real login, and
``backend.get_state()`` returns it. What the module also exposed, the backend and the
factories, is here under dpytest's names."""

from __future__ import annotations

from . import backend as back
from . import factories as facts

__all__ = ["back", "facts"]
