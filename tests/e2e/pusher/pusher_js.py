"""Driving the real pusher-js (Node build) from tests: the driver process, a real auth
endpoint answered by the ``pusher`` SDK, and their fixtures (registered in conftest.py).

``js/driver.mjs`` hosts any number of named pusher-js clients in one node process; it
takes commands on stdin and prints one JSON line per thing pusher-js reported.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pusher
import pytest
from aiohttp import web

from wiretwin.pusher import PusherTwin
from wiretwin.runtime import TwinServer

from ..node_driver import Line, NodeDriver

JS_DIR = Path(__file__).parent / "js"
DRIVER = JS_DIR / "driver.mjs"
#: Long enough for a loaded CI box under ``-n auto``; only ever hit when a test fails.
TIMEOUT = 15.0
#: The encryption master key the auth endpoint and the SDK share (32 bytes, base64).
MASTER_KEY = base64.b64encode(bytes(range(32))).decode()



# -- the auth endpoint ---------------------------------------------------------------



def channel_auth(sdk: Any, channel: str, socket_id: str,
                 custom: dict[str, Any] | None) -> dict[str, Any]:
    """The auth endpoint's answer for ``channel``, as an app makes it with the Python SDK.
    pusher-http-python 3.3.x returns ``shared_secret`` as base64 *bytes*; an app must
    decode it before serializing the response."""
    body: dict[str, Any] = sdk.authenticate(channel=channel, socket_id=socket_id,
                                            custom_data=custom)
    if isinstance(body.get("shared_secret"), bytes):
        body["shared_secret"] = body["shared_secret"].decode()
    return body

class AuthEndpoint:
    """An app's ``/pusher/auth`` and ``/pusher/user-auth``, answered by the real SDK.

    pusher-js posts ``socket_id`` (and ``channel_name``) form-encoded, plus the ``params``
    the driver gives each client: ``user`` (the presence / sign-in user id) and
    ``watchlist`` (comma-separated user ids).
    """

    def __init__(self, sdk: pusher.Pusher) -> None:
        self.sdk = sdk
        self.channel_requests: list[dict[str, str]] = []
        self.user_requests: list[dict[str, str]] = []
        self.content_types: set[str] = set()
        self.url = ""

    @staticmethod
    def user_info(user: str) -> dict[str, str]:
        return {"name": user.title()}

    async def channel_auth(self, request: web.Request) -> web.Response:
        self.content_types.add(request.content_type)
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.channel_requests.append(form)
        channel, user = form["channel_name"], form.get("user", "")
        custom = None
        if channel.startswith("presence-"):
            custom = {"user_id": user, "user_info": self.user_info(user)}
        return web.json_response(channel_auth(self.sdk, channel, form["socket_id"], custom))

    async def user_auth(self, request: web.Request) -> web.Response:
        self.content_types.add(request.content_type)
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.user_requests.append(form)
        user = form["user"]
        user_data: dict[str, Any] = {"id": user, "user_info": self.user_info(user)}
        if form.get("watchlist"):
            user_data["watchlist"] = form["watchlist"].split(",")
        return web.json_response(self.sdk.authenticate_user(form["socket_id"], user_data))


@pytest.fixture
def sdk(pusher_twin: PusherTwin) -> pusher.Pusher:
    """pusher-http-python pointed at the twin, with an encryption master key."""
    return pusher.Pusher(**pusher_twin.settings()["pusher"],
                         encryption_master_key_base64=MASTER_KEY)


@pytest.fixture
async def auth(sdk: pusher.Pusher) -> AsyncIterator[AuthEndpoint]:
    endpoint = AuthEndpoint(sdk)
    app = web.Application()
    app.router.add_post("/pusher/auth", endpoint.channel_auth)
    app.router.add_post("/pusher/user-auth", endpoint.user_auth)
    server = TwinServer(app)  # wiretwin's own loopback server serves the app's endpoint
    await server.start()
    endpoint.url = server.http_url()
    try:
        yield endpoint
    finally:
        await server.stop()


async def call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking SDK call off the loop (the auth endpoint lives in this loop)."""
    return await asyncio.to_thread(fn, *args)


# -- the node driver ------------------------------------------------------------------


class PusherJs(NodeDriver):
    """The pusher-js driver (``js/driver.mjs``)."""

    client = "pusher-js"
    failure_type = "command_error"
    timeout = TIMEOUT

    async def connected(self, client: str, options: dict[str, Any] | None = None,
                        **params: str) -> str:
        """Connect a named client; its socket id once pusher-js says it is connected.

        ``options`` are merged into the ``new Pusher`` options; ``params`` go to the auth
        endpoints as form fields.
        """
        await self.send("connect", client=client, params=params, options=options or {})
        state = await self.expect(type="state", client=client, current="connected")
        socket_id = state["socket_id"]
        assert isinstance(socket_id, str)
        return socket_id

    async def subscribed(self, client: str, channel: str, bind: list[str] | None = None
                         ) -> Line:
        """Subscribe; the ``pusher:subscription_succeeded`` line (data: what pusher-js gave)."""
        await self.send("subscribe", client=client, channel=channel, bind=bind or [])
        return await self.expect(type="event", client=client, channel=channel,
                                 event="pusher:subscription_succeeded")


@pytest.fixture
async def js(pusher_twin: PusherTwin, auth: AuthEndpoint) -> AsyncIterator[PusherJs]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: these tests drive pusher-js under Node (v18+)")
    if not (JS_DIR / "node_modules" / "pusher-js" / "package.json").is_file():
        pytest.fail(f"pusher-js is not installed in {JS_DIR}/node_modules: run `make install`")
    client = pusher_twin.settings()["pusher_js"]
    settings = {
        "key": client["key"],
        "options": client["options"],
        "channelAuthEndpoint": f"{auth.url}/pusher/auth",
        "userAuthEndpoint": f"{auth.url}/pusher/user-auth",
    }
    proc = await asyncio.create_subprocess_exec(
        node, str(DRIVER), json.dumps(settings), cwd=JS_DIR,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    driver = PusherJs(proc)
    try:
        ready = await driver.expect(type="ready")
        assert ready["pusher_js"] == "8.6.0"
        assert ready["build"] == "PusherWithEncryption"
        yield driver
    finally:
        await driver.close()
