"""What real bots' dpytest suites rely on, beyond dpytest's own tests: each behaviour
here made tests of a real bot fail before it held (docs/migrating.md)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import discord
import pytest
from discord.ext import commands, tasks

import wiretwin.discord.dpytest as dpytest
from wiretwin.compat.dpytest.session import current
from wiretwin.discord.dpytest import backend, factories
from wiretwin.testing import discord_fixtures


class Halt(BaseException):
    """Not an Exception: discord.py lets it end the handler's task."""


class Ticker(commands.Cog):
    def __init__(self) -> None:
        self.ticks = 0
        self.tick.start()

    @tasks.loop(minutes=5)
    async def tick(self) -> None:
        self.ticks += 1


def _bot() -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())

    @bot.command()
    async def halt(ctx: commands.Context[commands.Bot]) -> None:
        raise Halt("stop everything")

    @bot.command()
    async def card(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send(embed=discord.Embed(title="Card", description="d", colour=0x00AA6E))

    @bot.command()
    async def size(ctx: commands.Context[commands.Bot]) -> None:
        attachment = ctx.message.attachments[0]
        await ctx.send(f"{attachment.filename} {len(await attachment.read())}")

    return bot


@pytest.fixture
async def bot() -> AsyncIterator[commands.Bot]:
    made = _bot()
    await made.add_cog(Ticker())
    dpytest.configure(made)
    yield made
    await dpytest.empty_queue()
    await dpytest.cleanup()


async def test_a_base_exception_from_a_command_reaches_the_test(bot: commands.Bot) -> None:
    with pytest.raises(Halt, match="stop everything"):
        await dpytest.message("!halt")


async def test_verify_compares_embeds_as_dpytest_did(bot: commands.Bot) -> None:
    await dpytest.message("!card")
    assert dpytest.verify().message().peek().embed(discord.Embed(title="Card",
                                                                 description="d"))
    assert not dpytest.verify().message().embed(discord.Embed(title="Other"))


async def test_a_made_up_attachment_keeps_its_data_and_reads_the_local_file(
        bot: commands.Bot, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"twelve bytes")
    config = dpytest.get_config()
    data = factories.make_attachment_dict(
        filename="notes.txt", size=12, url=f"http://example.invalid{notes}",
        proxy_url=f"http://example.invalid{notes}", content_type="text/plain")
    made = discord.Attachment(state=backend.get_state(), data=cast(Any, data))
    posted = backend.make_message("!size", config.members[0], config.channels[0],
                                  attachments=[made])
    carried = posted.attachments[0]
    assert (carried.url, carried.size, carried.content_type) == (
        f"http://example.invalid{notes}", 12, "text/plain")
    assert await carried.read() == b"twelve bytes"  # the path the url names, as dpytest
    await dpytest.run_all_events()
    assert dpytest.verify().message().content("notes.txt 12")


async def test_make_message_asks_nothing_of_its_author(bot: commands.Bot) -> None:
    stranger = backend.make_user("stranger", 7)
    posted = backend.make_message("hello", stranger, dpytest.get_config().channels[0])
    assert posted.content == "hello" and posted.author.id == stranger.id


async def test_member_join_keeps_any_discriminator(bot: commands.Bot) -> None:
    member = await dpytest.member_join(0, name="Odd", discrim="x9")
    assert (member.name, member.discriminator) == ("Odd", "x9")


async def test_the_session_end_leaves_the_bot_as_dpytest_left_it(bot: commands.Bot) -> None:
    await bot.load_extension("tests.compat.dpytest_extension")
    cog = bot.get_cog("Ticker")
    assert isinstance(cog, Ticker)
    config = dpytest.get_config()
    await dpytest.cleanup()
    # Extensions and cogs stay loaded (dpytest never closed the bot); what slept on a
    # timer ended with the session instead of holding its end up.
    assert "tests.compat.dpytest_extension" in sys.modules
    assert bot.get_cog("Ticker") is cog and not cog.tick.is_running()
    assert dpytest.get_config() is config  # readable still, as dpytest's state was
    with pytest.raises(RuntimeError, match="has not been called"):
        current()


def test_the_plugins_hook_wrappers_load_in_old_pluggy() -> None:
    """New-style ``wrapper=True`` needs pluggy 1.1; suites pin older ones."""
    for hook in (discord_fixtures.pytest_pycollect_makeitem,
                 discord_fixtures.pytest_runtest_call,
                 discord_fixtures.pytest_runtest_makereport):
        options = vars(hook)["pytest_impl"]
        assert options.get("hookwrapper") is True and not options.get("wrapper")


async def test_a_bot_in_voice_leaves_it_when_the_session_ends(bot: commands.Bot) -> None:
    """The leave (op 4) goes out while the gateway is up: discord.py's close would wait
    30 s for its answer otherwise."""
    guild = bot.guilds[0]
    await guild.voice_channels[0].connect()
    twin = current().twin
    assert bot.user is not None and bot.user.id in twin.model.guilds[guild.id].voice_states
    await dpytest.cleanup()
    assert bot.voice_clients == []
    assert bot.user.id not in twin.model.guilds[guild.id].voice_states
