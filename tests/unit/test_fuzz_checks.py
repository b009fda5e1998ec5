"""The fuzzer's own judgement (benchmarks/fuzz): what it calls an anomaly, and what not."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from fuzz import jsonish
from fuzz.cases import Frame
from fuzz.checks import close_problem, http_shape, server_error, strict_json, ws_message_shape
from fuzz.httpclient import Response
from fuzz.report import parse_stderr
from fuzz.runner import plan


def response(status: int, ctype: str | None, body: bytes) -> Response:
    headers = [("content-type", ctype)] if ctype is not None else []
    return Response(status, "", headers, body)


def test_json_the_stdlib_cannot_write() -> None:
    value = {"a": [1.5, float("nan"), "\ud800"], "b": jsonish.DupKeys((("k", 1), ("k", 2))),
             "c": jsonish.Raw("Infinity")}
    assert jsonish.dumps(value) == '{"a":[1.5,NaN,"\\ud800"],"b":{"k":1,"k":2},"c":Infinity}'
    nest = jsonish.dumps([jsonish.Raw("[" * 5000 + "]" * 5000)])
    assert len(nest) == 10_002


def test_mutations_are_seeded() -> None:
    template = {"content": "hi", "embeds": [{"title": "t"}], "tts": False}
    first = [jsonish.dumps(jsonish.mutate_n(template, random.Random(7))) for _ in range(3)]
    again = [jsonish.dumps(jsonish.mutate_n(template, random.Random(7))) for _ in range(3)]
    assert first == again
    assert template == {"content": "hi", "embeds": [{"title": "t"}], "tts": False}


def test_the_campaign_plan_has_its_shares() -> None:
    order = plan(1000, random.Random(0))
    assert [order.count(c) for c in ("mutate", "garbage", "order", "transport")] == [
        550, 150, 150, 150]


@pytest.mark.parametrize(("twin", "code", "client", "violation", "bad"), [
    ("discord", 4004, None, False, False),
    ("discord", 1000, None, False, True),        # unasked
    ("discord", 1000, 1000, False, False),       # the client asked
    ("pusher", 4201, None, False, False),
    ("pusher", 1002, None, True, False),         # after an RFC 6455 violation
    ("pusher", 1002, None, False, True),
    ("lavalink", 1011, None, False, False),
    ("lavalink", 5000, 5000, True, True),        # echoing a code no one may send
    ("discord", 4000, 4000, False, False),
    ("pusher", None, -1, False, False),           # an empty close answered empty
])
def test_close_codes(twin: str, code: int | None, client: int | None, violation: bool,
                     bad: bool) -> None:
    problem = close_problem(twin, code, client_close=client, violation=violation)
    assert (problem is not None) is bad, problem


def test_error_shapes() -> None:
    discord_ok = response(404, "application/json", b'{"message": "Unknown", "code": 10003}')
    assert http_shape("discord", "/api/v10/x", discord_ok) is None
    charset = response(404, "application/json; charset=utf-8", discord_ok.body)
    assert http_shape("discord", "/api/v10/x", charset) is not None
    assert http_shape("pusher", "/apps/1/events", response(401, "text/plain", b"no\n")) is None
    assert http_shape("pusher", "/apps/1/events", response(500, "text/plain", b"")) is not None
    spring = json.dumps({"timestamp": 1, "status": 404, "error": "Not Found",
                         "message": "Session not found", "path": "/v4/sessions/x"}).encode()
    assert http_shape("lavalink", "/v4/x", response(404, "application/json", spring)) is None
    assert http_shape("lavalink", "/v4/x", response(403, None, b"")) is None
    assert http_shape("lavalink", "/v4/x", response(404, "text/plain", b"404")) is not None


def test_websocket_envelopes() -> None:
    assert ws_message_shape("discord", '{"op":11,"d":null,"s":null,"t":null}')[1] is None
    assert ws_message_shape("discord", '{"op":0,"d":{"x":NaN},"s":1,"t":"X"}')[1] is not None
    assert ws_message_shape("pusher", '{"event":"pusher:pong","data":"{}"}')[1] is None
    assert ws_message_shape("pusher", '{"event":"x","channel":"c","data":{}}')[1] is not None
    assert ws_message_shape("lavalink", '{"op":"stats"}')[1] is None
    assert strict_json(b"\xff")[1] == "not UTF-8"


def test_stderr_records() -> None:
    stderr = (
        "WARNING:aiohttp.websocket:Client protocols ['x'] don't overlap\n"
        "ERROR:aiohttp.server:Error handling request from 127.0.0.1\n"
        "Traceback (most recent call last):\n"
        '  File "/r/src/wiretwin/pusher/auth.py", line 86, in _iso\n'
        "    return datetime.fromtimestamp(ts, UTC)\n"
        "ValueError: year 318857 is out of range\n"
        "ERROR:wiretwin.pusher:something went wrong for 42\n"
    )
    found = parse_stderr(stderr)
    assert [s for s, _ in found] == [
        "ValueError: year N is out of range @ pusher/auth.py:86",
        "log ERROR wiretwin.pusher: something went wrong for N",
    ]


def test_frames_on_the_wire() -> None:
    masked = Frame.text("hi").encode()
    assert masked[:2] == b"\x81\x82" and len(masked) == 8
    assert Frame(b"x", 0x9, fin=False, masked=False).encode() == b"\x09\x01x"
    assert Frame.close(5000, b"r").close_code == 5000


def test_only_the_real_nodes_500s_are_allowed() -> None:
    spring = response(500, "application/json", json.dumps({
        "timestamp": 1, "status": 500, "error": "Internal Server Error",
        "message": "Request processing failed: java.lang.IllegalArgumentException: x",
        "path": "/v4/decodetrack"}).encode())
    assert server_error("lavalink", "GET", "/v4/decodetrack", spring) is None
    assert server_error("lavalink", "PATCH", "/v4/sessions/s/players/1", spring) is None
    assert server_error("lavalink", "HEAD", "/v4/decodetrack", response(500, None, b"")) is None
    assert server_error("lavalink", "GET", "/v4/sessions/s/players/1", spring) is not None
    assert server_error("lavalink", "GET", "/v4/decodetrack",
                        response(500, "text/plain", b"boom")) is not None
    assert server_error("discord", "GET", "/v4/decodetrack", spring) is not None
    assert close_problem("lavalink", 1003, client_close=None, violation=False) is None
    assert close_problem("discord", 1003, client_close=None, violation=False) is not None


def test_lavalinks_handshake_refusals_are_springs_short_answers() -> None:
    empty = response(400, None, b"")
    assert http_shape("lavalink", "/v4/websocket", empty) is None  # no User-Id
    assert http_shape("lavalink", "/v4/info", empty) is not None
    assert http_shape("lavalink", "/v4/websocket",
                      response(400, "text/plain", b'Can "Upgrade" only to "WebSocket".')) is None
