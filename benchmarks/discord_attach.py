"""What a dpytest-style test costs: a discord.py bot attached synchronously
(``wiretwin.drivers.discord_py_attach.attach``), one member message answered, detached;
next to the same test through ``DiscordEnv`` (the ``discord_env`` fixture's bot login
over a real gateway websocket).

Medians over ``--runs`` fresh twins and bots, after one warm-up each; figures only,
nothing is asserted. Run: ``.venv/bin/python benchmarks/discord_attach.py``
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

warnings.filterwarnings("ignore", ".*audioop", DeprecationWarning)

import discord  # noqa: E402
from discord.ext import commands  # noqa: E402

from wiretwin.discord.twin import DiscordTwin  # noqa: E402
from wiretwin.drivers.discord_py_attach import attach  # noqa: E402
from wiretwin.testing.discord_env import DiscordEnv  # noqa: E402

Phases = tuple[float, float, float]


def _world(twin: DiscordTwin) -> None:
    model = twin.model
    guild = model.create_guild("Test Guild 0", model.application.owner.id)
    model.create_channel(guild, "general")
    user = model.add_user("TestUser0")
    model.add_member(guild, user.id)
    model.add_member(guild, model.bot.id)


def _bot() -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())

    @bot.command()
    async def ping(ctx: commands.Context[Any]) -> None:
        await ctx.send("pong")

    return bot


async def _message(twin: DiscordTwin) -> None:
    await twin.backend.message("!ping")
    assert twin.verify().message().content("pong")


async def attached() -> Phases:
    t0 = time.perf_counter()
    twin = DiscordTwin().start_soon()
    _world(twin)
    attachment = attach(twin, _bot())
    t1 = time.perf_counter()
    await _message(twin)
    t2 = time.perf_counter()
    await attachment.close()
    await twin.stop()
    return t1 - t0, t2 - t1, time.perf_counter() - t2


async def env() -> Phases:
    t0 = time.perf_counter()
    twin = DiscordTwin()
    _world(twin)
    await twin.start()
    session = await DiscordEnv(twin, _bot()).start()
    t1 = time.perf_counter()
    await _message(twin)
    t2 = time.perf_counter()
    await session.stop()
    await twin.stop()
    return t1 - t0, t2 - t1, time.perf_counter() - t2


async def main(runs: int) -> None:
    logging.getLogger("discord").setLevel(logging.ERROR)
    ways: list[tuple[str, Callable[[], Awaitable[Phases]]]] = [
        ("attach (in-process gateway)", attached), ("discord_env (websocket)", env)]
    for name, way in ways:
        await way()  # warm-up: imports, route tables, first connections
        samples = [await way() for _ in range(runs)]
        start, message, stop = (statistics.median(column) * 1000
                                for column in zip(*samples, strict=True))
        print(f"{name:28s} start {start:6.2f} ms  message {message:6.2f} ms  "
              f"stop {stop:6.2f} ms  total {start + message + stop:6.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    asyncio.run(main(parser.parse_args().runs))
