"""Running real, unmodified discord.py bots against a :class:`DiscordTwin` in a test.

``async with run_bot(twin, bot) as run:`` points discord.py at the twin, starts the bot
with ``bot.start(token)``, waits for ``on_ready`` (or re-raises what made ``start`` fail),
and at the end closes the bot and awaits its task, so no session is left open.

Synchronisation is on events, never on sleeps: :func:`listen` turns a bot event into a
queue, :func:`posted` waits for the bot's ``POST /channels/{id}/messages`` in the twin's
journal and hands back the message the twin stored, :func:`mark` lets a wait ignore what
happened before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from discord.ext import commands

from wiretwin.discord.model import Channel, DiscordModel, Guild, Message, Role, User
from wiretwin.discord.permissions import Permission
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py import use_discord_py
from wiretwin.runtime.journal import Entry

#: How long any single wait in these tests may take before it fails.
TIMEOUT = 10.0

#: A bot discord.py can start: ``commands.Bot`` or ``commands.AutoShardedBot``.
AnyBot = commands.Bot | commands.AutoShardedBot

#: What the bot's own role grants in :func:`build_world` (a moderator, not an admin).
BOT_PERMISSIONS = Permission(
    Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES | Permission.READ_MESSAGE_HISTORY
    | Permission.EMBED_LINKS | Permission.ATTACH_FILES | Permission.ADD_REACTIONS
    | Permission.MANAGE_MESSAGES | Permission.PIN_MESSAGES | Permission.MANAGE_ROLES
    | Permission.MANAGE_CHANNELS | Permission.KICK_MEMBERS | Permission.MANAGE_NICKNAMES)


@dataclass
class World:
    """A guild owned by alice, with bob, the bot (with its own role) and #general."""

    twin: DiscordTwin
    alice: User
    bob: User
    guild: Guild
    bot_role: Role
    general: Channel

    @property
    def model(self) -> DiscordModel:
        return self.twin.model


def build_world(twin: DiscordTwin, *, bot_permissions: Permission = BOT_PERMISSIONS,
                guild_name: str = "Test Server") -> World:
    model = twin.model
    alice = model.add_user("alice")
    bob = model.add_user("bob")
    guild = model.create_guild(guild_name, alice.id)
    bot_role = model.create_role(guild, "wiretwin-bot", int(bot_permissions))
    model.add_member(guild, model.bot.id, roles=[bot_role.id])
    model.add_member(guild, bob.id)
    general = model.create_channel(guild, "general")
    return World(twin, alice, bob, guild, bot_role, general)


@dataclass
class BotRun:
    """A running bot: its task, and every command error it reported."""

    bot: AnyBot
    task: asyncio.Task[None]
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    command_errors: asyncio.Queue[tuple[Any, Exception]] = field(
        default_factory=asyncio.Queue)

    async def command_error(self, timeout: float = TIMEOUT) -> Exception:
        """The next error a command raised (``on_command_error``'s second argument)."""
        _, error = await asyncio.wait_for(self.command_errors.get(), timeout)
        return error


@contextlib.asynccontextmanager
async def run_bot(twin: DiscordTwin, bot: AnyBot, *, wait_ready: bool = True,
                  timeout: float = TIMEOUT) -> AsyncIterator[BotRun]:
    """Start ``bot`` against ``twin`` (``bot.start(token)``), and close it afterwards."""
    with use_discord_py(twin, bot):
        run: BotRun | None = None

        async def on_ready() -> None:
            assert run is not None
            run.ready.set()

        async def on_command_error(ctx: Any, error: Exception) -> None:
            assert run is not None
            run.command_errors.put_nowait((ctx, error))

        bot.add_listener(on_ready, "on_ready")
        # A listener also keeps discord.py from printing the traceback itself.
        bot.add_listener(on_command_error, "on_command_error")
        task = asyncio.create_task(bot.start(twin.application.token))
        run = BotRun(bot, task)
        try:
            if wait_ready:
                await _until(run.ready.wait(), task, timeout)
            yield run
            # Whatever the bot did, the twin modelled: no "not modelled yet" 404s.
            unmodelled = [e.detail.get("route") for e in twin.journal.entries("note")
                          if e.event == "unmodelled-route"]
            assert not unmodelled, f"routes the twin does not model: {unmodelled}"
        finally:
            await bot.close()
            with contextlib.suppress(Exception):
                await task


async def _until(waiting: Any, task: asyncio.Task[None], timeout: float) -> None:
    """Wait for ``waiting``; if the bot's task ends first, raise what ended it."""
    waiter = asyncio.ensure_future(waiting)
    try:
        done, _ = await asyncio.wait({waiter, task}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not waiter.done():
            waiter.cancel()
    if waiter in done:
        return
    if task in done:
        task.result()
        raise AssertionError("the bot stopped before it was ready")
    raise TimeoutError(f"the bot was not ready within {timeout} s")


# -- waiting on the bot ----------------------------------------------------------------------

def listen(bot: AnyBot, event: str) -> asyncio.Queue[tuple[Any, ...]]:
    """Every ``event`` (``"on_message"``...) the bot dispatches, as a queue of arguments."""
    queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()

    async def handler(*args: Any) -> None:
        queue.put_nowait(args)

    bot.add_listener(handler, event)
    return queue


async def next_event(queue: asyncio.Queue[tuple[Any, ...]], *,
                     where: Callable[..., bool] | None = None,
                     timeout: float = TIMEOUT) -> tuple[Any, ...]:
    """The next arguments in ``queue`` (that satisfy ``where``, if given)."""
    async def take() -> tuple[Any, ...]:
        while True:
            args = await queue.get()
            if where is None or where(*args):
                return args

    return await asyncio.wait_for(take(), timeout)


# -- waiting on the twin ------------------------------------------------------------------

def mark(twin: DiscordTwin) -> int:
    """The journal's newest sequence number: waits with ``since=mark(twin)`` look later."""
    entries = twin.journal.entries()
    return entries[-1].seq if entries else 0


def is_http(entry: Entry, method: str, path_end: str, *, status: int | None = None,
            since: int = 0) -> bool:
    return (entry.kind == "http" and entry.seq > since
            and entry.detail.get("method") == method
            and str(entry.detail.get("path", "")).endswith(path_end)
            and (status is None or entry.detail.get("status") == status))


async def posted(twin: DiscordTwin, channel: Channel | int, *, count: int = 1,
                 since: int = 0, timeout: float = TIMEOUT) -> list[Message]:
    """The next ``count`` messages the bot posts in ``channel`` (as the twin stored them)."""
    channel_id = channel if isinstance(channel, int) else channel.id
    entries = await twin.journal.wait_for(
        lambda e: is_http(e, "POST", f"/channels/{channel_id}/messages", status=200,
                          since=since), count=count, timeout=timeout)
    messages = twin.model.messages[channel_id]
    return [messages[int(json.loads(e.detail["response_body"])["id"])] for e in entries]


async def refused(twin: DiscordTwin, method: str, path_end: str, *, since: int = 0,
                  timeout: float = TIMEOUT) -> dict[str, Any]:
    """The body of the next 4xx answer to ``method ...path_end``."""
    (entry,) = await twin.journal.wait_for(
        lambda e: is_http(e, method, path_end, since=since)
        and int(e.detail.get("status", 0)) >= 400, timeout=timeout)
    body: dict[str, Any] = json.loads(entry.detail["response_body"])
    body["status"] = entry.detail["status"]
    return body


def gateway_in(twin: DiscordTwin, op: int, *, since: int = 0) -> list[Entry]:
    """Frames the clients sent with opcode ``op`` (2 IDENTIFY, 6 RESUME...)."""
    return [e for e in twin.journal.frames(direction="in")
            if e.seq > since and isinstance(e.json, dict) and e.json.get("op") == op]


def dispatches(twin: DiscordTwin, event: str, *, since: int = 0) -> list[Entry]:
    """Dispatch frames the twin sent with type ``event``."""
    return [e for e in twin.journal.frames(direction="out", event=event) if e.seq > since]


__all__ = [
    "BOT_PERMISSIONS",
    "TIMEOUT",
    "AnyBot",
    "BotRun",
    "World",
    "build_world",
    "dispatches",
    "gateway_in",
    "is_http",
    "listen",
    "mark",
    "next_event",
    "posted",
    "refused",
    "run_bot",
]
