"""Discord snapshots, worlds and ``wiretwin serve``: state out, state back, bots told.

Round trips without sockets (every kind of state, through JSON and TOML worlds), refusals
that name the entry at fault, ``reset()``, and a real discord.py bot that sees a restore
as the gateway events Discord would send; then ``wiretwin serve`` with a ``[discord]``
world answering a real discord.py login, and saving what the bot did.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import json
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Mapping
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl
from discord.ext import commands

from wiretwin.discord.model import Attachment, ChannelType, Overwrite
from wiretwin.discord.permissions import Permission
from wiretwin.discord.snapshot import SnapshotError
from wiretwin.discord.twin import DiscordTwin
from wiretwin.discord.world import DEFAULT_IDS, default_discord_world
from wiretwin.drivers.discord_py import use_discord_py
from wiretwin.runtime.worlds import read_world, write_world

TIMEOUT = 10.0


def build_state(twin: DiscordTwin) -> dict[str, int]:
    """Every kind of state the model holds, made through the model's own operations."""
    m = twin.model
    alice = m.add_user("alice", global_name="Alice")
    bob = m.add_user("bob")
    mallory = m.add_user("mallory")
    guild = m.create_guild("Round Trip", alice.id)
    mod = m.create_role(guild, "Moderator", int(Permission.KICK_MEMBERS), color=0x3498DB,
                        hoist=True)
    m.add_member(guild, m.bot.id)
    m.add_member(guild, bob.id, roles=[mod.id], nick="bobby")
    m.add_member(guild, mallory.id)
    m.ban(guild, mallory.id, "spam")
    m.update_member(guild, guild.members[bob.id],
                    {"communication_disabled_until": "2030-01-01T00:00:00+00:00"})
    category = m.create_channel(guild, "Text", ChannelType.GUILD_CATEGORY)
    general = m.create_channel(guild, "general", parent_id=category.id, topic="hi")
    secret = m.create_channel(guild, "secret", parent_id=category.id, overwrites=[
        Overwrite(guild.id, 0, deny=int(Permission.VIEW_CHANNEL)),
        Overwrite(mod.id, 0, allow=int(Permission.VIEW_CHANNEL))])
    voice = m.create_channel(guild, "Lounge", ChannelType.GUILD_VOICE, user_limit=5)
    m.set_voice(guild, bob.id, voice.id)
    first = m.create_message(general, alice.id, f"hello <@{bob.id}>")
    m.add_reaction(first, bob.id, {"id": None, "name": "👍"})
    m.add_reaction(first, m.bot.id, {"id": "123", "name": "party", "animated": False})
    m.set_pinned(first, True)
    second = m.create_message(general, bob.id, "a reply", reference={
        "message_id": str(first.id)}, embeds=[{"title": "An embed", "color": 5}])
    m.edit_message(second, {"content": "a reply, edited"})
    file = Attachment(m.ids.next(), "notes.txt", 5, "text/plain", "", b"\x00\x01hi")
    m.create_message(secret, bob.id, "", attachments=[file])
    dm = m.open_dm(m.bot.id, alice.id)
    m.create_message(dm, alice.id, "psst")
    return {"alice": alice.id, "bob": bob.id, "guild": guild.id, "general": general.id,
            "voice": voice.id, "first": first.id, "dm": dm.id}


# -- round trips without sockets -----------------------------------------------------------


def test_a_snapshot_is_plain_json_and_restores_exactly() -> None:
    source = DiscordTwin()
    ids = build_state(source)
    snap = source.snapshot()
    assert json.loads(json.dumps(snap)) == snap
    assert [g["name"] for g in snap["guilds"]] == ["Round Trip"]
    assert {c["name"] for c in snap["channels"] if "name" in c} == {
        "Text", "general", "secret", "Lounge"}
    assert [b["reason"] for b in snap["bans"]] == ["spam"]
    assert snap["voice_states"] == [{"guild": str(ids["guild"]), "user": str(ids["bob"]),
                                     "channel": str(ids["voice"])}]
    (attached,) = [m for m in snap["messages"] if m["attachments"]]
    assert base64.b64decode(attached["attachments"][0]["data"]) == b"\x00\x01hi"
    assert snap["application"]["token"] == source.application.token

    # Into a twin built differently (another token, another bot): exactly the same state.
    target = DiscordTwin(token="other-token", bot_name="other-bot", seed=7)
    target.restore(copy.deepcopy(snap))
    assert target.snapshot() == snap
    assert target.application.token == source.application.token
    assert target.model.dms == source.model.dms
    first = target.model.messages[ids["general"]][ids["first"]]
    assert (first.pinned, sorted(first.reactions)) == (True, ["party:123", "👍"])
    # New ids still sort after every restored one.
    assert target.model.ids.next() > max(int(m["id"]) for m in snap["messages"])


def test_restoring_changes_back_and_reset_returns_to_the_built_state() -> None:
    twin = DiscordTwin()
    built = twin.snapshot()
    assert built["guilds"] == [] and len(built["users"]) == 2
    ids = build_state(twin)
    snap = twin.snapshot()
    m = twin.model
    general = m.channels[ids["general"]]
    m.delete_message(m.messages[general.id][ids["first"]])
    m.delete_channel(general)
    m.create_guild("Another", ids["alice"])
    assert twin.snapshot() != snap
    twin.restore(snap)
    assert twin.snapshot() == snap
    twin.reset()
    assert twin.snapshot() == built


def test_a_twin_built_with_the_default_world_resets_to_it() -> None:
    twin = DiscordTwin(world=default_discord_world())
    world = twin.snapshot()
    guild = twin.model.guilds[DEFAULT_IDS["guild"]]
    assert guild.name == "wiretwin guild"
    assert {r.name: r.permissions for r in guild.roles.values()}["Admin"] == int(
        Permission.ADMINISTRATOR)
    assert twin.model.bot.id == DEFAULT_IDS["bot"]
    twin.model.delete_guild(guild)
    twin.reset()
    assert twin.snapshot() == world


def test_a_token_and_privileged_intents_given_win_over_the_worlds_application() -> None:
    world = default_discord_world()
    assert DiscordTwin(world=world).privileged_intents == [
        "presences", "members", "message_content"]            # the world's, when not given
    twin = DiscordTwin(world=world, token="MTE5.given.token",
                       privileged_intents=["message_content"])
    assert twin.application.token == "MTE5.given.token"
    assert twin.privileged_intents == ["message_content"]
    twin.set_privileged_intents(True)
    twin.reset()
    assert twin.privileged_intents == ["message_content"]     # as it was built
    assert DiscordTwin(world=world, privileged_intents=False).privileged_intents == []
    named = DiscordTwin(world=world, application_name="Quiz app", bot_name="quizbot")
    assert (named.application.name, named.bot_user.username) == ("Quiz app", "quizbot")
    assert named.model.users[named.bot_user.id].username == "quizbot"
    plain = DiscordTwin(world=world)
    assert plain.application.name == world["application"]["name"]


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_worlds_round_trip_through_toml_and_json(tmp_path: Path, suffix: str) -> None:
    source = DiscordTwin()
    build_state(source)
    snap = source.snapshot()
    path = tmp_path / f"world{suffix}"
    write_world(path, {"discord": snap})
    again = DiscordTwin(world=read_world(path)["discord"])
    assert again.snapshot() == snap


def test_the_default_world_file_round_trips(tmp_path: Path) -> None:
    snap = DiscordTwin(world=default_discord_world()).snapshot()
    write_world(tmp_path / "saved.toml", {"discord": snap})
    assert DiscordTwin(world=read_world(tmp_path / "saved.toml")["discord"]).snapshot() == snap
    # What the built-in world leaves out is filled in: @everyone first, owner a member.
    assert snap["roles"][0]["name"] == "@everyone"
    (welcome,) = snap["messages"]
    assert welcome["reactions"] == [{"emoji": {"id": None, "name": "👋"},
                                     "users": [str(DEFAULT_IDS["alice"])]}]
    assert welcome["id"] == str(DEFAULT_IDS["welcome_message"])


def _break(snap: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(snap)
    *parents, last = path.split(".")
    node: Any = broken
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is KeyError:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return broken


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("format", 2, "unsupported Discord snapshot format 2"),
    ("extra", [], "unknown Discord snapshot key(s): extra"),
    ("application", KeyError, "application: missing"),
    ("application.bot", "1", "application: bot '1' is not in users"),
    ("users.0.id", "12x", "users[0]: id must be a snowflake"),
    ("guilds.0.owner", "404", "guilds[0]: owner '404' is not in users"),
    ("roles.1.guild", "404", "roles[1]: guild '404': no guild with that id"),
    ("channels.1.parent", "404", "channels[1]: parent '404' is not a category"),
    ("channels.2.overwrites.1.type", 7, "channels[2].overwrites[1]: type must be 0"),
    ("channels.3.type", 99, "channels[3]: type 99 is not a channel type"),
    ("members.1.roles", ["404"], "members[1]: roles '404': no role with that id"),
    ("members.1.joined_at", "yesterday", "members[1]: joined_at is not an ISO 8601 time"),
    ("members.1.surprise", 1, "members[1]: unknown key(s) surprise"),
    ("voice_states.0.channel", "404", "voice_states[0]: channel '404' is not a voice"),
    ("messages.0.author", "404", "messages[0]: author '404' is not in users"),
    ("messages.0.reactions.0.users", [], "messages[0].reactions[0]: users must name"),
    ("messages.2.attachments.0.data", "!!", "messages[2].attachments[0]: data is not base64"),
    ("bans.0.user", KeyError, "bans[0]: missing user"),
])
def test_a_bad_snapshot_is_refused_naming_the_entry_and_changes_nothing(
    path: str, value: Any, expected: str,
) -> None:
    source = DiscordTwin()
    build_state(source)
    snap = source.snapshot()
    twin = DiscordTwin()
    before = twin.snapshot()
    with pytest.raises(SnapshotError) as refused:
        twin.restore(_break(snap, path, value))
    assert expected in str(refused.value)
    assert twin.snapshot() == before


def test_a_bad_world_is_refused_by_the_constructor() -> None:
    world = default_discord_world()
    world["channels"][1]["guild"] = "1"
    with pytest.raises(SnapshotError, match=r"channels\[1\]: guild '1': no guild"):
        DiscordTwin(world=world)


# -- a connected discord.py bot hears a restore ----------------------------------------------


def _ready(bot: commands.Bot) -> asyncio.Event:
    """Set on every READY. Also spares the bot discord.py's 5-second pause before an
    identify that is not its first (its documented ``before_identify_hook``)."""
    ready = asyncio.Event()

    async def no_pause(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    bot.before_identify_hook = no_pause  # type: ignore[method-assign]

    async def on_ready() -> None:
        ready.set()

    bot.add_listener(on_ready)
    return ready


@contextlib.asynccontextmanager
async def running_bot(twin: DiscordTwin) -> AsyncIterator[commands.Bot]:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
    ready = _ready(bot)
    with use_discord_py(twin, bot):
        runner = asyncio.create_task(bot.start(twin.application.token))
        ready_wait = asyncio.create_task(ready.wait())
        done, _ = await asyncio.wait({runner, ready_wait}, timeout=TIMEOUT,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready_wait not in done:
            ready_wait.cancel()
            if runner in done:
                runner.result()
            raise AssertionError("the bot never became ready")
        try:
            yield bot
        finally:
            await bot.close()
            with contextlib.suppress(discord.ConnectionClosed):
                await runner


async def _all(waits: Mapping[str, Awaitable[Any]]) -> dict[str, Any]:
    """Every awaited event, by name (each wait was set up before what causes it)."""
    results = await asyncio.wait_for(asyncio.gather(*waits.values()), TIMEOUT)
    return dict(zip(waits, results, strict=True))


async def test_a_connected_bot_sees_a_restore_as_discord_events() -> None:
    async with DiscordTwin(world=default_discord_world()) as twin, \
            running_bot(twin) as bot:
        m = twin.model
        saved = twin.snapshot()
        guild = m.guilds[DEFAULT_IDS["guild"]]
        general = m.channels[DEFAULT_IDS["general"]]
        assert [g.name for g in bot.guilds] == ["wiretwin guild"]

        # A later state: a new guild with the bot, a channel, a member, a role, a message,
        # a reaction, and a member gone.
        later = DiscordTwin(world=copy.deepcopy(saved))
        lm = later.model
        lg = lm.guilds[guild.id]
        dave = lm.add_user("dave")
        lm.add_member(lg, dave.id)
        lm.remove_member(lg, DEFAULT_IDS["carol"])
        lm.create_role(lg, "Helpers", 0)
        news = lm.create_channel(lg, "news")
        lm.create_message(lm.channels[general.id], dave.id, "hi from the future")
        lm.add_reaction(lm.messages[general.id][DEFAULT_IDS["welcome_message"]],
                        DEFAULT_IDS["bob"], {"id": None, "name": "🎉"})
        other = lm.create_guild("Second guild", DEFAULT_IDS["owner"])
        lm.add_member(other, lm.bot.id)
        future = later.snapshot()

        waits = {
            "guild_join": bot.wait_for("guild_join"),
            "member_join": bot.wait_for("member_join"),
            "member_remove": bot.wait_for("member_remove"),
            "role": bot.wait_for("guild_role_create"),
            "channel": bot.wait_for("guild_channel_create"),
            "message": bot.wait_for("message"),
            "reaction": bot.wait_for("raw_reaction_add"),
        }
        twin.restore(future)
        got = await _all(waits)
        assert (got["guild_join"].id, got["guild_join"].name) == (other.id, "Second guild")
        assert got["member_join"].name == "dave"
        assert got["member_remove"].name == "carol"
        assert got["role"].name == "Helpers"
        assert (got["channel"].name, got["channel"].id) == ("news", news.id)
        assert got["message"].content == "hi from the future"
        assert str(got["reaction"].emoji) == "🎉"
        assert twin.snapshot() == future
        assert sorted(g.name for g in bot.guilds) == ["Second guild", "wiretwin guild"]

        # And back: the bot hears everything undone.
        waits = {
            "guild_remove": bot.wait_for("guild_remove"),
            "channel": bot.wait_for("guild_channel_delete"),
            "role": bot.wait_for("guild_role_delete"),
            "message": bot.wait_for("raw_message_delete"),
            "member_join": bot.wait_for("member_join"),
            "reaction": bot.wait_for("raw_reaction_remove"),
        }
        twin.restore(saved)
        got = await _all(waits)
        assert got["guild_remove"].name == "Second guild"
        assert got["channel"].name == "news"
        assert got["role"].name == "Helpers"
        assert got["member_join"].name == "carol"
        assert str(got["reaction"].emoji) == "🎉"
        assert twin.snapshot() == saved
        assert [g.name for g in bot.guilds] == ["wiretwin guild"]
        bot_guild = bot.get_guild(guild.id)
        assert bot_guild is not None
        assert sorted(c.name for c in bot_guild.channels) == sorted(
            m.channels[c].name or "" for c in guild.channels)


async def test_a_restore_with_another_token_closes_the_bot_with_4004() -> None:
    async with DiscordTwin(world=default_discord_world()) as twin:
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
        ready = _ready(bot)
        with use_discord_py(twin, bot):
            runner = asyncio.create_task(bot.start(twin.application.token))
            await asyncio.wait_for(ready.wait(), TIMEOUT)
            snap = twin.snapshot()
            snap["application"]["token"] = "a-reset-token"
            twin.restore(snap)
            with pytest.raises(discord.ConnectionClosed) as closed:
                await asyncio.wait_for(runner, TIMEOUT)
            assert closed.value.code == 4004
            await bot.close()
        assert twin.hub.sessions == {}
        assert twin.application.token == "a-reset-token"


async def test_reset_closes_the_bot_which_identifies_afresh_into_the_built_world() -> None:
    async with DiscordTwin(world=default_discord_world()) as twin, \
            running_bot(twin) as bot:
        (session,) = twin.hub.sessions
        m = twin.model
        created = bot.wait_for("socket_event_type", check=lambda t: t == "GUILD_CREATE")
        temporary = m.create_guild("Temporary", m.bot.id)
        await asyncio.wait_for(created, TIMEOUT)
        assert sorted(g.name for g in bot.guilds) == ["Temporary", "wiretwin guild"]
        channel = await bot.fetch_channel(m.create_channel(temporary, "scratch").id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send("before the reset")
        assert [x.content for x in twin.backend.get_message_queue()] == ["before the reset"]
        ready_again = bot.wait_for("ready")
        twin.reset()
        await asyncio.wait_for(ready_again, TIMEOUT)
        assert [g.name for g in bot.guilds] == ["wiretwin guild"]
        # The sent-message queue starts again with the world.
        assert twin.backend.get_message_queue() == []
        assert twin.verify().message().nothing()
        assert list(twin.hub.sessions) != [session]


# -- wiretwin serve with a [discord] world ---------------------------------------------------


WORLD = f"""
[discord.application]
id = "500"
name = "served app"
token = "served-token"
bot = "{DEFAULT_IDS['bot']}"
owner = "11"

[[discord.users]]
id = "{DEFAULT_IDS['bot']}"
username = "served-bot"
bot = true

[[discord.users]]
id = "11"
username = "owner"

[[discord.guilds]]
id = "20"
name = "Served guild"
owner = "11"

[[discord.channels]]
id = "30"
type = 0
guild = "20"
name = "lobby"

[[discord.members]]
guild = "20"
user = "{DEFAULT_IDS['bot']}"
"""


def _start_serve(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wiretwin", "serve", "--pusher-port", "0", "--lavalink-port",
         "0", "--discord-port", "0", "--settings-file", str(tmp_path / "settings.json"),
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _banner(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "Settings written to" in line:
            return "".join(seen)
    raise AssertionError(f"serve never started: {''.join(seen)} "
                         f"{proc.stderr.read() if proc.stderr else ''}")


async def test_serve_runs_a_discord_world_for_a_real_bot_and_saves_what_it_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    world, saved = tmp_path / "world.toml", tmp_path / "saved.json"
    world.write_text(WORLD)
    proc = _start_serve(tmp_path, "--world", str(world), "--save", str(saved))
    try:
        banner = _banner(proc)
        settings = json.loads((tmp_path / "settings.json").read_text())["discord"]
        assert settings["token"] == "served-token"
        assert settings["application_id"] == "500"
        assert f'discord.http.Route.BASE = "{settings["rest_url"]}"' in banner
        assert f'rest_url="{settings["rest_url"]}"' in banner
        assert f'rest: {{ api: "{settings["api_base"]}" }}' in banner

        # The printed discord.py recipe, followed by a real bot.
        monkeypatch.setattr(discord.http.Route, "BASE", settings["rest_url"])
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                            yarl.URL(settings["gateway_url"]))
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
        ready = _ready(bot)
        runner = asyncio.create_task(bot.start(settings["token"]))
        try:
            await asyncio.wait_for(ready.wait(), TIMEOUT)
            assert bot.application_id == 500
            assert [g.name for g in bot.guilds] == ["Served guild"]
            lobby = bot.get_channel(30)
            assert isinstance(lobby, discord.TextChannel)
            sent = await lobby.send("saved by serve")
        finally:
            await bot.close()
            await runner
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(TIMEOUT)
    assert proc.returncode == 0, err
    state = json.loads(saved.read_text())["discord"]
    assert [(m["id"], m["channel"], m["author"], m["content"]) for m in state["messages"]] == [
        (str(sent.id), "30", str(DEFAULT_IDS["bot"]), "saved by serve")]
    assert f"State saved to {saved}" in out


def test_serve_explains_a_bad_discord_world(tmp_path: Path) -> None:
    world = tmp_path / "bad.toml"
    world.write_text(WORLD.replace('guild = "20"\nname = "lobby"', 'guild = "21"\nname = "x"'))
    proc = _start_serve(tmp_path, "--world", str(world))
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert f"{world}: [discord] channels[0]: guild '21': no guild with that id" in err
    assert "Traceback" not in err


def test_serve_starts_the_built_in_discord_world(tmp_path: Path) -> None:
    proc = _start_serve(tmp_path)
    try:
        banner = _banner(proc)
        settings = json.loads((tmp_path / "settings.json").read_text())["discord"]
        assert settings["bot_id"] == str(DEFAULT_IDS["bot"])
        assert f"token           {settings['token']}" in banner
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(TIMEOUT)
    assert proc.returncode == 0, err
    assert default_discord_world()["application"]["token"] == settings["token"]
