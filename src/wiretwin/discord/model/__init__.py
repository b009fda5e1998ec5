"""The Discord model: state and rules, no I/O (see :mod:`.base` for the theory of operation)."""

from __future__ import annotations

from collections.abc import Callable

from ...runtime.clock import Clock
from .base import (
    ATTACHMENT_LIMIT,
    DiscordError,
    Effects,
    form_error,
    missing_access,
    missing_permissions,
    unknown,
)
from .commands import CommandOps
from .emojis import EmojiOps
from .entities import (
    NO_OWNER,
    Application,
    Attachment,
    Channel,
    ChannelType,
    Emoji,
    Guild,
    GuildRules,
    Member,
    Message,
    Overwrite,
    Poll,
    Reaction,
    Role,
    ScheduledEvent,
    Sticker,
    User,
    Webhook,
)
from .guilds import GuildOps
from .members import MemberOps
from .messages import MessageOps
from .polls import PollOps
from .scheduled_events import ScheduledEventOps
from .search import SearchOps
from .stickers import StickerOps
from .storage import StorageLimits
from .threads import ThreadOps
from .webhooks import WebhookOps


class DiscordModel(GuildOps, MemberOps, WebhookOps, ThreadOps, PollOps, MessageOps,
                   CommandOps, EmojiOps, StickerOps, SearchOps, ScheduledEventOps):
    """Everything the Discord twin holds, and every operation on it."""

    def __init__(self, effects: Effects, clock: Clock, application: Application, *,
                 attachment_limit: int = ATTACHMENT_LIMIT,
                 storage_limits: StorageLimits | None = None,
                 voice_endpoint: Callable[[], str] | None = None) -> None:
        super().__init__(effects, clock, application, attachment_limit=attachment_limit,
                         storage_limits=storage_limits, voice_endpoint=voice_endpoint)

    def tick(self, until_ms: float | None = None) -> None:
        """Do what is due by now (or by ``until_ms``, the time a wake-up was asked for:
        :meth:`Effects.wake_at`): end the polls whose time has come."""
        self.end_polls_due(until_ms)


__all__ = [
    "ATTACHMENT_LIMIT",
    "NO_OWNER",
    "Application",
    "Attachment",
    "Channel",
    "ChannelType",
    "DiscordError",
    "DiscordModel",
    "Effects",
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
    "StorageLimits",
    "User",
    "Webhook",
    "form_error",
    "missing_access",
    "missing_permissions",
    "unknown",
]
