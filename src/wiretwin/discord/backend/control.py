"""What the bot sent (a queue), REST trouble (forced errors, rate limits), and state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ..coerce import (
    HTTP_REASONS,
    REFUSE_FAULT,
    BackendError,
)
from ..errors import AUTHENTICATION_FAILED, UNKNOWN_ERROR
from ..model import (
    DiscordError,
    DiscordModel,
    Message,
)
from ..verify import Verify
from .base import BackendBase

if TYPE_CHECKING:
    from . import Backend


class QueueAndState(BackendBase):
    # -- what the bot sent --------------------------------------------------------------

    def get_message_queue(self) -> list[Message]:
        """The messages the bot sent that no get/verify has taken yet, oldest first
        (not a coroutine)."""
        return self._sent.slice(self._queue_start())

    def _queue_start(self) -> int:
        """The log index of the oldest message not taken yet."""
        return max(0, self._consumed - self._sent.dropped)

    def sent_messages(self) -> list[Message]:
        """Every message the bot sent since the last clear (not a coroutine)."""
        return self._sent.snapshot()

    def get_message(self, peek: bool = False) -> Message:
        """The oldest message in the queue, taken out unless ``peek`` (not a coroutine)."""
        message = self._take(peek)
        if message is None:
            raise BackendError("the bot has sent no message (the queue is empty)")
        return message

    def peek_message(self) -> Message:
        return self.get_message(peek=True)

    def _take(self, peek: bool) -> Message | None:
        start = self._queue_start()
        queue = self._sent.slice(start, start + 1)
        if not queue:
            return None
        if not peek:
            self._consumed = self._sent.dropped + start + 1
        return queue[0]

    async def clear_message_queue(self) -> None:
        """Forget what the bot has sent so far."""
        self._consumed = self._sent.dropped + len(self._sent)

    async def wait_for_messages(self, count: int = 1, timeout: float = 5.0,
                                *, peek: bool = False) -> list[Message]:
        """The next ``count`` messages the bot sends (taken out of the queue unless
        ``peek``), waiting for them if they have not come yet."""
        first = max(self._consumed, self._sent.dropped)  # counted from the first ever
        try:
            await self._sent.wait_for(lambda _: True, count=count, timeout=timeout,
                                      start=first - self._sent.dropped)
        except TimeoutError as exc:
            raise BackendError(f"waited {timeout:g}s for {count} message(s) from the bot, "
                               f"got {len(self.get_message_queue())}\n{exc}") from None
        start = max(0, first - self._sent.dropped)
        messages = self._sent.slice(start, start + count)
        if not peek:
            self._consumed = first + len(messages)
        return messages

    def verify(self) -> Verify:
        """dpytest's ``verify()``: ``assert backend.verify().message().content("pong")``."""
        return Verify(cast("Backend", self))

    # -- REST trouble -------------------------------------------------------------------

    def _templates(self, route: str | None, method: str | None) -> list[tuple[str, str]]:
        known = self.twin.rest.templates
        if route is None:
            return [(m, t) for m, t in known if method is None or m == method.upper()]
        template = route
        for prefix in ("/api/v10", "/api/v9", "/api"):
            if template.startswith(prefix + "/"):
                template = template.removeprefix(prefix)
                break
        found = [(m, t) for m, t in known if t == template
                 and (method is None or m == method.upper())]
        if not found:
            shown = "\n".join(f"  {m} {t}" for m, t in known)
            raise BackendError(f"the twin has no route {method or '*'} {route!r}; it has:\n"
                               f"{shown}")
        return found

    async def set_error_state(self, error_type: str = "http", status: int = 500,
                              message: str | None = None, *, route: str | None = None,
                              method: str | None = None, code: int = 0,
                              disconnect: bool = False) -> None:
        """``"http"``: every request to ``route`` (a template such as
        ``/channels/{channel_id}/messages``; all routes when None; ``method`` narrows it)
        is answered ``status`` with Discord's ``{"message", "code"}`` body, until
        :meth:`clear_error_state`. ``"websocket"``: the next IDENTIFY is closed with
        ``code`` (4004 "Authentication failed." by default); with ``disconnect``, the
        bot's live connections are closed with it now too."""
        if error_type == "http":
            forced = DiscordError(status, code, message or
                                  f"{status}: {HTTP_REASONS.get(status, 'Error')}")
            pairs = self._templates(route, method)

            def apply() -> None:
                for pair in pairs:
                    self.twin.rest.forced[pair] = forced

            await self._run(apply)
            return
        if error_type in ("websocket", "gateway"):
            close = code or AUTHENTICATION_FAILED[0]
            reason = message or (AUTHENTICATION_FAILED[1] if close == AUTHENTICATION_FAILED[0]
                                 else UNKNOWN_ERROR[1])

            def refuse() -> None:
                self.twin.hub.refuse_identify = (close, reason)
                if disconnect:
                    self.twin.hub.close_all(close, reason)

            await self._run(refuse)
            return
        raise BackendError(f"error_type is 'http' or 'websocket', not {error_type!r}")

    async def clear_error_state(self) -> None:
        def apply() -> None:
            self.twin.rest.forced.clear()
            self.twin.hub.refuse_identify = None

        await self._run(apply)

    async def set_rate_limit(self, route: str, limit: int, reset_after: float, *,
                             method: str | None = None) -> None:
        """The bucket of ``route`` (a template) allows ``limit`` requests per
        ``reset_after`` seconds (twin clock); past that, 429 with ``retry_after``. A route
        Discord does not bucket (an interaction callback) gets the limit too, still
        without ``X-RateLimit-*`` headers."""
        pairs = self._templates(route, method)
        if limit < 1 or reset_after <= 0:
            raise BackendError("a rate limit needs limit >= 1 and reset_after > 0")

        def apply() -> None:
            limits = self.twin.rest.limits
            for _, template in pairs:
                limits.overrides[template] = (limit, reset_after)
                for key in [k for k in limits.buckets if k.startswith(template + "|")]:
                    del limits.buckets[key]

        await self._run(apply)

    async def clear_rate_limits(self) -> None:
        def apply() -> None:
            self.twin.rest.limits.overrides.clear()
            self.twin.rest.limits.buckets.clear()

        await self._run(apply)

    # -- state --------------------------------------------------------------------------

    def get_state(self) -> DiscordModel:
        """The twin's model (guilds, channels, users, messages), for reading."""
        return self.model

    def create_state_snapshot(self) -> dict[str, Any]:
        """The twin's state as plain JSON (``twin.snapshot()``; not a coroutine)."""
        try:
            return self.twin.snapshot()
        except NotImplementedError:
            raise BackendError("this Discord twin cannot snapshot its state yet") from None

    async def restore_state(self, snapshot: dict[str, Any]) -> None:
        """Back to a :meth:`create_state_snapshot` (``twin.restore``); the bot is told
        what changed the way Discord would tell it."""
        twin = self.twin

        def apply() -> None:
            try:
                twin.restore(snapshot)
            except NotImplementedError:
                raise BackendError("this Discord twin cannot restore a state yet") from None
            except ValueError as exc:  # snapshot.SnapshotError: says which entry
                raise BackendError(f"cannot restore that snapshot: {exc}") from None

        await self._run(apply)

    async def clear_state(self) -> None:
        """Delete every guild (the bot gets GUILD_DELETEs), DM channel and user the tests
        made; clear forced errors, rate limits, the message queue and event cursors."""

        def apply() -> None:
            model = self.model
            for guild in list(model.guilds.values()):
                model.delete_guild(guild)
            for channel_id in list(model.dms.values()):
                model.channels.pop(channel_id, None)
                model.messages.pop(channel_id, None)
            model.dms.clear()
            keep = {model.bot.id, model.application.owner.id}
            for user_id in [u for u in model.users if u not in keep]:
                del model.users[user_id]
            self.twin.rest.forced.clear()
            self.twin.rest.limits.overrides.clear()
            self.twin.rest.limits.buckets.clear()
            self.twin.hub.refuse_identify = None

        await self._run(apply)
        self.twin.faults.remove(REFUSE_FAULT)
        self._forget()
