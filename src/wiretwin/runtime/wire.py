"""The twin's own wire layer: frames out straight onto the transport, frames in through
the same gate, with the journal and the faults in between.

aiohttp parses what clients send; what a twin sends goes through :class:`WireSocket`,
which encodes RFC 6455 frames itself and writes them to the connection's transport. That
gives what a twin needs:

* raw frames: a test (or a fault) can send any opcode or payload, even malformed ones;
* fan-out that costs one encode per event: server frames are unmasked, so the bytes are
  the same for every subscriber and each delivery is a single ``transport.write``;
* one choke point, :class:`WireLayer`, where every frame in and out is journaled and
  every fault is applied; its HTTP middleware does the same for HTTP exchanges.

Writes are ordered per socket: a delayed frame (a latency fault) holds back the frames
after it, as TCP would. A client that stops reading cannot make the twin buffer without
bound: past ``max_buffer`` bytes the socket is aborted, as a real service drops a consumer
that cannot keep up.

Closing follows RFC 6455 section 7: the side that closes sends a close frame, keeps
reading (and ignoring) until the peer's close frame comes back, and only then drops the
TCP connection, so the peer sees the close code. Handlers create their websocket with
``autoclose=False`` and ``autoping=False`` so that aiohttp neither answers a close reply
with a second close frame nor drops the connection early, and so that websocket pongs go
through the layer too (a stall fault can withhold them). :meth:`WireSocket.finish` ends
every connection. A peer that never answers is cut off after ``CLOSE_TIMEOUT`` seconds of
real time (a transport matter, so not on the twin's clock).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import struct
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from http import HTTPStatus
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from .clock import Clock, RealClock, TimerHandle, sleep
from .faults import Disconnect, Faults
from .journal import Journal, body_fields

T = TypeVar("T")


class Opcode(IntEnum):
    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


def encode_frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0) -> bytes:
    """One unmasked (server-to-client) websocket frame."""
    first = (0x80 if fin else 0) | (rsv & 0x7) << 4 | (opcode & 0x0F)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + payload


def encode_text(text: str) -> bytes:
    return encode_frame(Opcode.TEXT, text.encode())


def encode_close(code: int, reason: str = "") -> bytes:
    return encode_frame(Opcode.CLOSE, struct.pack("!H", code) + reason.encode()[:123])


#: Bytes a socket may have queued in its transport before the twin gives up on it.
DEFAULT_MAX_BUFFER = 16 * 1024 * 1024
#: Seconds to wait for the peer's close frame after sending ours.
CLOSE_TIMEOUT = 2.0
#: Paths under this prefix are the twin's own admin API: not journaled, never faulted.
ADMIN_PREFIX = "/_wiretwin"

#: Close codes a server may send back as they came (RFC 6455 section 7.4.1).
_ECHOABLE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011})


def plain_error(request: web.Request | None, status: int, message: str | None) -> web.Response:
    """The error answer of a server with no error shape of its own: ``404 Not Found``."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return web.Response(status=status, text=f"{status} {phrase}\n" if message is None
                        else f"{message}\n")


#: Builds the service's own answer for an HTTP error: (request, status, message); the
#: message is None when the twin has nothing to add (an injected fault, a crash). The
#: request is None when there is none to speak of.
HttpError = Callable[[web.Request | None, int, str | None], web.Response]


class WireLayer:
    """A twin's journal and faults, applied to every socket and HTTP exchange it serves,
    and the guard that turns anything unexpected into the service's own error."""

    @classmethod
    def standalone(cls, name: str = "server", clock: Clock | None = None) -> WireLayer:
        """A layer of its own, for a server that is not a twin (tests, tools)."""
        clock = clock if clock is not None else RealClock()
        journal = Journal(name, clock)
        return cls(name, clock, journal, Faults(name, journal, seed=0))

    def __init__(self, twin: str, clock: Clock, journal: Journal, faults: Faults, *,
                 http_error: HttpError = plain_error,
                 internal_close: tuple[int, str] = (1011, "Internal error")) -> None:
        self.twin = twin
        self.clock = clock
        self.journal = journal
        self.faults = faults
        self._ids = itertools.count(1)
        #: The service's error answer for a status (faults, crashes, aiohttp's refusals).
        self.http_error = http_error
        #: The close code and reason a websocket gets when handling one of its frames
        #: failed inside the twin (the service's "unknown error").
        self.internal_close = internal_close
        #: The service's in-band goodbye before a close (Pusher: ``pusher:error``).
        self.in_band_close: Callable[[WireSocket, int, str], None] | None = None
        self.log = logging.getLogger(f"wiretwin.{twin}")

    def internal_error(self, exc: BaseException, where: str) -> None:
        """A bug in the twin surfaced while serving ``where``: one journal note and one
        log record with the traceback; the caller answers in the service's words."""
        self.journal.record_note("internal-error", where=where,
                                 error=f"{type(exc).__name__}: {exc}"[:500])
        self.log.error("internal error serving %s (%s: %.200s); the client got the "
                       "service's error answer", where, type(exc).__name__, exc,
                       exc_info=exc)

    def server_log(self) -> logging.LoggerAdapter[logging.Logger]:
        """The logger for aiohttp's connection handler. Requests too malformed to reach a
        handler are the client's mistake: aiohttp answers them 400 and this journals them
        and logs them at debug level, never as tracebacks."""
        return _ProtocolLog(self)

    def new_connection_id(self) -> str:
        return f"c{next(self._ids)}"

    @web.middleware
    async def middleware(
        self, request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """Journal every HTTP exchange, apply HTTP faults (not to the admin API), and
        answer whatever goes wrong in the service's own error shape."""
        if request.path.startswith(ADMIN_PREFIX):
            return await self._guarded(request, handler)
        handshake = request.headers.get("Upgrade", "").lower() == "websocket"
        try:
            body = b"" if handshake else await request.read()
        except web.HTTPException as exc:  # aiohttp's 413 past the body limit
            refused = self.http_error(request, exc.status, None)
            self._record_http(request, b"", refused)
            return refused
        except ConnectionError:
            return self._client_gone(request)
        if self.faults.active:
            decision = self.faults.http(method=request.method, route=request.path,
                                        handshake=handshake)
            await sleep(self.clock, decision.delay)
            if decision.error is not None:
                refused = self.http_error(request, decision.error.status, None)
                if decision.error.body is not None:
                    # The content type exactly as given: some clients compare it verbatim.
                    ctype = getattr(decision.error, "content_type", None) or "text/plain"
                    refused = web.Response(status=decision.error.status,
                                           body=decision.error.body.encode(),
                                           headers={"Content-Type": ctype})
                self._record_http(request, body, refused)
                return refused
        response = await self._guarded(request, handler)
        if response.status != 101:
            self._record_http(request, body, response)
        return response

    async def _guarded(self, request: web.Request,
                       handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                       ) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            # aiohttp's own refusals (no such route, wrong method, body too large) in the
            # service's shape; a redirect or success stays as aiohttp made it.
            if exc.status < 400:
                raise
            return self.http_error(request, exc.status, None)
        except ConnectionError:
            return self._client_gone(request)
        except Exception as exc:
            self.internal_error(exc, f"{request.method} {request.path}")
            return self.http_error(request, 500, None)

    def _client_gone(self, request: web.Request) -> web.StreamResponse:
        """The client dropped the connection before its request was read: nobody is
        left to answer, so the journal says so and the answer goes nowhere."""
        self.journal.record_note("client-gone", method=request.method, path=request.path)
        return web.Response(status=400)

    def _record_http(self, request: web.Request, body: bytes,
                     response: web.StreamResponse) -> None:
        payload = response.body if isinstance(response, web.Response) else None
        self.journal.record_http(
            method=request.method, path=request.path, query=dict(request.query),
            request_headers=dict(request.headers), **body_fields("request_body", body),
            status=response.status, response_headers=dict(response.headers),
            **body_fields("response_body", payload if isinstance(payload, bytes) else None),
        )


class _ProtocolLog(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's connection-handler logger for a twin: see :meth:`WireLayer.server_log`."""

    def __init__(self, layer: WireLayer) -> None:
        super().__init__(logging.getLogger(f"wiretwin.{layer.twin}.http"), {})
        self.layer = layer

    def exception(self, msg: object, *args: object, exc_info: Any = True,
                  **kwargs: Any) -> None:
        error = exc_info if isinstance(exc_info, BaseException) else None
        self.layer.journal.record_note(
            "bad-http", error=f"{type(error).__name__}: {error}"[:300] if error else str(msg))
        self.debug(msg, *args, exc_info=exc_info, **kwargs)

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        self.exception(msg, *args, exc_info=kwargs.pop("exc_info", None), **kwargs)


@dataclass(slots=True)
class _Pending:
    due: float
    data: bytes
    text: str | bytes
    event: str | None
    opcode: int


def _echo(peer_code: int | None) -> int:
    """The code to answer a client's close frame with: its own, when a server may send it
    (RFC 6455 7.4); 1000 for a close without a code; 1002 for a code nobody may send."""
    if peer_code is None or peer_code == 1005:
        return 1000
    if peer_code in _ECHOABLE or 3000 <= peer_code <= 4999:
        return peer_code
    return 1002


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


class WireSocket:
    """A server-side websocket whose frames, both ways, pass through the :class:`WireLayer`."""

    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, layer: WireLayer, *,
        max_buffer: int = DEFAULT_MAX_BUFFER, coalesce: bool = False,
    ) -> None:
        transport = request.transport
        if transport is None:
            raise RuntimeError("the request has no transport (connection already lost)")
        if not isinstance(transport, asyncio.Transport):
            raise RuntimeError(f"unexpected transport {type(transport).__name__}")
        self.ws = ws
        self.layer = layer
        self.id = layer.new_connection_id()
        self.route = request.path
        self._transport: asyncio.Transport = transport
        self._max_buffer = max_buffer
        self._closing = False
        self._faulted = False
        self._close_timer: asyncio.TimerHandle | None = None
        self._pending: deque[_Pending] = deque()
        self._flush_timer: TimerHandle | None = None
        #: Coalesce the frames written in one loop turn into one ``transport.write`` (a
        #: node sending a burst of updates to one client); off, each frame goes at once.
        self._coalesce = coalesce
        self._corked: list[bytes] = []
        #: The code of the close frame the twin sent, if it closed first.
        self.close_code: int | None = None
        peer = transport.get_extra_info("peername")
        self.peer: str = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        layer.journal.record_connection(self.id, "open", path=request.path,
                                        query=dict(request.query), peer=self.peer,
                                        headers=dict(request.headers))

    def rename(self, connection_id: str) -> None:
        """Take the service's own id for this connection (a Pusher socket id)."""
        self.layer.journal.record_connection(self.id, "open", renamed=connection_id)
        self.id = connection_id

    @property
    def closing(self) -> bool:
        """True once the twin sent its close frame (or gave up on the connection)."""
        return self._closing

    @property
    def closed(self) -> bool:
        return self._closing or self.ws.closed or self._transport.is_closing()

    # -- out --------------------------------------------------------------------------

    def send(self, text: str, *, event: str | None = None,
             wire: bytes | Callable[[], bytes] | None = None) -> bool:
        """Send a text frame (``wire``: its bytes, if already encoded, or what encodes
        them); False if gone.

        A stateful encoding (a compression stream) must be a callable: it is called only
        for a frame that will really be written, in order, so a dropped frame never puts
        the client's decoder out of step.

        ``event`` is the service's name for the frame: journal queries and fault scopes
        match on it.
        """
        return self._out(text, event, Opcode.TEXT, wire)

    def send_bytes(self, data: bytes, *, event: str | None = None) -> bool:
        return self._out(data, event, Opcode.BINARY, None)

    def send_raw(self, frame: bytes, *, event: str | None = "raw") -> bool:
        """Write arbitrary bytes as they are (malformed frames included), journaled."""
        return self._out(frame, event, -1, frame)

    def pong(self, payload: bytes) -> bool:
        return self._out(payload, "ws:pong", Opcode.PONG, None)

    def ping(self, payload: bytes) -> bool:
        """A websocket-level ping: every websocket library answers it, in order with the
        frames before it, without the service's protocol noticing."""
        return self._out(payload, "ws:ping", Opcode.PING, None)

    def _out(self, payload: str | bytes, event: str | None, opcode: int,
             wire: bytes | Callable[[], bytes] | None) -> bool:
        if self.closed:
            return False
        delay = 0.0
        if self.layer.faults.active and not self._faulted:
            decision = self.layer.faults.frame(connection=self.id, route=self.route,
                                               direction="out", event=event)
            if decision.disconnect is not None:
                self._fault_disconnect(decision.disconnect)
                return False
            if decision.drop:
                return False  # lost on the way: not delivered
            delay = decision.delay
        if wire is None:
            wire = encode_frame(opcode, payload.encode() if isinstance(payload, str)
                                else payload)
        elif callable(wire):
            wire = wire()
        if delay > 0 or self._pending:
            self._enqueue(_Pending(self.layer.clock.monotonic() + delay, wire, payload, event,
                                   opcode))
            return True
        return self._write(wire, payload, event, opcode)

    def _write(self, wire: bytes, payload: str | bytes, event: str | None, opcode: int) -> bool:
        if self.closed:
            return False
        self.layer.journal.record_frame(self.id, "out", payload, event=event,
                                        opcode=max(opcode, 0))
        if self._coalesce:
            if not self._corked:
                asyncio.get_running_loop().call_soon(self._uncork)
            self._corked.append(wire)
            return True
        self._transport.write(wire)
        if self._transport.get_write_buffer_size() > self._max_buffer:
            self.abort()
            return False
        return True

    def _uncork(self) -> None:
        """Write what this loop turn queued, in order, in one go."""
        if not self._corked:
            return
        data = b"".join(self._corked)
        self._corked.clear()
        if self._transport.is_closing():
            return
        self._transport.write(data)
        if self._transport.get_write_buffer_size() > self._max_buffer:
            self.abort()

    def _enqueue(self, item: _Pending) -> None:
        if self._pending:
            item.due = max(item.due, self._pending[-1].due)
        self._pending.append(item)
        if self._flush_timer is None:
            self._arm_flush()

    def _arm_flush(self) -> None:
        delay = self._pending[0].due - self.layer.clock.monotonic()
        self._flush_timer = self.layer.clock.call_later(delay, self._flush)

    def _flush(self) -> None:
        self._flush_timer = None
        now = self.layer.clock.monotonic()
        while self._pending and self._pending[0].due <= now:
            item = self._pending.popleft()
            if item.opcode == Opcode.CLOSE:
                self._close_now(item.event or "", item.data)
            else:
                self._write(item.data, item.text, item.event, item.opcode)
        if self._pending and not self.closed:
            self._arm_flush()

    # -- in ---------------------------------------------------------------------------

    async def receive(self, data: str | bytes, *, event: str | None = None,
                      opcode: int = Opcode.TEXT) -> bool:
        """Journal an incoming frame and apply faults; False if the twin must ignore it."""
        self.layer.journal.record_frame(self.id, "in", data, event=event, opcode=opcode)
        if not self.layer.faults.active:
            return not self._closing
        decision = self.layer.faults.frame(connection=self.id, route=self.route,
                                           direction="in", event=event)
        if decision.disconnect is not None:
            self._fault_disconnect(decision.disconnect)
            return False
        if decision.drop:
            return False
        await sleep(self.layer.clock, decision.delay)
        return not self._closing

    async def serve(self, on_text: Callable[[str], None],
                    on_binary: Callable[[bytes], None] | None = None, *,
                    label: Callable[[str], str | None] | None = None,
                    binary_text: bool = False,
                    seen: Callable[[], None] | None = None) -> None:
        """Read the connection to its end: every frame journaled and faulted, websocket
        pings answered, then handed to the service's handler under the guard.

        ``label`` names a text frame for the journal and fault scopes; with
        ``binary_text``, binary frames holding UTF-8 are text frames too (hikari sends
        JSON so); ``seen`` is told of every frame that arrives (liveness). A handler that
        raises is a twin bug: it is logged and journaled once and the connection gets the
        service's internal-error close, while the twin goes on serving everyone else.
        """
        async for msg in self.ws:
            if msg.type is WSMsgType.TEXT or msg.type is WSMsgType.BINARY:
                data: str | bytes = msg.data
                opcode = Opcode.TEXT if msg.type is WSMsgType.TEXT else Opcode.BINARY
                if isinstance(data, bytes) and binary_text:
                    data = _utf8(data) or data
                event = label(data) if label is not None and isinstance(data, str) else None
                if not await self.receive(data, event=event, opcode=opcode):
                    continue
                if seen is not None:
                    self.guarded(seen)
                if isinstance(data, str):
                    self.guarded(on_text, data)
                elif on_binary is not None:
                    self.guarded(on_binary, data)
            elif msg.type is WSMsgType.PING:
                if await self.receive(msg.data, event="ws:ping", opcode=Opcode.PING):
                    self.pong(msg.data)
                    if seen is not None:
                        self.guarded(seen)
            elif msg.type is WSMsgType.PONG:
                if await self.receive(msg.data, event="ws:pong", opcode=Opcode.PONG) \
                        and seen is not None:
                    self.guarded(seen)
            elif msg.type is WSMsgType.ERROR:
                # A frame RFC 6455 forbids: aiohttp has already closed with 1002, 1007 or
                # 1009, as the RFC asks; the journal says why.
                self.layer.journal.record_note("ws-protocol-error", connection=self.id,
                                               error=str(msg.data)[:300],
                                               code=self.ws.close_code)

    def guarded(self, fn: Callable[..., T], *args: Any) -> T | None:
        """Run a handler for this connection and return what it returns; if it raised
        (a twin bug), log and journal it, close the connection the service's way, and
        return None."""
        try:
            return fn(*args)
        except Exception as exc:
            self.layer.internal_error(exc, f"websocket {self.route} ({self.id})")
            code, reason = self.layer.internal_close
            if self.layer.in_band_close is not None and not self.closed:
                self.layer.in_band_close(self, code, reason)
            self.close(code, reason)
            return None

    # -- closing ----------------------------------------------------------------------

    def _fault_disconnect(self, fault: Disconnect) -> None:
        self._faulted = True  # the goodbye below is not subject to faults itself
        if fault.reset:
            self.abort()
            return
        if fault.in_band and self.layer.in_band_close is not None:
            self.layer.in_band_close(self, fault.code, fault.reason)
        self.close(fault.code, fault.reason)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame (after any delayed frames); the connection ends when the peer
        answers or :data:`CLOSE_TIMEOUT` passes."""
        if self.closed:
            return
        if self._pending:
            self._pending.append(_Pending(self._pending[-1].due, encode_close(code, reason),
                                          b"", reason, Opcode.CLOSE))
            self.close_code = code
            return
        self._close_now(reason, encode_close(code, reason), code)

    def _close_now(self, reason: str, frame: bytes, code: int | None = None) -> None:
        if self.closed:
            return
        code = code if code is not None else struct.unpack("!H", frame[2:4])[0]
        self.layer.journal.record_frame(self.id, "out", frame[2:], event="ws:close",
                                        opcode=Opcode.CLOSE)
        self._uncork()
        self._transport.write(frame)
        self._closing = True
        self.close_code = code
        self._close_timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT, self.abort)

    async def finish(self) -> None:
        """End the connection once the handler's receive loop is over.

        If the twin closed first, the peer's close frame has now arrived (or the timeout
        fired): drop the TCP connection. If the peer closed first, answer its close frame.
        """
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        self._pending.clear()
        self._uncork()
        peer_code = self.ws.close_code
        if self._closing:
            if not self._transport.is_closing():
                self._transport.close()
            self._record_close("twin", self.close_code, peer_code)
            return
        self._closing = True
        try:
            await self.ws.close(code=_echo(peer_code))
        except (ConnectionError, RuntimeError):
            self.abort()
        self._record_close("client", peer_code, peer_code)

    def _record_close(self, initiator: str, code: int | None, peer_code: int | None) -> None:
        self.layer.journal.record_connection(self.id, "close", initiator=initiator, code=code,
                                             peer_code=peer_code)

    def abort(self) -> None:
        """Drop the TCP connection without a closing handshake (what a crash looks like)."""
        self._corked.clear()
        self._closing = True
        self._transport.abort()


__all__ = [
    "ADMIN_PREFIX",
    "CLOSE_TIMEOUT",
    "DEFAULT_MAX_BUFFER",
    "Opcode",
    "WireLayer",
    "WireSocket",
    "encode_close",
    "encode_frame",
    "encode_text",
]
