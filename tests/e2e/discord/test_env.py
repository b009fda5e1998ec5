"""The discord_env fixture with a real discord.py bot: actors and what they return, bot
errors failing the action that caused them, actions the client could not do, queries of
the twin's state, restarts and injected errors."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord.ext import commands

from wiretwin.runtime.looptime import LoopTime
from wiretwin.testing import BackendError, DiscordEnv, NoReply

from .env_bot import TimedBot, make_bot


@pytest.fixture
def discord_bot() -> TimedBot:
    return make_bot()


async def test_a_message_command_returns_the_bots_reply(discord_env: DiscordEnv) -> None:
    outcome = await discord_env.user("alice").send("!ping")
    assert outcome.content == "pong"
    assert outcome.sent is not None and outcome.sent.content == "!ping"
    assert [m.content for m in outcome.messages] == ["pong"]
    assert ("POST", f"/api/v10/channels/{discord_env.channel().id}/messages", 200) \
        in outcome.requests
    last = discord_env.last_message()
    assert last is not None and last.content == "pong"
    assert [m.content for m in discord_env.history(limit=2)] == ["!ping", "pong"]


async def test_several_replies_and_none(discord_env: DiscordEnv) -> None:
    alice = discord_env.user("alice")
    assert [m.content for m in (await alice.send("!twice")).messages] == ["one", "two"]
    quiet = await alice.send("just chatting")
    assert quiet.messages == []
    with pytest.raises(NoReply, match="sent no message in answer to alice's message"):
        _ = quiet.message


async def test_a_command_waiting_for_the_users_answer_has_answered(
        discord_env: DiscordEnv) -> None:
    """bot.wait_for("message", timeout=60) waits on the user: the action returns with the
    question, not after the minute; the answer's action returns with the verdict."""
    alice = discord_env.user("alice")
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await alice.send("!quiz")).content == "What is 6 x 7?"
    assert loop.time() - started < 1
    assert (await alice.send("42")).content == "correct"
    assert (await alice.send("!quiz")).content == "What is 6 x 7?"
    await discord_env.advance(60)
    last = discord_env.last_message()
    assert last is not None and last.content == "too slow"


async def test_an_exception_in_a_command_fails_the_action(discord_env: DiscordEnv) -> None:
    with pytest.raises(ValueError, match="kaboom"):
        await discord_env.user("alice").send("!boom")
    # Raised once: the next action is clean.
    assert (await discord_env.user("alice").send("!ping")).content == "pong"


async def test_an_exception_in_a_listener_and_in_a_view(discord_env: DiscordEnv) -> None:
    alice = discord_env.user("alice")
    with pytest.raises(RuntimeError, match="a listener crashed"):
        await alice.send("crash")
    vote = await alice.send("!vote")
    with pytest.raises(LookupError, match="the view broke"):
        await alice.click(vote, label="Break")
    assert [type(e.exception) for e in discord_env.bot_errors] == [RuntimeError, LookupError]


@pytest.mark.discord_env(raise_bot_errors=False)
async def test_bot_errors_can_be_kept_instead(discord_env: DiscordEnv) -> None:
    await discord_env.user("alice").send("!boom")
    (error,) = discord_env.bot_errors
    assert "kaboom" in str(error.exception)
    assert error.logger.startswith("discord")


async def test_a_check_failure_is_an_error_too(discord_env: DiscordEnv) -> None:
    bob = discord_env.user("bob")  # alice is a Moderator in the built-in world; bob is not
    with pytest.raises(commands.MissingRole):
        await bob.send("!modonly")
    await bob.add_role("Moderator")
    assert [r.name for r in bob.roles] == ["Moderator"]
    assert (await bob.send("!modonly")).content == "hello moderator"


async def test_slash_commands_autocomplete_and_modals(discord_env: DiscordEnv) -> None:
    bob = discord_env.user("bob")
    greeted = await bob.slash("greet", name="Carol")
    assert greeted.content == "Hello, Carol!"
    assert greeted.interaction is not None and not greeted.ephemeral

    typed = await bob.autocomplete("fruit", "name", "b")
    assert typed.choices == [{"name": "banana", "value": "banana"}]
    picked = await bob.slash("fruit", name="cherry")
    assert (picked.content, picked.ephemeral) == ("you picked cherry", True)

    opened = await bob.slash("feedback")
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    submitted = await bob.submit_modal(opened, text="great bot")
    assert submitted.content == "thanks for 'great bot'"


async def test_an_interaction_answered_after_a_short_sleep_moves_loop_time_on(
        discord_env: DiscordEnv) -> None:
    # The sleep is within the action's timeout: time moves on to it (the loop's offset
    # grows by it, less the real time that passed meanwhile), rather than the action
    # waiting for it in real time.
    looptime = LoopTime.of()
    assert looptime is not None
    offset, start = looptime.offset, discord_env.now
    pondered = await discord_env.user("bob").slash("ponder")
    assert pondered.deferred and pondered.content == "thought it over"
    assert (discord_env.now - start).total_seconds() >= 2
    assert looptime.offset - offset > 1


async def test_what_the_client_would_not_let_a_user_do(discord_env: DiscordEnv) -> None:
    alice = discord_env.user("alice")
    with pytest.raises(BackendError, match="nosuch"):
        await alice.slash("nosuch")
    vote = await alice.send("!vote")
    with pytest.raises(BackendError, match="disabled"):
        await alice.click(vote, label="No")
    clicked = await alice.click(vote, "vote:yes")
    assert clicked.content == "alice voted yes"
    chosen = await alice.select(vote, "vote:colour", ["blue"])
    assert (chosen.content, chosen.ephemeral) == ("colour: blue", True)
    # Answered by updating the button's message: that message is the answer.
    closed = await alice.click(vote, label="Close")
    assert closed.messages == [] and closed.interaction is not None
    assert closed.message.content == "the vote is closed" and closed.message.components == []
    assert [m.id for m in closed.edited] == [vote.message.id]


async def test_reactions_dms_members_and_voice(discord_env: DiscordEnv) -> None:
    alice = discord_env.user("alice")
    reacted = await alice.send("!react")
    assert reacted.sent is not None
    assert reacted.reactions == [(reacted.sent.id, "👍")]
    seen = await alice.react(reacted.sent, "🎉")
    assert seen.content == "saw 🎉"

    answered = await alice.dm("hello bot")
    assert answered.content == "you said 'hello bot'"

    dave = await discord_env.add_member("dave")
    last = discord_env.last_message()
    assert last is not None and last.content == "Welcome, dave!"
    moved = await dave.join_voice("Lounge")
    assert moved.content == "dave is in Lounge"
    assert dave.voice_channel is not None and dave.voice_channel.name == "Lounge"
    left = await dave.leave_voice()
    assert left.content == "dave is in nowhere"
    gone = await dave.leave_guild()
    assert any(name == "GUILD_MEMBER_REMOVE" for name, _ in gone.events)


async def test_the_bots_presence_and_a_restart(discord_env: DiscordEnv) -> None:
    await discord_env.user("alice").send("!status testing")
    presence = discord_env.bot_presence
    assert presence is not None and presence["status"] == "idle"
    assert presence["activities"][0]["name"] == "testing"

    # Its setup_hook starts a background task: a restart runs a fresh bot, as a new
    # process would.
    await discord_env.restart_bot(make_bot())
    assert (await discord_env.user("alice").send("!ping")).content == "pong"


async def test_an_injected_rest_error_reaches_the_bot(discord_env: DiscordEnv) -> None:
    await discord_env.inject_error("POST", "/channels/{channel_id}/messages", 403,
                                   code=50013, message="Missing Permissions")
    with pytest.raises(discord.Forbidden, match="50013"):
        await discord_env.user("alice").send("!ping")
    await discord_env.clear_errors()
    assert (await discord_env.user("alice").send("!ping")).content == "pong"


async def test_the_transcript_reads_as_what_happened(discord_env: DiscordEnv) -> None:
    await discord_env.user("alice").send("!ping")
    text = discord_env.transcript()
    assert "MESSAGE_CREATE #general alice: '!ping'" in text
    assert "POST /channels/" in text and "→ 200 'pong'" in text
    assert "HEARTBEAT" not in text
    # The login is left out, unless asked for (a test failing in its setup shows it).
    assert "IDENTIFY" not in text and "READY" not in text
    with_login = discord_env.transcript(login=True)
    assert "IDENTIFY" in with_login and "alice: '!ping'" in with_login


async def test_one_virtual_time_for_the_bot_and_the_twin(discord_env: DiscordEnv,
                                                         discord_bot: TimedBot) -> None:
    alice = discord_env.user("alice")
    start, ticks = discord_env.now, discord_bot.ticks
    # delete_after: the action returns at once; the deletion comes 30 s later.
    later = await alice.send("!later")
    assert later.content == "soon gone" and later.deleted == []
    await discord_env.advance(29)
    assert discord_env.last_message() == later.message
    await discord_env.advance(1)
    assert later.message.id not in {m.id for m in discord_env.history()}

    # A command sleeping an hour answers after an hour, and the minute task ticked 60 times.
    remind = await alice.send("!remind")
    assert [m.content for m in remind.messages] == ["in an hour"]
    await discord_env.advance(3600)
    last = discord_env.last_message()
    assert last is not None and last.content == "reminder!"
    assert discord_bot.ticks == ticks + 60  # at 60 s, 120 s, ... 3600 s
    assert (discord_env.now - start).total_seconds() >= 3630

    # Cooldowns run on the same time.
    assert (await alice.send("!daily")).content == "your daily reward"
    with pytest.raises(commands.CommandOnCooldown):
        await alice.send("!daily")
    await discord_env.advance(60)
    assert (await alice.send("!daily")).content == "your daily reward"


@pytest.mark.discord_env(timeout=10)
async def test_the_bots_retries_take_no_real_time(discord_env: DiscordEnv) -> None:
    # discord.py retries a 500 five times, sleeping 1, 3, 5 and 7 s between tries: on loop
    # time an action moves through the sleeps due within its timeout (here 10 s) at once,
    # and the bot's error surfaces.
    await discord_env.inject_error("POST", "/channels/{channel_id}/messages", 500)
    start = discord_env.now
    with pytest.raises(discord.DiscordServerError):
        await discord_env.user("alice").send("!ping")
    failed = discord_env.twin.journal.http(method="POST", status=500)
    assert len(failed) == 5
    assert (discord_env.now - start).total_seconds() >= 16


@pytest.mark.discord_env(virtual_time=False)
async def test_a_test_on_real_time(discord_env: DiscordEnv) -> None:
    assert (await discord_env.user("alice").send("!ping")).content == "pong"
    with pytest.raises(BackendError, match="real time"):
        await discord_env.advance(1)


@pytest.mark.discord_env(world=None)
async def test_an_empty_world_built_by_the_test(discord_env: DiscordEnv) -> None:
    backend = discord_env.backend
    guild = await backend.make_guild("Tiny", member_count=0)
    await backend.make_member(discord_env.bot_user, guild)
    await backend.make_text_channel("general", guild)
    zed = await discord_env.add_member("zed", guild=guild)
    assert discord_env.guild.name == "Tiny"
    assert (await zed.send("!ping")).content == "pong"
