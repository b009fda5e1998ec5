"""Players whose ``playerUpdate`` falls due at the same instant, over a real websocket: the
client reads each player's frame, in the order the players started, at the twin's clock
times, and the journal holds exactly what the client read."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from wiretwin.lavalink import LavalinkTwin
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import Drop, Scope

HEADERS = {"Authorization": "youshallnotpass", "User-Id": "1234", "Client-Name": "test/1.0"}
VOICE = {"token": "tok", "endpoint": "us-east.discord.media", "sessionId": "vs",
         "channelId": "1"}
GUILDS = [str(817327181659111454 + i) for i in range(5)]


async def _read(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[str]:
    texts: list[str] = []
    while len(texts) < count:
        message = await ws.receive(timeout=5)
        assert message.type is aiohttp.WSMsgType.TEXT, message
        texts.append(message.data)
    return texts


async def _start(twin: LavalinkTwin, http: aiohttp.ClientSession, sid: str) -> None:
    for guild in GUILDS:
        async with http.patch(twin.http_url(f"/v4/sessions/{sid}/players/{guild}"),
                              headers=HEADERS, json={
                                  "track": {"identifier": "dQw4w9WgXcQ"}, "voice": VOICE,
                              }) as response:
            assert response.status == 200, await response.text()


@asynccontextmanager
async def _playing() -> AsyncIterator[tuple[LavalinkTwin, VirtualClock,
                                            aiohttp.ClientWebSocketResponse, str]]:
    """A twin on a virtual clock, a client's websocket, and GUILDS' players started."""
    clock = VirtualClock(1_700_000_000.0)
    async with LavalinkTwin(clock=clock) as twin, aiohttp.ClientSession() as http, \
            http.ws_connect(twin.ws_url("/v4/websocket"), headers=HEADERS) as ws:
        ready, _stats = await _read(ws, 2)
        sid = json.loads(ready)["sessionId"]
        await _start(twin, http, sid)
        yield twin, clock, ws, sid


async def test_updates_due_together_reach_the_client_in_order_and_as_journaled() -> None:
    async with _playing() as (twin, clock, ws, sid):
        await _read(ws, 3 * len(GUILDS))  # each start: update, TrackStartEvent, update
        mark = twin.journal.last_seq
        await clock.advance(10.5, wait_replies=False)
        texts = await _read(ws, 2 * len(GUILDS))
        updates: list[dict[str, Any]] = [json.loads(t) for t in texts]
        assert [u["guildId"] for u in updates] == GUILDS * 2
        assert [u["state"]["time"] for u in updates] == (
            [1_700_000_005_000] * 5 + [1_700_000_010_000] * 5)
        assert {u["state"]["position"] for u in updates[5:]} == {10_000}
        journaled = [e for e in twin.journal.since(mark) if e.kind == "frame"]
        assert [e.text for e in journaled] == texts
        assert all(e.event == "playerUpdate" and e.direction == "out" and e.detail ==
                   {"opcode": 1} for e in journaled)
        assert [e.seq for e in journaled] == list(range(mark + 1, mark + 11))
        # Compact JSON, in Lavalink's key order.
        ping = twin.model.player(sid, GUILDS[0]).ping
        assert texts[-5] == (f'{{"op":"playerUpdate","guildId":"{GUILDS[0]}","state":'
                             f'{{"time":1700000010000,"position":10000,"connected":true,'
                             f'"ping":{ping}}}}}')


async def test_a_fault_on_updates_applies_to_each_frame_of_a_batch() -> None:
    async with _playing() as (twin, clock, ws, _sid):
        await _read(ws, 3 * len(GUILDS))
        twin.faults.add(Drop(name="loss", scope=Scope(event="playerUpdate"), times=2))
        await clock.advance(5, wait_replies=False)
        texts = await _read(ws, len(GUILDS) - 2)
        assert [json.loads(t)["guildId"] for t in texts] == GUILDS[2:]
        assert len(twin.journal.faults("loss")) == 2
