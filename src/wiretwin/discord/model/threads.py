"""Threads and forum posts: starting them, their members, archiving, and messages in them.

A thread is a channel of type 10 (announcement), 11 (public) or 12 (private) with a
parent and a :class:`~.entities.ThreadInfo`. It is kept in ``model.channels`` but not in
its guild's channel list (GUILD_CREATE lists the active ones under ``threads``).
Permissions are the parent's, with SEND_MESSAGES_IN_THREADS standing in for
SEND_MESSAGES, and a private thread is visible only to its members and to those with
MANAGE_THREADS (:meth:`~.base.ModelBase.permissions`).

Gateway: THREAD_CREATE (``newly_created``), THREAD_UPDATE, THREAD_DELETE,
THREAD_MEMBERS_UPDATE (members joining or leaving) and THREAD_MEMBER_UPDATE (the bot's own
membership). A thread started from a message has that message's id, and the message gets
the HAS_THREAD flag and a ``thread`` field; a public thread started on its own posts a
THREAD_CREATED (type 18) message in its parent; a forum post starts with its first
message, whose id is the thread's. Sending in an archived (unlocked) thread unarchives
it, and the sender joins it.
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    THREAD_ALREADY_CREATED,
    THREAD_ARCHIVED,
    UNKNOWN_MESSAGE,
    WRONG_CHANNEL_TYPE,
    Path,
)
from ..wire.bodies import read_message
from ..wire.changes import ARCHIVE_DURATIONS, read_thread
from ..wire.fields import Form
from .base import DiscordError, form_error
from .entities import THREAD_TYPES, Channel, ChannelType, Message, ThreadInfo
from .messages import MessageOps

HAS_THREAD = 1 << 5
_THREAD_PARENTS = (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT,
                   ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA)


def archived_error() -> DiscordError:
    return THREAD_ARCHIVED()


class ThreadOps(MessageOps):
    def store_message(self, channel: Channel, message: Message) -> Message:
        if channel.thread is not None:
            self.thread_message_sent(channel, message.author_id,
                                     starter=message.id == channel.id)
        return super().store_message(channel, message)

    def start_thread(self, parent: Channel, owner_id: int, name: str, *,
                     kind: int = ChannelType.PUBLIC_THREAD, message: Message | None = None,
                     auto_archive_duration: int = 4320, rate_limit_per_user: int = 0,
                     invitable: bool = True, starter: dict[str, Any] | None = None,
                     applied_tags: list[int] | None = None,
                     starter_webhook: tuple[int, dict[str, Any]] | None = None,
                     starter_path: Path = ("message",)) -> Channel:
        """``owner_id`` starts a thread in ``parent`` (from ``message``, on its own, or a
        forum post whose first message is ``starter``: content, embeds... as a client
        sends them, its problems reported under ``starter_path``)."""
        if parent.type not in _THREAD_PARENTS or parent.guild_id is None:
            raise WRONG_CHANNEL_TYPE()
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH",
                             "Must be between 1 and 100 in length.")
        if auto_archive_duration not in ARCHIVE_DURATIONS:
            raise form_error("auto_archive_duration", "BASE_TYPE_CHOICES",
                             "Value must be one of {60, 1440, 4320, 10080}.")
        forum = parent.type in (ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA)
        first_body = None
        if forum:
            if starter is None:
                raise form_error("message", "BASE_TYPE_REQUIRED", "This field is required")
            starter_form = Form(starter, starter_path)
            first_body = read_message(starter_form)
            starter_form.check()
            kind = ChannelType.PUBLIC_THREAD
        elif message is not None:
            if message.channel_id != parent.id:
                raise UNKNOWN_MESSAGE()
            if message.flags & HAS_THREAD:
                raise THREAD_ALREADY_CREATED()
            kind = (ChannelType.ANNOUNCEMENT_THREAD
                    if parent.type == ChannelType.GUILD_ANNOUNCEMENT
                    else ChannelType.PUBLIC_THREAD)
        elif kind not in (ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD) or (
                parent.type == ChannelType.GUILD_ANNOUNCEMENT
                and kind == ChannelType.PRIVATE_THREAD):
            raise form_error("type", "BASE_TYPE_CHOICES", "Value must be one of {11, 12}.")
        now = self.now_ms
        thread_id = message.id if message is not None else self.ids.next()
        info = ThreadInfo(owner_id, now, now, auto_archive_duration, invitable=invitable,
                          applied_tags=list(applied_tags or []))
        thread = Channel(thread_id, ChannelType(kind), name, parent.guild_id,
                         parent_id=parent.id, rate_limit_per_user=rate_limit_per_user,
                         thread=info)
        self.channels[thread.id] = thread
        self.messages[thread.id] = {}
        info.members[owner_id] = now
        self.effects.dispatch("THREAD_CREATE", {**self.channel_json(thread),
                                                "newly_created": True},
                              guild_id=parent.guild_id)
        self._member_added(thread, owner_id)
        if message is not None:
            message.flags |= HAS_THREAD
            self.effects.dispatch("MESSAGE_UPDATE", self.message_json(message),
                                  guild_id=parent.guild_id)
        elif forum and first_body is not None:
            first = self.build_message(
                thread, owner_id, first_body.content or "", embeds=first_body.embeds,
                components=first_body.components,
                allowed_mentions=first_body.allowed_mentions)
            first.id = thread.id  # a forum post's first message has the thread's id
            if starter_webhook is not None:  # a webhook's post: it is the author
                first.webhook_id, first.webhook_author = starter_webhook
            self.store_message(thread, first)
        elif kind == ChannelType.PUBLIC_THREAD:
            notice = Message(self.ids.next(), parent.id, owner_id, name, parent.guild_id,
                             18, reference={"channel_id": str(thread.id),
                                            "guild_id": str(parent.guild_id)})
            self.store_message(parent, notice)
        return thread

    def join_thread(self, thread: Channel, user_id: int) -> None:
        info = self._info(thread)
        if info.archived:
            raise archived_error()
        if user_id in info.members:
            return
        self.user(user_id)
        info.members[user_id] = self.now_ms
        self._member_added(thread, user_id)

    def leave_thread(self, thread: Channel, user_id: int) -> None:
        info = self._info(thread)
        if info.archived:
            raise archived_error()
        if info.members.pop(user_id, None) is None:
            return
        self.effects.dispatch("THREAD_MEMBERS_UPDATE", {
            "id": str(thread.id), "guild_id": str(thread.guild_id),
            "member_count": len(info.members), "removed_member_ids": [str(user_id)]},
            guild_id=thread.guild_id)

    def modify_thread(self, thread: Channel, changes: dict[str, Any]) -> Channel:
        """Rename, (un)archive, lock... a thread (THREAD_UPDATE); ``changes`` as a client
        sends them (:func:`~..changes.read_thread`)."""
        info = self._info(thread)
        changes = read_thread(changes)
        if "name" in changes:
            thread.name = changes["name"]
        if "rate_limit_per_user" in changes:
            thread.rate_limit_per_user = changes["rate_limit_per_user"]
        for key in ("auto_archive_duration", "locked", "invitable", "applied_tags"):
            if key in changes:
                setattr(info, key, changes[key])
        if "archived" in changes and changes["archived"] != info.archived:
            info.archived = changes["archived"]
            info.archive_ms = self.now_ms
        self.effects.dispatch("THREAD_UPDATE", self.channel_json(thread),
                              guild_id=thread.guild_id)
        return thread

    def delete_thread(self, thread: Channel) -> Channel:
        self._info(thread)
        del self.channels[thread.id]
        self.messages.pop(thread.id, None)
        self.effects.dispatch("THREAD_DELETE", {
            "id": str(thread.id), "guild_id": str(thread.guild_id),
            "parent_id": str(thread.parent_id), "type": int(thread.type)},
            guild_id=thread.guild_id)
        return thread

    def thread_message_sent(self, thread: Channel, author_id: int, *,
                            starter: bool = False) -> None:
        """Before a message is kept in ``thread``: unarchive it, and the author joins
        (a forum post's first message is not counted)."""
        info = self._info(thread)
        if info.archived:
            info.archived = False
            info.archive_ms = self.now_ms
            self.effects.dispatch("THREAD_UPDATE", self.channel_json(thread),
                                  guild_id=thread.guild_id)
        if author_id not in info.members and author_id in self.users:
            info.members[author_id] = self.now_ms
            self._member_added(thread, author_id)
        if not starter:
            info.message_count += 1
            info.total_message_sent += 1

    # -- helpers ------------------------------------------------------------------------

    def _info(self, thread: Channel) -> ThreadInfo:
        if thread.thread is None:
            raise WRONG_CHANNEL_TYPE()
        return thread.thread

    def _member_added(self, thread: Channel, user_id: int) -> None:
        info = self._info(thread)
        member = info.member_json(thread.id, user_id)
        guild = self.guilds[thread.guild_id] if thread.guild_id is not None else None
        added = dict(member)
        if guild is not None and user_id in guild.members:
            added["member"] = self.member_json(guild, user_id)
        self.effects.dispatch("THREAD_MEMBERS_UPDATE", {
            "id": str(thread.id), "guild_id": str(thread.guild_id),
            "member_count": len(info.members), "added_members": [added]},
            guild_id=thread.guild_id)
        if user_id == self.bot.id:
            self.effects.dispatch("THREAD_MEMBER_UPDATE", {
                **member, "guild_id": str(thread.guild_id)}, guild_id=thread.guild_id)


__all__ = ["ARCHIVE_DURATIONS", "HAS_THREAD", "THREAD_TYPES", "ThreadOps", "archived_error"]
