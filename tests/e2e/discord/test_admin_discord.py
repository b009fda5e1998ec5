"""The Discord twin driven through its admin API while a real discord.py bot is connected.

Everything here goes over HTTP to ``/_wiretwin/discord/...`` (and the generic
``/_wiretwin`` routes), as a discord.js suite or a ``wiretwin serve`` user would; the bot
is the observer: what the admin API does must reach it as Discord's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord.ext import commands

from wiretwin.discord.backend import BackendError
from wiretwin.discord.twin import DiscordTwin
from wiretwin.discord.world import DEFAULT_IDS, default_discord_world
from wiretwin.drivers.discord_py import use_discord_py

from .admin_client import Admin

TIMEOUT = 10.0
GUILD, GENERAL, MOD_LOG = DEFAULT_IDS["guild"], DEFAULT_IDS["general"], DEFAULT_IDS["mod_log"]


@contextlib.asynccontextmanager
async def connected() -> AsyncIterator[tuple[DiscordTwin, commands.Bot, Admin]]:
    """The default world, a discord.py bot logged in to it, and the admin API."""
    async with DiscordTwin(world=default_discord_world()) as twin, \
            aiohttp.ClientSession() as http:
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
        ready = asyncio.Event()

        async def on_ready() -> None:
            ready.set()

        async def ping(ctx: commands.Context[commands.Bot]) -> None:
            await ctx.reply("pong")

        async def no_pause(shard_id: int | None, *, initial: bool = False) -> None:
            return None  # no 5-second pause before a re-identify (discord.py's default)

        bot.before_identify_hook = no_pause  # type: ignore[method-assign]
        bot.add_listener(on_ready)
        bot.add_command(commands.Command(ping, name="ping"))
        with use_discord_py(twin, bot):
            runner = asyncio.create_task(bot.start(twin.application.token))
            try:
                await asyncio.wait_for(ready.wait(), TIMEOUT)
                yield twin, bot, Admin(http, twin)
            finally:
                await bot.close()
                await runner


async def test_listings_act_as_users_and_the_bot_hears_it() -> None:
    async with connected() as (twin, bot, admin):
        guilds = await admin.call("GET", "/discord/guilds")
        assert guilds == [{"id": str(GUILD), "name": "wiretwin guild",
                           "owner_id": str(DEFAULT_IDS["owner"]), "member_count": 5,
                           "channel_count": 5, "role_count": 4, "bot_member": True}]
        full = await admin.call("GET", f"/discord/guilds/{GUILD}")
        assert len(full["members"]) == 5
        channels = await admin.call("GET", f"/discord/guilds/{GUILD}/channels")
        assert [c["name"] for c in channels] == [
            "Text Channels", "general", "mod-log", "Voice Channels", "Lounge"]
        members = await admin.call("GET", f"/discord/guilds/{GUILD}/members")
        assert {m["user"]["username"]: m["nick"] for m in members}["carol"] == "caz"

        # A new user joins: the bot gets GUILD_MEMBER_ADD.
        joined = bot.wait_for("member_join")
        dave = await admin.call("POST", "/discord/users", {"username": "dave"}, 201)
        member = await admin.call("POST", f"/discord/guilds/{GUILD}/members",
                                  {"user": dave["id"], "nick": "D"}, 201)
        assert member["nick"] == "D"
        assert (await asyncio.wait_for(joined, TIMEOUT)).display_name == "D"

        # A user's command: the bot answers through REST, the admin API lists both.
        sent = await admin.call("POST", f"/discord/channels/{GENERAL}/messages",
                                {"author": str(DEFAULT_IDS["alice"]), "content": "!ping"},
                                201)
        assert sent["author"]["username"] == "alice"
        reply = await asyncio.wait_for(bot.wait_for(
            "message", check=lambda m: m.author == bot.user), TIMEOUT)
        assert reply.content == "pong"
        listed = await admin.call("GET", f"/discord/channels/{GENERAL}/messages?limit=2")
        assert [(m["author"]["username"], m["content"]) for m in listed] == [
            ("alice", "!ping"), ("wiretwin-bot", "pong")]
        assert listed[1]["message_reference"]["message_id"] == sent["id"]

        # A reaction as bob.
        reacted = bot.wait_for("raw_reaction_add")
        assert await admin.call(
            "POST", f"/discord/channels/{GENERAL}/messages/{reply.id}/reactions",
            {"user": DEFAULT_IDS["bob"], "emoji": "👍"}) == {"added": True}
        payload = await asyncio.wait_for(reacted, TIMEOUT)
        assert (payload.user_id, str(payload.emoji)) == (DEFAULT_IDS["bob"], "👍")
        assert [r.users for r in twin.model.messages[GENERAL][reply.id].reactions.values()
                ] == [[DEFAULT_IDS["bob"]]]

        # Discord's rules apply to users too: bob cannot see #mod-log, dave is no author.
        refused = await admin.call("POST", f"/discord/channels/{MOD_LOG}/messages",
                                   {"author": DEFAULT_IDS["bob"], "content": "hi"}, 403)
        assert refused["error"] == "Missing Access (Discord error 50001)"
        missing = await admin.call("POST", f"/discord/channels/{GENERAL}/messages",
                                   {"author": "1", "content": "hi"}, 404)
        assert missing["error"] == "no user 1"
        await admin.call("GET", "/discord/guilds/404/members", expect=404)


async def test_users_vote_on_the_bots_poll_through_the_admin_api() -> None:
    async with connected() as (_, bot, admin):
        channel = bot.get_channel(GENERAL)
        assert isinstance(channel, discord.TextChannel)
        poll = discord.Poll(question="Lunch?", duration=datetime.timedelta(hours=1),
                            multiple=True)
        poll.add_answer(text="Pizza")
        poll.add_answer(text="Sushi")
        sent = await channel.send(poll=poll)
        votes = f"/discord/channels/{GENERAL}/messages/{sent.id}/votes"
        voted = bot.wait_for("raw_poll_vote_add", check=lambda e: e.answer_id == 2)
        assert await admin.call("PUT", votes, {"user": DEFAULT_IDS["bob"],
                                               "answers": [1, 2]}) == {"answers": [1, 2]}
        event = await asyncio.wait_for(voted, TIMEOUT)
        assert (event.user_id, event.message_id) == (DEFAULT_IDS["bob"], sent.id)
        taken_back = bot.wait_for("raw_poll_vote_remove")
        assert await admin.call("PUT", votes, {"user": DEFAULT_IDS["bob"], "answers": [2]}
                                ) == {"answers": [2]}
        assert (await asyncio.wait_for(taken_back, TIMEOUT)).answer_id == 1
        # Discord's rules: apps do not vote; no answer 3; bob cannot see #mod-log.
        bot_vote = await admin.call("PUT", votes, {"user": bot.user.id if bot.user else 0,
                                                   "answers": [1]}, 403)
        assert bot_vote["error"] == "Bots cannot use this endpoint (Discord error 20001)"
        await admin.call("PUT", votes, {"user": DEFAULT_IDS["bob"], "answers": [3]}, 400)
        await admin.call("PUT", votes, {"user": DEFAULT_IDS["bob"], "answers": "1"}, 400)
        plain = await channel.send("no poll")
        await admin.call("PUT", f"/discord/channels/{GENERAL}/messages/{plain.id}/votes",
                         {"user": DEFAULT_IDS["bob"], "answers": [1]}, 400)


async def test_raw_dispatch_reconnect_and_invalid_session() -> None:
    async with connected() as (twin, bot, admin):
        (before,) = await admin.call("GET", "/discord/gateway/sessions")
        assert before["connected"] is True

        # A raw dispatch reaches the bot as it was sent.
        raw = bot.wait_for("socket_event_type", check=lambda t: t == "TYPING_START")
        typing = bot.wait_for("raw_typing")
        await admin.call("POST", "/discord/gateway/dispatch", {
            "event": "TYPING_START", "guild_id": GUILD,
            "data": {"channel_id": str(GENERAL), "guild_id": str(GUILD),
                     "user_id": str(DEFAULT_IDS["carol"]), "timestamp": 1_700_000_000}},
                         204)
        await asyncio.wait_for(raw, TIMEOUT)
        event = await asyncio.wait_for(typing, TIMEOUT)
        assert (event.user_id, event.channel_id) == (DEFAULT_IDS["carol"], GENERAL)

        # op 7: the bot reconnects and resumes the same session.
        resumed = bot.wait_for("resumed")
        await admin.call("POST", "/discord/gateway/reconnect", None, 204)
        await asyncio.wait_for(resumed, TIMEOUT)
        sessions = await admin.call("GET", "/discord/gateway/sessions")
        assert [(s["id"], s["connected"]) for s in sessions] == [(before["id"], True)]
        assert twin.journal.frames(direction="out", event="RECONNECT")

        # op 9 (not resumable): the bot identifies afresh, a new session.
        ready = bot.wait_for("ready")
        await admin.call("POST", "/discord/gateway/invalidate", {"resumable": False}, 204)
        await asyncio.wait_for(ready, TIMEOUT)
        sessions = await admin.call("GET", "/discord/gateway/sessions")
        assert len(sessions) == 1 and sessions[0]["id"] != before["id"]
        assert sessions[0]["connected"] is True

        bad = await admin.call("POST", "/discord/gateway/dispatch", {"event": "X"}, 400)
        assert "data an object" in bad["error"]


async def test_a_rate_limit_set_over_http_answers_429_until_cleared() -> None:
    async with DiscordTwin(world=default_discord_world()) as twin, \
            aiohttp.ClientSession() as http:
        admin = Admin(http, twin)
        route = "/channels/{channel_id}/messages"
        limits = await admin.call("GET", "/discord/rate-limits")
        assert route in limits["routes"] and limits["overrides"] == []
        assert limits["unbucketed"] == [
            {"method": "POST", "route": "/interactions/{interaction_id}/{token}/callback"}]
        assert await admin.call("PUT", "/discord/rate-limits",
                                {"route": route, "limit": 1, "reset_after": 60}) == {
            "route": route, "limit": 1, "reset_after": 60.0}
        url = twin.http_url(f"/api/v10/channels/{GENERAL}/messages")
        headers = {"Authorization": f"Bot {twin.application.token}"}

        async def post() -> aiohttp.ClientResponse:
            async with http.post(url, json={"content": "hi"}, headers=headers) as r:
                await r.read()
                return r

        first = await post()
        assert first.status == 200
        assert first.headers["X-RateLimit-Remaining"] == "0"
        limited = await post()
        assert limited.status == 429
        assert "Via" in limited.headers
        assert float(limited.headers["X-RateLimit-Reset-After"]) > 50
        await admin.call("DELETE", "/discord/rate-limits", None, 204)
        assert (await post()).status == 200
        bad = await admin.call("PUT", "/discord/rate-limits", {"route": "/nope", "limit": 1},
                               400)
        assert "no REST route '/nope'" in bad["error"]


async def test_snapshot_and_reset_over_http() -> None:
    async with DiscordTwin(world=default_discord_world()) as twin, \
            aiohttp.ClientSession() as http:
        admin = Admin(http, twin)
        info = await admin.call("GET", "")
        assert info["service"] == "discord"
        assert info["settings"]["token"] == twin.application.token
        spec = await admin.call("GET", "/openapi.json")
        assert "/_wiretwin/discord/channels/{channel}/messages" in spec["paths"]
        saved = await admin.call("GET", "/snapshot")
        await admin.call("POST", f"/discord/channels/{GENERAL}/messages",
                         {"author": DEFAULT_IDS["alice"], "content": "later"}, 201)
        assert len((await admin.call("GET", "/snapshot"))["messages"]) == 2
        await admin.call("PUT", "/snapshot", saved, 204)
        assert await admin.call("GET", "/snapshot") == saved
        broken = {**saved, "members": [{"guild": str(GUILD), "user": "404"}]}
        refused = await admin.call("PUT", "/snapshot", broken, 400)
        assert refused["error"] == "members[0]: user '404' is not in users"
        await admin.call("POST", f"/discord/guilds/{GUILD}/members",
                         {"user": DEFAULT_IDS["bob"]}, 201)  # already a member: unchanged
        await admin.call("POST", "/reset", {}, 204)
        assert await admin.call("GET", "/snapshot") == saved


@pytest.mark.discord_twin(world="default")
def test_the_fixture_serves_the_default_world(discord_twin: DiscordTwin) -> None:
    assert discord_twin.running
    assert [g.name for g in discord_twin.model.guilds.values()] == ["wiretwin guild"]
    assert discord_twin.snapshot()["application"]["id"] == str(DEFAULT_IDS["application"])


def test_the_fixture_is_empty_by_default(discord_twin: DiscordTwin) -> None:
    assert discord_twin.model.guilds == {}
    assert discord_twin.model.bot.bot is True


async def test_a_post_in_a_category_is_refused_alike_over_rest_backend_and_admin() -> None:
    """One rule, in the model: the bot over REST, a user through the backend and a user
    through the admin API all get Discord's 50008 for a channel without messages."""
    category = DEFAULT_IDS["text_category"]
    async with DiscordTwin(world=default_discord_world()) as twin, \
            aiohttp.ClientSession() as http:
        rest = twin.http_url(f"/api/v10/channels/{category}/messages")
        headers = {"Authorization": f"Bot {twin.application.token}"}
        async with http.post(rest, json={"content": "hi"}, headers=headers) as answer:
            assert (answer.status, (await answer.json())["code"]) == (400, 50008)
        with pytest.raises(BackendError) as refused:
            await twin.backend.send_message(category, "hi", author=DEFAULT_IDS["alice"])
        assert refused.value.code == 50008
        failed = await Admin(http, twin).call(
            "POST", f"/discord/channels/{category}/messages",
            {"author": str(DEFAULT_IDS["alice"]), "content": "hi"}, expect=400)
        assert "Discord error 50008" in failed["error"]
        assert twin.model.messages.get(category, {}) == {}


async def test_direct_messages_listed_opened_and_answered_over_http() -> None:
    async with connected() as (twin, bot, admin):
        alice, bob = str(DEFAULT_IDS["alice"]), str(DEFAULT_IDS["bob"])
        assert await admin.call("GET", f"/discord/users/{alice}/dms") == []

        # The bot DMs bob: the DM shows in bob's list, with both recipients.
        user = await bot.fetch_user(int(bob))
        await user.send("psst")
        (dm,) = await admin.call("GET", f"/discord/users/{bob}/dms")
        assert dm["type"] == 1
        assert bot.user is not None
        assert sorted(u["id"] for u in dm["recipients"]) == sorted([bob, str(bot.user.id)])
        seen = await admin.call("GET", f"/discord/channels/{dm['id']}/messages/seen-by/{bob}")
        assert [m["content"] for m in seen] == ["psst"]

        # Alice opens a DM with the bot (the same channel every time) and talks to it.
        opened = await admin.call("POST", f"/discord/users/{alice}/dms", {})
        assert await admin.call("POST", f"/discord/users/{alice}/dms", {}) == opened
        assert [d["id"] for d in await admin.call("GET", f"/discord/users/{alice}/dms")] == [
            opened["id"]]
        mark = twin.journal.mark()
        await admin.call("POST", f"/discord/channels/{opened['id']}/messages",
                         {"author": alice, "content": "!ping"}, expect=201)
        await twin.journal.wait_for(lambda e: e.kind == "http" and e.detail.get(
            "path") == f"/api/v10/channels/{opened['id']}/messages", since=mark,
            timeout=TIMEOUT)
        replies = await admin.call("GET", f"/discord/channels/{opened['id']}/messages")
        assert [m["content"] for m in replies] == ["!ping", "pong"]

        # Bad ids are the admin API's errors.
        await admin.call("GET", "/discord/users/1/dms", expect=404)
        await admin.call("POST", f"/discord/users/{alice}/dms", {"recipient": "1"}, expect=404)
        await admin.call("POST", f"/discord/users/{alice}/dms", {"recipient": "x"}, expect=400)
