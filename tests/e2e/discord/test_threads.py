"""Threads and forum posts with the real discord.py: the bot starts, joins, archives and
lists them over REST; users start and use them through the backend; the bot learns of
everything over the gateway."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord.ext import commands

from wiretwin.discord.backend import BackendError
from wiretwin.discord.model import ChannelType
from wiretwin.discord.permissions import Permission
from wiretwin.discord.twin import DiscordTwin

from .bots import TIMEOUT, build_world, run_bot


def make_bot() -> commands.Bot:
    return commands.Bot(command_prefix="!", intents=discord.Intents.all())


async def test_the_bot_starts_threads_from_messages_and_on_their_own() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        m = twin.model
        bot = make_bot()
        async with run_bot(twin, bot):
            general = bot.get_channel(world.general.id)
            assert isinstance(general, discord.TextChannel)
            said = m.create_message(world.general, world.alice.id, "let's discuss")
            message = await general.fetch_message(said.id)
            thread = await message.create_thread(name="discussion")
            assert thread.id == said.id and thread.parent_id == general.id
            assert thread.type is discord.ChannelType.public_thread
            assert thread.owner_id == bot.user.id if bot.user else False
            assert said.flags & (1 << 5)  # HAS_THREAD
            refetched = await general.fetch_message(said.id)
            assert refetched.thread is not None and refetched.thread.id == thread.id
            sent = await thread.send("first!")
            assert m.messages[thread.id][sent.id].content == "first!"
            stored = m.channels[thread.id]
            assert stored.thread is not None and stored.thread.message_count == 1

            private = await general.create_thread(name="secret",
                                                  type=discord.ChannelType.private_thread)
            assert private.type is discord.ChannelType.private_thread
            await private.add_user(discord.Object(world.bob.id))
            members = await private.fetch_members()
            assert sorted(mem.id for mem in members) == sorted([world.bob.id, m.bot.id])
            await private.remove_user(discord.Object(world.bob.id))
            assert world.bob.id not in (m.channels[private.id].thread or stored.thread).members
            # A public thread on its own leaves a "started a thread" message behind.
            public = await general.create_thread(name="open topic",
                                                 type=discord.ChannelType.public_thread)
            notices = [x for x in m.messages[world.general.id].values() if x.type == 18]
            assert [(x.content, (x.reference or {}).get("channel_id")) for x in notices] == [
                ("open topic", str(public.id))]

            active = await bot.get_guild(world.guild.id).active_threads()  # type: ignore[union-attr]
            assert sorted(t.name for t in active) == ["discussion", "open topic", "secret"]


async def test_users_threads_reach_the_bot_which_joins_archives_and_lists_them() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin, bot_permissions=Permission(
            Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES
            | Permission.READ_MESSAGE_HISTORY | Permission.MANAGE_THREADS))
        bot = make_bot()
        async with run_bot(twin, bot):
            created = bot.wait_for("thread_create")
            thread = await twin.backend.start_thread(world.general, "alice's topic",
                                                     world.alice)
            seen = await asyncio.wait_for(created, TIMEOUT)
            assert (seen.id, seen.name, seen.owner_id) == (thread.id, "alice's topic",
                                                           world.alice.id)
            joined = bot.wait_for("thread_join")
            await seen.join()
            assert (await asyncio.wait_for(joined, TIMEOUT)).id == thread.id
            assert seen.me is not None

            await twin.message("in the thread", thread, world.bob)
            assert thread.thread is not None and world.bob.id in thread.thread.members

            await seen.edit(archived=True)
            assert thread.thread.archived
            archived = [t async for t in seen.parent.archived_threads()]  # type: ignore[union-attr]
            assert [t.id for t in archived] == [thread.id]
            # A message in an archived (unlocked) thread brings it back (discord.py drops
            # archived threads from its cache, so it reports the return as a join).
            updated = bot.wait_for("raw_thread_update")
            back = bot.wait_for("thread_join")
            await twin.backend.send_message(thread, "still here", world.alice)
            raw = await asyncio.wait_for(updated, TIMEOUT)
            assert raw.data["thread_metadata"]["archived"] is False
            assert (await asyncio.wait_for(back, TIMEOUT)).id == thread.id

            await seen.edit(archived=True, locked=True)
            with pytest.raises(BackendError, match="400 50083 Thread is archived"):
                await twin.backend.send_message(thread, "let me in", world.bob)
            # The owner may manage threads, so a locked thread is no bar to her.
            await twin.backend.send_message(thread, "owner's word", world.alice)
            await seen.delete()
            assert thread.id not in twin.model.channels


async def test_forum_posts_and_threads_in_guild_create() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        m = twin.model
        forum_channel = m.create_channel(world.guild, "ideas", ChannelType.GUILD_FORUM)
        before_login = await twin.backend.start_thread(world.general, "older topic",
                                                       world.alice)
        bot = make_bot()
        async with run_bot(twin, bot):
            # Active threads came with GUILD_CREATE.
            cached = bot.get_channel(before_login.id)
            assert isinstance(cached, discord.Thread) and cached.name == "older topic"
            forum = bot.get_channel(forum_channel.id)
            assert isinstance(forum, discord.ForumChannel)
            post = await forum.create_thread(name="Dark mode", content="Please add it")
            assert post.thread.name == "Dark mode"
            assert post.message.id == post.thread.id
            assert post.message.content == "Please add it"
            info = m.channels[post.thread.id].thread
            assert info is not None and info.message_count == 0  # the first does not count
            with pytest.raises(discord.HTTPException, match="50035"):
                await forum.create_thread(name="", content="no name")


async def test_thread_permissions() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        m = twin.model
        m.modify_role(world.guild, world.guild.everyone, {"permissions": str(int(
            Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES
            | Permission.READ_MESSAGE_HISTORY))})
        bot = make_bot()
        async with run_bot(twin, bot):
            general = bot.get_channel(world.general.id)
            assert isinstance(general, discord.TextChannel)
            with pytest.raises(discord.Forbidden, match="50013"):
                await general.create_thread(name="nope",
                                            type=discord.ChannelType.public_thread)
            # A private thread the bot is not in, and may not manage: invisible to it.
            hidden = m.start_thread(world.general, world.alice.id, "hush",
                                    kind=ChannelType.PRIVATE_THREAD)
            with pytest.raises(discord.Forbidden, match="50001"):
                await bot.fetch_channel(hidden.id)
            # In a thread, SEND_MESSAGES_IN_THREADS is what sending needs.
            public = m.start_thread(world.general, world.alice.id, "open",
                                    kind=ChannelType.PUBLIC_THREAD)
            thread = await bot.fetch_channel(public.id)
            assert isinstance(thread, discord.Thread)
            with pytest.raises(discord.Forbidden, match="50013"):
                await thread.send("can I?")


async def test_threads_survive_snapshots_and_restores_tell_the_bot() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        m = twin.model
        saved = twin.snapshot()
        thread = await twin.backend.start_thread(world.general, "kept", world.alice)
        await twin.backend.join_thread(thread, world.bob)
        await twin.backend.send_message(thread, "inside", world.bob)
        with_thread = twin.snapshot()
        (entry,) = [c for c in with_thread["channels"] if c["id"] == str(thread.id)]
        assert entry["thread"]["owner"] == str(world.alice.id)
        assert [x["user"] for x in entry["thread"]["members"]] == [
            str(world.alice.id), str(world.bob.id)]

        copy = DiscordTwin(world=with_thread)
        restored = copy.model.channels[thread.id]
        assert restored.thread is not None and restored.thread.message_count == 1
        assert [x.content for x in copy.model.messages[thread.id].values()] == ["inside"]
        assert copy.snapshot()["channels"] == with_thread["channels"]

        bot = make_bot()
        async with run_bot(twin, bot):
            assert isinstance(bot.get_channel(thread.id), discord.Thread)
            deleted = bot.wait_for("raw_thread_delete")
            twin.restore(saved)
            assert (await asyncio.wait_for(deleted, TIMEOUT)).thread_id == thread.id
            assert thread.id not in m.channels
