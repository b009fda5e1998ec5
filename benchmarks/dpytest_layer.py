"""dpytest's own runner against wiretwin's dpytest layer, on the same dpytest-style suite.

One suite of small dpytest tests, written once against "the dpytest module" (each test:
a fresh event loop as pytest-asyncio gives it, a fresh ``commands.Bot``,
``dpytest.configure(bot)``, the test's calls, ``await dpytest.empty_queue()``, the loop
closed), is run in one process by:

* **dpytest** 0.7.0 (``discord.ext.test``): discord.py's HTTP and gateway patched
  in-process, a world that never logs in;
* **wiretwin** (``wiretwin.discord.dpytest``): a Discord twin per ``configure()``, the bot
  logged in to it (REST served by the twin's application in process, the gateway in
  memory), Discord's rules.

The suites alternate (drift hits both alike); medians of the suite's wall time and of a
test's, then the ratio against issue 13's target (the layer within 1.5x of dpytest's wall
time). Figures only: nothing is asserted about them (a wrong reply fails the run).

Run: ``.venv/bin/python benchmarks/dpytest_layer.py``
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import statistics
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

warnings.filterwarnings("ignore", category=DeprecationWarning)

import discord  # noqa: E402
from discord.ext import commands  # noqa: E402

Test = Callable[[Any, commands.Bot], Awaitable[None]]


def build_bot() -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())

    @bot.command()
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("Ping:Pong")

    @bot.command()
    async def echo(ctx: commands.Context[commands.Bot], *, text: str) -> None:
        await ctx.send(text)

    @bot.command()
    async def embed(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send(embed=discord.Embed(title="Test Embed", description="described"))

    @bot.command()
    async def members(ctx: commands.Context[commands.Bot]) -> None:
        assert ctx.guild is not None
        await ctx.send(", ".join(m.name for m in ctx.guild.members if not m.bot))

    return bot


# -- the suite: dpytest's own idiom, written once ---------------------------------------

async def test_ping(dpytest: Any, bot: commands.Bot) -> None:
    await dpytest.message("!ping")
    assert dpytest.verify().message().content("Ping:Pong")


async def test_echo_twice(dpytest: Any, bot: commands.Bot) -> None:
    await dpytest.message("!echo hello")
    await dpytest.message("!echo world")
    assert dpytest.verify().message().content("hello")
    assert dpytest.verify().message().content("world")


async def test_embed(dpytest: Any, bot: commands.Bot) -> None:
    await dpytest.message("!embed")
    assert dpytest.verify().message().embed(
        discord.Embed(title="Test Embed", description="described"))


async def test_world_read_at_once(dpytest: Any, bot: commands.Bot) -> None:
    guild = bot.guilds[0]
    assert guild.name == "Test Guild 0"
    assert guild.members[0].name == "TestUser0"
    await dpytest.message("!members", member=1)
    assert dpytest.verify().message().content("TestUser0, TestUser1")


async def test_bot_sends_directly(dpytest: Any, bot: commands.Bot) -> None:
    channel = bot.guilds[0].text_channels[0]
    await channel.send("hi there")
    assert dpytest.verify().message().contains().content("hi")


async def test_nothing_sent(dpytest: Any, bot: commands.Bot) -> None:
    await dpytest.message("no command here")
    assert dpytest.verify().message().nothing()


SUITE: list[Test] = [test_ping, test_echo_twice, test_embed, test_world_read_at_once,
                     test_bot_sends_directly, test_nothing_sent]


def run_test(dpytest: Any, test: Test) -> float:
    """One test as pytest-asyncio runs it: a loop of its own; its wall time."""
    start = time.perf_counter()
    runner = asyncio.Runner()
    try:
        async def body() -> None:
            bot = build_bot()
            await bot._async_setup_hook()  # dpytest's tutorial fixture does it
            dpytest.configure(bot, members=2)
            try:
                await test(dpytest, bot)
            finally:
                await dpytest.empty_queue()

        runner.run(body())
    finally:
        runner.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10,
                        help="times the whole suite runs under each (default 10)")
    args = parser.parse_args()
    logging.getLogger("discord").setLevel(logging.CRITICAL)
    runners = {"dpytest 0.7.0": importlib.import_module("discord.ext.test"),
               "wiretwin": importlib.import_module("wiretwin.discord.dpytest")}
    suites: dict[str, list[float]] = {name: [] for name in runners}
    tests: dict[str, list[float]] = {name: [] for name in runners}
    for dpytest in runners.values():  # warm-up: imports, first connections
        for test in SUITE:
            run_test(dpytest, test)
    for _ in range(args.rounds):
        for name, dpytest in runners.items():
            times = [run_test(dpytest, test) for test in SUITE]
            tests[name] += times
            suites[name].append(sum(times))
    print(f"a dpytest-style suite of {len(SUITE)} tests, {args.rounds} rounds each "
          "(medians, ms)")
    print(f"{'':16}{'suite':>10}{'per test':>10}")
    for name in runners:
        print(f"{name:16}{statistics.median(suites[name]) * 1000:10.2f}"
              f"{statistics.median(tests[name]) * 1000:10.2f}")
    ratio = statistics.median(suites["wiretwin"]) / statistics.median(
        suites["dpytest 0.7.0"])
    print(f"wiretwin / dpytest: {ratio:.2f}x (target <= 1.5x: "
          f"{'met' if ratio <= 1.5 else 'missed'})")


if __name__ == "__main__":
    main()
