"""The real discord.py 2.7.1 (``commands.Bot``, unmodified, ``bot.start(token)``) against
the Discord twin, end to end: commands, replies, embeds, files, reactions, edits and
deletes, history, DMs, members and roles, permissions, intents, rate limits, resume,
reconnect and invalid sessions, sharding and gateway compression.

Users act through the twin's model (what a person would do in the Discord app); the bot
acts through discord.py (REST and gateway). Every wait is on an event or on the twin's
journal, never a sleep.
"""

from __future__ import annotations

import asyncio
import io
import json
import zlib

import aiohttp
import discord
import pytest
from discord.ext import commands

from wiretwin.discord.model import Attachment, ChannelType, Overwrite
from wiretwin.discord.permissions import Permission
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.wire import WireSocket

from .bots import (
    BOT_PERMISSIONS,
    World,
    build_world,
    dispatches,
    gateway_in,
    listen,
    mark,
    next_event,
    posted,
    refused,
    run_bot,
)

Ctx = commands.Context[commands.Bot]


def make_bot(intents: discord.Intents | None = None) -> commands.Bot:
    return commands.Bot(command_prefix="!", intents=intents or discord.Intents.all())


# -- commands ------------------------------------------------------------------------------


async def test_prefix_commands_parse_arguments_with_converters() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        bot = make_bot()

        @bot.command()
        async def add(ctx: Ctx, a: int, b: int) -> None:
            await ctx.send(f"{a} + {b} = {a + b}")

        @bot.command()
        async def greet(ctx: Ctx, member: discord.Member, *, greeting: str) -> None:
            await ctx.send(f"{greeting}, {member.display_name} ({member.id})")

        @bot.command(name="roles")
        async def roles_(ctx: Ctx, role: discord.Role) -> None:
            await ctx.send(f"{role.name}: {len(role.members)}")

        async with run_bot(twin, bot) as run:
            since = mark(twin)
            model.create_message(world.general, world.alice.id, "!add 2 40")
            (reply,) = await posted(twin, world.general, since=since)
            assert reply.content == "2 + 40 = 42"

            since = mark(twin)
            model.create_message(world.general, world.alice.id,
                                 f"!greet <@{world.bob.id}> good morning to you")
            (reply,) = await posted(twin, world.general, since=since)
            assert reply.content == f"good morning to you, bob ({world.bob.id})"

            since = mark(twin)
            model.create_message(world.general, world.alice.id, "!roles wiretwin-bot")
            (reply,) = await posted(twin, world.general, since=since)
            assert reply.content == "wiretwin-bot: 1"

            model.create_message(world.general, world.alice.id, "!add two 3")
            error = await run.command_error()
            assert isinstance(error, commands.BadArgument)
            assert 'parameter "a"' in str(error)

            model.create_message(world.general, world.alice.id, "!greet <@123456789> hi")
            error = await run.command_error()
            assert isinstance(error, commands.MemberNotFound)


async def test_ctx_reply_references_the_command_message() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = make_bot()
        replied: asyncio.Queue[discord.Message] = asyncio.Queue()

        @bot.command()
        async def hello(ctx: Ctx) -> None:
            replied.put_nowait(await ctx.reply("hello yourself"))

        async with run_bot(twin, bot):
            command = twin.model.create_message(world.general, world.alice.id, "!hello")
            (stored,) = await posted(twin, world.general)
            assert stored.reference is not None
            assert stored.reference["message_id"] == str(command.id)
            assert stored.type == 19  # REPLY
            assert world.alice.id in stored.mentions  # replies ping the author by default
            sent = await asyncio.wait_for(replied.get(), 5)
            assert sent.reference is not None and sent.reference.message_id == command.id
            assert sent.type is discord.MessageType.reply
            resolved = sent.reference.resolved
            assert isinstance(resolved, discord.Message) and resolved.content == "!hello"


async def test_embeds_round_trip() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = make_bot()
        sent_back: asyncio.Queue[discord.Message] = asyncio.Queue()

        @bot.command()
        async def card(ctx: Ctx) -> None:
            embed = discord.Embed(title="Status", description="all good", colour=0x2ECC71,
                                  url="https://example.invalid/status")
            embed.add_field(name="uptime", value="3 days", inline=True)
            embed.add_field(name="load", value="0.4", inline=False)
            embed.set_footer(text="wiretwin")
            sent_back.put_nowait(await ctx.send(embed=embed))

        async with run_bot(twin, bot):
            twin.model.create_message(world.general, world.alice.id, "!card")
            (stored,) = await posted(twin, world.general)
            (embed,) = stored.embeds
            assert embed["title"] == "Status" and embed["color"] == 0x2ECC71
            assert embed["fields"] == [
                {"name": "uptime", "value": "3 days", "inline": True},
                {"name": "load", "value": "0.4", "inline": False}]
            assert embed["footer"] == {"text": "wiretwin"}
            message = await asyncio.wait_for(sent_back.get(), 5)
            (parsed,) = message.embeds
            assert parsed.title == "Status" and parsed.description == "all good"
            assert parsed.colour == discord.Colour(0x2ECC71)
            assert [f.name for f in parsed.fields] == ["uptime", "load"]

            # ... and the bot reads an embed a user's message carries.
            seen = listen(bot, "on_message")
            twin.model.create_message(world.general, world.alice.id, embeds=[
                {"type": "rich", "title": "From alice", "description": "hi"}])
            (incoming,) = await next_event(seen, where=lambda m: m.author.id == world.alice.id)
            assert [e.title for e in incoming.embeds] == ["From alice"]


async def test_file_upload_is_stored_and_downloadable() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = make_bot()
        payload = bytes(range(256)) * 40
        sent_back: asyncio.Queue[discord.Message] = asyncio.Queue()

        @bot.command()
        async def report(ctx: Ctx) -> None:
            sent_back.put_nowait(await ctx.send(
                "here it is", file=discord.File(io.BytesIO(payload), filename="report.bin",
                                                description="the report")))

        @bot.command()
        async def size(ctx: Ctx) -> None:
            (attachment,) = ctx.message.attachments
            data = await attachment.read()
            await ctx.send(f"{attachment.filename}: {len(data)} bytes, {data[:5]!r}")

        async with run_bot(twin, bot):
            twin.model.create_message(world.general, world.alice.id, "!report")
            (stored,) = await posted(twin, world.general)
            (attachment,) = stored.attachments
            assert attachment.filename == "report.bin"
            assert attachment.data == payload and attachment.size == len(payload)
            assert attachment.description == "the report"
            message = await asyncio.wait_for(sent_back.get(), 5)
            (got,) = message.attachments
            assert got.filename == "report.bin" and got.size == len(payload)
            assert await got.read() == payload  # from the twin's attachment URL

            # A user's upload: the bot downloads it in a command.
            since = mark(twin)
            attachment_id = twin.model.ids.next()
            upload = Attachment(
                attachment_id, "notes.txt", 11, "text/plain",
                twin.http_url(f"/attachments/{world.general.id}/{attachment_id}/notes.txt"),
                b"hello notes")
            twin.model.create_message(world.general, world.alice.id, "!size",
                                      attachments=[upload])
            (answer,) = await posted(twin, world.general, since=since)
            assert answer.content == "notes.txt: 11 bytes, b'hello'"



# -- reactions, edits, deletes, history ----------------------------------------------------


def text_channel(bot: discord.Client, channel_id: int) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel), channel
    return channel


async def test_reactions_and_wait_for_reaction_add() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        bot = make_bot()
        removed = listen(bot, "on_reaction_remove")
        raw_added = listen(bot, "on_raw_reaction_add")

        listening = asyncio.Event()

        @bot.command()
        async def poll(ctx: Ctx) -> None:
            message = await ctx.send("pineapple on pizza?")
            await message.add_reaction("👍")
            await message.add_reaction("👎")
            assert bot.user is not None
            me = bot.user.id
            # wait_for registers its listener when called: the test reacts only after.
            vote = bot.wait_for(
                "reaction_add", timeout=10,
                check=lambda r, u: u.id != me and r.message.id == message.id)
            listening.set()
            reaction, user = await vote
            await ctx.send(f"{user.name} voted {reaction.emoji} ({reaction.count} votes)")

        async with run_bot(twin, bot):
            since = mark(twin)
            model.create_message(world.general, world.alice.id, "!poll")
            (question,) = await posted(twin, world.general, since=since)
            await asyncio.wait_for(listening.wait(), 10)
            assert {k: r.users for k, r in question.reactions.items()} == {
                "👍": [model.bot.id], "👎": [model.bot.id]}
            since = mark(twin)
            model.add_reaction(question, world.alice.id, {"id": None, "name": "👍"})
            (verdict,) = await posted(twin, world.general, since=since)
            assert verdict.content == "alice voted 👍 (2 votes)"
            (payload,) = await next_event(
                raw_added, where=lambda p: p.user_id == world.alice.id)
            assert payload.message_id == question.id and str(payload.emoji) == "👍"
            assert payload.member is not None and payload.member.id == world.alice.id

            # alice takes her vote back; the bot sees it.
            model.remove_reaction(question, world.alice.id, {"id": None, "name": "👍"})
            reaction, user = await next_event(removed)
            assert (str(reaction.emoji), user.id, reaction.count) == ("👍", world.alice.id, 1)

            # The bot (MANAGE_MESSAGES) removes someone's reaction, then clears them all.
            channel = text_channel(bot, world.general.id)
            message = await channel.fetch_message(question.id)
            model.add_reaction(question, world.bob.id, {"id": None, "name": "👎"})
            # users() asks for as many as the (now stale) count said: the twin honours limit,
            # and lists users by id, as Discord pages them.
            assert [u.id async for u in message.reactions[1].users()] == [
                min(model.bot.id, world.bob.id)]
            assert sorted([u.id async for u in (await channel.fetch_message(
                question.id)).reactions[1].users()]) == sorted([model.bot.id, world.bob.id])
            await message.remove_reaction("👎", discord.Object(world.bob.id))
            assert question.reactions["👎"].users == [model.bot.id]
            await message.clear_reactions()
            assert question.reactions == {}


async def test_message_edits_and_deletes_both_ways() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        bot = make_bot()
        seen = listen(bot, "on_message")
        edits = listen(bot, "on_message_edit")
        deletes = listen(bot, "on_message_delete")
        async with run_bot(twin, bot):
            channel = text_channel(bot, world.general.id)

            # The bot edits and deletes its own message.
            draft = await channel.send("draft")
            edited = await draft.edit(content="final")
            stored = model.messages[world.general.id][draft.id]
            assert stored.content == "final" and stored.edited_ms is not None
            assert edited.content == "final" and edited.edited_at is not None
            before, after = await next_event(edits)  # the bot sees its own edit too
            assert (before.id, before.content, after.content) == (draft.id, "draft", "final")
            await edited.delete()
            assert draft.id not in model.messages[world.general.id]
            (gone,) = await next_event(deletes)
            assert gone.id == draft.id

            # A user edits and deletes theirs: on_message_edit / on_message_delete.
            original = model.create_message(world.general, world.alice.id, "teh typo")
            await next_event(seen, where=lambda m: m.id == original.id)
            model.edit_message(original, {"content": "the typo"})
            before, after = await next_event(edits)
            assert (before.content, after.content) == ("teh typo", "the typo")
            assert after.edited_at is not None
            model.delete_message(original)
            (gone,) = await next_event(deletes)
            assert (gone.id, gone.content) == (original.id, "the typo")

            # The bot may delete others' messages (MANAGE_MESSAGES), never edit them.
            victim = model.create_message(world.general, world.bob.id, "spam")
            await next_event(seen, where=lambda m: m.id == victim.id)
            message = await channel.fetch_message(victim.id)
            with pytest.raises(discord.Forbidden) as refused_edit:
                await message.edit(content="not yours")
            assert refused_edit.value.code == 50005
            assert model.messages[world.general.id][victim.id].content == "spam"
            await message.delete()
            assert victim.id not in model.messages[world.general.id]

            # Bulk delete (purge) through MESSAGE_DELETE_BULK.
            bulk = listen(bot, "on_bulk_message_delete")
            spam = [model.create_message(world.general, world.bob.id, f"spam {i}")
                    for i in range(3)]
            await next_event(seen, where=lambda m: m.id == spam[-1].id)
            purged = await channel.purge(limit=3)
            assert sorted(m.id for m in purged) == sorted(m.id for m in spam)
            (messages,) = await next_event(bulk)
            assert sorted(m.content for m in messages) == ["spam 0", "spam 1", "spam 2"]
            assert not any(m.id in model.messages[world.general.id] for m in spam)


async def test_channel_history_before_after_around_and_pagination() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        made = [model.create_message(world.general, world.alice.id, f"m{i}")
                for i in range(130)]
        bot = make_bot()
        async with run_bot(twin, bot):
            channel = text_channel(bot, world.general.id)
            assert [m.content async for m in channel.history(limit=3)] == ["m129", "m128",
                                                                            "m127"]
            assert [m.content async for m in channel.history(
                limit=3, before=discord.Object(made[10].id))] == ["m9", "m8", "m7"]
            assert [m.content async for m in channel.history(
                limit=None, after=discord.Object(made[125].id))] == [
                "m126", "m127", "m128", "m129"]
            assert [m.content async for m in channel.history(  # newest first, then cut
                limit=10, after=discord.Object(made[125].id), oldest_first=False)] == [
                "m129", "m128", "m127", "m126"]
            around = [m.content async for m in channel.history(
                limit=5, around=discord.Object(made[50].id))]
            assert sorted(around) == sorted(["m48", "m49", "m50", "m51", "m52"])
            since = mark(twin)
            everything = [m.content async for m in channel.history(limit=None)]
            assert everything == [f"m{i}" for i in reversed(range(130))]
            pages = twin.journal.http(method="GET",
                                      path=f"/api/v10/channels/{world.general.id}/messages")
            assert [e.detail["query"] for e in pages if e.seq > since] == [
                {"limit": "100"}, {"limit": "100", "before": str(made[30].id)}]


# -- DMs -------------------------------------------------------------------------------------


async def test_direct_messages_both_ways() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        bot = make_bot()
        seen = listen(bot, "on_message")

        @bot.command()
        async def whisper(ctx: Ctx) -> None:
            await ctx.author.send("psst, a secret")

        @bot.command()
        async def where(ctx: Ctx) -> None:
            kind = "dm" if isinstance(ctx.channel, discord.DMChannel) else "guild"
            await ctx.send(f"{kind} with {ctx.author.name}")

        async with run_bot(twin, bot):
            since = mark(twin)
            model.create_message(world.general, world.alice.id, "!whisper")
            (entry,) = await twin.journal.wait_for(
                lambda e: e.seq > since and e.kind == "http"
                and e.detail["path"] == "/api/v10/users/@me/channels")
            dm_id = int(json.loads(entry.detail["response_body"])["id"])
            (secret,) = await posted(twin, dm_id, since=since)
            assert secret.content == "psst, a secret"
            dm = model.channels[dm_id]
            assert dm.is_dm and sorted(dm.recipients) == sorted([model.bot.id,
                                                                  world.alice.id])

            # alice answers in the DM: the bot gets it and runs a command there.
            since = mark(twin)
            model.create_message(dm, world.alice.id, "!where")
            (incoming,) = await next_event(seen, where=lambda m: m.content == "!where")
            assert isinstance(incoming.channel, discord.DMChannel)
            assert incoming.guild is None and incoming.channel.id == dm_id
            (answer,) = await posted(twin, dm_id, since=since)
            assert answer.content == "dm with alice"

            # The bot opens a DM by itself (fetch_user, create_dm), reusing the channel.
            user = await bot.fetch_user(world.alice.id)
            channel = await user.create_dm()
            assert channel.id == dm_id
            await channel.send("hello again")
            assert [m.content for m in model.messages[dm_id].values()] == [
                "psst, a secret", "!where", "dm with alice", "hello again"]

            # Bots cannot DM other bots.
            other = model.add_user("other-bot", bot=True)
            with pytest.raises(discord.HTTPException) as refused_dm:
                await (await bot.fetch_user(other.id)).send("hi")
            assert refused_dm.value.code == 50007


# -- members, roles, permissions -------------------------------------------------------------


def guild_of(bot: discord.Client, guild_id: int) -> discord.Guild:
    guild = bot.get_guild(guild_id)
    assert guild is not None
    return guild


async def test_member_join_update_roles_and_kick() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        guild = world.guild
        helper = model.create_role(guild, "helper")
        staff = model.create_role(guild, "staff")  # above the bot's role: out of its reach
        model.move_roles(guild, [(helper.id, 1), (world.bot_role.id, 2), (staff.id, 3)])
        bot = make_bot()
        joins = listen(bot, "on_member_join")
        updates = listen(bot, "on_member_update")
        leaves = listen(bot, "on_member_remove")
        async with run_bot(twin, bot):
            carol = model.add_user("carol")
            model.add_member(guild, carol.id)
            (joined,) = await next_event(joins)
            assert (joined.id, joined.guild.id, joined.name) == (carol.id, guild.id, "carol")

            model.update_member(guild, guild.members[carol.id], {"nick": "caz"})
            before, after = await next_event(updates)
            assert (before.nick, after.nick, after.display_name) == (None, "caz", "caz")

            member = guild_of(bot, guild.id).get_member(carol.id)
            assert member is not None and member.nick == "caz"
            await member.add_roles(discord.Object(helper.id), reason="trusted")
            assert guild.members[carol.id].roles == [helper.id]
            before, after = await next_event(updates)
            assert [r.name for r in before.roles] == ["@everyone"]
            assert [r.name for r in after.roles] == ["@everyone", "helper"]

            with pytest.raises(discord.Forbidden) as above:
                await member.add_roles(discord.Object(staff.id))
            assert above.value.code == 50013 and above.value.status == 403
            assert guild.members[carol.id].roles == [helper.id]

            await member.remove_roles(discord.Object(helper.id))
            assert guild.members[carol.id].roles == []
            before, after = await next_event(updates)
            assert [r.name for r in after.roles] == ["@everyone"]

            await member.edit(nick="carol c.")
            assert guild.members[carol.id].nick == "carol c."

            await member.kick(reason="bye")
            (left,) = await next_event(leaves)
            assert left.id == carol.id and carol.id not in guild.members


async def test_role_and_overwrite_changes_change_what_the_bot_may_do() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        bot = make_bot()
        role_created = listen(bot, "on_guild_role_create")
        role_updated = listen(bot, "on_guild_role_update")
        channel_updated = listen(bot, "on_guild_channel_update")
        async with run_bot(twin, bot):
            guild = guild_of(bot, world.guild.id)
            channel = text_channel(bot, world.general.id)

            muted = await guild.create_role(name="muted", permissions=discord.Permissions.none(),
                                            colour=discord.Colour.dark_grey())
            stored = world.guild.roles[muted.id]
            assert (stored.name, stored.permissions) == ("muted", 0)
            (created,) = await next_event(role_created)
            assert created.id == muted.id
            # New roles go to the bottom (just above @everyone), below the bot's own.
            assert (stored.position, world.bot_role.position) == (1, 2)
            _, lifted = await next_event(role_updated)
            assert (lifted.id, lifted.position) == (world.bot_role.id, 2)
            assert guild.me.top_role > muted
            renamed = await muted.edit(name="silenced", colour=discord.Colour.red())
            assert renamed is not None and renamed.name == "silenced"
            assert (stored.name, stored.color) == ("silenced", discord.Colour.red().value)
            before, after = await next_event(role_updated)
            assert (before.name, after.name) == ("muted", "silenced")

            # An overwrite for the role: bob, once silenced, may not speak in #general.
            await channel.set_permissions(muted, send_messages=False, add_reactions=False)
            overwrite = world.general.overwrites[muted.id]
            assert (overwrite.type, overwrite.allow, overwrite.deny) == (
                0, 0, int(discord.Permissions(send_messages=True, add_reactions=True).value))
            bob = guild.get_member(world.bob.id)
            assert bob is not None
            await bob.add_roles(muted)
            assert not model.permissions(world.general, world.bob.id) & (1 << 11)
            await next_event(channel_updated)
            assert not channel.permissions_for(bob).send_messages  # the bot's cache agrees

            # The owner takes SEND_MESSAGES from the bot's role in #general: sends fail...
            since = mark(twin)
            model.set_overwrite(world.general, world.bot_role.id, 0, 0, 1 << 11)
            model.set_overwrite(world.general, world.guild.id, 0, 0, 1 << 11)
            await next_event(channel_updated, where=lambda b, a: len(a.overwrites) == 3)
            assert not channel.permissions_for(guild.me).send_messages
            with pytest.raises(discord.Forbidden) as denied:
                await channel.send("still here?")
            assert denied.value.code == 50013
            assert not [m for m in model.messages[world.general.id].values()
                        if m.author_id == model.bot.id]
            # ... until a member overwrite for the bot allows it again.
            model.set_overwrite(world.general, model.bot.id, 1, 1 << 11, 0)
            await next_event(channel_updated, where=lambda b, a: len(a.overwrites) == 4)
            assert channel.permissions_for(guild.me).send_messages
            await channel.send("back")
            (back,) = await posted(twin, world.general, since=since)
            assert back.content == "back"

            # Deleting the role removes its overwrite too.
            await renamed.delete()
            assert muted.id not in world.guild.roles
            assert muted.id not in world.general.overwrites
            assert world.guild.members[world.bob.id].roles == []


async def test_permission_denials_surface_as_discord_forbidden() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        guild = world.guild
        send, view = 1 << 11, 1 << 10
        locked = model.create_channel(guild, "announcements",
                                      overwrites=[Overwrite(guild.id, 0, 0, send)])
        hidden = model.create_channel(guild, "staff-only",
                                      overwrites=[Overwrite(guild.id, 0, 0, view)])
        note = model.create_message(hidden, world.alice.id, "secret plans")
        mods = model.create_role(guild, "mods", 1 << 1)  # above the bot's role
        model.update_member(guild, guild.members[world.bob.id], {"roles": [mods.id]})
        bot = make_bot()

        @bot.command()
        async def announce(ctx: Ctx, *, text: str) -> None:
            await text_channel(bot, locked.id).send(text)

        async with run_bot(twin, bot) as run:
            with pytest.raises(discord.Forbidden) as no_send:
                await text_channel(bot, locked.id).send("hello")
            assert (no_send.value.status, no_send.value.code) == (403, 50013)
            assert no_send.value.text == "Missing Permissions"

            since = mark(twin)
            with pytest.raises(discord.Forbidden) as no_view:
                await text_channel(bot, hidden.id).send("hello")
            assert no_view.value.code == 50001 and no_view.value.text == "Missing Access"
            assert await refused(twin, "POST", f"/channels/{hidden.id}/messages",
                                 since=since) == {"status": 403, "code": 50001,
                                                  "message": "Missing Access"}
            with pytest.raises(discord.Forbidden) as no_read:
                await text_channel(bot, hidden.id).fetch_message(note.id)
            assert no_read.value.code == 50001

            # In a command: discord.py wraps it in CommandInvokeError.
            model.create_message(world.general, world.alice.id, "!announce hi all")
            error = await run.command_error()
            assert isinstance(error, commands.CommandInvokeError)
            assert isinstance(error.original, discord.Forbidden)
            assert error.original.code == 50013

            # The role hierarchy: bob's top role is above the bot's, alice owns the guild.
            members = guild_of(bot, guild.id)
            for user_id in (world.bob.id, world.alice.id):
                target = members.get_member(user_id)
                assert target is not None
                with pytest.raises(discord.Forbidden) as too_high:
                    await target.kick()
                assert too_high.value.code == 50013
                assert user_id in guild.members
            assert not model.messages[locked.id] and list(model.messages[hidden.id]) == [
                note.id]


# -- intents -------------------------------------------------------------------------------


async def test_without_message_content_the_bot_sees_empty_content() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        intents = discord.Intents.default()
        assert not intents.message_content
        bot = make_bot(intents)
        seen = listen(bot, "on_message")
        async with run_bot(twin, bot):
            identify = (await twin.journal.wait_for(
                lambda e: e.kind == "frame" and e.event == "IDENTIFY"))[0].json
            assert identify["d"]["intents"] == intents.value

            plain = model.create_message(world.general, world.alice.id, "hello everyone",
                                         embeds=[{"type": "rich", "title": "hidden"}])
            (message,) = await next_event(seen, where=lambda m: m.id == plain.id)
            assert (message.content, message.embeds) == ("", [])

            ping = model.create_message(world.general, world.alice.id,
                                        f"<@{model.bot.id}> are you there?")
            (message,) = await next_event(seen, where=lambda m: m.id == ping.id)
            assert message.content == f"<@{model.bot.id}> are you there?"

            dm = model.open_dm(world.alice.id, model.bot.id)
            private = model.create_message(dm, world.alice.id, "just between us")
            (message,) = await next_event(seen, where=lambda m: m.id == private.id)
            assert message.content == "just between us"

            channel = text_channel(bot, world.general.id)
            own = await channel.send("the bot's own words")
            (message,) = await next_event(seen, where=lambda m: m.id == own.id)
            assert message.content == "the bot's own words"

            # The intent is a gateway matter: REST still shows content to an app that has
            # MESSAGE_CONTENT enabled (this one does).
            fetched = await channel.fetch_message(plain.id)
            assert fetched.content == "hello everyone"


async def test_rest_hides_content_from_an_app_without_the_message_content_intent() -> None:
    async with DiscordTwin(privileged_intents=False) as twin:
        world = build_world(twin)
        model = twin.model
        plain = model.create_message(world.general, world.alice.id, "hello everyone")
        ping = model.create_message(world.general, world.alice.id, f"hi <@{model.bot.id}>")
        bot = make_bot(discord.Intents.default())
        async with run_bot(twin, bot):
            assert bot.application_flags.gateway_message_content is False
            channel = text_channel(bot, world.general.id)
            assert (await channel.fetch_message(plain.id)).content == ""
            assert (await channel.fetch_message(ping.id)).content == f"hi <@{model.bot.id}>"
            assert [m.content async for m in channel.history(limit=2)] == [
                f"hi <@{model.bot.id}>", ""]


async def test_privileged_intents_not_enabled_on_the_app_raise() -> None:
    async with DiscordTwin(privileged_intents=False) as twin:
        build_world(twin)
        bot = make_bot(discord.Intents.all())
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with run_bot(twin, bot):
                pass  # pragma: no cover - start fails before ready
        (close,) = [e for e in twin.journal.connections() if e.event == "close"]
        assert close.detail["code"] == 4014 and close.detail["initiator"] == "twin"


# -- rate limits ---------------------------------------------------------------------------


async def test_a_429_is_waited_out_and_retried() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        route = "/channels/{channel_id}/messages"
        twin.rest.limits.overrides[route] = (1, 0.2)
        bot = make_bot()
        async with run_bot(twin, bot):
            channel = text_channel(bot, world.general.id)
            # Another process with the same token spends the channel's one send ...
            url = twin.http_url(f"/api/v10/channels/{world.general.id}/messages")
            async with aiohttp.ClientSession() as http, http.post(
                    url, json={"content": "from elsewhere"},
                    headers={"Authorization": f"Bot {twin.application.token}"}) as answer:
                assert answer.status == 200
                assert answer.headers["X-RateLimit-Remaining"] == "0"
            since = mark(twin)
            # ... so the bot's send is refused with a 429, waited out and retried.
            sent = await channel.send("patience")
            posts = [e for e in twin.journal.http(method="POST")
                     if e.seq > since and e.detail["path"].endswith("/messages")]
            assert [e.detail["status"] for e in posts] == [429, 200]
            limited = posts[0]
            body = json.loads(limited.detail["response_body"])
            assert 0 < body["retry_after"] <= 0.2 and body["global"] is False
            assert limited.detail["response_headers"]["Via"]
            assert limited.detail["response_headers"]["X-RateLimit-Scope"] == "user"
            assert posts[1].twin_time - limited.twin_time >= body["retry_after"] - 0.01
            assert model_contents(twin, world.general.id) == ["from elsewhere", "patience"]
            assert sent.content == "patience"


async def test_reading_a_channel_does_not_spend_its_sends() -> None:
    """Discord's per-route limits include the method: GET and POST .../messages are two
    buckets."""
    async with DiscordTwin() as twin:
        world = build_world(twin)
        twin.rest.limits.overrides["/channels/{channel_id}/messages"] = (1, 0.2)
        twin.model.create_message(world.general, world.alice.id, "hi")
        bot = make_bot()
        async with run_bot(twin, bot):
            channel = text_channel(bot, world.general.id)
            since = mark(twin)
            assert [m.content async for m in channel.history(limit=1)] == ["hi"]
            await channel.send("hello")
            answers = [e for e in twin.journal.http() if e.seq > since]
            assert [(e.detail["method"], e.detail["status"]) for e in answers] == [
                ("GET", 200), ("POST", 200)]
            buckets = {e.detail["response_headers"]["X-RateLimit-Bucket"] for e in answers}
            assert len(buckets) == 2


def model_contents(twin: DiscordTwin, channel_id: int) -> list[str]:
    return [m.content for m in twin.model.messages[channel_id].values()]


# -- gateway lifecycle: resume, reconnect, invalid session -------------------------------------


class QuickIdentifyBot(commands.Bot):
    """discord.py waits 5 s before every IDENTIFY but a client's first (its documented
    ``before_identify_hook``); a test has no identify budget to protect."""

    async def before_identify_hook(self, shard_id: int | None, *,
                                   initial: bool = False) -> None:
        return None


class QuickIdentifyShardedBot(commands.AutoShardedBot):
    async def before_identify_hook(self, shard_id: int | None, *,
                                   initial: bool = False) -> None:
        return None


def bot_socket(twin: DiscordTwin) -> WireSocket:
    (conn,) = [c for c in twin.hub.connections if c.session is not None]
    sock = getattr(conn.transport, "sock", None)
    assert isinstance(sock, WireSocket)
    return sock


async def answers_ping(twin: DiscordTwin, bot: commands.Bot, world: World) -> None:
    """The bot still works: ``!ping`` gets ``pong``."""
    if bot.get_command("ping") is None:
        @bot.command()
        async def ping(ctx: Ctx) -> None:
            await ctx.send("pong")

    since = mark(twin)
    twin.model.create_message(world.general, world.alice.id, "!ping")
    (reply,) = await posted(twin, world.general, since=since)
    assert reply.content == "pong"


@pytest.mark.parametrize("how", ["close-4000", "abort"])
async def test_resume_after_a_dropped_connection_replays_what_was_missed(how: str) -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        bot = make_bot()
        seen = listen(bot, "on_message")
        resumed = listen(bot, "on_resumed")
        async with run_bot(twin, bot):
            await answers_ping(twin, bot, world)
            session_id = bot.ws.session_id
            sock = bot_socket(twin)
            old = sock.id
            since = mark(twin)
            if how == "abort":
                sock.abort()  # what a crashed proxy looks like: no close frame
            else:
                sock.close(4000, "Unknown error")
            # Said while the bot is away: kept in the session, replayed on RESUME.
            missed = model.create_message(world.general, world.alice.id, "while you were out")
            (message,) = await next_event(seen, where=lambda m: m.id == missed.id)
            assert message.content == "while you were out"
            await next_event(resumed)

            (resume,) = gateway_in(twin, 6, since=since)
            assert resume.connection != old
            assert resume.json["d"]["session_id"] == session_id
            replayed = [e for e in dispatches(twin, "MESSAGE_CREATE", since=since)
                        if e.json["d"]["id"] == str(missed.id)]
            assert [e.connection for e in replayed] == [resume.connection]
            assert replayed[0].json["s"] == resume.json["d"]["seq"] + 1
            assert not gateway_in(twin, 2, since=since)  # resumed, not re-identified
            assert bot.ws.session_id == session_id
            await answers_ping(twin, bot, world)


async def test_op7_reconnect_resumes_the_session() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = make_bot()
        resumed = listen(bot, "on_resumed")
        async with run_bot(twin, bot):
            session_id = bot.ws.session_id
            old = bot_socket(twin).id
            since = mark(twin)
            twin.hub.request_reconnect()
            await next_event(resumed)
            (reconnect,) = dispatches(twin, "RECONNECT", since=since)
            assert reconnect.connection == old and reconnect.json["op"] == 7
            closed = [e for e in twin.journal.connections()
                      if e.seq > since and e.event == "close" and e.connection == old]
            assert [(e.detail["initiator"], e.detail["code"]) for e in closed] == [
                ("client", 4000)]
            (resume,) = gateway_in(twin, 6, since=since)
            assert resume.json["d"]["session_id"] == session_id
            assert dispatches(twin, "RESUMED", since=since)
            assert not gateway_in(twin, 2, since=since)
            await answers_ping(twin, bot, world)


async def test_op9_invalid_session_makes_the_bot_identify_again() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = QuickIdentifyBot(command_prefix="!", intents=discord.Intents.all())
        async with run_bot(twin, bot):
            readies = listen(bot, "on_ready")
            first_session = bot.ws.session_id
            since = mark(twin)
            twin.hub.invalidate(resumable=False)
            await next_event(readies)
            (invalid,) = dispatches(twin, "INVALID_SESSION", since=since)
            assert invalid.json == {"op": 9, "d": False, "s": None, "t": None}
            assert not gateway_in(twin, 6, since=since)  # no RESUME: a fresh IDENTIFY
            (identify,) = gateway_in(twin, 2, since=since)
            (ready,) = dispatches(twin, "READY", since=since)
            assert ready.connection == identify.connection
            assert ready.json["d"]["session_id"] == bot.ws.session_id != first_session
            assert first_session not in twin.hub.sessions
            await answers_ping(twin, bot, world)


async def test_op9_resumable_invalid_session_resumes() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = QuickIdentifyBot(command_prefix="!", intents=discord.Intents.all())
        resumed = listen(bot, "on_resumed")
        async with run_bot(twin, bot):
            session_id = bot.ws.session_id
            since = mark(twin)
            twin.hub.invalidate(resumable=True)
            await next_event(resumed)
            (invalid,) = dispatches(twin, "INVALID_SESSION", since=since)
            assert invalid.json["d"] is True
            (resume,) = gateway_in(twin, 6, since=since)
            assert resume.json["d"]["session_id"] == session_id == bot.ws.session_id
            assert not gateway_in(twin, 2, since=since)
            await answers_ping(twin, bot, world)


# -- sharding and compression ----------------------------------------------------------------


async def test_auto_sharded_bot_splits_guilds_between_two_shards() -> None:
    async with DiscordTwin(recommended_shards=2) as twin:
        model = twin.model
        alice = model.add_user("alice")
        # Guild ids a millisecond apart, from an even one: shard (id >> 22) % 2 is 0, 1, 0, 1
        # (worker 0, so they cannot collide with the twin's own ids).
        even_ms = (model.ids.next() >> 22) & ~1
        guilds, channels = [], []
        for index in range(4):
            guild = model.create_guild(f"guild {index}", alice.id,
                                       guild_id=(even_ms + index) << 22)
            model.add_member(guild, model.bot.id)
            guilds.append(guild)
            channels.append(model.create_channel(guild, "general"))
        assert [(g.id >> 22) % 2 for g in guilds] == [0, 1, 0, 1]
        bot = QuickIdentifyShardedBot(command_prefix="!", intents=discord.Intents.all())
        shard_ready = listen(bot, "on_shard_ready")
        seen = listen(bot, "on_message")
        async with run_bot(twin, bot):
            assert bot.shard_count == 2 and sorted(bot.shards) == [0, 1]
            assert sorted(g.id for g in bot.guilds) == sorted(g.id for g in guilds)
            assert {g.id: g.shard_id for g in bot.guilds} == {
                g.id: (g.id >> 22) % 2 for g in guilds}
            assert sorted([(await next_event(shard_ready))[0] for _ in range(2)]) == [0, 1]

            identifies = gateway_in(twin, 2)
            shard_of = {e.connection: e.json["d"]["shard"] for e in identifies}
            assert sorted(shard_of.values()) == [[0, 2], [1, 2]]
            readies = dispatches(twin, "READY")
            assert {tuple(shard_of[e.connection]): sorted(int(g["id"]) for g in
                                                          e.json["d"]["guilds"])
                    for e in readies} == {
                (0, 2): sorted([guilds[0].id, guilds[2].id]),
                (1, 2): sorted([guilds[1].id, guilds[3].id])}

            # Each guild's events go to its shard's connection only.
            for guild, channel in zip(guilds, channels, strict=True):
                since = mark(twin)
                sent = model.create_message(channel, alice.id, f"hello {guild.name}")
                (message,) = await next_event(seen, where=lambda m, i=sent.id: m.id == i)
                assert message.guild.shard_id == (guild.id >> 22) % 2
                frames = dispatches(twin, "MESSAGE_CREATE", since=since)
                assert [shard_of[e.connection] for e in frames] == [
                    [(guild.id >> 22) % 2, 2]]

            # A DM belongs to shard 0.
            dm = model.open_dm(alice.id, model.bot.id)
            since = mark(twin)
            private = model.create_message(dm, alice.id, "psst")
            await next_event(seen, where=lambda m: m.id == private.id)
            frames = dispatches(twin, "MESSAGE_CREATE", since=since)
            assert [shard_of[e.connection] for e in frames] == [[0, 2]]


def compression_of(twin: DiscordTwin) -> list[str | None]:
    return [e.detail["query"].get("compress") for e in twin.journal.connections()
            if e.event == "open" and "query" in e.detail]


async def test_discord_py_uses_zstd_stream_when_zstandard_is_installed() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = make_bot()
        async with run_bot(twin, bot):
            await answers_ping(twin, bot, world)
            assert compression_of(twin) == ["zstd-stream"]
            assert (await twin.journal.wait_for(
                lambda e: e.kind == "frame" and e.event == "IDENTIFY"))[0].json["d"][
                "compress"] is True


class ZlibStream:
    """discord.py's own zlib-stream context (``discord.utils._ZlibDecompressionContext``),
    which it uses when zstandard is not installed: buffer until ``00 00 ff ff``."""

    COMPRESSION_TYPE = "zlib-stream"

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.context = zlib.decompressobj()

    def decompress(self, data: bytes, /) -> str | None:
        self.buffer.extend(data)
        if len(data) < 4 or data[-4:] != b"\x00\x00\xff\xff":
            return None
        message = self.context.decompress(self.buffer)
        self.buffer = bytearray()
        return message.decode("utf-8")


async def test_discord_py_over_zlib_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.utils, "_ActiveDecompressionContext", ZlibStream)
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = make_bot()
        resumed = listen(bot, "on_resumed")
        async with run_bot(twin, bot):
            await answers_ping(twin, bot, world)
            twin.hub.request_reconnect()  # a fresh inflate context on the new connection
            await next_event(resumed)
            await answers_ping(twin, bot, world)
            assert compression_of(twin) == ["zlib-stream", "zlib-stream"]


# -- more of what bots do ----------------------------------------------------------------------


async def test_a_conversation_with_wait_for_message_typing_and_pins() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        bot = make_bot()
        pins = listen(bot, "on_guild_channel_pins_update")

        @bot.command()
        async def quiz(ctx: Ctx) -> None:
            async with ctx.typing():
                await ctx.send("What is 6 x 7?")
            answer = await bot.wait_for(
                "message", timeout=10,
                check=lambda m: m.author == ctx.author and m.channel == ctx.channel)
            verdict = await ctx.send("correct!" if answer.content.strip() == "42" else "no")
            await verdict.pin()

        async with run_bot(twin, bot):
            since = mark(twin)
            model.create_message(world.general, world.alice.id, "!quiz")
            (question,) = await posted(twin, world.general, since=since)
            assert question.content == "What is 6 x 7?"
            assert twin.journal.http(method="POST",
                                     path=f"/api/v10/channels/{world.general.id}/typing")
            model.create_message(world.general, world.bob.id, "41")  # not the asker
            model.create_message(world.general, world.alice.id, "42")
            channel, _ = await next_event(pins)
            assert channel.id == world.general.id
            (verdict,) = [m for m in model.messages[world.general.id].values()
                          if m.author_id == model.bot.id and m is not question]
            assert verdict.content == "correct!" and verdict.pinned
            assert [m.id async for m in text_channel(bot, world.general.id).pins()] == [
                verdict.id]


async def test_members_intent_without_presences_chunks_the_guild() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        intents = discord.Intents.default()
        intents.members = True
        bot = make_bot(intents)
        async with run_bot(twin, bot):
            guild = guild_of(bot, world.guild.id)
            (create,) = dispatches(twin, "GUILD_CREATE")
            assert [m["user"]["id"] for m in create.json["d"]["members"]] == [
                str(twin.model.bot.id)]  # no presences intent: just the bot
            (request,) = gateway_in(twin, 8)
            assert int(request.json["d"]["guild_id"]) == world.guild.id
            (chunk,) = dispatches(twin, "GUILD_MEMBERS_CHUNK")
            assert chunk.json["d"]["nonce"] == request.json["d"]["nonce"]
            assert guild.chunked and sorted(m.id for m in guild.members) == sorted(
                [world.alice.id, world.bob.id, twin.model.bot.id])
            fetched = [m.name async for m in guild.fetch_members(limit=None)]
            assert sorted(fetched) == ["alice", "bob", "wiretwin-bot"]


async def test_intents_filter_member_events() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        model = twin.model
        bot = make_bot(discord.Intents.default())  # no GUILD_MEMBERS
        seen = listen(bot, "on_message")
        async with run_bot(twin, bot):
            since = mark(twin)
            carol = model.add_user("carol")
            model.add_member(world.guild, carol.id)
            # Dispatches reach a session in order: once a later one arrived, an earlier
            # one that was going to come would have.
            barrier = model.create_message(world.general, carol.id, f"hi <@{model.bot.id}>")
            (message,) = await next_event(seen, where=lambda m: m.id == barrier.id)
            assert message.author.id == carol.id
            assert not dispatches(twin, "GUILD_MEMBER_ADD", since=since)
            assert guild_of(bot, world.guild.id).get_member(carol.id) is None


async def test_voice_channel_edit_status_sets_and_the_channel_emptying_clears_it() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin, bot_permissions=BOT_PERMISSIONS
                            | Permission.SET_VOICE_CHANNEL_STATUS | Permission.CONNECT)
        model = twin.model
        lounge = model.create_channel(world.guild, "Lounge", ChannelType.GUILD_VOICE)
        bot = make_bot()
        events = listen(bot, "on_socket_event_type")
        async with run_bot(twin, bot):
            channel = bot.get_channel(lounge.id)
            assert isinstance(channel, discord.VoiceChannel)
            with pytest.raises(discord.Forbidden) as refused_:
                await channel.edit(status="not connected")
            assert refused_.value.code == 50013
            model.set_voice(world.guild, model.bot.id, lounge.id)
            await channel.edit(status="karaoke night")
            await next_event(events, where=lambda t: t == "VOICE_CHANNEL_STATUS_UPDATE")
            assert lounge.status == "karaoke night"
            with pytest.raises(discord.HTTPException) as too_long:
                await channel.edit(status="x" * 501)
            assert too_long.value.code == 50035
            since = mark(twin)
            model.set_voice(world.guild, model.bot.id, None)
            await next_event(events, where=lambda t: t == "VOICE_CHANNEL_STATUS_UPDATE")
            (cleared,) = dispatches(twin, "VOICE_CHANNEL_STATUS_UPDATE", since=since)
            assert isinstance(cleared.json, dict) and cleared.json["d"]["status"] is None
            assert lounge.status is None
