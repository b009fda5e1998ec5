"""Reading a snapshot back, checking every entry first and naming where it is wrong.

:func:`parse` reads the lists in the order their references need (users, the
application, guilds, roles, channels, members, ...); this module reads the guild-level
objects, :mod:`.parse_channels` channels and threads, :mod:`.parse_messages` messages,
:mod:`.parse_app` the application's commands, webhooks and command permissions.
"""

from __future__ import annotations

from typing import Any

from ..model import NO_OWNER, Application, Guild, GuildRules, Member, Role, User
from ..permissions import DEFAULT_EVERYONE
from ..snowflake import snowflake_time_ms
from .common import DEFAULT_FLAGS, FORMAT, KEYS, AttachmentUrl, SnapshotError
from .parse_app import (
    read_command_permissions,
    read_commands,
    read_emojis,
    read_scheduled_events,
    read_stickers,
    read_webhooks,
)
from .parse_channels import read_channels
from .parse_messages import read_messages
from .reader import Entry, State, guild_of, member_of
from .schema import APPLICATION, GUILD, MEMBER, ROLE, USER


def parse(data: Any, attachment_url: AttachmentUrl) -> State:
    if not isinstance(data, dict):
        raise SnapshotError("a Discord snapshot is an object with application, users, "
                            "guilds, roles, channels, members, bans, voice_states, messages")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise SnapshotError(f"unsupported Discord snapshot format {fmt!r} (this is {FORMAT})")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise SnapshotError(f"unknown Discord snapshot key(s): {', '.join(unknown)}")
    for key in KEYS[2:]:
        if not isinstance(data.get(key, []), list):
            raise SnapshotError(f"{key}: expected a list (an array of tables)")
    users = _users(data.get("users", []))
    if "application" not in data:
        raise SnapshotError("application: missing (the bot's application and token)")
    state = State(_application(data["application"], users), users)
    _guilds(state, data.get("guilds", []))
    _roles(state, data.get("roles", []))
    read_channels(state, data.get("channels", []))
    for guild in state.guilds.values():
        if guild.id not in guild.roles:  # a world may leave @everyone out
            guild.roles = {guild.id: Role(guild.id, guild.id, "@everyone",
                                          int(DEFAULT_EVERYONE)), **guild.roles}
        for key, label in (("afk_channel_id", "afk_channel"),
                           ("system_channel_id", "system_channel")):
            channel_id = getattr(guild, key)
            if channel_id is not None and channel_id not in guild.channels:
                raise SnapshotError(f"guilds[{list(state.guilds).index(guild.id)}]: {label} "
                                    f"{str(channel_id)!r} is not a channel of the guild")
    _members(state, data.get("members", []))
    for guild in state.guilds.values():
        if guild.owner_id not in guild.members and guild.owner_id != NO_OWNER:
            # the owner is always a member
            guild.members[guild.owner_id] = Member(guild.owner_id, guild.id,
                                                   guild.created_ms)
    _bans(state, data.get("bans", []))
    _voice(state, data.get("voice_states", []))
    read_messages(state, data.get("messages", []), attachment_url)
    read_commands(state, data.get("commands", []))
    read_webhooks(state, data.get("webhooks", []))
    read_command_permissions(state, data.get("command_permissions", []))
    read_emojis(state, data.get("emojis", []))
    read_stickers(state, data.get("stickers", []))
    read_scheduled_events(state, data.get("scheduled_events", []))
    return state


def _users(entries: list[Any]) -> dict[int, User]:
    users: dict[int, User] = {}
    for index, raw in enumerate(entries):
        e = Entry(raw, f"users[{index}]", ("id", "username"),
                  USER.optional("id", "username"))
        user_id = e.id("id")
        if user_id in users:
            raise e.fail("id", f"{str(user_id)!r} is used twice")
        users[user_id] = User(user_id, e.text("username"), e.text("discriminator", "0"),
                              e.opt_text("global_name"), e.opt_text("avatar"), e.flag("bot"),
                              e.flag("system"), e.number("public_flags"))
    return users


def _application(raw: Any, users: dict[int, User]) -> Application:
    required = ("id", "token", "bot", "owner")
    e = Entry(raw, "application", required, APPLICATION.optional(*required))
    found = {}
    for key in ("bot", "owner"):
        user = users.get(e.id(key))
        if user is None:
            raise e.fail(key, f"{str(e.id(key))!r} is not in users")
        found[key] = user
    if not found["bot"].bot:
        raise e.fail("bot", f"{found['bot'].username!r} is not a bot user (bot = true)")
    token = e.text("token")
    if not token or any(c.isspace() for c in token):
        raise e.fail("token", "must be a non-empty string without spaces")
    return Application(e.id("id"), e.text("name", "wiretwin app"), found["bot"],
                       found["owner"], token, e.text("description", ""),
                       e.number("flags", DEFAULT_FLAGS), e.text("verify_key", "0" * 64))


def _guilds(state: State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = Entry(raw, f"guilds[{index}]", ("id", "name", "owner"),
                  GUILD.optional("id", "name", "owner"))
        guild_id = e.id("id")
        if guild_id in state.guilds:
            raise e.fail("id", f"{str(guild_id)!r} is used twice")
        owner = e.id("owner")
        if owner not in state.users and owner != NO_OWNER:
            raise e.fail("owner", f"{str(owner)!r} is not in users")
        created = e.time("created_at")
        rules = e.text("rules", GuildRules.DISCORD.value)
        if rules not in {r.value for r in GuildRules}:
            raise e.fail("rules", f"must be one of {[r.value for r in GuildRules]}, "
                                  f"not {rules!r}")
        state.guilds[guild_id] = Guild(
            guild_id, e.text("name"), owner,
            created if created is not None else float(snowflake_time_ms(guild_id)),
            description=e.opt_text("description"), icon=e.opt_text("icon"),
            afk_channel_id=e.opt_id("afk_channel"),
            system_channel_id=e.opt_id("system_channel"),
            verification_level=e.number("verification_level"),
            preferred_locale=e.text("preferred_locale", "en-US"),
            rules=GuildRules(rules))


def _roles(state: State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = Entry(raw, f"roles[{index}]", ("guild", "id", "name"),
                  ROLE.optional("guild", "id", "name"))
        guild = guild_of(state, e)
        role_id = e.id("id")
        if role_id in guild.roles:
            raise e.fail("id", f"{str(role_id)!r} is used twice in the guild")
        guild.roles[role_id] = Role(role_id, guild.id, e.text("name"), e.bits("permissions"),
                                    e.number("position"), e.number("color"), e.flag("hoist"),
                                    e.flag("mentionable"), e.flag("managed"))


def _members(state: State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = Entry(raw, f"members[{index}]", ("guild", "user"),
                  MEMBER.optional("guild", "user"))
        guild, user_id = member_of(state, e)
        if user_id in guild.members:
            raise e.fail("user", f"{str(user_id)!r} is a member twice")
        roles = []
        for role_id in e.ids("roles"):
            if role_id not in guild.roles:
                raise e.fail("roles", f"{str(role_id)!r}: no role with that id in the guild")
            if role_id != guild.id and role_id not in roles:
                roles.append(role_id)
        joined = e.time("joined_at")
        guild.members[user_id] = Member(
            user_id, guild.id, joined if joined is not None else guild.created_ms,
            e.opt_text("nick"), roles, e.flag("deaf"), e.flag("mute"), e.flag("pending"),
            e.time("communication_disabled_until"))


def _bans(state: State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = Entry(raw, f"bans[{index}]", ("guild", "user"), ("reason",))
        guild, user_id = member_of(state, e)
        if user_id in guild.members:
            raise e.fail("user", f"{str(user_id)!r} is both banned and a member")
        guild.bans[user_id] = e.opt_text("reason")


def _voice(state: State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = Entry(raw, f"voice_states[{index}]", ("guild", "user", "channel"), ())
        guild, user_id = member_of(state, e)
        if user_id not in guild.members:
            raise e.fail("user", f"{str(user_id)!r} is not a member of the guild")
        channel = state.channels.get(e.id("channel"))
        if channel is None or not channel.is_voice or channel.guild_id != guild.id:
            raise e.fail("channel", f"{str(e.id('channel'))!r} is not a voice channel of "
                                    "the guild")
        guild.voice_states[user_id] = channel.id
