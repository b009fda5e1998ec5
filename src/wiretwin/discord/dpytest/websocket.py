"""dpytest's ``websocket``: ``FakeWebSocket`` is discord.py's ``DiscordWebSocket``, the
class of the bot's real gateway connection.

Each name is :mod:`wiretwin.compat.dpytest.websocket`'s (see :mod:`._layer`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what a type checker sees: the layer's module
    from ...compat.dpytest.websocket import *  # noqa: F403
else:
    from . import callbacks as callbacks
    from ._layer import serve

    __getattr__, __dir__ = serve(__name__)
