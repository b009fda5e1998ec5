"""``discord_env`` with some privileged intents switched off: the marker's
``privileged_intents=`` applies over the built-in world, and a bot asking for more is
refused as Discord refuses it (docs/discord/index.md)."""

from __future__ import annotations

import discord
import pytest
from discord.ext import commands

from wiretwin.testing import DiscordEnv


def make_bot(intents: discord.Intents) -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=intents)

    @bot.command()
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("pong")

    return bot


def content_only() -> discord.Intents:
    intents = discord.Intents.default()
    intents.message_content = True
    return intents


@pytest.fixture
def discord_bot() -> commands.Bot:
    return make_bot(content_only())


@pytest.mark.discord_env(privileged_intents=["message_content"])
async def test_the_markers_privileged_intents_apply_to_the_built_in_world(
        discord_env: DiscordEnv) -> None:
    assert discord_env.twin.privileged_intents == ["message_content"]
    assert (await discord_env.user("alice").send("!ping")).content == "pong"

    with pytest.raises(discord.PrivilegedIntentsRequired):
        await discord_env.restart_bot(make_bot(discord.Intents.all()))


async def test_intents_switched_off_while_the_bot_runs(discord_env: DiscordEnv) -> None:
    discord_env.twin.set_privileged_intents([])
    # The session that identified before keeps its intents.
    assert (await discord_env.user("alice").send("!ping")).content == "pong"
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await discord_env.restart_bot()
