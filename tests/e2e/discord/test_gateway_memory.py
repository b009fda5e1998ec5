"""The gateway's in-process connections (GatewaySockets.connect_in_memory): the same
session, the same checks on client frames and the same journal as a websocket's."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from wiretwin.discord.protocol import intents as I
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.clock import VirtualClock

TIMEOUT = 5.0


def _world(twin: DiscordTwin) -> None:
    model = twin.model
    guild = model.create_guild("Guild", model.application.owner.id)
    model.create_channel(guild, "general")
    model.add_member(guild, model.bot.id)


def _identify(twin: DiscordTwin) -> str:
    return json.dumps({"op": 2, "d": {
        "token": twin.application.token, "intents": I.KNOWN, "compress": False,
        "properties": {"os": "linux", "browser": "test", "device": "test"}}})


def _frames(twin: DiscordTwin) -> list[tuple[str | None, str | None, str | None]]:
    """Every frame journaled, the twin's own address taken out of READY."""
    address = f"127.0.0.1:{twin.port}"
    return [(e.direction, e.event, (e.data or "").replace(address, "ADDRESS"))
            for e in twin.journal.frames()]


async def _over_a_socket(twin: DiscordTwin) -> None:
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(twin.ws_url("/?v=10&encoding=json")) as ws:
        assert (await ws.receive_json(timeout=TIMEOUT))["op"] == 10
        await ws.send_str(_identify(twin))
        assert (await ws.receive_json(timeout=TIMEOUT))["t"] == "READY"
        assert (await ws.receive_json(timeout=TIMEOUT))["t"] == "GUILD_CREATE"
        await ws.send_str('{"op":1,"d":2}')
        assert (await ws.receive_json(timeout=TIMEOUT))["op"] == 11
        await ws.close(code=1000)
    await twin.journal.wait_for(lambda e: e.kind == "connection" and e.event == "close",
                                timeout=TIMEOUT)


async def test_an_in_memory_connection_is_journaled_as_a_socket_is() -> None:
    by_socket = DiscordTwin(clock=VirtualClock(start=1_750_000_000.0))
    in_memory = DiscordTwin(clock=VirtualClock(start=1_750_000_000.0))
    got: list[dict[str, Any]] = []
    async with by_socket, in_memory:
        for twin in (by_socket, in_memory):
            _world(twin)
        await _over_a_socket(by_socket)
        conn = in_memory.gateway.connect_in_memory(
            lambda text, event: got.append(json.loads(text)))
        assert [p["op"] for p in got] == [10]  # HELLO, before connect_in_memory returned
        conn.send(_identify(in_memory))
        assert len(got) == 1  # the answers wait until the client's send is over...
        conn.flush()  # ...then go on the next loop turn, or now
        assert [p["t"] for p in got[1:]] == ["READY", "GUILD_CREATE"]
        conn.send('{"op":1,"d":2}')
        conn.flush()
        assert got[-1]["op"] == 11
        conn.close(1000)
        assert conn.closed and in_memory.hub.connections == {}
        assert in_memory.hub.live == {}  # a 1000 ends the session, as on a socket
        assert [event for _, event, _ in _frames(in_memory)] == [
            "HELLO", "IDENTIFY", "READY", "GUILD_CREATE", "HEARTBEAT", "HEARTBEAT_ACK"]
        assert _frames(in_memory) == _frames(by_socket)
        kinds = [(e.kind, e.event, e.detail.get("initiator")) for e in in_memory.journal
                 if e.kind == "connection"]
        assert kinds == [("connection", "open", None), ("connection", "close", "client")]


async def test_bad_client_frames_get_the_sockets_close_codes() -> None:
    closes: list[tuple[int, str]] = []
    async with DiscordTwin() as twin:
        for bad, code in (("not json", 4002), ("x" * 5000, 4002), ('{"op":3,"d":{}}', 4003),
                          ('{"op":99}', 4001)):
            conn = twin.gateway.connect_in_memory(lambda text, event: None,
                                                  lambda c, r: closes.append((c, r)))
            conn.send(bad)
            assert conn.closed and conn.close_code == code, bad
        assert [c for c, _ in closes] == [4002, 4002, 4003, 4001]
        assert twin.hub.connections == {}
        assert len(twin.journal.frames(event="ws:close")) == 4


async def test_the_twin_closes_in_memory_connections_when_it_stops() -> None:
    closes: list[tuple[int, str]] = []
    twin = DiscordTwin()
    await twin.start()
    conn = twin.gateway.connect_in_memory(lambda text, event: None,
                                          lambda c, r: closes.append((c, r)))
    await twin.stop()
    assert conn.closed and [code for code, _ in closes] == [1001]
