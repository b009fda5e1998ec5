"""Fuzzing the Pusher twin: protocol 7 websocket frames and the signed HTTP API.

Valid traffic: ``pusher:subscribe`` (public, private, presence, encrypted, cache,
``#server-to-user-``) with real auth signatures, ``pusher:unsubscribe``, ``pusher:ping``,
``pusher:signin``, client events; ``POST /apps/1/events`` and ``/batch_events``,
``GET /apps/1/channels``, ``/channels/{c}``, ``/channels/{c}/users`` and the
``terminate_connections`` routes, signed as Pusher signs (HMAC-SHA256 over
``METHOD\\nPATH\\nQUERY``, ``body_md5``). Signatures are computed when a case is sent,
*after* it was mutated, so most mutated requests get past auth into the deep code.

Sockets: ``connected`` is ``/app/app-key?protocol=7`` past ``connection_established``,
subscribed to ``private-fuzz`` and ``presence-fuzz`` (so client events go somewhere).
The probe is ``pusher:ping`` -> ``pusher:pong``; the HTTP probe a signed
``GET /apps/1/channels``. The well-behaved client is a socket subscribed to
``collateral`` that must receive an event triggered over the HTTP API.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
from typing import Any
from urllib.parse import quote

from yarl import URL

from . import garbage, jsonish
from .base import TIMEOUT, TwinFuzzer
from .cases import Case, Frame, HttpCase, StallCase, WsCase
from .mutators import mutate_case
from .transport import TransportSpec, transport_case
from .wsclient import WsConn

_PUBLIC = ("public-a", "orders", "cache-prices", "a-b_c=d@e,f.g;h", "x" * 164, "x" * 165)
_PRIVATE = ("private-fuzz", "private-orders", "private-encrypted-fuzz", "private-cache-x",
            "private-encrypted-cache-x")
_PRESENCE = ("presence-fuzz", "presence-room", "presence-cache-room")
_SIGNS = ("ok",) * 8 + ("stale", "badsig", "nomd5", "badmd5", "nokey", "ts:abc",
                        "ts:99999999999999", "ts:-99999999999", "ts:²", "ts:1e3", "ts:",
                        "version:2.0", "version:", "ts:" + "9" * 5000)


def _sign_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode("utf-8", "surrogatepass"),
                    hashlib.sha256).hexdigest()


def _get(value: Any, key: str) -> Any:
    """``value[key]`` as the server reads it (the last duplicate key wins)."""
    if isinstance(value, jsonish.DupKeys):
        found = None
        for k, v in value.pairs:
            if k == key:
                found = v
        return found
    if isinstance(value, dict):
        return value.get(key)
    return None


def sign_meta(message: Any) -> dict[str, Any] | None:
    """What the twin will check the ``auth`` of this (mutated) message against."""
    data = _get(message, "data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            return None
    if _get(message, "event") == "pusher:signin":
        user_data = _get(data, "user_data")
        return {"user_data": user_data} if isinstance(user_data, str) else None
    channel = _get(data, "channel")
    if not isinstance(channel, str):
        return None
    channel_data = _get(data, "channel_data")
    return {"channel": channel,
            "channel_data": channel_data if isinstance(channel_data, str) else None}


class PusherFuzzer(TwinFuzzer):
    name = "pusher"
    states = {
        "connected": "/app/app-key?protocol=7 after pusher:connection_established, "
                     "subscribed to private-fuzz and presence-fuzz (user fuzzer)",
        "fresh": "a new socket on the case's target",
    }

    route_table = (
        ("POST", "/apps/{app_id}/events"), ("POST", "/apps/{app_id}/batch_events"),
        ("GET", "/apps/{app_id}/channels"), ("GET", "/apps/{app_id}/channels/{channel}"),
        ("GET", "/apps/{app_id}/channels/{channel}/users"),
        ("POST", "/apps/{app_id}/users/{user_id}/terminate_connections"),
        ("POST", "/users/{user_id}/terminate_connections"), ("GET", "/app/{key}"),
    )

    def __init__(self, settings: dict[str, Any], rng: random.Random) -> None:
        super().__init__(settings, rng)
        self.app_id: str = settings["app_id"]
        self.key: str = settings["key"]
        self.secret: str = settings["secret"]
        self.ws_target = f"/app/{self.key}?protocol=7"
        self.checks = 0

    # -- signing ------------------------------------------------------------------------

    def channel_auth(self, socket_id: str, meta: dict[str, Any]) -> str:
        if "user_data" in meta:
            to_sign = f"{socket_id}::user::{meta['user_data']}"
        elif meta.get("channel_data") is not None:
            to_sign = f"{socket_id}:{meta['channel']}:{meta['channel_data']}"
        else:
            to_sign = f"{socket_id}:{meta['channel']}"
        return f"{self.key}:{_sign_hex(self.secret, to_sign)}"

    def signed_target(self, method: str, target: str, body: bytes, mode: str) -> str:
        path, _, query = target.partition("?")
        try:
            url = URL.build(path=path, query_string=query, encoded=True)
            decoded_path = url.path
            params = {k: v for k, v in url.query.items()}
        except (ValueError, TypeError):
            decoded_path, params = path, {}
        now = int(time.time())
        extra: dict[str, str] = {"auth_key": self.key, "auth_timestamp": str(now),
                                 "auth_version": "1.0"}
        if body or mode == "badmd5":
            extra["body_md5"] = hashlib.md5(body).hexdigest()
        if mode == "stale":
            extra["auth_timestamp"] = str(now - 1000)
        elif mode == "nomd5":
            extra.pop("body_md5", None)
        elif mode == "badmd5":
            extra["body_md5"] = "0" * 32
        elif mode == "nokey":
            extra.pop("auth_key")
        elif mode.startswith("ts:"):
            extra["auth_timestamp"] = mode[3:]
        elif mode.startswith("version:"):
            extra["auth_version"] = mode[8:]
        params.update(extra)
        to_sign = "\n".join((method.upper(), decoded_path, "&".join(
            f"{k}={v}" for k, v in sorted((k.lower(), v) for k, v in params.items()
                                          if k != "auth_signature"))))
        signature = _sign_hex(self.secret, to_sign)
        if mode == "badsig":
            signature = signature[::-1]
        pairs = [f"{k}={quote(v, safe='')}" for k, v in extra.items()]
        pairs.append(f"auth_signature={signature}")
        return target + ("&" if query else "?") + "&".join(pairs)

    def render_http(self, case: HttpCase) -> HttpCase:
        socket_id = self._socket_id()
        body = case.body.replace(b"@@SOCKET_ID@@", socket_id.encode())
        target = case.target
        if case.sign:
            target = self.signed_target(case.method, target, body, case.sign)
        if target == case.target and body == case.body:
            return case
        return case.filled(target, body)

    def render_frame(self, frame: Frame, conn: WsConn) -> Frame:
        socket_id = str(conn.info.get("socket_id", "0.0"))
        payload = frame.payload.replace(b"@@SOCKET_ID@@", socket_id.encode())
        if frame.sign is not None and b"@@AUTH@@" in payload:
            payload = payload.replace(b"@@AUTH@@", self.channel_auth(
                socket_id, frame.sign).encode("utf-8", "surrogatepass"))
        if payload == frame.payload:
            return frame
        return Frame(payload, frame.opcode, frame.fin, frame.rsv, frame.masked, frame.raw,
                     frame.sign)

    def _socket_id(self) -> str:
        conn = self.pool.get("connected")
        return str(conn.info.get("socket_id", "1.1")) if conn is not None else "1.1"

    # -- sockets ------------------------------------------------------------------------

    def count(self, conn: WsConn, message: Any) -> None:
        if not isinstance(message, dict):
            return
        event = message.get("event")
        if not isinstance(event, str):
            return
        conn.counts[event] += 1
        if event == "pusher:connection_established":
            try:
                conn.info["socket_id"] = json.loads(message["data"])["socket_id"]
            except (ValueError, KeyError, TypeError):
                conn.issues.append(("shape", "connection_established without a socket_id"))
        elif event == "pusher:ping" and conn.open:
            conn.send_text('{"event":"pusher:pong","data":{}}')

    async def open_state(self, state: str, *, rcvbuf: int | None = None) -> WsConn | None:
        conn = await self.connect(self.ws_target, [], rcvbuf=rcvbuf)
        if conn is None:
            return None
        try:
            await conn.wait(lambda: "socket_id" in conn.info, TIMEOUT)
        except TimeoutError:
            self.issue("hang", "no pusher:connection_established within 5 s")
            conn.abort()
            return None
        for message in (self.subscribe("private-fuzz"), self.subscribe("presence-fuzz")):
            conn.send(self.render_frame(message, conn))
        return conn

    def subscribe(self, channel: str, user: str = "fuzzer") -> Frame:
        data: dict[str, Any] = {"channel": channel, "auth": "@@AUTH@@"}
        if channel.startswith("presence-"):
            data["channel_data"] = json.dumps({"user_id": user, "user_info": {"n": 1}})
        message = {"event": "pusher:subscribe", "data": data}
        return Frame.text(jsonish.dumps(message), sign=sign_meta(message))

    def probe_frame(self, conn: WsConn) -> Frame | None:
        return Frame.text('{"event":"pusher:ping","data":{}}')

    def probe_key(self) -> str:
        return "pusher:pong"

    def http_probe(self) -> HttpCase:
        return HttpCase("GET", f"/apps/{self.app_id}/channels", sign="ok")

    # -- the corpus -----------------------------------------------------------------------

    def ws_message(self) -> dict[str, Any]:
        rng = self.rng
        kind = rng.randrange(9)
        if kind == 0:
            return {"event": "pusher:subscribe",
                    "data": {"auth": "", "channel": rng.choice(_PUBLIC)}}
        if kind in (1, 2):
            channel = rng.choice(_PRIVATE + _PRESENCE)
            data: dict[str, Any] = {"channel": channel, "auth": "@@AUTH@@"}
            if channel.startswith("presence-"):
                data["channel_data"] = json.dumps({
                    "user_id": rng.choice(("u1", "u2", 10, "fuzzer")),
                    "user_info": {"name": rng.choice(("Ann", "é", "x" * 100))}})
            return {"event": "pusher:subscribe", "data": data}
        if kind == 3:
            return {"event": "pusher:unsubscribe",
                    "data": {"channel": rng.choice(_PUBLIC + _PRIVATE + _PRESENCE)}}
        if kind == 4:
            return {"event": rng.choice(("pusher:ping", "pusher:pong")),
                    "data": rng.choice(({}, ""))}
        if kind == 5:
            user = {"id": rng.choice(("u1", "u2")), "user_info": {"name": "Ann"},
                    "watchlist": ["u2", "u3"]}
            return {"event": "pusher:signin",
                    "data": {"auth": "@@AUTH@@", "user_data": json.dumps(user)}}
        if kind == 6:
            return {"event": "pusher:subscribe", "data": {
                "auth": "", "channel": "#server-to-user-" + rng.choice(("u1", "u2"))}}
        return {"event": rng.choice(("client-typing", "client-x")),
                "channel": rng.choice(("private-fuzz", "presence-fuzz")),
                "data": rng.choice(({"on": True}, '{"on":true}', "x" * 11_000))}

    def ws_frame(self, message: Any) -> Frame:
        if self.rng.random() < 0.1 and isinstance(message, dict) and isinstance(
                message.get("data"), dict):
            message = {**message, "data": jsonish.dumps(message["data"])}  # Pysher's way
        return Frame.text(jsonish.dumps(message), sign=sign_meta(message))

    def http_request(self) -> tuple[HttpCase, Any]:
        rng = self.rng
        app = f"/apps/{self.app_id}"
        kind = rng.randrange(8)
        event: dict[str, Any] = {"name": rng.choice(("ev", "client-x", "pusher:x")),
                                 "data": json.dumps({"x": 1})}
        if kind <= 1:
            if rng.random() < 0.5:
                event["channels"] = rng.sample(_PUBLIC + _PRESENCE, 2)
            else:
                event["channel"] = rng.choice(_PUBLIC + _PRIVATE)
            if rng.random() < 0.3:
                event["socket_id"] = "@@SOCKET_ID@@"
            if rng.random() < 0.3:
                event["info"] = "user_count,subscription_count"
            return self._post(app + "/events", event), event
        if kind == 2:
            batch = {"batch": [{**event, "channel": c} for c in rng.sample(_PUBLIC, 2)]}
            if rng.random() < 0.3:
                batch["batch"][0]["info"] = "subscription_count"
            return self._post(app + "/batch_events", batch), batch
        if kind == 3:
            query = rng.choice(("", "?filter_by_prefix=presence-&info=user_count",
                                "?info=subscription_count"))
            return HttpCase("GET", app + "/channels" + query, sign="ok"), None
        if kind == 4:
            channel = quote(rng.choice(_PUBLIC + _PRESENCE + _PRIVATE), safe="")
            query = rng.choice(("", "?info=user_count,subscription_count",
                                "?info=cache", "?info=user_count"))
            return HttpCase("GET", f"{app}/channels/{channel}{query}", sign="ok"), None
        if kind == 5:
            channel = rng.choice(_PRESENCE)
            return HttpCase("GET", f"{app}/channels/{channel}/users", sign="ok"), None
        prefix = app if kind == 6 else ""
        return self._post(f"{prefix}/users/{rng.choice(('u2', 'nobody'))}"
                          "/terminate_connections", {}), {}

    def _post(self, path: str, body: Any) -> HttpCase:
        return HttpCase("POST", path, [("Content-Type", "application/json")],
                        jsonish.dumps(body).encode(), sign="ok")

    # -- campaigns ------------------------------------------------------------------------

    def generate(self, campaign: str, index: int) -> Case:
        rng = self.rng
        if campaign == "mutate":
            if rng.random() < 0.5:
                message = jsonish.mutate_n(self.ws_message(), rng)
                frame = self.ws_frame(message)
                if rng.random() < 0.05:
                    frame = Frame(jsonish.text_mutation(frame.payload.decode(
                        "utf-8", "surrogatepass"), rng).encode("utf-8", "surrogatepass"))
                return WsCase([frame], "connected")
            case, template = self.http_request()
            mutated = mutate_case(case, rng, auth=None, template=template,
                                  known_params=("info", "filter_by_prefix", "auth_key",
                                                "auth_timestamp", "body_md5"))
            mutated.sign = rng.choice(_SIGNS)
            return mutated
        if campaign == "garbage":
            if rng.random() < 0.5:
                return WsCase([garbage.random_frame(rng)], "connected")
            case = garbage.random_http(rng, ("/apps/1", "/app/app-key", "/apps", ""), [])
            case.sign = "ok" if rng.random() < 0.5 else None
            return case
        if campaign == "order":
            return self.order_case()
        return transport_case(rng, self.transport_spec(), self.http.authority)

    def order_case(self) -> Case:
        rng = self.rng
        op = rng.randrange(12)
        if op == 0:
            channel = rng.choice(("private-never", "presence-never", "public-a", "orders"))
            return WsCase([Frame.text(json.dumps({"event": "client-x", "channel": channel,
                                                  "data": {}}))], "connected",
                          note="a client event on a channel not subscribed")
        if op == 1:
            frame = self.ws_frame(self.ws_message())
            return WsCase([frame, frame], "connected", note="the same frame twice")
        if op == 2:
            return WsCase([Frame.text(json.dumps({"event": "pusher:unsubscribe", "data": {
                "channel": rng.choice(("never", "private-fuzz", "presence-fuzz"))}}))] * 2,
                "connected", note="unsubscribe unknown or twice")
        if op == 3:
            return WsCase([self.subscribe("presence-fuzz", "u9"),
                           self.subscribe("presence-fuzz", "u8")], "connected",
                          note="presence subscribe twice as two users")
        if op == 4:
            event = rng.choice(("pusher:connection_established", "pusher_internal:"
                                "subscription_succeeded", "pusher:error", "pusher:pong",
                                "pusher_internal:member_added", "pusher:cache_miss"))
            return WsCase([Frame.text(json.dumps({"event": event, "data": "{}"}))],
                          "connected", note="a server-only event from the client")
        if op == 5:
            signin = self.ws_frame(self.ws_message_of("pusher:signin"))
            return WsCase([signin, signin], "connected", note="sign in twice")
        if op == 6:
            return WsCase([Frame.close(1000), Frame.text('{"event":"pusher:ping","data":{}}')],
                          "connected", note="frames after the client's close")
        if op == 7:
            bad = {"event": "pusher:subscribe", "data": {
                "channel": "private-fuzz", "auth": self.channel_auth(
                    "123.456", {"channel": "private-fuzz"})}}
            return WsCase([Frame.text(json.dumps(bad))], "connected",
                          note="auth signed for another socket")
        if op == 8:
            query = rng.choice(("?protocol=abc", "?protocol=99", "", "?protocol=6",
                                "?protocol=7.0", "?protocol=%C2%B2", "?protocol=%D9%A1",
                                "?protocol=%EF%BC%97", "?protocol=", "?protocol=-7",
                                "?protocol=7&protocol=6", "?protocol=" + "9" * 5000))
            key = rng.choice((self.key, self.key, "unknown", "", "%ff", "app-key/x"))
            return WsCase([Frame.text('{"event":"pusher:ping","data":{}}')], "fresh",
                          target=f"/app/{key}{query}", note="a connection URL variant")
        if op == 9:
            return WsCase([Frame.text('{"event":"pusher:ping","data":{}}')], "fresh",
                          target=rng.choice(("/apps/1?protocol=7", "/", "/app",
                                             "/x/app/app-key?protocol=7")),
                          note="an upgrade on a path that is not /app/{key}")
        if op == 10:
            frames = [self.subscribe("private-orders"),
                      Frame.text('{"event":"pusher:unsubscribe","data":{"channel":'
                                 '"private-orders"}}'),
                      Frame.text('{"event":"client-x","channel":"private-orders","data":{}}')]
            return WsCase(frames, "connected", note="a client event after unsubscribing")
        case, _ = self.http_request()
        case.target = case.target.replace("presence-", "orders-", 1)
        return case

    def ws_message_of(self, event: str) -> dict[str, Any]:
        while True:
            message = self.ws_message()
            if message.get("event") == event:
                return message

    def transport_spec(self) -> TransportSpec:
        app = f"/apps/{self.app_id}"
        body = jsonish.dumps({"name": "ev", "channel": "orders", "data": "{}"}).encode()
        return TransportSpec(
            requests=[HttpCase("POST", app + "/events",
                               [("Content-Type", "application/json")], body),
                      HttpCase("GET", app + "/channels")],
            ws_target=self.ws_target, ws_headers=[], ws_state="connected",
            message='{"event":"pusher:ping","data":{"x":"€"}}', stall=self.stall)

    def stall(self, rng: random.Random) -> StallCase:
        channel = "stall-" + str(rng.randrange(1000))
        data = json.dumps({"x": "y" * 9000})
        provoke = [self._post(f"/apps/{self.app_id}/events",
                              {"name": "big", "channel": channel, "data": data})
                   for _ in range(40)]
        frames = [Frame.text(json.dumps({"event": "pusher:subscribe",
                                         "data": {"channel": channel}}))]
        return StallCase("connected", frames, provoke,
                         note="a socket that stops reading while 40 events of 9 KB go out")

    # -- the well-behaved client --------------------------------------------------------

    async def collateral_setup(self) -> None:
        conn = await WsConn.connect(self.host, self.port, self.ws_target, [],
                                    on_message=self.on_message)
        if not isinstance(conn, WsConn):
            raise RuntimeError(f"the collateral socket was refused: {conn}")
        await conn.wait(lambda: "socket_id" in conn.info, TIMEOUT)
        conn.send_text('{"event":"pusher:subscribe","data":{"channel":"collateral"}}')
        await conn.wait(lambda: conn.counts["pusher_internal:subscription_succeeded"] > 0,
                        TIMEOUT)
        self.collateral = conn

    async def collateral_check(self) -> str | None:
        conn = self.collateral
        if conn is None or not conn.open:
            why = "the collateral socket is gone" + (
                f" (closed {conn.closed.code})" if conn is not None and conn.closed else "")
            await self._collateral_again()
            return why
        self.checks += 1
        marker = f"check-{self.checks}"
        body = jsonish.dumps({"name": "collateral-check", "channel": "collateral",
                              "data": json.dumps({"n": marker})}).encode()
        case = self.render_http(HttpCase("POST", f"/apps/{self.app_id}/events",
                                         [("Content-Type", "application/json")], body,
                                         sign="ok"))
        try:
            response = await self.collateral_http.request(case.raw(self.http.authority),
                                                          timeout=TIMEOUT)
        except (TimeoutError, OSError, Exception) as exc:
            return f"triggering over the HTTP API failed: {type(exc).__name__}"
        if response.status != 200:
            return f"triggering over the HTTP API answered {response.status}"

        def arrived() -> bool:
            return any(isinstance(m, dict) and m.get("event") == "collateral-check"
                       and marker in str(m.get("data")) for m in conn.inbox)

        try:
            if not await conn.wait(arrived, TIMEOUT):
                return "the collateral socket closed before the event came"
        except TimeoutError:
            return "the triggered event did not reach the subscribed socket within 5 s"
        try:
            if not await conn.sync(TIMEOUT):
                return "the collateral socket closed"
        except TimeoutError:
            return "the collateral socket's ping went unanswered"
        return None

    async def close(self) -> None:
        await super().close()
        await asyncio.sleep(0)


__all__ = ["PusherFuzzer", "sign_meta"]
