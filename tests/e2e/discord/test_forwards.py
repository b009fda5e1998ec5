"""Message forwarding with discord.py: ``message.forward(channel)`` posts a message whose
``message_snapshots`` carry the forwarded message as it was (later edits do not reach
it), the bot hears the forward with its snapshot, and Discord's refusals (content
alongside, a message the bot may not read, a poll's) reach it as exceptions."""

from __future__ import annotations

import datetime

import discord
import pytest
from discord.ext import commands

from wiretwin.discord.model import Overwrite
from wiretwin.discord.permissions import Permission
from wiretwin.discord.twin import DiscordTwin

from .bots import build_world, listen, next_event, run_bot


def text_channel(bot: commands.Bot, channel_id: int) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_the_bot_forwards_a_message_and_reads_its_snapshot() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        news = twin.model.create_channel(world.guild, "news")
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
        heard = listen(bot, "on_message")
        async with run_bot(twin, bot):
            original = await twin.backend.send_message(
                world.general, "look at this", world.alice,
                embeds=[discord.Embed(title="a find")],
                attachments=[("find.txt", b"found")])
            general = text_channel(bot, world.general.id)
            message = await general.fetch_message(original.id)

            forward = await message.forward(text_channel(bot, news.id))
            assert forward.content == "" and forward.flags.forwarded
            assert forward.reference is not None
            assert forward.reference.type is discord.MessageReferenceType.forward
            assert (forward.reference.message_id, forward.reference.channel_id,
                    forward.reference.guild_id) == (original.id, general.id, world.guild.id)
            (snapshot,) = forward.message_snapshots
            assert snapshot.content == "look at this"
            assert [e.title for e in snapshot.embeds] == ["a find"]
            assert [a.filename for a in snapshot.attachments] == ["find.txt"]
            assert snapshot.created_at == message.created_at
            assert snapshot.type is discord.MessageType.default

            (event,) = await next_event(heard, where=lambda m: m.id == forward.id)
            assert event.message_snapshots[0].content == "look at this"

            # A snapshot is taken once: editing the original does not change it.
            await twin.backend.edit_message(original, "changed my mind")
            fetched = await text_channel(bot, news.id).fetch_message(forward.id)
            assert fetched.message_snapshots[0].content == "look at this"
            assert fetched.message_snapshots[0].edited_at is None


async def test_discords_refusals_of_a_forward_reach_discord_py() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        secret = twin.model.create_channel(world.guild, "secret", overwrites=[Overwrite(
            world.bot_role.id, 0, deny=int(Permission.READ_MESSAGE_HISTORY))])
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
        async with run_bot(twin, bot):
            general = text_channel(bot, world.general.id)
            said = await twin.backend.send_message(world.general, "hello", world.alice)
            message = general.get_partial_message(said.id)

            with pytest.raises(discord.HTTPException) as extra:
                await general.send("and also", reference=message.to_reference(
                    type=discord.MessageReferenceType.forward))
            assert (extra.value.status, extra.value.code) == (400, 50035)
            assert "message_reference" in extra.value.text

            hidden = await twin.backend.send_message(secret, "psst", world.alice)
            with pytest.raises(discord.HTTPException) as unreadable:
                await text_channel(bot, secret.id).get_partial_message(hidden.id).forward(
                    general)
            assert (unreadable.value.status, unreadable.value.code) == (400, 160014)
            assert unreadable.value.text == (
                "You cannot forward a message whose content you cannot read")

            # Without the MESSAGE_CONTENT intent the bot cannot read alice's content.
            flags = twin.model.application.flags
            twin.model.application.flags = 0
            with pytest.raises(discord.HTTPException, match="160014"):
                await message.forward(general)
            twin.model.application.flags = flags

            poll = discord.Poll(question="Lunch?", duration=datetime.timedelta(hours=1))
            poll.add_answer(text="Pizza")
            with pytest.raises(discord.HTTPException) as polled:
                await (await general.send(poll=poll)).forward(general)
            assert polled.value.code == 50021
            own = await general.send("mine")
            assert (await own.forward(general)).message_snapshots[0].content == "mine"
