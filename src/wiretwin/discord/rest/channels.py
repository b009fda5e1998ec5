"""Channels and what happens in them: messages, files, reactions, pins, typing, overwrites.

The actor is always the bot the token belongs to; every action is checked against its
permissions in the channel first (403 50001 without VIEW_CHANNEL, 50013 otherwise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from ..bodies import read_attachments, read_message
from ..changes import read_overwrite
from ..fields import Form, as_snowflake
from ..model import Attachment, Channel, DiscordError, DiscordModel, Message
from ..model.entities import emoji_key
from ..permissions import Permission as P
from .app import RestApp
from .params import Upload, query, read_json, read_payload, snowflake_arg

#: The application flags that grant message content (GATEWAY_MESSAGE_CONTENT[_LIMITED]).
MESSAGE_CONTENT_FLAGS = (1 << 18) | (1 << 19)

if TYPE_CHECKING:
    from .threads import ThreadRoutes


def parse_emoji(raw: str) -> dict[str, Any]:
    """``👍`` (URL-encoded) or ``name:id`` as the path gives it."""
    text = unquote(raw)
    name, sep, emoji_id = text.partition(":")
    if sep and as_snowflake(emoji_id) is not None:
        return {"id": emoji_id, "name": name or None, "animated": False}
    if not text:
        raise DiscordError(400, 10014, "Unknown Emoji")
    return {"id": None, "name": text}


class ChannelRoutes:
    def __init__(self, app: RestApp, model: DiscordModel, base_url: Any) -> None:
        self.model = model
        self.base_url = base_url
        #: Set by ThreadRoutes: PATCH/DELETE on a thread go to it.
        self.threads: ThreadRoutes | None = None
        r = "/channels/{channel_id}"
        m = r + "/messages/{message_id}"
        for method, template, handler in (
            ("GET", r, self.get_channel),
            ("PATCH", r, self.modify_channel),
            ("DELETE", r, self.delete_channel),
            ("GET", r + "/messages", self.list_messages),
            ("POST", r + "/messages", self.create_message),
            ("POST", r + "/messages/bulk-delete", self.bulk_delete),
            ("GET", r + "/messages/pins", self.list_pins_new),
            ("PUT", r + "/messages/pins/{message_id}", self.pin),
            ("DELETE", r + "/messages/pins/{message_id}", self.unpin),
            ("GET", m, self.get_message),
            ("PATCH", m, self.edit_message),
            ("DELETE", m, self.delete_message),
            ("PUT", m + "/reactions/{emoji}/@me", self.react),
            ("DELETE", m + "/reactions/{emoji}/@me", self.unreact),
            ("DELETE", m + "/reactions/{emoji}/{user_id}", self.remove_user_reaction),
            ("GET", m + "/reactions/{emoji}", self.reaction_users),
            ("DELETE", m + "/reactions/{emoji}", self.clear_emoji),
            ("DELETE", m + "/reactions", self.clear_reactions),
            ("GET", r + "/pins", self.list_pins),
            ("PUT", r + "/pins/{message_id}", self.pin),
            ("DELETE", r + "/pins/{message_id}", self.unpin),
            ("POST", r + "/typing", self.typing),
            ("PUT", r + "/permissions/{overwrite_id}", self.set_overwrite),
            ("DELETE", r + "/permissions/{overwrite_id}", self.delete_overwrite),
        ):
            app.add(method, template, handler)

    # -- helpers ------------------------------------------------------------------------

    @property
    def me(self) -> int:
        return self.model.bot.id

    def _channel(self, request: web.Request, *needed: P) -> Channel:
        channel = self.model.channel(snowflake_arg(request, "channel_id"))
        self.model.require(channel, self.me, *needed)
        return channel

    def _message(self, request: web.Request, channel: Channel) -> Message:
        return self.model.message(channel, snowflake_arg(request, "message_id"))

    def content_visible(self, message: Message, channel: Channel) -> bool:
        """REST hides content the app may not read without the MESSAGE_CONTENT intent."""
        if self.model.application.flags & MESSAGE_CONTENT_FLAGS:
            return True
        return (channel.is_dm or message.author_id == self.me or self.me in message.mentions)

    def _json(self, message: Message, channel: Channel) -> dict[str, Any]:
        return self.model.message_json(message,
                                       content_visible=self.content_visible(message, channel))

    # -- channels ---------------------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> dict[str, Any]:
        return self.model.channel_json(self._channel(request))

    async def modify_channel(self, request: web.Request) -> dict[str, Any]:
        found = self.model.channel(snowflake_arg(request, "channel_id"))
        if found.thread is not None and self.threads is not None:
            return await self.threads.modify(found, await read_json(request))
        channel = self._channel(request, P.MANAGE_CHANNELS)
        body = await read_json(request)
        if "permission_overwrites" in body:
            self.model.require(channel, self.me, P.MANAGE_ROLES)
        return self.model.channel_json(self.model.modify_channel(channel, body))

    async def delete_channel(self, request: web.Request) -> dict[str, Any]:
        found = self.model.channel(snowflake_arg(request, "channel_id"))
        if found.thread is not None and self.threads is not None:
            return await self.threads.delete(found)
        channel = self._channel(request, P.MANAGE_CHANNELS)
        return self.model.channel_json(self.model.delete_channel(channel))

    # -- messages ---------------------------------------------------------------------------

    async def list_messages(self, request: web.Request) -> list[dict[str, Any]]:
        channel = self._channel(request)
        params = query(request)
        limit = params.integer("limit", 1, 100)
        before = params.snowflake("before")
        after = params.snowflake("after")
        around = params.snowflake("around")
        params.check()
        if not self.model.permissions(channel, self.me) & P.READ_MESSAGE_HISTORY:
            return []
        found = self.model.history(channel, limit=50 if limit is None else limit,
                                   before=before, after=after, around=around)
        return [self._json(m, channel) for m in found]

    async def get_message(self, request: web.Request) -> dict[str, Any]:
        channel = self._channel(request, P.READ_MESSAGE_HISTORY)
        return self._json(self._message(request, channel), channel)

    async def _payload(self, request: web.Request, channel_id: int | None = None, *,
                       data_key: str | None = None
                       ) -> tuple[dict[str, Any], list[Attachment]]:
        """The JSON body, or a multipart body's ``payload_json`` and files (served under
        ``channel_id``, by default the route's), described by the body's ``attachments``
        (under ``data_key``'s object for an interaction callback)."""
        body, uploads = await read_payload(request, self.model.attachment_limit)
        if not uploads:
            return body, []
        form = Form(body)
        described = form.object(data_key) if data_key is not None else form
        meta = read_attachments(described) if described is not None else None
        form.check()
        if channel_id is None:
            channel_id = snowflake_arg(request, "channel_id")
        return body, self._attachments(channel_id, uploads, meta or [])

    def _attachments(self, channel_id: int, uploads: list[Upload],
                     meta: list[dict[str, Any]]) -> list[Attachment]:
        out = []
        described = {str(m["id"]): m for m in meta}
        for index, upload in enumerate(uploads):
            key = upload.index if upload.field.startswith("files[") else str(index)
            info = described.get(key, {})
            name = info.get("filename") or upload.filename
            attachment_id = self.model.ids.next()
            url = self.base_url(f"/attachments/{channel_id}/{attachment_id}/{name}")
            out.append(Attachment(attachment_id, name, len(upload.data), upload.content_type,
                                  url, upload.data, info.get("description")))
        return out

    async def create_message(self, request: web.Request) -> dict[str, Any]:
        channel = self._channel(request, P.SEND_MESSAGES)
        body, files = await self._payload(request)
        form = Form(body)
        sent = read_message(form, legacy_embed=True)
        form.check()
        message = self.model.post_message(
            channel, self.me, sent.content or "", embeds=sent.embeds or [], attachments=files,
            reference=sent.reference, allowed_mentions=sent.allowed_mentions,
            nonce=sent.nonce, tts=bool(sent.tts), components=sent.components,
            flags=sent.flags or 0)
        return self._json(message, channel)

    async def edit_message(self, request: web.Request) -> dict[str, Any]:
        channel = self._channel(request)
        message = self._message(request, channel)
        body, files = await self._payload(request)
        form = Form(body)
        read_message(form)
        form.check()
        if message.author_id != self.me:
            if set(body) - {"flags"}:
                raise DiscordError(403, 50005, "Cannot edit a message authored by another "
                                               "user")
            self.model.require(channel, self.me, P.MANAGE_MESSAGES)
        return self._json(self.model.edit_message(message, body, files), channel)

    async def delete_message(self, request: web.Request) -> None:
        channel = self._channel(request)
        message = self._message(request, channel)
        if message.author_id != self.me:
            self.model.require(channel, self.me, P.MANAGE_MESSAGES)
        self.model.delete_message(message)

    async def bulk_delete(self, request: web.Request) -> None:
        channel = self._channel(request, P.MANAGE_MESSAGES)
        form = Form(await read_json(request))
        ids = form.snowflakes("messages", 2, 100, required=True)
        form.check()
        self.model.bulk_delete(channel, ids or [])

    # -- reactions ----------------------------------------------------------------------------

    async def react(self, request: web.Request) -> None:
        channel = self._channel(request, P.READ_MESSAGE_HISTORY)
        message = self._message(request, channel)
        emoji = parse_emoji(request.match_info["emoji"])
        if emoji.get("name") and emoji_key_missing(message, emoji):
            self.model.require(channel, self.me, P.ADD_REACTIONS)
        self.model.add_reaction(message, self.me, emoji)

    async def unreact(self, request: web.Request) -> None:
        channel = self._channel(request)
        message = self._message(request, channel)
        self.model.remove_reaction(message, self.me, parse_emoji(request.match_info["emoji"]))

    async def remove_user_reaction(self, request: web.Request) -> None:
        channel = self._channel(request)
        user_id = snowflake_arg(request, "user_id")
        if user_id != self.me:
            self.model.require(channel, self.me, P.MANAGE_MESSAGES)
        self.model.remove_reaction(self._message(request, channel), user_id,
                                   parse_emoji(request.match_info["emoji"]))

    async def reaction_users(self, request: web.Request) -> list[dict[str, Any]]:
        channel = self._channel(request, P.READ_MESSAGE_HISTORY)
        message = self._message(request, channel)
        params = query(request)
        after = params.snowflake("after") or 0
        limit = params.integer("limit", 1, 100)
        params.choice("type", (0, 1))
        params.check()
        reaction = message.reactions.get(emoji_key(parse_emoji(request.match_info["emoji"])))
        users = reaction.users if reaction else []
        shown = [u for u in sorted(users) if u > after][:25 if limit is None else limit]
        return [self.model.users[u].to_json() for u in shown]

    async def clear_emoji(self, request: web.Request) -> None:
        channel = self._channel(request, P.MANAGE_MESSAGES)
        self.model.clear_reactions(self._message(request, channel),
                                   parse_emoji(request.match_info["emoji"]))

    async def clear_reactions(self, request: web.Request) -> None:
        channel = self._channel(request, P.MANAGE_MESSAGES)
        self.model.clear_reactions(self._message(request, channel))

    # -- pins, typing, overwrites -------------------------------------------------------------

    async def list_pins(self, request: web.Request) -> list[dict[str, Any]]:
        channel = self._channel(request, P.READ_MESSAGE_HISTORY)
        pinned = [m for m in reversed(self.model.messages.get(channel.id, {}).values())
                  if m.pinned]
        return [self._json(m, channel) for m in pinned]

    async def list_pins_new(self, request: web.Request) -> dict[str, Any]:
        items = await self.list_pins(request)
        return {"items": [{"pinned_at": m["timestamp"], "message": m} for m in items],
                "has_more": False}

    async def pin(self, request: web.Request) -> None:
        channel = self._channel(request, P.MANAGE_MESSAGES)
        self.model.set_pinned(self._message(request, channel), True)

    async def unpin(self, request: web.Request) -> None:
        channel = self._channel(request, P.MANAGE_MESSAGES)
        self.model.set_pinned(self._message(request, channel), False)

    async def typing(self, request: web.Request) -> None:
        channel = self._channel(request, P.SEND_MESSAGES)
        self.model.typing(channel, self.me)

    async def set_overwrite(self, request: web.Request) -> None:
        channel = self._channel(request, P.MANAGE_ROLES)
        target = snowflake_arg(request, "overwrite_id")
        kind, allow, deny = read_overwrite(await read_json(request))
        self.model.set_overwrite(channel, target, kind, allow, deny)

    async def delete_overwrite(self, request: web.Request) -> None:
        channel = self._channel(request, P.MANAGE_ROLES)
        self.model.delete_overwrite(channel, snowflake_arg(request, "overwrite_id"))


def emoji_key_missing(message: Message, emoji: dict[str, Any]) -> bool:
    """A new reaction needs ADD_REACTIONS; joining an existing one does not."""
    return emoji_key(emoji) not in message.reactions


__all__ = ["ChannelRoutes", "parse_emoji"]
