"""dpytest's ``factories``: Discord-shaped payload dicts and ``make_id``.

Each name is :mod:`wiretwin.compat.dpytest.factories`'s (see :mod:`._layer`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what a type checker sees: the layer's module
    from ...compat.dpytest.factories import *  # noqa: F403
else:
    from ._layer import serve

    __getattr__, __dir__ = serve(__name__)
