"""Messages, reactions, pins, typing and DM channels."""

from __future__ import annotations

import re
from typing import Any

from ..errors import (
    BULK_DELETE_TOO_OLD,
    CANNOT_FORWARD_UNREADABLE,
    CANNOT_MESSAGE_USER,
    EMPTY_MESSAGE,
    MAX_PINS,
    MAX_REACTIONS,
    NOT_TEXT_CHANNEL,
    POLL_NOT_EDITABLE,
    SYSTEM_MESSAGE,
    THREAD_ARCHIVED,
    VOICE_NOT_ALLOWED,
    VOICE_NOT_EDITABLE,
)
from ..permissions import Permission
from ..wire.bodies import read_allowed_mentions, read_attachments, read_embeds, read_reference
from ..wire.components import check_message_components, number_components
from ..wire.fields import INT_MAX, Form
from ..wire.polls import PollRequest
from ..wire.serialize import FORWARD, snapshot_json
from . import rules
from .base import ModelBase, form_error
from .entities import Attachment, Channel, ChannelType, Message, Poll, Reaction, emoji_key, iso
from .voice_messages import IS_VOICE_MESSAGE, check_voice_message, without_recording

MAX_CONTENT = 2000
MAX_EMBEDS = 10
HOUR_MS = 3_600_000
#: Channels that hold no messages of their own: a category, a forum or media channel
#: (messages go in its posts), a directory. Voice and stage channels have text chat.
_NO_MESSAGES = frozenset({ChannelType.GUILD_CATEGORY, ChannelType.GUILD_DIRECTORY,
                          ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA})
#: The application flags that grant message content (GATEWAY_MESSAGE_CONTENT[_LIMITED]).
MESSAGE_CONTENT_FLAGS = (1 << 18) | (1 << 19)
#: A forward's flag: it carries a snapshot of another message.
HAS_SNAPSHOT = 1 << 14
#: The message types a forward may carry: a plain message, a reply, a command's response.
_FORWARDABLE_TYPES = frozenset({0, 19, 20, 23})
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


class MessageOps(ModelBase):
    # -- DMs --------------------------------------------------------------------------

    def open_dm(self, a: int, b: int) -> Channel:
        """The DM channel between two users, made on first use."""
        self.user(a)
        self.user(b)
        key = frozenset((a, b))
        channel_id = self.dms.get(key)
        if channel_id is not None:
            return self.channels[channel_id]
        channel = Channel(self.ids.next(), ChannelType.DM, recipients=[a, b] if a != b else [a])
        self.channels[channel.id] = channel
        self.messages[channel.id] = {}
        self.dms[key] = channel.id
        return channel

    # -- messages -----------------------------------------------------------------------

    def post_message(self, channel: Channel, author_id: int, content: str = "", *,
                     embeds: list[dict[str, Any]] | None = None,
                     attachments: list[Attachment] | None = None,
                     reference: dict[str, Any] | None = None,
                     allowed_mentions: dict[str, Any] | None = None,
                     nonce: str | int | None = None, tts: bool = False,
                     components: list[dict[str, Any]] | None = None, flags: int = 0,
                     poll: PollRequest | None = None,
                     check_permissions: bool = True) -> Message:
        """``author_id`` posts in ``channel``, with every check Discord makes of a post,
        whoever asks (the bot over REST, a user through the backend or the admin API):
        the channel takes messages (50008), a DM is not between two bots (50007), at most
        10 embeds, and, unless told otherwise, the author may see the channel and send in
        it (SEND_MESSAGES_IN_THREADS in a thread), attach files (ATTACH_FILES), reply
        (READ_MESSAGE_HISTORY), post a poll (SEND_POLLS) and a voice message
        (SEND_VOICE_MESSAGES, else 50173)."""
        if check_permissions:
            needed = [Permission.SEND_MESSAGES]
            if attachments:
                needed.append(Permission.ATTACH_FILES)
            if reference is not None and not _forwards(reference):
                needed.append(Permission.READ_MESSAGE_HISTORY)
            guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
            if poll is not None and not rules.polls_unasked(guild):
                needed.append(Permission.SEND_POLLS)
            self.require(channel, author_id, *needed)
            if flags & IS_VOICE_MESSAGE and not (
                    self.permissions(channel, author_id) & Permission.SEND_VOICE_MESSAGES):
                raise VOICE_NOT_ALLOWED()
        if embeds is not None and len(embeds) > MAX_EMBEDS:
            raise form_error("embeds", "BASE_TYPE_MAX_LENGTH",
                             f"Must be {MAX_EMBEDS} or fewer in length.")
        if channel.type in _NO_MESSAGES:
            raise NOT_TEXT_CHANNEL()
        if channel.is_dm and self.user(author_id).bot and any(
                self.users[u].bot for u in channel.recipients if u != author_id):
            raise CANNOT_MESSAGE_USER()
        return self.create_message(
            channel, author_id, content, embeds=embeds, attachments=attachments,
            reference=reference, allowed_mentions=allowed_mentions, nonce=nonce, tts=tts,
            components=components, flags=flags, poll=poll)

    def create_message(self, channel: Channel, author_id: int, content: str = "", *,
                       embeds: list[dict[str, Any]] | None = None,
                       attachments: list[Attachment] | None = None,
                       reference: dict[str, Any] | None = None,
                       allowed_mentions: dict[str, Any] | None = None,
                       nonce: str | int | None = None, tts: bool = False,
                       components: list[dict[str, Any]] | None = None,
                       flags: int = 0, message_type: int = 0,
                       poll: PollRequest | None = None) -> Message:
        return self.store_message(channel, self.build_message(
            channel, author_id, content, embeds=embeds, attachments=attachments,
            reference=reference, allowed_mentions=allowed_mentions, nonce=nonce, tts=tts,
            components=components, flags=flags, message_type=message_type, poll=poll))

    def build_message(self, channel: Channel, author_id: int, content: str = "", *,
                      embeds: list[dict[str, Any]] | None = None,
                      attachments: list[Attachment] | None = None,
                      reference: dict[str, Any] | None = None,
                      allowed_mentions: dict[str, Any] | None = None,
                      nonce: str | int | None = None, tts: bool = False,
                      components: list[dict[str, Any]] | None = None,
                      flags: int = 0, message_type: int = 0,
                      poll: PollRequest | None = None) -> Message:
        """A message checked as Discord checks it, not yet kept or sent (see
        :meth:`store_message`); ``poll``: a poll, read from the request (its answers
        numbered from 1, ending ``duration`` hours after the message)."""
        # What the caller passed as a client would (ids as strings or numbers...), typed.
        given = Form({"message_reference": reference, "allowed_mentions": allowed_mentions,
                      "embeds": embeds})
        typed_reference = read_reference(given)
        allowed_mentions = read_allowed_mentions(given)
        embeds = read_embeds(given)
        given.check()
        if typed_reference is not None and typed_reference["type"] == FORWARD:
            if content or embeds or attachments or components or poll is not None:
                raise form_error("message_reference", "MESSAGE_REFERENCE_FORWARD_CONTENT",
                                 "A forward cannot have content of its own.")
            return self._forward(channel, author_id, typed_reference, nonce=nonce,
                                 tts=tts, flags=flags)
        if content and len(content) > MAX_CONTENT:
            raise form_error("content", "BASE_TYPE_MAX_LENGTH",
                             f"Must be {MAX_CONTENT} or fewer in length.")
        if not content and not embeds and not attachments and not components \
                and poll is None:
            raise EMPTY_MESSAGE()
        check_message_components(components, flags)
        if flags & IS_VOICE_MESSAGE:
            check_voice_message(content=content, embeds=embeds, components=components,
                                attachments=list(attachments or []),
                                has_poll=poll is not None)
        else:
            attachments = without_recording(list(attachments or []))
        info = channel.thread
        if info is not None and info.archived and info.locked and not (
                self.permissions(channel, author_id) & Permission.MANAGE_THREADS):
            raise THREAD_ARCHIVED()
        if typed_reference is not None:
            ref_channel = typed_reference["channel_id"] or channel.id
            target = self.messages.get(ref_channel, {}).get(typed_reference["message_id"])
            if target is None and typed_reference["fail_if_not_exists"]:
                raise form_error("message_reference", "REPLIES_UNKNOWN_MESSAGE",
                                 "Unknown message")
            reference = {"type": 0, "channel_id": str(ref_channel),
                         "message_id": str(typed_reference["message_id"]),
                         **({"guild_id": str(channel.guild_id)} if channel.guild_id else {})}
        mentions, roles, everyone = self._mentions(channel, content, allowed_mentions)
        if reference is not None and _replied_user(allowed_mentions):
            target = self.messages.get(int(reference["channel_id"]), {}).get(
                int(reference["message_id"]))
            if target is not None and target.author_id not in mentions:
                mentions.append(target.author_id)
        message = Message(self.ids.next(), channel.id, author_id, content, channel.guild_id,
                          message_type if reference is None else 19, tts, list(embeds or []),
                          list(attachments or []), mentions, roles, everyone,
                          reference=reference, nonce=nonce,
                          components=number_components(components or []), flags=flags)
        if poll is not None:
            message.poll = make_poll(poll, message.created_ms)
        return message

    def _forward(self, channel: Channel, author_id: int, reference: dict[str, Any], *,
                 nonce: str | int | None, tts: bool, flags: int) -> Message:
        """A forward of the message ``reference`` names (its ``channel_id`` required),
        which ``author_id`` must be able to read, content included (else 160014); it
        carries a snapshot of that message as it is now."""
        if reference["channel_id"] is None:
            raise form_error(("message_reference", "channel_id"), "BASE_TYPE_REQUIRED",
                             "This field is required")
        source_channel = self.channels.get(reference["channel_id"])
        source = (self.messages.get(source_channel.id, {}).get(reference["message_id"])
                  if source_channel is not None else None)
        if source_channel is None or source is None:
            raise form_error("message_reference", "REPLIES_UNKNOWN_MESSAGE",
                             "Unknown message")
        if not self.reads_content(author_id, source_channel, source):
            raise CANNOT_FORWARD_UNREADABLE()
        if source.type not in _FORWARDABLE_TYPES or source.poll is not None:
            raise SYSTEM_MESSAGE()
        ref: dict[str, Any] = {"type": FORWARD, "channel_id": str(source_channel.id),
                               "message_id": str(source.id)}
        if source.guild_id is not None:
            ref["guild_id"] = str(source.guild_id)
        return Message(self.ids.next(), channel.id, author_id, "", channel.guild_id, 0, tts,
                       reference=ref, nonce=nonce, flags=flags | HAS_SNAPSHOT,
                       snapshots=[snapshot_json(source, self.users)])

    def reads_content(self, user_id: int, channel: Channel, message: Message) -> bool:
        """Whether ``user_id`` may read ``message``'s content: it sees ``channel`` and
        its history and, for the bot, holds MESSAGE_CONTENT or is in a DM, the author or
        mentioned (without it Discord empties the content it sends the bot)."""
        perms = self.permissions(channel, user_id)
        if not perms & Permission.VIEW_CHANNEL or not perms & Permission.READ_MESSAGE_HISTORY:
            return False
        return user_id != self.bot.id or self.bot_reads_content(channel, message)

    def bot_reads_content(self, channel: Channel, message: Message) -> bool:
        """Whether what Discord sends the bot keeps ``message``'s content."""
        if self.application.flags & MESSAGE_CONTENT_FLAGS:
            return True
        return (channel.is_dm or message.author_id == self.bot.id
                or self.bot.id in message.mentions)

    def store_message(self, channel: Channel, message: Message) -> Message:
        """Keep a built message in ``channel`` and tell the bot (MESSAGE_CREATE); a poll's
        end is due on the clock (the effects wake the model then)."""
        self.storage.keep(self.messages.setdefault(channel.id, {}), message)
        channel.last_message_id = message.id
        self.effects.dispatch("MESSAGE_CREATE", self.message_json(message),
                              guild_id=channel.guild_id, user_ids=_dm_users(channel))
        if message.poll is not None and not message.poll.finalized:
            self.effects.wake_at(message.poll.expiry_ms)
        return message

    def _mentions(self, channel: Channel, content: str,
                  allowed: dict[str, Any] | None) -> tuple[list[int], list[int], bool]:
        parse = set(allowed.get("parse", [])) if allowed is not None else {"users", "roles",
                                                                            "everyone"}
        users = [int(u) for u in _USER_MENTION.findall(content) if int(u) in self.users]
        if allowed is not None and "users" not in parse:
            users = [u for u in users if str(u) in allowed.get("users", [])]
        roles: list[int] = []
        if channel.guild_id is not None:
            guild_roles = self.guilds[channel.guild_id].roles
            roles = [int(r) for r in _ROLE_MENTION.findall(content) if int(r) in guild_roles]
            if allowed is not None and "roles" not in parse:
                roles = [r for r in roles if str(r) in allowed.get("roles", [])]
        everyone = ("@everyone" in content or "@here" in content) and "everyone" in parse
        return list(dict.fromkeys(users)), roles, everyone

    def edit_message(self, message: Message, changes: dict[str, Any],
                     new_files: list[Attachment] | None = None, *,
                     poll: PollRequest | None = None) -> Message:
        """Apply ``changes`` (and add ``new_files``, and ``poll``) and tell the bot
        (MESSAGE_UPDATE)."""
        self.apply_message_changes(message, changes, new_files, poll=poll)
        channel = self.channels[message.channel_id]
        self.effects.dispatch("MESSAGE_UPDATE", self.message_json(message),
                              guild_id=channel.guild_id, user_ids=_dm_users(channel))
        if poll is not None and message.poll is not None:
            self.effects.wake_at(message.poll.expiry_ms)
        return message

    def apply_message_changes(self, message: Message, changes: dict[str, Any],
                              new_files: list[Attachment] | None = None, *,
                              poll: PollRequest | None = None) -> Message:
        """Check ``changes`` (content, embeds, components, flags, attachments to keep) as
        Discord does, then apply them all, or none if one is refused, and add
        ``new_files``; no event (ephemeral messages use this alone). A poll's message and
        a voice message are never edited (520003, 50162). ``poll``: a poll added by the
        edit, which only the first edit of a deferred interaction response may do (its
        caller's rule); it runs from now."""
        if message.poll is not None:
            raise POLL_NOT_EDITABLE()
        if message.flags & IS_VOICE_MESSAGE:
            raise VOICE_NOT_EDITABLE()
        form = Form(changes)
        content = form.string("content") or ""
        embeds = read_embeds(form)
        components = form.array("components")
        flags = form.integer("flags", 0, INT_MAX)
        kept = read_attachments(form)
        form.check()
        if form.has("content") and len(content) > MAX_CONTENT:
            raise form_error("content", "BASE_TYPE_MAX_LENGTH",
                             f"Must be {MAX_CONTENT} or fewer in length.")
        if form.has("components"):
            check_message_components(components, message.flags)
        if form.has("content"):
            message.content = content
        if form.has("embeds"):
            message.embeds = embeds or []
        if form.has("components"):
            message.components = number_components(components or [])
        if flags is not None:
            message.flags = flags
        if kept is not None:
            keep = {a["id"] for a in kept}
            message.attachments = [a for a in message.attachments if a.id in keep]
        new_files = without_recording(new_files or [])
        message.attachments.extend(new_files)
        self.storage.uploaded(new_files)
        message.edited_ms = self.now_ms
        if poll is not None:
            message.poll = make_poll(poll, int(self.now_ms))
        return message

    def delete_message(self, message: Message) -> None:
        channel = self.channels[message.channel_id]
        del self.messages[channel.id][message.id]
        data: dict[str, Any] = {"id": str(message.id), "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self.effects.dispatch("MESSAGE_DELETE", data, guild_id=channel.guild_id,
                              user_ids=_dm_users(channel))

    def bulk_delete(self, channel: Channel, ids: list[int]) -> None:
        if not 2 <= len(ids) <= 100:
            raise form_error("messages", "BASE_TYPE_BAD_LENGTH",
                             "Must be between 2 and 100 in length.")
        two_weeks_ago = self.now_ms - 14 * 24 * 3600 * 1000
        found = []
        for message_id in dict.fromkeys(ids):
            message = self.messages.get(channel.id, {}).get(message_id)
            if message is None:
                continue
            if message.created_ms < two_weeks_ago:
                raise BULK_DELETE_TOO_OLD()
            found.append(message)
        for message in found:
            del self.messages[channel.id][message.id]
        data: dict[str, Any] = {"ids": [str(m.id) for m in found],
                                "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self.effects.dispatch("MESSAGE_DELETE_BULK", data, guild_id=channel.guild_id)

    def history(self, channel: Channel, *, limit: int = 50, before: int | None = None,
                after: int | None = None, around: int | None = None) -> list[Message]:
        """Newest first, as ``GET /channels/{id}/messages`` answers."""
        if limit < 1:
            raise form_error("limit", "NUMBER_TYPE_MIN",
                             "int value should be greater than or equal to 1.")
        if limit > 100:
            raise form_error("limit", "NUMBER_TYPE_MAX",
                             "int value should be less than or equal to 100.")
        ordered = sorted(self.messages.get(channel.id, {}).values(), key=lambda m: m.id)
        if around is not None:
            older = [m for m in ordered if m.id < around][-(limit // 2):] if limit > 1 else []
            rest = [m for m in ordered if m.id >= around][: limit - len(older)]
            return list(reversed(older + rest))
        if after is not None:
            return list(reversed([m for m in ordered if m.id > after][:limit]))
        if before is not None:
            ordered = [m for m in ordered if m.id < before]
        return list(reversed(ordered[-limit:]))

    # -- reactions ----------------------------------------------------------------------

    def add_reaction(self, message: Message, user_id: int, emoji: dict[str, Any]) -> bool:
        key = emoji_key(emoji)
        reaction = message.reactions.get(key)
        if reaction is None:
            if len(message.reactions) >= 20:
                raise MAX_REACTIONS()
            reaction = message.reactions[key] = Reaction(dict(emoji))
        if user_id in reaction.users:
            return False
        reaction.users.append(user_id)
        channel = self.channels[message.channel_id]
        data = self._reaction_event(message, emoji, user_id)
        if channel.guild_id is not None and user_id in self.guilds[channel.guild_id].members:
            data["member"] = self.member_json(self.guilds[channel.guild_id], user_id)
        data["message_author_id"] = str(message.author_id)
        self.effects.dispatch("MESSAGE_REACTION_ADD", data, guild_id=channel.guild_id,
                              user_ids=_dm_users(channel))
        return True

    def remove_reaction(self, message: Message, user_id: int, emoji: dict[str, Any]) -> bool:
        key = emoji_key(emoji)
        reaction = message.reactions.get(key)
        if reaction is None or user_id not in reaction.users:
            return False
        reaction.users.remove(user_id)
        if not reaction.users:
            del message.reactions[key]
        channel = self.channels[message.channel_id]
        self.effects.dispatch("MESSAGE_REACTION_REMOVE",
                              self._reaction_event(message, reaction.emoji, user_id),
                              guild_id=channel.guild_id, user_ids=_dm_users(channel))
        return True

    def clear_reactions(self, message: Message, emoji: dict[str, Any] | None = None) -> None:
        channel = self.channels[message.channel_id]
        base: dict[str, Any] = {"channel_id": str(channel.id), "message_id": str(message.id)}
        if channel.guild_id is not None:
            base["guild_id"] = str(channel.guild_id)
        if emoji is None:
            message.reactions.clear()
            self.effects.dispatch("MESSAGE_REACTION_REMOVE_ALL", base,
                                  guild_id=channel.guild_id, user_ids=_dm_users(channel))
            return
        removed = message.reactions.pop(emoji_key(emoji), None)
        if removed is not None:
            self.effects.dispatch("MESSAGE_REACTION_REMOVE_EMOJI",
                                  {**base, "emoji": removed.emoji},
                                  guild_id=channel.guild_id, user_ids=_dm_users(channel))

    def _reaction_event(self, message: Message, emoji: dict[str, Any],
                        user_id: int) -> dict[str, Any]:
        channel = self.channels[message.channel_id]
        data: dict[str, Any] = {"user_id": str(user_id), "channel_id": str(channel.id),
                                "message_id": str(message.id), "emoji": emoji,
                                "burst": False, "type": 0}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        return data

    # -- pins and typing ------------------------------------------------------------------

    def set_pinned(self, message: Message, pinned: bool) -> None:
        if message.pinned == pinned:
            return
        if pinned and sum(1 for m in self.messages[message.channel_id].values()
                          if m.pinned) >= 50:
            raise MAX_PINS()
        message.pinned = pinned
        message.pinned_ms = self.now_ms if pinned else None
        channel = self.channels[message.channel_id]
        latest = max((m.pinned_ms for m in self.messages[channel.id].values()
                      if m.pinned_ms is not None), default=None)
        data: dict[str, Any] = {"channel_id": str(channel.id),
                                "last_pin_timestamp": None if latest is None else iso(latest)}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self.effects.dispatch("CHANNEL_PINS_UPDATE", data, guild_id=channel.guild_id,
                              user_ids=_dm_users(channel))
        self.effects.dispatch("MESSAGE_UPDATE", self.message_json(message),
                              guild_id=channel.guild_id, user_ids=_dm_users(channel))

    def typing(self, channel: Channel, user_id: int) -> None:
        data: dict[str, Any] = {"channel_id": str(channel.id), "user_id": str(user_id),
                                "timestamp": int(self.now_ms / 1000)}
        if channel.guild_id is not None:
            guild = self.guilds[channel.guild_id]
            data["guild_id"] = str(guild.id)
            if user_id in guild.members:
                data["member"] = self.member_json(guild, user_id)
        self.effects.dispatch("TYPING_START", data, guild_id=channel.guild_id,
                              user_ids=_dm_users(channel))


def make_poll(request: PollRequest, start_ms: float) -> Poll:
    """A message's poll as asked for: answers numbered from 1, ending ``duration`` hours
    after ``start_ms`` (when its message was posted)."""
    answers = [{"answer_id": n, "poll_media": dict(media)}
               for n, media in enumerate(request.answers, 1)]
    return Poll(request.question, answers, start_ms + request.duration_hours * HOUR_MS,
                request.allow_multiselect, request.layout_type)


def _dm_users(channel: Channel) -> frozenset[int] | None:
    return frozenset(channel.recipients) if channel.is_dm else None


def _replied_user(allowed: dict[str, Any] | None) -> bool:
    return allowed is None or bool(allowed.get("replied_user", True))


__all__ = ["MAX_CONTENT", "MessageOps", "make_poll"]


def _forwards(reference: dict[str, Any]) -> bool:
    """Whether a ``message_reference`` as given asks for a forward (type 1)."""
    kind = reference.get("type")
    return kind == FORWARD and not isinstance(kind, bool)
