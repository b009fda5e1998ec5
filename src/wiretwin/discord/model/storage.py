"""How much history the Discord twin keeps, so that a long run stays within its memory.

Discord keeps every message and file for good; a twin that did the same would grow with
every post a test (or a fuzzer) makes. So it remembers the newest messages of each
channel, and the bytes of the most recent uploads:

* past ``messages_per_channel``, a channel's oldest message is forgotten: fetching it
  answers 10008 Unknown Message, and no MESSAGE_DELETE goes out (nobody deleted it);
* past ``attachment_bytes`` of uploads, the oldest file's bytes go: its link answers 404,
  as an expired Discord CDN link does, while its message still lists it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .entities import Attachment, Message


@dataclass(frozen=True)
class StorageLimits:
    """``DiscordTwin(storage_limits=StorageLimits(...))``; see the module's docstring."""

    messages_per_channel: int = 5_000
    attachment_bytes: int = 256 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("messages_per_channel", "attachment_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1")


class History:
    """Applies :class:`StorageLimits` to the model's messages and uploads."""

    def __init__(self, limits: StorageLimits) -> None:
        self.limits = limits
        self._uploads: deque[tuple[int, Attachment]] = deque()
        #: Bytes of upload data kept now (what ``attachment_bytes`` bounds).
        self.upload_bytes = 0

    def keep(self, channel_messages: dict[int, Message], message: Message) -> None:
        """Add ``message`` to its channel's messages, forgetting the oldest past the limit."""
        channel_messages[message.id] = message
        while len(channel_messages) > self.limits.messages_per_channel:
            del channel_messages[next(iter(channel_messages))]
        self.uploaded(message.attachments)

    def uploaded(self, attachments: list[Attachment]) -> None:
        """Count new files' bytes, letting the oldest files' bytes go past the limit."""
        for attachment in attachments:
            if attachment.data:
                self._uploads.append((len(attachment.data), attachment))
                self.upload_bytes += len(attachment.data)
        while self.upload_bytes > self.limits.attachment_bytes and len(self._uploads) > 1:
            size, oldest = self._uploads.popleft()
            self.upload_bytes -= size
            oldest.data = b""
            oldest.expired = True

    def clear(self) -> None:
        self._uploads.clear()
        self.upload_bytes = 0


__all__ = ["History", "StorageLimits"]
