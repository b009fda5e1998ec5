"""The Discord twin: REST v10 (and v9) under ``/api`` and the gateway at ``/``, one port.

Unmodified discord.py (and forks), hikari and discord.js log in with the twin's bot
token and see READY, GUILD_CREATE and every dispatch their intents ask for; what the bot
does over REST is checked against Discord's permission rules and echoed back over the
gateway as Discord does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..runtime.admin import AdminRoute
from ..runtime.alarm import Alarm
from ..runtime.base import Twin
from ..runtime.clock import Clock
from ..runtime.journal import DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_LIMIT
from ..runtime.jsonio import compact
from ..runtime.routes import DefSource, RouteSource
from ..runtime.wire import ADMIN_PREFIX
from ..runtime.worlds import world_table
from .admin import DiscordAdmin
from .admin_interactions import InteractionAdmin
from .backend import Backend
from .cdn import Cdn
from .errors import AUTHENTICATION_FAILED, GOING_AWAY, REQUEST_TOO_LARGE, RESET, UNKNOWN_ERROR
from .http.access import ChannelAccess
from .http.app import RestApp, error_response, json_response
from .http.channels import ChannelRoutes
from .http.commands import CommandRoutes
from .http.core import CoreRoutes
from .http.emojis import EmojiRoutes
from .http.guilds import GuildRoutes
from .http.interactions import InteractionRoutes
from .http.oauth import OAuthRoutes
from .http.polls import PollRoutes
from .http.scheduled_events import ScheduledEventRoutes
from .http.search import SearchRoutes
from .http.stickers import StickerRoutes
from .http.threads import ThreadRoutes
from .http.webhooks import WebhookRoutes
from .interactions import Interaction, Interactions
from .model import (
    ATTACHMENT_LIMIT,
    Application,
    Attachment,
    DiscordModel,
    StorageLimits,
    User,
)
from .oauth import OAuth
from .protocol.hub import GatewayHub
from .protocol.intents import PRIVILEGED_FLAGS, privileged_flags, privileged_names
from .protocol.replay import GatewayLimits
from .snapshot import restore, snapshot
from .snowflake import Snowflakes
from .voice.control import VoiceControl
from .websocket import GatewaySockets
from .wire.fields import as_snowflake

if TYPE_CHECKING:
    from .model import Message
    from .verify import Verify

#: ``token=DEFAULT_TOKEN`` (the default): a Discord-shaped token made from the bot's id.
DEFAULT_TOKEN = ""
#: The largest REST request body Discord takes: "The maximum request size when sending
#: a message is 25 MiB" (its API reference, "Create Message"). Past it: 413 40005.
MAX_REQUEST_SIZE = 25 * 1024 * 1024


def discord_token(bot_id: int, seed: int) -> str:
    """A token shaped like Discord's: ``base64(bot id).base64(timestamp).hmac``.

    hikari reads the bot id out of the first segment (and refuses other shapes); the rest
    is derived from the id and the seed, so a twin's token is reproducible.
    """
    digest = hashlib.sha256(f"wiretwin-discord-token:{seed}:{bot_id}".encode()).digest()

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{b64(str(bot_id).encode())}.{b64(digest[:4])}.{b64(digest[4:31])}"


def _served(found: Attachment | None) -> web.Response:
    """A file's bytes, or the CDN's 404 for an unknown or expired link."""
    if found is None or found.expired:
        return json_response({"message": "404: Not Found", "code": 0}, 404)
    return web.Response(body=found.data,
                        content_type=found.content_type or "application/octet-stream")


class DiscordTwin(Twin):
    """An offline Discord: REST, gateway, permissions, and a bot application."""

    service = "discord"
    #: Discord's "Unknown error": the client should reconnect.
    internal_close = UNKNOWN_ERROR
    heartbeat_events = frozenset({"HEARTBEAT_ACK", "ws:pong"})

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        application_name: str | None = None,
        bot_name: str | None = None,
        privileged_intents: bool | Iterable[str] | None = None,
        recommended_shards: int = 1,
        max_concurrency: int = 1,
        gateway_limits: GatewayLimits | None = None,
        world: str | Path | Mapping[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        clock: Clock | None = None,
        journal_limit: int = DEFAULT_JOURNAL_LIMIT,
        journal_bytes: int = DEFAULT_JOURNAL_BYTES,
        admin_token: str | None = None,
        max_request_size: int = MAX_REQUEST_SIZE,
        attachment_size_limit: int = ATTACHMENT_LIMIT,
        storage_limits: StorageLimits | None = None,
        rate_limits: bool = True,
    ) -> None:
        """See docs/discord/index.md. ``max_request_size``: the largest REST body, in bytes
        (Discord's 25 MiB); ``attachment_size_limit``: the largest file in a message
        (Discord's default 10 MiB), also what interactions report to the bot. Past
        either, Discord's 413 with code 40005. ``storage_limits``: how many messages per
        channel and bytes of uploads the twin remembers (5,000 and 256 MiB).
        ``rate_limits=False``: REST answers carry no rate-limit headers and no route is
        limited unless a test sets a limit on it (``set_rate_limit``).
        ``token``, ``application_name``, ``bot_name`` and ``privileged_intents`` (default:
        every one) win over a world's application when given."""
        self._token = token
        self._rate_limits = rate_limits
        self._storage_limits = storage_limits
        self.max_request_size = max_request_size
        self._attachment_limit = attachment_size_limit
        #: Given explicitly (None: not given): applied over the world's application too.
        self._given_names = (application_name, bot_name)
        #: Given explicitly: applied over the world's application too.
        self._privileged_given = privileged_intents is not None
        privileged = True if privileged_intents is None else privileged_intents
        if not isinstance(privileged, bool | str):
            privileged = list(privileged)
        privileged_flags(privileged)  # a string, or a name it does not know, fails here
        self._privileged = privileged
        self.recommended_shards = recommended_shards
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) \
                or max_concurrency < 1:
            raise ValueError("max_concurrency is an integer >= 1")
        #: How many shards may IDENTIFY at once, as ``/gateway/bot`` says (Discord: 1, or
        #: 16 and more for large bots); clients start that many shards together.
        self.max_concurrency = max_concurrency
        #: Sessions awaiting RESUME and what each keeps for it (docs/discord/gateway.md).
        self.gateway_limits = gateway_limits if gateway_limits is not None else GatewayLimits()
        #: A snapshot (a world's ``[discord]`` table) to start from instead of no guilds.
        self._world = world_table(world, "discord")
        #: Called with every dispatch the model makes (the backend's sent-message queue).
        self.dispatch_observers: list[Callable[[str, dict[str, Any]], None]] = []
        #: Called after every reset (the backend forgets its queue and cursors).
        self.reset_observers: list[Callable[[], None]] = []
        self._backend: Backend | None = None
        super().__init__(host=host, port=port, seed=seed, clock=clock,
                         journal_limit=journal_limit, journal_bytes=journal_bytes,
                         admin_token=admin_token)
        # Made now so that its queue holds every message the bot sends.
        self._backend = Backend(self)

    def _setup(self) -> None:
        ids = Snowflakes(self.clock, worker=2)
        app_name, bot_name = self._given_names
        app_name, bot_name = app_name or "wiretwin app", bot_name or "wiretwin-bot"
        rng = random.Random(f"wiretwin-discord:{self.seed}")
        bot = User(ids.next(), bot_name, bot=True)
        owner = User(ids.next(), "wiretwin-owner", global_name="wiretwin owner")
        flags = privileged_flags(self._privileged)
        token = self._token or discord_token(bot.id, self.seed)
        # On Discord a bot's application has the bot user's id (py-cord relies on it).
        application = Application(bot.id, app_name, bot, owner, token, flags=flags,
                                  verify_key=f"{rng.getrandbits(256):064x}")
        #: Wakes the model when something it holds is due (a poll's end).
        self.alarm = Alarm(self.clock, lambda when: self.model.tick(when),
                           lambda: self.home_loop)
        self.model = DiscordModel(self, self.clock, application,
                                  attachment_limit=self._attachment_limit,
                                  storage_limits=self._storage_limits,
                                  voice_endpoint=lambda: self.voice.server.endpoint())
        #: The voice server: voice gateway, UDP media, what the bot played
        #: (docs/discord/voice.md).
        self.voice = VoiceControl(self, random.Random(f"wiretwin-discord-voice:{self.seed}"))
        self.hub = GatewayHub(self.model, self.clock, rng, lambda: self.ws_url("/"),
                              self.gateway_limits)
        self.gateway = GatewaySockets(self.hub, self.wire, self.server)
        self.rest = RestApp(self.model, self.clock, self.journal)
        self.rest.limits.enabled = self._rate_limits
        CoreRoutes(self.rest, self.model, lambda: self.ws_url("/"),
                   lambda: self.recommended_shards, lambda: self.max_concurrency)
        access = ChannelAccess(self.model, self.http_url)
        ChannelRoutes(self.rest, self.model, access,
                      ThreadRoutes(self.rest, self.model, access))
        PollRoutes(self.rest, self.model, access)
        SearchRoutes(self.rest, self.model, access)
        #: Every interaction sent to the bot, with its replies.
        self.interactions = Interactions()
        #: Files uploaded ahead of the message that will carry them (``backend.upload``),
        #: by attachment id: served at their own link until the twin resets.
        self.uploads: dict[int, Attachment] = {}
        InteractionRoutes(self.rest, self.model, self.clock, self.interactions, access,
                          WebhookRoutes(self.rest, self.model, access))
        GuildRoutes(self.rest, self.model)
        CommandRoutes(self.rest, self.model)
        EmojiRoutes(self.rest, self.model)
        StickerRoutes(self.rest, self.model)
        ScheduledEventRoutes(self.rest, self.model)
        #: OAuth2: the app's client secret, consent, tokens (:mod:`.oauth`).
        oauth_rng = random.Random(f"wiretwin-oauth:{self.seed}")
        self.oauth = OAuth(application.id, f"{oauth_rng.getrandbits(128):032x}",
                           lambda: self.model.application.owner.id, self.clock, oauth_rng)
        self._oauth_routes = OAuthRoutes(self.rest, self.model, self.oauth)
        if self._world is not None:
            self._restore(self._world)
            self._override_world_application()
        #: What reset() goes back to: the built state (with its world, if given one), as
        #: JSON text (one string, not a tree of objects for the garbage collector).
        self._initial = compact(snapshot(self.model))

    def _override_world_application(self) -> None:
        """What the constructor was given explicitly wins over the world's application."""
        app = self.model.application
        if self._token:
            app.token = self._token
        if self._privileged_given:
            app.flags = app.flags & ~PRIVILEGED_FLAGS | privileged_flags(self._privileged)
        app_name, bot_name = self._given_names
        if app_name is not None:
            app.name = app_name
        if bot_name is not None:
            app.bot.username = bot_name

    def _http_error(self, request: web.Request | None, status: int, message: str | None
                    ) -> web.Response:
        """Discord's JSON error: ``{"message": "404: Not Found", "code": 0}``; a body
        past the size limit is 40005."""
        if status == 413:
            return error_response(REQUEST_TOO_LARGE())
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        return json_response({"message": message or f"{status}: {phrase}", "code": 0},
                             status)

    def _max_request_size(self) -> int:
        return self.max_request_size

    def _route_sources(self) -> list[RouteSource]:
        # The REST API's 300-odd routes come straight from its table (see RestApp).
        return [DefSource(self.gateway.routes()), self.rest, DefSource([
            web.get("/attachments/{channel}/{attachment}/{filename}", self._attachment),
            web.get("/uploads/{attachment}/{filename}", self._upload),
            web.get("/oauth2/authorize", self._oauth_routes.authorize),
            *Cdn(self.model).routes()])]

    async def _on_start(self) -> None:
        # Attachments restored before the twin listened (or on another port) point here.
        for messages in self.model.messages.values():
            for message in messages.values():
                for attachment in message.attachments:
                    attachment.url = self.attachment_url(message.channel_id, attachment.id,
                                                          attachment.filename)
        await self.voice.server.serve()  # bound while the twin was stopped
        self.alarm.arm()  # polls made or restored before the twin had a loop

    async def _on_stop(self) -> None:
        self.alarm.cancel()
        self.hub.close_all(*GOING_AWAY)
        await self.voice.stop()

    # -- state (see snapshot.py) ----------------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        return snapshot(self.model)

    def _restore(self, data: dict[str, Any]) -> None:
        restore(self.model, data, attachment_url=self.attachment_url,
                drop_sessions=self._drop_sessions)

    def _reset(self, disconnect: bool) -> None:
        if disconnect:
            # Sessions go too: a client that tries to resume is told to identify afresh.
            self.hub.close_all(*RESET)
            self.hub.forget()
        self.hub.refuse_identify = None
        self.voice.reset(disconnect)
        self.rest.limits.overrides.clear()
        self.rest.limits.buckets.clear()
        self.rest.forced.clear()
        self.interactions.clear()
        self.uploads.clear()
        self.oauth.clear()
        self.alarm.clear()
        self._restore(json.loads(self._initial))
        for observer in list(self.reset_observers):
            observer()

    def _drop_sessions(self) -> None:
        """The token or the bot changed: every connection fails authentication."""
        self.hub.close_all(*AUTHENTICATION_FAILED)
        self.hub.forget()

    def attachment_url(self, channel_id: int, attachment_id: int, filename: str) -> str:
        path = f"/attachments/{channel_id}/{attachment_id}/{filename}"
        return self.http_url(path) if self.running else path

    def upload_url(self, attachment_id: int, filename: str) -> str:
        """Where a file uploaded ahead of its message is served (see :attr:`uploads`)."""
        path = f"/uploads/{attachment_id}/{filename}"
        return self.http_url(path) if self.running else path

    def _admin_routes(self) -> list[AdminRoute]:
        return DiscordAdmin(self).routes() + InteractionAdmin(self).routes()

    # -- Effects ------------------------------------------------------------------------

    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None,
                 user_ids: frozenset[int] | None = None) -> None:
        self.hub.dispatch(event, data, guild_id=guild_id, user_ids=user_ids)
        for observer in list(self.dispatch_observers):
            observer(event, data)

    def guild_joined(self, guild_id: int) -> None:
        self.hub.guild_joined(guild_id)

    def wake_at(self, when_ms: float) -> None:
        self.alarm.at(when_ms)

    # -- the test-control API (backend.py, verify.py) --------------------------------------

    @property
    def backend(self) -> Backend:
        """dpytest's backend for this twin: build the world, act as users, break things."""
        assert self._backend is not None
        return self._backend

    async def message(self, content: str, channel: Any = None, author: Any = None,
                      **options: Any) -> Message:
        """A user posts ``content``; returns once the bot has finished answering it."""
        return await self.backend.message(content, channel, author, **options)

    async def slash(self, name: str, options: dict[str, Any] | None = None, /, *,
                    user: Any = None, channel: Any = None, timeout: float = 5.0,
                    **more: Any) -> Interaction:
        """A user runs a slash command; returns the interaction once the bot is done."""
        return await self.backend.slash(name, options, user=user, channel=channel,
                                        timeout=timeout, **more)

    async def context_menu(self, name: str, target: Any, *, user: Any = None,
                           channel: Any = None, timeout: float = 5.0) -> Interaction:
        """A user picks a user or message context-menu command on ``target``."""
        return await self.backend.context_menu(name, target, user=user, channel=channel,
                                               timeout=timeout)

    async def autocomplete(self, name: str, focused: str, value: str = "",
                           options: dict[str, Any] | None = None, /, *, user: Any = None,
                           channel: Any = None, timeout: float = 5.0,
                           **more: Any) -> Interaction:
        """A user types ``value`` into option ``focused``; ``.choices`` holds the bot's."""
        return await self.backend.autocomplete(name, focused, value, options, user=user,
                                               channel=channel, timeout=timeout, **more)

    async def click(self, message: Any, custom_id: str, *, user: Any = None,
                    timeout: float = 5.0) -> Interaction:
        """A user clicks a button on ``message`` (or on an interaction's response)."""
        return await self.backend.click(message, custom_id, user=user, timeout=timeout)

    async def select(self, message: Any, custom_id: str, values: Any, *, user: Any = None,
                     timeout: float = 5.0) -> Interaction:
        """A user picks ``values`` in a select menu on ``message``."""
        return await self.backend.select(message, custom_id, values, user=user,
                                         timeout=timeout)

    async def submit_modal(self, opened: Interaction, values: dict[str, Any] | None = None,
                           /, *, user: Any = None, timeout: float = 5.0,
                           **more: Any) -> Interaction:
        """A user fills in and submits the modal the bot opened for ``opened``."""
        return await self.backend.submit_modal(opened, values, user=user, timeout=timeout,
                                               **more)

    def settle(self, timeout: float = 5.0) -> AbstractAsyncContextManager[None]:
        """``async with twin.settle():``: on exit, the bot has handled what it was sent."""
        return self.backend.settle(timeout)

    def verify(self) -> Verify:
        """``assert twin.verify().message().content("pong")``."""
        return self.backend.verify()

    # -- the CDN, in miniature ------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        """A file's bytes, as Discord's CDN serves them; an unknown or expired link (see
        StorageLimits) is the CDN's 404."""
        channel = as_snowflake(request.match_info["channel"])
        wanted = as_snowflake(request.match_info["attachment"])
        found = self._find_attachment(channel, wanted) if channel and wanted else None
        return _served(found)

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        """A file uploaded ahead of its message (:attr:`uploads`), as the CDN serves it."""
        wanted = as_snowflake(request.match_info["attachment"])
        return _served(self.uploads.get(wanted) if wanted else None)

    def _find_attachment(self, channel: int, wanted: int) -> Attachment | None:
        option_file = self.interactions.files.get(wanted)
        if option_file is not None:
            return option_file
        for message in self.model.messages.get(channel, {}).values():
            for attachment in message.attachments:
                if attachment.id == wanted:
                    return attachment
        return None

    # -- settings ---------------------------------------------------------------------

    @property
    def application(self) -> Application:
        return self.model.application

    @property
    def bot_user(self) -> User:
        return self.model.bot

    @property
    def privileged_intents(self) -> list[str]:
        """The privileged intents the application may ask for (``presences``,
        ``members``, ``message_content``), as its developer portal's switches say."""
        return privileged_names(self.application.flags)

    def set_privileged_intents(self, enabled: bool | Iterable[str]) -> None:
        """Flip the developer portal's switches: every privileged intent (True), none
        (False), or those named. As on Discord, sessions already identified keep their
        intents; the next IDENTIFY asking for one switched off is closed with 4014, and
        REST answers as for an application without it (message content hidden, the
        member list refused)."""
        flags = privileged_flags(enabled)

        def flip() -> None:
            app = self.application
            app.flags = app.flags & ~PRIVILEGED_FLAGS | flags

        self.call(flip)

    def settings(self) -> dict[str, Any]:
        return {
            "host": self.host, "port": self.port, "token": self.application.token,
            "application_id": str(self.application.id), "bot_id": str(self.bot_user.id),
            "api_base": self.http_url("/api"), "rest_url": self.http_url("/api/v10"),
            "gateway_url": self.ws_url("/"), "admin_url": self.http_url(ADMIN_PREFIX),
            "oauth2": {"client_id": str(self.application.id),
                       "client_secret": self.oauth.client_secret,
                       "authorize_url": self.http_url("/oauth2/authorize"),
                       "token_url": self.http_url("/api/oauth2/token")},
        }


__all__ = ["DEFAULT_TOKEN", "MAX_REQUEST_SIZE", "DiscordTwin", "discord_token"]
