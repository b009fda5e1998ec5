"""discord.py attached to a twin synchronously (wiretwin.drivers.discord_py_attach): the
bot's cache is filled before attach() returns, dispatches reach it during the model
operation that made them, its gateway sends reach the twin in memory, REST stays on the
wire, and closing leaves nothing behind."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import warnings
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord.ext import commands

from wiretwin.discord.model import ChannelType, Guild, User
from wiretwin.discord.protocol import intents as I
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py_attach import Attachment, attach
from wiretwin.runtime.clock import VirtualClock


def _world(twin: DiscordTwin, members: int = 2) -> tuple[Guild, list[User]]:
    model = twin.model
    guild = model.create_guild("Test Guild 0", model.application.owner.id)
    model.create_channel(guild, "general")
    model.create_channel(guild, "Voice", ChannelType.GUILD_VOICE)
    users = [model.add_user(f"TestUser{n}") for n in range(members)]
    for user in users:
        model.add_member(guild, user.id)
    model.add_member(guild, model.bot.id)
    return guild, users


def _bot(intents: discord.Intents | None = None) -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=intents or discord.Intents.all())

    @bot.command()
    async def ping(ctx: commands.Context[Any]) -> None:
        await ctx.send("pong")

    return bot


def configure(bot: discord.Client, clock: VirtualClock | None = None
              ) -> tuple[DiscordTwin, Attachment]:
    """dpytest's shape: synchronous, the bot usable when it returns."""
    twin = DiscordTwin(clock=clock).start_soon()
    _world(twin)
    return twin, attach(twin, bot)


@pytest.fixture
async def attached() -> AsyncIterator[tuple[DiscordTwin, commands.Bot, Attachment]]:
    bot = _bot()
    twin, attachment = configure(bot)
    try:
        yield twin, bot, attachment
    finally:
        await attachment.close()
        await twin.stop()


async def test_the_bot_is_logged_in_when_attach_returns() -> None:
    bot = _bot()
    ready = asyncio.Event()

    async def on_ready() -> None:
        ready.set()

    bot.add_listener(on_ready)
    twin, attachment = configure(bot)  # no await between this and the checks
    try:
        assert bot.user is not None and bot.user.id == twin.bot_user.id
        assert bot.application_id == twin.application.id
        assert [g.name for g in bot.guilds] == ["Test Guild 0"]
        guild = bot.guilds[0]
        assert sorted(c.name for c in guild.channels) == ["Voice", "general"]
        assert {m.name for m in guild.members} >= {"TestUser0", "TestUser1", bot.user.name}
        assert guild.me is not None and bot.is_ready()
        # No keep-alive thread of discord.py's for this bot (other tests' bots in this
        # process may still have theirs, ending at their next beat).
        assert not isinstance(bot.ws._keep_alive, threading.Thread)
        await asyncio.wait_for(ready.wait(), 5)  # on_ready was scheduled, not awaited
        await bot.wait_until_ready()
    finally:
        await attachment.close()
        await twin.stop()


async def test_members_a_guild_must_be_chunked_for_are_there_too() -> None:
    # GUILD_MEMBERS without presences: discord.py asks for the members (op 8) before
    # READY counts as done; the in-memory gateway answers within attach().
    intents = discord.Intents.default()
    intents.members = True
    bot = _bot(intents)
    twin, attachment = configure(bot)
    try:
        guild = bot.guilds[0]
        assert guild.chunked and {m.name for m in guild.members} >= {"TestUser0", "TestUser1"}
        assert twin.journal.frames(direction="in", event="REQUEST_GUILD_MEMBERS")
        assert bot.is_ready()
    finally:
        await attachment.close()
        await twin.stop()


async def test_a_members_message_runs_a_command_whose_reply_lands_in_the_twin(
        attached: tuple[DiscordTwin, commands.Bot, Attachment]) -> None:
    twin, bot, _ = attached
    seen: list[str] = []

    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    bot.add_listener(on_message)
    sent = await twin.backend.message("!ping")
    assert bot._connection._get_message(sent.id) is not None
    assert twin.verify().message().content("pong")
    assert seen == ["!ping", "pong"]
    # The reply went over REST (the wire), the dispatches in memory.
    assert twin.journal.http(method="POST")


async def test_a_dispatch_is_in_the_cache_when_the_model_operation_returns(
        attached: tuple[DiscordTwin, commands.Bot, Attachment]) -> None:
    twin, bot, _ = attached
    model = twin.model
    guild = next(iter(model.guilds.values()))
    channel = model.create_channel(guild, "fresh")
    found = bot.get_channel(channel.id)
    assert isinstance(found, discord.TextChannel) and found.name == "fresh"
    author = next(u for u in model.users.values() if u.username == "TestUser0")
    message = model.create_message(channel, author.id, "hello")
    assert bot._connection._get_message(message.id).content == "hello"  # type: ignore[union-attr]


async def test_the_bots_gateway_sends_reach_the_twin(
        attached: tuple[DiscordTwin, commands.Bot, Attachment]) -> None:
    twin, bot, _ = attached
    await bot.change_presence(status=discord.Status.idle, activity=discord.Game("chess"))
    sent = twin.journal.frames(direction="in", event="PRESENCE_UPDATE")
    assert [json.loads(e.data or "")["d"]["activities"][0]["name"] for e in sent] == ["chess"]
    guild = bot.guilds[0]
    voice = next(c for c in guild.channels if isinstance(c, discord.VoiceChannel))
    await guild.change_voice_state(channel=voice)
    assert twin.journal.frames(direction="in", event="VOICE_STATE_UPDATE")
    members = await guild.query_members(user_ids=[bot.user.id])  # type: ignore[union-attr]
    assert [m.id for m in members] == [bot.user.id]  # type: ignore[union-attr]


async def test_closing_leaves_no_task_thread_or_unclosed_session() -> None:
    threads = set(threading.enumerate())
    bot = _bot()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        twin, attachment = configure(bot)
        await twin.backend.message("!ping")
        await attachment.close()
        await twin.stop()
        del attachment
        gc.collect()
    assert [str(w.message) for w in caught if "nclosed" in str(w.message)] == []
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert set(threading.enumerate()) <= threads
    assert bot.is_closed()
    closes = [e.detail for e in twin.journal if e.kind == "connection" and e.event == "close"]
    assert closes == [{"initiator": "client", "code": 1000, "peer_code": 1000}]


async def test_attach_again_after_closing_on_a_new_twin_and_the_same_bot() -> None:
    bot = _bot()
    first, attachment = configure(bot)
    await attachment.close()
    await first.stop()
    second, attachment = configure(bot)  # the same (closed) bot, a new twin
    try:
        assert bot.user is not None and bot.user.id == second.bot_user.id
        assert bot.is_ready() and not bot.is_closed()
        assert twin_message_ok(await second.backend.message("!ping"), second)
    finally:
        await attachment.close()
        await second.stop()


def twin_message_ok(sent: Any, twin: DiscordTwin) -> bool:
    return bool(twin.verify().message().content("pong"))


async def test_a_synchronous_close_then_a_new_attach_mid_test() -> None:
    # dpytest's configure() called twice in one test: the first attachment detaches
    # from synchronous code, the second takes over at once.
    bot = _bot()
    first, attachment = configure(bot)
    attachment.close_nowait()
    assert first.hub.live == {}  # the twin saw the client close, at once
    second = DiscordTwin().start_soon()
    guild, _ = _world(second)
    second.model.create_guild("Second Guild", second.model.application.owner.id)
    again = attach(second, bot)
    try:
        assert [g.name for g in bot.guilds] == ["Test Guild 0"]  # the new twin's world
        assert bot.guilds[0].id == guild.id
    finally:
        await attachment.close()
        await again.close()
        await first.stop()
        await second.stop()


async def test_a_reset_twin_is_identified_with_again(
        attached: tuple[DiscordTwin, commands.Bot, Attachment]) -> None:
    twin, bot, attachment = attached
    readies = asyncio.Queue[None]()

    async def on_ready() -> None:
        readies.put_nowait(None)

    bot.add_listener(on_ready)  # after attach: it hears the next READY only
    old = twin.model.create_channel(next(iter(twin.model.guilds.values())), "temporary")
    assert bot.get_channel(old.id) is not None
    twin.reset()  # closes the gateway (4000 "Reset"); the bot comes back, as a live one
    await asyncio.wait_for(readies.get(), 5)
    # The world as the twin was built (empty: configure() built its guild afterwards).
    assert bot.get_channel(old.id) is None and list(bot.guilds) == []
    assert attachment.errors == []
    # The journal (cleared by the reset): RESUME refused, then a fresh IDENTIFY.
    sent = [e.event for e in twin.journal.frames(direction="in")]
    assert sent == ["HEARTBEAT", "RESUME", "HEARTBEAT", "IDENTIFY"]


async def test_heartbeats_follow_the_twins_clock() -> None:
    clock = VirtualClock(start=1_750_000_000.0)
    bot = _bot()
    twin, attachment = configure(bot, clock)
    try:
        await clock.advance(200)  # past the twin's 62 s heartbeat deadline, many times
        assert twin.hub.live  # still connected: the bot heartbeat on the twin's clock
        beats = twin.journal.frames(direction="in", event="HEARTBEAT")
        assert len(beats) == 1 + 4  # the answer to HELLO, then one per 41.25 s
        assert bot.latency != float("inf")
    finally:
        await attachment.close()
        await twin.stop()


async def test_attach_needs_the_twin_in_this_loop() -> None:
    twin = DiscordTwin()
    twin.start_in_thread()
    try:
        with pytest.raises(RuntimeError, match="in this event loop"):
            attach(twin, _bot())
    finally:
        await asyncio.to_thread(twin.stop_thread)


async def test_an_unprivileged_bot_sees_what_its_intents_allow() -> None:
    intents = discord.Intents.default()  # no members, no message content
    bot = _bot(intents)
    twin = DiscordTwin(privileged_intents=False).start_soon()
    _world(twin)
    attachment = attach(twin, bot)
    try:
        identify = json.loads(twin.journal.frames(event="IDENTIFY")[0].data or "")
        assert identify["d"]["intents"] == intents.value
        assert identify["d"]["intents"] & I.GUILD_MEMBERS == 0
        assert bot.is_ready() and len(bot.guilds) == 1
    finally:
        await attachment.close()
        await twin.stop()
