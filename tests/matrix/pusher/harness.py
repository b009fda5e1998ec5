"""What every Pusher scenario runs against: a twin, the app's auth endpoint (answered by
the real ``pusher`` SDK, as an app's backend would) and helpers on the server's side.

One :class:`PusherCase` serves all the scenarios of one library: :meth:`reset` puts the
twin back to its starting state (connections closed, faults removed, recorder emptied)
through its own API between them.
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pusher
from aiohttp import web

from tests.e2e.pusher.pusher_js import MASTER_KEY, channel_auth
from wiretwin.pusher import PusherTwin
from wiretwin.pusher.client import PusherTestClient
from wiretwin.runtime import TwinServer

#: How long any one wait in a scenario may take (only reached when a scenario fails).
TIMEOUT = 10.0
#: The page a browser client is opened on (same origin as the auth endpoint).
PAGE = "<!doctype html><meta charset=utf-8><title>wiretwin Pusher matrix</title>"


def close_sdk(sdk: pusher.Pusher) -> None:
    """Close the requests session pusher-http-python keeps (its sockets, at once)."""
    for client in (getattr(sdk, "_pusher_client", None),
                   getattr(sdk, "_authentication_client", None)):
        session = getattr(getattr(client, "http", None), "session", None)
        if session is not None:
            session.close()


class AuthEndpoint:
    """An app's ``/pusher/auth`` and ``/pusher/user-auth``, answered by the real SDK.

    Clients post ``socket_id`` (and ``channel_name``) form-encoded; the user they act for
    (presence member, signed-in user) comes as a ``user`` form field (pusher-js's
    ``params``) or an ``X-Wiretwin-User`` header (clients that only add headers).
    """

    def __init__(self, sdk: pusher.Pusher) -> None:
        self.sdk = sdk
        self.url = ""

    @staticmethod
    async def _form(request: web.Request) -> tuple[dict[str, str], str]:
        form = {k: str(v) for k, v in (await request.post()).items()}
        return form, form.get("user") or request.headers.get("X-Wiretwin-User") or ""

    async def channel_auth(self, request: web.Request) -> web.Response:
        form, user = await self._form(request)
        channel = form["channel_name"]
        custom = None
        if channel.startswith("presence-"):
            custom = {"user_id": user, "user_info": {"name": user.title()}}
        return web.json_response(channel_auth(self.sdk, channel, form["socket_id"], custom))

    async def user_auth(self, request: web.Request) -> web.Response:
        form, user = await self._form(request)
        user_data = {"id": user, "user_info": {"name": user.title()}}
        return web.json_response(self.sdk.authenticate_user(form["socket_id"], user_data))


class PusherCase:
    """A running twin, the auth endpoint and the server's side of the scenarios."""

    def __init__(self) -> None:
        self.twin = PusherTwin()
        self.sdk: pusher.Pusher | None = None
        self.auth: AuthEndpoint | None = None
        self._server: TwinServer | None = None
        self.static: dict[str, Path] = {}
        self._clients: list[PusherTestClient] = []

    async def open(self) -> None:
        await self.twin.start()
        self.sdk = pusher.Pusher(**self.twin.settings()["pusher"],
                                 encryption_master_key_base64=MASTER_KEY)
        self.auth = AuthEndpoint(self.sdk)
        app = web.Application()
        app.router.add_post("/pusher/auth", self.auth.channel_auth)
        app.router.add_post("/pusher/user-auth", self.auth.user_auth)
        app.router.add_get("/", self._page)
        app.router.add_get("/static/{name}", self._static)
        self._server = TwinServer(app)
        await self._server.start()
        self.auth.url = self._server.http_url()

    async def _page(self, _: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def _static(self, request: web.Request) -> web.FileResponse:
        path = self.static.get(request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound()
        return web.FileResponse(path)

    async def close(self) -> None:
        await self.reset()
        if self._server is not None:
            await self._server.stop()
        if self.sdk is not None:
            close_sdk(self.sdk)
        await self.twin.stop()

    async def test_client(self) -> PusherTestClient:
        """wiretwin's own websocket client, connected (closed by :meth:`reset`)."""
        client = await self.twin.connect(timeout=TIMEOUT)
        self._clients.append(client)
        return client

    async def reset(self) -> None:
        clients, self._clients = self._clients, []
        for client in clients:
            await client.close()
        self.twin.reset(disconnect=True)

    # -- settings the clients are given ------------------------------------------------

    def client_settings(self) -> dict[str, Any]:
        """For the JavaScript clients: the twin's pusher-js options and the auth URLs."""
        assert self.auth is not None
        client = self.twin.settings()["pusher_js"]
        return {"key": client["key"], "options": client["options"],
                "channelAuthEndpoint": f"{self.auth.url}/pusher/auth",
                "userAuthEndpoint": f"{self.auth.url}/pusher/user-auth",
                "page": f"{self.auth.url}/"}

    # -- the server's side, through the real SDK (for the client libraries' scenarios) --

    async def trigger(self, channel: str | list[str], event: str, data: Any) -> None:
        assert self.sdk is not None
        await asyncio.to_thread(self.sdk.trigger, channel, event, data)

    async def trigger_batch(self, events: list[dict[str, Any]]) -> None:
        assert self.sdk is not None
        await asyncio.to_thread(self.sdk.trigger_batch, events)

    async def send_to_user(self, user_id: str, event: str, data: Any) -> None:
        assert self.sdk is not None
        await asyncio.to_thread(self.sdk.send_to_user, user_id, event, data)

    async def subscribed(self, socket_id: str, channel: str) -> None:
        """Wait until the twin confirmed ``socket_id``'s subscription to ``channel``."""
        await self.twin.recorder.wait_for_delivery(
            socket_id, channel=channel, event="pusher_internal:subscription_succeeded",
            timeout=TIMEOUT)


def decrypt(shared_secret: str, data: Any) -> Any:
    """Open a private-encrypted- event's ``{"nonce", "ciphertext"}`` with the channel's
    shared secret (base64), as a client library does."""
    import nacl.secret

    sealed = json.loads(data) if isinstance(data, str) else data
    # pusher-http-java leaves out the base64 padding; pusher-js's decoder does without it,
    # Python's needs it back.
    padded = shared_secret + "=" * (-len(shared_secret) % 4)
    box = nacl.secret.SecretBox(base64.b64decode(padded))
    plain = box.decrypt(base64.b64decode(sealed["ciphertext"]),
                        base64.b64decode(sealed["nonce"]))
    return json.loads(plain)
