"""dpytest's ``sent_queue`` and ``error_queue``, as views of the configured session.

dpytest fed two module-level queues from its fake client: the bot's messages and the
``(ctx, error)`` pairs of failed commands. Here the session already keeps both (the
twin's queue of what the bot sent, which ``get_message`` and ``verify().message()``
take from; the command errors ``message()`` re-raises), so the queues show those: taking
a message from ``sent_queue`` takes it from ``get_message``'s queue too, and the other
way round. They follow ``configure()``: a new session, a new view.

Before any ``configure()`` both are empty (``error_queue`` keeps what is put in it until
``empty_queue()``). ``sent_queue`` is filled by the bot only: ``put`` is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import discord

from ...discord.backend import BackendError
from .session import Session, as_discord, current
from .utils import PeekableQueue

CommandError = tuple[Any, BaseException]

#: How long one round of sent_queue.get() waits for the bot before looking again.
_GET_ROUND = 60.0


def configured() -> Session | None:
    """The configured session, or None before the first ``configure()``."""
    try:
        return current()
    except RuntimeError:
        return None


class SentQueue(PeekableQueue[discord.Message]):
    """The messages the bot sent that nothing has taken yet, oldest first, as the bot's
    own ``discord.Message`` objects."""

    def qsize(self) -> int:
        session = configured()
        return len(session.twin.backend.get_message_queue()) if session is not None else 0

    def empty(self) -> bool:
        return self.qsize() == 0

    def full(self) -> bool:
        return False

    def _get(self) -> discord.Message:
        session = current()
        return as_discord(session, session.twin.backend.get_message())

    def _put(self, item: discord.Message) -> None:
        raise TypeError("sent_queue holds what the bot sent to the twin; it cannot be put "
                        "into (send the message from the bot instead)")

    def peek(self) -> discord.Message:
        """The newest message the bot sent (as dpytest's peek); IndexError when none."""
        session = configured()
        queue = session.twin.backend.get_message_queue() if session is not None else []
        if not queue:
            raise IndexError("the bot has sent no message (the queue is empty)")
        assert session is not None
        return as_discord(session, queue[-1])

    async def get(self) -> discord.Message:
        """The oldest message, waiting for the bot to send one if there is none."""
        while self.empty():
            session = configured()
            if session is None:
                return await super().get()  # nothing will come: waits until cancelled
            with contextlib.suppress(BackendError):
                await session.twin.backend.wait_for_messages(1, _GET_ROUND, peek=True)
        return self.get_nowait()


class ErrorQueue(PeekableQueue[CommandError]):
    """The ``(ctx, error)`` of each command that failed and that ``message()`` has not
    re-raised yet."""

    @staticmethod
    def _errors() -> asyncio.Queue[CommandError] | None:
        session = configured()
        return session.errors if session is not None else None

    def qsize(self) -> int:
        errors = self._errors()
        return super().qsize() + (errors.qsize() if errors is not None else 0)

    def empty(self) -> bool:
        return self.qsize() == 0

    def _get(self) -> CommandError:
        if super().qsize():
            return super()._get()  # put here before configure()
        errors = self._errors()
        assert errors is not None
        return errors.get_nowait()

    def _put(self, item: CommandError) -> None:
        errors = self._errors()
        if errors is None:
            super()._put(item)
        else:
            errors.put_nowait(item)

    def peek(self) -> CommandError:
        """The newest error; IndexError when none."""
        errors = self._errors()
        pending: Any = getattr(errors, "_queue", None) if errors is not None else None
        if pending:
            return pending[-1]  # type: ignore[no-any-return]
        return super().peek()

    async def get(self) -> CommandError:
        errors = self._errors()
        if self.empty() and errors is not None:
            return await errors.get()
        return await super().get()


sent_queue = SentQueue()
error_queue = ErrorQueue()


def drain_errors() -> None:
    """Forget every command error (``empty_queue()``, before ``configure()`` too)."""
    while not error_queue.empty():
        error_queue.get_nowait()


__all__ = ["ErrorQueue", "SentQueue", "configured", "drain_errors", "error_queue",
           "sent_queue"]
