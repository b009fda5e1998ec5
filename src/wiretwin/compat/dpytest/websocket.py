"""dpytest's ``websocket`` module. ``FakeWebSocket`` is discord.py's own
``DiscordWebSocket``, the class of the bot's real gateway connection (``bot.ws``, in
memory); its presence updates fire the ``presence`` callback (:mod:`.calls`), as dpytest's
fake socket did. The callbacks it exposed are here under dpytest's names."""

from __future__ import annotations

from . import callbacks as callbacks
from .callbacks import CallbackEvent
from .fakes import FakeWebSocket

__all__ = ["CallbackEvent", "FakeWebSocket", "callbacks"]
