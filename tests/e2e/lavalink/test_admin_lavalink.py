"""The Lavalink twin driven through its admin API next to its own REST and websocket."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from wiretwin.lavalink import LavalinkTwin
from wiretwin.runtime.clock import VirtualClock

HEADERS = {"Authorization": "youshallnotpass", "User-Id": "42", "Client-Name": "test/1"}


async def _call(session: aiohttp.ClientSession, method: str, url: str, body: Any = None,
                expect: int = 200) -> Any:
    async with session.request(method, url, json=body) as response:
        text = await response.text()
        assert response.status == expect, f"{method} {url}: {response.status} {text}"
        return json.loads(text) if text else None


async def test_catalogue_players_and_injections_over_http() -> None:
    clock = VirtualClock()
    async with LavalinkTwin(clock=clock) as twin, aiohttp.ClientSession() as http:
        admin = twin.http_url("/_wiretwin/lavalink")
        track = await _call(http, "POST", f"{admin}/catalogue/tracks",
                            {"title": "Admin Song", "author": "Ops", "length": 60000}, 201)
        async with http.get(twin.http_url("/v4/loadtracks"),
                            params={"identifier": track["info"]["uri"]},
                            headers={"Authorization": "youshallnotpass"}) as r:
            loaded = await r.json()
        assert loaded["loadType"] == "track"
        assert loaded["data"]["encoded"] == track["encoded"]
        await _call(http, "POST", f"{admin}/catalogue/failures",
                    {"identifier": "broken", "message": "Nope"}, 204)

        async with http.ws_connect(twin.ws_url("/v4/websocket"), headers=HEADERS) as ws:
            ready = json.loads((await ws.receive()).data)
            session = ready["sessionId"]
            sessions = await _call(http, "GET", f"{admin}/sessions")
            assert [(s["id"], s["userId"], s["clientName"]) for s in sessions] == [
                (session, "42", "test/1")]
            async with http.patch(
                twin.http_url(f"/v4/sessions/{session}/players/7"),
                json={"track": {"encoded": track["encoded"]},
                      "voice": {"token": "t", "endpoint": "e", "sessionId": "s",
                                "channelId": "9"}},
                headers={"Authorization": "youshallnotpass"},
            ) as r:
                assert r.status == 200
            await clock.advance(10)
            player = await _call(http, "GET", f"{admin}/players/7")
            assert (player["track"]["info"]["title"], player["position"]) == ("Admin Song",
                                                                              10000)
            await _call(http, "POST", f"{admin}/players/7/stuck", {"thresholdMs": 500}, 204)
            await _call(http, "POST", f"{admin}/players/7/exception",
                        {"message": "Decoder died", "severity": "fault"}, 204)
            kinds: list[str] = []
            while len(kinds) < 3 or kinds[-1] != "TrackEndEvent":
                frame = json.loads((await ws.receive(timeout=5)).data)
                if frame["op"] == "event":
                    kinds.append(frame["type"])
                    if frame["type"] == "TrackExceptionEvent":
                        assert frame["exception"]["message"] == "Decoder died"
                    if frame["type"] == "TrackEndEvent":
                        assert frame["reason"] == "loadFailed"
            assert kinds == ["TrackStartEvent", "TrackStuckEvent", "TrackExceptionEvent",
                             "TrackEndEvent"]
            missing = await _call(http, "POST", f"{admin}/players/404/stuck", {}, 404)
            assert "no player" in missing["error"]
            await _call(http, "POST", f"{admin}/sessions/{session}/drop", {"code": 4000}, 204)
            closing = await ws.receive(timeout=5)
            assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 4000)
