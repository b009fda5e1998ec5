"""The Pusher websocket endpoint: sockets in, model operations, frames out.

One handler per connection. It accepts or refuses the URL, registers the socket for
delivery, feeds every text frame to :func:`protocol.receive`, and turns the model's
refusals into ``pusher:error`` frames or close codes. Whatever goes wrong inside a
handler (a twin bug), the connection gets a ``pusher:error`` and a 4200 close, the
traceback goes to the log and the journal, never onto the wire, and the twin keeps serving.

Liveness: a connection silent for the app's ``activity_timeout`` gets a ``pusher:ping``;
if nothing at all comes back within ``pong_timeout``, it is closed with 4201. One timer per
connection, re-armed lazily, so busy sockets cost nothing per frame.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..runtime.clock import Clock, TimerHandle
from ..runtime.wire import WireLayer, WireSocket
from . import protocol, wire
from .errors import CloseCode, CloseConnection, PusherError
from .model import Connection, PusherModel

if TYPE_CHECKING:
    from ..runtime.server import TwinServer

#: Largest frame a client may send; bigger ones are refused by aiohttp with 1009.
MAX_FRAME = 256 * 1024


class Liveness:
    """The activity-timeout / pong-timeout state of one connection."""

    __slots__ = ("_on", "_timer", "awaiting_pong", "clock", "conn", "last_seen")

    def __init__(self, clock: Clock, conn: Connection, on: _Handlers) -> None:
        """``on``: what pings the connection, and what closes it once it stays silent."""
        self.clock = clock
        self.conn = conn
        self._on = on
        self.last_seen = clock.monotonic()
        self.awaiting_pong = False
        self._timer: TimerHandle | None = None

    def start(self) -> None:
        self._arm(self.conn.app.activity_timeout)

    def seen(self) -> None:
        self.last_seen = self.clock.monotonic()
        if self.awaiting_pong:
            # Answered: the next ping is due a full activity timeout from now, not when
            # the pong deadline would have passed.
            self.awaiting_pong = False
            self.clock.fulfil(self._reply_key)
            self._cancel()
            self._arm(self.conn.app.activity_timeout)

    def _arm(self, delay: float) -> None:
        self._timer = self.clock.call_later(delay, self._fire)

    def _fire(self) -> None:
        idle = self.clock.monotonic() - self.last_seen
        if self.awaiting_pong:
            if idle >= self.conn.app.pong_timeout:
                self.awaiting_pong = False
                self.clock.fulfil(self._reply_key)  # no longer owed: the socket is closing
                self._on.expire()
                return
            self._arm(self.conn.app.pong_timeout - idle)
            return
        timeout = self.conn.app.activity_timeout
        if idle < timeout:
            self._arm(timeout - idle)
            return
        self.awaiting_pong = True
        self.last_seen = self.clock.monotonic()
        self.clock.expect(self._reply_key)
        self._on.ping()
        self._arm(self.conn.app.pong_timeout)

    @property
    def _reply_key(self) -> tuple[str, str]:
        return ("pusher:pong", self.conn.socket_id)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @property
    def handlers(self) -> _Handlers:
        return self._on

    def stop(self) -> None:
        self._cancel()
        if self.awaiting_pong:
            self.awaiting_pong = False
            self.clock.fulfil(self._reply_key)


class _Handlers:
    """What one open connection's frames and timers call: bound methods of one small
    object rather than closures, as a twin may hold tens of thousands of connections."""

    __slots__ = ("conn", "sockets")

    def __init__(self, sockets: PusherSockets, conn: Connection) -> None:
        self.sockets = sockets
        self.conn = conn

    def text(self, text: str) -> None:
        self.sockets._receive(self.conn, text)

    def binary(self, data: bytes) -> None:
        self.sockets._answer(self.conn, PusherError(
            "Binary frames are not supported; send JSON text frames"))

    def ping(self) -> None:
        self.sockets.model.effects.deliver([self.conn.socket_id], wire.ping())

    def expire(self) -> None:
        self.sockets.close(self.conn.socket_id, CloseCode.PONG_NOT_RECEIVED,
                           "Pong reply not received", error_first=False)


class PusherSockets:
    """Open sockets by socket id, and the handler that serves them."""

    def __init__(self, model: PusherModel, server: TwinServer, layer: WireLayer) -> None:
        self.model = model
        self.server = server
        self.layer = layer
        self.clock = layer.clock
        self.sockets: dict[str, WireSocket] = {}
        layer.in_band_close = self._in_band_close

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/app/{key}", self.handle)]

    @staticmethod
    def _in_band_close(sock: WireSocket, code: int, reason: str) -> None:
        error = wire.error(reason, code)
        sock.send(error.text, event=error.event, wire=error.wire)

    async def refuse_path(self, request: web.Request) -> web.StreamResponse:
        """A websocket upgrade anywhere but ``/app/{key}``: accepted, then closed 4005."""
        return await self.handle(request, refusal=CloseConnection(
            CloseCode.PATH_NOT_FOUND, f"Path not found: {request.path}", error_first=True))

    async def handle(self, request: web.Request, *,
                     refusal: CloseConnection | None = None) -> web.StreamResponse:
        ws = web.WebSocketResponse(timeout=1.0, compress=False, max_msg_size=MAX_FRAME,
                                   autoclose=False, autoping=False)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="Expected a websocket upgrade\n")
        await ws.prepare(request)
        sock = WireSocket(ws, request, self.layer)
        self.server.register_socket(sock)
        opened = sock.guarded(self._accept, sock, request, refusal)
        conn, liveness = opened if opened is not None else (None, None)
        try:
            await self._read(sock, conn, liveness)
        finally:
            if liveness is not None:
                sock.guarded(liveness.stop)
            if conn is not None:
                if self.sockets.get(conn.socket_id) is sock:
                    del self.sockets[conn.socket_id]
                sock.guarded(self.model.disconnect, conn)
            self.server.unregister_socket(sock)
            await sock.finish()
        return ws

    def _accept(self, sock: WireSocket, request: web.Request,
                refusal: CloseConnection | None) -> tuple[Connection, Liveness] | None:
        """The connection and its liveness timer, or None when the URL is refused."""
        try:
            if refusal is not None:
                raise refusal
            app, version = protocol.accept(self.model, request.match_info["key"],
                                           request.query)
            conn = self.model.connect(app, version)
        except CloseConnection as exc:
            if exc.error_first:
                self._in_band_close(sock, exc.code, exc.message)
            sock.close(exc.code, exc.message)
            return None
        return conn, self._open(sock, conn)

    def _open(self, sock: WireSocket, conn: Connection) -> Liveness:
        sock.rename(conn.socket_id)
        self.sockets[conn.socket_id] = sock
        liveness = Liveness(self.clock, conn, _Handlers(self, conn))
        self.model.effects.deliver(
            [conn.socket_id],
            wire.connection_established(conn.socket_id, conn.app.activity_timeout),
        )
        liveness.start()
        return liveness

    def _read(self, sock: WireSocket, conn: Connection | None,
              liveness: Liveness | None) -> Coroutine[Any, Any, None]:
        """Every frame goes through the wire layer (journal, faults) before the protocol;
        any frame at all counts as activity. (The reading itself, not a coroutine
        awaiting it: one frame less held per open connection.)"""
        if conn is None or liveness is None:
            return sock.serve(_ignore, label=wire.event_name)
        handlers = liveness.handlers
        return sock.serve(handlers.text, handlers.binary, label=wire.event_name,
                          seen=liveness.seen)

    def _receive(self, conn: Connection, text: str) -> None:
        try:
            protocol.receive(self.model, conn, text)
        except PusherError as exc:
            self._answer(conn, exc)
        except CloseConnection as exc:
            self.close(conn.socket_id, exc.code, exc.message, error_first=exc.error_first)

    def _answer(self, conn: Connection, exc: PusherError) -> None:
        self.model.effects.deliver([conn.socket_id], wire.error(exc.message, exc.code))

    def close(self, socket_id: str, code: int, message: str, *, error_first: bool) -> None:
        sock = self.sockets.get(socket_id)
        if sock is None or sock.closed:
            return
        if error_first:
            self.model.effects.deliver([socket_id], wire.error(message, code))
        sock.close(code, message)

    def close_all(self, code: int, message: str, *, error_first: bool = False) -> None:
        for socket_id in list(self.sockets):
            self.close(socket_id, code, message, error_first=error_first)


def _ignore(text: str) -> None:
    """A refused connection's frames: journaled by the wire layer, then dropped."""


__all__ = ["MAX_FRAME", "Liveness", "PusherSockets"]
