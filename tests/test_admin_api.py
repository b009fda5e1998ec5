"""A twin driven only through its admin HTTP API, as a Playwright or Vitest test would.

The twin is a ``wiretwin serve`` process (virtual clock, admin token); this test talks to
it over HTTP and a raw websocket and imports nothing of wiretwin's.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from wiretwin.pusher import PusherTwin

TOKEN = "s3cret-admin"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = tmp_path / "settings.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "wiretwin", "serve", "--pusher-port", "0", "--lavalink-port", "0",
         "--discord-port", "0",
         "--virtual-clock",
         "--admin-token", TOKEN, "--settings-file", str(settings)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "Settings written to" in line:
                break
        else:
            errors = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"serve never started: {errors}")
        yield json.loads(settings.read_text())["pusher"]
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
async def admin(served: dict[str, Any]) -> AsyncIterator[Admin]:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as session:
        yield Admin(session, served["admin_url"])


class Admin:
    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def call(self, method: str, path: str, body: Any = None,
                   expect: int = 200) -> Any:
        async with self.session.request(method, self.base + path, json=body) as response:
            text = await response.text()
            assert response.status == expect, f"{method} {path}: {response.status} {text}"
            if response.content_type == "application/json" and text:
                return json.loads(text)
            return text


class RawClient:
    """pusher-js's wire behaviour in miniature: a plain websocket, JSON frames."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def next(self, event: str) -> dict[str, Any]:
        while True:
            msg = await self.ws.receive(timeout=5)
            assert msg.type is aiohttp.WSMsgType.TEXT, msg
            frame: dict[str, Any] = json.loads(msg.data)
            if isinstance(frame.get("data"), str):
                with contextlib.suppress(ValueError):
                    frame["data"] = json.loads(frame["data"])
            if frame["event"] == event:
                return frame
            if frame["event"] == "pusher:ping":
                await self.ws.send_json({"event": "pusher:pong", "data": {}})


async def test_a_twin_driven_only_through_http(served: dict[str, Any], admin: Admin) -> None:
    # The gate: a token is required.
    async with aiohttp.ClientSession() as anonymous, anonymous.get(served["admin_url"]) as r:
        assert r.status == 401
        assert "Bearer" in (await r.json())["error"]
    info = await admin.call("GET", "")
    assert info["service"] == "pusher"
    assert info["settings"]["key"] == "app-key"

    # The OpenAPI document lists what is served.
    spec = await admin.call("GET", "/openapi.json")
    assert spec["openapi"] == "3.1.0"
    assert {"/_wiretwin/faults", "/_wiretwin/clock/advance",
            "/_wiretwin/pusher/events"} <= set(spec["paths"])

    # Build state: a socketless presence member.
    assert await admin.call("PUT", "/pusher/channels/presence-lobby/members/bot",
                            {"user_info": {"name": "Bot"}}) == {"added": True}

    async with aiohttp.ClientSession() as session, session.ws_connect(served["ws_url"]) as ws:
        client = RawClient(ws)
        socket_id = (await client.next("pusher:connection_established"))["data"]["socket_id"]
        # Sign through the twin's development auth endpoint, as pusher-js would post.
        async with session.post(served["admin_url"] + "/pusher/auth", data={
            "socket_id": socket_id, "channel_name": "presence-lobby", "user_id": "ann",
            "user_info": '{"name": "Ann"}',
        }, headers={"Authorization": f"Bearer {TOKEN}"}) as r:
            auth = await r.json()
        async with session.post(served["admin_url"] + "/pusher/auth", data={
            "socket_id": socket_id, "channel_name": "presence-lobby", "user_id": "ann",
            "user_info": "[" * 1000,
        }, headers={"Authorization": f"Bearer {TOKEN}"}) as r:
            assert r.status == 400
            assert (await r.json())["error"] == (
                "user_info is not JSON: nested deeper than 64 levels")
        await ws.send_json({"event": "pusher:subscribe", "data": {
            "channel": "presence-lobby", **auth}})
        joined = await client.next("pusher_internal:subscription_succeeded")
        assert joined["data"]["presence"]["ids"] == ["bot", "ann"]

        # Act as the server: publish.
        await admin.call("POST", "/pusher/events", {"channel": "presence-lobby",
                                                    "event": "news", "data": {"n": 1}})
        assert (await client.next("news"))["data"] == {"n": 1}
        await admin.call("POST", "/pusher/events", {"channel": "presence-lobby",
                                                    "name": "weather", "data": {"n": 2}})
        assert (await client.next("weather"))["data"] == {"n": 2}  # Pusher's own word
        bad = await admin.call("POST", "/pusher/events", {"channel": "bad name!",
                                                          "event": "e", "data": {}}, 400)
        assert "Invalid channel name" in bad["error"]
        bad = await admin.call("POST", "/pusher/events", {"channel": "presence-lobby",
                                                          "event": "e", "socket_id": 5}, 400)
        assert bad["error"] == "socket_id must be a string"

        # Faults over HTTP: lose "lost" events, let the fence through.
        fault = await admin.call("POST", "/faults", {"type": "drop", "name": "loss",
                                                     "scope": {"event": "lost"}}, 201)
        assert fault["name"] == "loss"
        assert [f["name"] for f in await admin.call("GET", "/faults")] == ["loss"]
        await admin.call("POST", "/pusher/events", {"channel": "presence-lobby",
                                                    "event": "lost", "data": {}})
        await admin.call("POST", "/pusher/events", {"channel": "presence-lobby",
                                                    "event": "fence", "data": {}})
        await client.next("fence")
        await admin.call("DELETE", "/faults/loss", expect=204)
        await admin.call("DELETE", "/faults/loss", expect=404)
        fired = await admin.call("GET", "/journal?kind=fault")
        assert [(e["event"], e["detail"]["frame"]) for e in fired] == [("loss", "lost")]
        bad_fault = await admin.call("POST", "/faults", {"type": "flood"}, 400)
        assert "unknown fault type" in bad_fault["error"]

        # The virtual clock: two minutes of silence bring the twin's ping.
        clock = await admin.call("GET", "/clock")
        assert clock["virtual"] is True
        await admin.call("POST", "/clock/advance", {"seconds": 120, "wait_replies": False})
        await client.next("pusher:ping")

        # Recorder and connections.
        connections = await admin.call("GET", "/pusher/connections")
        assert connections == [{"socket_id": socket_id, "app": "1", "protocol": 7,
                                "channels": ["presence-lobby"], "user": None}]
        # Apps with their channels: subscription counts whatever the app's setting
        # (off by default), and the roster, socketless members included.
        (app,) = await admin.call("GET", "/pusher/apps")
        assert (app["id"], app["key"], app["connections"]) == ("1", "app-key", 1)
        assert app["subscription_count"] is False
        assert app["channels"] == [{
            "name": "presence-lobby", "kind": "presence", "cache": False,
            "subscription_count": 1, "user_count": 2,
            "members": {"bot": {"name": "Bot"}, "ann": {"name": "Ann"}}}]
        triggered = await admin.call("GET", "/pusher/recorder/triggered?channel=presence-lobby")
        assert [e["name"] for e in triggered] == ["news", "weather", "lost", "fence"]

        # Snapshot, change, restore: the client hears the roster change back.
        saved = await admin.call("GET", "/snapshot")
        await admin.call("DELETE", "/pusher/channels/presence-lobby/members/bot", expect=204)
        assert (await client.next("pusher_internal:member_removed"))["data"] == {
            "user_id": "bot"}
        await admin.call("PUT", "/snapshot", saved, 204)
        assert (await client.next("pusher_internal:member_added"))["data"]["user_id"] == "bot"
        channel = await admin.call("GET", "/pusher/channels/presence-lobby?info=user_count")
        assert channel == {"occupied": True, "user_count": 2,
                           "members": {"bot": {"name": "Bot"}, "ann": {"name": "Ann"}}}
        journal = await admin.call("GET", f"/journal?connection={socket_id}&direction=in")
        assert journal[0]["event"] == "pusher:subscribe"
        jsonl = await admin.call("GET", "/journal?format=jsonl&limit=2")
        assert len(jsonl.strip().splitlines()) == 2

        # Reset: the connection is closed and the state is as built.
        await admin.call("POST", "/reset", {}, 204)
        msg = await ws.receive(timeout=5)
        while msg.type is aiohttp.WSMsgType.TEXT:
            msg = await ws.receive(timeout=5)
        assert ws.close_code == 4200
    assert (await admin.call("GET", "/snapshot"))["members"] == []
    assert await admin.call("GET", "/faults") == []


async def test_a_body_no_service_would_take_is_a_400_naming_why() -> None:
    async with PusherTwin() as twin, aiohttp.ClientSession() as http:
        for body, why in ((b"[" * 1000 + b"]" * 1000, "nested deeper"),
                          (b'{"a": NaN}', "NaN"), (b'{"\\ud800": 1}', "surrogate")):
            async with http.post(twin.http_url("/_wiretwin/faults"), data=body) as refused:
                assert refused.status == 400
                assert why in (await refused.json())["error"]


@pytest.mark.parametrize(("field", "value", "said"), [
    ("probability", "0.5", "probability must be a number, not '0.5'"),
    ("ms", True, "ms must be a number, not True"),
    ("times", "1", "times must be a whole number, not '1'"),
])
async def test_a_fault_field_of_the_wrong_kind_is_one_clear_json_error(
        field: str, value: Any, said: str) -> None:
    async with PusherTwin() as twin, aiohttp.ClientSession() as http:
        body = {"type": "latency", "ms": 10, field: value}
        async with http.post(twin.http_url("/_wiretwin/faults"), json=body) as refused:
            assert refused.status == 400
            assert refused.content_type == "application/json"
            assert await refused.json() == {"error": said}
        assert not twin.faults.active


@pytest.mark.parametrize("kind", ["pusher", "lavalink", "discord"])
async def test_no_such_admin_route_is_answered_in_the_admin_apis_shape(kind: str) -> None:
    from wiretwin.discord.twin import DiscordTwin
    from wiretwin.lavalink import LavalinkTwin

    twin = {"pusher": PusherTwin, "lavalink": LavalinkTwin, "discord": DiscordTwin}[kind]()
    async with twin, aiohttp.ClientSession() as http:
        async with http.get(twin.http_url("/_wiretwin/no/such/thing")) as missing:
            assert missing.status == 404 and "no admin route GET" in (
                await missing.json())["error"]
        async with http.put(twin.http_url("/_wiretwin/faults")) as wrong:
            assert wrong.status == 405
            assert wrong.headers["Allow"] == "DELETE, GET, POST, OPTIONS"
            assert "PUT is not allowed" in (await wrong.json())["error"]
        async with http.options(twin.http_url("/_wiretwin/faults")) as preflight:
            assert preflight.status == 204
            assert preflight.headers["Access-Control-Allow-Origin"] == "*"


async def test_the_printed_pusher_js_settings_authorize_private_and_presence_channels(
) -> None:
    """pusher-js posts ``socket_id`` and ``channel_name`` as a form to the endpoint the
    settings name; the twin signs, a presence member being ``user-<socket id>`` unless the
    app passes a ``user_id``."""
    async with PusherTwin() as twin, aiohttp.ClientSession() as http:
        options = twin.settings()["pusher_js"]["options"]
        endpoint = options["channelAuthorization"]["endpoint"]
        assert endpoint == twin.http_url("/_wiretwin/pusher/auth")
        assert options["userAuthentication"]["endpoint"].endswith("/_wiretwin/pusher/user-auth")
        form = {"socket_id": "123.456", "channel_name": "private-orders"}
        async with http.post(endpoint, data=form) as signed:
            assert signed.status == 200
            assert (await signed.json())["auth"] == twin.sign_channel("123.456",
                                                                      "private-orders")
        form["channel_name"] = "presence-room"
        async with http.post(endpoint, data=form) as member:
            answer = await member.json()
            assert json.loads(answer["channel_data"]) == {"user_id": "user-123.456"}
            assert answer["auth"] == twin.sign_channel("123.456", "presence-room",
                                                       answer["channel_data"])
