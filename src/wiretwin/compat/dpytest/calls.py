"""The configured bot's REST calls and presence updates, as dpytest's callback events.

dpytest's fake HTTP client awaited the callback inside the bot's call. Here the bot's
calls really go to the twin, so the watcher sits where they leave the bot: once a
callback is set, discord.py's ``HTTPClient.request`` and ``DiscordWebSocket.
change_presence`` are wrapped (process-wide, as the drivers point discord.py at a twin;
a call from any other client passes straight through). When the configured bot's call
succeeds, the event's callback is awaited with dpytest's arguments before the call
returns to the bot; a call the twin refuses fires nothing (the bot gets the error).

Events, the bot's call that fires each (``c`` channel, ``m`` message, ``g`` guild, ``u``
user, ``r`` role id), and the callback's arguments:

- get_channel: GET /channels/c -> channel_id
- start_private_message: POST /users/@me/channels -> user
- send_message: POST /channels/c/messages -> message (as sent)
- send_typing: POST /channels/c/typing -> channel
- delete_message: DELETE /channels/c/messages/m -> channel, message, reason=
- edit_message: PATCH /channels/c/messages/m -> channel, message (before), fields
- add_reaction: PUT /channels/c/messages/m/reactions/{emoji}/@me -> message, emoji
- remove_reaction: DELETE .../reactions/{emoji}/u -> message, emoji, member
- remove_own_reaction: DELETE .../reactions/{emoji}/@me -> message, emoji, the bot's user
- get_message: GET /channels/c/messages/m -> channel, message_id
- logs_from: GET /channels/c/messages -> channel, limit, before=, after=, around=
- kick: DELETE /guilds/g/members/u -> guild, member, reason=
- ban: PUT /guilds/g/bans/u -> guild, member, delete_message_days, reason=
- unban: DELETE /guilds/g/bans/u -> guild, user, reason=
- change_nickname: PATCH /guilds/g/members/@me -> nickname, the bot's member, reason=
- edit_member: PATCH /guilds/g/members/u -> fields, member (before), reason=
- create_role: POST /guilds/g/roles -> guild, role (as created), reason=
- edit_role: PATCH /guilds/g/roles/r -> guild, role (before), fields, reason=
- delete_role: DELETE /guilds/g/roles/r -> guild, role, reason=
- move_role: PATCH /guilds/g/roles -> guild, the first role moved, positions, reason=
- add_role / remove_role: PUT / DELETE /guilds/g/members/u/roles/r -> member, role, reason=
- app_info: GET /oauth2/applications/@me -> ``discord.AppInfo``
- get_guilds: GET /users/@me/guilds -> limit, before=, after=, with_counts=
- presence: gateway op 3 (``change_presence``) -> activity, status, since

Objects come from the bot's cache as it was when the call was made (what the bot acted
on); ones the call creates come from the twin's answer. An id the bot does not know
becomes a ``discord.Object``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import discord
import discord.gateway
import discord.http

from . import callbacks
from .callbacks import CallbackEvent
from .queues import configured

#: (method, discord.py's route path) -> event
_EVENTS: dict[tuple[str, str], CallbackEvent] = {
    ("GET", "/channels/{channel_id}"): CallbackEvent.get_channel,
    ("POST", "/users/@me/channels"): CallbackEvent.start_private_message,
    ("POST", "/channels/{channel_id}/messages"): CallbackEvent.send_message,
    ("POST", "/channels/{channel_id}/typing"): CallbackEvent.send_typing,
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"): CallbackEvent.delete_message,
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): CallbackEvent.edit_message,
    ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"):
        CallbackEvent.add_reaction,
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{member_id}"):
        CallbackEvent.remove_reaction,
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"):
        CallbackEvent.remove_own_reaction,
    ("GET", "/channels/{channel_id}/messages/{message_id}"): CallbackEvent.get_message,
    ("GET", "/channels/{channel_id}/messages"): CallbackEvent.logs_from,
    ("DELETE", "/guilds/{guild_id}/members/{user_id}"): CallbackEvent.kick,
    ("PUT", "/guilds/{guild_id}/bans/{user_id}"): CallbackEvent.ban,
    ("DELETE", "/guilds/{guild_id}/bans/{user_id}"): CallbackEvent.unban,
    ("PATCH", "/guilds/{guild_id}/members/@me"): CallbackEvent.change_nickname,
    ("PATCH", "/guilds/{guild_id}/members/{user_id}"): CallbackEvent.edit_member,
    ("POST", "/guilds/{guild_id}/roles"): CallbackEvent.create_role,
    ("PATCH", "/guilds/{guild_id}/roles/{role_id}"): CallbackEvent.edit_role,
    ("DELETE", "/guilds/{guild_id}/roles/{role_id}"): CallbackEvent.delete_role,
    ("PATCH", "/guilds/{guild_id}/roles"): CallbackEvent.move_role,
    ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"): CallbackEvent.add_role,
    ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"):
        CallbackEvent.remove_role,
    ("GET", "/oauth2/applications/@me"): CallbackEvent.app_info,
    ("GET", "/users/@me/guilds"): CallbackEvent.get_guilds,
}


@dataclass
class _Call:
    """One REST call of the bot: its route's values, body, query, and the bot."""

    client: discord.Client
    values: dict[str, str]
    json: Any
    query: dict[str, Any]
    reason: str | None
    before: dict[str, Any] = field(default_factory=dict)

    def id(self, name: str) -> int:
        return int(self.values[name])

    @property
    def state(self) -> Any:
        return self.client._connection

    def channel(self) -> Any:
        found = self.client.get_channel(self.id("channel_id"))
        return found if found is not None else discord.Object(self.id("channel_id"))

    def guild(self) -> Any:
        found = self.client.get_guild(self.id("guild_id"))
        return found if found is not None else discord.Object(self.id("guild_id"))

    def message(self) -> Any:
        found = self.state._get_message(self.id("message_id"))
        if found is not None:
            return found
        channel = self.channel()
        if hasattr(channel, "get_partial_message"):
            return channel.get_partial_message(self.id("message_id"))
        return discord.Object(self.id("message_id"))

    def member(self, user_id: int) -> Any:
        guild = self.client.get_guild(self.id("guild_id")) if "guild_id" in self.values \
            else None
        found: Any = guild.get_member(user_id) if guild is not None else None
        if found is None:
            found = self.client.get_user(user_id)
        return found if found is not None else discord.Object(user_id)

    def role(self, role_id: int) -> Any:
        guild = self.client.get_guild(self.id("guild_id"))
        found = guild.get_role(role_id) if guild is not None else None
        return found if found is not None else discord.Object(role_id)

    def emoji(self) -> str:
        return urllib.parse.unquote(self.values["emoji"])


def _query_id(value: Any) -> int | None:
    return int(value) if value is not None else None


def _before(event: CallbackEvent, call: _Call) -> None:
    """What the call is about, read from the cache before the call changes it."""
    if "message_id" in call.values:
        call.before["message"] = call.message()
    if event in (CallbackEvent.kick, CallbackEvent.ban, CallbackEvent.unban,
                 CallbackEvent.edit_member, CallbackEvent.add_role,
                 CallbackEvent.remove_role):
        call.before["member"] = call.member(call.id("user_id"))
    if "role_id" in call.values:
        call.before["role"] = call.role(call.id("role_id"))
    if event is CallbackEvent.move_role:
        guild = call.client.get_guild(call.id("guild_id"))
        moved = [p for p in call.json or []
                 if guild is None or (r := guild.get_role(int(p["id"]))) is None
                 or r.position != p.get("position")]
        first = (moved or call.json or [None])[0]
        call.before["role"] = call.role(int(first["id"])) if first is not None else None
    if event is CallbackEvent.change_nickname:
        guild = call.client.get_guild(call.id("guild_id"))
        call.before["me"] = guild.me if guild is not None else call.client.user


Arguments = tuple[tuple[Any, ...], dict[str, Any]]


def _arguments(event: CallbackEvent, call: _Call, result: Any) -> Arguments:
    """dpytest's callback arguments for ``event``, once the call has succeeded."""
    b = call.before
    reason = {"reason": call.reason}
    body = call.json if isinstance(call.json, dict) else {}
    match event:
        case CallbackEvent.get_channel:
            return (call.id("channel_id"),), {}
        case CallbackEvent.start_private_message:
            return (call.member(int(body["recipient_id"])),), {}
        case CallbackEvent.send_message:  # as the twin answered (the cache's copy may
            # have been read already, or not, and changes with later edits)
            return (discord.Message(state=call.state, channel=call.channel(), data=result),), {}
        case CallbackEvent.send_typing:
            return (call.channel(),), {}
        case CallbackEvent.delete_message:
            return (call.channel(), b["message"]), reason
        case CallbackEvent.edit_message:
            return (call.channel(), b["message"], body), {}
        case CallbackEvent.add_reaction:
            return (b["message"], call.emoji()), {}
        case CallbackEvent.remove_reaction:
            return (b["message"], call.emoji(), call.member(call.id("member_id"))), {}
        case CallbackEvent.remove_own_reaction:
            me = call.client.user
            return (b["message"], call.emoji(), me), {}
        case CallbackEvent.get_message:
            return (call.channel(), call.id("message_id")), {}
        case CallbackEvent.logs_from:
            q = call.query
            return (call.channel(), int(q.get("limit", 50))), {
                "before": _query_id(q.get("before")), "after": _query_id(q.get("after")),
                "around": _query_id(q.get("around"))}
        case CallbackEvent.kick | CallbackEvent.unban:
            return (call.guild(), b["member"]), reason
        case CallbackEvent.ban:
            days = int(call.query.get("delete_message_seconds") or 0) // 86400
            return (call.guild(), b["member"], days), reason
        case CallbackEvent.change_nickname:
            return (body.get("nick"), b["me"]), reason
        case CallbackEvent.edit_member:
            return (body, b["member"]), reason
        case CallbackEvent.create_role:
            guild = call.client.get_guild(call.id("guild_id"))
            made = guild.get_role(int(result["id"])) if guild is not None else None
            if made is None and guild is not None:
                made = discord.Role(guild=guild, state=call.state, data=result)
            return (call.guild(), made), reason
        case CallbackEvent.edit_role:
            return (call.guild(), b["role"], body), reason
        case CallbackEvent.delete_role:
            return (call.guild(), b["role"]), reason
        case CallbackEvent.move_role:
            return (call.guild(), b["role"], call.json), reason
        case CallbackEvent.add_role | CallbackEvent.remove_role:
            return (b["member"], b["role"]), reason
        case CallbackEvent.app_info:
            return (discord.AppInfo(call.state, result),), {}
        case CallbackEvent.get_guilds:
            q = call.query
            return (int(q.get("limit", 200)),), {
                "before": _query_id(q.get("before")), "after": _query_id(q.get("after")),
                "with_counts": str(q.get("with_counts", "true")).lower() == "true"}
    raise AssertionError(f"no arguments for {event}")  # pragma: no cover


_TEMPLATE_PART = re.compile(r"\{(\w+)\}")


def _values(route: Any) -> dict[str, str]:
    """The route's path values (``{channel_id}``...), read back from its URL."""
    pattern = _TEMPLATE_PART.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(route.path)
                                 .replace(r"\{", "{").replace(r"\}", "}"))
    found = re.search(pattern + "$", route.url.split("?")[0])
    return dict(found.groupdict()) if found else {}


Request = Callable[..., Awaitable[Any]]
_original_request: Request | None = None
_original_presence: Callable[..., Awaitable[None]] | None = None


def _bot_of(http: Any) -> discord.Client | None:
    """The configured bot, when ``http`` is its HTTP client."""
    session = configured()
    if session is None or session.client.http is not http:
        return None
    return session.client


async def _request(self: Any, route: Any, **kwargs: Any) -> Any:
    assert _original_request is not None
    event = _EVENTS.get((route.method, route.path))
    client = _bot_of(self) if event is not None and callbacks.wanted(event) else None
    if event is None or client is None:
        return await _original_request(self, route, **kwargs)
    call = _Call(client, _values(route), kwargs.get("json"), dict(kwargs.get("params") or {}),
                 kwargs.get("reason"))
    _before(event, call)
    result = await _original_request(self, route, **kwargs)
    args, kw = _arguments(event, call, result)
    await callbacks.dispatch_event(event, *args, **kw)
    return result


async def _change_presence(self: Any, *, activity: Any = None, status: Any = None,
                           since: float = 0.0) -> None:
    assert _original_presence is not None
    await _original_presence(self, activity=activity, status=status, since=since)
    session = configured()
    if session is not None and session.client.ws is self \
            and callbacks.wanted(CallbackEvent.presence):
        await callbacks.dispatch_event(CallbackEvent.presence, activity, status, since)


def watch() -> None:
    """Start watching (idempotent; set_callback calls it)."""
    global _original_request, _original_presence
    if _original_request is None:
        _original_request = discord.http.HTTPClient.request
        setattr(discord.http.HTTPClient, "request", _request)  # noqa: B010
    if _original_presence is None:
        _original_presence = discord.gateway.DiscordWebSocket.change_presence
        setattr(discord.gateway.DiscordWebSocket, "change_presence",  # noqa: B010
                _change_presence)


def unwatch() -> None:
    """Put discord.py back as it was (the tests of this module use it)."""
    global _original_request, _original_presence
    if _original_request is not None:
        setattr(discord.http.HTTPClient, "request", _original_request)  # noqa: B010
        _original_request = None
    if _original_presence is not None:
        setattr(discord.gateway.DiscordWebSocket, "change_presence",  # noqa: B010
                _original_presence)
        _original_presence = None


callbacks.on_set.append(watch)

__all__ = ["unwatch", "watch"]
