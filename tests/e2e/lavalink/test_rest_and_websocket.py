"""Lavalink's REST API and websocket handshake, edge by edge, with raw aiohttp.

Exact shapes, status codes and bodies for bad input; after every refusal the twin keeps
serving. Protocol time only moves on a VirtualClock.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from wiretwin.lavalink import LavalinkTwin
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import HttpError, Scope

PW = "youshallnotpass"
GUILD = "817327181659111454"
VOICE = {"token": "tok", "endpoint": "us-east.discord.media", "sessionId": "vs",
         "channelId": "123"}
RICK = "dQw4w9WgXcQ"
SPRING_KEYS = {"timestamp", "status", "error", "message", "path"}


class Node:
    """A twin and a raw HTTP client talking to it."""

    def __init__(self, twin: LavalinkTwin, http: aiohttp.ClientSession) -> None:
        self.twin = twin
        self.http = http

    async def call(self, method: str, path: str, *, auth: str | None = PW,
                   headers: dict[str, str] | None = None, **kwargs: Any
                   ) -> tuple[int, Any, aiohttp.ClientResponse, bytes]:
        """Status, the body (JSON when JSON, else text), the response and the raw body."""
        sent = dict(headers or {})
        if auth is not None:
            sent["Authorization"] = auth
        async with self.http.request(method, self.twin.http_url(path), headers=sent,
                                     **kwargs) as response:
            raw = await response.read()
            body: Any = raw.decode()
            if response.content_type == "application/json":
                body = json.loads(raw)
            assert response.headers.get("Lavalink-Api-Version") == "4", (method, path)
            return response.status, body, response, raw

    async def connect(self, *, user_id: str = "1234", session_id: str | None = None,
                      ) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
        headers = {"Authorization": PW, "User-Id": user_id, "Client-Name": "raw/1.0"}
        if session_id is not None:
            headers["Session-Id"] = session_id
        ws = await self.http.ws_connect(self.twin.ws_url("/v4/websocket"), headers=headers)
        ready = await ws.receive_json(timeout=5)
        return ws, ready

    async def session(self) -> tuple[aiohttp.ClientWebSocketResponse, str]:
        ws, ready = await self.connect()
        return ws, ready["sessionId"]

    async def serving(self) -> None:
        """The twin still answers, REST and websocket."""
        status, body, _, _ = await self.call("GET", "/version")
        assert (status, body) == (200, str(self.twin.model.version))
        ws, ready = await self.connect()
        assert ready["op"] == "ready"
        await ws.close()


@pytest.fixture
async def node() -> AsyncIterator[Node]:
    # A virtual clock: positions (and so encoded tracks) only move when a test says so.
    async with LavalinkTwin(clock=VirtualClock()) as twin, aiohttp.ClientSession() as http:
        yield Node(twin, http)


async def _next_op(ws: aiohttp.ClientWebSocketResponse, op: str,
                   kind: str | None = None) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = await ws.receive_json(timeout=5)
        if message["op"] == op and (kind is None or message.get("type") == kind):
            return message


# -- authorization --------------------------------------------------------------------


ROUTES = [("GET", "/version"), ("GET", "/v4/info"), ("GET", "/v4/stats"),
          ("GET", "/v4/loadtracks?identifier=x"), ("GET", "/v4/decodetrack?track=x"),
          ("POST", "/v4/decodetracks"), ("GET", "/v4/sessions/s/players"),
          ("PATCH", f"/v4/sessions/s/players/{GUILD}"),
          ("DELETE", f"/v4/sessions/s/players/{GUILD}"), ("PATCH", "/v4/sessions/s"),
          ("GET", "/v4/routeplanner/status"), ("POST", "/v4/routeplanner/free/all"),
          ("GET", "/")]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_rest_without_a_password_is_401_and_with_a_wrong_one_403(
        node: Node, method: str, path: str) -> None:
    for auth, expected in ((None, 401), ("wrong", 403), ("", 403), (PW.upper(), 403)):
        status, _, response, raw = await node.call(method, path, auth=auth, json={})
        assert (status, raw) == (expected, b""), auth
        assert response.headers.get("Content-Length") == "0"
    await node.serving()


async def test_the_websocket_upgrade_needs_the_password(node: Node) -> None:
    for headers in ({"User-Id": "1"}, {"User-Id": "1", "Authorization": "nope"}):
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await node.http.ws_connect(node.twin.ws_url("/v4/websocket"), headers=headers)
        assert err.value.status == 401
        assert err.value.headers is not None
        assert err.value.headers.get("Lavalink-Api-Version") == "4"
    assert node.twin.model.sessions == {}
    await node.serving()


@pytest.mark.parametrize("user_id", [None, "", "0", "  "])
async def test_a_missing_or_zero_user_id_is_400(node: Node, user_id: str | None) -> None:
    headers = {"Authorization": PW}
    if user_id is not None:
        headers["User-Id"] = user_id
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await node.http.ws_connect(node.twin.ws_url("/v4/websocket"), headers=headers)
    assert err.value.status == 400
    await node.serving()


async def test_a_non_numeric_user_id_upgrades_then_fails(node: Node) -> None:
    ws = await node.http.ws_connect(node.twin.ws_url("/v4/websocket"),
                                    headers={"Authorization": PW, "User-Id": "sonora"})
    message = await ws.receive(timeout=5)
    assert message.type is aiohttp.WSMsgType.CLOSE and message.data == 1011
    assert node.twin.model.sessions == {}
    await node.serving()


# -- the websocket --------------------------------------------------------------------


async def test_handshake_headers_ready_then_stats(node: Node) -> None:
    ws = await node.http.ws_connect(node.twin.ws_url("/v4/websocket"), headers={
        "Authorization": PW, "User-Id": "42"})  # no Client-Name: only a warning
    assert ws._response.headers["Session-Resumed"] == "false"
    assert ws._response.headers["Lavalink-Api-Version"] == "4"
    ready = await ws.receive_json(timeout=5)
    assert set(ready) == {"op", "resumed", "sessionId"} and ready["resumed"] is False
    sid = ready["sessionId"]
    assert len(sid) == 16 and sid.isalnum() and sid == sid.lower()
    stats = await ws.receive_json(timeout=5)
    assert stats["op"] == "stats" and stats["frameStats"] is None
    assert set(stats) == {"op", "players", "playingPlayers", "uptime", "memory", "cpu",
                          "frameStats"}
    await ws.close()


async def test_an_empty_session_id_opens_a_new_session(node: Node) -> None:
    ws, ready = await node.connect(session_id="")  # what mafic sends on a first connect
    assert ready["resumed"] is False and ready["sessionId"]
    assert ws._response.headers["Session-Resumed"] == "false"
    await ws.close()


async def test_client_messages_are_ignored(node: Node) -> None:
    ws, ready = await node.connect()
    for text in ('{"op":"play","guildId":"1"}', "not json", "[]"):
        await ws.send_str(text)
    status, body, _, _ = await node.call("GET", f"/v4/sessions/{ready['sessionId']}/players")
    assert (status, body) == (200, [])
    assert node.twin.journal.frames(direction="in", event="play")
    await ws.close()
    await node.serving()


async def test_resuming_sets_session_resumed_and_replays(node: Node) -> None:
    ws, sid = await node.session()
    status, body, _, _ = await node.call("PATCH", f"/v4/sessions/{sid}",
                                         json={"resuming": True, "timeout": 60})
    assert (status, body) == (200, {"resuming": True, "timeout": 60})
    await node.call("PATCH", f"/v4/sessions/{sid}/players/{GUILD}",
                    json={"track": {"identifier": RICK}, "voice": VOICE})
    await ws.close()
    await node.twin.journal.wait_for(lambda e: e.kind == "connection" and e.event == "close")
    await node.call("DELETE", f"/v4/sessions/{sid}/players/{GUILD}")  # queued TrackEnd
    ws2, ready = await node.connect(session_id=sid)
    assert ws2._response.headers["Session-Resumed"] == "true"
    assert ready == {"op": "ready", "resumed": True, "sessionId": sid}
    end = await ws2.receive_json(timeout=5)
    assert (end["type"], end["reason"]) == ("TrackEndEvent", "stopped")
    await ws2.close()
    # a session that was not resumable is not resumed: a new one opens
    ws3, ready3 = await node.connect(session_id="nosuchsession000")
    assert ws3._response.headers["Session-Resumed"] == "false"
    assert ready3["resumed"] is False and ready3["sessionId"] != "nosuchsession000"
    await ws3.close()


# -- errors in Spring's shape ---------------------------------------------------------


async def test_unknown_session_is_a_spring_404(node: Node) -> None:
    path = "/v4/sessions/nosuchsession/players"
    status, body, response, _ = await node.call("GET", path)
    assert status == 404 and response.content_type == "application/json"
    assert set(body) == SPRING_KEYS
    assert body | {"timestamp": 0} == {"timestamp": 0, "status": 404, "error": "Not Found",
                                       "message": "Session not found", "path": path}
    assert isinstance(body["timestamp"], int) and body["timestamp"] > 1_600_000_000_000
    for method, route in (("GET", f"{path}/{GUILD}"), ("PATCH", f"{path}/{GUILD}"),
                          ("DELETE", f"{path}/{GUILD}"),
                          ("PATCH", "/v4/sessions/nosuchsession")):
        status, body, _, _ = await node.call(method, route, json={})
        assert (status, body["message"], body["path"]) == (404, "Session not found", route)
    await node.serving()


async def test_trace_only_when_asked(node: Node) -> None:
    _, plain, _, _ = await node.call("GET", "/v4/sessions/x/players?trace=false")
    _, traced, _, _ = await node.call("GET", "/v4/sessions/x/players?trace=true")
    assert "trace" not in plain
    assert set(traced) == SPRING_KEYS | {"trace"} and traced["trace"]
    assert traced["path"] == "/v4/sessions/x/players"


async def test_unknown_player_is_404_but_delete_is_always_204(node: Node) -> None:
    ws, sid = await node.session()
    status, body, _, _ = await node.call("GET", f"/v4/sessions/{sid}/players/{GUILD}")
    assert (status, body["error"], body["message"]) == (404, "Not Found", "Player not found")
    status, _, _, raw = await node.call("DELETE", f"/v4/sessions/{sid}/players/{GUILD}")
    assert (status, raw) == (204, b"")
    status, _, _, raw = await node.call("DELETE", f"/v4/sessions/{sid}/players/{GUILD}",
                                        json={})  # pomice sends a body on DELETE
    assert (status, raw) == (204, b"")
    await ws.close()


@pytest.mark.parametrize("data", [b"{not json", b"", b'{"volume": 1', b"nul"])
async def test_malformed_json_bodies_are_400(node: Node, data: bytes) -> None:
    """Spring's DefaultHandlerExceptionResolver answers an unreadable body with a bare
    sendError(400): the message is Undertow's reason phrase; kotlinx's words are in the
    trace."""
    ws, sid = await node.session()
    for path in (f"/v4/sessions/{sid}/players/{GUILD}", f"/v4/sessions/{sid}",
                 "/v4/decodetracks"):
        method = "POST" if path == "/v4/decodetracks" else "PATCH"
        status, body, _, _ = await node.call(
            method, path, data=data, headers={"Content-Type": "application/json"})
        assert status == 400 and set(body) == SPRING_KEYS
        assert body["error"] == "Bad Request" and body["path"] == path
        assert body["message"] == "Bad Request"
    _, traced, _, _ = await node.call("POST", "/v4/decodetracks?trace=true", data=data,
                                      headers={"Content-Type": "application/json"})
    assert traced["trace"].startswith(
        "org.springframework.http.converter.HttpMessageNotReadableException: ")
    assert node.twin.model.sessions[sid].players == {}
    await ws.close()
    await node.serving()


@pytest.mark.parametrize("body", [[], "string", 5])
async def test_a_player_update_must_be_an_object(node: Node, body: Any) -> None:
    ws, sid = await node.session()
    status, answer, _, _ = await node.call("PATCH", f"/v4/sessions/{sid}/players/{GUILD}",
                                           json=body)
    assert status == 400 and answer["status"] == 400
    await ws.close()


async def test_a_non_numeric_guild_id_is_400(node: Node) -> None:
    ws, sid = await node.session()
    path = f"/v4/sessions/{sid}/players/abc"
    status, body, _, _ = await node.call("PATCH", path, json={})
    assert (status, body["message"]) == (400, "Bad Request")
    _, traced, _, _ = await node.call("PATCH", f"{path}?trace=true", json={})
    assert "For input string: \"abc\"" in traced["trace"]
    await ws.close()


# -- tracks ---------------------------------------------------------------------------


async def test_decodetrack_and_its_failures(node: Node) -> None:
    encoded = node.twin.catalogue.load(RICK).data.encoded
    for param in ("encodedTrack", "track"):
        status, body, _, _ = await node.call("GET", "/v4/decodetrack",
                                             params={param: encoded})
        assert status == 200 and body["encoded"] == encoded
        assert body["info"]["identifier"] == RICK and body["pluginInfo"] == {}
    status, body, _, _ = await node.call("GET", "/v4/decodetrack")
    assert (status, body["message"]) == (400, "No track to decode provided")
    # the docs' example cut short: readUTF runs out of bytes (EOFException, no message)
    status, body, _, _ = await node.call("GET", "/v4/decodetrack",
                                         params={"encodedTrack": "QAAAjQIAJVJp"})
    assert (status, body["error"]) == (500, "Internal Server Error")
    assert body["message"] == "No message available"
    await node.serving()


async def test_decodetracks(node: Node) -> None:
    tracks = node.twin.catalogue.load("ytsearch:three").data[:3]
    status, body, _, _ = await node.call("POST", "/v4/decodetracks",
                                         json=[t.encoded for t in tracks])
    assert status == 200 and [t["encoded"] for t in body] == [t.encoded for t in tracks]
    status, body, _, _ = await node.call("POST", "/v4/decodetracks", json=[])
    assert (status, body["message"]) == (400, "No tracks to decode provided")
    status, body, _, _ = await node.call("POST", "/v4/decodetracks", json=["garbage"])
    assert status == 500
    status, body, _, _ = await node.call("POST", "/v4/decodetracks", json={"a": 1})
    assert status == 400


async def test_an_undecodable_track_in_a_player_update_is_the_nodes_500(node: Node) -> None:
    """PlayerRestHandler decodes with Java's Base64 and lavaplayer, and handles neither's
    exceptions: a 500. The player was made before the track was decoded, and stays."""
    ws, sid = await node.session()
    path = f"/v4/sessions/{sid}/players/{GUILD}"
    for body, message in (
            ({"track": {"encoded": "not-a-track"}}, "Request processing failed: java.lang."
                                                    "IllegalArgumentException: Illegal "
                                                    "base64 character 2d"),
            ({"encodedTrack": "QUFB"}, "No message available")):
        status, answer, _, _ = await node.call("PATCH", path, json=body)
        assert (status, answer["message"]) == (500, message)
    assert list(node.twin.model.sessions[sid].players) == [GUILD]
    assert node.twin.model.sessions[sid].players[GUILD].track is None
    await ws.close()
    await node.serving()


async def test_loadtracks_empty_has_data_null_on_the_wire(node: Node) -> None:
    status, body, _, raw = await node.call("GET", "/v4/loadtracks",
                                           params={"identifier": "nothing to find"})
    assert status == 200 and body == {"loadType": "empty", "data": None}
    assert b'"data": null' in raw or b'"data":null' in raw
    status, body, _, _ = await node.call("GET", "/v4/loadtracks")
    assert status == 400 and "identifier" in body["message"]


async def test_loadtracks_answers_every_load_type(node: Node) -> None:
    url = next(iter(node.twin.catalogue.playlists))
    expected = {RICK: "track", url: "playlist", "ytsearch:anything": "search",
                "https://www.youtube.com/watch?v=unavailable0": "error", "zzz": "empty"}
    for identifier, load_type in expected.items():
        status, body, _, _ = await node.call("GET", "/v4/loadtracks",
                                             params={"identifier": identifier})
        assert (status, body["loadType"]) == (200, load_type)
    _, error, _, _ = await node.call("GET", "/v4/loadtracks", params={
        "identifier": "https://www.youtube.com/watch?v=unavailable0"})
    assert set(error["data"]) == {"message", "severity", "cause", "causeStackTrace"}


# -- player updates -------------------------------------------------------------------


@pytest.mark.parametrize(("version", "message"), [
    ("4.2.2", "token, endpoint, sessionId and channelId must be provided in voice state"),
    ("4.0.8", "token, endpoint and sessionId must be provided in voice state"),
])
async def test_invalid_voice_state_is_400_by_version(version: str, message: str) -> None:
    async with LavalinkTwin(version=version, clock=VirtualClock()) as twin, \
            aiohttp.ClientSession() as http:
        node = Node(twin, http)
        ws, sid = await node.session()
        path = f"/v4/sessions/{sid}/players/{GUILD}"
        for voice in ({**VOICE, "token": ""}, {**VOICE, "endpoint": "  "}):
            status, body, _, _ = await node.call("PATCH", path, json={"voice": voice})
            assert (status, body["message"]) == (400, message)
        unreadable: list[Any] = [{"token": "t"}, "voice", {**VOICE, "token": None}]
        for bad in unreadable:  # kotlinx refuses these
            status, body, _, _ = await node.call("PATCH", path, json={"voice": bad})
            assert (status, body["message"]) == (400, "Bad Request")
        no_channel = {k: v for k, v in VOICE.items() if k != "channelId"}
        status, body, _, _ = await node.call("PATCH", path, json={"voice": no_channel})
        if version == "4.2.2":  # a required field missing: kotlinx's refusal
            assert (status, body["message"]) == (400, "Bad Request")
        else:
            assert status == 200 and body["state"]["connected"] is True
        await ws.close()
        await node.serving()


@pytest.mark.parametrize("value", ["true", "True", "TRUE", "tRuE"])
async def test_no_replace_is_case_insensitive(node: Node, value: str) -> None:
    ws, sid = await node.session()
    path = f"/v4/sessions/{sid}/players/{GUILD}"
    await node.call("PATCH", path, json={"track": {"identifier": RICK}, "voice": VOICE})
    other = node.twin.catalogue.load("ytsearch:other").data[0].encoded
    status, body, _, _ = await node.call("PATCH", f"{path}?noReplace={value}",
                                         json={"track": {"encoded": other}})
    assert status == 200 and body["track"]["info"]["identifier"] == RICK
    falsy = {"true": "false", "True": "False", "TRUE": "FALSE", "tRuE": "fAlSe"}[value]
    status, body, _, _ = await node.call("PATCH", f"{path}?noReplace={falsy}",
                                         json={"track": {"encoded": other}})
    assert status == 200 and body["track"]["encoded"] == other
    await ws.close()


async def test_a_non_boolean_no_replace_is_400(node: Node) -> None:
    ws, sid = await node.session()
    status, body, _, _ = await node.call(
        "PATCH", f"/v4/sessions/{sid}/players/{GUILD}?noReplace=maybe&trace=1", json={})
    assert (status, body["message"]) == (400, "Bad Request")
    assert "Invalid boolean value 'maybe'" in body["trace"]
    await ws.close()
    await node.serving()


async def test_quoted_numerics_are_read_as_numbers(node: Node) -> None:
    ws, sid = await node.session()
    path = f"/v4/sessions/{sid}/players/{GUILD}"
    status, body, _, _ = await node.call("PATCH", path, json={
        "encodedTrack": node.twin.catalogue.load(RICK).data.encoded, "endTime": "12345",
        "position": "1000", "volume": "80", "voice": VOICE})
    assert status == 200 and body["volume"] == 80
    assert body["state"]["position"] == 1000
    assert node.twin.player(GUILD).end_time == 12345
    status, body, _, _ = await node.call("PATCH", f"{path}?trace=true",
                                         json={"endTime": "soon"})
    assert (status, body["message"]) == (400, "Bad Request")
    assert "at path: $.endTime" in body["trace"]
    await ws.close()


async def test_the_player_body_is_lavalinks_shape(node: Node) -> None:
    ws, sid = await node.session()
    status, body, _, _ = await node.call(
        "PATCH", f"/v4/sessions/{sid}/players/{GUILD}",
        json={"track": {"identifier": RICK, "userData": {"k": "v"}}, "voice": VOICE,
              "unknownKey": True})
    assert status == 200
    assert set(body) == {"guildId", "track", "volume", "paused", "state", "voice", "filters"}
    assert body["guildId"] == GUILD and body["volume"] == 100 and body["paused"] is False
    assert set(body["state"]) == {"time", "position", "connected", "ping"}
    assert body["voice"] == VOICE
    assert body["track"]["userData"] == {"k": "v"} and body["track"]["pluginInfo"] == {}
    status, listed, _, _ = await node.call("GET", f"/v4/sessions/{sid}/players")
    assert status == 200 and [p["guildId"] for p in listed] == [GUILD]
    start = await _next_op(ws, "event", "TrackStartEvent")
    assert start["guildId"] == GUILD and start["track"]["info"]["identifier"] == RICK
    await ws.close()


async def test_update_session_validation(node: Node) -> None:
    ws, sid = await node.session()
    status, body, _, _ = await node.call("PATCH", f"/v4/sessions/{sid}",
                                         json={"resuming": "yes"})
    assert status == 400 and body["path"] == f"/v4/sessions/{sid}"
    status, body, _, _ = await node.call("PATCH", f"/v4/sessions/{sid}", json={"timeout": 5,
                                                                                "extra": 1})
    assert (status, body) == (200, {"resuming": False, "timeout": 5})
    await ws.close()


# -- the rest of the API ----------------------------------------------------------------


async def test_version_is_bare_text_plain(node: Node) -> None:
    status, body, response, _ = await node.call("GET", "/version", json={})  # pomice's {}
    assert (status, body) == (200, "4.2.2")
    assert response.content_type == "text/plain"


async def test_info(node: Node) -> None:
    status, body, _, _ = await node.call("GET", "/v4/info")
    assert status == 200
    assert set(body) == {"version", "buildTime", "git", "jvm", "lavaplayer", "sourceManagers",
                         "filters", "plugins"}
    assert body["version"] == {"semver": "4.2.2", "major": 4, "minor": 2, "patch": 2,
                               "preRelease": None, "build": None}
    assert "youtube" in body["sourceManagers"] and "spotify" in body["sourceManagers"]
    assert len(body["filters"]) == 10 and body["filters"][0] == "volume"
    assert set(body["git"]) == {"branch", "commit", "commitTime"}


async def test_stats_over_rest_have_no_frame_stats(node: Node) -> None:
    status, body, _, _ = await node.call("GET", "/v4/stats")
    assert status == 200 and "frameStats" not in body and "op" not in body
    assert set(body) == {"players", "playingPlayers", "uptime", "memory", "cpu"}
    assert set(body["memory"]) == {"free", "used", "allocated", "reservable"}
    assert set(body["cpu"]) == {"cores", "systemLoad", "lavalinkLoad"}


async def test_route_planner_is_disabled(node: Node) -> None:
    status, _, _, raw = await node.call("GET", "/v4/routeplanner/status")
    assert (status, raw) == (204, b"")
    for path, body in (("/v4/routeplanner/free/address", {"address": "1.2.3.4"}),
                       ("/v4/routeplanner/free/all", None)):
        status, answer, _, _ = await node.call("POST", path, json=body)
        assert (status, answer["message"]) == (500, "Can't access disabled route planner")


async def test_old_endpoints_answer_200_empty(node: Node) -> None:
    for path in ("/", "/v3/websocket"):
        status, _, _, raw = await node.call("GET", path)
        assert (status, raw) == (200, b"")


# -- the twin's own admin API and runtime ----------------------------------------------


async def test_admin_api_describes_the_lavalink_twin(node: Node) -> None:
    async with node.http.get(node.twin.http_url("/_wiretwin")) as response:
        assert response.status == 200
        info = await response.json()
    assert info["service"] == "lavalink"
    assert "Lavalink-Api-Version" in response.headers  # one app, one header for all
    assert node.twin.journal.http(method="GET", status=200) == []  # admin not journaled


async def test_a_virtual_hour_through_the_admin_clock() -> None:
    clock = VirtualClock()
    async with LavalinkTwin(clock=clock) as twin, aiohttp.ClientSession() as http:
        node = Node(twin, http)
        ws, sid = await node.session()
        await node.call("PATCH", f"/v4/sessions/{sid}/players/{GUILD}",
                        json={"track": {"identifier": RICK}, "voice": VOICE})
        async with http.post(twin.http_url("/_wiretwin/clock/advance"),
                             json={"seconds": 212, "wait_replies": False}) as response:
            assert response.status == 200
        end = await _next_op(ws, "event", "TrackEndEvent")
        assert end["reason"] == "finished" and end["track"]["info"]["position"] == 212_000
        await ws.close()


async def test_journal_records_refusals_and_faults_answer_http(node: Node) -> None:
    await node.call("GET", "/v4/info", auth="wrong")
    (entry,) = node.twin.journal.http(method="GET", status=403)
    assert entry.detail["path"] == "/v4/info" and not entry.detail.get("response_body")
    node.twin.faults.add(HttpError(status=503, times=1, scope=Scope(route="/v4/loadtracks")))
    status, body, _, _ = await node.call("GET", "/v4/loadtracks", params={"identifier": RICK})
    # an injected error comes in Spring's shape, as the node's own errors do
    assert status == 503 and set(body) == SPRING_KEYS
    assert (body["status"], body["error"]) == (503, "Service Unavailable")
    status, body, _, _ = await node.call("GET", "/v4/loadtracks", params={"identifier": RICK})
    assert (status, body["loadType"]) == (200, "track")
