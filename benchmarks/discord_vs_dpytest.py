"""The same discord.py bot and the same command tests, under dpytest and under wiretwin.

One bot definition (``!ping``, ``!echo``, ``!serverinfo``, ``!embed``) and one list of
tests (``--per-command`` of each, 20 by default: 80 tests), run in one process:

* **dpytest** (0.7.0): ``configure(bot, guilds=["Test Server"], text_channels=["general"],
  voice_channels=0, members=["alice"])``, then per test ``await dpytest.message(text)``
  and ``verify().message().content(...)`` / ``.embed(...)``; no network, no gateway, the
  bot never logs in.
* **wiretwin**: a :class:`~wiretwin.discord.twin.DiscordTwin` with the same world; the
  unmodified bot logs in (``bot.start(token)``: REST, gateway, READY, GUILD_CREATE,
  ``on_ready``), then per test ``await twin.message(text)`` (alice's message goes out
  over the gateway; it returns once the bot has read it and finished answering, its
  ``POST /channels/{id}/messages`` answered) and ``twin.verify().message()...``, the
  same checks as dpytest's.

Each side's wall time covers setting up its world and bot, the tests, and tearing down
(``--repeat`` times, alternating; the median is reported). Also reported: wiretwin's
login to ``on_ready`` (``bot.start()`` to ``on_ready``, median of ``--logins``).

Figures only; nothing is asserted about them (a wrong reply fails the run).
Run: ``.venv/bin/python benchmarks/discord_vs_dpytest.py``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord
from discord.ext import commands

from wiretwin.discord.model import Channel, User
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py import use_discord_py

GUILD = "Test Server"
CHANNEL = "general"
MEMBER = "alice"
EMBED_COLOR = 0x2ECC71


# -- the bot under test (identical for both) ---------------------------------------------


def build_bot() -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all(), help_command=None)

    @bot.command()
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("pong")

    @bot.command()
    async def echo(ctx: commands.Context[commands.Bot], *, text: str) -> None:
        await ctx.send(text)

    @bot.command()
    async def serverinfo(ctx: commands.Context[commands.Bot]) -> None:
        guild = ctx.guild
        assert guild is not None
        # len(members), not member_count: dpytest 0.7.0 counts its bot member twice there.
        await ctx.send(f"{guild.name}: {len(guild.members)} members, "
                       f"{len(guild.text_channels)} text channels")

    @bot.command()
    async def embed(ctx: commands.Context[commands.Bot], *, title: str = "Hello") -> None:
        await ctx.send(embed=make_embed(title))

    return bot


def make_embed(title: str) -> discord.Embed:
    embed = discord.Embed(title=title, description=f"An embed titled {title}",
                          color=EMBED_COLOR)
    embed.add_field(name="field", value=title.upper(), inline=False)
    return embed


# -- the tests (identical for both) ------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Send ``text``; the reply is ``content`` or (if ``embed_title``) that embed."""

    text: str
    content: str | None = None
    embed_title: str | None = None


def cases(per_command: int) -> list[Case]:
    out: list[Case] = []
    for i in range(per_command):
        out.append(Case("!ping", content="pong"))
        out.append(Case(f"!echo message number {i}", content=f"message number {i}"))
        out.append(Case("!serverinfo", content=f"{GUILD}: 2 members, 1 text channels"))
        out.append(Case(f"!embed Title {i}", embed_title=f"Title {i}"))
    return out


# -- dpytest -----------------------------------------------------------------------------


async def run_dpytest(tests: list[Case]) -> float:
    """Set up, run ``tests``, tear down; the seconds the tests alone took."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import discord.ext.test as dpytest

    bot = build_bot()
    await bot._async_setup_hook()
    dpytest.configure(bot, guilds=[GUILD], text_channels=[CHANNEL], voice_channels=0,
                      members=[MEMBER])
    try:
        start = time.perf_counter()
        for case in tests:
            await dpytest.message(case.text)
            if case.embed_title is not None:
                assert dpytest.verify().message().embed(make_embed(case.embed_title)), case
            else:
                assert dpytest.verify().message().content(case.content), case
        return time.perf_counter() - start
    finally:
        # dpytest's tutorial tears down so; bot.close() fails on its fake websocket.
        await dpytest.empty_queue()


# -- wiretwin ----------------------------------------------------------------------------


class WiretwinWorld:
    """A twin with the same world as dpytest's configure(), and a bot logged in to it."""

    def __init__(self, twin: DiscordTwin) -> None:
        self.twin = twin
        model = twin.model
        self.alice: User = model.add_user(MEMBER)
        self.guild = model.create_guild(GUILD, self.alice.id)
        model.add_member(self.guild, model.bot.id)
        self.channel: Channel = model.create_channel(self.guild, CHANNEL)

    async def login(self, bot: commands.Bot) -> tuple[asyncio.Task[None], float]:
        """Start ``bot``; the task running it, and the seconds from start() to on_ready."""
        ready = asyncio.Event()

        async def on_ready() -> None:
            ready.set()

        bot.add_listener(on_ready)
        start = time.perf_counter()
        task = asyncio.create_task(bot.start(self.twin.application.token))
        waiter = asyncio.create_task(ready.wait())
        done, _ = await asyncio.wait({task, waiter}, timeout=10,
                                     return_when=asyncio.FIRST_COMPLETED)
        elapsed = time.perf_counter() - start
        if waiter not in done:
            waiter.cancel()
            await bot.close()
            if task in done:
                task.result()  # the login failed: raise why
            raise TimeoutError("the bot never reached on_ready")
        return task, elapsed

    async def check(self, case: Case, wait: str) -> None:
        twin = self.twin
        if wait == "settle":
            # Returns once the bot has read the dispatch and finished every task it started
            # for it (so its reply has reached the twin).
            await twin.message(case.text, self.channel, self.alice)
        else:
            # alice posts (MESSAGE_CREATE goes out over the gateway); wait until the bot's
            # reply is in the twin (its POST /channels/{id}/messages made it).
            twin.model.create_message(self.channel, self.alice.id, case.text)
            await twin.backend.wait_for_messages(1, peek=True)
        if case.embed_title is not None:
            assert twin.verify().message().embed(make_embed(case.embed_title)), case
        else:
            assert twin.verify().message().content(case.content), case


async def stop(bot: commands.Bot, task: asyncio.Task[None]) -> None:
    await bot.close()
    await task


async def run_wiretwin(tests: list[Case], wait: str) -> float:
    """Set up, run ``tests``, tear down; the seconds the tests alone took."""
    async with DiscordTwin() as twin:
        world = WiretwinWorld(twin)
        assert twin.verify().message().nothing()  # the sent-message queue starts here
        # The twin's default bucket (50 requests a second) would make discord.py wait for
        # its reset after 50 replies; dpytest has no rate limits, so lift this one.
        await twin.backend.set_rate_limit("/channels/{channel_id}/messages", 1_000_000, 1.0)
        bot = build_bot()
        with use_discord_py(twin, bot):
            task, _ = await world.login(bot)
            try:
                start = time.perf_counter()
                for case in tests:
                    await world.check(case, wait)
                return time.perf_counter() - start
            finally:
                await stop(bot, task)


async def login_times(count: int) -> list[float]:
    """Seconds from ``bot.start()`` to ``on_ready``, one fresh bot each, one twin."""
    samples: list[float] = []
    async with DiscordTwin() as twin:
        world = WiretwinWorld(twin)
        for _ in range(count):
            bot = build_bot()
            with use_discord_py(twin, bot):
                task, elapsed = await world.login(bot)
                await stop(bot, task)
            samples.append(elapsed)
    return samples


# -- the run -----------------------------------------------------------------------------


async def timed(run: Callable[[], Awaitable[float]]) -> tuple[float, float]:
    """(the whole run's seconds, the tests' seconds)."""
    start = time.perf_counter()
    tests_only = await run()
    return time.perf_counter() - start, tests_only


async def main(args: argparse.Namespace) -> None:
    tests = cases(args.per_command)
    dpy: list[tuple[float, float]] = []
    twin: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        dpy.append(await timed(lambda: run_dpytest(tests)))
        twin.append(await timed(lambda: run_wiretwin(tests, args.wait)))
    logins = await login_times(args.logins)

    d = statistics.median(t for t, _ in dpy)
    w = statistics.median(t for t, _ in twin)
    d_tests = statistics.median(t for _, t in dpy) / len(tests) * 1000
    w_tests = statistics.median(t for _, t in twin) / len(tests) * 1000
    print(f"{len(tests)} command tests ({args.per_command} each of ping, echo, serverinfo, "
          f"embed), median of {args.repeat}; wall = set-up + tests + tear-down")
    print(f"  dpytest 0.7.0 wall (s)          {d:8.4f}   per test, tests only (ms) "
          f"{d_tests:7.3f}")
    print(f"  wiretwin wall (s)               {w:8.4f}   per test, tests only (ms) "
          f"{w_tests:7.3f}   (wait: {args.wait})")
    print(f"  ratio wiretwin / dpytest        {w / d:8.2f}x   tests only "
          f"{w_tests / d_tests:6.2f}x   (aim <= 1.0x)")
    print(f"wiretwin login -> on_ready (ms)   median {statistics.median(logins) * 1000:7.2f}"
          f"   best {min(logins) * 1000:7.2f}   over {len(logins)}   (aim <= 50 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--per-command", type=int, default=20,
                        help="tests per command (4 commands)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side")
    parser.add_argument("--logins", type=int, default=5, help="login samples")
    parser.add_argument("--wait", choices=("queue", "settle"), default="queue",
                        help="wiretwin: wait for the bot's reply in the backend's sent "
                        "queue, or await twin.message() (gateway heartbeat sync, then the "
                        "bot's tasks)")
    asyncio.run(main(parser.parse_args()))
