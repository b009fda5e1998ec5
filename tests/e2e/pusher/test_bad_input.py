"""Bad input over real sockets, each with the exact answer the twin gives.

Websocket frames get a ``pusher:error`` (the connection stays up and keeps working) and
HTTP requests a plain-text status, never a dead handler, a 500 or a close with 1000. Where
Pusher's own wording is known the twin uses it (the signature library's ``Timestamp
expired`` text, ``Invalid signature``, ``404 NOT FOUND``); elsewhere the texts are the
twin's and pinned here so they do not drift.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import aiohttp
import pytest
from yarl import URL

from wiretwin.pusher import PusherTestClient, PusherTwin
from wiretwin.pusher.auth import sign_request

DEEP = "[" * 1000 + "]" * 1000
#: A client event over the 10 KB limit (its data is counted, as Pusher counts it).
TOO_LARGE = ("The data content of this event exceeds the allowed maximum (10240 bytes). See "
             "https://pusher.com/docs/channels/server_api/http-api#publishing-events for "
             "more info")


# -- websocket -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BadFrame:
    #: The frame, given the socket id and the twin (so signatures can be right on purpose).
    frame: Callable[[str, PusherTwin], str]
    message: str
    code: int | None = None


def _subscribe(data: object) -> str:
    return json.dumps({"event": "pusher:subscribe", "data": data})


def _presence(channel_data: str) -> Callable[[str, PusherTwin], str]:
    """A presence subscription correctly signed over ``channel_data``: what is wrong is
    ``channel_data`` itself."""
    def frame(socket_id: str, twin: PusherTwin) -> str:
        return _subscribe({"channel": "presence-b", "channel_data": channel_data,
                           "auth": twin.sign_channel(socket_id, "presence-b", channel_data)})
    return frame


def _signin(user_data: str) -> Callable[[str, PusherTwin], str]:
    def frame(socket_id: str, twin: PusherTwin) -> str:
        return json.dumps({"event": "pusher:signin", "data": {
            "user_data": user_data, "auth": twin.sign_user(socket_id, user_data)}})
    return frame


def _fixed(text: str) -> Callable[[str, PusherTwin], str]:
    return lambda socket_id, twin: text


BAD_FRAMES: dict[str, BadFrame] = {
    "lone-surrogate-event": BadFrame(
        _fixed('{"event":"\\ud800"}'),
        "Invalid JSON message (a string holds an unpaired UTF-16 surrogate): "
        "'{\"event\":\"\\\\ud800\"}'"),
    "lone-surrogate-channel": BadFrame(
        _fixed('{"event":"pusher:subscribe","data":{"channel":"a\\udfffb"}}'),
        "Invalid JSON message (a string holds an unpaired UTF-16 surrogate): "
        "'{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\\\\udfffb\"}}'"),
    "nested-1000-deep": BadFrame(
        _fixed(DEEP),
        f"Invalid JSON message (nested deeper than 64 levels): '{'[' * 100}...'"),
    "nan": BadFrame(
        _fixed('{"event":"pusher:ping","data":NaN}'),
        "Invalid JSON message (NaN is not valid JSON): "
        "'{\"event\":\"pusher:ping\",\"data\":NaN}'"),
    "not-an-object": BadFrame(
        _fixed("[1, 2]"), "Invalid message: a frame must be a JSON object with an event"),
    "event-not-a-string": BadFrame(
        _fixed('{"event":5}'), "Invalid message: missing event name"),
    "long-unknown-event": BadFrame(
        _fixed(json.dumps({"event": "x" * 10_000})),
        f"Unsupported event received: {'x' * 100}..."),
    "subscribe-data-deep-string": BadFrame(
        _fixed(_subscribe(DEEP)),
        "Invalid subscription: data must be an object with a channel"),
    "subscribe-data-not-an-object": BadFrame(
        _fixed(_subscribe(["a"])),
        "Invalid subscription: data must be an object with a channel"),
    "channel-missing": BadFrame(
        _fixed(_subscribe({})),
        "Invalid channel name: channel name must be a non-empty string"),
    "channel-a-number": BadFrame(
        _fixed(_subscribe({"channel": 5})),
        "Invalid channel name: channel name must be a non-empty string"),
    "channel-165-characters": BadFrame(
        _fixed(_subscribe({"channel": "x" * 165})),
        f"Invalid channel name: channel name too long (max 164 characters): {'x' * 40}..."),
    "channel-bad-characters": BadFrame(
        _fixed(_subscribe({"channel": "caf\u00e9 au lait"})),
        "Invalid channel name: invalid channel name 'caf\u00e9 au lait': only A-Z, a-z, 0-9 "
        "and _ - = @ , . ; are allowed"),
    "auth-a-number": BadFrame(
        lambda sid, twin: _subscribe({"channel": "private-a", "auth": 5}),
        "Auth value for subscription to private-a is missing or not a string: expected "
        "app-key:<HMAC SHA256 hex digest of {sid}:private-a>"),
    "auth-non-ascii-key": BadFrame(
        _fixed(_subscribe({"channel": "private-a", "auth": "\u00e9:abc"})),
        "Invalid key in subscription auth data: '\u00e9'"),
    "auth-non-ascii-signature": BadFrame(
        _fixed(_subscribe({"channel": "private-a", "auth": "app-key:\u00e9" * 2})),
        "Invalid signature: Expected HMAC SHA256 hex digest of {sid}:private-a, but got "
        "app-key:\u00e9app-key:\u00e9"),
    "auth-5000-characters": BadFrame(
        _fixed(_subscribe({"channel": "private-a", "auth": "app-key:" + "0" * 5000})),
        "Invalid signature: Expected HMAC SHA256 hex digest of {sid}:private-a, but got "
        f"app-key:{'0' * 248}..."),
    "channel-data-not-a-string": BadFrame(
        lambda sid, twin: _subscribe({"channel": "presence-b", "auth": "app-key:x",
                                      "channel_data": {"user_id": "u"}}),
        "Presence channel presence-b requires channel_data: the JSON string your auth "
        "endpoint returned with the signature"),
    "channel-data-not-json": BadFrame(
        _presence("{bad"), "Invalid channel_data for presence-b: not JSON ('{bad')"),
    "channel-data-deep": BadFrame(
        _presence(DEEP), f"Invalid channel_data for presence-b: not JSON ('{'[' * 80}...')"),
    "channel-data-not-an-object": BadFrame(
        _presence("[1]"), "Invalid channel_data for presence-b: must be a JSON object"),
    "user-id-missing": BadFrame(
        _presence("{}"), "Invalid channel_data for presence-b: user_id must be a non-empty "
                         "string or number"),
    "user-id-a-boolean": BadFrame(
        _presence('{"user_id":true}'), "Invalid channel_data for presence-b: user_id must be "
                                       "a non-empty string or number"),
    "user-id-129-characters": BadFrame(
        _presence(json.dumps({"user_id": "u" * 129})),
        "Invalid channel_data for presence-b: user_id longer than 128 characters"),
    "user-info-over-1kb": BadFrame(
        _presence(json.dumps({"user_id": "u", "user_info": "i" * 1100})),
        "Invalid channel_data for presence-b: user_info is 1102 bytes, over the 1024-byte "
        "limit"),
    "client-event-unsubscribed": BadFrame(
        _fixed(json.dumps({"event": "client-x", "channel": "private-other", "data": {}})),
        "Client event rejected - you must be subscribed to the channel ('private-other') to "
        "send events to it"),
    "client-event-channel-a-list": BadFrame(
        _fixed(json.dumps({"event": "client-x", "channel": ["a"] * 100, "data": {}})),
        f"Client event rejected - you must be subscribed to the channel "
        f"({str(['a'] * 100)[:200]}...) to send events to it"),
    "client-event-public-channel": BadFrame(
        _fixed(json.dumps({"event": "client-x", "channel": "news", "data": {}})),
        "Client event rejected - only supported on private and presence channels"),
    "client-event-over-10kb": BadFrame(
        _fixed(json.dumps({"event": "client-x", "channel": "private-chat",
                           "data": "x" * 10241})), TOO_LARGE),
    "signin-data-not-an-object": BadFrame(
        _fixed(json.dumps({"event": "pusher:signin", "data": "nope"})),
        "Invalid signin: data must be an object with auth and user_data"),
    "signin-user-data-not-a-string": BadFrame(
        _fixed(json.dumps({"event": "pusher:signin", "data": {"user_data": {"id": "u"}}})),
        "Invalid signin: user_data must be a JSON string", 4009),
    "signin-bad-signature": BadFrame(
        _fixed(json.dumps({"event": "pusher:signin", "data": {
            "user_data": '{"id":"u"}', "auth": "app-key:\u00e9"}})),
        'Invalid signature: Expected HMAC SHA256 hex digest of {sid}::user::{"id":"u"}, '
        "but got app-key:\u00e9", 4009),
    "signin-user-data-not-json": BadFrame(
        _signin("{bad"), "Invalid signin: user_data is not JSON", 4009),
    "signin-user-data-deep": BadFrame(
        _signin(DEEP), "Invalid signin: user_data is not JSON", 4009),
    "signin-id-missing": BadFrame(
        _signin('{"name":"u"}'),
        "Invalid signin: user_data must have an id that is a non-empty string", 4009),
    "signin-id-a-number": BadFrame(
        _signin('{"id":5}'),
        "Invalid signin: user_data must have an id that is a non-empty string", 4009),
    "signin-watchlist-not-a-list": BadFrame(
        _signin('{"id":"u","watchlist":"u2"}'),
        "Invalid signin: watchlist must be an array of user ids", 4009),
}


async def _answer(client: PusherTestClient, text: str) -> tuple[str, object]:
    """Send ``text``; the first message that comes back."""
    mark = len(client.messages)
    await client.send(text)
    reply = (await client.messages.wait_for(lambda m: m.index >= mark))[0]
    return reply.event, reply.data


@pytest.mark.parametrize("case", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
async def test_bad_frame_gets_a_pusher_error_and_the_connection_keeps_working(
        pusher_twin: PusherTwin, case: BadFrame) -> None:
    client = await pusher_twin.connect()
    peer = await pusher_twin.connect()
    try:
        for c in (client, peer):
            await c.subscribe("private-chat")
        await client.subscribe("news")
        sid = client.socket_id
        assert sid is not None
        event, data = await _answer(client, case.frame(sid, pusher_twin))
        assert event == "pusher:error"
        assert data == {"code": case.code, "message": case.message.replace("{sid}", sid)}
        # Still connected, still subscribed, still relaying.
        assert (await _answer(client, '{"event":"pusher:ping","data":{}}'))[0] == "pusher:pong"
        await client.trigger("private-chat", "client-after", {"n": 1})
        assert (await peer.receive("client-after")).data == {"n": 1}
        assert client.close_code is None
    finally:
        await client.close()
        await peer.close()


async def test_client_events_past_ten_a_second_get_4301(pusher_twin: PusherTwin) -> None:
    client = await pusher_twin.connect()
    try:
        await client.subscribe("private-chat")
        for n in range(10):
            await client.trigger("private-chat", "client-n", {"n": n})
        event, data = await _answer(
            client, json.dumps({"event": "client-n", "channel": "private-chat", "data": {}}))
        assert (event, data) == ("pusher:error", {
            "code": 4301,
            "message": "Client event rejected due to rate limit (10 per second per "
                       "connection)"})
        await pusher_twin.recorder.client_events.wait_for(lambda e: True, count=10)
        assert len(pusher_twin.recorder.client_events) == 10
    finally:
        await client.close()


# -- HTTP API ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadRequest:
    method: str
    path: str
    status: int
    #: The exact body (without its closing newline); ``{now}`` is the server's time.
    text: str
    body: bytes = b""
    #: Query parameters replacing the signed ones (``auth_signature`` included: then the
    #: request is sent with that signature as it is).
    params: dict[str, str] = field(default_factory=dict)


def _event(**fields: object) -> bytes:
    return json.dumps({"name": "e", "channel": "news", "data": "{}", **fields}).encode()


def _signed_for(params: dict[str, str], method: str, path: str) -> str:
    """The string the twin signs, as its 401 quotes it (JSON-quoted)."""
    query = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "auth_signature")
    return json.dumps(f"{method}\n{path}\n{query}")


BAD_REQUESTS: dict[str, BadRequest] = {
    "timestamp-not-a-number": BadRequest(
        "GET", "/apps/1/channels", 401,
        "Timestamp expired: Given timestamp (1970-01-01T00:00:00Z) not within 600s of server "
        "time ({now})", params={"auth_timestamp": "abc"}),
    "timestamp-exponent": BadRequest(
        "GET", "/apps/1/channels", 401,
        "Timestamp expired: Given timestamp (1970-01-01T00:00:01Z) not within 600s of server "
        "time ({now})", params={"auth_timestamp": "1e3"}),
    "timestamp-far-future": BadRequest(
        "GET", "/apps/1/channels", 401,
        "Timestamp expired: Given timestamp (3170843-11-07T09:46:39Z) not within 600s of "
        "server time ({now})", params={"auth_timestamp": "99999999999999"}),
    "timestamp-far-past": BadRequest(
        "POST", "/apps/1/events", 401,
        "Timestamp expired: Given timestamp (-1199-02-15T14:13:21Z) not within 600s of "
        "server time ({now})", _event(), params={"auth_timestamp": "-99999999999"}),
    "timestamp-superscript": BadRequest(
        "GET", "/apps/1/channels", 401,
        "Timestamp expired: Given timestamp (1970-01-01T00:00:00Z) not within 600s of server "
        "time ({now})", params={"auth_timestamp": "\u00b2"}),
    "timestamp-5000-digits": BadRequest(
        "GET", "/apps/1/channels", 401,
        f"Timestamp expired: Given timestamp ({'9' * 64}...) not within 600s of server time "
        "({now})", params={"auth_timestamp": "9" * 5000}),
    "version-2": BadRequest(
        "GET", "/apps/1/channels", 401, "Version not supported",
        params={"auth_version": "2.0"}),
    "signature-non-ascii": BadRequest(
        "GET", "/apps/1/channels", 401,
        "Invalid signature: you should have sent HmacSHA256Hex({signed}, your_secret_key), "
        'but you sent "\u00e9\u00e9"', params={"auth_signature": "\u00e9\u00e9"}),
    "signature-not-hex": BadRequest(
        "GET", "/apps/1/channels", 401,
        "Invalid signature: you should have sent HmacSHA256Hex({signed}, your_secret_key), "
        'but you sent "zz"', params={"auth_signature": "zz"}),
    "body-not-utf8": BadRequest(
        "POST", "/apps/1/events", 400, "Invalid JSON body: the payload is not valid UTF-8",
        b'{"name":"\xff"}'),
    "body-lone-surrogate": BadRequest(
        "POST", "/apps/1/events", 400,
        "Invalid JSON body: a string holds an unpaired UTF-16 surrogate",
        b'{"name":"\\ud800","channel":"news","data":"{}"}'),
    "body-nested-1000-deep": BadRequest(
        "POST", "/apps/1/events", 400, "Invalid JSON body: nested deeper than 64 levels",
        DEEP.encode()),
    "body-infinity": BadRequest(
        "POST", "/apps/1/events", 400, "Invalid JSON body: Infinity is not valid JSON",
        b'{"name":"e","channel":"news","data":Infinity}'),
    "body-not-an-object": BadRequest(
        "POST", "/apps/1/events", 400, "The request body must be a JSON object", b"[]"),
    "data-not-a-string": BadRequest(
        "POST", "/apps/1/events", 400,
        "data must be a string (JSON-encode objects before sending)", _event(data={"x": 1})),
    "channels-not-a-list": BadRequest(
        "POST", "/apps/1/events", 400, "channels must be an array of channel names",
        json.dumps({"name": "e", "channels": "news", "data": "{}"}).encode()),
    "channel-not-a-string": BadRequest(
        "POST", "/apps/1/events", 400, "Missing required parameter: channel",
        _event(channel=5)),
    "socket-id-superscript": BadRequest(
        "POST", "/apps/1/events", 400, "Invalid socket id: '\u00b2.1'",
        _event(socket_id="\u00b2.1")),
    "socket-id-a-number": BadRequest(
        "POST", "/apps/1/events", 400, "socket_id must be a string", _event(socket_id=1.5)),
    "info-not-a-string": BadRequest(
        "POST", "/apps/1/events", 400, "info must be a comma-separated string of attributes",
        _event(info=["user_count"])),
    "info-unknown": BadRequest(
        "POST", "/apps/1/events", 400, "Invalid info attribute: bogus", _event(info="bogus")),
    "name-201-characters": BadRequest(
        "POST", "/apps/1/events", 400, "Event name too long: the maximum is 200 characters",
        _event(name="n" * 201)),
    "batch-not-a-list": BadRequest(
        "POST", "/apps/1/batch_events", 400, "Missing batch: an array of events is required",
        b'{"batch":{}}'),
    "batch-item-not-an-object": BadRequest(
        "POST", "/apps/1/batch_events", 400, "batch[0] must be an object", b'{"batch":[5]}'),
    "channel-info-unknown-attribute": BadRequest(
        "GET", "/apps/1/channels/news", 400, "Invalid info attribute: bogus",
        params={"info": "bogus"}),
    "channel-name-not-ascii": BadRequest(
        "GET", "/apps/1/channels/caf%C3%A9", 400,
        "Invalid channel name: invalid channel name 'caf\u00e9': only A-Z, a-z, 0-9 and _ - "
        "= @ , . ; are allowed"),
    "channels-info-unknown-attribute": BadRequest(
        "GET", "/apps/1/channels", 400,
        "Invalid info attribute for the channels list: bogus", params={"info": "bogus"}),
    "users-of-a-public-channel": BadRequest(
        "GET", "/apps/1/channels/news/users", 400,
        "Users can only be retrieved for presence channels"),
    "app-id-not-a-number": BadRequest(
        "POST", "/apps/abc/events", 404, "Unknown app id: abc", _event()),
    "unknown-route": BadRequest("GET", "/apps/1/nope", 404, "404 NOT FOUND"),
    "unknown-route-post": BadRequest("POST", "/apps/1/nope", 404, "404 NOT FOUND", b"{}"),
}


async def _send(twin: PusherTwin, case: BadRequest) -> tuple[int, str, str, str]:
    """Sign ``case`` as Pusher documents it (with its overrides) and send it as is; the
    status, content type, body and the string the twin signs."""
    app = twin.app
    params = {"auth_key": app.key, "auth_timestamp": str(int(twin.clock.time())),
              "auth_version": "1.0"}
    if case.body:
        params["body_md5"] = hashlib.md5(case.body).hexdigest()
    params.update({k: v for k, v in case.params.items() if k != "auth_signature"})
    path = URL(case.path).path  # the decoded path, as the twin signs it
    params["auth_signature"] = case.params.get(
        "auth_signature", sign_request(app.secret, case.method, path, params))
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    url = URL(twin.http_url(f"{case.path}?{query}"), encoded=True)
    async with aiohttp.ClientSession() as session, session.request(
            case.method, url, data=case.body,
            headers={"Content-Type": "application/json"}) as response:
        return (response.status, response.content_type, await response.text(),
                _signed_for(params, case.method, path))


@pytest.mark.parametrize("case", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
async def test_bad_request_gets_pushers_status_and_plain_text(
        pusher_twin: PusherTwin, case: BadRequest) -> None:
    status, content_type, text, signed = await _send(pusher_twin, case)
    expected = case.text.replace("{signed}", signed)
    if "{now}" in expected:  # the server's time, in the same format
        prefix, _, _ = expected.partition("{now}")
        assert text.startswith(prefix) and text.endswith(")\n"), text
    else:
        assert text == expected + "\n"
    assert (status, content_type) == (case.status, "text/plain")
    assert pusher_twin.recorder.triggered_events == []
    # Still serving: a good request, signed the same way, goes through.
    good = BadRequest("POST", "/apps/1/events", 200, "{}", _event(name="ok"))
    assert (await _send(pusher_twin, good))[:3] == (200, "application/json", "{}")
