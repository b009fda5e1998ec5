"""dpytest's module-level queues, callbacks and backend state, with a bot that really
logs in: what the bot sends is in ``sent_queue`` and ``get_message``'s queue alike, its
command errors in ``error_queue``, and its REST calls fire the callbacks set for them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord.ext import commands

import wiretwin.discord.dpytest as dpytest
from wiretwin.compat.dpytest import calls
from wiretwin.compat.dpytest import session as session_module
from wiretwin.compat.dpytest.session import current
from wiretwin.discord.dpytest import backend, callbacks, factories, runner
from wiretwin.discord.dpytest.callbacks import CallbackEvent


def _bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    bot = commands.Bot(command_prefix="!", intents=intents)

    @bot.command()
    async def say(ctx: commands.Context[commands.Bot], *, text: str) -> None:
        await ctx.send(text)

    @bot.command()
    async def twice(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("one")
        await ctx.send("two")

    @bot.command()
    async def fail(ctx: commands.Context[commands.Bot]) -> None:
        raise ValueError("on purpose")

    @bot.command()
    async def busy(ctx: commands.Context[commands.Bot]) -> None:
        reply = await ctx.send("working")
        await reply.add_reaction("\N{HOURGLASS}")
        await reply.edit(content="done")
        await bot.change_presence(activity=discord.Game("cards"))
        await reply.delete()

    return bot


@pytest.fixture
async def bot() -> AsyncIterator[commands.Bot]:
    the_bot = _bot()
    dpytest.configure(the_bot)
    await dpytest.ready()
    yield the_bot
    for event in CallbackEvent:
        callbacks.remove_callback(event)
    calls.unwatch()
    await dpytest.empty_queue()
    await dpytest.cleanup()


async def test_before_configure_there_is_nothing_to_empty(
        monkeypatch: pytest.MonkeyPatch) -> None:
    await dpytest.cleanup()  # whatever an earlier test left
    monkeypatch.setattr(session_module, "_ended", None)  # as if nothing ever ran
    assert dpytest.sent_queue.empty() and dpytest.sent_queue.qsize() == 0
    dpytest.error_queue.put_nowait((None, RuntimeError("left over")))
    await dpytest.empty_queue()
    assert dpytest.error_queue.empty()
    with pytest.raises(RuntimeError, match="Configure runner before calling"):
        runner.require_config(lambda: None)()
    with pytest.raises(ValueError, match="not configured"):
        backend.get_state()


async def test_sent_queue_and_get_message_share_one_queue(bot: commands.Bot) -> None:
    await dpytest.message("!twice")
    assert dpytest.sent_queue.qsize() == 2
    assert dpytest.sent_queue.peek().content == "two"  # dpytest's peek: the newest
    assert dpytest.get_message().content == "one"
    assert dpytest.sent_queue.qsize() == 1
    assert dpytest.sent_queue.get_nowait().content == "two"
    assert dpytest.verify().message().nothing()
    with pytest.raises(asyncio.QueueEmpty):
        dpytest.sent_queue.get_nowait()
    with pytest.raises(TypeError, match="what the bot sent"):
        dpytest.sent_queue.put_nowait(dpytest.get_config().channels[0])  # type: ignore[arg-type]

    await dpytest.message("!say later")
    assert dpytest.runner.sent_queue is dpytest.sent_queue
    assert (await asyncio.wait_for(dpytest.sent_queue.get(), 5)).content == "later"
    await dpytest.message("!say gone")
    await dpytest.empty_queue()
    assert dpytest.sent_queue.empty()


async def test_command_errors_wait_in_error_queue(bot: commands.Bot) -> None:
    config = dpytest.get_config()
    session = current()
    async with session.twin.settle():
        await session.twin.message("!fail", config.channels[0], config.members[0])
    assert dpytest.error_queue.qsize() == 1
    ctx, error = dpytest.error_queue.peek()
    assert isinstance(ctx, commands.Context) and isinstance(error, commands.CommandInvokeError)
    assert dpytest.error_queue.get_nowait() == (ctx, error)
    assert dpytest.error_queue.empty()

    # what is put there is what message() raises next, as in dpytest
    dpytest.error_queue.put_nowait((None, LookupError("planted")))
    with pytest.raises(LookupError, match="planted"):
        await dpytest.message("!say hi")


async def test_a_message_built_from_factories_in_the_bots_state(bot: commands.Bot) -> None:
    config = dpytest.get_config()
    state = backend.get_state()
    assert state is bot._connection
    channel, author = config.channels[0], config.members[0]
    data = factories.make_message_dict(channel, author, content="built")
    message = discord.Message(state=state, channel=channel, data=data)  # type: ignore[arg-type]
    assert message.author == author and message.guild == config.guilds[0]


async def test_callbacks_fire_on_the_bots_calls(bot: commands.Bot) -> None:
    seen: list[tuple[str, Any, dict[str, Any]]] = []

    def record(name: str) -> callbacks.Callback:
        async def cb(*args: Any, **kwargs: Any) -> None:
            seen.append((name, args, kwargs))
        return cb

    for event in (CallbackEvent.send_message, CallbackEvent.add_reaction,
                  CallbackEvent.edit_message, CallbackEvent.delete_message,
                  CallbackEvent.presence):
        callbacks.set_callback(record(event.value), event)
    callbacks.set_callback(record("typing"), "send_typing")  # dpytest 0.7's spelling
    assert callbacks.get_callback(CallbackEvent.send_typing) is \
        callbacks.get_callback("send_typing")

    await dpytest.message("!busy")
    names = [name for name, _, _ in seen]
    assert names == ["send_message", "add_reaction", "edit_message", "presence",
                     "delete_message"]
    sent = seen[0][1][0]
    assert isinstance(sent, discord.Message) and sent.content == "working"
    assert seen[1][1][1] == "\N{HOURGLASS}" and seen[1][1][0].id == sent.id
    channel, before, fields = seen[2][1]
    assert channel == dpytest.get_config().channels[0]
    assert before.id == sent.id and fields["content"] == "done"
    assert seen[3][1][0] == discord.Game("cards")
    assert seen[4][1][1].id == sent.id and seen[4][2] == {"reason": None}

    assert callbacks.remove_callback(CallbackEvent.send_message) is not None
    assert callbacks.remove_callback(CallbackEvent.send_message) is None
    with pytest.raises(ValueError, match="not set"):
        callbacks.get_callback(CallbackEvent.send_message)


async def test_a_failing_callback_is_logged_and_a_refused_call_fires_nothing(
        bot: commands.Bot, caplog: pytest.LogCaptureFixture) -> None:
    fired: list[discord.Message] = []

    async def broken(message: discord.Message) -> None:
        fired.append(message)
        raise RuntimeError("callback bug")

    callbacks.set_callback(broken, CallbackEvent.send_message)
    with caplog.at_level(logging.ERROR, logger="wiretwin.compat.dpytest"):
        await dpytest.message("!say still sent")
    assert dpytest.verify().message().content("still sent")
    assert "callback bug" in caplog.text and len(fired) == 1

    config = dpytest.get_config()
    channel = config.channels[0]
    assert isinstance(channel, discord.TextChannel)
    me = config.guilds[0].me
    await dpytest.set_permission_overrides(me, channel, send_messages=False)
    with pytest.raises(commands.CommandInvokeError):
        await dpytest.message("!say refused")
    assert len(fired) == 1


async def test_the_packages_backend_is_dpytests_synchronous_one(bot: commands.Bot) -> None:
    """``dpytest.backend`` (and ``dpytest.back``) is dpytest's synchronous backend, for the
    interpreter and for type checkers (mypy checks these annotations in the test command)."""
    guild = bot.guilds[0]
    channel: discord.TextChannel = dpytest.backend.make_text_channel("typed", guild)
    role: discord.Role = dpytest.back.make_role("Typed", guild)
    assert (channel.name, role.name) == ("typed", "Typed")
    assert dpytest.backend is backend


async def test_a_session_ends_with_nothing_of_it_left_running(bot: commands.Bot) -> None:
    await dpytest.message("!say hi")
    await dpytest.cleanup()
    assert bot.is_closed()
    # No task of the closed client stays in asyncio's list until the collector runs.
    leftover = getattr(bot, "_closing_task", None)
    assert not isinstance(leftover, asyncio.Task)
    await bot.close()  # closing again is still a no-op
    mine = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert mine == []
