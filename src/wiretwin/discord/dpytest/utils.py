"""dpytest's ``utils``: ``embed_eq``, ``activity_eq``, ``embed_proxy_eq``, ``PeekableQueue``.

Each name is :mod:`wiretwin.compat.dpytest.utils`'s (see :mod:`._layer`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what a type checker sees: the layer's module
    from ...compat.dpytest.utils import *  # noqa: F403
else:
    from ._layer import serve

    __getattr__, __dir__ = serve(__name__)
