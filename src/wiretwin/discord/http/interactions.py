"""The routes a bot answers interactions on (no ``Authorization``: the token is the key).

* ``POST /interactions/{id}/{token}/callback``: the first answer. 204, or with
  ``with_response`` (discord.py always sends ``?with_response=1``) 200 and
  ``{"interaction": {"id", "type", "response_message_*"?}, "resource": {"type",
  "message"?}}`` (the ``response_message_*`` fields when a message was made).
* ``GET|PATCH|DELETE /webhooks/{application_id}/{token}/messages/@original``
* ``POST /webhooks/{application_id}/{token}``: a followup (right after a deferred
  response, the first one fills the "thinking..." message in instead, as Discord does).
* ``GET|PATCH|DELETE /webhooks/{application_id}/{token}/messages/{message_id}``

Responses that are not ephemeral are real channel messages (type 20 for slash commands,
23 for context menus, 19 for components and modals) from the bot with
``webhook_id``/``application_id`` and ``interaction_metadata``; the bot gets their
MESSAGE_CREATE/UPDATE/DELETE. Ephemeral ones live only in the interaction's record.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...runtime.clock import Clock
from ..errors import (
    ALREADY_ACKNOWLEDGED,
    INVALID_WEBHOOK_TOKEN,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
)
from ..interactions.records import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    DEADLINE,
    EPHEMERAL,
    LOADING,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    TOKEN_LIFETIME,
    Interaction,
    Interactions,
    Reply,
)
from ..model import Attachment, DiscordModel, Message, form_error
from ..wire.bodies import MessageBody, read_message
from ..wire.components import check_modal_components, number_components
from ..wire.fields import Form
from ..wire.params import query_flag, snowflake_arg
from .access import ChannelAccess
from .app import RestApp, Routes, json_response
from .webhooks import WebhookRoutes

#: Interaction type -> the callback types Discord accepts for it.
_ALLOWED = {APPLICATION_COMMAND: (4, 5, 9, 10, 12), MESSAGE_COMPONENT: (4, 5, 6, 7, 9, 10),
            AUTOCOMPLETE: (8,), MODAL_SUBMIT: (4, 5, 6, 7)}
#: Message flags a response may set (SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS,
#: IS_VOICE_MESSAGE, IS_COMPONENTS_V2).
_SETTABLE_FLAGS = 4 | EPHEMERAL | 4096 | 8192 | 32768


def _routes() -> Routes:
    hook = "/webhooks/{application_id}/{token}"
    return (
        ("POST", "/interactions/{interaction_id}/{token}/callback", "callback", False),
        ("GET", hook + "/messages/@original", "get_original", False),
        ("PATCH", hook + "/messages/@original", "edit_original", False),
        ("DELETE", hook + "/messages/@original", "delete_original", False),
        ("POST", hook, "followup", False),
        ("GET", hook + "/messages/{message_id}", "get_followup", False),
        ("PATCH", hook + "/messages/{message_id}", "edit_followup", False),
        ("DELETE", hook + "/messages/{message_id}", "delete_followup", False),
    )


_ROUTES = _routes()


class InteractionRoutes:
    def __init__(self, app: RestApp, model: DiscordModel, clock: Clock,
                 interactions: Interactions, access: ChannelAccess,
                 webhooks: WebhookRoutes) -> None:
        self.model = model
        self.clock = clock
        self.interactions = interactions
        self.access = access
        #: Channel webhooks share the followup paths: tokens that are not interactions'
        #: go to them.
        self.webhooks = webhooks
        app.mount(self, _ROUTES)

    # -- the callback -------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.StreamResponse:
        interaction = self.interactions.by_id.get(snowflake_arg(request, "interaction_id"))
        if interaction is None or interaction.token != request.match_info["token"]:
            raise UNKNOWN_INTERACTION()
        if interaction.acknowledged is not None:
            raise ALREADY_ACKNOWLEDGED()
        if self.clock.time() - interaction.created > DEADLINE:
            raise UNKNOWN_INTERACTION()
        with_response = query_flag(request, "with_response")
        body, files = await self.access.payload(request, interaction.channel_id,
                                                data_key="data")
        form = Form(body)
        kind = form.choice("type", _ALLOWED.get(interaction.type, ()), required=True)
        data_form = form.object("data") or Form({}, ("data",), form.problems)
        sent = read_message(data_form)
        form.check()
        data = dict(data_form.data)
        message: Message | None = None
        if kind == 4:
            message = self._respond(interaction, sent, files)
            interaction.original = message
        elif kind == 5:
            message = self._thinking(interaction, sent.flags or 0)
            interaction.original = message
        elif kind == 7:
            message = self._update_source(interaction, sent, files)
        elif kind == 8:
            _check_choices(data)
        elif kind == 9:
            _check_modal(data)
            # Numbered as a message's components are: the submit carries the ids back
            # (and hikari reads every one).
            data["components"] = number_components(data["components"])
        interaction.acknowledged = kind
        self.interactions.record(interaction, Reply("callback", kind, data, message))
        if not with_response:
            return web.Response(status=204)
        shown = message if kind in (4, 7) else None
        resource: dict[str, Any] = {"type": kind}
        if shown is not None:
            resource["message"] = self.model.message_json(shown)
        # The response_message_* fields (and activity_instance_id) are optional: Discord
        # sends them only when the callback made a message (hikari reads a present
        # ``response_message_id`` as a snowflake, so a null one breaks it).
        callback: dict[str, Any] = {"id": str(interaction.id), "type": interaction.type}
        if message is not None:
            callback.update(response_message_id=str(message.id),
                            response_message_loading=kind == 5,
                            response_message_ephemeral=bool(message.flags & EPHEMERAL))
        return json_response({"interaction": callback, "resource": resource})

    def _respond(self, interaction: Interaction, sent: MessageBody,
                 files: list[Attachment], *, followup: bool = False) -> Message:
        """A response or followup message: in the channel, or only in the record."""
        model = self.model
        channel = model.channel(interaction.channel_id)
        embeds = sent.embeds or []
        if len(embeds) > 10:
            raise form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        flags = sent.flags or 0
        if flags & ~_SETTABLE_FLAGS:
            raise form_error("flags", "MESSAGE_FLAGS_INVALID", "Invalid flags")
        message = model.build_message(
            channel, model.bot.id, sent.content or "", embeds=embeds, attachments=files,
            allowed_mentions=sent.allowed_mentions, tts=bool(sent.tts),
            components=sent.components, flags=flags,
            message_type=self._message_type(interaction), poll=sent.poll)
        self._stamp(interaction, message, followup=followup)
        if flags & EPHEMERAL:
            return message
        return model.store_message(channel, message)

    def _thinking(self, interaction: Interaction, flags: int) -> Message:
        """A deferred response: the "is thinking..." message (LOADING) the bot fills in."""
        model = self.model
        channel = model.channel(interaction.channel_id)
        message = Message(model.ids.next(), channel.id, model.bot.id, "", channel.guild_id,
                          self._message_type(interaction), flags=LOADING | (flags & EPHEMERAL))
        self._stamp(interaction, message)
        if flags & EPHEMERAL:
            return message
        return model.store_message(channel, message)

    def _update_source(self, interaction: Interaction, data: MessageBody,
                       files: list[Attachment]) -> Message:
        source = interaction.source_message
        if source is None:
            raise form_error("type", "INTERACTION_UPDATE_MESSAGE_INVALID",
                             "This interaction has no message to update")
        return self._edit(source, data, files)

    def _message_type(self, interaction: Interaction) -> int:
        if interaction.type == APPLICATION_COMMAND:
            return 20 if interaction.payload["data"].get("type", 1) == 1 else 23
        return 19

    def _stamp(self, interaction: Interaction, message: Message, *,
               followup: bool = False) -> None:
        message.webhook_id = self.model.application.id
        meta = self._metadata(interaction)
        if followup and interaction.original is not None:
            meta["original_response_message_id"] = str(interaction.original.id)
        message.interaction = meta

    def _metadata(self, interaction: Interaction) -> dict[str, Any]:
        """The message's ``interaction_metadata`` for ``interaction`` (Discord's "Message
        Interaction Metadata Object"): ``target_user``/``target_message_id`` for context
        menus, ``interacted_message_id`` for components, and for a modal submit the
        metadata of the interaction that opened the modal."""
        user = self.model.users[interaction.user_id].to_json()
        meta: dict[str, Any] = {
            "id": str(interaction.id), "type": interaction.type, "user": user,
            "authorizing_integration_owners": interaction.payload.get(
                "authorizing_integration_owners", {})}
        if interaction.type == APPLICATION_COMMAND:
            meta["name"] = interaction.name
            target = interaction.payload["data"].get("target_id")
            if interaction.payload["data"].get("type") == 2:
                meta["target_user"] = interaction.payload["data"]["resolved"]["users"][target]
            elif target is not None:
                meta["target_message_id"] = target
        elif interaction.type == MESSAGE_COMPONENT and interaction.source_message is not None:
            meta["interacted_message_id"] = str(interaction.source_message.id)
        elif interaction.type == MODAL_SUBMIT and interaction.opened_by is not None:
            meta["triggering_interaction_metadata"] = self._metadata(interaction.opened_by)
        return meta

    def _edit(self, message: Message, data: MessageBody, files: list[Attachment], *,
              flags: int | None = None) -> Message:
        """Edit a response or followup (``flags``: when the request gives none)."""
        changes = data.changes("content", "embeds", "components", "attachments", "flags")
        if changes.get("flags") is None and flags is not None:
            changes["flags"] = flags
        if "flags" in changes:
            changes["flags"] = (message.flags & EPHEMERAL) | (
                (changes["flags"] or 0) & _SETTABLE_FLAGS & ~EPHEMERAL)
        # "Polls can only be added when editing a deferred interaction response."
        poll = data.poll if message.flags & LOADING and not message.flags & EPHEMERAL \
            else None
        if message.flags & LOADING:
            changes["flags"] = changes.get("flags", message.flags) & ~LOADING
        channel_messages = self.model.messages.get(message.channel_id, {})
        if channel_messages.get(message.id) is message:
            return self.model.edit_message(message, changes, files, poll=poll)
        # Ephemeral: only the invoking user sees it, and the bot gets no event.
        return self.model.apply_message_changes(message, changes, files)

    # -- the webhook routes -------------------------------------------------------------

    def _by_token(self, request: web.Request) -> Interaction:
        """The interaction a webhook route names; Discord's answers when it cannot be used."""
        interaction = self.interactions.by_token.get(request.match_info["token"])
        app_id = request.match_info["application_id"]
        if interaction is None or app_id != str(self.model.application.id):
            raise UNKNOWN_WEBHOOK()
        if self.clock.time() - interaction.created > TOKEN_LIFETIME:
            raise INVALID_WEBHOOK_TOKEN()
        if interaction.acknowledged is None:
            raise UNKNOWN_WEBHOOK()
        return interaction

    def _original(self, interaction: Interaction) -> Message:
        message = interaction.original
        if interaction.acknowledged in (6, 7) and message is None:
            message = interaction.source_message
        if message is None or interaction.original_deleted:
            raise UNKNOWN_MESSAGE()
        return message

    def _followup_message(self, request: web.Request, interaction: Interaction) -> Message:
        message_id = snowflake_arg(request, "message_id")
        found = interaction.followups.get(message_id)
        if found is None:
            if interaction.original is not None and interaction.original.id == message_id \
                    and not interaction.original_deleted:
                return interaction.original
            raise UNKNOWN_MESSAGE()
        return found

    async def get_original(self, request: web.Request) -> dict[str, Any]:
        return self.model.message_json(self._original(self._by_token(request)))

    async def edit_original(self, request: web.Request) -> dict[str, Any]:
        interaction = self._by_token(request)
        message = self._original(interaction)
        body, files = await self.access.payload(request, interaction.channel_id)
        edited = self._edit(message, _read(body), files)
        self.interactions.record(interaction, Reply("edit", None, body, edited, "@original"))
        return self.model.message_json(edited)

    async def delete_original(self, request: web.Request) -> None:
        interaction = self._by_token(request)
        message = self._original(interaction)
        self._delete(message)
        if message is interaction.original:
            interaction.original_deleted = True
        self.interactions.record(interaction, Reply("delete", None, {}, None, "@original"))

    def _webhook(self, request: web.Request) -> WebhookRoutes | None:
        """The channel-webhook routes, when the token is not an interaction's."""
        if request.match_info["token"] in self.interactions.by_token:
            return None
        return self.webhooks

    async def followup(self, request: web.Request) -> web.StreamResponse | dict[str, Any]:
        if (hooks := self._webhook(request)) is not None:
            return await hooks.execute(request)
        interaction = self._by_token(request)
        body, files = await self.access.payload(request, interaction.channel_id)
        sent = _read(body)
        original = interaction.original
        if (interaction.acknowledged == 5 and original is not None
                and original.flags & LOADING and not interaction.followups
                and not interaction.original_deleted):
            # Discord's rule: the first followup after a defer fills the loading message.
            edited = self._edit(original, sent, files, flags=original.flags & EPHEMERAL)
            self.interactions.record(interaction,
                                     Reply("followup", None, body, edited, "@original"))
            return self.model.message_json(edited)
        message = self._respond(interaction, sent, files, followup=True)
        interaction.followups[message.id] = message
        self.interactions.record(interaction, Reply("followup", None, body, message))
        return self.model.message_json(message)

    async def get_followup(self, request: web.Request) -> dict[str, Any]:
        if (hooks := self._webhook(request)) is not None:
            return await hooks.get_message(request)
        interaction = self._by_token(request)
        return self.model.message_json(self._followup_message(request, interaction))

    async def edit_followup(self, request: web.Request) -> dict[str, Any]:
        if (hooks := self._webhook(request)) is not None:
            return await hooks.edit_message(request)
        interaction = self._by_token(request)
        message = self._followup_message(request, interaction)
        body, files = await self.access.payload(request, interaction.channel_id)
        edited = self._edit(message, _read(body), files)
        self.interactions.record(interaction, Reply("edit", None, body, edited, str(message.id)))
        return self.model.message_json(edited)

    async def delete_followup(self, request: web.Request) -> None:
        if (hooks := self._webhook(request)) is not None:
            return await hooks.delete_message(request)
        interaction = self._by_token(request)
        message = self._followup_message(request, interaction)
        self._delete(message)
        if interaction.followups.pop(message.id, None) is None:
            interaction.original_deleted = True
        self.interactions.record(interaction, Reply("delete", None, {}, None, str(message.id)))

    def _delete(self, message: Message) -> None:
        if self.model.messages.get(message.channel_id, {}).get(message.id) is message:
            self.model.delete_message(message)


def _read(body: dict[str, Any]) -> MessageBody:
    """A followup's or an edit's message fields, or 50035."""
    form = Form(body)
    sent = read_message(form)
    form.check()
    return sent


def _check_choices(data: dict[str, Any]) -> None:
    choices = data.get("choices")
    if not isinstance(choices, list):
        raise form_error("data.choices", "BASE_TYPE_REQUIRED", "This field is required")
    if len(choices) > 25:
        raise form_error("data.choices", "BASE_TYPE_MAX_LENGTH",
                         "Must be 25 or fewer in length.")
    for index, choice in enumerate(choices):
        name = choice.get("name") if isinstance(choice, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise form_error(f"data.choices.{index}.name", "BASE_TYPE_BAD_LENGTH",
                             "Must be between 1 and 100 in length.")
        if not isinstance(choice, dict) or "value" not in choice:
            raise form_error(f"data.choices.{index}.value", "BASE_TYPE_REQUIRED",
                             "This field is required")


def _check_modal(data: dict[str, Any]) -> None:
    for key, high in (("custom_id", 100), ("title", 45)):
        value = data.get(key)
        if not isinstance(value, str) or not 1 <= len(value) <= high:
            raise form_error(f"data.{key}", "BASE_TYPE_BAD_LENGTH",
                             f"Must be between 1 and {high} in length.")
    check_modal_components(data.get("components"))


__all__ = ["InteractionRoutes"]
