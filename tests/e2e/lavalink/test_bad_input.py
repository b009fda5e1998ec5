"""Bad input over real sockets, table by table, with the exact answer a Lavalink 4.2 node
(Spring Boot 3.3 on Undertow, kotlinx, lavaplayer) gives: status, Spring's error body,
headers, close codes. After each table the twin still serves."""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from wiretwin.lavalink import LavalinkConfig, LavalinkTwin
from wiretwin.runtime.clock import VirtualClock

from .test_rest_and_websocket import GUILD, PW, RICK, SPRING_KEYS, Node

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def node() -> AsyncIterator[Node]:
    config = LavalinkConfig(max_body_bytes=64 * 1024, max_frame_bytes=4096,
                            max_players_per_session=3)
    async with LavalinkTwin(clock=VirtualClock(), config=config) as twin, \
            aiohttp.ClientSession() as http:
        yield Node(twin, http)


async def _raw(node: Node, method: str, path: str, data: bytes | str = b"",
               headers: dict[str, str] | None = None, auth: str | None = PW
               ) -> tuple[int, Any, aiohttp.ClientResponse]:
    sent = dict(headers or {})
    if auth is not None:
        sent["Authorization"] = auth
    body = data.encode() if isinstance(data, str) else data
    async with node.http.request(method, node.twin.http_url(path), data=body,
                                 headers=sent, skip_auto_headers=["Content-Type"]
                                 ) as response:
        raw = await response.read()
        answer: Any = json.loads(raw) if response.content_type == "application/json" \
            else raw
        return response.status, answer, response


# -- routing comes before the password ------------------------------------------------


@pytest.mark.parametrize(("method", "path", "auth", "status", "message", "allow"), [
    ("GET", "/v4/nope", None, 404, "No endpoint GET /v4/nope.", None),
    ("GET", "/v4/nope", "wrong", 404, "No endpoint GET /v4/nope.", None),
    ("GET", "/v4/info/", PW, 404, "No endpoint GET /v4/info/.", None),
    ("GET", "/V4/INFO", PW, 404, "No endpoint GET /V4/INFO.", None),
    ("DELETE", "/v4/%E2%82%AC", PW, 404, "No endpoint DELETE /v4/%E2%82%AC.", None),
    ("POST", "/v4/info", None, 405, "Method 'POST' is not supported.", "GET"),
    ("PUT", f"/v4/sessions/s/players/{GUILD}", PW, 405, "Method 'PUT' is not supported.",
     "GET,PATCH,DELETE"),
    ("GET", "/v4/sessions/s", "wrong", 405, "Method 'GET' is not supported.", "PATCH"),
    ("GET", "/v4/sessions//players", PW, 404, "No endpoint GET /v4/sessions//players.",
     None),
])
async def test_no_route_or_method_answers_before_the_password(
        node: Node, method: str, path: str, auth: str | None, status: int, message: str,
        allow: str | None) -> None:
    code, body, response = await _raw(node, method, path, auth=auth)
    assert code == status and set(body) == SPRING_KEYS
    assert (body["status"], body["message"], body["path"]) == (status, message, path)
    assert response.headers.get("Allow") == allow
    assert response.headers["Lavalink-Api-Version"] == "4"


async def test_options_lists_the_methods_once_authorized(node: Node) -> None:
    status, body, response = await _raw(node, "OPTIONS", "/v4/info")
    assert (status, body, response.headers["Allow"]) == (200, b"", "GET,HEAD,OPTIONS")
    status, body, _ = await _raw(node, "OPTIONS", "/v4/info", auth=None)
    assert (status, body) == (401, b"")


async def test_springs_own_error_page_needs_no_password(node: Node) -> None:
    status, body, _ = await _raw(node, "GET", "/error", auth=None)
    assert status == 500 and body["status"] == 999 and body["error"] == "None"
    assert body["message"] == "No message available" and "path" not in body


@pytest.mark.parametrize(("query", "traced"), [
    ("", False), ("?trace=false", False), ("?trace=FALSE", False), ("?trace", True),
    ("?trace=", True), ("?trace=no", True), ("?trace=true", True),
])
async def test_trace_is_any_value_but_false(node: Node, query: str, traced: bool) -> None:
    _, body, _ = await _raw(node, "GET", f"/v4/sessions/x/players{query}")
    assert ("trace" in body) is traced
    if traced:  # Spring's order: trace before message
        assert list(body) == ["timestamp", "status", "error", "trace", "message", "path"]
        assert body["trace"].startswith("org.springframework.web.server."
                                        "ResponseStatusException: 404 NOT_FOUND")


# -- request bodies -------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "data", "status", "message"), [
    ({}, b"", 400, "Bad Request"),  # no Content-Type, no body: "body is missing"
    ({}, b"{}", 415, "Content-Type 'application/octet-stream' is not supported."),
    ({"Content-Type": "text/plain; charset=utf-8"}, b"{}", 415,
     "Content-Type 'text/plain;charset=utf-8' is not supported."),
    ({"Content-Type": "json"}, b"{}", 415, "Could not parse Content-Type."),
    ({"Content-Type": "application/json; charset=nope"}, b"{}", 415,
     "Could not parse Content-Type."),
    (JSON, b"", 400, "Bad Request"),
    (JSON, b"[]", 400, "Bad Request"),
    (JSON, b'"a string"', 400, "Bad Request"),
    (JSON, b"{" * 1000, 400, "Bad Request"),
    (JSON, b'{"volume": NaN}', 400, "Bad Request"),
    (JSON, b'{"volume": 1.0}', 400, "Bad Request"),
    (JSON, b'{"volume": 2147483648}', 400, "Bad Request"),
    (JSON, b'{"paused": 1}', 400, "Bad Request"),
    (JSON, b'{"position": null}', 400, "Bad Request"),
    (JSON, b'{"track": {"encoded": 5}}', 400, "Bad Request"),
    (JSON, b'{"track": {"userData": "x"}}', 400, "Bad Request"),
    (JSON, b'{"filters": {"volume": 1e39}}', 400, "Bad Request"),
    (JSON, b'{"filters": {"timescale": {"speed": "fast"}}}', 400, "Bad Request"),
    (JSON, b'{"filters": {"equalizer": [{"gain": 0.1}]}}', 400, "Bad Request"),
    (JSON, b'{"voice": {"token": "t", "endpoint": "e", "sessionId": "s"}}', 400,
     "Bad Request"),
    (JSON, b'{"endTime": 0}', 400, "End time must be greater than 0"),
    (JSON, b'{"track": {"encoded": null}, "identifier": "x"}', 400,
     "Cannot specify both track and encodedTrack/identifier"),
    (JSON, b'{"voice": {"token": " ", "endpoint": "e", "sessionId": "s", "channelId": "1"}}',
     400, "token, endpoint, sessionId and channelId must be provided in voice state"),
    (JSON, b'{"filters": {"equalizer": [{"band": 15}]}}', 500,
     "Request processing failed: java.lang.ArrayIndexOutOfBoundsException: Index 15 out "
     "of bounds for length 15"),
    (JSON, b'{"filters": {"equalizer": [{"band": -1}]}}', 500,
     "Request processing failed: java.lang.ArrayIndexOutOfBoundsException: Index -1 out "
     "of bounds for length 15"),
    (JSON, b'{"voice": {"token": "t", "endpoint": "e", "sessionId": "s", '
           b'"channelId": "general"}}', 500,
     'Request processing failed: java.lang.NumberFormatException: For input string: '
     '"general"'),
    (JSON, b'{"track": {"encoded": "ytsearch:x"}}', 500,
     "Request processing failed: java.lang.IllegalArgumentException: Illegal base64 "
     "character 3a"),
    (JSON, b'{"encodedTrack": ""}', 500, "No message available"),
    (JSON, b'{"track": {"identifier": "nothing here"}}', 400,
     "No matches found for identifier"),
])
async def test_player_update_refusals(node: Node, headers: dict[str, str], data: bytes,
                                      status: int, message: str) -> None:
    ws, sid = await node.session()
    path = f"/v4/sessions/{sid}/players/{GUILD}"
    code, body, response = await _raw(node, "PATCH", path, data, headers)
    assert (code, body["status"], body["message"], body["path"]) == (
        status, status, message, path)
    if code == 415:
        assert response.headers["Accept-Patch"] == "application/json, application/*+json"
    await ws.close()
    await node.serving()


@pytest.mark.parametrize(("data", "field", "value"), [
    (b'{"volume": "80"}', "volume", 80),
    (b'{"volume": 1e2}', "volume", 100),
    (b'{"volume": -5}', "volume", 0),
    (b'{"volume": 5000}', "volume", 1000),
    (b'{"paused": "TRUE"}', "paused", True),
    (b'{"endTime": null, "userData": [], "unknown": {"deep": [[[]]]}}', "volume", 100),
    (b'{"filters": {"timescale": {"speed": 0}, "karaoke": null, "bogus": 1}}', "filters",
     {"timescale": {"speed": 0}, "karaoke": None}),
    (b'\xef\xbb\xbf{}', None, None),
])
async def test_player_updates_the_node_takes(node: Node, data: bytes, field: str | None,
                                             value: Any) -> None:
    ws, sid = await node.session()
    code, body, _ = await _raw(node, "PATCH", f"/v4/sessions/{sid}/players/{GUILD}", data,
                               JSON)
    if field is None:  # a BOM is not JSON to kotlinx either
        assert code == 400
    else:
        assert (code, body[field]) == (200, value)
    await ws.close()


async def test_the_body_is_read_before_the_session_is_looked_up(node: Node) -> None:
    code, body, _ = await _raw(node, "PATCH", f"/v4/sessions/none/players/{GUILD}", b"[",
                               JSON)
    assert (code, body["message"]) == (400, "Bad Request")
    code, body, _ = await _raw(node, "PATCH", "/v4/sessions/none/players/abc", b"{}", JSON)
    assert (code, body["message"]) == (400, "Bad Request")  # guildId before the session
    code, body, _ = await _raw(node, "PATCH", f"/v4/sessions/none/players/{GUILD}", b"{}",
                               JSON)
    assert (code, body["message"]) == (404, "Session not found")


@pytest.mark.parametrize(("guild", "status", "shown"), [
    ("42", 200, "42"), ("007", 200, "7"), ("-5", 200, "-5"), ("0x1F", 200, "31"),
    ("%23ff", 200, "255"), ("%D9%A1%D9%A2", 200, "12"), ("9223372036854775807", 200,
                                                       "9223372036854775807"),
    ("abc", 400, None), ("%C2%B2", 400, None), ("9223372036854775808", 400, None),
    ("1.5", 400, None), ("9" * 500, 400, None),
])
async def test_guild_ids_are_springs_longs(node: Node, guild: str, status: int,
                                           shown: str | None) -> None:
    ws, sid = await node.session()
    code, body, _ = await _raw(node, "PATCH", f"/v4/sessions/{sid}/players/{guild}", b"{}",
                               JSON)
    assert code == status
    if shown is not None:
        assert body["guildId"] == shown
        code, got, _ = await _raw(node, "GET", f"/v4/sessions/{sid}/players/{shown}")
        assert (code, got["guildId"]) == (200, shown)
    else:
        assert body["message"] == "Bad Request"
    await ws.close()


@pytest.mark.parametrize(("value", "status"), [
    ("yes", 200), ("ON", 200), ("1", 200), ("", 200), ("%20", 200), ("off", 200),
    ("maybe", 400), ("2", 400),
])
async def test_no_replace_values(node: Node, value: str, status: int) -> None:
    ws, sid = await node.session()
    code, _, _ = await _raw(node, "PATCH",
                            f"/v4/sessions/{sid}/players/{GUILD}?noReplace={value}", b"{}",
                            JSON)
    assert code == status
    await ws.close()


async def test_players_per_session_are_capped_as_a_node_out_of_heap(node: Node) -> None:
    ws, sid = await node.session()
    for guild in range(1, 4):
        code, _, _ = await _raw(node, "PATCH", f"/v4/sessions/{sid}/players/{guild}",
                                b"{}", JSON)
        assert code == 200
    code, body, _ = await _raw(node, "PATCH", f"/v4/sessions/{sid}/players/4", b"{}", JSON)
    assert (code, body["message"]) == (
        500, "Request processing failed: java.lang.OutOfMemoryError: Java heap space")
    code, _, _ = await _raw(node, "PATCH", f"/v4/sessions/{sid}/players/3", b"{}", JSON)
    assert code == 200  # an existing player is still updated
    await ws.close()


@pytest.mark.parametrize(("data", "status", "timeout"), [
    (b'{"timeout": -5}', 200, -5), (b'{"timeout": "1e3"}', 200, 1000),
    (b'{"timeout": 10000000000000000}', 200, 2**63 - 1),
    (b'{"resuming": "True"}', 200, 60), (b'{"timeout": 1.5}', 400, None),
    (b'{"timeout": null}', 400, None), (b'{"resuming": 1}', 400, None),
])
async def test_session_updates(node: Node, data: bytes, status: int,
                               timeout: int | None) -> None:
    ws, sid = await node.session()
    code, body, _ = await _raw(node, "PATCH", f"/v4/sessions/{sid}", data, JSON)
    assert code == status
    if timeout is not None:
        assert body["timeout"] == timeout
    await ws.close()


# -- tracks -------------------------------------------------------------------------------


def _message(body: bytes, size: int | None = None) -> str:
    import base64
    header = struct.pack(">I", 1 << 30 | (len(body) if size is None else size))
    return base64.b64encode(header + body).decode()


@pytest.mark.parametrize(("encoded", "status", "message"), [
    ("", 500, "No message available"),
    ("a", 500, "Request processing failed: java.lang.IllegalArgumentException: Input "
                "byte[] should at least have 2 bytes for base64 bytes"),
    ("not-a-track", 500, "Request processing failed: java.lang.IllegalArgumentException: "
                         "Illegal base64 character 2d"),
    (_message(b"", size=0), 500, "Request processing failed: java.lang."
                                 "NullPointerException: Cannot read field \"decodedTrack\" "
                                 "because the return value of \"com.sedmelluq.discord."
                                 "lavaplayer.player.AudioPlayerManager.decodeTrack(com."
                                 "sedmelluq.discord.lavaplayer.tools.io.MessageInput)\" is "
                                 "null"),
    (_message(b"\x03\x00\x04\xf0\x9f\x8e\x89"), 500, "malformed input around byte 0"),
])
async def test_decodetrack_failures_are_the_nodes_500s(node: Node, encoded: str,
                                                       status: int, message: str) -> None:
    code, body, _ = await _raw(node, "GET", "/v4/decodetrack?encodedTrack="
                               + encoded.replace("+", "%2B").replace("/", "%2F"))
    assert (code, body["error"], body["message"]) == (status, "Internal Server Error",
                                                      message)


@pytest.mark.parametrize(("data", "status", "message"), [
    (b"{}", 400, "Bad Request"), (b'["a", null]', 400, "Bad Request"),
    (b"[1]", 400, "Bad Request"), (b"[]", 400, "No tracks to decode provided"),
    (b'["QUFB"]', 500, "No message available"),
])
async def test_decodetracks_bodies(node: Node, data: bytes, status: int,
                                   message: str) -> None:
    code, body, _ = await _raw(node, "POST", "/v4/decodetracks", data, JSON)
    assert (code, body["message"]) == (status, message)


async def test_decodetracks_takes_many_and_refuses_past_the_body_limit(node: Node) -> None:
    encoded = node.twin.catalogue.load(RICK).data.encoded
    code, body, _ = await _raw(node, "POST", "/v4/decodetracks",
                               json.dumps([encoded] * 200), JSON)
    assert code == 200 and len(body) == 200
    code, body, _ = await _raw(node, "POST", "/v4/decodetracks",
                               json.dumps([encoded] * 2000), JSON)
    assert (code, body["error"], body["status"]) == (413, "Payload Too Large", 413)
    await node.serving()


@pytest.mark.parametrize(("identifier", "load_type"), [
    ("", "empty"), ("x" * 7000, "empty"), ("ytsearch:" + "q" * 7000, "search"),
    ("ytsearch:%F0%9F%98%80%00%E2%80%AE", "search"), ("ytsearch:%20", "empty"),
])
async def test_loadtracks_with_odd_identifiers(node: Node, identifier: str,
                                               load_type: str) -> None:
    code, body, _ = await _raw(node, "GET", f"/v4/loadtracks?identifier={identifier}")
    assert (code, body["loadType"]) == (200, load_type)


async def test_loadtracks_without_an_identifier(node: Node) -> None:
    code, body, _ = await _raw(node, "GET", "/v4/loadtracks?trace=true")
    assert (code, body["message"]) == (400, "Required parameter 'identifier' is not present.")
    assert body["trace"].startswith("org.springframework.web.bind.MissingServletRequest"
                                    "ParameterException: Required request parameter "
                                    "'identifier' for method parameter type String is not "
                                    "present")


async def test_free_address_reads_its_body_before_the_disabled_planner(node: Node) -> None:
    code, body, _ = await _raw(node, "POST", "/v4/routeplanner/free/address", b"{}", JSON)
    assert (code, body["message"]) == (400, "Bad Request")  # address is required
    code, body, _ = await _raw(node, "POST", "/v4/routeplanner/free/address",
                               b'{"address": "1.2.3.4"}', JSON)
    assert (code, body["message"]) == (500, "Can't access disabled route planner")


# -- the websocket ------------------------------------------------------------------------


UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "User-Id": "1"}


@pytest.mark.parametrize(("method", "headers", "status", "body"), [
    ("GET", {**UPGRADE, "User-Id": "-0"}, 400, b""),
    ("GET", {**UPGRADE, "User-Id": "000"}, 400, b""),
    ("GET", {**UPGRADE, "Origin": "http://elsewhere.example"}, 403, b""),
    ("POST", UPGRADE, 405, b""),
    ("GET", {"User-Id": "1"}, 400, b'Can "Upgrade" only to "WebSocket".'),
    ("GET", {**UPGRADE, "Connection": "keep-alive"}, 400,
     b'"Connection" must be "upgrade".'),
    ("GET", {**UPGRADE, "Connection": "UPGRADE"}, 400, b'"Connection" must be "upgrade".'),
    ("GET", {**UPGRADE, "Sec-WebSocket-Version": "8"}, 426, b""),
    ("GET", {k: v for k, v in UPGRADE.items() if k != "Sec-WebSocket-Key"}, 400, b""),
])
async def test_handshake_refusals_in_springs_order(node: Node, method: str,
                                                   headers: dict[str, str], status: int,
                                                   body: bytes) -> None:
    code, answer, response = await _raw(node, method, "/v4/websocket", headers=headers)
    assert (code, answer) == (status, body)
    if status == 405:
        assert response.headers["Allow"] == "GET"
    if status == 426:
        assert response.headers["Sec-WebSocket-Version"] == "13"
    assert node.twin.model.sessions == {}


@pytest.mark.parametrize("user_id", ["12abc", "99999999999999999999", "1.0", "٣"])
async def test_a_user_id_that_is_no_long_fails_after_the_upgrade(node: Node,
                                                                 user_id: str) -> None:
    ws = await node.http.ws_connect(node.twin.ws_url("/v4/websocket"), headers={
        "Authorization": PW, "User-Id": user_id})
    message = await ws.receive(timeout=5)
    assert (message.type, message.data) == (aiohttp.WSMsgType.CLOSE, 1011)
    assert node.twin.model.sessions == {}


@pytest.mark.parametrize("user_id", ["-7", "+7", "0007"])
async def test_signed_and_padded_user_ids_open_a_session(node: Node, user_id: str) -> None:
    ws, ready = await node.connect(user_id=user_id)
    assert ready["op"] == "ready"
    await ws.close()


async def test_an_odd_session_id_opens_a_new_session(node: Node) -> None:
    ws, ready = await node.connect(session_id="x" * 4000)
    assert ready["resumed"] is False and len(ready["sessionId"]) == 16
    await ws.close()


@pytest.mark.parametrize("text", ["", "garbage", "[" * 3000, '{"op": "play"}',
                                  "\ud7ff" * 1000, "x" * 4000])
async def test_text_frames_are_journaled_and_ignored(node: Node, text: str) -> None:
    ws, sid = await node.session()
    await ws.send_str(text)
    code, body, _ = await _raw(node, "GET", f"/v4/sessions/{sid}/players")
    assert (code, body) == (200, [])
    assert not ws.closed
    await ws.close()


async def test_a_binary_frame_is_closed_1003_as_springs_text_handler_does(node: Node) -> None:
    ws, sid = await node.session()
    await ws.send_bytes(b"\x00\x01")
    while (message := await ws.receive(timeout=5)).type is aiohttp.WSMsgType.TEXT:
        pass
    assert (message.type, message.data, message.extra) == (
        aiohttp.WSMsgType.CLOSE, 1003, "Binary messages not supported")
    await node.twin.journal.wait_for(lambda e: e.kind == "connection"
                                     and e.event == "close")
    assert sid not in node.twin.model.sessions  # not resumable: gone
    await node.serving()


async def test_a_message_past_the_frame_limit_is_closed_1009(node: Node) -> None:
    ws, _ = await node.session()
    await ws.send_str("x" * 5000)
    while (message := await ws.receive(timeout=5)).type is aiohttp.WSMsgType.TEXT:
        pass
    assert (message.type, message.data) == (aiohttp.WSMsgType.CLOSE, 1009)
    await node.serving()


def _closed(connection: str) -> Callable[[Any], bool]:
    def match(entry: Any) -> bool:
        return bool(entry.kind == "connection" and entry.event == "close"
                    and entry.connection == connection)
    return match


async def test_paused_sessions_are_capped_oldest_first() -> None:
    config = LavalinkConfig(max_paused_sessions=2)
    async with LavalinkTwin(clock=VirtualClock(), config=config) as twin, \
            aiohttp.ClientSession() as http:
        node = Node(twin, http)
        sids = []
        for _ in range(3):
            ws, sid = await node.session()
            await node.call("PATCH", f"/v4/sessions/{sid}",
                            json={"resuming": True, "timeout": 2**40})
            await ws.close()
            await twin.journal.wait_for(_closed(sid))
            sids.append(sid)
        await asyncio.sleep(0)
        assert sorted(twin.model.sessions) == sorted(sids[1:])
