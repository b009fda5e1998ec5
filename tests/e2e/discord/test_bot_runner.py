"""Logging a bot out (:mod:`wiretwin.drivers.bots`): what its ``start()`` raises once the
env has asked it to close is the library tripping over its own shutdown, not a failure
of the test; what it raised before, while the bot ran, still fails it."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord.ext import commands

from wiretwin.discord.twin import DiscordTwin
from wiretwin.discord.world import default_discord_world
from wiretwin.testing import DiscordEnv


class TripsOverItsClose(commands.Bot):
    """As py-cord 2.8 does at times: its ``close()`` shuts the HTTP session first, the
    gateway reader (woken by the dropped socket) tries to reconnect with it, and
    ``start()`` raises "Session is closed"."""

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        await super().start(token, reconnect=reconnect)
        raise RuntimeError("Session is closed")


class Ends(commands.Bot):
    """Tells the test when its ``start()`` has ended (with whatever it raised)."""

    def __init__(self) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default())
        self.ended = asyncio.Event()

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        try:
            await super().start(token, reconnect=reconnect)
        finally:
            self.ended.set()


async def test_what_start_raises_while_the_bot_closes_is_no_failure() -> None:
    bot = TripsOverItsClose(command_prefix="!", intents=discord.Intents.default())
    async with DiscordTwin(world=default_discord_world()) as twin:
        async with DiscordEnv(twin, bot) as env:
            assert (await env.user("alice").send("hello")).messages == []
        assert bot.is_closed()


async def test_what_start_raised_while_the_bot_ran_still_fails() -> None:
    bot = Ends()
    async with DiscordTwin(world=default_discord_world()) as twin:
        env = DiscordEnv(twin, bot)
        await env.start()
        # The gateway refuses the bot's token from now on: discord.py gives up.
        await env.backend.disconnect(4004, "Authentication failed.")
        await asyncio.wait_for(bot.ended.wait(), 5)
        with pytest.raises(discord.ConnectionClosed) as raised:
            await env.stop()
        assert raised.value.code == 4004
