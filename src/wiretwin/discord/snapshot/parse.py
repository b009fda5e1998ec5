"""Reading a snapshot back, checking every entry first and naming where it is wrong."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..appcommands import check_command
from ..model import (
    Application,
    Attachment,
    Channel,
    ChannelType,
    DiscordError,
    Guild,
    Member,
    Message,
    Overwrite,
    Reaction,
    Role,
    User,
    Webhook,
)
from ..model.entities import THREAD_TYPES, ThreadInfo, emoji_key
from ..permissions import DEFAULT_EVERYONE
from ..snowflake import snowflake_time_ms
from .common import _EPOCH, _KEYS, DEFAULT_FLAGS, FORMAT, AttachmentUrl, SnapshotError

# -- parsing ----------------------------------------------------------------------------


@dataclass
class _State:
    application: Application
    users: dict[int, User]
    guilds: dict[int, Guild] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    messages: dict[int, dict[int, Message]] = field(default_factory=dict)
    dms: dict[frozenset[int], int] = field(default_factory=dict)
    commands: dict[int, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    command_permissions: dict[tuple[int, int], list[dict[str, Any]]] = field(
        default_factory=dict)


class _Entry:
    """One snapshot entry being read: typed getters whose errors say where."""

    def __init__(self, data: Any, where: str, required: tuple[str, ...],
                 optional: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            raise SnapshotError(f"{where}: expected an object (a table)")
        missing = [k for k in required if data.get(k) is None]
        if missing:
            raise SnapshotError(f"{where}: missing {', '.join(missing)}")
        extra = sorted(set(data) - set(required) - set(optional))
        if extra:
            raise SnapshotError(f"{where}: unknown key(s) {', '.join(extra)}")
        self.data = data
        self.where = where

    def fail(self, key: str, message: str) -> SnapshotError:
        return SnapshotError(f"{self.where}: {key} {message}")

    def id(self, key: str) -> int:
        value = self.data[key]
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 64:
            return value
        if isinstance(value, str) and value.isdigit() and int(value) < 1 << 64:
            return int(value)
        raise self.fail(key, f"must be a snowflake (digits), not {value!r}")

    def opt_id(self, key: str) -> int | None:
        return None if self.data.get(key) is None else self.id(key)

    def ids(self, key: str) -> list[int]:
        values = self.data.get(key) or []
        if not isinstance(values, list):
            raise self.fail(key, "must be a list of ids")
        out = []
        for index, value in enumerate(values):
            out.append(_Entry({"id": value}, f"{self.where}.{key}[{index}]", ("id",),
                              ()).id("id"))
        return out

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {value!r}")
        return value

    def opt_text(self, key: str) -> str | None:
        return None if self.data.get(key) is None else self.text(key)

    def number(self, key: str, default: int = 0) -> int:
        value = self.data.get(key, default)
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise self.fail(key, f"must be an integer, not {value!r}")

    def bits(self, key: str) -> int:
        """Permission bits: an integer or a string of digits."""
        value = self.data.get(key, 0)
        if isinstance(value, str) and value.isdigit():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise self.fail(key, f"must be permission bits (digits), not {value!r}")

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def time(self, key: str) -> float | None:
        """Epoch milliseconds (to the microsecond) from an ISO 8601 string or datetime."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(key, f"is not an ISO 8601 time: {value!r}") from None
        if not isinstance(value, datetime):
            raise self.fail(key, f"must be an ISO 8601 time, not {value!r}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return ((value - _EPOCH) // timedelta(microseconds=1)) / 1000

    def array(self, key: str) -> list[Any]:
        value = self.data.get(key) or []
        if not isinstance(value, list):
            raise self.fail(key, "must be a list")
        return value

    def objects(self, key: str) -> list[dict[str, Any]]:
        value = self.array(key)
        if not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "must be a list of objects")
        return [dict(v) for v in value]


def _parse(data: Any, attachment_url: AttachmentUrl) -> _State:
    if not isinstance(data, dict):
        raise SnapshotError("a Discord snapshot is an object with application, users, "
                            "guilds, roles, channels, members, bans, voice_states, messages")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise SnapshotError(f"unsupported Discord snapshot format {fmt!r} (this is {FORMAT})")
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise SnapshotError(f"unknown Discord snapshot key(s): {', '.join(unknown)}")
    for key in _KEYS[2:]:
        if not isinstance(data.get(key, []), list):
            raise SnapshotError(f"{key}: expected a list (an array of tables)")
    users = _users(data.get("users", []))
    if "application" not in data:
        raise SnapshotError("application: missing (the bot's application and token)")
    state = _State(_application(data["application"], users), users)
    _guilds(state, data.get("guilds", []))
    _roles(state, data.get("roles", []))
    _channels(state, data.get("channels", []))
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
        if guild.owner_id not in guild.members:  # the owner is always a member
            guild.members[guild.owner_id] = Member(guild.owner_id, guild.id,
                                                   guild.created_ms)
    _bans(state, data.get("bans", []))
    _voice(state, data.get("voice_states", []))
    _messages(state, data.get("messages", []), attachment_url)
    _commands(state, data.get("commands", []))
    _webhooks(state, data.get("webhooks", []))
    _command_permissions(state, data.get("command_permissions", []))
    return state


def _command_permissions(state: _State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"command_permissions[{index}]", ("guild", "target"),
                   ("permissions",))
        guild = _guild_of(state, e)
        target = e.id("target")
        if target != state.application.id and target not in state.commands:
            raise e.fail("target", f"{str(target)!r} is neither a command nor the "
                                   "application")
        overrides = []
        for o_index, o_raw in enumerate(e.array("permissions")):
            o = _Entry(o_raw, f"{e.where}.permissions[{o_index}]", ("id", "type"),
                       ("permission",))
            kind = o.number("type")
            if kind not in (1, 2, 3):
                raise o.fail("type", "must be 1 (role), 2 (user) or 3 (channel)")
            overrides.append({"id": str(o.id("id")), "type": kind,
                              "permission": o.flag("permission")})
        state.command_permissions[(guild.id, target)] = overrides


def _webhooks(state: _State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"webhooks[{index}]", ("id", "channel", "name", "token", "creator"),
                   ("avatar",))
        hook_id = e.id("id")
        if hook_id in state.webhooks:
            raise e.fail("id", f"{str(hook_id)!r} is used twice")
        channel = state.channels.get(e.id("channel"))
        if channel is None or channel.guild_id is None or channel.thread is not None:
            raise e.fail("channel", f"{str(e.id('channel'))!r}: no guild channel with that id")
        creator = e.id("creator")
        if creator not in state.users:
            raise e.fail("creator", f"{str(creator)!r} is not in users")
        state.webhooks[hook_id] = Webhook(hook_id, channel.guild_id, channel.id,
                                          e.text("name"), e.text("token"), creator,
                                          e.opt_text("avatar"))


def _commands(state: _State, entries: list[Any]) -> None:
    """Application commands as the REST API returns them, checked by Discord's rules."""
    names: set[tuple[int | None, int, str]] = set()
    for index, raw in enumerate(entries):
        where = f"commands[{index}]"
        e = _Entry(raw, where, ("id", "name"), (
            "type", "application_id", "version", "guild_id", "name_localizations",
            "description", "description_localizations", "options",
            "default_member_permissions", "dm_permission", "nsfw", "integration_types",
            "contexts"))
        command_id = e.id("id")
        if command_id in state.commands:
            raise e.fail("id", f"{str(command_id)!r} is used twice")
        guild_id = e.opt_id("guild_id")
        if guild_id is not None and guild_id not in state.guilds:
            raise e.fail("guild_id", f"{str(guild_id)!r} is not a guild")
        try:
            fields = check_command({k: v for k, v in raw.items() if k not in (
                "id", "application_id", "version", "guild_id")})
        except DiscordError as exc:
            raise SnapshotError(f"{where}: Discord would refuse it: {exc.errors}") from None
        key = (guild_id, fields["type"], fields["name"])
        if key in names:
            raise e.fail("name", f"{fields['name']!r} is used twice (same type and scope)")
        names.add(key)
        command: dict[str, Any] = {
            "id": str(command_id), "application_id": str(state.application.id),
            "version": str(e.opt_id("version") or command_id), **fields}
        if guild_id is not None:
            command.pop("dm_permission", None)
            command["guild_id"] = str(guild_id)
        state.commands[command_id] = command


def _users(entries: list[Any]) -> dict[int, User]:
    users: dict[int, User] = {}
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"users[{index}]", ("id", "username"),
                   ("discriminator", "global_name", "avatar", "bot", "system",
                    "public_flags"))
        user_id = e.id("id")
        if user_id in users:
            raise e.fail("id", f"{str(user_id)!r} is used twice")
        users[user_id] = User(user_id, e.text("username"), e.text("discriminator", "0"),
                              e.opt_text("global_name"), e.opt_text("avatar"), e.flag("bot"),
                              e.flag("system"), e.number("public_flags"))
    return users


def _application(raw: Any, users: dict[int, User]) -> Application:
    e = _Entry(raw, "application", ("id", "token", "bot", "owner"),
               ("name", "description", "flags", "verify_key"))
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


def _guilds(state: _State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"guilds[{index}]", ("id", "name", "owner"),
                   ("created_at", "description", "icon", "afk_channel", "system_channel",
                    "verification_level", "preferred_locale"))
        guild_id = e.id("id")
        if guild_id in state.guilds:
            raise e.fail("id", f"{str(guild_id)!r} is used twice")
        owner = e.id("owner")
        if owner not in state.users:
            raise e.fail("owner", f"{str(owner)!r} is not in users")
        created = e.time("created_at")
        state.guilds[guild_id] = Guild(
            guild_id, e.text("name"), owner,
            created if created is not None else float(snowflake_time_ms(guild_id)),
            description=e.opt_text("description"), icon=e.opt_text("icon"),
            afk_channel_id=e.opt_id("afk_channel"),
            system_channel_id=e.opt_id("system_channel"),
            verification_level=e.number("verification_level"),
            preferred_locale=e.text("preferred_locale", "en-US"))


def _guild_of(state: _State, e: _Entry, key: str = "guild") -> Guild:
    guild = state.guilds.get(e.id(key))
    if guild is None:
        raise e.fail(key, f"{str(e.id(key))!r}: no guild with that id")
    return guild


def _roles(state: _State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"roles[{index}]", ("guild", "id", "name"),
                   ("permissions", "position", "color", "hoist", "mentionable", "managed"))
        guild = _guild_of(state, e)
        role_id = e.id("id")
        if role_id in guild.roles:
            raise e.fail("id", f"{str(role_id)!r} is used twice in the guild")
        guild.roles[role_id] = Role(role_id, guild.id, e.text("name"), e.bits("permissions"),
                                    e.number("position"), e.number("color"), e.flag("hoist"),
                                    e.flag("mentionable"), e.flag("managed"))


def _channels(state: _State, entries: list[Any]) -> None:
    parents: list[tuple[_Entry, Channel]] = []
    threads: list[tuple[_Entry, Channel]] = []
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"channels[{index}]", ("id", "type"),
                   ("guild", "name", "position", "parent", "topic", "nsfw",
                    "rate_limit_per_user", "bitrate", "user_limit", "overwrites",
                    "recipients", "last_message_id", "thread"))
        channel_id = e.id("id")
        if channel_id in state.channels:
            raise e.fail("id", f"{str(channel_id)!r} is used twice")
        try:
            kind = ChannelType(e.number("type"))
        except ValueError:
            raise e.fail("type", f"{e.data['type']!r} is not a channel type the twin "
                                 f"models ({', '.join(str(int(t)) for t in ChannelType)})"
                         ) from None
        channel = Channel(channel_id, kind, last_message_id=e.opt_id("last_message_id"))
        if channel.is_dm:
            for key in ("guild", "name", "parent", "overwrites"):
                if e.data.get(key) is not None:
                    raise e.fail(key, "is not for a DM channel")
            recipients = e.ids("recipients")
            for user_id in recipients:
                if user_id not in state.users:
                    raise e.fail("recipients", f"{str(user_id)!r} is not in users")
            if not 1 <= len(recipients) <= (2 if kind == ChannelType.DM else 10):
                raise e.fail("recipients", "must hold the DM's users (two; one for a DM "
                                           "with oneself)")
            channel.recipients = recipients
            if kind == ChannelType.DM:
                pair = frozenset(recipients)
                if pair in state.dms:
                    raise e.fail("recipients", "already have a DM channel")
                state.dms[pair] = channel_id
        else:
            if e.data.get("recipients"):
                raise e.fail("recipients", "are for DM channels")
            if e.data.get("guild") is None:
                raise e.fail("guild", "is missing (a guild channel needs its guild)")
            guild = _guild_of(state, e)
            channel.guild_id = guild.id
            channel.name = e.text("name")
            channel.position = e.number("position", len(guild.channels))
            channel.topic = e.opt_text("topic")
            channel.nsfw = e.flag("nsfw")
            channel.rate_limit_per_user = e.number("rate_limit_per_user")
            channel.bitrate = e.number("bitrate", 64000)
            channel.user_limit = e.number("user_limit")
            channel.parent_id = e.opt_id("parent")
            if kind in THREAD_TYPES or e.data.get("thread") is not None:
                channel.thread = _thread_info(e, kind, state)
                threads.append((e, channel))
                state.channels[channel_id] = channel
                state.messages[channel_id] = {}
                continue
            for o_index, o_raw in enumerate(e.array("overwrites")):
                o = _Entry(o_raw, f"{e.where}.overwrites[{o_index}]", ("id",),
                           ("type", "allow", "deny"))
                target, o_type = o.id("id"), o.number("type")
                if o_type not in (0, 1):
                    raise o.fail("type", "must be 0 (role) or 1 (member)")
                if o_type == 0 and target not in guild.roles and target != guild.id:
                    raise o.fail("id", f"{str(target)!r}: no role with that id in the guild")
                if o_type == 1 and target not in state.users:
                    raise o.fail("id", f"{str(target)!r} is not in users")
                channel.overwrites[target] = Overwrite(target, o_type, o.bits("allow"),
                                                       o.bits("deny"))
            guild.channels.append(channel_id)
            if channel.parent_id is not None:
                parents.append((e, channel))
        state.channels[channel_id] = channel
        state.messages[channel_id] = {}
    for e, channel in parents:
        parent = state.channels.get(channel.parent_id or 0)
        if parent is None or parent.type != ChannelType.GUILD_CATEGORY \
                or parent.guild_id != channel.guild_id:
            raise e.fail("parent", f"{str(channel.parent_id)!r} is not a category of the "
                                   "same guild")
    for e, channel in threads:
        parent = state.channels.get(channel.parent_id or 0)
        if parent is None or parent.guild_id != channel.guild_id or parent.type not in (
                ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT,
                ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA):
            raise e.fail("parent", f"{str(channel.parent_id)!r} is not a text, announcement "
                                   "or forum channel of the same guild")


def _thread_info(e: _Entry, kind: ChannelType, state: _State) -> ThreadInfo:
    if kind not in THREAD_TYPES:
        raise e.fail("thread", "is only for threads (types 10, 11, 12)")
    if e.data.get("thread") is None:
        raise e.fail("thread", "is missing (a thread needs its owner)")
    t = _Entry(e.data["thread"], f"{e.where}.thread", ("owner",), (
        "created", "archive_timestamp", "auto_archive_duration", "archived", "locked",
        "invitable", "members", "message_count", "total_message_sent", "applied_tags"))
    owner = t.id("owner")
    if owner not in state.users:
        raise t.fail("owner", f"{str(owner)!r} is not in users")
    created = t.time("created") or 0.0
    info = ThreadInfo(owner, created, t.time("archive_timestamp") or created,
                      t.number("auto_archive_duration", 4320), t.flag("archived"),
                      t.flag("locked"), bool(t.data.get("invitable", True)),
                      message_count=t.number("message_count"),
                      total_message_sent=t.number("total_message_sent"),
                      applied_tags=t.ids("applied_tags"))
    for m_index, m_raw in enumerate(t.array("members")):
        m = _Entry(m_raw, f"{t.where}.members[{m_index}]", ("user",), ("joined_at",))
        user_id = m.id("user")
        if user_id not in state.users:
            raise m.fail("user", f"{str(user_id)!r} is not in users")
        info.members[user_id] = m.time("joined_at") or created
    return info


def _member(state: _State, e: _Entry) -> tuple[Guild, int]:
    guild = _guild_of(state, e)
    user_id = e.id("user")
    if user_id not in state.users:
        raise e.fail("user", f"{str(user_id)!r} is not in users")
    return guild, user_id


def _members(state: _State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"members[{index}]", ("guild", "user"),
                   ("joined_at", "nick", "roles", "deaf", "mute", "pending",
                    "communication_disabled_until"))
        guild, user_id = _member(state, e)
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


def _bans(state: _State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"bans[{index}]", ("guild", "user"), ("reason",))
        guild, user_id = _member(state, e)
        if user_id in guild.members:
            raise e.fail("user", f"{str(user_id)!r} is both banned and a member")
        guild.bans[user_id] = e.opt_text("reason")


def _voice(state: _State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"voice_states[{index}]", ("guild", "user", "channel"), ())
        guild, user_id = _member(state, e)
        if user_id not in guild.members:
            raise e.fail("user", f"{str(user_id)!r} is not a member of the guild")
        channel = state.channels.get(e.id("channel"))
        if channel is None or not channel.is_voice or channel.guild_id != guild.id:
            raise e.fail("channel", f"{str(e.id('channel'))!r} is not a voice channel of "
                                    "the guild")
        guild.voice_states[user_id] = channel.id


def _messages(state: _State, entries: list[Any], attachment_url: AttachmentUrl) -> None:
    seen: set[int] = set()
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"messages[{index}]", ("id", "channel", "author"),
                   ("content", "type", "tts", "embeds", "attachments", "mentions",
                    "mention_roles", "mention_everyone", "reactions", "pinned",
                    "edited_timestamp", "reference", "nonce", "components", "flags",
                    "webhook_id", "interaction"))
        message_id = e.id("id")
        if message_id in seen:
            raise e.fail("id", f"{str(message_id)!r} is used twice")
        seen.add(message_id)
        channel = state.channels.get(e.id("channel"))
        if channel is None:
            raise e.fail("channel", f"{str(e.id('channel'))!r}: no channel with that id")
        if channel.type == ChannelType.GUILD_CATEGORY:
            raise e.fail("channel", "is a category, which holds no messages")
        author = e.id("author")
        if author not in state.users:
            raise e.fail("author", f"{str(author)!r} is not in users")
        for user_id in e.ids("mentions"):
            if user_id not in state.users:
                raise e.fail("mentions", f"{str(user_id)!r} is not in users")
        reference = e.data.get("reference")
        if reference is not None and not isinstance(reference, dict):
            raise e.fail("reference", "must be an object (a message reference)")
        interaction = e.data.get("interaction")
        if interaction is not None and not isinstance(interaction, dict):
            raise e.fail("interaction", "must be an object (interaction metadata)")
        nonce = e.data.get("nonce")
        if nonce is not None and (isinstance(nonce, bool)
                                  or not isinstance(nonce, str | int)):
            raise e.fail("nonce", "must be a string or an integer")
        message = Message(
            message_id, channel.id, author, e.text("content", ""), channel.guild_id,
            e.number("type"), e.flag("tts"), e.objects("embeds"), [], e.ids("mentions"),
            e.ids("mention_roles"), e.flag("mention_everyone"), {}, e.flag("pinned"),
            e.time("edited_timestamp"), dict(reference) if reference else None, nonce,
            e.objects("components"), e.number("flags"), e.opt_id("webhook_id"),
            dict(interaction) if interaction else None)
        for a_index, a_raw in enumerate(e.array("attachments")):
            a = _Entry(a_raw, f"{e.where}.attachments[{a_index}]", ("id", "filename"),
                       ("size", "content_type", "description", "data"))
            try:
                data = base64.b64decode(a.text("data", ""), validate=True)
            except (binascii.Error, ValueError):
                raise a.fail("data", "is not base64") from None
            filename = a.text("filename")
            message.attachments.append(Attachment(
                a.id("id"), filename, a.number("size", len(data)), a.opt_text("content_type"),
                attachment_url(channel.id, a.id("id"), filename), data,
                a.opt_text("description")))
        for r_index, r_raw in enumerate(e.array("reactions")):
            r = _Entry(r_raw, f"{e.where}.reactions[{r_index}]", ("emoji",), ("users",))
            emoji = _emoji(r)
            users = r.ids("users")
            for user_id in users:
                if user_id not in state.users:
                    raise r.fail("users", f"{str(user_id)!r} is not in users")
            if not users:
                raise r.fail("users", "must name who reacted (a reaction has users)")
            key = emoji_key(emoji)
            if key in message.reactions:
                raise r.fail("emoji", f"{key!r} appears twice on the message")
            message.reactions[key] = Reaction(emoji, list(dict.fromkeys(users)))
        state.messages[channel.id][message_id] = message


def _emoji(r: _Entry) -> dict[str, Any]:
    raw = r.data["emoji"]
    if isinstance(raw, str):  # a world may write "👍" for {name = "👍"}
        raw = {"name": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise r.fail("emoji", "must be a unicode emoji or {id, name, animated}")
    if raw.get("id") is None:
        return {"id": None, "name": raw["name"]}
    emoji_id = _Entry({"id": raw["id"]}, f"{r.where}.emoji", ("id",), ()).id("id")
    return {"id": str(emoji_id), "name": raw["name"], "animated": bool(raw.get("animated"))}
