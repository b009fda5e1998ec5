"""dpytest's world in a Discord twin, as a real discord.py bot sees it once logged in:
the guild, members, channels and roles dpytest builds, in its order, and the bot held to
the two permission rules dpytest holds it to (channel overwrites) and no others."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
from discord.ext import commands

from tests.e2e.discord.bots import run_bot
from wiretwin.compat.dpytest.world import DPYTEST_EVERYONE, build_dpytest_world
from wiretwin.discord.model import ChannelType
from wiretwin.discord.twin import DiscordTwin


@pytest.fixture
async def twin() -> AsyncIterator[DiscordTwin]:
    async with DiscordTwin() as made:
        yield made


def dpytest_bot() -> commands.Bot:
    """The bot of dpytest's own conftest: default intents plus members and content."""
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    return commands.Bot(command_prefix="!", intents=intents)


def test_dpytest_s_everyone_permissions_are_its_104324161() -> None:
    assert DPYTEST_EVERYONE == 104324161


async def test_the_bot_sees_dpytest_s_guild_in_dpytest_s_order(twin: DiscordTwin) -> None:
    world = build_dpytest_world(twin.model, twin.model.bot.id, text_channels=2, members=2)
    async with run_bot(twin, dpytest_bot()) as run:
        (guild,) = run.bot.guilds
        me = guild.me
        assert guild.name == "Test Guild 0"
        assert [(m.name, m.nick, m.discriminator) for m in guild.members] == [
            ("TestUser0", "TestUser0_0_nick", "0001"),
            ("TestUser1", "TestUser1_1_nick", "0002"),
            (me.name, f"{me.name}_nick", me.discriminator)]
        assert guild.members[-1] == me and guild.members[0] != me
        assert (guild.owner_id, guild.owner, guild.member_count) == (0, None, 3)
        assert [(c.name, c.position) for c in guild.text_channels] == [
            ("TextChannel_0", 1), ("TextChannel_1", 2)]
        assert [(c.name, c.position) for c in guild.voice_channels] == [
            ("VoiceChannel_0", 1)]
        assert [(r.name, r.position, r.permissions.value) for r in guild.roles] == [
            ("@everyone", 0, 104324161)]
        assert me.roles == [guild.default_role]
        # discord.py computes the bot's own permissions from its roles, as under dpytest.
        assert me.guild_permissions.value == 104324161
        assert world.guild_ids == [guild.id]
        assert world.channel_ids == [c.id for c in guild.text_channels + guild.voice_channels]
        assert world.member_ids == [(guild.id, m.id) for m in guild.members[:2]]


async def test_named_guilds_channels_and_members_keep_their_names(twin: DiscordTwin) -> None:
    build_dpytest_world(twin.model, twin.model.bot.id, guilds=["CoolGuild", "LameGuild"],
                        text_channels=["Fruits", "Videogames"],
                        voice_channels=["Apples", "Bananas"],
                        members=["Joe", "Jack", "William"])
    async with run_bot(twin, dpytest_bot()) as run:
        assert [g.name for g in run.bot.guilds] == ["CoolGuild", "LameGuild"]
        first, second = run.bot.guilds
        for guild in (first, second):
            assert [c.name for c in guild.text_channels] == ["Fruits", "Videogames"]
            assert [(c.name, c.position) for c in guild.voice_channels] == [
                ("Apples", 1), ("Bananas", 2)]
            assert [m.name for m in guild.members[:3]] == ["Joe", "Jack", "William"]
            assert guild.members[3] == guild.me and len(guild.members) == 4
        # dpytest makes each guild's users anew.
        assert {m.id for m in first.members[:3]}.isdisjoint(m.id for m in second.members)


async def test_the_bot_manages_roles_members_bans_voice_and_channels(
        twin: DiscordTwin) -> None:
    build_dpytest_world(twin.model, twin.model.bot.id, voice_channels=2, members=3)
    async with run_bot(twin, dpytest_bot()) as run:
        guild = run.bot.guilds[0]
        first, second, third = guild.members[:3]
        async with twin.settle():
            staff = await guild.create_role(name="Staff")
            await first.add_roles(staff)
            await guild.create_role(name="TestRole")
        assert staff in first.roles
        assert len(guild.roles) == 3  # no role for the bot
        role = guild.roles[1]
        async with twin.settle():
            await role.edit(permissions=discord.Permissions(8), colour=discord.Color.red(),
                            hoist=True, mentionable=True, position=2)
        assert guild.roles[2] == role and role.permissions.administrator
        async with twin.settle():
            await first.remove_roles(staff)
            await first.edit(nick="renamed")
            await staff.delete()
        assert (staff not in first.roles, first.nick, len(guild.roles)) == (
            True, "renamed", 2)

        async with twin.settle():
            await guild.ban(first)
        assert guild.get_member(first.id) is None
        await guild.unban(first)
        async with twin.settle():
            await guild.kick(second)
        assert guild.get_member(second.id) is None

        lounge, other = guild.voice_channels
        async with twin.settle():
            await twin.backend.change_voice_state(third.id, lounge.id)
        async with twin.settle():
            await third.move_to(other)
        assert third.voice is not None and third.voice.channel == other
        async with twin.settle():
            await third.move_to(None)
        assert third.voice is None

        made = await guild.create_text_channel("New Channel")
        assert made.name == "new-channel"  # over REST, names are Discord's
        assert (await guild.create_voice_channel("Room")).name == "Room"


async def test_channel_overwrites_still_refuse_the_bot_and_say_why(twin: DiscordTwin) -> None:
    build_dpytest_world(twin.model, twin.model.bot.id)
    async with run_bot(twin, dpytest_bot()) as run:
        guild = run.bot.guilds[0]
        channel, member, me = guild.text_channels[0], guild.members[0], guild.me
        send, manage = discord.Permissions(send_messages=True), \
            discord.Permissions(manage_roles=True)

        await twin.backend.set_channel_permission_overrides(channel.id, me.id,
                                                            deny=send.value)
        with pytest.raises(discord.Forbidden) as refused:
            await channel.send("hello")
        assert refused.value.code == 50013
        assert "the bot lacks SEND_MESSAGES in #TextChannel_0: the channel overwrite of " \
               f"member {me.id} denies it" in refused.value.text

        await twin.backend.set_channel_permission_overrides(channel.id, me.id,
                                                            deny=manage.value)
        with pytest.raises(discord.Forbidden) as refused:
            await channel.set_permissions(member, send_messages=False)
        assert "MANAGE_ROLES" in refused.value.text

        await twin.backend.set_channel_permission_overrides(channel.id, me.id,
                                                            allow=manage.value)
        await channel.set_permissions(member, send_messages=False, read_messages=True,
                                      ban_members=True)
        await channel.send("allowed again")

        await twin.backend.set_channel_permission_overrides(
            channel.id, me.id, allow=discord.Permissions(administrator=True).value,
            deny=manage.value)
        with pytest.raises(discord.Forbidden) as refused:
            await channel.set_permissions(member, kick_members=True)
        assert "ADMINISTRATOR in a channel overwrite grants nothing on Discord" \
            in refused.value.text


async def test_discord_s_other_rules_still_answer_with_what_they_are(
        twin: DiscordTwin) -> None:
    build_dpytest_world(twin.model, twin.model.bot.id)
    async with run_bot(twin, dpytest_bot()) as run:
        guild = run.bot.guilds[0]
        with pytest.raises(discord.HTTPException) as refused:
            await run.bot.http.create_channel(guild.id, discord.ChannelType.voice.value)
        assert (refused.value.status, refused.value.code) == (400, 50035)
        assert "name" in refused.value.text and "required" in refused.value.text


async def test_the_bot_moves_a_member_into_voice_in_dpytest_s_world_only(
        twin: DiscordTwin) -> None:
    """dpytest's fake client let the bot "move" a member who was in no voice channel;
    Discord answers 40032. The dpytest world keeps dpytest's way; a normal guild
    Discord's."""
    build_dpytest_world(twin.model, twin.model.bot.id)
    normal = twin.model.create_guild("Normal", twin.model.application.owner.id)
    twin.model.create_channel(normal, "Lounge", ChannelType.GUILD_VOICE)
    alice = twin.model.add_user("alice")
    twin.model.add_member(normal, alice.id)
    movers = twin.model.create_role(normal, "movers",
                                    discord.Permissions(move_members=True).value)
    twin.model.add_member(normal, twin.model.bot.id, roles=[movers.id])
    async with run_bot(twin, dpytest_bot()) as run:
        dpytest_guild, normal_guild = sorted(run.bot.guilds, key=lambda g: g.name)[::-1]
        assert dpytest_guild.name == "Test Guild 0"
        member = dpytest_guild.members[0]
        async with twin.settle():
            await member.move_to(dpytest_guild.voice_channels[0])
        assert member.voice is not None
        assert member.voice.channel == dpytest_guild.voice_channels[0]
        async with twin.settle():
            await member.move_to(None)
        assert member.voice is None
        stranger = normal_guild.get_member(alice.id)
        assert stranger is not None
        with pytest.raises(discord.HTTPException) as refused:
            await stranger.move_to(normal_guild.voice_channels[0])
        assert (refused.value.status, refused.value.code) == (400, 40032)
