"""Fuzzing the Discord twin: REST v10 and the gateway.

REST requests come from :mod:`discord_rest` (every route, real bodies, ids from the
twin's world), under ``/api/v10`` (sometimes ``/api/v9`` or ``/api``), with
``Authorization: Bot <token>``. Gateway payloads are ops 1, 2, 3, 4, 6 and 8 with the
shapes discord.py sends.

Sockets: ``hello`` is ``/?v=10&encoding=json`` after HELLO, not identified; ``ready``
the same after IDENTIFY and READY. ``@@SESSION_ID@@`` in a payload is the live ``ready``
socket's session; ``@@PAUSED@@`` a session whose socket was closed with 4000, so it may
be resumed. Sockets are replaced before the twin's 120-payloads-a-minute limit. The
probe is op 1 -> op 11 (and a websocket ping); the HTTP probe ``GET /api/v10/gateway``.

The world is put back every ``collateral_every`` inputs (``POST /_wiretwin/reset`` with
``disconnect: false``), so deleted channels and kicked members come back and the corpus's
ids stay good. The well-behaved client is an identified session that must get the
MESSAGE_CREATE of a DM the bot sends over REST.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
import zlib
from typing import Any

from . import garbage, jsonish
from .base import TIMEOUT, TwinFuzzer
from .cases import Case, Frame, HttpCase, StallCase, WsCase
from .checks import ws_message_shape
from .discord_rest import QUERIES, ROUTES, World, body_for, multipart
from .httpclient import HttpClient
from .mutators import mutate_case
from .transport import TransportSpec, transport_case
from .wsclient import WsConn

#: GUILDS, GUILD_MESSAGES, GUILD_MESSAGE_REACTIONS, DIRECT_MESSAGES.
INTENTS = 1 | 1 << 9 | 1 << 10 | 1 << 12
API = "/api/v10"
GATEWAY = "/?v=10&encoding=json"


class DiscordFuzzer(TwinFuzzer):
    name = "discord"
    auth_header = "Authorization"
    rotate_after = 150
    route_table = (*ROUTES, ("GET", "/"))
    prefixes = ("/api/v10", "/api/v9", "/api")
    states = {
        "hello": "/?v=10&encoding=json after HELLO, not identified",
        "ready": "/?v=10&encoding=json after IDENTIFY (bot token, intents "
                 f"{INTENTS}) and READY",
        "fresh": "a new socket on the case's target",
    }

    def __init__(self, settings: dict[str, Any], rng: random.Random) -> None:
        super().__init__(settings, rng)
        self.token: str = settings["token"]
        self.auth_value = f"Bot {self.token}"
        self.headers = [("Authorization", self.auth_value)]
        self.world = World(application=str(settings["application_id"]))
        self.paused = "0" * 32
        #: The session of a ready socket that ended (resumed by the next one).
        self.resumable: tuple[str, int] | None = None
        self.maintained = 0
        self.last_heartbeat = 0.0
        self.checks = 0

    # -- set-up: the world's ids, and things to point at ------------------------------------

    async def _call(self, method: str, path: str, body: Any = None,
                    client: HttpClient | None = None) -> tuple[int, Any]:
        headers = [*self.headers, ("Content-Type", "application/json")]
        raw = HttpCase(method, path, headers, b"" if body is None else json.dumps(
            body).encode()).raw(self.http.authority)
        response = await (client or self.http).request(raw, timeout=TIMEOUT)
        try:
            return response.status, json.loads(response.body or b"null")
        except ValueError:
            return response.status, None

    async def setup(self) -> None:
        admin = "/_wiretwin/discord"
        _, guilds = await self._call("GET", admin + "/guilds")
        world = self.world
        world.guild = next(g["id"] for g in guilds if g.get("bot_member"))
        _, channels = await self._call("GET", f"{admin}/guilds/{world.guild}/channels")
        names = {0: "general", 2: "voice", 4: "category"}
        for channel in channels:
            key = names.get(channel["type"], "other")
            world.channels[key if key not in world.channels else channel["name"]] = \
                channel["id"]
        _, users = await self._call("GET", admin + "/users")
        world.users = {u["username"]: u["id"] for u in users}
        _, guild = await self._call("GET", f"{admin}/guilds/{world.guild}")
        world.roles = [r["id"] for r in guild.get("roles", [])]
        general = world.channels.get("general", "0")
        _, messages = await self._call("GET", f"{admin}/channels/{general}/messages")
        world.message = messages[0]["id"] if messages else "0"
        await self._made()
        self.paused = await self._paused_session()
        self.live.clear()

    async def _made(self) -> None:
        """What the corpus points at beyond the world: a webhook, a thread, a command..."""
        world = self.world
        general = world.channels.get("general", "0")
        status, hook = await self._call("POST", f"{API}/channels/{general}/webhooks",
                                        {"name": "fuzz"})
        if status == 200:
            world.webhook, world.webhook_token = hook["id"], hook["token"]
        status, thread = await self._call("POST", f"{API}/channels/{general}/threads",
                                          {"name": "fuzz", "type": 11})
        if status in (200, 201):
            world.thread = thread["id"]
        status, command = await self._call(
            "POST", f"{API}/applications/{world.application}/commands",
            {"name": "fuzz", "description": "fuzz", "type": 1})
        if status in (200, 201):
            world.command = command["id"]
        carol = world.users.get("carol", "0")
        status, dm = await self._call("POST", f"{API}/users/@me/channels",
                                      {"recipient_id": carol})
        if status == 200:
            world.dm = dm["id"]
        world.extra_messages = []
        for _ in range(2):
            status, message = await self._call(
                "POST", f"{API}/channels/{general}/messages", {"content": "fuzz"})
            if status == 200:
                world.extra_messages.append(message["id"])

    async def _end_left_sessions(self) -> None:
        """Sessions whose sockets the inputs left without a 1000 (stalls, fresh sockets
        the twin closed) stay resumable for 300 s and are sent every dispatch: resume each
        and say goodbye with 1000, as a client that is done would."""
        _, sessions = await self._call("GET", "/_wiretwin/discord/gateway/sessions")
        for session in sessions or []:
            if session.get("connected") or session.get("id") == self.paused:
                continue
            conn = await self.connect(GATEWAY, [])
            if conn is None:
                continue
            with contextlib.suppress(TimeoutError):
                await self._hello(conn)
                await self._resume(conn, str(session["id"]), int(session.get("seq") or 0))
            await conn.close()

    @staticmethod
    async def _hello(conn: WsConn) -> None:
        await conn.wait(lambda: conn.counts["op10"] > 0, TIMEOUT)

    async def _paused_session(self) -> str:
        """Identify on a socket, then close it with 4000: a session that may be resumed."""
        conn = await self.open_state("ready")
        if conn is None:
            return "0" * 32
        session = str(conn.info.get("session_id", "0" * 32))
        await conn.close(4000)
        return session

    async def maintain(self, index: int) -> None:
        """Put the world back, and what the corpus points at."""
        await self._call("POST", "/_wiretwin/reset", {"disconnect": False})
        await self._made()
        self.maintained += 1
        if self.maintained % 10 == 0:  # a resumable session lives 300 s in the twin
            self.paused = await self._paused_session()
        await self._end_left_sessions()
        for conn in self.live:
            conn.issues.clear()  # the set-up's own sockets are not the inputs' business
        self.judge_sockets()

    # -- rendering ----------------------------------------------------------------------------

    def render_http(self, case: HttpCase) -> HttpCase:
        target = self.world.render_text(case.target)
        body = self.world.render(case.body)
        if target == case.target and body == case.body:
            return case
        return case.filled(target, body)

    def render_frame(self, frame: Frame, conn: WsConn) -> Frame:
        if b"@@" not in frame.payload:
            return frame
        ready = self.pool.get("ready")
        live = str(ready.info.get("session_id", "none")) if ready is not None else "none"
        payload = frame.payload.replace(b"@@SESSION_ID@@", live.encode()).replace(
            b"@@PAUSED@@", self.paused.encode())
        return Frame(payload, frame.opcode, frame.fin, frame.rsv, frame.masked, frame.raw,
                     frame.sign)

    # -- sockets ------------------------------------------------------------------------------

    def on_message(self, conn: WsConn, opcode: int, data: bytes) -> None:
        if opcode == 0x2:
            try:
                data = self._inflate(conn, data)
            except (zlib.error, ValueError) as exc:
                conn.issues.append(("shape", f"a binary message that does not decompress"
                                              f"|{exc}"))
                return
        text = data.decode("utf-8", "replace")
        message, why = ws_message_shape("discord", text)
        if why is not None:
            conn.issues.append(("shape", f"a gateway message {why}|{text[:200]}"))
        conn.inbox.append(message)
        if not isinstance(message, dict):
            return
        conn.counts[f"op{message.get('op')}"] += 1
        if isinstance(message.get("s"), int):
            conn.info["seq"] = max(conn.info.get("seq", 0), message["s"])
        if message.get("t") == "READY" and isinstance(message.get("d"), dict):
            conn.info["session_id"] = message["d"].get("session_id")
            conn.info["identified"] = True
        elif message.get("t") == "RESUMED":
            conn.info["identified"] = True
        if message.get("t") == "MESSAGE_CREATE" and isinstance(message.get("d"), dict):
            conn.info.setdefault("created", set()).add(message["d"].get("id"))

    @staticmethod
    def _inflate(conn: WsConn, data: bytes) -> bytes:
        mode = conn.info.get("compress")
        if mode == "zlib-stream":
            inflater = conn.info.setdefault("zlib", zlib.decompressobj())
            return bytes(inflater.decompress(data))
        if mode == "zstd-stream":
            import zstandard

            inflater = conn.info.setdefault(
                "zstd", zstandard.ZstdDecompressor().decompressobj())
            return bytes(inflater.decompress(data))
        return zlib.decompress(data)  # payload compression: each message on its own

    async def connect(self, target: str, headers: list[tuple[str, str]], *,
                      rcvbuf: int | None = None) -> WsConn | None:
        conn = await super().connect(target, headers, rcvbuf=rcvbuf)
        if conn is not None:  # (no frame has been read yet: the reader has not run)
            for part in target.partition("?")[2].split("&"):
                key, _, value = part.partition("=")
                if key == "compress":  # the twin reads the first one
                    conn.info.setdefault("compress", value)
        return conn

    async def open_state(self, state: str, *, rcvbuf: int | None = None) -> WsConn | None:
        conn = await self.connect(GATEWAY, [], rcvbuf=rcvbuf)
        if conn is None:
            return None
        try:
            await conn.wait(lambda: conn.counts["op10"] > 0, TIMEOUT)
            if state == "ready" and self.resumable is not None:
                await self._resume(conn, *self.resumable)
            if state in ("ready", "stall") and "session_id" not in conn.info:
                conn.send_text(json.dumps(self.identify()))
                await conn.wait(lambda: "session_id" in conn.info, TIMEOUT)
        except TimeoutError:
            self.issue("hang", f"no HELLO/READY within 5 s (opening a {state} socket)")
            conn.abort()
            return None
        if not conn.open:
            return None
        return conn

    async def _resume(self, conn: WsConn, session_id: str, seq: int) -> None:
        """Resume the session the last ready socket left behind, as a client would (so
        sessions do not pile up in the twin); op 9 leaves ``conn`` to identify."""
        self.resumable = None
        invalid = conn.counts["op9"]
        conn.send_text(json.dumps({"op": 6, "d": {"token": self.token,
                                                  "session_id": session_id, "seq": seq}}))
        await conn.wait(lambda: conn.info.get("identified") or conn.counts["op9"] > invalid,
                        TIMEOUT)
        if conn.info.get("identified"):
            conn.info["session_id"] = session_id

    async def socket_for(self, case: WsCase) -> WsConn | None:
        ready = self.pool.get("ready")
        if ready is not None and not ready.open and ready.info.get("session_id"):
            self.resumable = (str(ready.info["session_id"]), int(ready.info.get("seq", 0)))
        hello = self.pool.get("hello")
        if case.state == "hello" and hello is not None and hello.info.get("identified"):
            # An input identified it: it serves as the ready socket now.
            self.pool.pop("hello")
            old = self.pool.pop("ready", None)
            if old is not None and old.open:
                await old.close()
            self.pool["ready"] = hello
        return await super().socket_for(case)

    def identify(self, intents: int = INTENTS) -> dict[str, Any]:
        return {"op": 2, "d": {
            "token": self.token, "intents": intents, "large_threshold": 250,
            "properties": {"os": "linux", "browser": "wiretwin-fuzz",
                           "device": "wiretwin-fuzz"}, "compress": False,
            "presence": {"since": None, "activities": [{"name": "fuzz", "type": 0}],
                         "status": "online", "afk": False}}}

    def probe_frame(self, conn: WsConn) -> Frame | None:
        return Frame.text('{"op":1,"d":null}')

    def probe_key(self) -> str:
        return "op11"

    def http_probe(self) -> HttpCase:
        return HttpCase("GET", API + "/gateway", self.headers)

    # -- the corpus ---------------------------------------------------------------------------

    def gateway_payload(self) -> tuple[dict[str, Any], str]:
        """A valid client payload and the state it belongs in."""
        rng = self.rng
        world = self.world
        kind = rng.randrange(8)
        if kind == 0:
            return {"op": 1, "d": rng.choice((None, 1, 5))}, rng.choice(("hello", "ready"))
        if kind == 1:
            payload = self.identify(rng.choice((INTENTS, 0, 1, 513)))
            payload["d"]["shard"] = rng.choice(([0, 1], [0, 2], [1, 2]))
            payload["d"]["compress"] = rng.random() < 0.2
            return payload, "hello"
        if kind == 2:
            return {"op": 3, "d": {"since": None, "activities": [{"name": "x", "type": 0}],
                                   "status": rng.choice(("online", "idle", "dnd")),
                                   "afk": False}}, "ready"
        if kind == 3:
            channel = rng.choice((world.channels.get("voice"), None))
            return {"op": 4, "d": {"guild_id": world.guild, "channel_id": channel,
                                   "self_mute": False, "self_deaf": False}}, "ready"
        if kind == 4:
            return {"op": 6, "d": {"token": self.token, "seq": rng.choice((0, 1, 2, 3)),
                                   "session_id": rng.choice(("@@PAUSED@@",
                                                             "@@SESSION_ID@@"))}}, "hello"
        if kind == 5:
            users = list(world.users.values())
            request: dict[str, Any] = {"guild_id": world.guild, "limit": 0,
                                       "presences": False, "nonce": "n"}
            if rng.random() < 0.5:
                request["query"] = rng.choice(("", "a", "ca"))
            else:
                request["user_ids"] = rng.sample(users, min(2, len(users)))
            return {"op": 8, "d": request}, "ready"
        if kind == 6:
            return {"op": rng.choice((31, 43)),
                    "d": {"guild_ids": [world.guild], "guild_id": world.guild}}, "ready"
        return {"op": 1, "d": None, "s": None, "t": None}, "ready"

    def rest_request(self) -> tuple[HttpCase, Any]:
        rng = self.rng
        method, template = rng.choice(ROUTES)
        path = self.world.fill(template, rng)
        queries = QUERIES.get(template)
        if queries and rng.random() < 0.7:
            path += "?" + self.world.fill(rng.choice(queries), rng)
        prefix = rng.choice((API,) * 8 + ("/api/v9", "/api"))
        body = body_for(method, template, self.world, rng)
        headers = list(self.headers) if "{token}" not in template else []
        if body is None:
            return HttpCase(method, prefix + path, headers), None
        if template.endswith("/messages") and method == "POST" and rng.random() < 0.2:
            raw, ctype = multipart(jsonish.dumps(jsonish.mutate_n(body, rng)), rng)
            return HttpCase(method, prefix + path, [*headers, ("Content-Type", ctype)],
                            raw), None
        headers.append(("Content-Type", "application/json"))
        return HttpCase(method, prefix + path, headers, jsonish.dumps(body).encode()), body

    # -- campaigns ------------------------------------------------------------------------------

    def generate(self, campaign: str, index: int) -> Case:
        rng = self.rng
        if campaign == "mutate":
            if rng.random() < 0.35:
                payload, state = self.gateway_payload()
                return WsCase([Frame.text(jsonish.dumps(jsonish.mutate_n(payload, rng)))],
                              state)
            case, template = self.rest_request()
            return mutate_case(case, rng, auth="Authorization", template=template,
                               known_params=("limit", "before", "after", "around", "query",
                                             "with_counts", "wait", "thread_id",
                                             "with_response", "with_member"))
        if campaign == "garbage":
            if rng.random() < 0.4:
                return WsCase([garbage.random_frame(rng)], rng.choice(("hello", "ready")))
            return garbage.random_http(rng, (API, "/api", ""), self.headers)
        if campaign == "order":
            return self.order_case()
        return transport_case(rng, self.transport_spec(), self.http.authority)

    def order_case(self) -> Case:
        rng = self.rng
        op = rng.randrange(9)
        if op == 0:
            payload = {"op": 6, "d": {"token": self.token, "session_id": rng.choice((
                "@@PAUSED@@", "@@SESSION_ID@@", "nope", "")), "seq": rng.choice((
                    0, 1, 10**6, -1, "1", 1.5, None, 2**64))}}
            return WsCase([Frame.text(jsonish.dumps(payload))], "hello",
                          note="a resume with odd fields")
        if op == 1:
            return WsCase([Frame.text(json.dumps(self.identify()))], "ready",
                          note="identify twice")
        if op == 2:
            payload, _ = self.gateway_payload()
            while payload["op"] not in (3, 4, 8):
                payload, _ = self.gateway_payload()
            return WsCase([Frame.text(json.dumps(payload))], "hello",
                          note="op 3/4/8 before identify")
        if op == 3:
            seq = rng.choice(('"abc"', "{}", "[]", "1.5", "-1", str(2**64), "true", '"1"'))
            return WsCase([Frame.text('{"op":1,"d":' + seq + "}")],
                          rng.choice(("hello", "ready")), note="a heartbeat with an odd seq")
        if op == 4:
            return WsCase([Frame.text(json.dumps({"op": 6, "d": {
                "token": self.token, "session_id": "@@SESSION_ID@@", "seq": 1}}))], "ready",
                note="resume on an identified socket")
        if op == 5:
            code = rng.choice((0, 5, 7, 9, 10, 11, 12, 99, -1, 2**31, "1", None))
            return WsCase([Frame.text(json.dumps({"op": code, "d": None}))],
                          rng.choice(("hello", "ready")), note="an unknown opcode")
        if op == 6:
            query = rng.choice(("?v=8&encoding=json", "?v=10&encoding=etf", "?v=abc",
                                "?v=10&encoding=json&compress=zlib-stream",
                                "?v=10&encoding=json&compress=zstd-stream",
                                "?v=10&compress=gzip", "", "?v=10&v=9", "?encoding=",
                                "?v=" + "9" * 5000))
            return WsCase([Frame.text(json.dumps(self.identify()))], "fresh", target="/" + query,
                          note="a gateway URL variant")
        if op == 7:
            return WsCase([Frame.close(1000), Frame.text('{"op":1,"d":null}')], "ready",
                          note="frames after the client's close")
        payloads = [json.dumps(self.identify()), '{"op":6,"d":{"token":"x"}}',
                    '{"op":3,"d":{}}']
        rng.shuffle(payloads)
        return WsCase([Frame.text(p) for p in payloads], "hello",
                      note="identify, resume and presence in one burst")

    def transport_spec(self) -> TransportSpec:
        general = self.world.channels.get("general", "0")
        post = HttpCase("POST", f"{API}/channels/{general}/messages",
                        [*self.headers, ("Content-Type", "application/json")],
                        b'{"content":"transport"}')
        return TransportSpec(
            requests=[post, HttpCase("GET", API + "/users/@me", self.headers)],
            ws_target=GATEWAY, ws_headers=[], ws_state="ready",
            message='{"op":1,"d":null,"x":"€"}', stall=self.stall)

    def stall(self, rng: random.Random) -> StallCase:
        general = self.world.channels.get("general", "0")
        body = json.dumps({"content": "y" * 1900}).encode()
        provoke = [HttpCase("POST", f"{API}/channels/{general}/messages",
                            [*self.headers, ("Content-Type", "application/json")], body)
                   for _ in range(40)]
        return StallCase("stall", [], provoke,
                         note="an identified socket that stops reading while 40 messages "
                              "of 1.9 KB are sent")

    # -- the well-behaved client -----------------------------------------------------------

    async def collateral_setup(self) -> None:
        conn = await WsConn.connect(self.host, self.port, GATEWAY, [],
                                    on_message=self.on_message)
        if not isinstance(conn, WsConn):
            raise RuntimeError(f"the collateral socket was refused: {conn}")
        await conn.wait(lambda: conn.counts["op10"] > 0, TIMEOUT)
        conn.send_text(json.dumps(self.identify()))
        await conn.wait(lambda: "session_id" in conn.info, TIMEOUT)
        self.collateral = conn

    async def collateral_check(self) -> str | None:
        conn = self.collateral
        if conn is None or not conn.open:
            why = "the collateral session's socket is gone" + (
                f" (closed {conn.closed.code})" if conn is not None and conn.closed else "")
            await self._collateral_again()
            return why
        # A well-behaved client keeps to Discord's 120 gateway events a minute (the twin
        # closes 4008 past it, heartbeats included): a heartbeat every half second at most.
        now = time.monotonic()
        if now - self.last_heartbeat >= 0.5:
            self.last_heartbeat = now
            before = conn.counts["op11"]
            conn.send_text('{"op":1,"d":null}')
            try:
                await conn.wait(lambda: conn.counts["op11"] > before, TIMEOUT)
            except TimeoutError:
                return "the collateral session's heartbeat went unanswered"
        carol = self.world.users.get("carol", "0")
        try:
            status, dm = await self._call("POST", f"{API}/users/@me/channels",
                                          {"recipient_id": carol}, self.collateral_http)
            if status != 200:
                return f"opening a DM answered {status}"
            self.checks += 1
            status, sent = await self._call("POST", f"{API}/channels/{dm['id']}/messages",
                                            {"content": f"collateral {self.checks}"},
                                            self.collateral_http)
        except Exception as exc:
            return f"the DM's REST calls failed: {type(exc).__name__}"
        if status != 200:
            return f"sending a DM answered {status}"
        try:
            if not await conn.wait(lambda: sent["id"] in conn.info.get("created", ()),
                                   TIMEOUT):
                return "the collateral socket closed before its MESSAGE_CREATE"
        except TimeoutError:
            return "no MESSAGE_CREATE for the DM within 5 s"
        return None

__all__ = ["DiscordFuzzer"]
