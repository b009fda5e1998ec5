"""Run by a discord.py fork's own interpreter (``python fork_time_bot.py <module>``): the
fork's unmodified ``commands.Bot`` and a Discord twin on one
:class:`~wiretwin.runtime.looptime.LoopTime` (``use_discord_py`` makes the fork's clock
reads follow it), then an hour of loop time: a ``tasks.loop``, ``delete_after``, a
cooldown and the heartbeat. It prints one JSON line of what it saw."""

from __future__ import annotations

import asyncio
import importlib
import itertools
import json
import sys
from typing import Any

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py import use_discord_py
from wiretwin.runtime.looptime import LoopTime

TIMEOUT = 15.0


async def main(module: str) -> dict[str, Any]:
    lib: Any = importlib.import_module(module)
    commands: Any = importlib.import_module(f"{module}.ext.commands")
    tasks: Any = importlib.import_module(f"{module}.ext.tasks")
    with LoopTime() as lt:
        async with DiscordTwin(clock=lt.clock) as twin:
            m = twin.model
            alice = m.add_user("alice")
            guild = m.create_guild("Test Server", alice.id)
            m.add_member(guild, m.bot.id)
            general = m.create_channel(guild, "general")
            intents = lib.Intents.default()
            intents.message_content = True
            bot = commands.Bot(command_prefix="!", intents=intents)
            ready = asyncio.Event()
            ticks: list[float] = []
            errors: list[str] = []

            async def on_ready() -> None:
                ready.set()

            async def on_command_error(ctx: Any, error: Exception) -> None:
                errors.append(type(error).__name__)

            async def flash(ctx: Any) -> None:
                await ctx.send("flash", delete_after=30)

            async def daily(ctx: Any) -> None:
                await ctx.send("daily")

            async def tick() -> None:
                ticks.append(lib.utils.utcnow().timestamp())

            bot.add_listener(on_ready, "on_ready")
            bot.add_listener(on_command_error, "on_command_error")
            bot.add_command(commands.Command(flash, name="flash"))
            bot.add_command(commands.Command(
                commands.cooldown(1, 60, commands.BucketType.user)(daily), name="daily"))
            with use_discord_py(twin, bot, module=module):
                runner = asyncio.create_task(bot.start(twin.application.token))
                try:
                    await asyncio.wait_for(ready.wait(), TIMEOUT)
                    loop = tasks.loop(seconds=60)(tick)
                    loop.start()
                    await lt.advance(120)
                    await twin.message("!flash", general, alice)
                    shown = max(m.messages[general.id])
                    kept = shown in m.messages[general.id]
                    await lt.advance(30)
                    deleted = shown not in m.messages[general.id]
                    for _ in range(2):
                        await twin.message("!daily", general, alice)
                    await lt.advance(60)
                    await twin.message("!daily", general, alice)
                    await lt.advance(3600)
                    loop.cancel()
                    return {
                        "ticks": len(ticks),
                        "gaps": sorted({round(b - a) for a, b in itertools.pairwise(ticks)}),
                        "delete_after": [kept, deleted],
                        "cooldown": [errors, sum(1 for x in m.messages[general.id].values()
                                                 if x.content == "daily")],
                        "identifies": len(twin.journal.frames(direction="in",
                                                              event="IDENTIFY")),
                        "connected": not bot.is_closed(),
                    }
                finally:
                    await bot.close()
                    await asyncio.gather(runner, return_exceptions=True)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
