"""dpytest's ``runner``: configuring the bot, acting as users, the queues of what it sent and
the errors it raised.

Each name is :mod:`wiretwin.compat.dpytest.runner`'s (see :mod:`._layer`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what a type checker sees: the layer's module
    from ...compat.dpytest.runner import *  # noqa: F403
else:
    from . import backend as back  # noqa: F401  (dpytest's name for it)
    from . import callbacks as callbacks
    from ._layer import serve

    __getattr__, __dir__ = serve(__name__)
