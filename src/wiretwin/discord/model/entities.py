"""Discord's objects and their JSON, each serialized in exactly one ``to_json``.

REST answers, gateway dispatches and snapshots all use these, so payloads cannot drift
apart. Shapes carry every field discord.py, its forks and hikari read (hikari's
deserializers are the strictest); ids are strings, timestamps ISO 8601.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from ..snowflake import snowflake_time_ms


def iso(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="microseconds")


class ChannelType(IntEnum):
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GROUP_DM = 3
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_STAGE_VOICE = 13
    GUILD_DIRECTORY = 14
    GUILD_FORUM = 15
    GUILD_MEDIA = 16


THREAD_TYPES = (ChannelType.ANNOUNCEMENT_THREAD, ChannelType.PUBLIC_THREAD,
                ChannelType.PRIVATE_THREAD)


@dataclass
class ThreadInfo:
    """What a thread has on top of a channel: its owner, members and metadata."""

    owner_id: int
    created_ms: float
    archive_ms: float
    auto_archive_duration: int = 4320
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    #: user id -> when they joined (epoch ms).
    members: dict[int, float] = field(default_factory=dict)
    message_count: int = 0
    total_message_sent: int = 0
    applied_tags: list[int] = field(default_factory=list)

    def member_json(self, thread_id: int, user_id: int) -> dict[str, Any]:
        return {"id": str(thread_id), "user_id": str(user_id),
                "join_timestamp": iso(self.members[user_id]), "flags": 0}


@dataclass
class User:
    id: int
    username: str
    discriminator: str = "0"
    global_name: str | None = None
    avatar: str | None = None
    bot: bool = False
    system: bool = False
    public_flags: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "username": self.username,
                "discriminator": self.discriminator, "global_name": self.global_name,
                "avatar": self.avatar, "bot": self.bot, "system": self.system,
                "public_flags": self.public_flags, "flags": self.public_flags,
                "banner": None, "accent_color": None, "avatar_decoration_data": None}


@dataclass
class Application:
    id: int
    name: str
    bot: User
    owner: User
    token: str
    description: str = ""
    #: GATEWAY_PRESENCE (1<<12), GATEWAY_GUILD_MEMBERS (1<<14), GATEWAY_MESSAGE_CONTENT
    #: (1<<18) and their _LIMITED forms: the privileged intents the app may ask for.
    flags: int = (1 << 12) | (1 << 14) | (1 << 18)
    verify_key: str = "0" * 64

    def to_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "icon": None,
                "description": self.description, "bot_public": True,
                "bot_require_code_grant": False, "owner": self.owner.to_json(),
                "verify_key": self.verify_key, "flags": self.flags, "team": None,
                "summary": "", "bot": self.bot.to_json(), "rpc_origins": [],
                "terms_of_service_url": None, "privacy_policy_url": None,
                "guild_id": None, "primary_sku_id": None, "slug": None, "cover_image": None,
                "tags": [], "install_params": None, "custom_install_url": None,
                "integration_types_config": {}, "approximate_guild_count": 0,
                "approximate_user_install_count": 0, "redirect_uris": [],
                "interactions_endpoint_url": None}


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "color": self.color,
                "colors": {"primary_color": self.color, "secondary_color": None,
                           "tertiary_color": None},
                "hoist": self.hoist, "icon": None, "unicode_emoji": None,
                "position": self.position, "permissions": str(self.permissions),
                "managed": self.managed, "mentionable": self.mentionable, "flags": 0,
                "description": None}


@dataclass
class Overwrite:
    id: int
    #: 0 role, 1 member.
    type: int
    allow: int = 0
    deny: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow),
                "deny": str(self.deny)}


@dataclass
class Channel:
    id: int
    type: ChannelType
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    last_message_id: int | None = None
    rate_limit_per_user: int = 0
    bitrate: int = 64000
    user_limit: int = 0
    #: DM channels: the users in it.
    recipients: list[int] = field(default_factory=list)
    #: Threads: owner, members, metadata (None for every other channel).
    thread: ThreadInfo | None = None

    @property
    def is_voice(self) -> bool:
        return self.type in (ChannelType.GUILD_VOICE, ChannelType.GUILD_STAGE_VOICE)

    @property
    def is_dm(self) -> bool:
        return self.type in (ChannelType.DM, ChannelType.GROUP_DM)

    @property
    def is_thread(self) -> bool:
        return self.thread is not None

    def to_json(self, users: dict[int, User] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": int(self.type),
                                "last_message_id": _sid(self.last_message_id), "flags": 0}
        if self.is_dm:
            data["recipients"] = [users[u].to_json() for u in self.recipients
                                  if users and u in users]
            return data
        if self.thread is not None:
            info = self.thread
            data.update({
                "guild_id": _sid(self.guild_id), "name": self.name,
                "parent_id": _sid(self.parent_id), "owner_id": str(info.owner_id),
                "rate_limit_per_user": self.rate_limit_per_user,
                "message_count": info.message_count, "member_count": len(info.members),
                "total_message_sent": info.total_message_sent,
                "applied_tags": [str(t) for t in info.applied_tags],
                "thread_metadata": {
                    "archived": info.archived, "locked": info.locked,
                    "auto_archive_duration": info.auto_archive_duration,
                    "archive_timestamp": iso(info.archive_ms),
                    "create_timestamp": iso(info.created_ms)},
            })
            if self.type == ChannelType.PRIVATE_THREAD:
                data["thread_metadata"]["invitable"] = info.invitable
            return data
        data.update({
            "guild_id": _sid(self.guild_id), "name": self.name, "position": self.position,
            "parent_id": _sid(self.parent_id), "nsfw": self.nsfw,
            "permission_overwrites": [o.to_json() for o in self.overwrites.values()],
            "rate_limit_per_user": self.rate_limit_per_user,
        })
        if self.is_voice:
            data.update({"bitrate": self.bitrate, "user_limit": self.user_limit,
                         "rtc_region": None, "video_quality_mode": 1})
        elif self.type != ChannelType.GUILD_CATEGORY:
            data["topic"] = self.topic
        return data


@dataclass
class Webhook:
    """A channel's incoming webhook (type 1)."""

    id: int
    guild_id: int
    channel_id: int
    name: str
    token: str
    creator_id: int
    avatar: str | None = None

    def to_json(self, users: dict[int, User], *, with_token: bool = True,
                with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id), "type": 1, "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id), "name": self.name, "avatar": self.avatar,
            "application_id": None}
        if with_token:
            data["token"] = self.token
        if with_user and self.creator_id in users:
            data["user"] = users[self.creator_id].to_json()
        return data

    def author(self, username: str | None = None, avatar: str | None = None
               ) -> dict[str, Any]:
        return {"id": str(self.id), "username": username or self.name,
                "discriminator": "0000", "global_name": None, "avatar": avatar or self.avatar,
                "bot": True, "public_flags": 0, "flags": 0}


@dataclass
class Member:
    user_id: int
    guild_id: int
    joined_at: float
    nick: str | None = None
    roles: list[int] = field(default_factory=list)
    deaf: bool = False
    mute: bool = False
    pending: bool = False
    #: Epoch ms until which the member is timed out.
    timeout_until: float | None = None

    def timed_out(self, now_ms: float) -> bool:
        return self.timeout_until is not None and self.timeout_until > now_ms

    def to_json(self, user: User, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "nick": self.nick, "roles": [str(r) for r in self.roles],
            "joined_at": iso(self.joined_at), "premium_since": None, "deaf": self.deaf,
            "mute": self.mute, "pending": self.pending, "flags": 0, "avatar": None,
            "banner": None,
            "communication_disabled_until": iso(self.timeout_until)
            if self.timeout_until else None,
            "avatar_decoration_data": None,
        }
        if with_user:
            data["user"] = user.to_json()
        return data


@dataclass
class Attachment:
    id: int
    filename: str
    size: int
    content_type: str | None
    url: str
    data: bytes = field(default=b"", repr=False)
    description: str | None = None
    #: The twin let its bytes go (see :mod:`.storage`): its link answers 404.
    expired: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "filename": self.filename, "size": self.size,
                "url": self.url, "proxy_url": self.url, "content_type": self.content_type,
                "description": self.description, "ephemeral": False, "flags": 0,
                "height": None, "width": None}


@dataclass
class Reaction:
    #: ``{"id": str|None, "name": str, "animated": bool}``
    emoji: dict[str, Any]
    users: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return emoji_key(self.emoji)

    def to_json(self, me: int) -> dict[str, Any]:
        return {"emoji": self.emoji, "count": len(self.users), "me": me in self.users,
                "count_details": {"burst": 0, "normal": len(self.users)},
                "me_burst": False, "burst_me": False, "burst_count": 0, "burst_colors": []}


def emoji_key(emoji: dict[str, Any]) -> str:
    return f"{emoji.get('name')}:{emoji['id']}" if emoji.get("id") else str(emoji.get("name"))


@dataclass
class Message:
    id: int
    channel_id: int
    author_id: int
    content: str = ""
    guild_id: int | None = None
    type: int = 0
    tts: bool = False
    embeds: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    mentions: list[int] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    reactions: dict[str, Reaction] = field(default_factory=dict)
    pinned: bool = False
    edited_ms: float | None = None
    reference: dict[str, Any] | None = None
    nonce: str | int | None = None
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    webhook_id: int | None = None
    #: A response to an interaction: its ``interaction_metadata`` (id, type, user...).
    interaction: dict[str, Any] | None = None
    #: A webhook's message: the author it shows (the webhook's name or the override).
    webhook_author: dict[str, Any] | None = None

    @property
    def created_ms(self) -> int:
        return snowflake_time_ms(self.id)

    def to_json(self, users: dict[int, User], *, me: int,
                member: dict[str, Any] | None = None,
                referenced: dict[str, Any] | None = None,
                content_visible: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id), "channel_id": str(self.channel_id), "type": self.type,
            "author": (dict(self.webhook_author) if self.webhook_author is not None
                       else users[self.author_id].to_json()),
            "content": self.content if content_visible else "",
            "timestamp": iso(self.created_ms),
            "edited_timestamp": iso(self.edited_ms) if self.edited_ms else None,
            "tts": self.tts, "mention_everyone": self.mention_everyone,
            "mentions": [users[u].to_json() for u in self.mentions if u in users],
            "mention_roles": [str(r) for r in self.mention_roles],
            "attachments": [a.to_json() for a in self.attachments] if content_visible else [],
            "embeds": list(self.embeds) if content_visible else [],
            "components": list(self.components) if content_visible else [],
            "pinned": self.pinned, "flags": self.flags,
        }
        if self.reactions:
            data["reactions"] = [r.to_json(me) for r in self.reactions.values()]
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if member is not None:
            data["member"] = member
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.reference is not None:
            data["message_reference"] = self.reference
            data["referenced_message"] = referenced
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.interaction is not None:
            data["application_id"] = str(self.webhook_id)
            data["interaction_metadata"] = self.interaction
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    created_ms: float
    roles: dict[int, Role] = field(default_factory=dict)
    channels: list[int] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)
    bans: dict[int, str | None] = field(default_factory=dict)
    #: user id -> channel id of members in voice.
    voice_states: dict[int, int] = field(default_factory=dict)
    description: str | None = None
    icon: str | None = None
    afk_channel_id: int | None = None
    system_channel_id: int | None = None
    verification_level: int = 0
    preferred_locale: str = "en-US"

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def to_json(self, *, member_count: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id), "name": self.name, "icon": self.icon, "icon_hash": None,
            "splash": None, "discovery_splash": None, "owner_id": str(self.owner_id),
            "region": "deprecated", "afk_channel_id": _sid(self.afk_channel_id),
            "afk_timeout": 300, "widget_enabled": False, "widget_channel_id": None,
            "verification_level": self.verification_level,
            "default_message_notifications": 0, "explicit_content_filter": 0,
            "roles": [r.to_json() for r in sorted(self.roles.values(),
                                                  key=lambda r: r.position)],
            "emojis": [], "stickers": [], "features": [], "mfa_level": 0,
            "application_id": None, "system_channel_id": _sid(self.system_channel_id),
            "system_channel_flags": 0, "rules_channel_id": None, "max_presences": None,
            "max_members": 500000, "vanity_url_code": None, "description": self.description,
            "banner": None, "premium_tier": 0, "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale, "public_updates_channel_id": None,
            "max_video_channel_users": 25, "max_stage_video_channel_users": 50,
            "nsfw_level": 0, "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None, "incidents_data": None,
        }
        if member_count:
            data["approximate_member_count"] = len(self.members)
            data["approximate_presence_count"] = 0
        return data


def _sid(value: int | None) -> str | None:
    return None if value is None else str(value)


__all__ = [
    "Application",
    "Attachment",
    "Channel",
    "ChannelType",
    "Guild",
    "Member",
    "Message",
    "Overwrite",
    "Reaction",
    "Role",
    "User",
    "emoji_key",
    "iso",
]
