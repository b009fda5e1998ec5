"""Fixtures for the seeds' own example programs (tests/seeds/): only these, and the
examples' import lines, differ from the seeds' text."""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import pytest
from discord.ext import commands

import wiretwin.compat.dpytest as dpytest


def serverinfo_bot() -> commands.Bot:
    """The bot seed 000's example talks to (the seed does not show it). ``!serverinfo``
    answers in two messages, the guild's name and then its counts, because the seed
    checks each with its own ``verify().message()``, and each takes one message."""
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    bot = commands.Bot(command_prefix="!", intents=intents)

    @bot.command()
    async def serverinfo(ctx: commands.Context[commands.Bot]) -> None:
        guild = ctx.guild
        assert guild is not None
        await ctx.send(f"**{guild.name}**")
        await ctx.send(f"{guild.member_count} members, {len(guild.text_channels)} text "
                       f"channels, {len(guild.roles)} roles")

    return bot


#: Seed 003's programs use the fixed address 127.0.0.1:2333, so only one test at a time
#: may run them, whichever xdist worker (or checkout) it runs in.
PORT_2333_LOCK = Path(tempfile.gettempdir()) / "wiretwin-seed-port-2333.lock"


@pytest.fixture(autouse=True)
def _one_test_at_a_time_on_port_2333(request: pytest.FixtureRequest) -> Iterator[None]:
    if "seed_003" not in request.node.nodeid:
        yield
        return
    with PORT_2333_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # waits for the test holding it, if any
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
async def bot() -> AsyncIterator[commands.Bot]:
    """dpytest's fixture, configured as the seed's example needs: the guild the test
    talks in is "Test Server" with 5 members (4 users and the bot: dpytest's guilds have
    no owner member)."""
    the_bot = serverinfo_bot()
    dpytest.configure(the_bot, guilds=["Test Server"], members=4)
    await dpytest.ready()  # the example reads bot.user.id at once
    yield the_bot
    await dpytest.empty_queue()
    await dpytest.cleanup()
