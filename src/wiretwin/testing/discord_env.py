"""A user's bot logged in to a Discord twin, in the test's own event loop: :class:`DiscordEnv`.

The pytest plugin's ``discord_env`` fixture makes one per test from the user's
``discord_bot`` fixture (see :mod:`wiretwin.testing.plugin`); a test can also make one
itself::

    async with DiscordTwin(world=default_discord_world()) as twin:
        async with DiscordEnv(twin, make_bot()) as env:
            outcome = await env.user("alice").send("!ping")
            assert outcome.content == "pong"

The bot and the twin share the loop, so "the bot has finished" is something the env can
know: every action (see :mod:`wiretwin.testing.actors`) returns once the bot has read
every dispatch it was sent and every task it started since has finished or is only
waiting for a timer. What the bot's library reports as unhandled (an exception in a
handler, a command, a view, a background task) is raised from the action that caused it,
and anything left over when the env stops, unless ``raise_bot_errors=False``.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..discord.backend.driver import unsettled
from ..discord.coerce import BackendError
from ..discord.interactions import Interaction
from ..discord.model import Channel, ChannelType, Guild, Message, Role, User
from ..drivers.bots import BotError, BotRunner, runner_for
from ..runtime.clock import VirtualClock
from ..runtime.looptime import LoopTime
from ..runtime.parking import busy
from .actors import Actor
from .outcome import Outcome, collect
from .transcript import render

if TYPE_CHECKING:
    from ..discord.backend import Backend
    from ..discord.twin import DiscordTwin

#: Dispatches an env remembers for outcomes (a long test's oldest go first).
EVENT_LIMIT = 100_000


class BotRaised(AssertionError):
    """The bot's library reported an error it logged without an exception."""


class DiscordEnv:
    """A twin with the user's bot logged in (see the module docstring).

    ``library``: one of :data:`wiretwin.drivers.bots.LIBRARIES` (default: detected from
    the bot). ``raise_bot_errors``: raise what the bot's library reports as unhandled.
    ``timeout``: how long an action waits for the bot to finish, in seconds.
    """

    def __init__(self, twin: DiscordTwin, bot: Any, *, library: str | None = None,
                 raise_bot_errors: bool = True, login_timeout: float = 10.0,
                 timeout: float = 5.0) -> None:
        self.twin = twin
        self.bot = bot
        self.raise_bot_errors = raise_bot_errors
        self.login_timeout = login_timeout
        self.timeout = timeout
        self._runner: BotRunner = runner_for(bot, twin, library)
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._events_dropped = 0
        self._reported = 0
        self._connect_seq = self._login_seq = 0
        self._started = False
        self._baseline: set[asyncio.Task[Any]] = set()

    # -- life ---------------------------------------------------------------------------

    @property
    def library(self) -> str:
        """The bot's library: ``"discord.py"``, ``"py-cord"``, ``"nextcord"``,
        ``"disnake"`` or ``"hikari"``."""
        return self._runner.library

    @property
    def backend(self) -> Backend:
        """The twin's test-control API (dpytest's backend vocabulary)."""
        return self.twin.backend

    async def start(self) -> DiscordEnv:
        """Log the bot in; returns once it is ready."""
        if self._started:
            return self
        self.twin.dispatch_observers.append(self._observe)
        self._connect_seq = self.twin.journal.last_seq
        await self._login()
        self._login_seq = self.twin.journal.last_seq
        self._started = True
        return self

    async def _login(self) -> None:
        await self._runner.start(self.login_timeout)
        # The bot's long-lived tasks (its gateway reader, a hikari shard...): what is busy
        # now, but for event handlers (on_ready's work is waited for like any other) and
        # the library's own login work (disnake syncs its commands in a task of its own).
        self._baseline = set(busy([t for t in asyncio.all_tasks() if not _handler(t)
                                   and not self._runner.login_work(t)]))
        errors_mark = len(self._runner.errors.seen)
        await self.settle()
        self._raise_new(errors_mark)

    async def stop(self) -> None:
        """Log the bot out; then raise what it left unreported (``raise_bot_errors``)."""
        if self._observe in self.twin.dispatch_observers:
            self.twin.dispatch_observers.remove(self._observe)
        if not self._started:
            return
        self._started = False
        await self._runner.stop()
        self.raise_unreported()

    async def restart_bot(self, bot: Any = None) -> None:
        """Log the bot out and in again (``bot``: a new bot object instead)."""
        await self._runner.stop()
        if bot is not None:
            self.bot = bot
            self._runner = runner_for(bot, self.twin, self._runner.library)
        else:
            self._runner.reopen()
        await self._login()

    async def __aenter__(self) -> DiscordEnv:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is not None:
            self.raise_bot_errors = False
        await self.stop()

    def _observe(self, event: str, data: dict[str, Any]) -> None:
        self._events.append((event, data))
        if len(self._events) > EVENT_LIMIT:
            drop = len(self._events) - EVENT_LIMIT
            del self._events[:drop]
            self._events_dropped += drop

    # -- acting ---------------------------------------------------------------------------

    async def act(self, action: str, do: Callable[[], Awaitable[Any]], *,
                  interaction: list[Interaction] | None = None) -> Outcome:
        """Run ``do()`` (something that makes the bot react) and return, once the bot has
        finished, what it did (``action`` describes it in messages)."""
        __tracebackhide__ = True  # a failing test's traceback ends at its own line
        events_mark = self._events_dropped + len(self._events)
        seq = self.twin.journal.last_seq
        errors_mark = len(self._runner.errors.seen)
        looptime = self._looptime()
        async with self.backend.settle(self.timeout, ignore=self._baseline,
                                       any_timer=looptime is not None, absorb=True):
            await do()
        if looptime is not None:
            await self._run_soon_timers(looptime)
        start = max(0, events_mark - self._events_dropped)
        requests = [e for e in self.twin.journal.since(seq) if e.kind == "http"]
        outcome = collect(self.twin, action, self._events[start:], requests,
                          interaction[0] if interaction else None)
        self._raise_new(errors_mark)
        return outcome

    async def settle(self) -> None:
        """Wait until the bot has finished with everything it was sent and every task
        it runs is done or waiting for a timer. On loop time, a task waiting for a timer
        due within the action ``timeout`` (a rate-limit retry, a short sleep) is part of
        the answer: time moves on to it, with no real waiting; later ones (``delete_after``,
        a view's timeout, a background task's next round) wait for :meth:`advance`."""
        looptime = self._looptime()
        if looptime is None:
            async with self.backend.settle(self.timeout, ignore=self._baseline):
                pass
            return
        await self._settle_parked()
        await self._run_soon_timers(looptime)

    async def _run_soon_timers(self, looptime: LoopTime) -> None:
        """After a settle on any timer: while a task of the bot waits for a timer due
        within the ``timeout``, move time on to the next timer (and settle again)."""
        loop = asyncio.get_running_loop()
        read = self.backend.gateway_seqs()
        for _ in range(10_000):
            if not busy(unsettled(self._baseline), after=loop.time() + self.timeout):
                return
            due = looptime.next_due()
            if due is None:
                return
            await looptime.advance(due, settle=lambda: self._settle_parked(read))

    async def _settle_parked(self, read: dict[str, int] | None = None) -> None:
        """Settle, a task parked on any timer counting as idle. ``read``: what the bot
        was shown to have read (see :meth:`Backend.settle`), when time moved since: a
        twin timer that fired on the way may have sent it something (a poll's end)."""
        async with self.backend.settle(self.timeout, ignore=self._baseline, any_timer=True,
                                       read=read):
            pass

    def _looptime(self) -> LoopTime | None:
        looptime = LoopTime.of()
        return looptime if looptime is not None and self.twin.clock is looptime.clock \
            else None

    async def advance(self, seconds: float) -> int:
        """Move time on by ``seconds``, with no real waiting: every timer due meanwhile,
        the bot's (``tasks.loop``, ``asyncio.sleep``, view timeouts, ``delete_after``,
        cooldowns) and the twin's (token expiry, rate-limit and resume windows), fires in
        order, the bot finishing what each set off before the next; returns how many
        fired. On a twin with a :class:`VirtualClock` only the twin's timers (and views)
        move."""
        errors_mark = len(self._runner.errors.seen)
        clock = self.twin.clock
        looptime = self._looptime()
        if looptime is not None:
            read = self.backend.gateway_seqs()
            fired = await looptime.advance(seconds,
                                           settle=lambda: self._settle_parked(read))
        elif isinstance(clock, VirtualClock):
            async with self.backend.settle(self.timeout, ignore=self._baseline):
                fired = await clock.advance(seconds)
        else:
            raise BackendError("this env runs on real time (virtual_time=False): "
                               "time cannot be advanced")
        self._raise_new(errors_mark)
        return fired

    @property
    def now(self) -> datetime.datetime:
        """The time, as the twin and the bot see it (advanced by :meth:`advance`)."""
        return datetime.datetime.fromtimestamp(self.twin.clock.time(), datetime.UTC)

    # -- the world ------------------------------------------------------------------------

    @property
    def bot_user(self) -> User:
        return self.twin.model.bot

    @property
    def guild(self) -> Guild:
        """The first guild the bot is in."""
        bot = self.twin.model.bot.id
        for guild in self.twin.model.guilds.values():
            if bot in guild.members:
                return guild
        raise BackendError("the bot is in no guild of the twin")

    def guild_named(self, which: Any) -> Guild:
        """A guild by object, id or name."""
        if isinstance(which, Guild):
            return which
        for guild in self.twin.model.guilds.values():
            if guild.name == which or str(guild.id) == str(which) \
                    or getattr(which, "id", None) == guild.id:
                return guild
        raise BackendError(f"no guild {which!r} in the twin")

    def channel(self, which: Any = None) -> Channel:
        """A channel: by name (in the env's guild), id, or object; ``None`` is the env's
        default channel (#general, else the guild's first text channel)."""
        model = self.twin.model
        if isinstance(which, Channel):
            return which
        if which is None or (isinstance(which, str) and not which.isdigit()):
            name = (which or "general").lstrip("#")
            guild = self.guild
            texts = [model.channels[c] for c in guild.channels if c in model.channels]
            for channel in texts:
                if channel.name == name:
                    return channel
            if which is None:
                for channel in texts:
                    if channel.type == ChannelType.GUILD_TEXT:
                        return channel
            raise BackendError(f"no channel #{name} in {guild.name!r}: it has "
                               + ", ".join(f"#{c.name}" for c in texts))
        channel_id = getattr(which, "id", which)
        found = model.channels.get(int(channel_id))
        if found is None:
            raise BackendError(f"no channel {which!r} in the twin")
        return found

    def role(self, name: str, guild: Any = None) -> Role:
        where = self.guild if guild is None else self.guild_named(guild)
        for role in where.roles.values():
            if role.name == name:
                return role
        raise BackendError(f"no role {name!r} in {where.name!r}: it has "
                           + ", ".join(repr(r.name) for r in where.roles.values()))

    def user(self, name: Any) -> Actor:
        """A user of the twin (by name, id, or object) as an :class:`Actor`, acting in
        the env's guild."""
        model = self.twin.model
        found: User | None = None
        if isinstance(name, User):
            found = name
        elif isinstance(name, int) or (isinstance(name, str) and name.isdigit()):
            found = model.users.get(int(name))
        else:
            found = next((u for u in model.users.values() if u.username == name), None)
        if found is None:
            raise BackendError(f"no user {name!r} in the twin (its users: "
                               + ", ".join(u.username for u in model.users.values())
                               + "); add one with await env.add_member(name)")
        try:
            guild: Guild | None = self.guild
        except BackendError:
            guild = None
        return Actor(self, found, guild)

    member = user

    async def add_member(self, name: str, *, roles: Any = (), nick: str | None = None,
                         guild: Any = None) -> Actor:
        """A new user joins the guild (GUILD_MEMBER_ADD); returns once the bot has
        reacted, as an :class:`Actor`."""
        where = self.guild if guild is None else self.guild_named(guild)
        made: list[Any] = []

        async def join() -> None:
            made.append(await self.backend.make_member(name, where, roles=roles, nick=nick))

        await self.act(f"{name} joining {where.name}", join)
        return Actor(self, self.twin.model.users[made[0].user_id], where)

    # -- what users see -------------------------------------------------------------------

    def history(self, channel: Any = None, limit: int | None = None) -> list[Message]:
        """The channel's messages, oldest first (the newest ``limit``)."""
        where = self.channel(channel)
        messages = sorted(self.twin.model.messages.get(where.id, {}).values(),
                          key=lambda m: m.id)
        return messages[-limit:] if limit else messages

    def last_message(self, channel: Any = None) -> Message | None:
        """The channel's newest message, as the twin holds it."""
        messages = self.history(channel, 1)
        return messages[0] if messages else None

    @property
    def bot_presence(self) -> dict[str, Any] | None:
        """The presence the bot last set (op 3, or its IDENTIFY's): status, activities."""
        for entry in reversed(self.twin.journal.frames(direction="in")):
            payload = entry.json
            if not isinstance(payload, dict):
                continue
            if payload.get("op") == 3 and isinstance(payload.get("d"), dict):
                return dict(payload["d"])
            if payload.get("op") == 2 and isinstance(payload.get("d"), dict):
                presence = payload["d"].get("presence")
                return dict(presence) if isinstance(presence, dict) else None
        return None

    # -- trouble ------------------------------------------------------------------------

    async def inject_error(self, method: str | None = None, route: str | None = None,
                           status: int = 500, *, code: int = 0,
                           message: str | None = None) -> None:
        """The bot's next REST calls to ``route`` (a Discord route template such as
        ``/channels/{channel_id}/messages``; None: every route) with ``method`` fail
        with ``status`` until :meth:`clear_errors`."""
        await self.backend.set_error_state("http", status, method=method, route=route,
                                           code=code, message=message)

    async def clear_errors(self) -> None:
        await self.backend.clear_error_state()

    @property
    def bot_errors(self) -> list[BotError]:
        """Everything the bot's library reported as unhandled, oldest first."""
        return list(self._runner.errors.seen)

    def raise_unreported(self) -> None:
        """Raise the first bot error no action raised yet (``raise_bot_errors``)."""
        self._raise_new(self._reported)

    def _raise_new(self, mark: int) -> None:
        __tracebackhide__ = True
        seen = self._runner.errors.seen
        fresh = seen[max(mark, self._reported):]
        self._reported = len(seen)
        if not fresh or not self.raise_bot_errors:
            return
        first = fresh[0]
        if first.exception is None:
            raise BotRaised(f"the bot's library reported an error: {first.describe()}")
        raise _unwrap(first.exception)

    def transcript(self, *, login: bool = False) -> str:
        """What crossed the wire since the bot logged in (with ``login``: since it
        connected), one readable line each."""
        entries = self.twin.journal.since(self._connect_seq if login else self._login_seq)
        return "\n".join(render(self.twin, entries, login=True))


def _handler(task: asyncio.Task[Any]) -> bool:
    """An event handler's task (the discord.py family runs each in ``_run_event``)."""
    code = getattr(task.get_coro(), "cr_code", None)
    return getattr(code, "co_name", "") == "_run_event"


def _unwrap(exc: BaseException) -> BaseException:
    """The exception the bot's own code raised: discord.py and its forks wrap it
    (``CommandInvokeError``, ``HybridCommandError``...) and keep it as ``original``."""
    seen = 0
    while seen < 5 and type(exc).__name__.endswith(("InvokeError", "HybridCommandError")):
        inner = getattr(exc, "original", None)
        if not isinstance(inner, BaseException):
            break
        exc, seen = inner, seen + 1
    return exc


__all__ = ["EVENT_LIMIT", "BotRaised", "DiscordEnv"]
