"""Acting as the humans in that world: messages, reactions, pins, typing, DMs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..coerce import (
    UNSET,
    BackendError,
    embed_of,
    emoji_of,
    file_of,
    poll_request_of,
    user_id_of,
)
from ..model import (
    Attachment,
    Channel,
    ChannelType,
    Message,
)
from ..permissions import Permission
from ..wire.fields import Form
from ..wire.polls import read_poll
from .base import BackendBase


class UserActions(BackendBase):
    # -- acting as users ----------------------------------------------------------------

    async def send_message(self, channel: Any = None, content: str = "", author: Any = None,
                           *, embeds: Iterable[Any] = (), attachments: Iterable[Any] = (),
                           reply_to: Any = None, tts: bool = False, poll: Any = None,
                           check_permissions: bool = True,
                           message_id: int | None = None) -> Message:
        """``author`` (default: the first human member) posts in ``channel`` (default: the
        first text channel the bot is in) (MESSAGE_CREATE). Attachments: paths, bytes,
        ``(filename, bytes)``, ``discord.File``, or a file :meth:`upload` returned (it
        keeps its id). ``poll``: a ``discord.Poll`` or a poll create request dict, checked
        as Discord checks one. Discord's own checks apply, as to a post over REST: the
        channel must take messages, and (unless ``check_permissions`` is False) the author
        must be able to see it and send messages, attach files, read the history it
        replies to and send polls. ``message_id``: the message's id, chosen (a bot with
        hard-coded ids)."""
        embed_list = [embed_of(e) for e in embeds]
        files = [a if isinstance(a, Attachment) else file_of(a) for a in attachments]
        poll_body = None if poll is None else {"poll": poll_request_of(poll)}

        def post() -> Message:
            where = self._channel(channel) if channel is not None \
                else self._default_text_channel()
            author_id = self._author(author, where)
            made = []
            for file in files:
                if isinstance(file, Attachment):  # uploaded ahead: its id, the channel's link
                    served = file.url.startswith(self.twin.http_url("/"))
                    made.append(replace(file, url=self.twin.attachment_url(
                        where.id, file.id, file.filename)) if served else file)
                    continue
                name, data, ctype = file
                attachment_id = self.model.ids.next()
                made.append(Attachment(attachment_id, name, len(data), ctype,
                                       self.twin.http_url(
                                           f"/attachments/{where.id}/{attachment_id}/{name}"),
                                       data))
            reference = None
            if reply_to is not None:
                target = self._message(reply_to)
                reference = {"message_id": str(target.id), "channel_id": str(target.channel_id)}
            asked = None
            if poll_body is not None:
                form = Form(poll_body)
                asked = read_poll(form)
                form.check()
            self._claim(message_id, "message")
            self.model.ids.hand_out(message_id)  # the message's own id, made next
            try:
                message: Message = self.model.post_message(
                    where, author_id, content, embeds=embed_list, attachments=made,
                    reference=reference, tts=tts, poll=asked,
                    check_permissions=check_permissions)
            finally:
                self.model.ids.hand_out(None)
            return message

        return await self._run(post)

    async def upload(self, file: Any, *, attachment_id: int | None = None) -> Attachment:
        """A file on the CDN ahead of the message that will carry it (a path, bytes,
        ``(filename, bytes)`` or ``discord.File``): its link serves the bytes at once, and
        :meth:`send_message` attaches it under its id (``attachment_id``: one chosen, a
        snowflake no other upload has)."""
        name, data, ctype = file_of(file)
        if attachment_id is not None and (isinstance(attachment_id, bool) or not isinstance(
                attachment_id, int) or not 0 < attachment_id < 2**64):
            raise BackendError(f"an attachment id is a snowflake, not {attachment_id!r}")

        def stage() -> Attachment:
            if attachment_id in self.twin.uploads:
                raise BackendError(f"an upload already has the id {attachment_id}")
            chosen = attachment_id if attachment_id is not None else self.model.ids.next()
            staged = Attachment(chosen, name, len(data), ctype,
                                self.twin.upload_url(chosen, name), data)
            self.twin.uploads[chosen] = staged
            return staged

        return await self._run(stage, changes=False)

    async def edit_message(self, message: Any, new_content: Any = UNSET, *,
                           content: Any = UNSET, embeds: Any = UNSET) -> Message:
        """MESSAGE_UPDATE: new content and/or embeds."""
        changes: dict[str, Any] = {}
        text = content if content is not UNSET else new_content
        if text is not UNSET:
            changes["content"] = text
        if embeds is not UNSET:
            changes["embeds"] = [embed_of(e) for e in embeds or []]
        return await self._run(lambda: self.model.edit_message(self._message(message),
                                                               changes))

    async def delete_message(self, message: Any) -> None:
        """MESSAGE_DELETE."""
        await self._run(lambda: self.model.delete_message(self._message(message)))

    async def add_reaction(self, message: Any, user: Any, emoji: Any) -> None:
        """``user`` reacts (MESSAGE_REACTION_ADD)."""
        await self._run(lambda: self.model.add_reaction(self._message(message),
                                                        user_id_of(user), emoji_of(emoji)))

    async def remove_reaction(self, message: Any, user: Any, emoji: Any) -> None:
        """``user`` takes the reaction back (MESSAGE_REACTION_REMOVE)."""
        await self._run(lambda: self.model.remove_reaction(self._message(message),
                                                           user_id_of(user), emoji_of(emoji)))

    async def clear_reactions(self, message: Any, emoji: Any = None) -> None:
        await self._run(lambda: self.model.clear_reactions(
            self._message(message), None if emoji is None else emoji_of(emoji)))

    async def pin_message(self, message: Any) -> None:
        await self._run(lambda: self.model.set_pinned(self._message(message), True))

    async def unpin_message(self, message: Any) -> None:
        await self._run(lambda: self.model.set_pinned(self._message(message), False))

    async def start_typing(self, channel: Any, user: Any) -> None:
        """``user`` starts typing in ``channel`` (TYPING_START)."""
        await self._run(lambda: self.model.typing(self._channel(channel), user_id_of(user)))

    async def open_dm(self, user: Any) -> Channel:
        """The DM channel between ``user`` and the bot (send_message in it to DM the bot)."""
        return await self._run(lambda: self.model.open_dm(user_id_of(user), self.model.bot.id))

    # -- threads ------------------------------------------------------------------------

    async def start_thread(self, channel: Any, name: str, user: Any = None, *,
                           message: Any = None, private: bool = False,
                           content: str | None = None,
                           auto_archive_duration: int = 4320) -> Channel:
        """``user`` starts a thread in ``channel``: from ``message``, on its own
        (``private`` or public), or, in a forum channel, a post whose first message is
        ``content``. Discord's checks apply (CREATE_PUBLIC_THREADS ...)."""

        def start() -> Channel:
            parent = self._channel(channel)
            owner = self._author(user, parent)
            source = self._message(message) if message is not None else None
            forum = parent.type in (ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA)
            needed = (Permission.SEND_MESSAGES if forum else
                      Permission.CREATE_PRIVATE_THREADS if private else
                      Permission.CREATE_PUBLIC_THREADS)
            self.model.require(parent, owner, needed)
            kind = ChannelType.PRIVATE_THREAD if private else ChannelType.PUBLIC_THREAD
            return self.model.start_thread(
                parent, owner, name, kind=kind, message=source,
                auto_archive_duration=auto_archive_duration,
                starter={"content": content or name} if forum else None)

        return await self._run(start)

    async def join_thread(self, thread: Any, user: Any) -> None:
        await self._run(lambda: self.model.join_thread(self._channel(thread), user_id_of(user)))

    async def leave_thread(self, thread: Any, user: Any) -> None:
        await self._run(lambda: self.model.leave_thread(self._channel(thread), user_id_of(user)))

    async def archive_thread(self, thread: Any, *, locked: bool = False) -> Channel:
        """Archive ``thread`` (as a moderator would; ``locked`` keeps others out)."""
        return await self._run(lambda: self.model.modify_thread(
            self._channel(thread), {"archived": True, "locked": locked}))
