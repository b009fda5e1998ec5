"""The gateway's websocket: versions, encodings, compression, frames through the wire.

``ws://127.0.0.1:{port}/?v=10&encoding=json[&compress=zlib-stream|zstd-stream]``:

* ``zlib-stream``: one deflate context per connection, each message flushed with
  ``Z_SYNC_FLUSH`` (ends in ``00 00 ff ff``), sent as binary frames;
* ``zstd-stream``: one zstd context per connection, each message flushed as a block
  without ending the frame;
* without transport compression, IDENTIFY's ``compress: true`` asks for payload
  compression: each message zlib-compressed on its own.

The journal records every message as JSON text whatever the compression, so it stays
readable. Client frames are JSON, in text or binary frames, of at most 4096 bytes;
anything undecodable or bigger closes 4002.

:meth:`GatewaySockets.connect_in_memory` opens the same kind of connection for a client
in the twin's own loop (:mod:`wiretwin.drivers.discord_py_attach`): a
:class:`~wiretwin.runtime.memory.MemorySocket` instead of a websocket, the same hub, the
same checks on what the client sends, the same journal entries. Its frames are never
compressed (there are no bytes to save), whatever IDENTIFY's ``compress`` says.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from ..runtime import jsonio
from ..runtime.memory import Deliver, MemorySocket
from ..runtime.wire import Opcode, WireLayer, WireSocket, encode_frame
from .errors import DECODE_ERROR, INVALID_API_VERSION, UNKNOWN_ERROR
from .protocol.frames import Closed
from .protocol.hub import GatewayHub
from .protocol.replay import json_text
from .protocol.session import Connection

#: The largest payload the gateway takes; anything bigger closes 4002, as on Discord.
MAX_PAYLOAD = 4096
#: The largest websocket message read at all: past it the connection closes 1009 before
#: the twin buffers it (RFC 6455 7.4.1).
MAX_FRAME = 1024 * 1024


class _Compressor(Protocol):
    def __call__(self, data: bytes) -> bytes: ...


class _ZstdCompressors:
    """zstd compressors kept for the next connection. A compressor's first stream
    allocates its window (for a test that logs a bot in, a fresh one costs more than all
    the compressing); a stream from a kept one starts afresh, byte for byte the same.
    Shared by every twin in the process, as nothing of a connection outlives its stream;
    each compressor serves one connection at a time (taken, then given back once the
    connection is over). A used compressor holds ~3.5 MB: ``keep`` bounds what idles."""

    def __init__(self, keep: int = 2) -> None:
        self.keep = keep
        self._idle: list[Any] = []

    def take(self) -> Any:
        try:
            return self._idle.pop()
        except IndexError:
            import zstandard

            return zstandard.ZstdCompressor()

    def give(self, compressor: Any) -> None:
        if len(self._idle) < self.keep:
            self._idle.append(compressor)


_ZSTD = _ZstdCompressors()


def _zlib_stream() -> tuple[_Compressor, Callable[[], None] | None]:
    ctx = zlib.compressobj()
    return lambda data: ctx.compress(data) + ctx.flush(zlib.Z_SYNC_FLUSH), None


def _zstd_stream() -> tuple[_Compressor, Callable[[], None] | None]:
    import zstandard

    compressor = _ZSTD.take()
    ctx = compressor.compressobj()
    return (lambda data: ctx.compress(data) + ctx.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK),
            lambda: _ZSTD.give(compressor))


class _Closable(Protocol):
    """What the checks on a client frame need of its connection."""

    @property
    def id(self) -> str: ...

    def close(self, code: int, reason: str) -> None: ...


class _Transport:
    def __init__(self, sock: WireSocket,
                 stream: tuple[_Compressor, Callable[[], None] | None] | None) -> None:
        self.sock = sock
        self.compressor: _Compressor | None = None
        self._release: Callable[[], None] | None = None
        if stream is not None:
            self.compressor, self._release = stream
        self.conn: Connection | None = None

    def release(self) -> None:
        """The connection is over (no frame will be sent): its compressor may serve
        another."""
        release, self._release = self._release, None
        if release is not None:
            release()

    def send(self, payload: dict[str, Any], label: str) -> None:
        self.send_text(json_text(payload), label)

    def send_text(self, text: str, label: str) -> None:
        wire: bytes | Callable[[], bytes] | None = None
        compressor = self.compressor
        if compressor is not None:
            # Called only if the frame is really sent: the stream's state must follow
            # exactly the frames the client gets (a dropped frame never went through it).
            wire = lambda: encode_frame(Opcode.BINARY, compressor(text.encode()))  # noqa: E731
        elif self.conn is not None and self.conn.compress and label not in (
                "HELLO", "HEARTBEAT_ACK"):
            wire = encode_frame(Opcode.BINARY, zlib.compress(text.encode()))
        self.sock.send(text, event=label, wire=wire)

    def close(self, code: int, reason: str) -> None:
        self.sock.close(code, reason)


class _MemoryTransport:
    def __init__(self, sock: MemorySocket) -> None:
        self.sock = sock
        self.conn: Connection | None = None

    def send(self, payload: dict[str, Any], label: str) -> None:
        self.send_text(json_text(payload), label)

    def send_text(self, text: str, label: str) -> None:
        self.sock.send(text, event=label)

    def close(self, code: int, reason: str) -> None:
        self.sock.close(code, reason)


class MemoryConnection:
    """A gateway connection whose client is in the twin's own loop: what the twin sends
    reaches ``deliver(text, event)`` (see :class:`~wiretwin.runtime.memory.MemorySocket`
    for when), and :meth:`send` is the client sending a frame."""

    def __init__(self, sockets: GatewaySockets, sock: MemorySocket) -> None:
        self._sockets = sockets
        self._sock = sock
        self._transport = _MemoryTransport(sock)

    @property
    def id(self) -> str:
        """The connection's id in the journal."""
        return self._sock.id

    @property
    def closed(self) -> bool:
        return self._sock.closed

    @property
    def close_code(self) -> int | None:
        return self._sock.close_code

    def send(self, text: str) -> None:
        """The client sends a text frame (JSON, as on the socket)."""
        self._sock.receive(text, self._handle, event=_op_name(text))

    def _handle(self, text: str) -> None:
        self._sockets._receive(self._transport, self._sock, text)

    def flush(self) -> None:
        """Deliver now what the twin answered to the client's frames so far."""
        self._sock.flush()

    def close(self, code: int = 1000) -> None:
        """The client closes with ``code``."""
        self._sock.client_close(code)


class GatewaySockets:
    def __init__(self, hub: GatewayHub, layer: WireLayer, server: Any) -> None:
        self.hub = hub
        self.layer = layer
        self.server = server

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/", self.handle)]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoclose=False, autoping=False, compress=False,
                                   max_msg_size=MAX_FRAME, timeout=1.0)
        if not ws.can_prepare(request).ok:
            return web.Response(status=404, text="404: Not Found")
        await ws.prepare(request)
        sock = WireSocket(ws, request, self.layer, coalesce=True)
        self.server.register_socket(sock)
        transport: _Transport | None = None
        try:
            refusal = self._refusal(request)
            if refusal is not None:
                sock.close(*refusal)
            else:
                compressor = {"zlib-stream": _zlib_stream, "zstd-stream": _zstd_stream
                              }.get(request.query.get("compress") or "")
                transport = _Transport(sock, compressor() if compressor else None)
                sock.guarded(self._open, transport)
            await sock.serve(lambda text: self._receive(transport, sock, text),
                             lambda data: sock.close(*DECODE_ERROR),
                             label=_op_name, binary_text=True)
        finally:
            self.server.unregister_socket(sock)
            await sock.finish()
            if transport is not None:
                transport.release()
            if transport is not None and transport.conn is not None:
                code = sock.close_code if sock.close_code is not None else ws.close_code
                sock.guarded(self.hub.closed, transport.conn, code)
        return ws

    def _open(self, transport: _Transport | _MemoryTransport) -> None:
        transport.conn = self.hub.open(transport)

    def connect_in_memory(self, deliver: Deliver,
                          on_close: Callable[[int, str], None] | None = None
                          ) -> MemoryConnection:
        """Open a connection for a client in this loop, as discord.py's URL would
        (``/?v=10&encoding=json``, no transport compression): HELLO reaches ``deliver``
        before this returns. ``on_close(code, reason)`` tells the client the twin closed
        (1006: without a close frame)."""
        sock = MemorySocket(self.layer, deliver, route="/",
                            query={"v": "10", "encoding": "json"})
        sock.on_client_close = on_close
        connection = MemoryConnection(self, sock)
        transport = connection._transport

        def closed(code: int | None) -> None:
            if transport.conn is not None:
                sock.guarded(self.hub.closed, transport.conn, code)

        sock.on_closed = closed
        sock.guarded(self._open, transport)
        return connection

    @staticmethod
    def _refusal(request: web.Request) -> tuple[int, str] | None:
        version = request.query.get("v", "10")
        if version not in ("9", "10"):
            return INVALID_API_VERSION
        if request.query.get("encoding", "json") != "json":
            return DECODE_ERROR
        if request.query.get("compress") not in (None, "", "zlib-stream", "zstd-stream"):
            return UNKNOWN_ERROR
        return None

    def _receive(self, transport: _Transport | _MemoryTransport | None, sock: _Closable,
                 text: str) -> None:
        if transport is None or transport.conn is None:
            return  # refused at the handshake: only its close frame is awaited
        if len(text.encode()) > MAX_PAYLOAD:
            sock.close(*DECODE_ERROR)
            return
        try:
            payload = jsonio.loads(text)
        except jsonio.JSONError:
            sock.close(*DECODE_ERROR)
            return
        try:
            self.hub.receive(transport.conn, payload)
        except Closed as closed:
            if closed.detail:  # Discord says no more than the reason; the journal does
                self.layer.journal.record_note("gateway-refused", connection=sock.id,
                                               code=closed.code, detail=closed.detail)
            sock.close(closed.code, closed.reason)


def _op_name(text: str) -> str | None:
    if len(text) > MAX_PAYLOAD:
        return None
    try:
        data = jsonio.loads(text)
    except jsonio.JSONError:
        return None
    names = {1: "HEARTBEAT", 2: "IDENTIFY", 3: "PRESENCE_UPDATE", 4: "VOICE_STATE_UPDATE",
             6: "RESUME", 8: "REQUEST_GUILD_MEMBERS", 31: "REQUEST_SOUNDBOARD_SOUNDS",
             43: "REQUEST_CHANNEL_INFO"}
    op = data.get("op") if isinstance(data, dict) else None
    if not isinstance(op, int) or isinstance(op, bool):
        return None
    return names.get(op, f"op:{op}")


__all__ = ["GatewaySockets", "MemoryConnection"]
