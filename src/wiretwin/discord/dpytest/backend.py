"""dpytest's ``backend``: building the world the bot sees, and the bot's state.

Each name is :mod:`wiretwin.compat.dpytest.dpytest_backend`'s (see :mod:`._layer`):
synchronous, with dpytest's signatures."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what a type checker sees: the layer's module
    from ...compat.dpytest.dpytest_backend import *  # noqa: F403
else:
    from . import callbacks as callbacks
    from . import factories as facts  # noqa: F401  (dpytest's name for it)
    from ._layer import serve

    __getattr__, __dir__ = serve(__name__)
