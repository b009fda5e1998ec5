"""The Discord twin's test-control API and dpytest-style driver against a real discord.py bot.

Every backend call changes the twin's model; the bot (an unmodified ``commands.Bot``
started with ``bot.start(token)``) learns of it over the gateway and answers over REST.
Nothing waits on a sleep: ``twin.message``/``twin.settle()`` return once the bot has
handled what it was sent (see wiretwin.discord.backend), and every other wait is on an
event or the journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from wiretwin.discord.backend import Backend, BackendError
from wiretwin.discord.model import Channel, Guild, Member, Message
from wiretwin.discord.permissions import Permission
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py import use_discord_py

TIMEOUT = 10.0
MESSAGES = "/channels/{channel_id}/messages"

#: Bot events the tests watch (``on_<name>`` listeners append their arguments).
WATCHED = ("member_join", "member_remove", "member_update", "message", "message_edit",
           "message_delete", "reaction_add", "reaction_remove", "typing",
           "voice_state_update", "guild_join", "guild_remove", "guild_channel_create",
           "guild_channel_update", "guild_role_create", "ready", "resumed",
           "socket_event_type", "raw_typing", "command_error", "guild_update",
           "guild_channel_delete", "guild_role_update", "guild_role_delete",
           "raw_reaction_clear", "guild_channel_pins_update")


@dataclass
class Seen:
    """What the bot's listeners were called with, by event name."""

    events: defaultdict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: defaultdict(list))

    def __getitem__(self, name: str) -> list[tuple[Any, ...]]:
        return self.events[name]


def make_bot() -> tuple[commands.Bot, Seen]:
    """A plain ``commands.Bot`` with the commands these tests drive."""
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
    seen = Seen()
    gate = asyncio.Event()
    spawned: list[asyncio.Task[None]] = []

    for name in WATCHED:
        async def listener(*args: Any, _name: str = name) -> None:
            seen[_name].append(args)

        bot.add_listener(listener, f"on_{name}")

    @bot.command()
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("pong")

    @bot.command()
    async def busy(ctx: commands.Context[commands.Bot]) -> None:
        async with ctx.typing():
            reply = await ctx.send("working")
        await reply.edit(content="done")
        await ctx.message.add_reaction("\N{WHITE HEAVY CHECK MARK}")

        async def later() -> None:
            await asyncio.sleep(0.05)  # the bot being slow: the driver must still wait
            await ctx.send("later")

        spawned.append(asyncio.create_task(later()))

    @bot.command()
    async def burst(ctx: commands.Context[commands.Bot]) -> None:
        await asyncio.gather(*(ctx.send(f"burst {i}") for i in range(3)))

    @bot.command()
    async def status(ctx: commands.Context[commands.Bot]) -> None:
        embed = discord.Embed(title="Status", description="All good", colour=0x00FF00)
        embed.add_field(name="guilds", value=str(len(ctx.bot.guilds)))
        await ctx.send(embed=embed)

    @bot.command()
    async def upload(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("here", file=discord.File(io.BytesIO(b"hello twin"), "hello.txt"))

    @bot.command()
    async def stuck(ctx: commands.Context[commands.Bot]) -> None:
        await gate.wait()
        await ctx.send("unstuck")

    bot.gate = gate  # type: ignore[attr-defined]
    return bot, seen


@contextlib.asynccontextmanager
async def run_bot(twin: DiscordTwin, bot: commands.Bot) -> AsyncIterator[commands.Bot]:
    """Start ``bot`` against ``twin``, wait for on_ready, and close it cleanly after."""
    ready = asyncio.Event()

    async def on_ready() -> None:
        ready.set()

    bot.add_listener(on_ready, "on_ready")
    with use_discord_py(twin, bot):
        task = asyncio.create_task(bot.start(twin.application.token))
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({task, waiter}, timeout=TIMEOUT,
                           return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        if task.done():
            task.result()  # raises what stopped the bot
        assert ready.is_set(), "the bot did not get ready in time"
        try:
            yield bot
        finally:
            await bot.close()
            await task


@dataclass
class World:
    twin: DiscordTwin
    bot: commands.Bot
    seen: Seen
    guild: Guild
    general: Channel
    alice: Member
    bob: Member

    @property
    def backend(self) -> Backend:
        return self.twin.backend

    @property
    def dguild(self) -> discord.Guild:
        found = self.bot.get_guild(self.guild.id)
        assert found is not None
        return found


def member_named(twin: DiscordTwin, guild: Guild, name: str) -> Member:
    for user_id, member in guild.members.items():
        if twin.model.users[user_id].username == name:
            return member
    raise AssertionError(f"no member {name!r}")


@pytest.fixture
async def world(twin: DiscordTwin) -> AsyncIterator[World]:
    bot, seen = make_bot()
    async with run_bot(twin, bot):
        async with twin.settle():
            guild = await twin.backend.make_guild("Test Server", members=["alice", "bob"])
            general = await twin.backend.make_text_channel("general", guild)
        yield World(twin, bot, seen, guild, general, member_named(twin, guild, "alice"),
                    member_named(twin, guild, "bob"))


# -- building the world ---------------------------------------------------------------------

async def test_a_built_guild_reaches_the_bot_whole(world: World) -> None:
    twin, backend, seen = world.twin, world.backend, world.seen
    assert [args[0].id for args in seen["guild_join"]] == [world.guild.id]
    async with twin.settle():
        category = await backend.make_category("Text Channels", world.dguild)
        mods = await backend.make_role("Moderator", world.dguild, discord.Permissions(
            manage_messages=True, kick_members=True))
    # The bot has caught up: its objects for the new role and category can be passed in.
    async with twin.settle():
        admin = await backend.make_text_channel("Admin Only", world.dguild,
                                                category=world.bot.get_channel(category.id))
        voice = await backend.make_voice_channel("General Voice", world.guild, category)
        await backend.set_channel_permission_overrides(
            admin, world.dguild.get_role(mods.id), allow=discord.Permissions(
                read_messages=True), deny=discord.Permissions(mention_everyone=True))
        await backend.set_channel_permission_overrides(
            admin, world.dguild.default_role, deny=discord.Permissions(read_messages=True))
    dguild = world.dguild
    role = dguild.get_role(mods.id)
    assert role is not None and role.name == "Moderator"
    assert role.permissions == discord.Permissions(manage_messages=True, kick_members=True)
    text = dguild.get_channel(admin.id)
    assert isinstance(text, discord.TextChannel)
    assert text.name == "admin-only"  # Discord's own naming rule for text channels
    assert text.category is not None and text.category.name == "Text Channels"
    over = text.overwrites_for(role)
    assert over.read_messages is True and over.mention_everyone is False
    assert text.overwrites_for(dguild.default_role).read_messages is False
    voice_channel = dguild.get_channel(voice.id)
    assert isinstance(voice_channel, discord.VoiceChannel)
    assert voice_channel.category_id == category.id
    assert [c.name for c in dguild.categories] == ["Text Channels"]
    assert [args[0].name for args in seen["guild_role_create"]] == ["Moderator"]
    assert [args[0].name for args in seen["guild_channel_create"]] == [
        "general", "Text Channels", "admin-only", "General Voice"]
    # alice (no role) cannot see #admin-only; the bot's own permission check agrees.
    alice = dguild.get_member(world.alice.user_id)
    assert alice is not None and not text.permissions_for(alice).read_messages
    with pytest.raises(BackendError) as refused:
        await backend.send_message(admin, "sneaky", author=world.alice)
    assert refused.value.status == 403 and refused.value.code == 50001


async def test_make_guild_with_counts_roles_channels_and_the_bot_as_owner(
        world: World) -> None:
    twin, backend = world.twin, world.backend
    assert world.bot.user is not None
    async with twin.settle():
        guild = await backend.make_guild(
            "Owned", owner_id=world.bot.user.id, member_count=5,
            roles=["Helper", {"name": "Admin", "permissions": discord.Permissions.all()}],
            channels=["lobby", {"name": "Lounge", "type": "voice"}])
    dguild = world.bot.get_guild(guild.id)
    assert dguild is not None
    assert dguild.owner_id == world.bot.user.id
    assert dguild.member_count == 5 and len(dguild.members) == 5
    assert sorted(r.name for r in dguild.roles) == ["@everyone", "Admin", "Helper"]
    admin = discord.utils.get(dguild.roles, name="Admin")
    assert admin is not None and admin.permissions.administrator
    assert [(c.name, type(c).__name__) for c in dguild.channels] == [
        ("lobby", "TextChannel"), ("Lounge", "VoiceChannel")]


async def test_updates_and_deletes_reach_the_bot(world: World) -> None:
    twin, backend, seen = world.twin, world.backend, world.seen
    async with twin.settle():
        role = await backend.make_role("Temp", world.guild)
        doomed = await backend.make_text_channel("doomed", world.guild)
        message = await backend.send_message(world.general, "pin me", world.alice)
    async with twin.settle():
        await backend.update_guild(world.dguild, name="Renamed Server")
        await backend.update_channel(world.general, topic="All things twin")
        await backend.update_role(world.dguild.get_role(role.id), name="Permanent",
                                  permissions=discord.Permissions(administrator=True))
        await backend.add_reaction(message, world.bob, "\N{THUMBS UP SIGN}")
        await backend.pin_message(message)
    assert [(b.name, a.name) for b, a in seen["guild_update"]] == [
        ("Test Server", "Renamed Server")]
    assert world.dguild.name == "Renamed Server"
    general = world.dguild.get_channel(world.general.id)
    assert isinstance(general, discord.TextChannel) and general.topic == "All things twin"
    ((before, after),) = seen["guild_role_update"]
    assert (before.name, after.name, after.permissions.administrator) == (
        "Temp", "Permanent", True)
    assert [args[0].id for args in seen["guild_channel_pins_update"]] == [world.general.id]
    async with twin.settle():
        await backend.clear_reactions(message)
        await backend.unpin_message(message)
        await backend.delete_channel(doomed)
        await backend.delete_role(role)
    assert [args[0].message_id for args in seen["raw_reaction_clear"]] == [message.id]
    assert not message.pinned and message.reactions == {}
    assert [args[0].id for args in seen["guild_channel_delete"]] == [doomed.id]
    assert [args[0].id for args in seen["guild_role_delete"]] == [role.id]
    assert world.dguild.get_role(role.id) is None
    assert backend.get_state() is twin.model


async def test_members_join_change_and_leave(world: World) -> None:
    twin, backend, seen = world.twin, world.backend, world.seen
    async with twin.settle():
        role = await backend.make_role("Regular", world.guild)
        carol = await backend.make_member("carol", world.dguild, roles=[role], nick="Caz")
    (joined,) = seen["member_join"]
    assert joined[0].name == "carol" and joined[0].nick == "Caz"
    assert [r.name for r in joined[0].roles] == ["@everyone", "Regular"]
    dcarol = world.dguild.get_member(carol.user_id)
    assert dcarol is not None
    async with twin.settle():
        await backend.update_member(dcarol, nick="Carol", roles=[])
    before, after = seen["member_update"][-1]
    assert (before.nick, after.nick) == ("Caz", "Carol")
    assert [r.name for r in after.roles] == ["@everyone"]
    async with twin.settle():
        await backend.add_role(carol, world.dguild.get_role(role.id))
    assert [r.name for r in seen["member_update"][-1][1].roles] == ["@everyone", "Regular"]
    async with twin.settle():
        await backend.remove_member(dcarol)
    assert [args[0].id for args in seen["member_remove"]] == [carol.user_id]
    assert world.dguild.get_member(carol.user_id) is None
    assert carol.user_id not in world.guild.members


async def test_a_user_posts_edits_and_deletes(world: World) -> None:
    twin, backend, seen = world.twin, world.backend, world.seen
    async with twin.settle():
        message = await backend.send_message(world.general, "hello bot",
                                             author=world.alice)
    (got,) = [args[0] for args in seen["message"]]
    assert (got.content, got.author.id, got.channel.id) == (
        "hello bot", world.alice.user_id, world.general.id)
    async with twin.settle():
        await backend.edit_message(got, "hello again")  # a discord.Message works too
    before, after = seen["message_edit"][-1]
    assert (before.content, after.content) == ("hello bot", "hello again")
    assert message.content == "hello again"  # the model object is live
    async with twin.settle():
        await backend.delete_message(message)
    assert [args[0].id for args in seen["message_delete"]] == [message.id]
    assert message.id not in twin.model.messages[world.general.id]


async def test_a_file_uploaded_ahead_is_served_then_posted_under_its_id(world: World) -> None:
    twin, backend, seen = world.twin, world.backend, world.seen
    staged = await backend.upload(("plan.txt", b"step one"))
    async with aiohttp.ClientSession() as http, http.get(staged.url) as served:
        assert (served.status, await served.read()) == (200, b"step one")
    async with twin.settle():
        await backend.send_message(world.general, "see file", author=world.alice,
                                   attachments=[staged])
    ((got,),) = seen["message"]
    (file,) = got.attachments
    assert (file.id, file.filename, file.size) == (staged.id, "plan.txt", 8)
    assert f"/attachments/{world.general.id}/{staged.id}/" in file.url
    assert await file.read() == b"step one"  # the bot fetches it from the twin
    chosen = await backend.upload(b"raw", attachment_id=1234567890123456789)
    assert (chosen.id, chosen.filename) == (1234567890123456789, "file.bin")
    with pytest.raises(BackendError, match="already has the id"):
        await backend.upload(b"again", attachment_id=chosen.id)
    with pytest.raises(BackendError, match="is a snowflake"):
        await backend.upload(b"zero", attachment_id=0)
    twin.reset(disconnect=False)
    async with aiohttp.ClientSession() as http, http.get(staged.url) as served:
        assert served.status == 404  # a reset forgets uploads


async def test_a_user_reacts_and_takes_it_back(world: World) -> None:
    twin, backend, seen = world.twin, world.backend, world.seen
    async with twin.settle():
        message = await backend.send_message(world.general, "vote", author=world.alice)
    async with twin.settle():
        await backend.add_reaction(message, world.bob, "\N{THUMBS UP SIGN}")
    ((reaction, user),) = seen["reaction_add"]
    assert (str(reaction.emoji), reaction.count, user.id) == (
        "\N{THUMBS UP SIGN}", 1, world.bob.user_id)
    async with twin.settle():
        await backend.remove_reaction(message, world.bob, reaction.emoji)
    ((gone, who),) = seen["reaction_remove"]
    assert (str(gone.emoji), who.id) == ("\N{THUMBS UP SIGN}", world.bob.user_id)
    assert message.reactions == {}


async def test_typing_and_voice(world: World) -> None:
    twin, backend, seen = world.twin, world.backend, world.seen
    async with twin.settle():
        voice = await backend.make_voice_channel("Voice", world.guild)
        await backend.start_typing(world.general, world.alice)
    ((channel, user, _when),) = seen["typing"]
    assert (channel.id, user.id) == (world.general.id, world.alice.user_id)
    async with twin.settle():
        await backend.change_voice_state(world.alice, voice)
    member, before, after = seen["voice_state_update"][-1]
    assert member.id == world.alice.user_id
    assert before.channel is None and after.channel is not None
    assert after.channel.id == voice.id
    dvoice = world.dguild.get_channel(voice.id)
    assert isinstance(dvoice, discord.VoiceChannel)
    assert [m.id for m in dvoice.members] == [world.alice.user_id]
    async with twin.settle():
        await backend.change_voice_state(world.dguild.get_member(world.alice.user_id), None)
    _, before, after = seen["voice_state_update"][-1]
    assert before.channel is not None and after.channel is None
    assert dvoice.members == []


async def test_dispatch_event_sends_any_dispatch(world: World) -> None:
    twin, backend, seen = world.twin, world.backend, world.seen
    async with twin.settle():
        await backend.dispatch_event("WIRETWIN_CUSTOM", {"key": "value"})
        await backend.dispatch_event("TYPING_START", {
            "channel_id": str(world.general.id), "user_id": str(world.bob.user_id),
            "guild_id": str(world.guild.id), "timestamp": 0}, guild=world.guild)
    assert ("WIRETWIN_CUSTOM",) in seen["socket_event_type"]
    (raw,) = [args[0] for args in seen["raw_typing"]]
    assert (raw.channel_id, raw.user_id) == (world.general.id, world.bob.user_id)
    assert (await backend.wait_for_event("WIRETWIN_CUSTOM", timeout=1)) == {"key": "value"}


async def test_wait_for_event_walks_through_dispatches(world: World) -> None:
    backend = world.backend
    await backend.make_member("dave", world.guild)
    await backend.make_member("erin", world.guild)
    first = await backend.wait_for_event("GUILD_MEMBER_ADD", timeout=TIMEOUT)
    second = await backend.wait_for_event("GUILD_MEMBER_ADD", timeout=TIMEOUT)
    assert (first["user"]["username"], second["user"]["username"]) == ("dave", "erin")
    with pytest.raises(BackendError, match=r"no GUILD_MEMBER_ADD dispatch within 0\.05s"):
        await backend.wait_for_event("GUILD_MEMBER_ADD", timeout=0.05)


# -- the gateway on demand ------------------------------------------------------------------

async def test_reconnect_resumes_and_invalid_session_starts_afresh(world: World) -> None:
    backend, seen = world.backend, world.seen

    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        pass  # discord.py's documented hook; by default it waits 5 s before re-identifying

    world.bot.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    first = world.bot.ws.session_id
    assert first is not None
    async with world.twin.settle():
        resumed = await backend.dispatch_resumed()
    assert resumed == first == world.bot.ws.session_id
    assert len(seen["resumed"]) == 1
    async with world.twin.settle():
        fresh = await backend.dispatch_ready()
    assert fresh != first and fresh == world.bot.ws.session_id
    assert len(seen["ready"]) == 2  # on_ready again: a new session
    assert world.bot.get_guild(world.guild.id) is not None
    again = await backend.invalidate_session(resumable=True)
    assert again == fresh
    await world.twin.message("!ping", world.general)
    assert world.twin.verify().message().content("pong")


async def test_disconnect_and_connect(world: World) -> None:
    twin, backend = world.twin, world.backend
    session = world.bot.ws.session_id
    await backend.disconnect()
    assert await backend.connect() == session  # discord.py resumed at once
    await backend.disconnect(refuse=True)
    await twin.journal.wait_for(lambda e: e.kind == "fault" and e.event ==
                                "backend-disconnect", timeout=TIMEOUT)
    assert all(s.connection is None for s in twin.hub.sessions.values())
    assert await backend.connect() == session  # the bot came back after its backoff
    await twin.message("!ping", world.general)
    assert twin.verify().message().content("pong")


async def test_websocket_error_state_refuses_identify() -> None:
    async with DiscordTwin() as twin:
        await twin.backend.set_error_state("websocket", code=4004)
        bot, _ = make_bot()
        with use_discord_py(twin, bot):
            try:
                with pytest.raises(discord.ConnectionClosed) as closed:
                    await asyncio.wait_for(bot.start(twin.application.token), TIMEOUT)
            finally:
                await bot.close()
        assert closed.value.code == 4004
        assert twin.hub.refuse_identify is None  # only the next IDENTIFY
        bot, _ = make_bot()
        async with run_bot(twin, bot):
            assert bot.user is not None and bot.user.id == twin.bot_user.id


async def test_websocket_error_state_can_close_a_live_bot() -> None:
    async with DiscordTwin() as twin:
        bot, _ = make_bot()
        with use_discord_py(twin, bot):
            task = asyncio.create_task(bot.start(twin.application.token))
            try:
                await twin.journal.wait_for(lambda e: e.event == "READY", timeout=TIMEOUT)
                await twin.backend.set_error_state("websocket", code=4004,
                                                   message="Authentication failed.",
                                                   disconnect=True)
                with pytest.raises(discord.ConnectionClosed) as closed:
                    await asyncio.wait_for(task, TIMEOUT)
            finally:
                await bot.close()
        assert closed.value.code == 4004
        await twin.backend.clear_error_state()
        assert twin.hub.refuse_identify is None


# -- REST trouble ---------------------------------------------------------------------------

async def test_http_error_state_on_a_route(world: World) -> None:
    twin, backend, seen = world.twin, world.backend, world.seen
    await backend.set_error_state("http", 403, "Missing Permissions", route=MESSAGES,
                                  method="POST", code=50013)
    await twin.message("!ping", world.general)
    ((_ctx, error),) = seen["command_error"]
    assert isinstance(error, commands.CommandInvokeError)
    assert isinstance(error.original, discord.Forbidden)
    assert (error.original.status, error.original.code, error.original.text) == (
        403, 50013, "Missing Permissions")
    assert twin.verify().message().nothing()
    await backend.set_error_state("http", 503, route="/api/v10" + MESSAGES)
    await twin.message("!ping", world.general)
    error = seen["command_error"][-1][1]
    assert isinstance(error, commands.CommandInvokeError)
    assert isinstance(error.original, discord.DiscordServerError)
    assert error.original.text == "503: Service Unavailable"
    await backend.clear_error_state()
    await twin.message("!ping", world.general)
    assert twin.verify().message().content("pong")
    assert len(seen["command_error"]) == 2


async def test_http_error_state_refuses_unknown_routes(world: World) -> None:
    with pytest.raises(BackendError, match=r"no route \* '/channels/\{id\}/nope'") as err:
        await world.backend.set_error_state("http", 500, route="/channels/{id}/nope")
    assert "POST /channels/{channel_id}/messages" in str(err.value)
    with pytest.raises(BackendError, match="error_type"):
        await world.backend.set_error_state("smoke")


async def test_rate_limit_makes_discord_py_wait_and_retry(world: World) -> None:
    twin, backend = world.twin, world.backend
    await twin.message("!ping", world.general)  # discord.py now thinks 49 remain
    assert twin.verify().message().content("pong")
    await backend.set_rate_limit(MESSAGES, limit=1, reset_after=0.2)
    mark = twin.journal.entries()[-1].seq
    await twin.message("!burst", world.general)
    posts = [e for e in twin.journal.http(method="POST") if e.seq > mark
             and e.detail["path"].endswith(f"/channels/{world.general.id}/messages")]
    statuses = [e.detail["status"] for e in posts]
    assert statuses.count(200) == 3 and 429 in statuses
    ok = [e.twin_time for e in posts if e.detail["status"] == 200]
    assert all(b - a >= 0.15 for a, b in itertools.pairwise(ok))
    assert sorted(m.content for m in backend.get_message_queue()) == [
        "burst 0", "burst 1", "burst 2"]


# -- the driver -----------------------------------------------------------------------------

async def test_message_returns_after_everything_the_bot_did(world: World) -> None:
    twin = world.twin
    sent = await twin.message("!busy", world.general, world.alice)
    assert sent.author_id == world.alice.user_id
    calls = [(e.detail["method"], e.detail["path"].split("/", 3)[-1], e.detail["status"])
             for e in twin.journal.http() if "/channels/" in e.detail["path"]]
    base = f"channels/{world.general.id}"
    assert calls == [
        ("POST", f"{base}/typing", 204),
        ("POST", f"{base}/messages", 200),
        ("PATCH", f"{base}/messages/{world.backend.get_message_queue()[0].id}", 200),
        ("PUT", f"{base}/messages/{sent.id}/reactions/\N{WHITE HEAVY CHECK MARK}/@me", 204),
        ("POST", f"{base}/messages", 200),
    ]
    assert [m.content for m in world.backend.get_message_queue()] == ["done", "later"]
    assert list(sent.reactions) == ["\N{WHITE HEAVY CHECK MARK}"]
    # The bot's own messages came back to it as MESSAGE_CREATEs and were handled too, and
    # the MESSAGE_UPDATE of its edit reached its cache.
    assert [args[0].content for args in world.seen["message"]] == ["!busy", "done", "later"]
    assert [args[1].content for args in world.seen["message_edit"]] == ["done"]


async def test_message_defaults_and_dms(world: World) -> None:
    twin, backend = world.twin, world.backend
    sent = await twin.message("!ping")  # the first text channel, the first human
    assert (sent.channel_id, sent.author_id) == (world.general.id, world.alice.user_id)
    assert twin.verify().message().content("pong")
    dm = await backend.open_dm(world.bob)
    sent_dm = await twin.message("!ping", dm, world.bob)
    reply = backend.get_message()
    assert (reply.content, reply.channel_id) == ("pong", dm.id)
    # Bob's command, found by its id: the bot may not have read its own reply yet (its
    # MESSAGE_CREATE comes after the REST answer twin.message waits for).
    dm_message = next(m for (m, *_) in world.seen["message"] if m.id == sent_dm.id)
    assert isinstance(dm_message.channel, discord.DMChannel)


async def test_message_timeout_names_the_unfinished_task(world: World) -> None:
    twin = world.twin
    with pytest.raises(BackendError) as busy:
        await twin.message("!stuck", world.general, timeout=0.2)
    text = str(busy.value)
    assert "the bot was still busy after 0.2s" in text
    assert "discord.py: on_message" in text
    world.bot.gate.set()  # type: ignore[attr-defined]
    (unstuck,) = await world.backend.wait_for_messages(1, timeout=TIMEOUT, peek=True)
    assert twin.verify().message().content("unstuck")
    assert unstuck.content == "unstuck"


async def test_settle_without_dispatches_is_immediate(world: World) -> None:
    heartbeats = len(world.twin.journal.frames(direction="out", event="HEARTBEAT"))
    async with world.twin.settle():
        pass
    assert len(world.twin.journal.frames(direction="out", event="HEARTBEAT")) == heartbeats


# -- the queue and verify -------------------------------------------------------------------

async def test_the_sent_queue(world: World) -> None:
    twin, backend = world.twin, world.backend
    await backend.send_message(world.general, "!burst", world.alice)  # not driven
    got = await backend.wait_for_messages(3, timeout=TIMEOUT)
    assert sorted(m.content for m in got) == ["burst 0", "burst 1", "burst 2"]
    assert all(isinstance(m, Message) for m in got)
    assert backend.get_message_queue() == []
    await twin.message("!ping", world.general)
    await twin.message("!ping", world.general)
    assert [m.content for m in backend.get_message_queue()] == ["pong", "pong"]
    assert backend.peek_message() is backend.get_message_queue()[0]
    assert backend.get_message().content == "pong"
    assert len(backend.get_message_queue()) == 1
    await backend.clear_message_queue()
    assert backend.get_message_queue() == []
    assert len(backend.sent_messages()) == 5
    with pytest.raises(BackendError, match="the queue is empty"):
        backend.get_message()
    with pytest.raises(BackendError, match=r"waited 0\.05s for 1 message"):
        await backend.wait_for_messages(1, timeout=0.05)


async def test_verify_passes(world: World, tmp_path: Path) -> None:
    twin = world.twin
    await twin.message("!ping", world.general)
    assert twin.verify().message().peek().content("pong")
    assert twin.verify().message().peek().contains().content("po")
    assert not twin.verify().message().nothing()  # "pong" is still queued
    assert twin.verify().message().content("pong").embed(None).attachment(None)
    assert twin.verify().message().nothing()
    await twin.message("!status", world.general)
    expected = discord.Embed(title="Status", description="All good", colour=0x00FF00)
    expected.add_field(name="guilds", value="1")
    assert twin.verify().message().peek().embed(expected)
    assert twin.verify().message().peek().contains().embed({"title": "Status"})
    assert twin.verify().message().content(None)
    path = tmp_path / "hello.txt"
    path.write_bytes(b"hello twin")
    await twin.message("!upload", world.general)
    assert twin.verify().message().peek().attachment(path)
    assert twin.verify().message().content("here").attachment(b"hello twin")


async def test_verify_failures_show_what_the_bot_sent(world: World) -> None:
    twin = world.twin
    check = twin.verify().message().content("pong")
    assert not check
    assert check.failure == ("expected a message with content 'pong', but the bot sent no "
                             "message (the queue is empty)")
    await twin.message("!ping", world.general)
    await twin.message("!status", world.general)
    check = twin.verify().message().content("ping")
    assert not check
    assert check.failure == (
        "expected a message with content 'ping', but its content is 'pong'\n"
        "  checked: #general: 'pong'\n"
        "  still queued (1):\n"
        "    1. #general: ''  embed {'title': 'Status', 'description': 'All good', "
        "'fields': ['guilds=1']}")
    assert repr(check) == (
        "<VerifyMessage failed: expected a message with content 'ping', but its content is "
        "'pong' | checked: #general: 'pong' | still queued (1): | 1. #general: ''  embed "
        "{'title': 'Status', 'description': 'All good', 'fields': ['guilds=1']}>")
    nothing = twin.verify().message().nothing()
    assert not nothing
    assert nothing.failure is not None
    assert nothing.failure.startswith("expected the bot to have sent nothing, but it sent "
                                      "1 message(s):\n  1. #general: ''  embed")
    wrong = twin.verify().message().peek().embed(discord.Embed(title="Other"))
    assert not wrong
    assert str(wrong.failure).startswith(
        "expected a message with embed {'title': 'Other'}, but its embeds are [{")
    assert "'title': 'Status'" in str(wrong.failure)
    assert not twin.verify().message().peek().contains().content("Status")
    assert not twin.verify().message().peek().attachment(b"nope")
    assert twin.verify().message().embed(None).failure == "".join((
        "expected a message with embed None, but it has 1 embed(s)\n",
        "  checked: #general: ''  embed {'title': 'Status', 'description': 'All good', ",
        "'fields': ['guilds=1']}"))
    assert twin.verify().message().nothing()


# -- state ----------------------------------------------------------------------------------

async def test_snapshot_restore_clear_and_cleanup(world: World) -> None:
    twin, backend, seen = world.twin, world.backend, world.seen
    saved = backend.create_state_snapshot()
    async with twin.settle():
        extra = await backend.make_text_channel("extra", world.guild)
    assert world.dguild.get_channel(extra.id) is not None
    async with twin.settle():
        await backend.restore_state(saved)
    assert extra.id not in twin.model.channels
    assert world.dguild.get_channel(extra.id) is None  # the bot was told
    with pytest.raises(BackendError, match="cannot restore that snapshot"):
        await backend.restore_state({"format": 1, "channels": [{"id": "1", "guild": "42"}]})
    async with twin.settle():
        other = await backend.make_guild("Other", members=["zed"])
    async with twin.settle():
        await backend.cleanup_guild(other)
    assert [args[0].id for args in seen["guild_remove"]] == [other.id]
    await twin.message("!ping", world.general)
    async with twin.settle():
        await backend.clear_state()
    assert twin.model.guilds == {}
    assert set(twin.model.users) == {twin.bot_user.id, twin.application.owner.id}
    assert list(world.bot.guilds) == []
    assert backend.get_message_queue() == []


async def test_arguments_are_checked(world: World) -> None:
    backend = world.backend
    with pytest.raises(BackendError, match="no role named 'Ghost'"):
        await backend.make_member("frank", world.guild, roles=["Ghost"])
    with pytest.raises(BackendError, match="expected a guild"):
        await backend.make_text_channel("x", guild=object())
    with pytest.raises(BackendError, match="no channel 1 in the twin"):
        await backend.send_message(1, "hi", world.alice)
    with pytest.raises(BackendError, match=r"Discord refused: 400 50006 Cannot send an "
                                           r"empty message"):
        await backend.send_message(world.general, "", world.alice)
    with pytest.raises(BackendError, match="limit >= 1"):
        await backend.set_rate_limit(MESSAGES, 0, 1.0)
    perms = Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES
    role = await backend.make_role("Named", world.guild, ["view_channel", "send_messages"])
    assert role.permissions == perms
    gina = await backend.make_user("gina")
    async with world.twin.settle():
        member = await backend.member_join(gina, world.guild, roles=["Named"])
    assert (member.user_id, member.roles) == (gina.id, [role.id])
    joined = world.dguild.get_member(gina.id)
    assert joined is not None and [r.name for r in joined.roles][1:] == ["Named"]
    with pytest.raises(BackendError, match="needs a user"):
        await backend.make_member(guild=world.guild)


async def test_message_needs_a_connected_bot() -> None:
    async with DiscordTwin() as twin:
        guild = await twin.backend.make_guild("Quiet", members=["alice"])
        await twin.backend.make_text_channel("general", guild)
        with pytest.raises(BackendError, match="no bot is connected"):
            await twin.message("!ping")
        posted = await twin.backend.send_message(content="hello anyway")
        assert twin.model.users[posted.author_id].username == "alice"
