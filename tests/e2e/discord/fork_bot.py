"""Run by a discord.py fork's own interpreter (``python fork_bot.py <module>``): nextcord
and py-cord install a ``discord`` package of their own, so each lives in a venv of its own
(the Makefile makes them) and this script does the whole round trip there: a Discord
twin, the fork's unmodified ``commands.Bot`` pointed at it with ``use_discord_py``, a real
login, and ``!ping`` answered. It prints one JSON line of what it saw."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from typing import Any

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py import use_discord_py

TIMEOUT = 15.0


async def main(module: str) -> dict[str, Any]:
    lib: Any = importlib.import_module(module)
    commands: Any = importlib.import_module(f"{module}.ext.commands")
    async with DiscordTwin() as twin:
        m = twin.model
        alice = m.add_user("alice")
        guild = m.create_guild("Test Server", alice.id)
        m.add_member(guild, m.bot.id)
        general = m.create_channel(guild, "general")
        intents = lib.Intents.default()
        intents.message_content = True
        intents.members = True
        bot = commands.Bot(command_prefix="!", intents=intents)
        ready = asyncio.Event()

        async def on_ready() -> None:
            ready.set()

        async def ping(ctx: Any) -> None:
            await ctx.send(f"pong from {module}")

        bot.add_listener(on_ready, "on_ready")
        bot.add_command(commands.Command(ping, name="ping"))
        with use_discord_py(twin, bot, module=module):
            runner = asyncio.create_task(bot.start(twin.application.token))
            try:
                await asyncio.wait_for(ready.wait(), TIMEOUT)
                await twin.message("!ping", general, alice)
                (identify,) = twin.journal.frames(direction="in", event="IDENTIFY")
                return {
                    "library": lib.__title__ if hasattr(lib, "__title__") else module,
                    "version": lib.__version__,
                    "user_id": bot.user.id == m.bot.id,
                    "guilds": [g.name for g in bot.guilds],
                    "reply": twin.backend.get_message().content,
                    "token_sent": identify.json["d"]["token"] == twin.application.token,
                }
            finally:
                await bot.close()
                await asyncio.gather(runner, return_exceptions=True)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
