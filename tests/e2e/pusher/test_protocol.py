"""The websocket protocol edge by edge, with the twin's own test client and raw sockets."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from wiretwin.pusher import App, CloseCode, PusherErrorReply, PusherTestClient, PusherTwin
from wiretwin.runtime.clock import VirtualClock


async def _raw(twin: PusherTwin, path: str) -> tuple[list[dict[str, object]], int | None]:
    """Open ``path`` with a bare websocket; return what arrived and the close code."""
    received: list[dict[str, object]] = []
    async with aiohttp.ClientSession() as session, session.ws_connect(
        twin.ws_url(path)
    ) as ws:
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                received.append(json.loads(msg.data))
        return received, ws.close_code


@pytest.mark.parametrize(("path", "code"), [
    ("/app/app-key", CloseCode.NO_PROTOCOL),
    ("/app/app-key?protocol=seven", CloseCode.INVALID_VERSION),
    ("/app/app-key?protocol=3", CloseCode.UNSUPPORTED_PROTOCOL),
    ("/app/app-key?protocol=8", CloseCode.UNSUPPORTED_PROTOCOL),
    ("/app/no-such-key?protocol=7", CloseCode.APP_NOT_FOUND),
    ("/somewhere/else", CloseCode.PATH_NOT_FOUND),
])
async def test_refused_handshakes_close_with_the_protocol_code(path: str, code: int) -> None:
    async with PusherTwin() as twin:
        received, close_code = await _raw(twin, path)
        assert close_code == code
        assert all(m["event"] == "pusher:error" for m in received)


async def test_protocol_below_6_gets_the_error_in_band_too() -> None:
    async with PusherTwin() as twin:
        received, close_code = await _raw(twin, "/app/nope?protocol=5")
        assert close_code == CloseCode.APP_NOT_FOUND
        assert received == [{"event": "pusher:error", "data": {
            "code": 4001,
            "message": "App key nope not in this cluster. Did you forget to specify the "
                       "cluster?"}}]


@pytest.mark.parametrize("version", [4, 5, 6, 7])
async def test_protocols_4_to_7_connect(version: int) -> None:
    async with PusherTwin() as twin:
        client = await twin.connect(protocol=version)
        assert client.activity_timeout == 120
        await client.close()


async def test_disabled_app_and_connection_quota() -> None:
    apps = [App(id="1", key="off", secret="s", enabled=False),
            App(id="2", key="small", secret="s", max_connections=1)]
    async with PusherTwin(apps) as twin:
        assert (await _raw(twin, "/app/off?protocol=7"))[1] == CloseCode.APP_DISABLED
        first = await twin.connect(app="small")
        assert (await _raw(twin, "/app/small?protocol=7"))[1] == (
            CloseCode.OVER_CONNECTION_QUOTA)
        await first.close()


async def test_bad_frames_get_pusher_errors_and_the_connection_keeps_working() -> None:
    async with PusherTwin() as twin:
        client = await twin.connect()
        bad: list[str | dict[str, object]] = [
            "{not json",
            "[1, 2]",
            {"data": {}},
            {"event": "pusher:unknown", "data": {}},
            {"event": "hello", "data": {}},
            {"event": "pusher:subscribe", "data": "channel"},
            {"event": "pusher:subscribe", "data": {"channel": "bad channel!"}},
            {"event": "pusher:subscribe", "data": {"channel": "x" * 165}},
        ]
        for frame in bad:
            await client.send(frame)
            error = await client.receive("pusher:error")
            assert isinstance(error.data, dict) and error.data["code"] is None
            assert error.data["message"]
        await client.send({"event": "pusher:ping", "data": {}})
        assert (await client.receive()).event == "pusher:pong"
        assert await client.subscribe("still-fine") is not None
        await client.close()


async def test_presence_without_channel_data_is_refused() -> None:
    async with PusherTwin() as twin:
        client = await twin.connect()
        assert client.socket_id is not None
        auth = twin.sign_channel(client.socket_id, "presence-room")
        with pytest.raises(PusherErrorReply, match="requires channel_data"):
            await _subscribe_raw(client, "presence-room", auth)
        assert twin.channels_info() == {"channels": {}}
        await client.close()


async def _subscribe_raw(client: PusherTestClient, channel: str, auth: str) -> None:
    """Subscribe with exactly the given fields (the client helper would add channel_data)."""
    mark = len(client.messages)
    await client.send({"event": "pusher:subscribe", "data": {"channel": channel, "auth": auth}})
    reply = (await client.messages.wait_for(lambda m: m.index >= mark))[0]
    if reply.event == "pusher:error":
        raise PusherErrorReply(reply.data)


async def test_existing_subscription_is_an_error() -> None:
    async with PusherTwin() as twin:
        client = await twin.connect()
        await client.subscribe("private-a")
        with pytest.raises(PusherErrorReply, match=r"^pusher:error None: Existing subscription "
                           r"to channel private-a$"):
            await client.subscribe("private-a")
        await client.close()


async def test_oversize_client_event_and_frame() -> None:
    async with PusherTwin() as twin:
        client = await twin.connect()
        peer = await twin.connect()
        for c in (client, peer):
            await c.subscribe("private-chat")
        await client.trigger("private-chat", "client-big", "x" * 10241)
        error = await client.receive("pusher:error")
        assert "exceeds the allowed maximum (10240 bytes)" in error.data["message"]
        await client.trigger("private-chat", "client-ok", "x" * 10000)
        assert (await peer.receive("client-ok")).data == "x" * 10000
        assert peer.received("client-big") == []
        await client.send(json.dumps({"event": "client-huge", "data": "x" * 300_000}))
        assert await client.wait_closed() == 1009  # message too big
        # Everyone else is still served.
        await peer.trigger("private-chat", "client-after", {})
        other = await twin.connect()
        await other.subscribe("private-chat")
        await peer.trigger("private-chat", "client-after", {"n": 2})
        assert (await other.receive("client-after")).data == {"n": 2}
        await peer.close()
        await other.close()


async def test_binary_frames_are_refused_politely() -> None:
    async with PusherTwin() as twin, aiohttp.ClientSession() as session, session.ws_connect(
        twin.ws_url("/app/app-key?protocol=7")
    ) as ws:
        assert json.loads((await ws.receive()).data)["event"] == (
            "pusher:connection_established")
        await ws.send_bytes(b"\x00\x01")
        error = json.loads((await ws.receive()).data)
        assert error["event"] == "pusher:error" and "Binary" in error["data"]["message"]


async def test_server_pings_idle_clients_and_closes_silent_ones_with_4201() -> None:
    clock = VirtualClock()
    async with PusherTwin(clock=clock) as twin:
        silent = await twin.connect()
        silent.answer_pings = False
        assert silent.socket_id is not None
        # The silent client owes a pong it will never send: don't wait for it.
        await clock.advance(119, wait_replies=False)
        assert silent.received("pusher:ping") == []
        await clock.advance(1, wait_replies=False)
        await silent.wait_for("pusher:ping")
        await clock.advance(29, wait_replies=False)
        assert not silent.closed.is_set()
        await clock.advance(1, wait_replies=False)
        assert await silent.wait_closed() == CloseCode.PONG_NOT_RECEIVED
        assert silent.received("pusher:error") == []  # protocol 7: the close code says it


async def test_a_virtual_hour_of_activity_timeouts_with_clients_that_answer() -> None:
    clock = VirtualClock()
    async with PusherTwin(clock=clock) as twin:
        clients = [await twin.connect() for _ in range(10)]
        await clients[0].subscribe("presence-room", user_id="stays")
        fired = await clock.advance(3600)
        # A ping every 120 s of silence, each answered at once: 30 each, nobody closed.
        assert fired == 10 * 30
        for client in clients:
            assert len(client.received("pusher:ping")) == 30
            assert not client.closed.is_set()
        assert twin.members("presence-room") == {"stays": None}
        for client in clients:
            await client.close()


async def test_forced_disconnect_with_and_without_an_error_first() -> None:
    async with PusherTwin() as twin:
        quiet, loud = await twin.connect(), await twin.connect()
        assert quiet.socket_id and loud.socket_id
        twin.disconnect(quiet.socket_id, 4100, "Over capacity")
        twin.disconnect(loud.socket_id, 4200, "Reconnect now", error_first=True)
        assert await quiet.wait_closed() == 4100
        assert await loud.wait_closed() == 4200
        assert quiet.received("pusher:error") == []
        assert loud.received("pusher:error")[0].data == {"code": 4200,
                                                          "message": "Reconnect now"}


async def test_stop_closes_every_socket_quickly() -> None:
    twin = await PusherTwin().start()
    clients = [await twin.connect() for _ in range(5)]
    await twin.stop()
    codes = await asyncio.gather(*(c.wait_closed(timeout=2) for c in clients))
    assert codes == [CloseCode.GENERIC_RECONNECT] * 5
    for client in clients:
        await client.close()


async def test_websocket_level_pings_are_answered() -> None:
    async with PusherTwin() as twin, aiohttp.ClientSession() as session, session.ws_connect(
        twin.ws_url("/app/app-key?protocol=7"), autoping=False
    ) as ws:
        assert json.loads((await ws.receive()).data)["event"] == (
            "pusher:connection_established")
        await ws.ping(b"are you there")
        pong = await ws.receive()
        assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"are you there")
