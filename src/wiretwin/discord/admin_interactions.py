"""Interactions over the admin API (under ``/_wiretwin/discord``): act as a user on the
bot's application commands and components, from any language.

A user runs a slash command, picks a context-menu command, types into an autocomplete
option, clicks a button, picks from a select menu, or fills in a modal the bot opened.
Each goes through the twin's test-control API (``twin.backend.slash`` and friends), so
the bot gets the INTERACTION_CREATE Discord would send, checked the way the Discord
client checks what a user may do. Unlike the Python API, these routes do not wait for
the bot to finish everything it starts (a handler may open a modal and wait for it):
they wait for the bot's first ``replies`` answers to the interaction (1 by default: the
callback), and answer 504 if they do not come within ``timeout`` seconds.

An interaction's state (``GET /discord/interactions/{id}``) is what the twin recorded:
its callback (a message, a deferral, a modal, autocomplete choices), its followups and
edits, in order. ``GET /discord/channels/{channel}/messages/seen-by/{user}`` lists a
channel as that user sees it: with the ephemeral answers only they were shown.

Errors: 400 for a body the route cannot use or what the Discord client would not let
the user send (an unknown option, a value outside its choices); 403 when the user may
not use the command; 404 for an unknown user, channel, message, command, component or
interaction; 409 when the twin is not in a state to do it (no bot connected, a disabled
component, a modal that is not open); 504 when the bot does not answer in time.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..runtime.admin import ARRAY, OBJECT, AdminError, AdminRoute, json_body
from .admin import SNOWFLAKE, TAG, snowflake_arg
from .backend import Backend
from .coerce import BackendError
from .interactions import CALLBACKS, Interaction
from .interactions.build import find_component, walk_components
from .interactions.state import (
    find_message,
    interaction_state,
    modal_open,
    open_modals,
    seen_by,
)
from .model import Channel, Message
from .permissions import Permission
from .wire.fields import as_int

if TYPE_CHECKING:
    from .twin import DiscordTwin

#: Option types whose values are snowflakes (user, channel, role, mentionable).
_SNOWFLAKE_OPTIONS = (6, 7, 8, 9)
_ATTACHMENT_OPTION = 11
_FILE: dict[str, Any] = {"type": "object", "required": ["filename", "content_base64"],
                         "properties": {"filename": {"type": "string"},
                                        "content_base64": {"type": "string"}}}
_WAIT: dict[str, Any] = {
    "replies": {"type": "integer", "minimum": 0, "default": 1,
                "description": "wait for this many answers from the bot (0: none)"},
    "timeout": {"type": "number", "default": 5.0,
                "description": "seconds to wait for them (then 504)"}}
_STATE = "The interaction's state (see GET /discord/interactions/{interaction})"


def _file(value: Any, what: str) -> tuple[str, bytes]:
    """A file given as ``{"filename", "content_base64"}``."""
    if not isinstance(value, dict) or not isinstance(value.get("filename"), str) \
            or not isinstance(value.get("content_base64"), str):
        raise AdminError(400, f"{what} is a file: {{\"filename\": ..., "
                              f"\"content_base64\": ...}}")
    try:
        data = base64.b64decode(value["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise AdminError(400, f"{what}'s content_base64 is not base64") from None
    return value["filename"], data


def _wait_args(body: dict[str, Any]) -> tuple[int, float]:
    replies, timeout = body.get("replies", 1), body.get("timeout", 5.0)
    if isinstance(replies, bool) or not isinstance(replies, int) or not 0 <= replies <= 100:
        raise AdminError(400, "replies is an integer from 0 to 100")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) \
            or not 0 < timeout <= 300:
        raise AdminError(400, "timeout is a number of seconds, more than 0 and at most 300")
    return replies, float(timeout)


class InteractionAdmin:
    """The admin routes that run interactions as a user and read what the bot answered."""

    def __init__(self, twin: DiscordTwin) -> None:
        self.twin = twin

    def routes(self) -> list[AdminRoute]:
        r = AdminRoute
        who = {"user": SNOWFLAKE, "channel": SNOWFLAKE}
        return [
            r("GET", "/discord/commands", self.commands,
              "The bot's registered application commands (with `guild`: those usable "
              "there, the guild's and the global ones)",
              query={"guild": "a guild id"}, response=ARRAY, tag=TAG),
            r("GET", "/discord/interactions", self.list_interactions,
              "Interactions sent to the bot, oldest first, with their state",
              query={"user": "only this user's", "limit": "the newest this many (100)"},
              response=ARRAY, tag=TAG),
            r("POST", "/discord/interactions/slash", self.slash,
              "A user runs a slash command (`name`: \"config set\" for a subcommand); "
              "option values as JSON, ids for users, roles, channels, files as "
              "{filename, content_base64}", body={
                  "type": "object", "required": ["user", "name"], "properties": {
                      **who, "name": {"type": "string"}, "options": OBJECT, **_WAIT}},
              status=201, tag=TAG),
            r("POST", "/discord/interactions/context-menu", self.context_menu,
              "A user picks a user or message command on `target` (a user or message id)",
              body={"type": "object", "required": ["user", "name", "target"],
                    "properties": {**who, "name": {"type": "string"}, "target": SNOWFLAKE,
                                   **_WAIT}}, status=201, tag=TAG),
            r("POST", "/discord/interactions/autocomplete", self.autocomplete,
              "A user types `value` into the option `focused`; the state's `choices` are "
              "the bot's", body={
                  "type": "object", "required": ["user", "name", "focused"], "properties": {
                      **who, "name": {"type": "string"}, "focused": {"type": "string"},
                      "value": {"type": "string"}, "options": OBJECT, **_WAIT}},
              status=201, tag=TAG),
            r("POST", "/discord/interactions/click", self.click,
              "A user clicks the button `custom_id` on a message (ephemeral ones too)",
              body={"type": "object", "required": ["user", "message", "custom_id"],
                    "properties": {"user": SNOWFLAKE, "message": SNOWFLAKE,
                                   "custom_id": {"type": "string"}, **_WAIT}},
              status=201, tag=TAG),
            r("POST", "/discord/interactions/select", self.select,
              "A user picks `values` in the select menu `custom_id` (option values; ids "
              "for user, role and channel selects)",
              body={"type": "object", "required": ["user", "message", "custom_id", "values"],
                    "properties": {"user": SNOWFLAKE, "message": SNOWFLAKE,
                                   "custom_id": {"type": "string"},
                                   "values": {"type": "array"}, **_WAIT}},
              status=201, tag=TAG),
            r("GET", "/discord/interactions/{interaction}", self.interaction,
              "An interaction's state: its callback (reply, deferral, modal, choices), "
              "followups and every reply in order; with `replies`, first wait until the "
              "bot has made that many",
              query={"replies": "wait for this many replies", "timeout": "seconds (5)"},
              tag=TAG),
            r("POST", "/discord/interactions/{interaction}/modal", self.submit_modal,
              "The user fills in and submits the modal the bot opened in answer to this "
              "interaction: `values` by the fields' custom_id (text; option values for "
              "selects, radio and checkbox groups; files for file uploads)",
              body={"type": "object", "required": ["values"], "properties": {
                  "values": OBJECT, **_WAIT}}, status=201, tag=TAG),
            r("GET", "/discord/users/{user}/modals", self.modals,
              "The modals the bot opened for this user that are still open",
              response=ARRAY, tag=TAG),
            r("GET", "/discord/channels/{channel}/messages/seen-by/{user}", self.seen_by,
              "A channel's messages as the user sees them, oldest first: with the "
              "ephemeral answers shown only to them, their own reactions and poll votes "
              "marked `me`/`me_voted` (403 if they cannot see the channel)",
              query={"limit": "at most this many (default 100)"}, response=ARRAY,
              tag=TAG),
        ]

    # -- lookups ------------------------------------------------------------------------

    @property
    def backend(self) -> Backend:
        return self.twin.backend

    def _user(self, value: Any, what: str = "user") -> int:
        user_id = snowflake_arg(value, what)
        if user_id not in self.twin.model.users:
            raise AdminError(404, f"no user {user_id}")
        return user_id

    def _channel(self, value: Any) -> Channel:
        channel_id = snowflake_arg(value, "channel")
        channel: Channel | None = self.twin.model.channels.get(channel_id)
        if channel is None:
            raise AdminError(404, f"no channel {channel_id}")
        return channel

    def _record(self, request: web.Request) -> Interaction:
        interaction_id = snowflake_arg(request.match_info["interaction"], "interaction")
        found = self.twin.interactions.by_id.get(interaction_id)
        if found is None:
            raise AdminError(404, f"no interaction {interaction_id}")
        return found

    def _message(self, value: Any) -> Message:
        message_id = snowflake_arg(value, "message")
        found = find_message(self.twin.model, self.twin.interactions, message_id)
        if found is None:
            raise AdminError(404, f"no message {message_id}")
        return found

    def _command(self, kind: int, name: str, channel: Channel | None
                 ) -> dict[str, Any] | None:
        """The registered command named ``name`` a user in ``channel`` would pick (in
        any scope without a channel); None if there is none (the control API says so)."""
        model = self.twin.model
        if channel is None:
            candidates = list(model.app_commands.values())
        else:
            scoped = model.commands(channel.guild_id) if channel.guild_id else []
            candidates = [*scoped, *model.commands(None)]
        return next((c for c in candidates if c["type"] == kind and c["name"] == name),
                    None)

    def _require_bot(self) -> None:
        if not any(s.connection is not None for s in self.twin.hub.sessions.values()):
            raise AdminError(409, "no bot is connected to the twin's gateway to get the "
                                  "interaction")

    # -- reading --------------------------------------------------------------------------

    async def commands(self, request: web.Request) -> list[dict[str, Any]]:
        model = self.twin.model
        guild = request.query.get("guild")
        if guild is None:
            return [dict(c) for c in model.app_commands.values()]
        guild_id = snowflake_arg(guild, "guild")
        if guild_id not in model.guilds:
            raise AdminError(404, f"no guild {guild_id}")
        return [dict(c) for c in [*model.commands(guild_id), *model.commands(None)]]

    async def list_interactions(self, request: web.Request) -> list[dict[str, Any]]:
        user = request.query.get("user")
        user_id = self._user(user) if user is not None else None
        limit = as_int(request.query.get("limit", "100"))
        if limit is None or limit < 0:
            raise AdminError(400, "limit is an integer >= 0")
        records = [r for r in self.twin.interactions if user_id in (None, r.user_id)]
        return [self.state(r) for r in (records[-limit:] if limit else [])]

    async def interaction(self, request: web.Request) -> dict[str, Any]:
        record = self._record(request)
        query = dict(request.query)
        if "replies" in query:
            replies = as_int(query["replies"])
            timeout = query.get("timeout", "5")
            try:
                seconds = float(timeout)
            except ValueError:
                raise AdminError(400, "timeout is a number of seconds") from None
            if replies is None:
                raise AdminError(400, "replies is an integer")
            replies, seconds = _wait_args({"replies": replies, "timeout": seconds})
            await self._wait(record, replies, seconds)
        return self.state(record)

    async def modals(self, request: web.Request) -> list[dict[str, Any]]:
        user_id = self._user(request.match_info["user"])
        return [{"interaction_id": str(r.id), "channel_id": str(r.channel_id),
                 "custom_id": (r.modal or {}).get("custom_id"),
                 "title": (r.modal or {}).get("title"), "modal": r.modal}
                for r in open_modals(self.twin.interactions, user_id)]

    async def seen_by(self, request: web.Request) -> list[dict[str, Any]]:
        model = self.twin.model
        channel = self._channel(request.match_info["channel"])
        user_id = self._user(request.match_info["user"])
        limit = as_int(request.query.get("limit", "100"))
        if limit is None or limit < 0:
            raise AdminError(400, "limit is an integer >= 0")
        if not model.permissions(channel, user_id) & Permission.VIEW_CHANNEL:
            raise AdminError(403, f"user {user_id} cannot see #{channel.name}")
        shown = seen_by(model, self.twin.interactions, channel, user_id)
        return [model.message_json(m, me=user_id) for m in (shown[-limit:] if limit else [])]

    def state(self, record: Interaction) -> dict[str, Any]:
        return interaction_state(self.twin.model, self.twin.interactions, record)

    # -- acting -------------------------------------------------------------------------

    async def slash(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        user_id = self._user(body.get("user"))
        channel = self._channel(body["channel"]) if body.get("channel") is not None else None
        name, options = body.get("name"), body.get("options") or {}
        if not isinstance(name, str) or not name.split():
            raise AdminError(400, "name is the command's name (\"config set\" for a "
                                  "subcommand)")
        if not isinstance(options, dict):
            raise AdminError(400, "options is an object: option name -> value")
        path = name.split()
        values = self._option_values(self._command(1, path[0], channel), path[1:], options)
        return await self._act(body, lambda: self.backend.slash(
            name, values, user=user_id, channel=channel))

    async def autocomplete(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        user_id = self._user(body.get("user"))
        channel = self._channel(body["channel"]) if body.get("channel") is not None else None
        name, focused = body.get("name"), body.get("focused")
        value, options = body.get("value", ""), body.get("options") or {}
        if not isinstance(name, str) or not name.split() or not isinstance(focused, str) \
                or not isinstance(value, str) or not isinstance(options, dict):
            raise AdminError(400, "name and focused are strings (the command, the option "
                                  "typed in), value a string, options an object")
        path = name.split()
        values = self._option_values(self._command(1, path[0], channel), path[1:], options)
        return await self._act(body, lambda: self.backend.autocomplete(
            name, focused, value, values, user=user_id, channel=channel))

    async def context_menu(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        user_id = self._user(body.get("user"))
        channel = self._channel(body["channel"]) if body.get("channel") is not None else None
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise AdminError(400, "name is the context-menu command's name")
        target_id = snowflake_arg(body.get("target"), "target")
        model = self.twin.model
        target: Message | int
        stored = next((m[target_id] for m in model.messages.values() if target_id in m), None)
        if stored is not None:
            target = stored
            channel = channel or model.channels.get(stored.channel_id)
        elif target_id in model.users:
            target = target_id
        else:
            raise AdminError(404, f"no user or message {target_id}")
        return await self._act(body, lambda: self.backend.context_menu(
            name, target, user=user_id, channel=channel))

    async def click(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        user_id, message, custom_id = await self._component_target(body, button=True)
        return await self._act(body, lambda: self.backend.click(
            message, custom_id, user=user_id))

    async def select(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        values = body.get("values")
        if not isinstance(values, list) or not all(
                isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise AdminError(400, "values is a list: option values (strings), or ids for "
                                  "user, role and channel selects")
        user_id, message, custom_id = await self._component_target(body, button=False)
        picks = [str(v) for v in values]
        return await self._act(body, lambda: self.backend.select(
            message, custom_id, picks, user=user_id))

    async def submit_modal(self, request: web.Request) -> dict[str, Any]:
        opened = self._record(request)
        body = await json_body(request)
        values = body.get("values")
        if not isinstance(values, dict):
            raise AdminError(400, "values is an object: a field's custom_id -> its value")
        if opened.acknowledged is None:
            raise AdminError(409, f"the bot has not answered interaction {opened.id} yet")
        modal = opened.modal
        if modal is None:
            raise AdminError(409, f"the bot did not open a modal for interaction "
                                  f"{opened.id} (it answered with "
                                  f"{CALLBACKS.get(opened.acknowledged, '?')})")
        if not modal_open(opened, self.twin.interactions):
            raise AdminError(409, f"the modal opened for interaction {opened.id} was "
                                  "submitted already")
        self._require_bot()
        uploads = {str(c.get("custom_id")) for c in walk_components(
            modal.get("components") or []) if c.get("type") == 19}
        answers: dict[str, Any] = {}
        for key, value in values.items():
            if key in uploads:
                files = value if isinstance(value, list) else [value]
                answers[key] = [_file(f, f"the file upload {key!r}") for f in files]
            elif isinstance(value, dict):
                raise AdminError(400, f"the modal's field {key!r} takes text or a list of "
                                      "option values, not an object")
            else:
                answers[key] = value
        return await self._act(body, lambda: self.backend.submit_modal(opened, answers))

    # -- the work -----------------------------------------------------------------------

    async def _component_target(self, body: dict[str, Any], *, button: bool
                                ) -> tuple[int, Message, str]:
        user_id = self._user(body.get("user"))
        message = self._message(body.get("message"))
        custom_id = body.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            raise AdminError(400, "custom_id is the component's custom_id")
        component = find_component(message.components, custom_id)
        if component is None:
            raise AdminError(404, f"message {message.id} has no component {custom_id!r}")
        if component.get("disabled"):
            raise AdminError(409, f"component {custom_id!r} is disabled")
        is_button = component.get("type") == 2
        if is_button != button:
            raise AdminError(400, f"component {custom_id!r} is "
                                  f"{'not ' if button else ''}a button (use "
                                  f"{'select' if button else 'click'})")
        return user_id, message, custom_id

    @staticmethod
    def _option_values(command: dict[str, Any] | None, path: list[str],
                       given: dict[str, Any]) -> dict[str, Any]:
        """``given`` as the control API takes it: ids as integers, files as
        ``(filename, bytes)``; the control API checks the rest (and says which command,
        subcommand or option is not there)."""
        level: list[dict[str, Any]] = (command or {}).get("options") or []
        for name in path:
            found = next((o for o in level if o["name"] == name and o["type"] in (1, 2)),
                         None)
            level = (found or {}).get("options") or []
        kinds = {o["name"]: o["type"] for o in level}
        values: dict[str, Any] = {}
        for key, value in given.items():
            kind = kinds.get(key)
            if kind in _SNOWFLAKE_OPTIONS and isinstance(value, str) and value.isdigit():
                values[key] = int(value)
            elif kind == _ATTACHMENT_OPTION:
                values[key] = _file(value, f"option {key!r}")
            elif isinstance(value, dict | list) or value is None:
                raise AdminError(400, f"option {key!r} takes a string, number or boolean "
                                      f"(ids as strings), not {value!r}")
            else:
                values[key] = value
        return values

    async def _act(self, body: dict[str, Any],
                   send: Callable[[], Awaitable[Interaction]]) -> dict[str, Any]:
        """Send the interaction (without waiting for the bot to settle), then wait for
        the replies the caller asked for."""
        replies, timeout = _wait_args(body)
        self._require_bot()
        try:
            with self.backend.without_settling():
                record = await send()
        except BackendError as exc:
            # What the Discord client would not let the user do: 403 (not allowed), 404
            # (not there), 400 (the rest: an option outside its choices...).
            status = exc.status if exc.status in (403, 404) else 400
            raise AdminError(status, str(exc)) from None
        await self._wait(record, replies, timeout)
        return self.state(record)

    async def _wait(self, record: Interaction, replies: int, timeout: float) -> None:
        if replies == 0 or len(record.replies) >= replies:
            return
        try:
            await self.twin.interactions.log.wait_for(
                lambda item: item[0] == record.id, count=replies, timeout=timeout)
        except TimeoutError:
            raise AdminError(504, f"the bot made {len(record.replies)} of the {replies} "
                                  f"repl(ies) waited for to interaction {record.id} within "
                                  f"{timeout:g}s (GET /_wiretwin/discord/interactions/"
                                  f"{record.id} shows it)") from None


__all__ = ["InteractionAdmin"]
