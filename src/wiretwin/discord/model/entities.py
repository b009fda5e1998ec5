"""Discord's objects as plain dataclasses.

Their JSON is built in one place, :mod:`wiretwin.discord.wire.serialize`; each
``to_json`` here delegates to it, so REST answers, gateway dispatches and snapshots share
one shape per object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any

from ..snowflake import snowflake_time_ms
from ..wire.serialize import (
    application_json,
    attachment_json,
    channel_json,
    emoji_json,
    guild_json,
    iso,
    member_json,
    message_json,
    overwrite_json,
    poll_json,
    reaction_json,
    role_json,
    scheduled_event_json,
    sticker_json,
    thread_member_json,
    user_json,
    webhook_author_json,
    webhook_json,
)


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
        return thread_member_json(self, thread_id, user_id)


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
        return user_json(self)


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
        return application_json(self)


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
        return role_json(self)


@dataclass
class Overwrite:
    id: int
    #: 0 role, 1 member.
    type: int
    allow: int = 0
    deny: int = 0

    def to_json(self) -> dict[str, Any]:
        return overwrite_json(self)


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
    #: Voice channels: the status someone in it set, and when its first member joined
    #: (both end when it empties; see :mod:`.voice_channels`).
    status: str | None = None
    voice_start_ms: float | None = None
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
        return channel_json(self, users)


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
        return webhook_json(self, users, with_token=with_token, with_user=with_user)

    def author(self, username: str | None = None, avatar: str | None = None
               ) -> dict[str, Any]:
        return webhook_author_json(self, username, avatar)


@dataclass
class Emoji:
    """A custom emoji: a guild's, or the application's own (``guild_id`` None), with
    its image (served by the twin's CDN)."""

    id: int
    name: str
    guild_id: int | None
    creator_id: int
    image: bytes = b""
    content_type: str = "image/png"
    #: Roles allowed to use it (none: everyone).
    roles: list[int] = field(default_factory=list)
    animated: bool = False
    available: bool = True

    def to_json(self, creator: User | None = None) -> dict[str, Any]:
        return emoji_json(self, creator)


@dataclass
class Sticker:
    """A guild's sticker (type 2), with its file (served by the twin's CDN)."""

    id: int
    name: str
    guild_id: int
    creator_id: int
    #: 1 PNG, 2 APNG, 3 Lottie, 4 GIF.
    format_type: int = 1
    image: bytes = b""
    description: str | None = None
    tags: str = ""
    available: bool = True

    def to_json(self, creator: User | None = None) -> dict[str, Any]:
        return sticker_json(self, creator)


@dataclass
class ScheduledEvent:
    """A guild scheduled event (see :mod:`.scheduled_events`)."""

    id: int
    guild_id: int
    name: str
    creator_id: int
    #: 1 STAGE_INSTANCE, 2 VOICE, 3 EXTERNAL.
    entity_type: int
    start_ms: float
    channel_id: int | None = None
    end_ms: float | None = None
    description: str | None = None
    #: ``entity_metadata.location`` (EXTERNAL events only).
    location: str | None = None
    #: 1 SCHEDULED, 2 ACTIVE, 3 COMPLETED, 4 CANCELED.
    status: int = 1
    #: The cover image as uploaded (served by the CDN under its hash), or empty.
    image: bytes = b""
    #: As the bot sent it; echoed, never acted on.
    recurrence_rule: dict[str, Any] | None = None
    #: Users subscribed ("interested"), by id.
    subscribers: list[int] = field(default_factory=list)

    def to_json(self, creator: User | None = None, *, user_count: bool = False
                ) -> dict[str, Any]:
        return scheduled_event_json(self, creator, user_count=user_count)


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
        return member_json(self, user, with_user=with_user)


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
    #: A voice message's recording: its length in seconds and its waveform (base64), as
    #: the client sent them (Discord keeps them only on voice messages).
    duration_secs: float | None = None
    waveform: str | None = None

    def to_json(self) -> dict[str, Any]:
        return attachment_json(self)


@dataclass
class Reaction:
    #: ``{"id": str|None, "name": str, "animated": bool}``
    emoji: dict[str, Any]
    users: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return emoji_key(self.emoji)

    def to_json(self, me: int) -> dict[str, Any]:
        return reaction_json(self, me)


@dataclass
class Poll:
    """A message's poll: its question and answers, when it ends, and who voted for what."""

    question: str
    #: Each answer as Discord shows it: ``{"answer_id": 1, "poll_media": {"text": ...,
    #: "emoji"?: {...}}}``, ids from 1 in order.
    answers: list[dict[str, Any]]
    #: When it ends (epoch ms): its message's time plus its duration, or when it was
    #: ended early.
    expiry_ms: float
    allow_multiselect: bool = False
    layout_type: int = 1
    #: answer id -> the users who voted for it, in the order they voted.
    votes: dict[int, list[int]] = field(default_factory=dict)
    #: The poll has ended and its votes are counted (``results.is_finalized``).
    finalized: bool = False

    def answer_ids(self) -> list[int]:
        return [int(a["answer_id"]) for a in self.answers]

    def voted(self, user_id: int) -> list[int]:
        """The answers ``user_id`` voted for, in answer order."""
        return [a for a in self.answer_ids() if user_id in self.votes.get(a, [])]

    def to_json(self, me: int) -> dict[str, Any]:
        return poll_json(self, me)


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
    poll: Poll | None = None
    #: When it was pinned (epoch ms), while it is.
    pinned_ms: float | None = None
    #: A forward's ``message_snapshots``: each the forwarded message's fields as they
    #: were when it was forwarded (:func:`snapshot_json`), never updated after.
    snapshots: list[dict[str, Any]] = field(default_factory=list)

    @property
    def created_ms(self) -> int:
        return snowflake_time_ms(self.id)

    def to_json(self, users: dict[int, User], *, me: int,
                member: dict[str, Any] | None = None,
                referenced: dict[str, Any] | None = None,
                content_visible: bool = True) -> dict[str, Any]:
        return message_json(self, users, me=me, member=member, referenced=referenced,
                            content_visible=content_visible)


#: ``owner_id`` of a guild nobody owns, as dpytest builds its guilds: no user is its
#: owner, so no member outranks the others as the owner would. Discord's guilds always
#: have an owner; only a world is built without one (:meth:`GuildOps.create_guild`).
NO_OWNER = 0


class GuildRules(Enum):
    """Which rules bind the bot in a guild.

    ``DISCORD`` (every guild but a dpytest world's): all of Discord's.
    ``DPYTEST``: what dpytest enforces, for a world built as dpytest builds it
    (:mod:`wiretwin.compat.dpytest.world`). The bot holds every guild-wide permission but
    ADMINISTRATOR, although no role it has says so (dpytest checks none of them); the role
    hierarchy and the limit on granting permissions do not bind it (it ranks above every
    role, may give any role any permission and move it anywhere); channel overwrites
    apply to it as on Discord, so one that denies it SEND_MESSAGES or MANAGE_ROLES still
    refuses with 403 50013 (dpytest's two permission checks), and in such a guild the
    refusal's message names the permission, the channel and the overwrite. Everyone else
    is held to Discord's rules there too, but for SEND_POLLS, which nobody needs there
    (dpytest's @everyone predates it). Its GUILD_CREATE lists every member in the
    order they joined, whatever the session's intents, as dpytest's state holds them
    (Discord lists only the bot and members in voice to a session without
    GUILD_PRESENCES; discord.py then asks for the rest, and lists the bot first).
    """

    DISCORD = "discord"
    DPYTEST = "dpytest"


@dataclass
class Guild:
    id: int
    name: str
    #: The owner's user id (:data:`NO_OWNER` for a guild nobody owns).
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
    #: Which rules bind the bot here (only a dpytest world is built with others).
    rules: GuildRules = GuildRules.DISCORD
    #: Custom emojis by id.
    emojis: dict[int, Emoji] = field(default_factory=dict)
    #: Stickers by id.
    stickers: dict[int, Sticker] = field(default_factory=dict)
    #: Scheduled events by id.
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def to_json(self, *, member_count: bool = False) -> dict[str, Any]:
        return guild_json(self, member_count=member_count)


__all__ = [
    "NO_OWNER",
    "Application",
    "Attachment",
    "Channel",
    "ChannelType",
    "Emoji",
    "Guild",
    "GuildRules",
    "Member",
    "Message",
    "Overwrite",
    "Poll",
    "Reaction",
    "Role",
    "ScheduledEvent",
    "Sticker",
    "User",
    "emoji_key",
    "iso",
]
