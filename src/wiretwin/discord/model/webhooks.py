"""Channel webhooks: made by the bot (or a test), executed by anyone holding the token.

A webhook belongs to a text, announcement or forum channel. Creating, editing and
deleting one sends WEBHOOKS_UPDATE (GUILD_WEBHOOKS intent). Executing one posts a message
whose author is the webhook (its name and avatar, or the per-message ``username`` and
``avatar_url``), with ``webhook_id`` set; into a thread of the channel with ``thread_id``,
or, in a forum, a new post with ``thread_name``.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..errors import (
    FORUM_NEEDS_THREAD,
    INVALID_WEBHOOK_TOKEN,
    UNKNOWN_CHANNEL,
    UNKNOWN_WEBHOOK,
    WRONG_CHANNEL_TYPE,
)
from ..wire.bodies import read_message
from ..wire.changes import read_webhook
from ..wire.fields import Form
from .base import form_error
from .entities import Attachment, Channel, ChannelType, Message, Webhook
from .threads import ThreadOps

_HOOK_PARENTS = (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT,
                 ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA, ChannelType.GUILD_VOICE,
                 ChannelType.GUILD_STAGE_VOICE)
#: Discord refuses webhook names containing these (its reference, "Create Webhook").
_FORBIDDEN_NAMES = ("clyde", "discord")


def _check_name(name: Any, key: str = "name") -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= 80:
        raise form_error(key, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length.")
    lowered = name.lower()
    for word in _FORBIDDEN_NAMES:
        if word in lowered:
            raise form_error(key, "USERNAME_INVALID_CONTAINS",
                             f'Username cannot contain "{word}"')
    return name


class WebhookOps(ThreadOps):
    def webhook(self, webhook_id: int, token: str | None = None) -> Webhook:
        found = self.webhooks.get(webhook_id)
        if found is None:
            raise UNKNOWN_WEBHOOK()
        if token is not None and token != found.token:
            raise INVALID_WEBHOOK_TOKEN()
        return found

    def create_webhook(self, channel: Channel, creator_id: int, name: Any,
                       avatar: str | None = None) -> Webhook:
        if channel.type not in _HOOK_PARENTS or channel.guild_id is None:
            raise WRONG_CHANNEL_TYPE()
        hook = Webhook(self.ids.next(), channel.guild_id, channel.id, _check_name(name),
                       secrets.token_urlsafe(51), creator_id, avatar)
        self.webhooks[hook.id] = hook
        self._webhooks_changed(channel.guild_id, channel.id)
        return hook

    def modify_webhook(self, hook: Webhook, changes: dict[str, Any]) -> Webhook:
        """Rename, change the avatar of, or move a webhook (WEBHOOKS_UPDATE); ``changes``
        as a client sends them (:func:`~..changes.read_webhook`)."""
        changes = read_webhook(changes)
        old_channel = hook.channel_id
        name = _check_name(changes["name"]) if "name" in changes else hook.name
        target = hook.channel_id
        if "channel_id" in changes:
            moved = self.channel(changes["channel_id"])
            if moved.guild_id != hook.guild_id or moved.type not in _HOOK_PARENTS:
                raise form_error("channel_id", "CHANNEL_INVALID", "Invalid channel")
            target = moved.id
        hook.name, hook.channel_id = name, target
        if "avatar" in changes:
            hook.avatar = changes["avatar"]
        self._webhooks_changed(hook.guild_id, hook.channel_id)
        if old_channel != hook.channel_id:
            self._webhooks_changed(hook.guild_id, old_channel)
        return hook

    def delete_webhook(self, hook: Webhook) -> None:
        del self.webhooks[hook.id]
        self._webhooks_changed(hook.guild_id, hook.channel_id)

    def execute_webhook(self, hook: Webhook, body: dict[str, Any], files: list[Attachment],
                        *, thread_id: int | None = None) -> Message:
        """Post ``body`` (content, embeds, username, avatar_url, ... as a client sends
        them) as the webhook."""
        form = Form(body)
        message_body = read_message(form)
        username = form.raw("username")
        avatar_url = form.string("avatar_url", 0, 2048)
        thread_name = form.string("thread_name", 0, 100)
        form.check()
        channel = self.channel(hook.channel_id)
        forum = channel.type in (ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA)
        if username is not None:
            username = _check_name(username, "username")
        target = channel
        if thread_id is not None:
            thread = self.channels.get(thread_id)
            if thread is None or thread.parent_id != channel.id or thread.thread is None:
                raise UNKNOWN_CHANNEL()
            target = thread
        elif forum:
            if not thread_name:
                raise FORUM_NEEDS_THREAD()
            post = self.start_thread(
                channel, hook.creator_id, thread_name, starter=form.cleaned(),
                starter_path=(), starter_webhook=(hook.id, hook.author(username, avatar_url)))
            return self.messages[post.id][post.id]
        embeds = message_body.embeds or []
        if len(embeds) > 10:
            raise form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        message = self.build_message(
            target, hook.creator_id, message_body.content or "", embeds=embeds,
            attachments=files, allowed_mentions=message_body.allowed_mentions,
            tts=bool(message_body.tts), components=message_body.components,
            flags=message_body.flags or 0, poll=message_body.poll)
        message.webhook_id = hook.id
        message.webhook_author = hook.author(username, avatar_url)
        return self.store_message(target, message)

    def _webhooks_changed(self, guild_id: int, channel_id: int) -> None:
        self.effects.dispatch("WEBHOOKS_UPDATE", {"guild_id": str(guild_id),
                                                  "channel_id": str(channel_id)},
                              guild_id=guild_id)


__all__ = ["WebhookOps"]
