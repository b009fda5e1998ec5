"""Channel webhooks with the real discord.py: the bot makes and manages them with its
token; anyone with a webhook's token posts, edits and deletes its messages."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import discord
import pytest
from discord.ext import commands

from wiretwin.discord.model import ChannelType
from wiretwin.discord.permissions import Permission
from wiretwin.discord.twin import DiscordTwin

from .bots import BOT_PERMISSIONS, TIMEOUT, build_world, run_bot


def make_bot() -> commands.Bot:
    return commands.Bot(command_prefix="!", intents=discord.Intents.all())


async def test_the_bot_makes_a_webhook_and_posts_as_it() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin, bot_permissions=BOT_PERMISSIONS
                            | Permission.MANAGE_WEBHOOKS)
        m = twin.model
        bot = make_bot()
        async with run_bot(twin, bot):
            general = bot.get_channel(world.general.id)
            assert isinstance(general, discord.TextChannel)
            updated = bot.wait_for("webhooks_update")
            hook = await general.create_webhook(name="Announcer")
            assert (await asyncio.wait_for(updated, TIMEOUT)).id == general.id
            assert hook.token and hook.channel_id == general.id
            assert hook.user is not None and hook.user.id == m.bot.id

            created = bot.wait_for("message")
            sent = await hook.send("hello from a hook", username="Town Crier", wait=True)
            seen = await asyncio.wait_for(created, TIMEOUT)
            assert seen.id == sent.id and seen.webhook_id == hook.id
            assert (seen.author.name, seen.author.bot) == ("Town Crier", True)
            stored = m.messages[world.general.id][sent.id]
            assert (stored.content, stored.webhook_id) == ("hello from a hook", hook.id)

            edited = await hook.edit_message(sent.id, content="hello (edited)")
            assert edited.content == "hello (edited)"
            assert (await hook.fetch_message(sent.id)).content == "hello (edited)"
            await hook.delete_message(sent.id)
            assert sent.id not in m.messages[world.general.id]
            await hook.send("no wait")  # 204 without ?wait
            assert [x.content for x in m.messages[world.general.id].values()
                    if x.webhook_id == hook.id] == ["no wait"]

            await hook.edit(name="Herald")
            assert [w.name for w in await general.webhooks()] == ["Herald"]
            guild = bot.get_guild(world.guild.id)
            assert guild is not None and [w.id for w in await guild.webhooks()] == [hook.id]
            with pytest.raises(discord.HTTPException, match="50035"):
                await general.create_webhook(name="my discord hook")
            await hook.delete()
            assert m.webhooks == {}


async def test_webhook_tokens_threads_forums_and_permissions() -> None:
    async with DiscordTwin() as twin, aiohttp.ClientSession() as http:
        world = build_world(twin)
        m = twin.model
        hook = m.create_webhook(world.general, world.alice.id, "Alice's hook")
        thread = m.start_thread(world.general, world.alice.id, "side",
                                kind=ChannelType.PUBLIC_THREAD)
        forum = m.create_channel(world.guild, "ideas", ChannelType.GUILD_FORUM)
        forum_hook = m.create_webhook(forum, world.alice.id, "Poster")
        base = twin.http_url("/api/v10/webhooks")

        async def post(path: str, body: object) -> tuple[int, object]:
            async with http.post(base + path, json=body) as response:
                raw = await response.read()
                return response.status, json.loads(raw) if raw else None

        status, body = await post(f"/{hook.id}/{hook.token}?wait=true&thread_id={thread.id}",
                                  {"content": "in the thread"})
        assert status == 200 and isinstance(body, dict)
        assert body["channel_id"] == str(thread.id)
        assert body["author"]["username"] == "Alice's hook"
        status, body = await post(f"/{forum_hook.id}/{forum_hook.token}?wait=true",
                                  {"content": "a post", "thread_name": "New idea"})
        assert status == 200 and isinstance(body, dict)
        post_thread = m.channels[int(body["channel_id"])]
        assert post_thread.name == "New idea" and post_thread.parent_id == forum.id
        assert body["id"] == body["channel_id"] and body["webhook_id"] == str(forum_hook.id)
        status, body = await post(f"/{forum_hook.id}/{forum_hook.token}", {"content": "x"})
        assert status == 400 and isinstance(body, dict) and body["code"] == 220001
        status, body = await post(f"/{hook.id}/wrong-token", {"content": "x"})
        assert (status, body) == (401, {"message": "Invalid Webhook Token", "code": 50027})
        status, body = await post(f"/{hook.id + 1}/{hook.token}", {"content": "x"})
        assert status == 404 and isinstance(body, dict) and body["code"] == 10015
        async with http.get(f"{base}/{hook.id}/{hook.token}") as response:
            shown = await response.json()
        assert shown["token"] == hook.token and "user" not in shown

        bot = make_bot()  # the bot may not manage webhooks in this world
        async with run_bot(twin, bot):
            general = bot.get_channel(world.general.id)
            assert isinstance(general, discord.TextChannel)
            with pytest.raises(discord.Forbidden, match="50013"):
                await general.webhooks()


def test_webhooks_are_kept_in_snapshots() -> None:
    twin = DiscordTwin()
    world = build_world(twin)
    hook = twin.model.create_webhook(world.general, world.alice.id, "Keeper")
    saved = twin.snapshot()
    assert saved["webhooks"] == [{"id": str(hook.id), "channel": str(world.general.id),
                                  "name": "Keeper", "token": hook.token,
                                  "creator": str(world.alice.id), "avatar": None}]
    copy = DiscordTwin(world=saved)
    assert copy.model.webhooks[hook.id].token == hook.token
    assert copy.snapshot()["webhooks"] == saved["webhooks"]
