"""Channel webhook routes: manage them with the bot's token (MANAGE_WEBHOOKS), use them
with the webhook's own token (no ``Authorization``).

``POST /webhooks/{id}/{token}`` and ``.../messages/{message_id}`` share their paths with
interaction followups (an application id and an interaction token): the interaction
routes hand anything that is not an interaction token to :class:`WebhookRoutes`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..errors import UNKNOWN_MESSAGE, UNKNOWN_WEBHOOK
from ..model import DiscordModel, Message, Webhook, form_error
from ..permissions import Permission as P
from ..wire.bodies import read_message
from ..wire.changes import read_webhook
from ..wire.fields import Form, as_snowflake
from ..wire.params import query, read_json, snowflake_arg
from .access import ChannelAccess
from .app import RestApp, Routes


def _routes() -> Routes:
    hook = "/webhooks/{webhook_id}"
    return (
        ("POST", "/channels/{channel_id}/webhooks", "create", True),
        ("GET", "/channels/{channel_id}/webhooks", "channel_hooks", True),
        ("GET", "/guilds/{guild_id}/webhooks", "guild_hooks", True),
        ("GET", hook, "get", True),
        ("PATCH", hook, "modify", True),
        ("DELETE", hook, "delete", True),
        ("GET", hook + "/{token}", "get_with_token", False),
        ("PATCH", hook + "/{token}", "modify_with_token", False),
        ("DELETE", hook + "/{token}", "delete_with_token", False),
    )


_ROUTES = _routes()


class WebhookRoutes:
    def __init__(self, app: RestApp, model: DiscordModel, access: ChannelAccess) -> None:
        self.model = model
        self.access = access
        app.mount(self, _ROUTES)

    @property
    def me(self) -> int:
        return self.model.bot.id

    def _json(self, hook: Webhook, *, with_user: bool = True) -> dict[str, Any]:
        return hook.to_json(self.model.users, with_user=with_user)

    # -- with the bot's token -----------------------------------------------------------

    async def create(self, request: web.Request) -> dict[str, Any]:
        channel = self.access.channel(request, P.MANAGE_WEBHOOKS)
        body = await read_json(request)
        if body.get("name") is None:
            raise form_error("name", "BASE_TYPE_REQUIRED", "This field is required")
        fields = read_webhook(body)
        return self._json(self.model.create_webhook(channel, self.me, fields["name"],
                                                    fields.get("avatar")))

    async def channel_hooks(self, request: web.Request) -> list[dict[str, Any]]:
        channel = self.access.channel(request, P.MANAGE_WEBHOOKS)
        return [self._json(h) for h in self.model.webhooks.values()
                if h.channel_id == channel.id]

    async def guild_hooks(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self.model.guild(snowflake_arg(request, "guild_id"))
        self.model.require_guild(guild, self.me, P.MANAGE_WEBHOOKS)
        return [self._json(h) for h in self.model.webhooks.values() if h.guild_id == guild.id]

    def _managed(self, request: web.Request) -> Webhook:
        hook = self.model.webhook(snowflake_arg(request, "webhook_id"))
        self.model.require(self.model.channel(hook.channel_id), self.me, P.MANAGE_WEBHOOKS)
        return hook

    async def get(self, request: web.Request) -> dict[str, Any]:
        return self._json(self._managed(request))

    async def modify(self, request: web.Request) -> dict[str, Any]:
        hook = self._managed(request)
        changes = read_webhook(await read_json(request))
        if "channel_id" in changes:
            target = self.model.channel(changes["channel_id"])
            self.model.require(target, self.me, P.MANAGE_WEBHOOKS)
        return self._json(self.model.modify_webhook(hook, changes))

    async def delete(self, request: web.Request) -> None:
        self.model.delete_webhook(self._managed(request))

    # -- with the webhook's token -------------------------------------------------------

    def _by_token(self, request: web.Request) -> Webhook:
        raw = request.match_info.get("webhook_id") or request.match_info["application_id"]
        hook_id = as_snowflake(raw)
        if hook_id is None:
            raise UNKNOWN_WEBHOOK()
        return self.model.webhook(hook_id, request.match_info["token"])

    async def get_with_token(self, request: web.Request) -> dict[str, Any]:
        return self._json(self._by_token(request), with_user=False)

    async def modify_with_token(self, request: web.Request) -> dict[str, Any]:
        hook = self._by_token(request)
        body = read_webhook(await read_json(request))
        if "channel_id" in body:  # only with the bot's token
            raise form_error("channel_id", "WEBHOOK_TOKEN_CHANNEL",
                             "Cannot change the channel with a webhook token")
        return self._json(self.model.modify_webhook(hook, body), with_user=False)

    async def delete_with_token(self, request: web.Request) -> None:
        self.model.delete_webhook(self._by_token(request))

    async def execute(self, request: web.Request) -> web.StreamResponse | dict[str, Any]:
        hook = self._by_token(request)
        params = query(request)
        wait = params.boolean("wait")
        thread = params.snowflake("thread_id")
        params.boolean("with_components")
        params.check()
        body, files = await self.access.payload(request, hook.channel_id)
        message = self.model.execute_webhook(hook, body, files, thread_id=thread)
        if not wait:
            return web.Response(status=204)
        return self.model.message_json(message)

    def _message(self, request: web.Request, hook: Webhook) -> Message:
        message_id = snowflake_arg(request, "message_id")
        params = query(request)
        thread = params.snowflake("thread_id")
        params.check()
        channel_id = hook.channel_id if thread is None else thread
        found = self.model.messages.get(channel_id, {}).get(message_id)
        if found is None or found.webhook_id != hook.id:
            raise UNKNOWN_MESSAGE()
        return found

    async def get_message(self, request: web.Request) -> dict[str, Any]:
        hook = self._by_token(request)
        return self.model.message_json(self._message(request, hook))

    async def edit_message(self, request: web.Request) -> dict[str, Any]:
        hook = self._by_token(request)
        message = self._message(request, hook)
        body, files = await self.access.payload(request, message.channel_id)
        form = Form(body)
        edit = read_message(form)
        form.check()
        changes = edit.changes("content", "embeds", "components", "attachments")
        return self.model.message_json(self.model.edit_message(message, changes, files))

    async def delete_message(self, request: web.Request) -> None:
        hook = self._by_token(request)
        self.model.delete_message(self._message(request, hook))


__all__ = ["WebhookRoutes"]
