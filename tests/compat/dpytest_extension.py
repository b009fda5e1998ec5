"""An extension a dpytest suite loads once (tests/compat/test_dpytest_suites_rely_on.py)."""

from __future__ import annotations

from discord.ext import commands


async def setup(bot: commands.Bot) -> None:
    bot.extension_loaded = True  # type: ignore[attr-defined]
