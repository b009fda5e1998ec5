"""What every twin's fuzzer does the same way: send a case, sync, judge what came back.

A :class:`TwinFuzzer` owns one keep-alive HTTP connection and a small pool of websockets
by protocol state (the twin subclass says how to reach each state). Running a case:

* HTTP: send, read the answer (5 s), judge the status and the error shape;
* websocket: get a socket in the case's state (reused while it lives), send the frames,
  then sync: the protocol's probe and a websocket ping with a unique payload (the twins
  answer in order, so when the pong is back every answer is in); no pong and no close
  within 5 s is a hang;
* raw TCP: write the chunks, read or close, then an HTTP probe on the keep-alive
  connection;
* stall: a socket that stops reading while HTTP requests make the twin send to it.

Problems land in :attr:`found` as (class, signature, detail); the runner turns them into
anomalies for the case just sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
from typing import Any
from urllib.parse import unquote

from . import checks
from .cases import Case, Frame, HttpCase, RawCase, StallCase, WsCase
from .httpclient import HttpClient, NoAnswer, Response, read_response
from .report import blank, path_shape
from .wsclient import WsConn, connect_or_refusal

TIMEOUT = 5.0
#: Seconds a twin gets to close a socket after an RFC 6455 violation, before the probe.
VIOLATION_GRACE = 0.01
#: A message this big may be refused with 1009, and the socket reset while it is sent.
OVERSIZE = 64 * 1024
#: Seconds a twin gets to notice a client that vanished, before the probe.
DISCONNECT_GRACE = 0.01
Found = tuple[str, str, str]


class TwinFuzzer:
    name = "twin"
    #: The auth header a valid request carries, and its value.
    auth_header: str | None = None
    auth_value = ""
    #: Websocket states (name -> how that socket is reached), for the report.
    states: dict[str, str] = {}
    #: Frames a socket may send before it is replaced (the twin's rate limits).
    rotate_after = 10_000
    #: (method, template) of the routes the twin serves, and path prefixes it strips:
    #: signatures name the route a request hit, so variants of one bug group together.
    route_table: tuple[tuple[str, str], ...] = ()
    prefixes: tuple[str, ...] = ()

    def __init__(self, settings: dict[str, Any], rng: random.Random) -> None:
        self.settings = settings
        self.rng = rng
        self.host: str = settings["host"]
        self.port: int = settings["port"]
        self.http = HttpClient(self.host, self.port)
        self.pool: dict[str, WsConn] = {}
        #: Every socket opened for the current case (judged after it).
        self.live: list[WsConn] = []
        self.found: list[Found] = []
        #: The case as really sent (placeholders filled), for the reproducer.
        self.sent: dict[str, Any] = {}
        self.sent_upgrade: tuple[str, list[tuple[str, str]]] | None = None
        #: The socket a stall case has stopped reading (while it runs).
        self.stalled: WsConn | None = None
        #: The well-behaved client (its socket and its own HTTP connection).
        self.collateral: WsConn | None = None
        self.collateral_http = HttpClient(self.host, self.port)

    # -- hooks for the twins --------------------------------------------------------------

    async def setup(self) -> None:
        """Build the corpus (may ask the twin, e.g. its admin API)."""

    def generate(self, campaign: str, index: int) -> Case:
        raise NotImplementedError

    def render_http(self, case: HttpCase) -> HttpCase:
        return case

    def render_frame(self, frame: Frame, conn: WsConn) -> Frame:
        return frame

    def render_upgrade(self, target: str, headers: list[tuple[str, str]]
                       ) -> tuple[str, list[tuple[str, str]]]:
        """Placeholders in a fresh socket's target and headers, filled in."""
        return target, headers

    async def open_state(self, state: str, *, rcvbuf: int | None = None) -> WsConn | None:
        raise NotImplementedError

    def on_message(self, conn: WsConn, opcode: int, data: bytes) -> None:
        """Decode and check one server message (the default: a JSON text envelope)."""
        if opcode != 0x1:
            conn.issues.append(("shape", "a binary message"))
            return
        text = data.decode("utf-8", "replace")
        message, why = checks.ws_message_shape(self.name, text)
        if why is not None:
            conn.issues.append(("shape", f"a message {why}|{text[:200]}"))
        conn.inbox.append(message)
        self.count(conn, message)

    def count(self, conn: WsConn, message: Any) -> None:
        """Count what the probes wait for (override)."""

    def probe_frame(self, conn: WsConn) -> Frame | None:
        """The protocol's own sync request on this socket (None: it has none)."""
        return None

    def probe_key(self) -> str:
        """The counter in ``conn.counts`` the probe's answer bumps."""
        return ""

    def http_probe(self) -> HttpCase:
        raise NotImplementedError

    async def collateral_setup(self) -> None:
        pass

    async def collateral_check(self) -> str | None:
        return None

    async def _collateral_again(self) -> None:
        """A fresh well-behaved client after the last one was lost."""
        if self.collateral is not None:
            self.collateral.abort()
        try:
            await self.collateral_setup()
        except (RuntimeError, TimeoutError, OSError):
            self.collateral = None

    async def maintain(self, index: int) -> None:
        """Between cases (e.g. put the world back now and then)."""

    async def close(self) -> None:
        for conn in list(self.pool.values()) + self.live:
            with contextlib.suppress(Exception):
                await conn.close()
        self.pool.clear()
        self.live.clear()
        if self.collateral is not None:
            await self.collateral.close()
        await self.collateral_http.close()
        await self.http.close()

    # -- running a case ---------------------------------------------------------------------

    def route_of(self, method: str, target: str) -> str:
        """``METHOD /template`` of the route a request hits, for signatures."""
        if not hasattr(self, "_routes"):
            self._routes = sorted(
                ((m, t, re.compile("/".join(
                    "[^/]+" if seg.startswith("{") else re.escape(seg)
                    for seg in t.split("/")))) for m, t in self.route_table),
                key=lambda r: r[1].count("{"))
        path = unquote(target.split("?", 1)[0])
        for prefix in self.prefixes:
            if path.startswith(prefix + "/"):
                path = path[len(prefix):]
                break
        matched = [(m, t) for m, t, rx in self._routes if rx.fullmatch(path)]
        if not matched:
            return "(a path the twin has no route for)"
        for m, t in matched:
            if m == method:
                return f"{method} {t}"
        return "(a method the route does not take)"

    def issue(self, cls: str, signature: str, detail: str = "") -> None:
        self.found.append((cls, signature, detail))

    async def run(self, case: Case) -> list[Found]:
        self.found = []
        self.sent = {}
        if isinstance(case, HttpCase):
            await self.run_http(case)
        elif isinstance(case, WsCase):
            await self.run_ws(case)
        elif isinstance(case, RawCase):
            await self.run_raw(case)
        else:
            await self.run_stall(case)
        self.judge_sockets()
        return self.found

    async def send_http(self, case: HttpCase, *, record: bool = True,
                        what: str = "") -> Response | None:
        """Send one request and judge its answer; the answer, or None."""
        rendered = self.render_http(case)
        if record:
            self.sent = rendered.reproducer(self.http.authority)
        path = rendered.target.split("?", 1)[0]
        label = self.route_of(rendered.method, rendered.target)
        try:
            response = await self.http.request(rendered.raw(self.http.authority),
                                               head=rendered.method == "HEAD",
                                               timeout=TIMEOUT)
        except TimeoutError:
            self.issue("hang", f"no answer within 5 s: {label}{what}")
            return None
        except (NoAnswer, ConnectionError, OSError) as exc:
            self.issue("hang", f"connection dropped without an answer: {label}{what}",
                       str(exc))
            return None
        error = checks.server_error(self.name, rendered.method, path, response)
        if error is not None:
            self.issue("http_500", f"{error}: {label}{what}", response.body[:500].decode(
                "utf-8", "replace"))
        elif not rendered.upgrade and rendered.method != "HEAD" and _wellformed(rendered):
            # (HEAD: no body; a malformed or oversize head: the HTTP parser's answer)
            why = checks.http_shape(self.name, path, response)
            if why is not None:
                body = response.body[:300].decode("utf-8", "replace")
                if (response.header("content-type") or "").startswith("text/plain"):
                    # aiohttp's own plain-text answers: one cause per message, any route
                    first = blank(body.strip().splitlines()[0] if body.strip() else "")[:60]
                    self.issue("shape", f"{response.status} text/plain {first!r} "
                                        f"(not the service's error shape)",
                               f"{label}: {body}")
                else:
                    self.issue("shape", f"{response.status} {label}: {why}", body)
        return response

    async def prepare_http(self, case: HttpCase) -> None:
        """Get what the request's placeholders name ready (e.g. a live session)."""

    async def run_http(self, case: HttpCase) -> None:
        await self.prepare_http(case)
        await self.send_http(case)

    async def run_probe_http(self, after: str) -> None:
        await self.send_http(self.http_probe(), record=False, what=f" (probe after {after})")

    # -- websockets ---------------------------------------------------------------------------

    async def connect(self, target: str, headers: list[tuple[str, str]], *,
                      rcvbuf: int | None = None) -> WsConn | None:
        """Open a socket; a refusal is judged (5xx) and gives None."""
        result = await connect_or_refusal(self.host, self.port, target, headers,
                                          timeout=TIMEOUT, rcvbuf=rcvbuf,
                                          on_message=self.on_message)
        label = f"upgrade {path_shape(target)}"
        if isinstance(result, WsConn):
            self.live.append(result)
            return result
        if isinstance(result, str):
            self.issue("hang", f"{label}: {result.split(' (')[0]}", result)
        elif result.status >= 500:
            self.issue("http_500", f"{result.status} {label}",
                       result.body[:300].decode("utf-8", "replace"))
        return None

    async def socket_for(self, case: WsCase) -> WsConn | None:
        if case.state == "fresh":
            target, headers = self.render_upgrade(case.target or "/", case.headers)
            self.sent_upgrade = (target, headers)
            return await self.connect(target, headers)
        conn = self.pool.get(case.state)
        if conn is not None and (not conn.open or conn.sent_frames > self.rotate_after):
            self.pool.pop(case.state, None)
            if conn.open:
                await conn.close()
            conn = None
        if conn is None:
            conn = await self.open_state(case.state)
            if conn is None:
                return None
            self.pool[case.state] = conn
        if conn not in self.live:
            self.live.append(conn)
        return conn

    async def run_ws(self, case: WsCase) -> None:
        self.sent_upgrade = None
        conn = await self.socket_for(case)
        self.sent = self._ws_reproducer(case, None)
        if conn is None:
            return
        sent_payloads = []
        conn.violation = conn.violation or case.violation
        for frame in case.frames:
            rendered = self.render_frame(frame, conn)
            sent_payloads.append(rendered.raw if rendered.raw is not None
                                 else rendered.payload)
            if not conn.send(rendered):
                break
        self.sent = self._ws_reproducer(case, sent_payloads)
        if any(len(f.payload if f.raw is None else f.raw) > OVERSIZE for f in case.frames):
            conn.oversize = True
        if case.violation and not case.abort:
            # Let the twin react before more frames go out: a server that closes at once
            # and then gets data is reset, and the reset can swallow its close frame.
            with contextlib.suppress(TimeoutError):
                await conn.wait(lambda: False, VIOLATION_GRACE)
        if case.abort:
            conn.abort()
            await asyncio.sleep(DISCONNECT_GRACE)
            await self.run_probe_http("a websocket reset")
        elif case.probe:
            await self.probe(conn, case)
        if case.state == "fresh" and conn.open:
            await conn.close()

    def _ws_reproducer(self, case: WsCase, payloads: list[bytes] | None) -> dict[str, Any]:
        target, headers = self.sent_upgrade or (case.target, case.headers)
        out = case.reproducer(payloads, target=target, headers=headers)
        out["state_doc"] = self.states.get(case.state, "")
        return out

    async def probe(self, conn: WsConn, case: WsCase | None = None) -> None:
        """Sync on ``conn``: the protocol probe and a unique ping; judge what is missing."""
        kind = "frames" if case is None else _describe(case)
        if conn.sent_close or not conn.open:
            # The client said goodbye (or the server did): the answer is a close.
            if not await conn.wait_closed(TIMEOUT):
                self.issue("hang", f"no close within 5 s after {kind}")
                conn.abort()
            return
        before = conn.counts[self.probe_key()]
        frame = self.probe_frame(conn)
        if frame is not None:
            conn.send(frame)
        try:
            synced = await conn.sync(TIMEOUT)
        except TimeoutError:
            self.issue("hang", f"no answer to the probe within 5 s after {kind}")
            conn.abort()
            return
        if not synced:
            await conn.wait_closed(TIMEOUT)
        if synced and frame is not None and conn.counts[self.probe_key()] <= before:
            self.issue("hang", f"the protocol probe went unanswered after {kind}")

    def judge_sockets(self) -> None:
        """Issues the sockets saw, and how each one that ended was closed."""
        for conn in list(self.live):
            for cls, text in conn.issues:
                signature, _, detail = text.partition("|")
                self.issue(cls, signature, detail)
            conn.issues.clear()
            if conn.judged or conn.open:
                continue
            if conn.closed is not None:
                conn.judged = True
                problem = checks.close_problem(self.name, conn.closed.code,
                                               client_close=conn.client_close,
                                               violation=conn.violation or conn.oversize)
                if problem is not None:
                    reason = conn.closed.reason.decode("utf-8", "replace")[:80]
                    self.issue("bad_close", problem, f"reason {reason!r}")
            elif conn.dropped == "eof":
                conn.judged = True
                self.issue("bad_close", "TCP closed without a close frame")
            elif conn.dropped:
                conn.judged = True
                if not conn.oversize:  # a twin refusing a huge message may reset mid-way
                    self.issue("bad_close", "TCP reset before any close frame was read")
            elif conn.aborted:
                conn.judged = True
        self.live = [c for c in self.live if c.open or not c.judged]

    # -- raw TCP and stalls -------------------------------------------------------------------

    async def run_raw(self, case: RawCase) -> None:
        self.sent = case.reproducer()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), TIMEOUT)
        except (TimeoutError, OSError) as exc:
            self.issue("hang", "the twin accepts no TCP connection", str(exc))
            return
        try:
            for chunk in case.chunks:
                writer.write(chunk)
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
                if case.delay:
                    await asyncio.sleep(case.delay)
            if case.then == "read":
                await self._read_raw(reader, case)
        except ConnectionError:
            pass
        finally:
            transport = writer.transport
            if case.then == "reset" and isinstance(transport, asyncio.Transport):
                transport.abort()
            else:
                writer.close()
        if case.then != "read":
            await asyncio.sleep(DISCONNECT_GRACE)  # for the twin to notice the client left
        await self.run_probe_http(case.note or "a raw TCP input")

    async def _read_raw(self, reader: asyncio.StreamReader, case: RawCase) -> None:
        label = case.note or "raw request"
        try:
            response = await asyncio.wait_for(read_response(reader), TIMEOUT)
        except TimeoutError:
            self.issue("hang", f"neither an answer nor a close within 5 s: {label}")
            return
        except NoAnswer:
            if not case.malformed:
                self.issue("hang", f"connection dropped without an answer: {label}")
            return
        if response.status >= 500:
            self.issue("http_500", f"{response.status} to {label}",
                       response.body[:300].decode("utf-8", "replace"))

    async def run_stall(self, case: StallCase) -> None:
        self.sent = case.reproducer(self.http.authority)
        conn = await self.open_state(case.state, rcvbuf=4096)
        if conn is None:
            return
        if conn not in self.live:
            self.live.append(conn)
        for frame in case.frames:
            conn.send(self.render_frame(frame, conn))
        await self.probe(conn)
        conn.pause_reading()
        self.stalled = conn
        try:
            for provoke in case.provoke:
                await self.send_http(provoke, record=False, what=" (while a socket stalls)")
        finally:
            self.stalled = None
        conn.abort()
        await self.run_probe_http("a stalled socket")


def _wellformed(case: HttpCase) -> bool:
    """A request head the HTTP parser takes: an ASCII origin-form target (RFC 9112 3.2.1:
    it starts with "/") without controls or spaces, header values without controls, no
    line over 8,000 bytes (aiohttp's limit is 8,190). Anything else is refused by the
    HTTP parser before a twin sees it, as a service's front server refuses it."""
    target = case.target
    if not target.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        return False
    if not target.startswith("/"):
        return False
    if len(target) > 8000 or any(len(k) + len(v) > 8000 for k, v in case.headers):
        return False
    return not any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F
                   for _, v in case.headers for c in v)


def _describe(case: WsCase) -> str:
    """A short, stable name for what a websocket case sent (for signatures)."""
    if case.violation:
        return "an RFC 6455 violation" + (f" ({case.note})" if case.note else "")
    if case.client_close is not None:
        return f"a client close {case.client_close}"
    return case.note or f"{len(case.frames)} frame(s) in state {case.state}"


__all__ = ["TIMEOUT", "Found", "TwinFuzzer"]
