"""One virtual time for a real discord.py bot and the Discord twin in one event loop.

The twin runs on a :class:`~wiretwin.runtime.looptime.LoopTime`'s clock in the test's
loop; ``use_discord_py`` (inside ``run_bot``) makes discord.py's own clock reads follow
the same time. ``await lt.advance(s)`` then fires the bot's timers (``tasks.loop``,
``asyncio.sleep``, view timeouts, ``delete_after``, cooldown windows, its heartbeat
thread) and the twin's (heartbeat checks, token lifetimes) in order, with no real waiting.
Time assertions are on loop time, never on the wall clock.
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import discord
import hikari
import pytest
from discord import app_commands
from discord.ext import commands, tasks

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py import use_discord_py
from wiretwin.drivers.hikari import hikari_kwargs
from wiretwin.runtime.looptime import LoopTime

from .bots import build_world, dispatches, gateway_in, listen, next_event, run_bot

ROOT = Path(__file__).resolve().parents[3]
Ctx = commands.Context[commands.Bot]
Inter = discord.Interaction[commands.Bot]


@pytest.fixture
async def lt() -> AsyncIterator[LoopTime]:
    with LoopTime() as looptime:
        yield looptime


def make_bot() -> commands.Bot:
    return commands.Bot(command_prefix="!", intents=discord.Intents.all())


def last_content(twin: DiscordTwin, channel_id: int) -> str:
    messages = twin.model.messages[channel_id]
    return messages[max(messages)].content


async def test_tasks_loop_iterates_on_the_minute_and_the_session_stays_up(
        lt: LoopTime) -> None:
    async with DiscordTwin(clock=lt.clock) as twin:
        build_world(twin)
        bot = make_bot()
        ticks: list[datetime.datetime] = []

        @tasks.loop(seconds=60)
        async def tick() -> None:
            ticks.append(discord.utils.utcnow())

        async with run_bot(twin, bot):
            identifies, beats = len(gateway_in(twin, 2)), len(gateway_in(twin, 1))
            tick.start()
            await lt.quiet()
            assert len(ticks) == 1
            await lt.advance(59.9)
            assert len(ticks) == 1
            await lt.advance(0.1)
            assert len(ticks) == 2
            await lt.advance(60)
            assert len(ticks) == 3
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(ticks)]
            assert all(abs(gap - 60) < 0.5 for gap in gaps), gaps
            # Two and a half hours: the heartbeat thread kept pace with the twin's checks.
            await lt.advance(9000)
            assert len(ticks) == 153
            assert len(gateway_in(twin, 2)) == identifies and not gateway_in(twin, 6)
            assert len(gateway_in(twin, 1)) - beats >= 9000 // 42
            assert bot.ws is not None and not bot.is_closed()
            tick.cancel()


async def test_a_long_sleep_in_a_command_ends_with_its_reply(lt: LoopTime) -> None:
    async with DiscordTwin(clock=lt.clock) as twin:
        world = build_world(twin)
        bot = make_bot()

        @bot.command()
        async def remind(ctx: Ctx) -> None:
            await ctx.send("in an hour")
            await asyncio.sleep(3600)
            await ctx.send("time's up")

        async with run_bot(twin, bot):
            await twin.message("!remind", world.general, world.alice)  # returns at once
            assert last_content(twin, world.general.id) == "in an hour"
            await lt.advance(3599)
            assert last_content(twin, world.general.id) == "in an hour"
            assert await lt.advance(1) >= 1
            assert last_content(twin, world.general.id) == "time's up"


class Poll(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=180)
        self.timed_out = asyncio.Event()

    @discord.ui.button(label="yes", custom_id="poll:yes")
    async def yes(self, interaction: Inter, button: discord.ui.Button[Poll]) -> None:
        await interaction.response.send_message("counted", ephemeral=True)

    async def on_timeout(self) -> None:
        self.timed_out.set()


async def test_a_view_times_out_after_its_timeout_not_before(lt: LoopTime) -> None:
    async with DiscordTwin(clock=lt.clock) as twin:
        world = build_world(twin)
        bot = make_bot()
        views: list[Poll] = []

        @bot.command()
        async def poll(ctx: Ctx) -> None:
            views.append(Poll())
            await ctx.send("vote", view=views[-1])

        async with run_bot(twin, bot):
            await twin.message("!poll", world.general, world.alice)
            (view,) = views
            await lt.advance(179)
            assert not view.timed_out.is_set() and not view.is_finished()
            await lt.advance(1)
            assert view.timed_out.is_set() and view.is_finished()


async def test_delete_after_returns_at_once_and_deletes_when_due(lt: LoopTime) -> None:
    async with DiscordTwin(clock=lt.clock) as twin:
        world = build_world(twin)
        bot = make_bot()

        @bot.command()
        async def flash(ctx: Ctx) -> None:
            await ctx.send("now you see me", delete_after=30)

        async with run_bot(twin, bot):
            await twin.message("!flash", world.general, world.alice)
            assert lt.offset == 0.0  # no time moved: the driver did not wait for the timer
            shown = twin.model.messages[world.general.id][max(twin.model.messages[
                world.general.id])]
            assert shown.content == "now you see me"
            await lt.advance(29)
            assert shown.id in twin.model.messages[world.general.id]
            await lt.advance(1)
            assert shown.id not in twin.model.messages[world.general.id]
            deleted = dispatches(twin, "MESSAGE_DELETE")
            assert [e.json["d"]["id"] for e in deleted] == [str(shown.id)]


async def test_command_cooldowns_open_again_after_their_window(lt: LoopTime) -> None:
    async with DiscordTwin(clock=lt.clock) as twin:
        world = build_world(twin)
        bot = make_bot()

        @bot.command()
        @commands.cooldown(1, 60, commands.BucketType.user)
        async def daily(ctx: Ctx) -> None:
            await ctx.send("here is your daily")

        async with run_bot(twin, bot) as run:
            await twin.message("!daily", world.general, world.alice)
            await twin.message("!daily", world.general, world.alice)
            error = await run.command_error()
            assert isinstance(error, commands.CommandOnCooldown)
            assert 59 < error.retry_after <= 60
            await lt.advance(59)
            await twin.message("!daily", world.general, world.alice)
            assert isinstance(await run.command_error(), commands.CommandOnCooldown)
            await lt.advance(1)
            await twin.message("!daily", world.general, world.alice)
            assert run.command_errors.empty()
            daily_posts = [m for m in twin.model.messages[world.general.id].values()
                           if m.content == "here is your daily"]
            assert len(daily_posts) == 2


async def test_app_command_cooldowns_and_the_twins_token_lifetime_share_the_time(
        lt: LoopTime) -> None:
    async with DiscordTwin(clock=lt.clock) as twin:
        build_world(twin)
        bot = make_bot()
        errors = listen(bot, "on_app_command_error")
        outcomes: list[tuple[int, str]] = []

        @bot.tree.command(description="Answers after a delay")
        @app_commands.checks.cooldown(1, 60)
        async def later(interaction: Inter, minutes: int) -> None:
            await interaction.response.defer()
            await asyncio.sleep(minutes * 60)
            try:
                await interaction.followup.send(f"after {minutes} min")
                outcomes.append((minutes, "sent"))
            except discord.HTTPException as exc:
                outcomes.append((minutes, f"{exc.status} {exc.code}"))

        async def on_tree_error(interaction: Inter,
                                error: app_commands.AppCommandError) -> None:
            bot.dispatch("app_command_error", interaction, error)

        bot.tree.on_error = on_tree_error  # type: ignore[method-assign]

        async with run_bot(twin, bot):
            await bot.tree.sync()
            await twin.slash("later", minutes=14)
            await twin.slash("later", minutes=1)  # within the 60 s cooldown: refused
            _, error = await next_event(errors)
            assert isinstance(error, app_commands.CommandOnCooldown)
            await lt.advance(60)
            await twin.slash("later", minutes=15)  # its token dies 15 min after it came
            await lt.advance(16 * 60)
            # The bot's sleeps ended in order, the first inside the token's 15 minutes,
            # the second one second past them (the twin's clock said so, too).
            assert outcomes == [(14, "sent"), (15, "401 50027")]
            refused = [e for e in twin.journal.http(method="POST")
                       if f"/webhooks/{twin.application.id}/" in e.detail["path"]
                       and e.detail["status"] == 401]
            assert len(refused) == 1


async def test_run_until_makes_the_guild_ready_wait_of_login_free(lt: LoopTime) -> None:
    async with DiscordTwin(clock=lt.clock) as twin:
        build_world(twin)
        bot = make_bot()
        assert bot._connection.guild_ready_timeout == 2.0  # discord.py's default
        ready = asyncio.Event()

        async def on_ready() -> None:
            ready.set()

        bot.add_listener(on_ready, "on_ready")
        with use_discord_py(twin):  # no client given: its 2 s wait is left as it is
            task = asyncio.create_task(bot.start(twin.application.token))
            try:
                await lt.run_until(ready.wait(), limit=10)
                # The 2 s wait after the last GUILD_CREATE was skipped in loop time.
                assert 1.9 <= lt.offset <= 2.1
                assert bot.is_ready() and len(bot.guilds) == 1
            finally:
                await bot.close()
                await task


@pytest.mark.parametrize(("venv", "module"), [
    (".venv-nextcord", "nextcord"), (".venv-py-cord", "discord"), (".venv-disnake", "disnake"),
])
async def test_the_forks_follow_loop_time_too(venv: str, module: str) -> None:
    root = ROOT
    python = root / venv / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{venv} is missing: run `make test`, which makes it")
    proc = await asyncio.create_subprocess_exec(
        str(python), str(Path(__file__).with_name("fork_time_bot.py")), module, cwd=root,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode(errors="replace")[-3000:]
    seen = json.loads(out.decode().strip().splitlines()[-1])
    # 2 min + 30 s + 1 min + 1 h of loop time: iterations at 0, 60, ... 3780 s.
    assert seen == {"ticks": 64, "gaps": [60], "delete_after": [True, True],
                    "cooldown": [["CommandOnCooldown"], 2], "identifies": 1,
                    "connected": True}


async def test_hikari_needs_no_shim_its_heartbeat_runs_on_loop_time(lt: LoopTime) -> None:
    async with DiscordTwin(clock=lt.clock) as twin:
        build_world(twin)
        bot = hikari.GatewayBot(**hikari_kwargs(twin), banner=None, logs=None,
                                intents=hikari.Intents.ALL_UNPRIVILEGED)
        try:
            await asyncio.wait_for(bot.start(check_for_updates=False), 10)
            beats = len(gateway_in(twin, 1))
            await lt.advance(3600)
            assert len(gateway_in(twin, 1)) - beats >= 3600 // 42
            assert len(gateway_in(twin, 2)) == 1 and not gateway_in(twin, 6)
            assert bot.is_alive
        finally:
            await bot.close()


async def test_on_real_time_message_returns_before_delete_after_and_long_sleeps() -> None:
    # No LoopTime: the twin and the bot on real time, as a plain test runs them.
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = make_bot()

        @bot.command()
        async def flash(ctx: Ctx) -> None:
            await ctx.send("now you see me", delete_after=30)
            await asyncio.sleep(600)  # parked well past the driver's 5 s: not waited for
            await ctx.send("never, in this test")

        async with run_bot(twin, bot):
            # Returns, rather than raising "the bot was still busy after 5s".
            await twin.message("!flash", world.general, world.alice)
            assert last_content(twin, world.general.id) == "now you see me"


async def test_the_admin_api_advances_loop_time_for_the_bot_too(lt: LoopTime) -> None:
    async with DiscordTwin(clock=lt.clock) as twin, aiohttp.ClientSession() as http:
        build_world(twin)
        bot = make_bot()
        ticks: list[int] = []

        @tasks.loop(seconds=60)
        async def tick() -> None:
            ticks.append(1)

        async with run_bot(twin, bot):
            tick.start()
            await lt.quiet()
            async with http.get(twin.http_url("/_wiretwin/clock")) as response:
                clock = await response.json()
            assert clock["virtual"] is True and clock["pending_timers"] >= 1
            assert 0 <= clock["next_due"] <= 60
            async with http.post(twin.http_url("/_wiretwin/clock/advance"),
                                 json={"seconds": 60}) as response:
                assert response.status == 200 and (await response.json())["fired"] >= 1
            assert len(ticks) == 2
            tick.cancel()
