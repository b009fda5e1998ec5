"""dpytest, SimCord and wiretwin side by side: the same discord.py bot, the same checks.

One bot (``!ping``, ``!echo``, ``!serverinfo``, ``!embed`` and a ``/say`` slash command)
and one list of checks, run in one process and one event loop by three suites:

* **dpytest** 0.7.0: ``configure()`` a fake world around the bot (it never logs in),
  ``await dpytest.message(text)``, ``verify().message().content(...)`` / ``.embed(...)``;
  it has no slash commands.
* **SimCord** 3.2.1: ``simcord.run(bot)`` attaches the bot to an in-memory Discord (a
  patched HTTP client, a fake gateway feed, a virtual clock); ``alice.send(channel,
  text)``, the newest message in its backend (``channel.last_message`` rebuilds the
  whole history); ``alice.slash("say", channel, text=...)``.
* **wiretwin**: what the ``discord_env`` fixture does: a
  :class:`~wiretwin.discord.twin.DiscordTwin` in the test's loop on virtual time
  (``LoopTime``), the unmodified bot logged in over real sockets (REST, gateway, READY,
  GUILD_CREATE) by ``DiscordEnv``; ``alice.send(text, channel)`` returns once the bot has
  finished answering, with what it sent; ``alice.slash("say", channel, text=...)``.

Three scenarios, medians (ms):

a. 80 commands on one world (20 each of the four), per test;
b. a fresh world + the bot logged in + ``!ping`` + teardown, wall and CPU
   (``time.process_time``), one sample per test, garbage collections falling where they
   fall (as in a test run);
c. a slash command round trip on one world (dpytest: "—").

Then the ratios wiretwin / dpytest and wiretwin / SimCord against its targets
(a fresh test within 2x dpytest and at or below SimCord in wall and CPU; a command and a
slash round trip at or below SimCord's). Figures only: nothing is asserted about them (a
wrong reply fails the run).

Run: ``.venv/bin/python benchmarks/discord_suites.py``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from wiretwin.discord.model import Channel
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.looptime import LoopTime
from wiretwin.testing.discord_env import DiscordEnv

GUILD = "Test Server"
CHANNEL = "general"
MEMBER = "alice"
EMBED_COLOR = 0x2ECC71
#: What ``!serverinfo`` answers in the world every suite builds (alice and the bot).
SERVERINFO = f"{GUILD}: 2 members, 1 text channels"


# -- the bot under test (identical for all three) ----------------------------------------


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

    @bot.tree.command(description="Say it back")
    @app_commands.describe(text="what to say")
    async def say(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text)

    return bot


def make_embed(title: str) -> discord.Embed:
    embed = discord.Embed(title=title, description=f"An embed titled {title}",
                          color=EMBED_COLOR)
    embed.add_field(name="field", value=title.upper(), inline=False)
    return embed


def same_embed(got: discord.Embed | dict[str, Any], title: str) -> bool:
    """``got`` (a discord.py embed or its JSON) is ``make_embed(title)``."""
    data = got.to_dict() if isinstance(got, discord.Embed) else got
    want = make_embed(title).to_dict()
    return all(data.get(key) == want[key] for key in ("title", "description", "color",
                                                       "fields"))


# -- the checks (identical for all three) ------------------------------------------------


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
        out.append(Case("!serverinfo", content=SERVERINFO))
        out.append(Case(f"!embed Title {i}", embed_title=f"Title {i}"))
    return out


PING = Case("!ping", content="pong")


class Suite(Protocol):
    """One test tool: open a world with the bot in it, run checks, close it."""

    name: str
    has_slash: bool

    async def open(self, *, slash: bool = False) -> None: ...
    async def command(self, case: Case) -> None: ...
    async def slash(self, text: str) -> None: ...
    async def close(self) -> None: ...


# -- dpytest -----------------------------------------------------------------------------


class Dpytest:
    name = "dpytest 0.7.0"
    has_slash = False

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import discord.ext.test as dpytest
        self.dpytest: Any = dpytest

    async def open(self, *, slash: bool = False) -> None:
        bot = build_bot()
        await bot._async_setup_hook()
        self.dpytest.configure(bot, guilds=[GUILD], text_channels=[CHANNEL],
                               voice_channels=0, members=[MEMBER])

    async def command(self, case: Case) -> None:
        dpytest = self.dpytest
        await dpytest.message(case.text)
        if case.embed_title is not None:
            assert dpytest.verify().message().embed(make_embed(case.embed_title)), case
        else:
            assert dpytest.verify().message().content(case.content), case

    async def slash(self, text: str) -> None:
        raise NotImplementedError("dpytest has no slash commands")

    async def close(self) -> None:
        # dpytest's tutorial tears down so; bot.close() fails on its fake websocket.
        await self.dpytest.empty_queue()


# -- SimCord -----------------------------------------------------------------------------


class Simcord:
    name = "SimCord 3.2.1"
    has_slash = True

    def __init__(self) -> None:
        import simcord
        self.simcord: Any = simcord
        self.run: Any = None

    async def open(self, *, slash: bool = False) -> None:
        bot = build_bot()
        self.run = self.simcord.run(bot)
        self.env = env = await self.run.__aenter__()
        alice = env.create_user(MEMBER)
        guild = env.create_guild(GUILD, owner=alice)  # as in the other two worlds
        self.channel = guild.create_text_channel(CHANNEL)
        self.alice = guild.add_member(alice)
        if slash:
            await bot.tree.sync()

    async def command(self, case: Case) -> None:
        await self.alice.send(self.channel, case.text)
        # SimCord's query, channel.last_message, rebuilds the channel's whole history as
        # discord.py messages (~10 ms at 160 messages); read the newest message from its
        # backend instead, so SimCord is measured on its fastest path.
        reply = next(reversed(self.env.backend.messages[self.channel.id].values()))
        if case.embed_title is not None:
            assert len(reply.embeds) == 1 and same_embed(reply.embeds[0],
                                                         case.embed_title), case
        else:
            assert reply.content == case.content, (case, reply.content)

    async def slash(self, text: str) -> None:
        result = await self.alice.slash(self.channel, "say", text=text)
        assert result.response.content == text, text

    async def close(self) -> None:
        run, self.run = self.run, None
        await run.__aexit__(None, None, None)


# -- wiretwin ----------------------------------------------------------------------------


class Wiretwin:
    """The wiretwin suite as a user's test runs it: what the ``discord_env`` fixture does
    (the twin in the test's loop, on :class:`~wiretwin.runtime.looptime.LoopTime`; the
    unmodified bot logged in by :class:`~wiretwin.testing.discord_env.DiscordEnv`),
    then ``alice.send(...)`` / ``alice.slash(...)`` and the :class:`Outcome` they
    return."""

    name = "wiretwin"
    has_slash = True

    async def open(self, *, slash: bool = False) -> None:
        self.looptime = LoopTime().install()
        try:
            self.twin = twin = await DiscordTwin(clock=self.looptime.clock).start()
            model = twin.model
            alice = model.add_user(MEMBER)
            guild = model.create_guild(GUILD, alice.id)
            model.add_member(guild, model.bot.id)
            self.channel: Channel = model.create_channel(guild, CHANNEL)
            # The twin's bucket of channel messages (50 a second) would make discord.py
            # wait for its reset after 50 replies; the other suites have no rate limits.
            await twin.backend.set_rate_limit("/channels/{channel_id}/messages",
                                              1_000_000, 1.0)
            self.bot = bot = build_bot()
            self.env = await DiscordEnv(twin, bot).start()
            self.alice = self.env.user(MEMBER)
            if slash:
                await bot.tree.sync()
        except BaseException:
            await self.close()
            raise

    async def command(self, case: Case) -> None:
        reply = (await self.alice.send(case.text, self.channel)).message
        if case.embed_title is not None:
            assert len(reply.embeds) == 1 and same_embed(reply.embeds[0],
                                                         case.embed_title), case
        else:
            assert reply.content == case.content, (case, reply.content)

    async def slash(self, text: str) -> None:
        done = await self.alice.slash("say", self.channel, text=text)
        assert done.content == text, done

    async def close(self) -> None:
        try:
            if getattr(self, "env", None) is not None:
                await self.env.stop()
            if getattr(self, "twin", None) is not None:
                await self.twin.stop()
        finally:
            self.env = None  # type: ignore[assignment]
            self.twin = None  # type: ignore[assignment]
            self.looptime.uninstall()


# -- the scenarios -----------------------------------------------------------------------


async def per_check(suite: Suite, checks: list[Callable[[], Awaitable[None]]],
                    *, slash: bool = False) -> list[float]:
    """Open one world, time each check alone, close it: seconds per check."""
    await suite.open(slash=slash)
    samples: list[float] = []
    try:
        for check in checks:
            start = time.perf_counter()
            await check()
            samples.append(time.perf_counter() - start)
    finally:
        await suite.close()
    return samples


async def fresh_test(suite: Suite) -> tuple[float, float]:
    """One whole test: open a world with the bot in it, ``!ping``, close. (wall, CPU)."""
    wall, cpu = time.perf_counter(), time.process_time()
    await suite.open()
    try:
        await suite.command(PING)
    finally:
        await suite.close()
    return time.perf_counter() - wall, time.process_time() - cpu


@dataclass
class Figures:
    command: float
    fresh_wall: float
    fresh_cpu: float
    slash: float | None


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(suites: list[Suite], args: argparse.Namespace) -> dict[str, Figures]:
    """Each suite runs in an event loop (and contextvars context) of its own: SimCord
    leaves its hooks on the loop it ran in and its webhook adapter in the context, which
    would break the others' interactions; in a pytest run each test has its own loop."""
    tests = cases(args.per_command)
    commands_: dict[str, list[float]] = {s.name: [] for s in suites}
    walls: dict[str, list[float]] = {s.name: [] for s in suites}
    cpus: dict[str, list[float]] = {s.name: [] for s in suites}
    slashes: dict[str, list[float]] = {s.name: [] for s in suites}
    runners = {s.name: asyncio.Runner() for s in suites}
    try:
        for _ in range(args.warmup):
            for suite in suites:
                runners[suite.name].run(fresh_test(suite))
        for _ in range(args.repeat):  # alternate the suites, so drift hits all alike
            for suite in suites:
                commands_[suite.name] += runners[suite.name].run(per_check(
                    suite, [partial(suite.command, case) for case in tests]))
        for _ in range(args.fresh):
            for suite in suites:
                wall, cpu = runners[suite.name].run(fresh_test(suite))
                walls[suite.name].append(wall)
                cpus[suite.name].append(cpu)
        for _ in range(args.repeat):
            for suite in suites:
                if suite.has_slash:
                    slashes[suite.name] += runners[suite.name].run(per_check(
                        suite, [partial(suite.slash, f"said {i}")
                                for i in range(args.slashes)], slash=True))
    finally:
        for runner in runners.values():
            runner.close()
    return {s.name: Figures(ms(commands_[s.name]), ms(walls[s.name]), ms(cpus[s.name]),
                            ms(slashes[s.name]) if slashes[s.name] else None)
            for s in suites}


def report(figures: dict[str, Figures], args: argparse.Namespace) -> None:
    dpy, sim, wt = (figures[n] for n in ("dpytest 0.7.0", "SimCord 3.2.1", "wiretwin"))
    rows: list[tuple[str, Callable[[Figures], float | None]]] = [
        (f"{4 * args.per_command} commands on one world, per test", lambda f: f.command),
        ("fresh world + bot + 1 command + teardown, wall", lambda f: f.fresh_wall),
        ("same, CPU", lambda f: f.fresh_cpu),
        ("slash command round trip", lambda f: f.slash),
    ]

    def cell(value: float | None, width: int = 9) -> str:
        return f"{'—':>{width}}" if value is None else f"{value:{width}.3f}"

    def ratio(a: float | None, b: float | None) -> str:
        return f"{'—':>8}" if a is None or b is None else f"{a / b:7.2f}x"

    print(f"ms, median (commands: {args.repeat} x {4 * args.per_command}; fresh tests: "
          f"{args.fresh}; slash: {args.repeat} x {args.slashes})")
    print(f"{'scenario':<50}{'dpytest':>9}{'SimCord':>9}{'wiretwin':>9}"
          f"{'wt/dpy':>9}{'wt/Sim':>9}")
    for label, get in rows:
        print(f"{label:<50}{cell(get(dpy))}{cell(get(sim))}{cell(get(wt))}"
              f"{ratio(get(wt), get(dpy))}{ratio(get(wt), get(sim))}")
    targets = [
        ("fresh test wall <= 2x dpytest", wt.fresh_wall <= 2 * dpy.fresh_wall),
        ("fresh test CPU <= 2x dpytest", wt.fresh_cpu <= 2 * dpy.fresh_cpu),
        ("fresh test wall <= SimCord", wt.fresh_wall <= sim.fresh_wall),
        ("fresh test CPU <= SimCord", wt.fresh_cpu <= sim.fresh_cpu),
        ("command round trip <= SimCord", wt.command <= sim.command),
        ("slash round trip <= SimCord", wt.slash is not None and sim.slash is not None
         and wt.slash <= sim.slash),
    ]
    print("targets:")
    for label, met in targets:
        print(f"  {label:<40}{'met' if met else 'MISSED'}")


def main(args: argparse.Namespace) -> None:
    suites: list[Suite] = [Dpytest(), Simcord(), Wiretwin()]
    report(measure(suites, args), args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--per-command", type=int, default=20,
                        help="commands per kind on one world (4 kinds)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="worlds per suite for the command and slash scenarios")
    parser.add_argument("--fresh", type=int, default=30, help="fresh tests per suite")
    parser.add_argument("--slashes", type=int, default=40,
                        help="slash commands per world (under 50: the twin's "
                        "interaction-callback bucket today)")
    parser.add_argument("--warmup", type=int, default=2,
                        help="fresh tests per suite before measuring (imports, caches)")
    main(parser.parse_args())
