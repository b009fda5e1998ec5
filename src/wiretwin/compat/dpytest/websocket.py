"""dpytest's ``websocket`` module. dpytest's ``FakeWebSocket`` replaced the bot's gateway
connection; here the bot keeps its real one (its presence updates fire the ``presence``
callback, see :mod:`.calls`). The callbacks it exposed are here under dpytest's names."""

from __future__ import annotations

from . import callbacks as callbacks
from .callbacks import CallbackEvent

__all__ = ["CallbackEvent", "callbacks"]
