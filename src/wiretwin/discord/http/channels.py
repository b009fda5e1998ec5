"""Channels and what happens in them: messages, files, reactions, pins, typing, overwrites,
a voice channel's status.

The actor is always the bot the token belongs to; every action is checked against its
permissions in the channel first (403 50001 without VIEW_CHANNEL, 50013 otherwise).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aiohttp import web

from ..errors import NOT_AUTHOR, UNKNOWN_EMOJI
from ..model import Channel, DiscordModel, Message
from ..model.base import form_error
from ..model.entities import emoji_key, iso
from ..model.voice_channels import STATUS_MAX
from ..permissions import Permission as P
from ..wire.bodies import read_message
from ..wire.changes import read_overwrite
from ..wire.fields import Form, as_snowflake, as_timestamp_ms
from ..wire.params import query, read_json, snowflake_arg
from .access import ChannelAccess
from .app import RestApp, Routes
from .threads import ThreadRoutes


def parse_emoji(raw: str) -> dict[str, Any]:
    """``👍`` (URL-encoded) or ``name:id`` as the path gives it."""
    text = unquote(raw)
    name, sep, emoji_id = text.partition(":")
    if sep and as_snowflake(emoji_id) is not None:
        return {"id": emoji_id, "name": name or None, "animated": False}
    if not text:
        raise UNKNOWN_EMOJI()
    return {"id": None, "name": text}


def _routes() -> Routes:
    r = "/channels/{channel_id}"
    m = r + "/messages/{message_id}"
    return (
        ("GET", r, "get_channel"),
        ("PATCH", r, "modify_channel"),
        ("DELETE", r, "delete_channel"),
        ("GET", r + "/messages", "list_messages"),
        ("POST", r + "/messages", "create_message"),
        ("POST", r + "/messages/bulk-delete", "bulk_delete"),
        ("GET", r + "/messages/pins", "list_pins_new"),
        ("PUT", r + "/messages/pins/{message_id}", "pin"),
        ("DELETE", r + "/messages/pins/{message_id}", "unpin"),
        ("GET", m, "get_message"),
        ("PATCH", m, "edit_message"),
        ("DELETE", m, "delete_message"),
        ("PUT", m + "/reactions/{emoji}/@me", "react"),
        ("DELETE", m + "/reactions/{emoji}/@me", "unreact"),
        ("DELETE", m + "/reactions/{emoji}/{user_id}", "remove_user_reaction"),
        ("GET", m + "/reactions/{emoji}", "reaction_users"),
        ("DELETE", m + "/reactions/{emoji}", "clear_emoji"),
        ("DELETE", m + "/reactions", "clear_reactions"),
        ("GET", r + "/pins", "list_pins"),
        ("PUT", r + "/pins/{message_id}", "pin"),
        ("DELETE", r + "/pins/{message_id}", "unpin"),
        ("POST", r + "/typing", "typing"),
        ("PUT", r + "/permissions/{overwrite_id}", "set_overwrite"),
        ("DELETE", r + "/permissions/{overwrite_id}", "delete_overwrite"),
        ("PUT", r + "/voice-status", "set_voice_status"),
    )


_ROUTES = _routes()


class ChannelRoutes:
    def __init__(self, app: RestApp, model: DiscordModel, access: ChannelAccess,
                 threads: ThreadRoutes) -> None:
        self.model = model
        self.access = access
        #: PATCH/DELETE on a thread go to it.
        self.threads = threads
        app.mount(self, _ROUTES)

    # -- helpers ------------------------------------------------------------------------

    @property
    def me(self) -> int:
        return self.model.bot.id

    # -- channels ---------------------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> dict[str, Any]:
        return self.model.channel_json(self.access.channel(request))

    async def modify_channel(self, request: web.Request) -> dict[str, Any]:
        found = self.model.channel(snowflake_arg(request, "channel_id"))
        if found.thread is not None:
            return await self.threads.modify(found, await read_json(request))
        channel = self.access.channel(request, P.MANAGE_CHANNELS)
        body = await read_json(request)
        if "permission_overwrites" in body:
            self.model.require(channel, self.me, P.MANAGE_ROLES)
        return self.model.channel_json(self.model.modify_channel(channel, body))

    async def delete_channel(self, request: web.Request) -> dict[str, Any]:
        found = self.model.channel(snowflake_arg(request, "channel_id"))
        if found.thread is not None:
            return await self.threads.delete(found)
        channel = self.access.channel(request, P.MANAGE_CHANNELS)
        return self.model.channel_json(self.model.delete_channel(channel))

    # -- messages ---------------------------------------------------------------------------

    async def list_messages(self, request: web.Request) -> list[dict[str, Any]]:
        channel = self.access.channel(request)
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
        return [self.access.message_json(m, channel) for m in found]

    async def get_message(self, request: web.Request) -> dict[str, Any]:
        channel = self.access.channel(request, P.READ_MESSAGE_HISTORY)
        return self.access.message_json(self.access.message(request, channel), channel)

    async def create_message(self, request: web.Request) -> dict[str, Any]:
        channel = self.access.channel(request, P.SEND_MESSAGES)
        body, files = await self.access.payload(request)
        form = Form(body)
        sent = read_message(form, legacy_embed=True)
        form.check()
        message = self.model.post_message(
            channel, self.me, sent.content or "", embeds=sent.embeds or [], attachments=files,
            reference=sent.reference, allowed_mentions=sent.allowed_mentions,
            nonce=sent.nonce, tts=bool(sent.tts), components=sent.components,
            flags=sent.flags or 0, poll=sent.poll)
        return self.access.message_json(message, channel)

    async def edit_message(self, request: web.Request) -> dict[str, Any]:
        channel = self.access.channel(request)
        message = self.access.message(request, channel)
        body, files = await self.access.payload(request)
        form = Form(body)
        read_message(form)
        form.check()
        if message.author_id != self.me:
            if set(body) - {"flags"}:
                raise NOT_AUTHOR()
            self.model.require(channel, self.me, P.MANAGE_MESSAGES)
        return self.access.message_json(self.model.edit_message(message, body, files), channel)

    async def delete_message(self, request: web.Request) -> None:
        channel = self.access.channel(request)
        message = self.access.message(request, channel)
        if message.author_id != self.me:
            self.model.require(channel, self.me, P.MANAGE_MESSAGES)
        self.model.delete_message(message)

    async def bulk_delete(self, request: web.Request) -> None:
        channel = self.access.channel(request, P.MANAGE_MESSAGES)
        form = Form(await read_json(request))
        ids = form.snowflakes("messages", 2, 100, required=True)
        form.check()
        self.model.bulk_delete(channel, ids or [])

    # -- reactions ----------------------------------------------------------------------------

    async def react(self, request: web.Request) -> None:
        channel = self.access.channel(request, P.READ_MESSAGE_HISTORY)
        message = self.access.message(request, channel)
        emoji = parse_emoji(request.match_info["emoji"])
        if emoji.get("name") and emoji_key_missing(message, emoji):
            self.model.require(channel, self.me, P.ADD_REACTIONS)
        self.model.add_reaction(message, self.me, emoji)

    async def unreact(self, request: web.Request) -> None:
        channel = self.access.channel(request)
        message = self.access.message(request, channel)
        self.model.remove_reaction(message, self.me, parse_emoji(request.match_info["emoji"]))

    async def remove_user_reaction(self, request: web.Request) -> None:
        channel = self.access.channel(request)
        user_id = snowflake_arg(request, "user_id")
        if user_id != self.me:
            self.model.require(channel, self.me, P.MANAGE_MESSAGES)
        self.model.remove_reaction(self.access.message(request, channel), user_id,
                                   parse_emoji(request.match_info["emoji"]))

    async def reaction_users(self, request: web.Request) -> list[dict[str, Any]]:
        channel = self.access.channel(request, P.READ_MESSAGE_HISTORY)
        message = self.access.message(request, channel)
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
        channel = self.access.channel(request, P.MANAGE_MESSAGES)
        self.model.clear_reactions(self.access.message(request, channel),
                                   parse_emoji(request.match_info["emoji"]))

    async def clear_reactions(self, request: web.Request) -> None:
        channel = self.access.channel(request, P.MANAGE_MESSAGES)
        self.model.clear_reactions(self.access.message(request, channel))

    # -- pins, typing, overwrites -------------------------------------------------------------

    def _pinned(self, channel: Channel) -> list[Message]:
        """The channel's pinned messages, the most recently pinned first."""
        pinned = [m for m in self.model.messages.get(channel.id, {}).values() if m.pinned]
        return sorted(pinned, key=lambda m: (m.pinned_ms or 0.0, m.id), reverse=True)

    async def list_pins(self, request: web.Request) -> list[dict[str, Any]]:
        """The deprecated ``GET /channels/{id}/pins``: every pin, newest first."""
        channel = self.access.channel(request, P.READ_MESSAGE_HISTORY)
        return [self.access.message_json(m, channel) for m in self._pinned(channel)]

    async def list_pins_new(self, request: web.Request) -> dict[str, Any]:
        """``GET /channels/{id}/messages/pins``: pins newest first, ``limit`` (1 to 50)
        at a time, ``before`` an ISO 8601 pin time; ``has_more`` says whether older ones
        remain."""
        channel = self.access.channel(request, P.READ_MESSAGE_HISTORY)
        params = query(request)
        limit = params.integer("limit", 1, 50)
        before = params.string("before")
        params.check()
        pinned = self._pinned(channel)
        if before is not None:
            cutoff = as_timestamp_ms(before)
            if cutoff is None:
                raise form_error("before", "DATE_TIME_TYPE_PARSE",
                                 "Could not parse the date.")
            pinned = [m for m in pinned if (m.pinned_ms or 0.0) < cutoff]
        page = pinned[:limit or 50]
        return {"items": [{"pinned_at": iso(m.pinned_ms or 0.0),
                           "message": self.access.message_json(m, channel)} for m in page],
                "has_more": len(pinned) > len(page)}

    async def pin(self, request: web.Request) -> None:
        # PIN_MESSAGES since 2026-02-23 (MANAGE_MESSAGES no longer pins).
        channel = self.access.channel(request, P.PIN_MESSAGES)
        self.model.set_pinned(self.access.message(request, channel), True)

    async def unpin(self, request: web.Request) -> None:
        channel = self.access.channel(request, P.PIN_MESSAGES)
        self.model.set_pinned(self.access.message(request, channel), False)

    async def typing(self, request: web.Request) -> None:
        channel = self.access.channel(request, P.SEND_MESSAGES)
        self.model.typing(channel, self.me)

    async def set_overwrite(self, request: web.Request) -> None:
        channel = self.access.channel(request, P.MANAGE_ROLES)
        target = snowflake_arg(request, "overwrite_id")
        kind, allow, deny = read_overwrite(await read_json(request))
        self.model.set_overwrite(channel, target, kind, allow, deny)

    async def delete_overwrite(self, request: web.Request) -> None:
        channel = self.access.channel(request, P.MANAGE_ROLES)
        self.model.delete_overwrite(channel, snowflake_arg(request, "overwrite_id"))

    async def set_voice_status(self, request: web.Request) -> None:
        """``PUT /channels/{id}/voice-status``: the bot, connected to the voice channel,
        sets its status (``null`` or ``""`` clears it)."""
        channel = self.access.channel(request)
        form = Form(await read_json(request))
        status = form.string("status", 0, STATUS_MAX)
        form.check()
        self.model.set_voice_status(channel, self.me, status)


def emoji_key_missing(message: Message, emoji: dict[str, Any]) -> bool:
    """A new reaction needs ADD_REACTIONS; joining an existing one does not."""
    return emoji_key(emoji) not in message.reactions


__all__ = ["ChannelRoutes", "parse_emoji"]
