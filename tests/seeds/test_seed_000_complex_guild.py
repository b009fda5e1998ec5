"""Seed 000's worked example ("How do I simulate a complex guild setup with channels and
roles?"), as the seed wrote it: only the imports below differ (dpytest's module and
backend from wiretwin). Its bot and fixture are in conftest.py."""

import discord
import pytest

import wiretwin.compat.dpytest as dpytest
from wiretwin.compat.dpytest import backend


@pytest.mark.asyncio
async def test_complex_guild_setup(bot):
    # Create guild with specific settings
    guild = await backend.make_guild(
        name="Test Server",
        owner_id=bot.user.id,
        member_count=5
    )

    # Create categories
    text_category = await backend.make_category(
        name="Text Channels",
        guild=guild
    )
    voice_category = await backend.make_category(
        name="Voice Channels",
        guild=guild
    )

    # Create text channels
    general = await backend.make_text_channel(
        name="general",
        guild=guild,
        category=text_category
    )
    admin = await backend.make_text_channel(
        name="admin-only",
        guild=guild,
        category=text_category
    )

    # Create voice channels
    voice = await backend.make_voice_channel(
        name="General Voice",
        guild=guild,
        category=voice_category
    )

    # Create roles
    admin_role = await backend.make_role(
        name="Admin",
        guild=guild,
        permissions=discord.Permissions.all()
    )
    mod_role = await backend.make_role(
        name="Moderator",
        guild=guild,
        permissions=discord.Permissions(
            manage_messages=True,
            kick_members=True
        )
    )

    # Set channel permissions
    await backend.set_channel_permission_overrides(
        channel=admin,
        target=admin_role,
        allow=discord.Permissions(read_messages=True),
        deny=discord.Permissions(mention_everyone=True)
    )

    # Add members with roles
    admin_member = await backend.make_member(
        name="Admin User",
        guild=guild,
        roles=[admin_role]
    )
    mod_member = await backend.make_member(
        name="Mod User",
        guild=guild,
        roles=[mod_role]
    )

    # Test your bot's functionality with this setup
    await dpytest.message("!serverinfo")
    assert dpytest.verify().message().contains().content("Test Server")
    assert dpytest.verify().message().contains().content("5 members")
