"""A guild's rules profile, server-less: in a dpytest world the bot is held to dpytest's
two permission rules (channel overwrites) and nothing else; everywhere else, and for
everyone else, Discord's rules stand."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wiretwin.discord.model import (
    NO_OWNER,
    Application,
    DiscordError,
    DiscordModel,
    Guild,
    GuildRules,
    Overwrite,
    User,
)
from wiretwin.discord.permissions import ALL, Permission
from wiretwin.discord.snapshot import restore, snapshot
from wiretwin.runtime.clock import VirtualClock

BOT, OWNER = 1, 2


class Quiet:
    def dispatch(self, *args: object, **kwargs: object) -> None:
        pass

    def guild_joined(self, guild_id: int) -> None:
        pass

    def wake_at(self, when_ms: float) -> None:
        pass


def _model() -> DiscordModel:
    app = Application(BOT, "app", User(BOT, "bot", bot=True), User(OWNER, "owner"), "t")
    return DiscordModel(Quiet(), VirtualClock(), app)


def _guild(model: DiscordModel, rules: GuildRules) -> tuple[Guild, int]:
    """A guild nobody owns, with alice and then the bot; alice's id."""
    guild = model.create_guild("g", NO_OWNER, rules=rules)
    alice = model.add_user("alice").id
    model.add_member(guild, alice)
    model.add_member(guild, BOT)
    return guild, alice


def test_a_guild_nobody_owns_has_no_owner_member_and_keeps_insertion_order() -> None:
    model = _model()
    guild, alice = _guild(model, GuildRules.DISCORD)
    assert guild.owner_id == NO_OWNER
    assert list(guild.members) == [alice, BOT]
    assert model.guild_create_json(guild, with_members=True)["owner_id"] == "0"


def test_a_dpytest_world_s_guild_create_lists_every_member_in_joining_order() -> None:
    model = _model()
    dpytest, alice = _guild(model, GuildRules.DPYTEST)
    discord, _ = _guild(model, GuildRules.DISCORD)
    listed = model.guild_create_json(dpytest, with_members=False)["members"]
    assert [m["user"]["id"] for m in listed] == [str(alice), str(BOT)]
    listed = model.guild_create_json(discord, with_members=False)["members"]
    assert [m["user"]["id"] for m in listed] == [str(BOT)]


def test_a_channel_name_is_normalised_unless_the_world_says_otherwise() -> None:
    model = _model()
    guild, _ = _guild(model, GuildRules.DISCORD)
    assert model.create_channel(guild, "Text Channel").name == "text-channel"
    assert model.create_channel(guild, "TextChannel_0", normalise_name=False).name \
        == "TextChannel_0"


def test_the_dpytest_bot_may_manage_without_roles_or_hierarchy() -> None:
    model = _model()
    guild, alice = _guild(model, GuildRules.DPYTEST)
    assert model.guild_permissions(guild, BOT) == ALL & ~Permission.ADMINISTRATOR
    model.require_guild(guild, BOT, Permission.MANAGE_ROLES, Permission.BAN_MEMBERS,
                        Permission.KICK_MEMBERS, Permission.MOVE_MEMBERS,
                        Permission.MANAGE_CHANNELS)
    model.require_outranks(guild, BOT, alice)
    top = model.create_role(guild, "top", position=5)
    model.require_role_manageable(guild, BOT, top.id)
    model.require_may_grant(guild, BOT, int(Permission.ADMINISTRATOR), 0)


def test_in_a_dpytest_world_everyone_else_keeps_discord_s_rules() -> None:
    model = _model()
    guild, alice = _guild(model, GuildRules.DPYTEST)
    with pytest.raises(DiscordError) as refused:
        model.require_guild(guild, alice, Permission.BAN_MEMBERS)
    assert refused.value.message == "Missing Permissions"
    with pytest.raises(DiscordError):
        model.require_outranks(guild, alice, BOT)


def test_a_normal_guild_holds_the_bot_to_discord_s_rules() -> None:
    model = _model()
    guild, alice = _guild(model, GuildRules.DISCORD)
    checks: list[Callable[[], None]] = [
        lambda: model.require_guild(guild, BOT, Permission.BAN_MEMBERS),
        lambda: model.require_outranks(guild, BOT, alice),
        lambda: model.require_may_grant(guild, BOT, 8, 0)]
    for check in checks:
        with pytest.raises(DiscordError) as refused:
            check()
        assert (refused.value.status, refused.value.code) == (403, 50013)
        assert refused.value.message == "Missing Permissions"


def test_an_overwrite_still_refuses_the_dpytest_bot_and_the_403_says_why() -> None:
    model = _model()
    guild, _ = _guild(model, GuildRules.DPYTEST)
    channel = model.create_channel(guild, "TextChannel_0", normalise_name=False)
    model.require(channel, BOT, Permission.SEND_MESSAGES, Permission.MANAGE_ROLES,
                  Permission.MANAGE_MESSAGES)
    model.set_overwrite(channel, BOT, 1, 0, int(Permission.SEND_MESSAGES))
    with pytest.raises(DiscordError) as refused:
        model.require(channel, BOT, Permission.SEND_MESSAGES)
    assert (refused.value.status, refused.value.code) == (403, 50013)
    assert refused.value.message == (
        f"Missing Permissions: the bot lacks SEND_MESSAGES in #TextChannel_0: the channel "
        f"overwrite of member {BOT} denies it (allow it there, or delete the overwrite)")


def test_administrator_in_an_overwrite_grants_nothing_and_the_403_says_so() -> None:
    model = _model()
    guild, _ = _guild(model, GuildRules.DPYTEST)
    channel = model.create_channel(guild, "c")
    model.set_overwrite(channel, BOT, 1, int(Permission.ADMINISTRATOR),
                        int(Permission.MANAGE_ROLES))
    with pytest.raises(DiscordError) as refused:
        model.require(channel, BOT, Permission.MANAGE_ROLES)
    assert "ADMINISTRATOR in a channel overwrite grants nothing on Discord" \
        in refused.value.message
    assert "allow MANAGE_ROLES in the overwrite instead" in refused.value.message


def test_an_everyone_overwrite_names_everyone() -> None:
    model = _model()
    guild, _ = _guild(model, GuildRules.DPYTEST)
    channel = model.create_channel(guild, "c", overwrites=[
        Overwrite(guild.id, 0, deny=int(Permission.VIEW_CHANNEL))])
    with pytest.raises(DiscordError) as refused:
        model.require(channel, BOT, Permission.SEND_MESSAGES)
    assert (refused.value.status, refused.value.code) == (403, 50001)
    assert "the channel overwrite of @everyone denies it" in refused.value.message


def test_a_snapshot_keeps_the_rules_and_the_missing_owner() -> None:
    model = _model()
    guild, alice = _guild(model, GuildRules.DPYTEST)
    data = snapshot(model)
    again = _model()
    restore(again, data, attachment_url=lambda *parts: "", drop_sessions=lambda: None)
    restored = again.guilds[guild.id]
    assert restored.rules is GuildRules.DPYTEST
    assert (restored.owner_id, list(restored.members)) == (NO_OWNER, [alice, BOT])
