"""The Discord twin's state as plain JSON, and back.

A snapshot holds everything the model holds: the application (id, name, flags, verify
key, *the bot token*) and which users are its bot and owner, every user, every guild with
its roles, members, bans and voice states, every channel (guild channels with their
permission overwrites, and DM channels with their recipients) and every message with its
reactions and attachments. Its lists are flat, each entry naming what it belongs to, so
the same structure reads well as a TOML world (``[[discord.channels]]``...)::

    {"format": 1,
     "application": {"id": "...", "name": ..., "token": ..., "flags": ..., "bot": "<user>",
                     "owner": "<user>", ...},
     "users":   [{"id", "username", "global_name", "bot", ...}],
     "guilds":  [{"id", "name", "owner", "created_at", ...}],
     "roles":   [{"guild", "id", "name", "permissions", "position", ...}],
     "channels": [{"id", "type", "guild", "name", "parent", "overwrites": [...], ...},
                  {"id", "type": 1, "recipients": ["<user>", "<user>"]}],
     "members": [{"guild", "user", "joined_at", "nick", "roles": [...], ...}],
     "bans":    [{"guild", "user", "reason"}],
     "voice_states": [{"guild", "user", "channel"}],
     "messages": [{"id", "channel", "author", "content", "reactions": [...],
                   "attachments": [{"id", "filename", "data": "<base64>", ...}], ...}]}

Conventions: ids are strings (snowflakes exceed what JavaScript numbers hold; a world may
write them as TOML integers too), permissions and overwrite bits are strings as Discord
sends them, times are ISO 8601 strings (TOML datetimes are accepted). A message's creation
time is its id's (snowflakes carry their time), so a world's message ids decide their
timestamps. Attachment bytes are included, base64 in ``data``, so a snapshot is complete
(the CDN route serves them after a restore); their ``url`` is not stored but made from
the twin's address, which may differ after a restart. Optional keys may be left out
(TOML has no null): a world needs only what it means. A guild without an ``@everyone``
role (the role whose id is the guild's) gets Discord's default one, and a guild's owner
is always a member.

Restoring checks the whole snapshot first and refuses a bad one with a
:class:`SnapshotError` naming the entry (``channels[3]: no guild with id '42'``), having
changed nothing. Then it replaces the state and tells connected bot sessions what
Discord would have told them, by this rule:

* the application's id, the bot user or the token changed: every gateway connection is
  closed with 4004 (authentication failed) and its session dropped, as a token reset
  does; nothing else is sent;
* the bot user changed: ``USER_UPDATE``;
* a guild the bot was in is gone, or the bot is no longer a member: ``GUILD_DELETE``; a
  guild the bot is now in: ``GUILD_CREATE`` (sent last, with the restored state);
* in a guild the bot is in before and after: ``GUILD_UPDATE`` for the guild's own fields,
  ``GUILD_ROLE_CREATE/UPDATE/DELETE``, ``CHANNEL_CREATE/UPDATE/DELETE``,
  ``GUILD_MEMBER_ADD/UPDATE/REMOVE`` (an update also when the member's user changed),
  ``VOICE_STATE_UPDATE``, ``GUILD_BAN_ADD/REMOVE``;
* in a channel present before and after (guild channels of such guilds, and DM channels):
  ``MESSAGE_CREATE``, ``MESSAGE_UPDATE`` (the message changed other than its reactions),
  ``MESSAGE_DELETE``, and ``MESSAGE_REACTION_ADD/REMOVE`` per user and emoji.

Creations and updates go first (roles before the channels and members that use them),
deletions after. Each event is a model dispatch, so intents, shards and
``MESSAGE_CONTENT`` apply as for any other. Gateway sessions are live connections,
history not state: they are not in a snapshot.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .model import (
    Application,
    Attachment,
    Channel,
    ChannelType,
    DiscordModel,
    Guild,
    Member,
    Message,
    Overwrite,
    Reaction,
    Role,
    User,
)
from .model.entities import emoji_key, iso
from .permissions import DEFAULT_EVERYONE
from .snowflake import snowflake_time_ms

FORMAT = 1
#: Privileged intents the application may ask for when a snapshot does not say.
DEFAULT_FLAGS = (1 << 12) | (1 << 14) | (1 << 18)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KEYS = ("format", "application", "users", "guilds", "roles", "channels", "members",
         "bans", "voice_states", "messages")

#: ``attachment_url(channel_id, attachment_id, filename)``: where the twin serves a file.
AttachmentUrl = Callable[[int, int, str], str]


class SnapshotError(ValueError):
    """A snapshot (or world file) that cannot be restored; the message says where."""


# -- snapshot ---------------------------------------------------------------------------


def snapshot(model: DiscordModel) -> dict[str, Any]:
    """The whole state of ``model`` as plain JSON (see the module docstring)."""
    app = model.application
    roles: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    bans: list[dict[str, Any]] = []
    voice: list[dict[str, Any]] = []
    channels: list[dict[str, Any]] = []
    for guild in model.guilds.values():
        gid = str(guild.id)
        roles += [_role_entry(role) for role in guild.roles.values()]
        members += [_member_entry(m) for m in guild.members.values()]
        bans += [{"guild": gid, "user": str(u), "reason": reason}
                 for u, reason in guild.bans.items()]
        voice += [{"guild": gid, "user": str(u), "channel": str(c)}
                  for u, c in guild.voice_states.items()]
        channels += [_channel_entry(model.channels[c]) for c in guild.channels
                     if c in model.channels]
    channels += [_channel_entry(c) for c in model.channels.values() if c.guild_id is None]
    messages = [_message_entry(m) for entry in channels
                for m in model.messages.get(int(entry["id"]), {}).values()]
    return {
        "format": FORMAT,
        "application": {
            "id": str(app.id), "name": app.name, "description": app.description,
            "flags": app.flags, "verify_key": app.verify_key, "token": app.token,
            "bot": str(app.bot.id), "owner": str(app.owner.id),
        },
        "users": [_user_entry(u) for u in model.users.values()],
        "guilds": [_guild_entry(g) for g in model.guilds.values()],
        "roles": roles,
        "channels": channels,
        "members": members,
        "bans": bans,
        "voice_states": voice,
        "messages": messages,
    }


def _sid(value: int | None) -> str | None:
    return None if value is None else str(value)


def _user_entry(user: User) -> dict[str, Any]:
    return {"id": str(user.id), "username": user.username,
            "discriminator": user.discriminator, "global_name": user.global_name,
            "avatar": user.avatar, "bot": user.bot, "system": user.system,
            "public_flags": user.public_flags}


def _guild_entry(guild: Guild) -> dict[str, Any]:
    return {"id": str(guild.id), "name": guild.name, "owner": str(guild.owner_id),
            "created_at": iso(guild.created_ms), "description": guild.description,
            "icon": guild.icon, "afk_channel": _sid(guild.afk_channel_id),
            "system_channel": _sid(guild.system_channel_id),
            "verification_level": guild.verification_level,
            "preferred_locale": guild.preferred_locale}


def _role_entry(role: Role) -> dict[str, Any]:
    return {"guild": str(role.guild_id), "id": str(role.id), "name": role.name,
            "permissions": str(role.permissions), "position": role.position,
            "color": role.color, "hoist": role.hoist, "mentionable": role.mentionable,
            "managed": role.managed}


def _channel_entry(channel: Channel) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": str(channel.id), "type": int(channel.type)}
    if channel.is_dm:
        entry["recipients"] = [str(u) for u in channel.recipients]
    else:
        entry.update({
            "guild": _sid(channel.guild_id), "name": channel.name,
            "position": channel.position, "parent": _sid(channel.parent_id),
            "topic": channel.topic, "nsfw": channel.nsfw,
            "rate_limit_per_user": channel.rate_limit_per_user,
            "bitrate": channel.bitrate, "user_limit": channel.user_limit,
            "overwrites": [{"id": str(o.id), "type": o.type, "allow": str(o.allow),
                            "deny": str(o.deny)} for o in channel.overwrites.values()],
        })
    entry["last_message_id"] = _sid(channel.last_message_id)
    return entry


def _member_entry(member: Member) -> dict[str, Any]:
    return {"guild": str(member.guild_id), "user": str(member.user_id),
            "joined_at": iso(member.joined_at), "nick": member.nick,
            "roles": [str(r) for r in member.roles], "deaf": member.deaf,
            "mute": member.mute, "pending": member.pending,
            "communication_disabled_until": iso(member.timeout_until)
            if member.timeout_until is not None else None}


def _message_entry(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.id), "channel": str(message.channel_id),
        "author": str(message.author_id), "content": message.content,
        "type": message.type, "tts": message.tts, "embeds": list(message.embeds),
        "attachments": [{"id": str(a.id), "filename": a.filename, "size": a.size,
                         "content_type": a.content_type, "description": a.description,
                         "data": base64.b64encode(a.data).decode("ascii")}
                        for a in message.attachments],
        "mentions": [str(u) for u in message.mentions],
        "mention_roles": [str(r) for r in message.mention_roles],
        "mention_everyone": message.mention_everyone,
        "reactions": [{"emoji": dict(r.emoji), "users": [str(u) for u in r.users]}
                      for r in message.reactions.values()],
        "pinned": message.pinned,
        "edited_timestamp": iso(message.edited_ms) if message.edited_ms else None,
        "reference": message.reference, "nonce": message.nonce,
        "components": list(message.components), "flags": message.flags,
        "webhook_id": _sid(message.webhook_id),
    }


# -- parsing ----------------------------------------------------------------------------


@dataclass
class _State:
    application: Application
    users: dict[int, User]
    guilds: dict[int, Guild] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    messages: dict[int, dict[int, Message]] = field(default_factory=dict)
    dms: dict[frozenset[int], int] = field(default_factory=dict)


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
    return state


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
    for index, raw in enumerate(entries):
        e = _Entry(raw, f"channels[{index}]", ("id", "type"),
                   ("guild", "name", "position", "parent", "topic", "nsfw",
                    "rate_limit_per_user", "bitrate", "user_limit", "overwrites",
                    "recipients", "last_message_id"))
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
                    "webhook_id"))
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
        nonce = e.data.get("nonce")
        if nonce is not None and (isinstance(nonce, bool)
                                  or not isinstance(nonce, str | int)):
            raise e.fail("nonce", "must be a string or an integer")
        message = Message(
            message_id, channel.id, author, e.text("content", ""), channel.guild_id,
            e.number("type"), e.flag("tts"), e.objects("embeds"), [], e.ids("mentions"),
            e.ids("mention_roles"), e.flag("mention_everyone"), {}, e.flag("pinned"),
            e.time("edited_timestamp"), dict(reference) if reference else None, nonce,
            e.objects("components"), e.number("flags"), e.opt_id("webhook_id"))
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


# -- restore ----------------------------------------------------------------------------


def restore(model: DiscordModel, data: dict[str, Any], *, attachment_url: AttachmentUrl,
            drop_sessions: Callable[[], None]) -> None:
    """Make ``model`` hold ``data`` and tell connected sessions (the module's rule).

    ``drop_sessions`` closes every gateway connection with 4004 and forgets its session
    (called when the application's identity or token changes)."""
    state = _parse(data, attachment_url)
    before = _Index(snapshot(model))
    old_users = dict(model.users)
    old_channels = dict(model.channels)
    old = model.application
    identity = (state.application.id != old.id or state.application.bot.id != old.bot.id
                or state.application.token != old.token)
    if identity:
        drop_sessions()
    model.application = state.application
    # In place: the gateway and REST layers hold the model, not copies of its tables.
    model.users.clear()
    model.users.update(state.users)
    model.guilds.clear()
    model.guilds.update(state.guilds)
    model.channels.clear()
    model.channels.update(state.channels)
    model.messages.clear()
    model.messages.update(state.messages)
    model.dms.clear()
    model.dms.update(state.dms)
    _reserve_ids(model, data)
    if not identity:
        _Teller(model, before, _Index(snapshot(model)), old_users, old_channels).tell()


def _reserve_ids(model: DiscordModel, data: dict[str, Any]) -> None:
    """New ids must sort after the restored ones (a snapshot may come from a clock that
    ran ahead)."""
    highest = 0
    for entry in data.get("messages", []):
        highest = max(highest, int(entry["id"]))
        for attachment in entry.get("attachments") or []:
            highest = max(highest, int(attachment["id"]))
    for key in ("users", "guilds", "channels"):
        for entry in data.get(key, []):
            highest = max(highest, int(entry["id"]))
    ids = model.ids
    ids._last = max(ids._last, highest)  # the generator's own floor


class _Index:
    """A snapshot, indexed for comparing two of them."""

    def __init__(self, snap: dict[str, Any]) -> None:
        self.bot = snap["application"]["bot"]
        self.users = {u["id"]: u for u in snap["users"]}
        self.guilds = {g["id"]: g for g in snap["guilds"]}
        self.roles: dict[str, dict[str, dict[str, Any]]] = {}
        self.members: dict[str, dict[str, dict[str, Any]]] = {}
        self.bans: dict[str, dict[str, dict[str, Any]]] = {}
        self.voice: dict[str, dict[str, str]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.guild_channels: dict[str, list[str]] = {}
        for g in self.guilds:
            for name in ("roles", "members", "bans", "voice", "guild_channels"):
                getattr(self, name)[g] = [] if name == "guild_channels" else {}
        for r in snap["roles"]:
            self.roles[r["guild"]][r["id"]] = r
        for m in snap["members"]:
            self.members[m["guild"]][m["user"]] = m
        for b in snap["bans"]:
            self.bans[b["guild"]][b["user"]] = b
        for v in snap["voice_states"]:
            self.voice[v["guild"]][v["user"]] = v["channel"]
        for c in snap["channels"]:
            # A new message moves last_message_id; Discord sends no CHANNEL_UPDATE for it.
            self.channels[c["id"]] = {k: v for k, v in c.items() if k != "last_message_id"}
            if c.get("guild") is not None:
                self.guild_channels[c["guild"]].append(c["id"])
        self.messages: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in self.channels}
        self.reactions: dict[str, dict[str, dict[tuple[str, str], dict[str, Any]]]] = {}
        for m in snap["messages"]:
            body = {k: v for k, v in m.items() if k != "reactions"}
            self.messages[m["channel"]][m["id"]] = body
            self.reactions.setdefault(m["channel"], {})[m["id"]] = {
                (emoji_key(r["emoji"]), u): r["emoji"] for r in m["reactions"]
                for u in r["users"]}
        #: Guilds the bot is in, in order.
        self.visible = [g for g in self.guilds if self.bot in self.members[g]]


class _Teller:
    """Dispatches the differences between two indexed snapshots (the module's rule)."""

    def __init__(self, model: DiscordModel, before: _Index, after: _Index,
                 old_users: dict[int, User], old_channels: dict[int, Channel]) -> None:
        self.model = model
        self.before = before
        self.after = after
        self.old_users = old_users
        self.old_channels = old_channels

    def send(self, event: str, data: dict[str, Any], guild: str | None,
             user_ids: frozenset[int] | None = None) -> None:
        self.model.effects.dispatch(event, data, guild_id=int(guild) if guild else None,
                                    user_ids=user_ids)

    def tell(self) -> None:
        before, after = self.before, self.after
        if before.users.get(after.bot) != after.users[after.bot]:
            self.send("USER_UPDATE", self.model.bot.to_json(), None)
        for gid in before.visible:
            if gid not in after.visible:
                gone: dict[str, Any] = {"id": gid}
                if gid not in after.guilds:
                    gone["unavailable"] = False
                self.send("GUILD_DELETE", gone, gid)
        for gid in after.visible:
            if gid in before.visible:
                self.guild(gid)
        for cid, channel in after.channels.items():
            if channel.get("guild") is None and cid in before.channels:
                recipients = frozenset(int(u) for u in channel["recipients"])
                self.messages(cid, None, recipients)
        for gid in after.visible:
            if gid not in before.visible:
                self.model.effects.guild_joined(int(gid))

    def guild(self, gid: str) -> None:
        before, after, model = self.before, self.after, self.model
        guild = model.guilds[int(gid)]
        if before.guilds[gid] != after.guilds[gid]:
            self.send("GUILD_UPDATE", guild.to_json(), gid)
        old_roles, new_roles = before.roles[gid], after.roles[gid]
        for rid, role in new_roles.items():
            if old_roles.get(rid) != role:
                self.send("GUILD_ROLE_UPDATE" if rid in old_roles else "GUILD_ROLE_CREATE",
                          {"guild_id": gid, "role": guild.roles[int(rid)].to_json()}, gid)
        old_channels = before.guild_channels[gid]
        for cid in after.guild_channels[gid]:
            if before.channels.get(cid) != after.channels[cid]:
                self.send("CHANNEL_UPDATE" if cid in old_channels else "CHANNEL_CREATE",
                          model.channel_json(model.channels[int(cid)]), gid)
        old_members, new_members = before.members[gid], after.members[gid]
        for uid, member in new_members.items():
            changed = old_members.get(uid) != member or (
                before.users.get(uid) != after.users[uid])
            if changed:
                self.send("GUILD_MEMBER_UPDATE" if uid in old_members else "GUILD_MEMBER_ADD",
                          {**model.member_json(guild, int(uid)), "guild_id": gid}, gid)
        self.voice(gid, guild)
        old_bans, new_bans = before.bans[gid], after.bans[gid]
        for uid in new_bans:
            if uid not in old_bans:
                self.send("GUILD_BAN_ADD", {"guild_id": gid,
                                            "user": model.users[int(uid)].to_json()}, gid)
        for cid in after.guild_channels[gid]:
            if cid in old_channels:
                self.messages(cid, gid, None)
        for uid in old_bans:
            if uid not in new_bans:
                user = model.users.get(int(uid)) or self.old_users[int(uid)]
                self.send("GUILD_BAN_REMOVE", {"guild_id": gid, "user": user.to_json()}, gid)
        for cid in old_channels:
            if cid not in after.guild_channels[gid]:
                self.send("CHANNEL_DELETE",
                          self.old_channels[int(cid)].to_json(self.old_users), gid)
        for uid in old_members:
            if uid not in new_members:
                self.send("GUILD_MEMBER_REMOVE", {
                    "guild_id": gid, "user": self.old_users[int(uid)].to_json()}, gid)
        for rid in old_roles:
            if rid not in new_roles:
                self.send("GUILD_ROLE_DELETE", {"guild_id": gid, "role_id": rid}, gid)

    def voice(self, gid: str, guild: Guild) -> None:
        old, new = self.before.voice[gid], self.after.voice[gid]
        for uid in dict.fromkeys([*old, *new]):
            if old.get(uid) == new.get(uid):
                continue
            if uid in new:
                state = self.model.voice_state_json(guild, int(uid))
            else:
                state = {"guild_id": gid, "channel_id": None, "user_id": uid,
                         "session_id": f"voice-{uid}", "deaf": False, "mute": False,
                         "self_deaf": False, "self_mute": False, "self_stream": False,
                         "self_video": False, "suppress": False,
                         "request_to_speak_timestamp": None}
                if int(uid) in guild.members:
                    state["member"] = self.model.member_json(guild, int(uid))
            self.send("VOICE_STATE_UPDATE", state, gid)

    def messages(self, cid: str, gid: str | None, dm: frozenset[int] | None) -> None:
        model = self.model
        old = self.before.messages.get(cid, {})
        new = self.after.messages.get(cid, {})
        stored = model.messages[int(cid)]
        base: dict[str, Any] = {"channel_id": cid}
        if gid is not None:
            base["guild_id"] = gid
        for mid, body in new.items():
            if old.get(mid) != body:
                self.send("MESSAGE_UPDATE" if mid in old else "MESSAGE_CREATE",
                          model.message_json(stored[int(mid)]), gid, dm)
            if mid not in old:
                continue
            message = stored[int(mid)]
            was = self.before.reactions[cid][mid]
            now = self.after.reactions[cid][mid]
            for (key, uid), emoji in now.items():
                if (key, uid) not in was:
                    event = {**base, "user_id": uid, "message_id": mid, "emoji": emoji,
                             "burst": False, "type": 0,
                             "message_author_id": str(message.author_id)}
                    if gid is not None and int(uid) in model.guilds[int(gid)].members:
                        event["member"] = model.member_json(model.guilds[int(gid)], int(uid))
                    self.send("MESSAGE_REACTION_ADD", event, gid, dm)
            for (key, uid), emoji in was.items():
                if (key, uid) not in now:
                    self.send("MESSAGE_REACTION_REMOVE", {
                        **base, "user_id": uid, "message_id": mid, "emoji": emoji,
                        "burst": False, "type": 0}, gid, dm)
        for mid in old:
            if mid not in new:
                self.send("MESSAGE_DELETE", {"id": mid, **base}, gid, dm)


__all__ = ["FORMAT", "SnapshotError", "restore", "snapshot"]
