"""Search Guild Messages: which of a guild's messages a query matches, among those the
searcher may read.

Discord's search runs on an index with tokenised content; the twin matches over its
messages directly, which keeps the rules a test can rely on: every word of ``content``
appears in the message (case-insensitive), each list filter matches any of its values,
a ``has``/``author_type`` value prefixed with ``-`` excludes, and results are by time
(``sort_by=relevance`` sorts by time too: the twin ranks nothing). Channels the searcher
cannot see or whose history it cannot read are left out, as are age-restricted ones
unless ``include_nsfw``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..permissions import Permission
from .base import ModelBase
from .entities import Guild, Message
from .messages import HAS_SNAPSHOT

_WORD = re.compile(r"\w+")
_LINK = re.compile(r"https?://", re.IGNORECASE)


@dataclass
class SearchQuery:
    """A search's filters, read from its query string (``None``/empty: no filter)."""

    content: str | None = None
    channel_ids: list[int] = field(default_factory=list)
    author_ids: list[int] = field(default_factory=list)
    author_types: list[str] = field(default_factory=list)
    mentions: list[int] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    mention_everyone: bool | None = None
    replied_to_message_ids: list[int] = field(default_factory=list)
    pinned: bool | None = None
    has: list[str] = field(default_factory=list)
    max_id: int | None = None
    min_id: int | None = None
    include_nsfw: bool = False
    oldest_first: bool = False
    limit: int = 25
    offset: int = 0


class SearchOps(ModelBase):
    def search_messages(self, guild: Guild, reader_id: int, q: SearchQuery
                        ) -> tuple[int, list[Message]]:
        """How many of ``guild``'s messages match ``q`` and that page of them (``offset``,
        ``limit``), newest first unless ``q.oldest_first``."""
        readable = Permission.VIEW_CHANNEL | Permission.READ_MESSAGE_HISTORY
        found: list[Message] = []
        for channel in self.channels.values():
            if channel.guild_id != guild.id or (channel.nsfw and not q.include_nsfw):
                continue
            if q.channel_ids and channel.id not in q.channel_ids:
                continue
            if self.permissions(channel, reader_id) & readable != readable:
                continue
            found.extend(m for m in self.messages.get(channel.id, {}).values()
                         if self._matches(m, q))
        found.sort(key=lambda m: m.id, reverse=not q.oldest_first)
        return len(found), found[q.offset:q.offset + q.limit]

    def _matches(self, message: Message, q: SearchQuery) -> bool:
        if q.max_id is not None and message.id >= q.max_id:
            return False
        if q.min_id is not None and message.id <= q.min_id:
            return False
        if q.content:
            words = {w.lower() for w in _WORD.findall(message.content)}
            if not all(w.lower() in words for w in _WORD.findall(q.content)):
                return False
        if q.author_ids and message.author_id not in q.author_ids:
            return False
        if q.mentions and not set(q.mentions) & set(message.mentions):
            return False
        if q.mention_role_ids and not set(q.mention_role_ids) & set(message.mention_roles):
            return False
        if q.mention_everyone is not None and message.mention_everyone != q.mention_everyone:
            return False
        if q.pinned is not None and message.pinned != q.pinned:
            return False
        if q.replied_to_message_ids and not (
                message.reference is not None and message.reference.get("type", 0) == 0
                and int(message.reference.get("message_id") or 0)
                in q.replied_to_message_ids):
            return False
        return (_passes(q.author_types, self._author_types(message))
                and _passes(q.has, _has(message)))

    def _author_types(self, message: Message) -> set[str]:
        if message.webhook_id is not None:
            return {"webhook"}
        user = self.users.get(message.author_id)
        return {"bot"} if user is not None and user.bot else {"user"}


def _has(message: Message) -> set[str]:
    """What a message has, in the ``has`` filter's words."""
    kinds = {a.content_type or "" for a in message.attachments}
    found = set()
    if message.attachments:
        found.add("file")
    for word, prefix in (("image", "image/"), ("video", "video/"), ("sound", "audio/")):
        if any(k.startswith(prefix) for k in kinds):
            found.add(word)
    if message.embeds:
        found.add("embed")
    if _LINK.search(message.content):
        found.add("link")
    if message.poll is not None:
        found.add("poll")
    if message.flags & HAS_SNAPSHOT:
        found.add("snapshot")
    return found


def _passes(wanted: list[str], present: set[str]) -> bool:
    """Any of the plain values is present (when there are some), and none of the
    ``-`` ones is."""
    plain = [w for w in wanted if not w.startswith("-")]
    banned = {w[1:] for w in wanted if w.startswith("-")}
    return (not plain or bool(set(plain) & present)) and not banned & present


__all__ = ["SearchOps", "SearchQuery"]
