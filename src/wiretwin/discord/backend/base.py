"""The backend's plumbing: running in the twin's home loop, and finding things by what a
test holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...runtime.threads import await_in_loop, in_loop_thread
from ...runtime.waiters import WaitableLog
from ..coerce import (
    BackendError,
    T,
    id_of,
    user_id_of,
)
from ..model import (
    Channel,
    ChannelType,
    DiscordError,
    DiscordModel,
    Guild,
    Member,
    Message,
    Role,
    User,
)
from ..model.polls import POLL_RESULT

if TYPE_CHECKING:
    from ..twin import DiscordTwin

#: Messages the bot sent that the backend keeps for get/verify: a queue nobody reads
#: (a long ``wiretwin serve`` run) stays bounded.
SENT_LIMIT = 10_000


class BackendBase:
    """The test-control API of one :class:`~wiretwin.discord.twin.DiscordTwin`."""

    def __init__(self, twin: DiscordTwin) -> None:
        self.twin = twin
        #: The messages the bot created, in order (fed by the twin's dispatches): the
        #: newest SENT_LIMIT of them.
        self._sent: WaitableLog[Message] = WaitableLog(
            lambda m: f"{m.id} in {m.channel_id}: {m.content!r}", limit=SENT_LIMIT)
        #: How many sent messages get/verify have taken, counted from the first ever
        #: (the log's index of the next one is this minus what the log dropped).
        self._consumed = 0
        #: event name -> journal seq of the last dispatch wait_for_event returned.
        self._event_cursor: dict[str, int] = {}
        self._disconnect_mark = 0
        self._pings = 0
        #: The journal seq before the latest backend call that changed anything: where
        #: wait_for_state_update looks from (or after the update it last returned).
        self._state_mark = 0
        #: The tasks that existed when a backend call first changed something a connected
        #: bot was told of, since the last settle: process_action() waits for the rest.
        self._unsettled: set[asyncio.Task[Any]] | None = None
        #: Settle blocks under way (:meth:`~.driver.Driver.settle`): they wait for what
        #: the bot starts inside them, so ``_run`` notes no tasks for process_action.
        self._settling = 0
        twin.dispatch_observers.append(self._observe)
        twin.reset_observers.append(self._forget)

    def _forget(self) -> None:
        """Empty the sent-message queue and the event cursors (clear_state, twin.reset)."""
        self._sent.clear()
        self._consumed = self._sent.dropped
        self._event_cursor.clear()
        self._disconnect_mark = 0
        self._state_mark = self.twin.journal.last_seq
        self._unsettled = None

    # -- plumbing ---------------------------------------------------------------------

    @property
    def model(self) -> DiscordModel:
        return self.twin.model

    async def _run(self, fn: Callable[[], T], *, changes: bool = True) -> T:
        """``fn()`` in the twin's home loop; the model's refusals become BackendError.

        Whatever ``fn`` sends the bot is a state change the test made (unless
        ``changes`` is False: the driver's own pings), so wait_for_state_update looks
        from there on, and process_action() waits for every task the bot starts from
        here (the tasks are noted now, in the caller's loop: the bot's, before it can
        read anything ``fn`` sends)."""
        opening = (set(asyncio.all_tasks())
                   if changes and self._unsettled is None and not self._settling else None)

        def guarded() -> T:
            journal = self.twin.journal
            before = journal.last_seq
            try:
                return fn()
            except DiscordError as exc:
                raise BackendError(f"Discord refused: {exc.status} {exc.code} {exc.message}"
                                   + (f" {exc.errors}" if exc.errors else ""),
                                   status=exc.status, code=exc.code) from None
            finally:
                if changes and journal.last_seq != before:
                    self._state_mark = max(self._state_mark, before)
                    if opening is not None and self._unsettled is None and any(
                            s.connection is not None
                            for s in self.twin.hub.sessions.values()):
                        self._unsettled = opening

        loop = self.twin.home_loop
        if loop is None or in_loop_thread(loop) or not loop.is_running():
            return guarded()

        async def invoke() -> T:
            return guarded()

        return await await_in_loop(loop, invoke())

    def _observe(self, event: str, data: dict[str, Any]) -> None:
        # In the home loop, as the model dispatches.
        if event != "MESSAGE_CREATE" or data.get("type") == POLL_RESULT:
            return  # a POLL_RESULT is Discord's notice, in the poll author's name
        if data.get("author", {}).get("id") != str(self.model.bot.id):
            return
        message = self.model.messages.get(int(data["channel_id"]), {}).get(int(data["id"]))
        if message is not None:
            self._sent.append(message)

    def _last_seq(self) -> int:
        return self.twin.journal.last_seq

    def _claim(self, chosen: int | None, what: str) -> None:
        """A test chose the id of the ``what`` it makes (a bot with hard-coded ids): a
        snowflake nothing in the twin has yet, which the twin then never makes itself."""
        if chosen is None:
            return
        if isinstance(chosen, bool) or not isinstance(chosen, int) \
                or not 0 < chosen < 1 << 63:
            raise BackendError(f"a {what} id must be a snowflake (a positive 64-bit "
                               f"integer), got {chosen!r}")
        taken = self._holder_of(chosen)
        if taken is not None:
            raise BackendError(f"id {chosen} is taken by {taken}: choose another for the "
                               f"{what}")
        self.model.ids.reserve(chosen)

    def _holder_of(self, snowflake: int) -> str | None:
        model = self.model
        if snowflake in model.users:
            return f"the user {model.users[snowflake].username!r}"
        if snowflake in model.guilds:
            return f"the guild {model.guilds[snowflake].name!r}"
        if snowflake in model.channels:
            return f"the channel #{model.channels[snowflake].name}"
        for guild in model.guilds.values():
            if snowflake in guild.roles:
                return f"the role {guild.roles[snowflake].name!r} of {guild.name!r}"
            if snowflake in guild.emojis:
                return f"the emoji :{guild.emojis[snowflake].name}: of {guild.name!r}"
            if snowflake in guild.stickers:
                return f"the sticker {guild.stickers[snowflake].name!r} of {guild.name!r}"
            if snowflake in guild.scheduled_events:
                return f"the scheduled event {guild.scheduled_events[snowflake].name!r}"
        if snowflake in model.app_emojis:
            return f"the application's emoji :{model.app_emojis[snowflake].name}:"
        if any(snowflake in held for held in model.messages.values()):
            return "a message"
        return None

    def _guild(self, obj: Any) -> Guild:
        if isinstance(obj, Guild):
            return obj
        found: Guild | None = self.model.guilds.get(id_of(obj, "guild"))
        if found is None:
            raise BackendError(f"no guild {obj!r} in the twin")
        return found

    def _channel(self, obj: Any) -> Channel:
        if isinstance(obj, Channel):
            return obj
        found: Channel | None = self.model.channels.get(id_of(obj, "channel"))
        if found is None:
            raise BackendError(f"no channel {obj!r} in the twin")
        return found

    def _guild_of(self, obj: Any, guild: Any) -> Guild:
        """The guild a member/role belongs to: given, or carried by the object."""
        if guild is not None:
            return self._guild(guild)
        if isinstance(obj, Member | Role):
            return self._guild(obj.guild_id)
        carried = getattr(obj, "guild", None)
        if carried is not None:
            return self._guild(carried)
        raise BackendError(f"which guild? pass guild= for {obj!r}")

    def _user(self, obj: Any) -> User:
        if isinstance(obj, User):
            return obj
        found: User | None = self.model.users.get(user_id_of(obj))
        if found is None:
            raise BackendError(f"no user {obj!r} in the twin")
        return found

    def _role(self, obj: Any, guild: Guild) -> Role:
        if isinstance(obj, Role):
            return obj
        if isinstance(obj, str) and not obj.isdigit():
            for role in guild.roles.values():
                if role.name == obj:
                    return role
            raise BackendError(f"no role named {obj!r} in guild {guild.name!r}")
        found = guild.roles.get(id_of(obj, "role"))
        if found is None:
            raise BackendError(f"no role {obj!r} in guild {guild.name!r}")
        return found

    def _message(self, obj: Any) -> Message:
        if isinstance(obj, Message):
            return obj
        message_id = id_of(obj, "message")
        channel = getattr(obj, "channel", None)
        candidates = ([self._channel(channel).id] if channel is not None
                      else list(self.model.messages))
        for channel_id in candidates:
            found = self.model.messages.get(channel_id, {}).get(message_id)
            if found is not None:
                return found
        raise BackendError(f"no message {obj!r} in the twin")

    def _author(self, author: Any, channel: Channel) -> int:
        if author is not None:
            return user_id_of(author)
        if channel.guild_id is None:
            humans = [u for u in channel.recipients if u != self.model.bot.id]
        else:
            guild = self.model.guilds[channel.guild_id]
            humans = [u for u in guild.members if not self.model.users[u].bot]
        # The application's owner (a default guild owner) speaks only if nobody else can.
        owner = self.model.application.owner.id
        humans.sort(key=lambda u: u == owner)
        if not humans:
            raise BackendError(f"nobody but the bot can speak in #{channel.name}: make a "
                               "member first, or pass author=")
        return humans[0]

    def _default_text_channel(self) -> Channel:
        bot = self.model.bot.id
        for guild in self.model.guilds.values():
            if bot not in guild.members:
                continue
            for channel_id in guild.channels:
                channel = self.model.channels[channel_id]
                if channel.type == ChannelType.GUILD_TEXT:
                    return channel
        raise BackendError("no text channel the bot can see: make_guild and "
                           "make_text_channel first, or pass channel=", status=404)
