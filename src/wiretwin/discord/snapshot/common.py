"""What the snapshot modules share: the format, its keys, and its error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

FORMAT = 1
#: Privileged intents the application may ask for when a snapshot does not say.
DEFAULT_FLAGS = (1 << 12) | (1 << 14) | (1 << 18)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KEYS = ("format", "application", "users", "guilds", "roles", "channels", "members",
         "bans", "voice_states", "messages", "commands",
         "webhooks", "command_permissions", "emojis", "stickers",
         "scheduled_events")

#: ``attachment_url(channel_id, attachment_id, filename)``: where the twin serves a file.
AttachmentUrl = Callable[[int, int, str], str]


class SnapshotError(ValueError):
    """A snapshot (or world file) that cannot be restored; the message says where."""
