"""dpytest's ``state``: ``FakeState`` is the class of the bot's own state
(``backend.get_state()``), with dpytest's ``stop_dispatch``/``start_dispatch``.

Each name is :mod:`wiretwin.compat.dpytest.state`'s (see :mod:`._layer`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what a type checker sees: the layer's module
    from ...compat.dpytest.state import *  # noqa: F403
else:
    from . import backend as back  # noqa: F401  (dpytest's name for it)
    from . import factories as facts  # noqa: F401  (dpytest's name for it)
    from ._layer import serve

    __getattr__, __dir__ = serve(__name__)
