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

Two measures, the suites alternating (drift hits both alike), medians:

* **bodies**: each test run directly (a loop, the fixture's calls, the test, the loop
  closed), nothing else: the layer's whole cost, undiluted;
* **under pytest**: the same tests as a pytest suite (an async ``bot`` fixture calling
  ``configure``, as dpytest's tutorial writes it; pytest-asyncio's loop per test), each
  test ``--copies`` times, run by ``pytest.main`` in this process: the wall time a user
  waits for, collection and reporting included.

Each prints its ratio; the wall time under pytest is what the target is about (the layer
within 1.5x of dpytest's wall time), the bodies' ratio shows the layer's own cost.
Figures only: nothing is asserted about them (a wrong reply fails the run).

Run: ``.venv/bin/python benchmarks/dpytest_layer.py``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import io
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
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


RUNNERS = {"dpytest 0.7.0": "discord.ext.test", "wiretwin": "wiretwin.discord.dpytest"}

CONFTEST = """
import importlib
import os

import pytest
import pytest_asyncio

import dpytest_layer as bench


@pytest.fixture
def dpytest():
    return importlib.import_module(os.environ["WIRETWIN_BENCH_DPYTEST"])


@pytest_asyncio.fixture
async def bot(dpytest):
    bot = bench.build_bot()
    await bot._async_setup_hook()
    dpytest.configure(bot, members=2)
    yield bot
    await dpytest.empty_queue()
"""

PYTEST_INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


def _write_pytest_suite(folder: Path, copies: int) -> None:
    (folder / "conftest.py").write_text(CONFTEST)
    (folder / "pytest.ini").write_text(PYTEST_INI)
    tests = ["import pytest\n\nimport dpytest_layer as bench\n"]
    for test in SUITE:
        tests.append(f"""
@pytest.mark.parametrize("copy", range({copies}))
async def {test.__name__}(dpytest, bot, copy):
    await bench.{test.__name__}(dpytest, bot)
""")
    (folder / "test_suite.py").write_text("".join(tests))


def run_pytest(module: str, folder: Path) -> float:
    """The suite under pytest in this process, with ``module`` as dpytest; its wall time."""
    import pytest

    os.environ["WIRETWIN_BENCH_DPYTEST"] = module
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:simcord",
                            "-p", "no:xdist", "-W", "ignore::DeprecationWarning",
                            "--rootdir", str(folder), str(folder)])
    took = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"the suite failed under {module}:\n{out.getvalue()}")
    return took


def _ratio_line(figures: dict[str, float], *, target: bool = True) -> str:
    ratio = figures["wiretwin"] / figures["dpytest 0.7.0"]
    if not target:
        return f"wiretwin / dpytest: {ratio:.2f}x (the layer's own cost, undiluted)"
    return (f"wiretwin / dpytest: {ratio:.2f}x (target on wall time <= 1.5x: "
            f"{'met' if ratio <= 1.5 else 'missed'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10,
                        help="times the whole suite runs under each (default 10)")
    parser.add_argument("--copies", type=int, default=10,
                        help="copies of each test in the pytest suite (default 10)")
    args = parser.parse_args()
    logging.getLogger("discord").setLevel(logging.CRITICAL)
    runners = {name: importlib.import_module(module) for name, module in RUNNERS.items()}
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
    print(f"bodies: a dpytest-style suite of {len(SUITE)} tests, {args.rounds} rounds each "
          "(medians, ms)")
    print(f"{'':16}{'suite':>10}{'per test':>10}")
    for name in runners:
        print(f"{name:16}{statistics.median(suites[name]) * 1000:10.2f}"
              f"{statistics.median(tests[name]) * 1000:10.2f}")
    print(_ratio_line({name: statistics.median(suites[name]) for name in runners},
                      target=False))

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    walls: dict[str, list[float]] = {name: [] for name in runners}
    with tempfile.TemporaryDirectory() as folder:
        _write_pytest_suite(Path(folder), args.copies)
        for module in RUNNERS.values():  # warm-up: pytest's own imports
            run_pytest(module, Path(folder))
        for _ in range(max(1, args.rounds // 2)):
            for name, module in RUNNERS.items():
                walls[name].append(run_pytest(module, Path(folder)))
    count = len(SUITE) * args.copies
    print(f"under pytest: the same suite, {count} tests, {max(1, args.rounds // 2)} rounds "
          "each (median wall time, ms)")
    print(f"{'':16}{'suite':>10}{'per test':>10}")
    for name in runners:
        wall = statistics.median(walls[name])
        print(f"{name:16}{wall * 1000:10.1f}{wall / count * 1000:10.2f}")
    print(_ratio_line({name: statistics.median(walls[name]) for name in runners}))


if __name__ == "__main__":
    main()
