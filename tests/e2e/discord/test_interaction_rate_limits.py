"""Interaction callbacks are not rate limited the way bucketed routes are: the real
discord.py answers 120 slash commands in one twin without ever holding back on a rate
limit, as against Discord (where the callback route carries no bucket headers and each
interaction's followups have a bucket of their own, keyed by its token)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import discord
import pytest
from discord.ext import commands

from wiretwin.discord.http.ratelimits import RATE_LIMIT_HEADERS
from wiretwin.discord.twin import DiscordTwin

from .bots import build_world, run_bot

COMMANDS = 120


def make_bot() -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

    @bot.tree.command(description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    @bot.tree.command(description="Think, then answer twice")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("thought about it")
        await interaction.followup.send("one more thing")

    return bot


@pytest.fixture
async def twin() -> AsyncIterator[DiscordTwin]:
    async with DiscordTwin() as made:
        build_world(made)
        bot = make_bot()
        async with run_bot(made, bot):
            await bot.tree.sync()
            yield made


def held_back(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What discord.py logged about waiting on a rate limit: its HTTP client's "bucket
    ... has been exhausted" and "rate limited", its webhook adapter's (callbacks and
    followups) "has exhausted its rate limit bucket" (then it sleeps until the reset)."""
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.name.startswith("discord")
            and ("exhausted" in r.getMessage() or "rate limited" in r.getMessage())]


async def test_120_slash_commands_never_make_discord_py_wait(
        twin: DiscordTwin, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="discord.webhook")
    caplog.set_level(logging.DEBUG, logger="discord.http")
    for n in range(COMMANDS):
        interaction = await twin.slash("slow" if n % 10 == 0 else "ping")
        assert interaction.replies, interaction.describe()
    assert held_back(caplog) == []
    http = twin.journal.http()
    callbacks = [e for e in http if e.detail["path"].endswith("/callback")]
    assert len(callbacks) == COMMANDS
    assert {e.detail["status"] for e in callbacks} == {200}
    assert not [h for e in callbacks for h in e.detail["response_headers"]
                if h.lower().startswith("x-ratelimit")]
    # Followups are bucketed, one bucket per interaction token: each is 2 of 50.
    followups = [e for e in http if e.detail["method"] == "POST"
                 and "/webhooks/" in e.detail["path"]]
    assert len(followups) == 2 * (COMMANDS // 10)
    assert all(set(RATE_LIMIT_HEADERS) <= set(e.detail["response_headers"])
               for e in followups)
    assert [e.detail["response_headers"]["X-RateLimit-Remaining"] for e in followups] == [
        "49", "48"] * (COMMANDS // 10)
