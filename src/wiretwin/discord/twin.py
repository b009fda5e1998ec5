"""The Discord twin: REST v10 (and v9) under ``/api`` and the gateway at ``/``, one port.

Unmodified discord.py (and forks), hikari and discord.js log in with the twin's bot
token and see READY, GUILD_CREATE and every dispatch their intents ask for; what the bot
does over REST is checked against Discord's permission rules and echoed back over the
gateway as Discord does.
"""

from __future__ import annotations

import random
from typing import Any

from aiohttp import web

from ..runtime.base import Twin
from ..runtime.clock import Clock
from ..runtime.journal import DEFAULT_JOURNAL_LIMIT
from ..runtime.wire import ADMIN_PREFIX
from .gateway.hub import GatewayHub
from .gateway.websocket import GatewaySockets
from .model import Application, DiscordModel, User
from .rest.app import RestApp, json_response
from .rest.channels import ChannelRoutes
from .rest.core import CoreRoutes
from .rest.guilds import GuildRoutes
from .snowflake import Snowflakes

DEFAULT_TOKEN = "wiretwin.discord.bot-token"


class DiscordTwin(Twin):
    """An offline Discord: REST, gateway, permissions, and a bot application."""

    service = "discord"
    heartbeat_events = frozenset({"HEARTBEAT_ACK", "ws:pong"})

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        application_name: str = "wiretwin app",
        bot_name: str = "wiretwin-bot",
        privileged_intents: bool = True,
        recommended_shards: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        clock: Clock | None = None,
        journal_limit: int = DEFAULT_JOURNAL_LIMIT,
        admin_token: str | None = None,
    ) -> None:
        self._token = token
        self._names = (application_name, bot_name)
        self._privileged = privileged_intents
        self.recommended_shards = recommended_shards
        super().__init__(host=host, port=port, seed=seed, clock=clock,
                         journal_limit=journal_limit, admin_token=admin_token)

    def _setup(self) -> None:
        ids = Snowflakes(self.clock, worker=2)
        app_name, bot_name = self._names
        rng = random.Random(f"wiretwin-discord:{self.seed}")
        bot = User(ids.next(), bot_name, bot=True)
        owner = User(ids.next(), "wiretwin-owner", global_name="wiretwin owner")
        flags = (1 << 12) | (1 << 14) | (1 << 18) if self._privileged else 0
        application = Application(ids.next(), app_name, bot, owner, self._token, flags=flags,
                                  verify_key=f"{rng.getrandbits(256):064x}")
        self.model = DiscordModel(self, self.clock, application)
        self.hub = GatewayHub(self.model, self.clock, rng, lambda: self.ws_url("/"))
        self.gateway = GatewaySockets(self.hub, self.wire, self.server)
        self.rest = RestApp(self.model, self.clock, self.journal)
        CoreRoutes(self.rest, self.model, lambda: self.ws_url("/"),
                   lambda: self.recommended_shards)
        ChannelRoutes(self.rest, self.model, self.http_url)
        GuildRoutes(self.rest, self.model)
        self.wire.error_body = _error_body

    def _add_routes(self, app: web.Application) -> None:
        app._client_max_size = 32 * 1024 * 1024
        app.add_routes(self.gateway.routes())
        app.add_routes(self.rest.routes())
        app.router.add_get("/attachments/{channel}/{attachment}/{filename}", self._attachment)

    async def _on_stop(self) -> None:
        self.hub.close_all(1001, "Going away")

    # -- Effects ------------------------------------------------------------------------

    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None,
                 user_ids: frozenset[int] | None = None) -> None:
        self.hub.dispatch(event, data, guild_id=guild_id, user_ids=user_ids)

    def guild_joined(self, guild_id: int) -> None:
        self.hub.guild_joined(guild_id)

    # -- the CDN, in miniature ------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        channel = int(request.match_info["channel"])
        wanted = int(request.match_info["attachment"])
        for message in self.model.messages.get(channel, {}).values():
            for attachment in message.attachments:
                if attachment.id == wanted:
                    return web.Response(body=attachment.data, content_type=(
                        attachment.content_type or "application/octet-stream"))
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    # -- settings ---------------------------------------------------------------------

    @property
    def application(self) -> Application:
        return self.model.application

    @property
    def bot_user(self) -> User:
        return self.model.bot

    def settings(self) -> dict[str, Any]:
        return {
            "host": self.host, "port": self.port, "token": self.application.token,
            "application_id": str(self.application.id), "bot_id": str(self.bot_user.id),
            "api_base": self.http_url("/api"), "rest_url": self.http_url("/api/v10"),
            "gateway_url": self.ws_url("/"), "admin_url": self.http_url(ADMIN_PREFIX),
        }


def _error_body(status: int) -> tuple[str, str]:
    import json

    return json.dumps({"message": f"{status}: Injected by wiretwin", "code": 0}), \
        "application/json"


__all__ = ["DEFAULT_TOKEN", "DiscordTwin"]
