"""discord.py logs in to the Discord twin and answers a command (the first, smallest check)."""

from __future__ import annotations

import asyncio

import discord
from discord.ext import commands

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py import use_discord_py


async def test_login_ready_and_a_command_reply() -> None:
    async with DiscordTwin() as twin:
        model = twin.model
        alice = model.add_user("alice")
        guild = model.create_guild("Test Server", alice.id)
        model.add_member(guild, model.bot.id)
        general = model.create_channel(guild, "general")
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
        ready = asyncio.Event()

        @bot.listen()
        async def on_ready() -> None:
            ready.set()

        @bot.command()
        async def ping(ctx: commands.Context[commands.Bot]) -> None:
            await ctx.send("pong")

        with use_discord_py(twin, bot):
            runner = asyncio.create_task(bot.start(twin.application.token))
            try:
                await asyncio.wait_for(ready.wait(), 10)
                assert bot.user is not None and bot.user.id == model.bot.id
                assert [g.name for g in bot.guilds] == ["Test Server"]
                model.create_message(general, alice.id, "!ping")
                (reply,) = await twin.journal.wait_for(
                    lambda e: e.kind == "http" and e.detail["method"] == "POST"
                    and e.detail["path"].endswith(f"/channels/{general.id}/messages"))
                assert reply.detail["status"] == 200
                sent = [m for m in model.messages[general.id].values()
                        if m.author_id == model.bot.id]
                assert [m.content for m in sent] == ["pong"]
            finally:
                await bot.close()
                await runner
