"""The seed's worked example ("How do I simulate a complex guild setup with channels and
roles?"), run for real: dpytest's backend calls against the Discord twin, an unmodified
``commands.Bot`` logged in over the gateway, and dpytest-style ``message``/``verify``.

Two departures from the seed's text, both because the seed does not add up as written:
``member_count`` here counts the members the guild starts with (so 3, and the two
``make_member`` calls make the 5 the seed asserts), and the first ``verify`` peeks,
since dpytest's ``verify().message()`` takes the message it checks off the queue.
"""

from __future__ import annotations

import discord
from discord.ext import commands

from wiretwin.discord.twin import DiscordTwin

from .test_backend import run_bot


def serverinfo_bot() -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())

    @bot.command()
    async def serverinfo(ctx: commands.Context[commands.Bot]) -> None:
        guild = ctx.guild
        assert guild is not None
        await ctx.send(f"**{guild.name}**: {guild.member_count} members, "
                       f"{len(guild.text_channels)} text and {len(guild.voice_channels)} "
                       f"voice channels, {len(guild.roles)} roles")

    @bot.command()
    async def layout(ctx: commands.Context[commands.Bot]) -> None:
        guild = ctx.guild
        assert guild is not None
        lines = []
        for category, channels in guild.by_category():
            name = category.name if category else "(none)"
            lines.append(f"{name}: {', '.join(c.name for c in channels)}")
        await ctx.send("\n".join(lines))

    @bot.command()
    async def whocan(ctx: commands.Context[commands.Bot], channel: discord.TextChannel
                     ) -> None:
        assert ctx.guild is not None
        readers = sorted(m.display_name for m in ctx.guild.members
                         if channel.permissions_for(m).read_messages and not m.bot)
        await ctx.send(f"#{channel.name}: {', '.join(readers)}")

    return bot


async def test_complex_guild_setup(twin: DiscordTwin) -> None:
    backend = twin.backend
    bot = serverinfo_bot()
    async with run_bot(twin, bot):
        assert bot.user is not None
        # Create guild with specific settings
        guild = await backend.make_guild(
            name="Test Server",
            owner_id=bot.user.id,
            member_count=3,
        )

        # Create categories
        text_category = await backend.make_category(name="Text Channels", guild=guild)
        voice_category = await backend.make_category(name="Voice Channels", guild=guild)

        # Create text channels
        general = await backend.make_text_channel(
            name="general", guild=guild, category=text_category)
        admin = await backend.make_text_channel(
            name="admin-only", guild=guild, category=text_category)

        # Create voice channels
        await backend.make_voice_channel(
            name="General Voice", guild=guild, category=voice_category)

        # Create roles
        admin_role = await backend.make_role(
            name="Admin", guild=guild, permissions=discord.Permissions.all())
        mod_role = await backend.make_role(
            name="Moderator", guild=guild,
            permissions=discord.Permissions(manage_messages=True, kick_members=True))

        # Set channel permissions
        await backend.set_channel_permission_overrides(
            channel=admin, target=admin_role,
            allow=discord.Permissions(read_messages=True),
            deny=discord.Permissions(mention_everyone=True))
        await backend.set_channel_permission_overrides(
            channel=admin, target=guild.everyone,
            deny=discord.Permissions(read_messages=True))

        # Add members with roles
        await backend.make_member(name="Admin User", guild=guild, roles=[admin_role])
        await backend.make_member(name="Mod User", guild=guild, roles=[mod_role])

        # Test your bot's functionality with this setup
        await twin.message("!serverinfo")
        assert twin.verify().message().peek().contains().content("Test Server")
        assert twin.verify().message().contains().content("5 members")
        assert twin.verify().message().nothing()

        await twin.message("!serverinfo", general)
        assert twin.verify().message().content(
            "**Test Server**: 5 members, 2 text and 1 voice channels, 3 roles")

        await twin.message("!layout", general)
        assert twin.verify().message().content(
            "Text Channels: general, admin-only\nVoice Channels: General Voice")

        # The overwrites are Discord's: only the Admin role (and the bot, the owner) read
        # #admin-only; everyone else is denied by the @everyone overwrite.
        await twin.message(f"!whocan <#{admin.id}>", general)
        assert twin.verify().message().content("#admin-only: Admin User")
        await twin.message(f"!whocan <#{general.id}>", general)
        assert twin.verify().message().contains().content("Mod User")
