"""Polls with real clients. discord.py sends a poll (``channel.send(poll=...)``), users
vote through the backend and as discord_env actors, the bot's poll events fire and its
cached poll counts them, it lists an answer's voters and ends its poll; a poll ends on
the twin's clock and the POLL_RESULT message names the winner; Discord's refusals reach
the bot as its exceptions. hikari sends a poll, hears votes, lists voters and ends it, and
sends a voice message whose recording metadata comes back."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator

import discord
import hikari
import pytest
from discord.ext import commands
from hikari.impl.special_endpoints import PollBuilder

from wiretwin.discord.backend import BackendError
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.hikari import hikari_kwargs
from wiretwin.testing import DiscordEnv

from .bots import TIMEOUT, build_world, listen, next_event, run_bot

Ctx = commands.Context[commands.Bot]
HOURS = datetime.timedelta(hours=2)


def lunch_poll(*, multiple: bool = False) -> discord.Poll:
    poll = discord.Poll(question="Lunch?", duration=HOURS, multiple=multiple)
    poll.add_answer(text="Pizza", emoji="🍕")
    poll.add_answer(text="Sushi")
    return poll


def make_bot() -> commands.Bot:
    """Posts a poll on ``!lunch``; tells the channel who voted, and who won."""
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())

    @bot.command()
    async def lunch(ctx: Ctx) -> None:
        await ctx.send("Where do we eat?", poll=lunch_poll())

    @bot.event
    async def on_poll_vote_add(user: discord.Member, answer: discord.PollAnswer) -> None:
        assert answer.poll.message is not None
        await answer.poll.message.channel.send(
            f"{user.name} voted {answer.text} ({answer.vote_count})")

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.type is discord.MessageType.poll_result:
            resolved = message.reference.resolved if message.reference else None
            poll = resolved.poll if isinstance(resolved, discord.Message) else None
            winner = poll.victor_answer if poll else None
            await message.channel.send(f"{winner.text if winner else 'nobody'} won, "
                                       f"{poll.total_votes if poll else 0} votes")
        await bot.process_commands(message)

    return bot


async def test_the_bot_sends_a_poll_hears_the_votes_lists_voters_and_ends_it() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
        added, removed = listen(bot, "on_poll_vote_add"), listen(bot, "on_poll_vote_remove")
        raw_added = listen(bot, "on_raw_poll_vote_add")
        async with run_bot(twin, bot):
            channel = bot.get_channel(world.general.id)
            assert isinstance(channel, discord.TextChannel)
            sent = await channel.send("Where do we eat?", poll=lunch_poll())
            assert sent.poll is not None and sent.poll.question == "Lunch?"
            assert [(a.id, a.text, str(a.emoji)) for a in sent.poll.answers] == [
                (1, "Pizza", "🍕"), (2, "Sushi", "None")]
            assert sent.poll.expires_at == sent.created_at + HOURS
            assert sent.poll.duration == HOURS and not sent.poll.is_finalized()

            await twin.backend.vote(sent, world.alice, "Pizza")
            user, answer = await next_event(added)
            assert (user.id, answer.id, answer.vote_count, answer.self_voted) == (
                world.alice.id, 1, 1, False)
            (raw,) = await next_event(raw_added)
            assert (raw.user_id, raw.message_id, raw.answer_id, raw.guild_id) == (
                world.alice.id, sent.id, 1, world.guild.id)
            await twin.backend.vote(sent, world.bob, 1)
            await next_event(added)
            # alice changes her mind: her Pizza vote goes, a Sushi vote comes.
            await twin.backend.vote(sent, world.alice, sent.poll.answers[1])
            user, taken_back = await next_event(removed)
            assert (user.id, taken_back.id, taken_back.vote_count) == (world.alice.id, 1, 1)
            _, sushi = await next_event(added)
            assert sushi.vote_count == 1

            fetched = await channel.fetch_message(sent.id)
            assert fetched.poll is not None
            assert [a.vote_count for a in fetched.poll.answers] == [1, 1]
            assert [u.id async for u in fetched.poll.answers[0].voters()] == [world.bob.id]
            assert [u.id async for u in fetched.poll.answers[1].voters()] == [world.alice.id]

            with pytest.raises(BackendError, match="bot"):
                await twin.backend.vote(sent, twin.model.bot.id, 1)

            results = bot.wait_for("message", check=lambda m: m.type is
                                   discord.MessageType.poll_result)
            ended = await fetched.poll.end()
            assert ended.is_finalized() and ended.expires_at is not None
            assert ended.expires_at <= discord.utils.utcnow()
            notice = await asyncio.wait_for(results, TIMEOUT)
            assert notice.author.id == twin.model.bot.id
            assert notice.reference is not None and notice.reference.message_id == sent.id
            with pytest.raises(BackendError, match="520001 Poll expired"):
                await twin.backend.vote(sent, world.bob, 2)


async def test_discords_refusals_reach_discord_py() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
        async with run_bot(twin, bot):
            channel = bot.get_channel(world.general.id)
            assert isinstance(channel, discord.TextChannel)
            too_long = discord.Poll(question="?" * 301, duration=HOURS)
            too_long.add_answer(text="a" * 56)
            with pytest.raises(discord.HTTPException) as bad:
                await channel.send(poll=too_long)
            assert bad.value.code == 50035
            assert "poll.question.text" in bad.value.text
            assert "poll.answers.0.poll_media.text" in bad.value.text
            forever = lunch_poll()
            forever.duration = datetime.timedelta(days=33)
            with pytest.raises(discord.HTTPException, match=r"poll\.duration"):
                await channel.send(poll=forever)

            sent = await channel.send(poll=lunch_poll())
            with pytest.raises(discord.HTTPException) as edit:
                await sent.edit(content="changed")
            assert (edit.value.status, edit.value.code) == (400, 520003)

            # alice's poll is hers to end.
            hers = await twin.backend.send_message(world.general, "", world.alice,
                                                   poll=lunch_poll(multiple=True))
            fetched = await channel.fetch_message(hers.id)
            assert fetched.poll is not None and fetched.poll.multiple
            with pytest.raises(discord.Forbidden) as forbidden:
                await fetched.end_poll()
            assert forbidden.value.code == 50013
            plain = await channel.send("no poll")
            with pytest.raises(discord.HTTPException) as not_a_poll:
                await plain.end_poll()
            assert not_a_poll.value.code == 520006


async def test_polls_in_interaction_responses_and_after_a_defer() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

        @bot.tree.command(description="A poll at once")
        async def ask(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Vote!", poll=lunch_poll())

        @bot.tree.command(description="A poll after thinking")
        async def later(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await interaction.followup.send(poll=lunch_poll())

        async with run_bot(twin, bot):
            await bot.tree.sync()
            now = await twin.slash("ask")
            assert now.message is not None and now.message.poll is not None
            assert now.message.poll.question == "Lunch?"
            thought = await twin.slash("later")
            # "Polls can only be added when editing a deferred interaction response."
            assert thought.message is not None and thought.message.poll is not None
            expiry = thought.message.poll.expiry_ms
            assert 0 <= twin.model.now_ms + 2 * 3_600_000 - expiry < 5_000  # from the edit
            await twin.backend.vote(thought.message, world.bob, "Pizza")
            assert thought.message.poll.votes == {1: [world.bob.id]}


async def test_snapshots_keep_polls_and_who_voted() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
        removed = listen(bot, "on_raw_poll_vote_remove")
        async with run_bot(twin, bot):
            channel = bot.get_channel(world.general.id)
            assert isinstance(channel, discord.TextChannel)
            sent = await channel.send(poll=lunch_poll())
            before = twin.snapshot()
            await twin.backend.vote(sent, world.alice, "Sushi")
            after = twin.snapshot()
            (entry,) = [m for m in after["messages"] if m["id"] == str(sent.id)]
            assert entry["poll"]["votes"] == [{"answer": 2, "users": [str(world.alice.id)]}]
            twin.restore(before)  # alice's vote is undone, as a vote taken back
            (raw,) = await next_event(removed)
            assert (raw.user_id, raw.answer_id) == (world.alice.id, 2)

            # Saved while open, restored after its time: it ends at once.
            (entry,) = [m for m in after["messages"] if m["id"] == str(sent.id)]
            entry["poll"]["expiry"] = "2020-01-01T00:00:00+00:00"
            result = bot.wait_for("message", check=lambda m: m.type is
                                  discord.MessageType.poll_result)
            twin.restore(after)
            notice = await asyncio.wait_for(result, TIMEOUT)
            assert notice.reference is not None and notice.reference.message_id == sent.id
            restored = twin.model.messages[world.general.id][sent.id].poll
            assert restored is not None and restored.finalized
            assert restored.votes == {2: [world.alice.id]}


@pytest.fixture
def discord_bot() -> commands.Bot:
    return make_bot()


async def test_users_vote_and_the_poll_ends_on_the_twins_clock(
        discord_env: DiscordEnv) -> None:
    alice, bob, carol = (discord_env.user(n) for n in ("alice", "bob", "carol"))
    asked = await alice.send("!lunch")
    poll_message = asked.message
    assert poll_message.poll is not None and poll_message.content == "Where do we eat?"
    assert (await bob.vote(asked, "Sushi")).content == "bob voted Sushi (1)"
    assert (await carol.vote(asked, 2)).content == "carol voted Sushi (2)"
    assert (await alice.vote(asked, "Pizza")).content == "alice voted Pizza (1)"
    unvoted = await alice.unvote(asked)
    assert unvoted.messages == [] and poll_message.poll.votes == {2: [bob.id, carol.id]}
    with pytest.raises(BackendError, match="50035"):
        await alice.vote(asked, "Pizza", "Sushi")  # one answer only

    await discord_env.advance(HOURS.total_seconds() - 1)
    assert not poll_message.poll.finalized
    await discord_env.advance(1)
    assert poll_message.poll.finalized
    last = discord_env.last_message()
    assert last is not None and last.content == "Sushi won, 2 votes"
    with pytest.raises(BackendError, match="Poll expired"):
        await bob.vote(asked, "Pizza")


# -- hikari ----------------------------------------------------------------------------------


@pytest.fixture
def hikari_quiet(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """hikari logs nothing at WARNING or above against Discord; nor may the twin make it."""
    import logging

    caplog.set_level(logging.WARNING, logger="hikari")
    yield
    loud = [r.getMessage() for r in caplog.get_records("call")
            if r.name.startswith("hikari") and r.levelno >= logging.WARNING]
    assert not loud, loud


@pytest.mark.usefixtures("hikari_quiet")
async def test_hikari_polls_and_voice_messages() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = hikari.GatewayBot(**hikari_kwargs(twin), banner=None, logs=None,
                                intents=hikari.Intents.ALL_UNPRIVILEGED,
                                suppress_optimization_warning=True)
        votes: asyncio.Queue[hikari.PollVoteCreateEvent] = asyncio.Queue()
        bot.subscribe(hikari.PollVoteCreateEvent, votes.put)
        await asyncio.wait_for(bot.start(check_for_updates=False), TIMEOUT)
        try:
            poll = PollBuilder(question_text="Tabs or spaces?", allow_multiselect=True,
                               duration=1)
            poll.add_answer(text="Tabs")
            poll.add_answer(text="Spaces", emoji=hikari.UnicodeEmoji("🚀"))
            sent = await bot.rest.create_message(world.general.id, poll=poll)
            assert sent.poll is not None and sent.poll.allow_multiselect
            assert [a.poll_media.text for a in sent.poll.answers] == ["Tabs", "Spaces"]
            assert sent.poll.expiry == sent.created_at + datetime.timedelta(hours=1)

            await twin.backend.vote(sent.id, world.alice, [1, 2])
            await twin.backend.vote(sent.id, world.bob, "Spaces")
            seen = [await asyncio.wait_for(votes.get(), TIMEOUT) for _ in range(3)]
            assert [(e.user_id, e.answer_id) for e in seen] == [
                (world.alice.id, 1), (world.alice.id, 2), (world.bob.id, 2)]
            first, second = sorted([world.alice.id, world.bob.id])
            voters = await bot.rest.fetch_poll_voters(world.general.id, sent.id, 2)
            assert [u.id for u in voters] == [first, second]
            page = await bot.rest.fetch_poll_voters(world.general.id, sent.id, 2,
                                                    after=first, limit=1)
            assert [u.id for u in page] == [second]
            ended = await bot.rest.end_poll(world.general.id, sent.id)
            assert ended.poll is not None and ended.poll.results is not None
            assert ended.poll.results.is_finalized
            assert [(c.id, c.count) for c in ended.poll.results.answer_counts] == [
                (1, 1), (2, 2)]

            voice = await bot.rest.create_voice_message(
                world.general.id, hikari.Bytes(b"OggS fake opus", "voice-message.ogg"),
                waveform="AAECAwQ=", duration=4.2)
            (recording,) = voice.attachments
            assert (recording.duration, recording.waveform) == (4.2, "AAECAwQ=")
            assert voice.flags & hikari.MessageFlag.IS_VOICE_MESSAGE
            with pytest.raises(hikari.BadRequestError) as refused:
                await bot.rest.create_voice_message(
                    world.general.id, hikari.Bytes(b"hello", "notes.txt"),
                    waveform="AA==", duration=1.0)
            assert refused.value.code == 50160
        finally:
            await bot.close()
