"""The twin's websockets: frames out straight onto the transport, frames in through the
wire layer (:mod:`.layer`), with the journal and the faults in between.

This module is also the one import path for the wire's pieces: :class:`WireLayer` and the
HTTP guard (:mod:`.layer`), and the frame encoders (:mod:`.frames`).

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
import struct
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from .clock import TimerHandle, sleep
from .faults import Disconnect
from .frames import Opcode, encode_close, encode_frame, encode_text, encode_texts
from .journal import Journal
from .layer import ADMIN_PREFIX, HttpError, WireLayer, plain_error

T = TypeVar("T")


#: Bytes a socket may have queued in its transport before the twin gives up on it.
DEFAULT_MAX_BUFFER = 16 * 1024 * 1024
#: Seconds to wait for the peer's close frame after sending ours.
CLOSE_TIMEOUT = 2.0
#: Close codes a server may send back as they came (RFC 6455 section 7.4.1).
_ECHOABLE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011})


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

    # A twin may hold tens of thousands of these at once: no per-instance __dict__, and
    # the delayed-frame queue is made only when a latency fault first holds a frame back.
    __slots__ = ("_close_timer", "_closing", "_coalesce", "_corked", "_faulted",
                 "_flush_timer", "_max_buffer", "_pending", "_transport", "close_code", "id",
                 "layer", "peer", "route", "ws")

    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, layer: WireLayer, *,
        max_buffer: int = DEFAULT_MAX_BUFFER, coalesce: bool = False,
        route: str | None = None,
    ) -> None:
        """``route``: the name fault scopes and the journal know the socket by (its
        request's path unless given: a second server of a twin names its own)."""
        transport = request.transport
        if transport is None:
            raise RuntimeError("the request has no transport (connection already lost)")
        if not isinstance(transport, asyncio.Transport):
            raise RuntimeError(f"unexpected transport {type(transport).__name__}")
        self.ws = ws
        self.layer = layer
        self.id = layer.new_connection_id()
        self.route = route if route is not None else request.path
        self._transport: asyncio.Transport = transport
        self._max_buffer = max_buffer
        self._closing = False
        self._faulted = False
        self._close_timer: asyncio.TimerHandle | None = None
        self._pending: deque[_Pending] | None = None
        self._flush_timer: TimerHandle | None = None
        #: Coalesce the frames written in one loop turn into one ``transport.write`` (a
        #: node sending a burst of updates to one client); off, each frame goes at once.
        self._coalesce = coalesce
        self._corked: list[bytes] = []
        #: The code of the close frame the twin sent, if it closed first.
        self.close_code: int | None = None
        peer = transport.get_extra_info("peername")
        self.peer: str = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        layer.journal.record_connection(self.id, "open", path=self.route,
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

    @staticmethod
    def send_to_each(socks: Iterable[WireSocket], text: str, wire: bytes, *,
                     event: str | None = None) -> list[WireSocket]:
        """Send one text frame (``wire``: its bytes) to each socket in turn, as
        :meth:`send` would one by one; the sockets it went to.

        The frames written straight out (no fault active, nothing held back, no
        coalescing) are journaled as one run (:meth:`Journal.record_fanout`): a fan-out
        to thousands costs one journal record, not thousands.
        """
        sent: list[WireSocket] = []
        run: list[str] = []
        journal: Journal | None = None

        def journal_run() -> None:
            if run and journal is not None:
                journal.record_fanout(run, "out", text, event=event)
                run.clear()

        for sock in socks:
            if sock._pending or sock._coalesce or sock.layer.faults.active or sock.closed:
                journal_run()  # what went before is journaled before this one
                if sock.send(text, event=event, wire=wire):
                    sent.append(sock)
                continue
            if sock.layer.journal is not journal:
                journal_run()
                journal = sock.layer.journal
            run.append(sock.id)
            transport = sock._transport
            transport.write(wire)
            if transport.get_write_buffer_size() > sock._max_buffer:
                sock.abort()
            else:
                sent.append(sock)
        journal_run()
        return sent

    def send_texts(self, texts: Sequence[str], *, event: str | None = None) -> int:
        """Send text frames in order, as :meth:`send` would one by one; how many went.

        On a coalescing socket with no fault active and nothing held back, they are
        journaled together (:meth:`Journal.record_frames`) and encoded in one go, to go
        out with the rest of this loop turn's frames; otherwise each goes through
        :meth:`send`.
        """
        if not self._coalesce or self._pending or self.layer.faults.active or self.closed:
            return sum(1 for text in texts if self.send(text, event=event))
        if not texts:
            return 0
        self.layer.journal.record_frames(self.id, "out", texts, event=event)
        if not self._corked:
            asyncio.get_running_loop().call_soon(self._uncork)
        self._corked.append(encode_texts(texts))
        return len(texts)

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
            lost_or_delay = self.layer.frame_delay(
                connection=self.id, route=self.route, direction="out", event=event,
                disconnect=self._fault_disconnect)
            if lost_or_delay is None:
                return False  # lost on the way: not delivered
            delay = lost_or_delay
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
        if self._pending is None:
            self._pending = deque()
        elif self._pending:
            item.due = max(item.due, self._pending[-1].due)
        self._pending.append(item)
        if self._flush_timer is None:
            self._arm_flush()

    def _arm_flush(self) -> None:
        if not self._pending:
            return
        delay = self._pending[0].due - self.layer.clock.monotonic()
        self._flush_timer = self.layer.clock.call_later(delay, self._flush)

    def _flush(self) -> None:
        self._flush_timer = None
        if self._pending is None:
            return
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
        delay = self.layer.frame_delay(connection=self.id, route=self.route, direction="in",
                                       event=event, disconnect=self._fault_disconnect)
        if delay is None:
            return False
        await sleep(self.layer.clock, delay)
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
        if self._pending is not None:
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
    "HttpError",
    "Opcode",
    "WireLayer",
    "WireSocket",
    "encode_close",
    "encode_frame",
    "encode_text",
    "plain_error",
]
