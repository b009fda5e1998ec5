"""Fixtures: the Discord twin with the built-in world, and the example bot logged in."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from bot import build_bot  # this folder: pytest puts a conftest's folder on sys.path
from discord.ext import commands

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py import use_discord_py


@pytest.fixture
async def bot(discord_twin: DiscordTwin) -> AsyncIterator[commands.Bot]:
    """The example bot, logged in to the twin, its commands registered (``tree.sync()``)."""
    the_bot = build_bot()
    ready = asyncio.Event()

    async def on_ready() -> None:
        ready.set()

    the_bot.add_listener(on_ready)
    with use_discord_py(discord_twin, the_bot):
        runner = asyncio.create_task(the_bot.start(discord_twin.application.token))
        waiter = asyncio.create_task(ready.wait())
        done, _ = await asyncio.wait({runner, waiter}, timeout=10,
                                     return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            if runner in done:
                runner.result()
            raise TimeoutError("the bot never became ready")
        await the_bot.tree.sync()
        try:
            yield the_bot
        finally:
            await the_bot.close()
            with contextlib.suppress(Exception):
                await runner
