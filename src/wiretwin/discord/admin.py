"""The Discord twin's own admin actions (under ``/_wiretwin/discord``).

What a Python test does with the model, over HTTP, for tests written in other languages
(a discord.js suite) or a ``wiretwin serve`` session: read guilds, channels, members and
messages as the twin holds them; act as a user (join a guild, send a message, react,
vote in a poll), which dispatches to the bot exactly as the same action through the model
does; send a raw gateway dispatch; ask connected sessions to reconnect (op 7) or tell them
their session is invalid (op 9); and tighten a REST route's rate limit to provoke 429s.

Ids in paths and bodies are snowflakes (strings or integers). Actions a user may not do
(sending without ``SEND_MESSAGES``...) answer 403 with Discord's message and code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..runtime.admin import ARRAY, OBJECT, AdminError, AdminRoute, json_body
from .http.channels import parse_emoji
from .model import Channel, DiscordError, DiscordModel, Guild
from .permissions import Permission
from .wire.fields import as_int, as_snowflake

if TYPE_CHECKING:
    from .twin import DiscordTwin

#: The JSON Schema of an id in a body.
SNOWFLAKE: dict[str, Any] = {"type": ["string", "integer"], "description": "a snowflake"}
#: The OpenAPI tag of the Discord twin's admin routes.
TAG = "discord"


def snowflake_arg(value: Any, what: str) -> int:
    """``value`` as a snowflake (a string of digits or an integer), or a 400."""
    number = as_snowflake(value)
    if number is None:
        raise AdminError(400, f"{what} must be a snowflake (digits), not {value!r}")
    return number


def _discord(exc: DiscordError) -> AdminError:
    status = exc.status if exc.status in (400, 403, 404) else 409
    return AdminError(status, f"{exc.message} (Discord error {exc.code})")


class DiscordAdmin:
    def __init__(self, twin: DiscordTwin) -> None:
        self.twin = twin

    def routes(self) -> list[AdminRoute]:
        r = AdminRoute
        return [
            r("GET", "/discord/users", self.users, "Every user the twin knows",
              response=ARRAY, tag=TAG),
            r("POST", "/discord/users", self.add_user, "Create a user",
              body={"type": "object", "required": ["username"], "properties": {
                  "username": {"type": "string"}, "global_name": {"type": "string"},
                  "bot": {"type": "boolean"}, "id": SNOWFLAKE}}, status=201, tag=TAG),
            r("GET", "/discord/users/{user}/dms", self.dms,
              "The user's direct-message channels, each with its recipients (users), "
              "newest message first", response=ARRAY, tag=TAG),
            r("POST", "/discord/users/{user}/dms", self.open_dm,
              "Open (or find) the DM channel between the user and `recipient` (default: "
              "the bot)", body={"type": "object", "properties": {"recipient": SNOWFLAKE}},
              tag=TAG),
            r("GET", "/discord/guilds", self.guilds,
              "Guilds: id, name, owner, counts, whether the bot is in it", response=ARRAY,
              tag=TAG),
            r("GET", "/discord/guilds/{guild}", self.guild,
              "One guild as GUILD_CREATE carries it (every member)", tag=TAG),
            r("GET", "/discord/guilds/{guild}/channels", self.channels,
              "A guild's channels, in order", response=ARRAY, tag=TAG),
            r("GET", "/discord/guilds/{guild}/members", self.members,
              "A guild's members (with their users)", response=ARRAY, tag=TAG),
            r("POST", "/discord/guilds/{guild}/members", self.add_member,
              "A user joins the guild (GUILD_MEMBER_ADD; the bot joining: GUILD_CREATE)",
              body={"type": "object", "required": ["user"], "properties": {
                  "user": SNOWFLAKE, "nick": {"type": "string"},
                  "roles": {"type": "array", "items": SNOWFLAKE}}}, status=201, tag=TAG),
            r("GET", "/discord/channels/{channel}/messages", self.messages,
              "A channel's messages, oldest first (the newest `limit`)",
              query={"limit": "at most this many (default 100)"}, response=ARRAY, tag=TAG),
            r("POST", "/discord/channels/{channel}/messages", self.send,
              "Send a message as a user (checked against the user's permissions)",
              body={"type": "object", "required": ["author"], "properties": {
                  "author": SNOWFLAKE, "content": {"type": "string"},
                  "embeds": ARRAY, "reply_to": SNOWFLAKE}}, status=201, tag=TAG),
            r("POST", "/discord/channels/{channel}/messages/{message}/reactions", self.react,
              "React to a message as a user (emoji: a unicode emoji or name:id)",
              body={"type": "object", "required": ["user", "emoji"], "properties": {
                  "user": SNOWFLAKE, "emoji": {"type": "string"}}}, tag=TAG),
            r("PUT", "/discord/channels/{channel}/messages/{message}/votes", self.vote,
              "Vote on a message's poll as a user: `answers` (answer ids) is what they "
              "now choose, replacing an earlier vote (`[]` takes it back)",
              body={"type": "object", "required": ["user", "answers"], "properties": {
                  "user": SNOWFLAKE, "answers": {"type": "array", "items": {"type": "integer"}}}},
              tag=TAG),
            r("GET", "/discord/gateway/sessions", self.sessions,
              "Gateway sessions: id, intents, shard, seq, connected", response=ARRAY,
              tag=TAG),
            r("POST", "/discord/gateway/dispatch", self.dispatch,
              "Send a raw dispatch to every session that would get it (intents, shards)",
              body={"type": "object", "required": ["event", "data"], "properties": {
                  "event": {"type": "string"}, "data": OBJECT, "guild_id": SNOWFLAKE,
                  "user_ids": {"type": "array", "items": SNOWFLAKE}}}, status=204, tag=TAG),
            r("POST", "/discord/gateway/reconnect", self.reconnect,
              "op 7 Reconnect to every connected session (clients resume)", status=204,
              tag=TAG),
            r("POST", "/discord/gateway/invalidate", self.invalidate,
              "op 9 Invalid Session to every connected session",
              body={"type": "object", "properties": {
                  "resumable": {"type": "boolean", "default": False}}}, status=204,
              tag=TAG),
            r("GET", "/discord/rate-limits", self.rate_limits,
              "The default REST limit, the overrides, every route template, and the "
              "routes Discord answers without rate-limit headers", tag=TAG),
            r("PUT", "/discord/rate-limits", self.set_rate_limit,
              "Limit a REST route: `limit` requests per `reset_after` seconds (429 after)",
              body={"type": "object", "required": ["route", "limit"], "properties": {
                  "route": {"type": "string",
                            "description": "a template, e.g. /channels/{channel_id}/messages"},
                  "limit": {"type": "integer", "minimum": 0},
                  "reset_after": {"type": "number", "default": 1.0}}}, tag=TAG),
            r("DELETE", "/discord/rate-limits", self.clear_rate_limits,
              "Back to the default limits", status=204, tag=TAG),
            r("GET", "/discord/application/privileged-intents", self.privileged_intents,
              "The privileged intents the application may ask for (its developer "
              "portal's switches): `enabled`, of presences, members, message_content",
              tag=TAG),
            r("PUT", "/discord/application/privileged-intents",
              self.set_privileged_intents,
              "Flip the portal's switches: `enabled` lists those on. Sessions already "
              "identified keep their intents; the next IDENTIFY asking for one that is "
              "off is closed with 4014",
              body={"type": "object", "required": ["enabled"], "properties": {
                  "enabled": {"oneOf": [{"type": "array", "items": {
                      "type": "string",
                      "enum": ["presences", "members", "message_content"]}},
                      {"type": "boolean", "description": "all of them, or none"}]}}},
              tag=TAG),
        ]

    # -- lookups ------------------------------------------------------------------------

    @property
    def model(self) -> DiscordModel:
        return self.twin.model

    def _guild(self, request: web.Request) -> Guild:
        guild_id = snowflake_arg(request.match_info["guild"], "guild")
        guild: Guild | None = self.model.guilds.get(guild_id)
        if guild is None:
            raise AdminError(404, f"no guild {guild_id}")
        return guild

    def _channel(self, request: web.Request) -> Channel:
        channel_id = snowflake_arg(request.match_info["channel"], "channel")
        channel: Channel | None = self.model.channels.get(channel_id)
        if channel is None:
            raise AdminError(404, f"no channel {channel_id}")
        return channel

    def _user(self, value: Any, what: str = "user") -> int:
        user_id = snowflake_arg(value, what)
        if user_id not in self.model.users:
            raise AdminError(404, f"no user {user_id}")
        return user_id

    # -- users, guilds, channels, members -----------------------------------------------

    async def users(self, request: web.Request) -> list[dict[str, Any]]:
        return [u.to_json() for u in self.model.users.values()]

    async def add_user(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        username = body.get("username")
        if not isinstance(username, str) or not username:
            raise AdminError(400, "username is a required string")
        user_id = snowflake_arg(body["id"], "id") if body.get("id") is not None else None
        if user_id is not None and user_id in self.model.users:
            raise AdminError(409, f"user {user_id} exists")
        global_name = body.get("global_name")
        user = self.model.add_user(username, bot=bool(body.get("bot", False)),
                                   user_id=user_id,
                                   global_name=global_name if isinstance(global_name, str)
                                   else None)
        data: dict[str, Any] = user.to_json()
        return data

    def _dm_json(self, channel: Channel) -> dict[str, Any]:
        data: dict[str, Any] = channel.to_json(self.model.users)  # every recipient
        return data

    async def dms(self, request: web.Request) -> list[dict[str, Any]]:
        user_id = self._user(request.match_info["user"])
        found = [c for c in self.model.channels.values()
                 if c.is_dm and user_id in c.recipients]
        found.sort(key=lambda c: max(self.model.messages.get(c.id, {}), default=c.id),
                   reverse=True)
        return [self._dm_json(c) for c in found]

    async def open_dm(self, request: web.Request) -> dict[str, Any]:
        user_id = self._user(request.match_info["user"])
        body = await json_body(request)
        recipient = (self._user(body["recipient"], "recipient")
                     if body.get("recipient") is not None else self.model.bot.id)
        return self._dm_json(self.model.open_dm(user_id, recipient))

    async def guilds(self, request: web.Request) -> list[dict[str, Any]]:
        bot = self.model.bot.id
        return [{"id": str(g.id), "name": g.name, "owner_id": str(g.owner_id),
                 "member_count": len(g.members), "channel_count": len(g.channels),
                 "role_count": len(g.roles), "bot_member": bot in g.members}
                for g in self.model.guilds.values()]

    async def guild(self, request: web.Request) -> dict[str, Any]:
        data: dict[str, Any] = self.model.guild_create_json(self._guild(request),
                                                            with_members=True)
        return data

    async def channels(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        return [self.model.channel_json(self.model.channels[c]) for c in guild.channels]

    async def members(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        return [self.model.member_json(guild, u) for u in guild.members]

    async def add_member(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        body = await json_body(request)
        user_id = self._user(body.get("user"))
        roles = body.get("roles") or []
        if not isinstance(roles, list):
            raise AdminError(400, "roles is a list of role ids")
        nick = body.get("nick")
        try:
            self.model.add_member(guild, user_id,
                                  roles=[snowflake_arg(r, "role") for r in roles],
                                  nick=nick if isinstance(nick, str) else None)
        except DiscordError as exc:
            raise _discord(exc) from None
        data: dict[str, Any] = self.model.member_json(guild, user_id)
        return data

    # -- messages -----------------------------------------------------------------------

    async def messages(self, request: web.Request) -> list[dict[str, Any]]:
        channel = self._channel(request)
        limit = as_int(request.query.get("limit", "100"))
        if limit is None:
            raise AdminError(400, "limit is an integer")
        stored = list(self.model.messages.get(channel.id, {}).values())
        stored = stored[-limit:] if limit > 0 else []
        return [self.model.message_json(m) for m in stored]

    async def send(self, request: web.Request) -> dict[str, Any]:
        channel = self._channel(request)
        body = await json_body(request)
        author = self._user(body.get("author"), "author")
        content = body.get("content", "")
        embeds = body.get("embeds") or []
        if not isinstance(content, str) or not isinstance(embeds, list):
            raise AdminError(400, "content is a string and embeds a list of objects")
        reference = None
        if body.get("reply_to") is not None:
            reference = {"message_id": str(snowflake_arg(body["reply_to"], "reply_to"))}
        try:
            message = self.model.post_message(channel, author, content, embeds=embeds,
                                              reference=reference)
        except DiscordError as exc:
            raise _discord(exc) from None
        data: dict[str, Any] = self.model.message_json(message)
        return data

    async def react(self, request: web.Request) -> dict[str, Any]:
        channel = self._channel(request)
        body = await json_body(request)
        user = self._user(body.get("user"))
        emoji = body.get("emoji")
        if not isinstance(emoji, str) or not emoji:
            raise AdminError(400, "emoji is a unicode emoji or name:id")
        message_id = snowflake_arg(request.match_info["message"], "message")
        try:
            message = self.model.message(channel, message_id)
            self.model.require(channel, user, Permission.READ_MESSAGE_HISTORY,
                               Permission.ADD_REACTIONS)
            added = self.model.add_reaction(message, user, parse_emoji(emoji))
        except DiscordError as exc:
            raise _discord(exc) from None
        return {"added": added}

    async def vote(self, request: web.Request) -> dict[str, Any]:
        channel = self._channel(request)
        body = await json_body(request)
        user = self._user(body.get("user"))
        answers = body.get("answers")
        if not isinstance(answers, list) or not all(
                isinstance(a, int) and not isinstance(a, bool) for a in answers):
            raise AdminError(400, "answers is a list of answer ids (integers from 1)")
        message_id = snowflake_arg(request.match_info["message"], "message")
        try:
            message = self.model.message(channel, message_id)
            if message.poll is None:
                raise AdminError(400, f"message {message_id} has no poll")
            chosen = self.model.vote(message, user, answers)
        except DiscordError as exc:
            raise _discord(exc) from None
        return {"answers": chosen}

    # -- the gateway ----------------------------------------------------------------------

    async def privileged_intents(self, request: web.Request) -> dict[str, Any]:
        return {"enabled": self.twin.privileged_intents}

    async def set_privileged_intents(self, request: web.Request) -> dict[str, Any]:
        enabled = (await json_body(request)).get("enabled")
        if not isinstance(enabled, list | bool):
            raise AdminError(400, "enabled is a list of privileged intents' names (or true "
                                  "for all of them, false for none)")
        try:
            self.twin.set_privileged_intents(enabled)
        except (TypeError, ValueError) as exc:
            raise AdminError(400, str(exc)) from None
        return {"enabled": self.twin.privileged_intents}

    async def sessions(self, request: web.Request) -> list[dict[str, Any]]:
        return [{"id": s.id, "intents": s.intents, "shard": list(s.shard), "seq": s.seq,
                 "connected": s.connection is not None}
                for s in self.twin.hub.sessions.values()]

    async def dispatch(self, request: web.Request) -> None:
        body = await json_body(request)
        event, data = body.get("event"), body.get("data")
        if not isinstance(event, str) or not event or not isinstance(data, dict):
            raise AdminError(400, "event is a string (MESSAGE_CREATE...) and data an object")
        guild_id = (snowflake_arg(body["guild_id"], "guild_id")
                    if body.get("guild_id") is not None else None)
        user_ids = None
        if body.get("user_ids") is not None:
            if not isinstance(body["user_ids"], list):
                raise AdminError(400, "user_ids is a list of user ids")
            user_ids = frozenset(snowflake_arg(u, "user_ids") for u in body["user_ids"])
        self.twin.hub.dispatch(event, data, guild_id=guild_id, user_ids=user_ids)

    async def reconnect(self, request: web.Request) -> None:
        self.twin.hub.request_reconnect()

    async def invalidate(self, request: web.Request) -> None:
        body = await json_body(request)
        self.twin.hub.invalidate(resumable=bool(body.get("resumable", False)))

    # -- rate limits ----------------------------------------------------------------------

    async def rate_limits(self, request: web.Request) -> dict[str, Any]:
        limits = self.twin.rest.limits
        return {"default": {"limit": limits.default_limit,
                            "reset_after": limits.default_reset_after},
                "overrides": [{"route": route, "limit": limit, "reset_after": reset_after}
                              for route, (limit, reset_after) in limits.overrides.items()],
                "routes": sorted({t for _, t in self.twin.rest.templates}),
                "unbucketed": [{"method": method, "route": route}
                               for method, route in sorted(limits.unbucketed)]}

    async def set_rate_limit(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        route, limit = body.get("route"), body.get("limit")
        reset_after = body.get("reset_after", 1.0)
        if route not in {t for _, t in self.twin.rest.templates}:
            raise AdminError(400, f"no REST route {route!r} (GET /_wiretwin/discord/"
                                  "rate-limits lists them)")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise AdminError(400, "limit is an integer >= 0")
        if (not isinstance(reset_after, int | float) or isinstance(reset_after, bool)
                or reset_after <= 0):
            raise AdminError(400, "reset_after is a number of seconds > 0")
        self.twin.rest.limits.overrides[str(route)] = (limit, float(reset_after))
        return {"route": route, "limit": limit, "reset_after": float(reset_after)}

    async def clear_rate_limits(self, request: web.Request) -> None:
        self.twin.rest.limits.overrides.clear()
        self.twin.rest.limits.buckets.clear()


__all__ = ["SNOWFLAKE", "TAG", "DiscordAdmin", "snowflake_arg"]
