"""What every Discord scenario runs against: a twin with a small world, and the library's
bot in a process of its own (its own interpreter, venv or Node), pointed at the twin.

The world (two guilds, one per shard of two; a channel the bot may not post in; the
``/echo`` command) is built once; a library's bot stays logged in across its scenarios,
and :meth:`DiscordCase.reset` takes away what a scenario changed (rate limits, faults,
the message queue) through the twin's own API. The sharding scenario starts a second bot
of the same library with two shards; the disallowed-intent scenario starts one that the
twin refuses (its application without a privileged intent the bot asks for).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tests.e2e.node_driver import NodeDriver
from wiretwin.discord.model.entities import Guild
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.journal import Direction

from ..process import start_driver

#: How long any one wait in a scenario may take (only reached when a scenario fails).
TIMEOUT = 10.0
#: How long a bot may take to start and log in (a cold interpreter, imports, READY).
START_TIMEOUT = 30.0
#: Send Messages.
SEND_MESSAGES = 1 << 11
#: GUILDS | GUILD_MEMBERS | GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | MESSAGE_CONTENT
INTENTS = (1 << 0) | (1 << 1) | (1 << 9) | (1 << 10) | (1 << 15)
#: Guild ids whose shard (of two) is 0 and 1: ``(guild_id >> 22) % 2``.
GUILD_IDS = (1_000_000 << 22 | 1, 1_000_001 << 22 | 1)

ECHO = {"name": "echo", "description": "Say it again", "type": 1, "options": [
    {"type": 3, "name": "text", "description": "what", "required": True,
     "autocomplete": True},
    {"type": 4, "name": "times", "description": "how often", "required": True}]}

#: How a library's bot is started: the command line, given the settings JSON.
Command = Callable[[str], Sequence[str]]


class BotProcess(NodeDriver):
    """A library's scenario bot (any language): settings as its one argument, JSON lines
    out (``ready``, ``error``...), ``{"cmd": "exit"}`` in. Its lines are read as they
    come (not only while a test waits for one), so an error it reports in the middle of a
    scenario is there when the scenario ends."""

    client = "the bot"
    timeout = START_TIMEOUT

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        super().__init__(proc)
        self._new = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            text = raw.decode(errors="replace").strip()
            try:
                line = json.loads(text)
            except ValueError:
                line = {"type": "stdout", "text": text}
            self.lines.append(line if isinstance(line, dict) else {"type": "stdout",
                                                                   "text": text})
            self._new.set()
        self._new.set()

    async def expect(self, **match: Any) -> dict[str, Any]:
        """The first line not yet returned that matches, waiting for it; an ``error``
        line fails at once."""
        try:
            return await asyncio.wait_for(self._expect(match), self.timeout)
        except TimeoutError:
            raise AssertionError(f"{self.client} never printed a line matching {match} "
                                 f"within {self.timeout:g}s\n{self.story()}") from None

    async def _expect(self, match: dict[str, Any]) -> dict[str, Any]:
        while True:
            for index, line in enumerate(self.lines):
                if line.get("type") == self.failure_type:
                    raise AssertionError(f"{self.client} reported a failure: {line}\n"
                                         f"{self.story()}")
                if index not in self._taken and all(
                        line.get(k) == v for k, v in match.items()):
                    self._taken.add(index)
                    return line
            if self._reader.done():
                await self.proc.wait()
                raise AssertionError(f"the bot exited ({self.proc.returncode}) before a "
                                     f"line matching {match}\n{self.story()}")
            self._new.clear()
            await self._new.wait()

    async def stop(self) -> None:
        if self.proc.returncode is None and self.proc.stdin is not None:
            try:
                await self.send("exit")
                await asyncio.wait_for(self.proc.wait(), 5)
            except (OSError, TimeoutError, ConnectionError):
                pass
        await self.close()

    async def close(self) -> None:
        await super().close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    def errors(self) -> list[dict[str, Any]]:
        return self.seen(type="error")


class RefusedBot(BotProcess):
    """A bot the twin is expected to refuse at IDENTIFY: its ``error`` lines (the library's
    error events and logs) are a part of how the library reports that, not failures of
    the scenario's own; the scenario waits for its ``fatal`` line, which the bot prints
    with what the library raised or emitted to say that it gave up."""

    failure_type = ""


async def _started(bot: BotProcess) -> None:
    """A bot's start that waits for nothing it prints (the scenario waits instead)."""


@dataclass
class World:
    guilds: tuple[Guild, Guild]
    general: tuple[int, int]
    locked: int
    alice: int


class DiscordCase:
    """A running twin, its world, and the library's logged-in bot."""

    def __init__(self, command: Command, max_concurrency: int = 2) -> None:
        self.command = command
        # /gateway/bot lets two shards identify at once (as for a large bot): libraries that
        # read it start both shards together instead of 5 s apart.
        self.twin = DiscordTwin(max_concurrency=max_concurrency)
        self.bot: BotProcess | None = None
        #: How many shards the running bot has (None: it did not ask for sharding).
        self.shards: int | None = None
        self.world: World | None = None

    async def open(self) -> None:
        await self.twin.start()
        self.world = self._build()
        await self.ensure_bot()

    def _build(self) -> World:
        m = self.twin.model
        alice = m.add_user("alice")
        guilds = tuple(m.create_guild(f"Matrix {i}", alice.id, guild_id=gid)
                       for i, gid in enumerate(GUILD_IDS))
        general = []
        for guild in guilds:
            m.add_member(guild, m.bot.id)
            general.append(m.create_channel(guild, "general").id)
        locked = m.create_channel(guilds[0], "locked")
        m.set_overwrite(locked, m.bot.id, 1, 0, SEND_MESSAGES)
        m.create_command(ECHO)
        return World((guilds[0], guilds[1]), (general[0], general[1]), locked.id, alice.id)

    def settings(self, shards: int | None = None) -> dict[str, Any]:
        assert self.world is not None
        s = self.twin.settings()
        return {"api": s["api_base"], "rest": s["rest_url"], "gateway": s["gateway_url"],
                "host": s["host"], "port": s["port"], "token": s["token"],
                "application_id": s["application_id"], "intents": INTENTS,
                "general": [str(g) for g in self.world.general],
                "locked": str(self.world.locked), "shards": shards}

    async def ensure_bot(self, shards: int | None = None) -> BotProcess:
        """The library's bot, logged in with ``shards`` (a new one if the running one
        has another sharding, or none runs)."""
        if self.bot is not None and self.shards == shards and self.bot.proc.returncode is None:
            return self.bot
        await self.stop_bot()
        self.bot = await self.start_bot(shards)
        self.shards = shards
        return self.bot

    async def stop_bot(self) -> None:
        bot, self.bot = self.bot, None
        if bot is not None:
            await bot.stop()
            # Its sessions go with it: the next bot's checks count only its own.
            self.twin.hub.forget()

    async def start_bot(self, shards: int | None = None) -> BotProcess:
        """A bot of the library, logged in (every shard READY, every guild cached)."""
        return await start_driver(self.command(json.dumps(self.settings(shards))),
                                  BotProcess, limit=1 << 20)

    async def start_refused_bot(self) -> RefusedBot:
        """A bot of the library, started without waiting for it to log in (it asks for
        the usual intents, :data:`INTENTS`)."""
        return await start_driver(self.command(json.dumps(self.settings())), RefusedBot,
                                  ready=_started, limit=1 << 20)

    @contextlib.contextmanager
    def privileged_intents(self, enabled: list[str]) -> Iterator[None]:
        """The application may ask for the privileged intents ``enabled`` within the
        block (as if switched in the developer portal), and its own ones after it."""
        before = self.twin.privileged_intents
        self.twin.set_privileged_intents(enabled)
        try:
            yield
        finally:
            self.twin.set_privileged_intents(before)

    async def close(self) -> None:
        await self.stop_bot()
        await self.twin.stop()

    async def reset(self) -> None:
        """What a scenario changed, taken away (the bot stays logged in)."""
        self.twin.faults.clear()
        await self.twin.backend.clear_rate_limits()
        await self.twin.backend.clear_message_queue()

    # -- acting and waiting ----------------------------------------------------------

    async def say(self, content: str, channel: int | None = None) -> Any:
        """alice posts ``content`` (in the first guild's #general by default)."""
        assert self.world is not None
        return await self.twin.backend.send_message(
            channel or self.world.general[0], content, self.world.alice)

    async def bot_messages(self, count: int, timeout: float = TIMEOUT) -> list[Any]:
        return await self.twin.backend.wait_for_messages(count, timeout=timeout)

    async def answered(self, content: str, expected: str, channel: int | None = None
                       ) -> None:
        await self.twin.backend.clear_message_queue()
        await self.say(content, channel)
        (reply,) = await self.bot_messages(1)
        assert reply.content == expected, f"the bot said {reply.content!r}, not {expected!r}"
        if channel is not None:
            assert reply.channel_id == channel, "the answer went to another channel"

    async def interact(self, act: Callable[[], Awaitable[Any]], replies: int = 1) -> Any:
        """Send an interaction as a user without waiting for the bot to settle (it runs
        elsewhere), then wait for the bot's first ``replies`` answers to it."""
        with self.twin.backend.without_settling():
            record = await act()
        if len(record.replies) < replies:
            await self.twin.interactions.log.wait_for(
                lambda item: item[0] == record.id, count=replies, timeout=TIMEOUT)
        return record

    def frames(self, event: str, direction: Direction = "in", since: int = 0) -> list[Any]:
        return [e for e in self.twin.journal.frames(direction=direction, event=event)
                if e.seq > since]

    def mark(self) -> int:
        entries = self.twin.journal.entries()
        return entries[-1].seq if entries else 0
