"""The gateway's websocket: versions, encodings, compression, frames through the wire.

``ws://127.0.0.1:{port}/?v=10&encoding=json[&compress=zlib-stream|zstd-stream]``:

* ``zlib-stream``: one deflate context per connection, each message flushed with
  ``Z_SYNC_FLUSH`` (ends in ``00 00 ff ff``), sent as binary frames;
* ``zstd-stream``: one zstd context per connection, each message flushed as a block
  without ending the frame;
* without transport compression, IDENTIFY's ``compress: true`` asks for payload
  compression: each message zlib-compressed on its own.

The journal records every message as JSON text whatever the compression, so it stays
readable. Client frames are JSON, in text or binary frames; anything undecodable closes 4002.
"""

from __future__ import annotations

import json
import zlib
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from ...runtime.wire import Opcode, WireLayer, WireSocket, encode_frame
from .hub import Closed, Connection, GatewayHub


class _Compressor(Protocol):
    def __call__(self, data: bytes) -> bytes: ...


def _zlib_stream() -> _Compressor:
    ctx = zlib.compressobj()
    return lambda data: ctx.compress(data) + ctx.flush(zlib.Z_SYNC_FLUSH)


def _zstd_stream() -> _Compressor:
    import zstandard

    ctx = zstandard.ZstdCompressor().compressobj()
    return lambda data: ctx.compress(data) + ctx.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


class _Transport:
    def __init__(self, sock: WireSocket, compressor: _Compressor | None) -> None:
        self.sock = sock
        self.compressor = compressor
        self.conn: Connection | None = None

    def send(self, payload: dict[str, Any], label: str) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        if self.compressor is not None:
            wire = encode_frame(Opcode.BINARY, self.compressor(text.encode()))
        elif self.conn is not None and self.conn.compress and label not in (
                "HELLO", "HEARTBEAT_ACK"):
            wire = encode_frame(Opcode.BINARY, zlib.compress(text.encode()))
        else:
            wire = None
        self.sock.send(text, event=label, wire=wire)

    def close(self, code: int, reason: str) -> None:
        self.sock.close(code, reason)


class GatewaySockets:
    def __init__(self, hub: GatewayHub, layer: WireLayer, server: Any) -> None:
        self.hub = hub
        self.layer = layer
        self.server = server

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/", self.handle)]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoclose=False, autoping=False, compress=False,
                                   max_msg_size=16 * 1024 * 1024, timeout=1.0)
        if not ws.can_prepare(request).ok:
            return web.Response(status=404, text="404: Not Found")
        await ws.prepare(request)
        sock = WireSocket(ws, request, self.layer, coalesce=True)
        self.server.register_socket(sock)
        conn: Connection | None = None
        try:
            refusal = self._refusal(request)
            if refusal is not None:
                sock.close(*refusal)
            else:
                compress = request.query.get("compress")
                compressor = {"zlib-stream": _zlib_stream,
                              "zstd-stream": _zstd_stream}.get(compress or "")
                transport = _Transport(sock, compressor() if compressor else None)
                conn = self.hub.open(transport)
                transport.conn = conn
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    if not await sock.receive(msg.data, event=_op_name(msg.data)):
                        continue
                    if conn is not None:
                        self._receive(conn, sock, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    # JSON may come in binary frames too (hikari sends every payload so).
                    text = _utf8(msg.data)
                    if not await sock.receive(
                            msg.data if text is None else text, opcode=Opcode.BINARY,
                            event=None if text is None else _op_name(text)):
                        continue
                    if conn is not None and text is None:
                        sock.close(4002, "Error while decoding payload.")
                    elif conn is not None and text is not None:
                        self._receive(conn, sock, text)
                elif msg.type is WSMsgType.PING and await sock.receive(
                        msg.data, event="ws:ping", opcode=Opcode.PING):
                    sock.pong(msg.data)
                elif msg.type is WSMsgType.PONG:
                    await sock.receive(msg.data, event="ws:pong", opcode=Opcode.PONG)
        finally:
            self.server.unregister_socket(sock)
            await sock.finish()
            if conn is not None:
                code = sock.close_code if sock.close_code is not None else ws.close_code
                self.hub.closed(conn, code)
        return ws

    @staticmethod
    def _refusal(request: web.Request) -> tuple[int, str] | None:
        version = request.query.get("v", "10")
        if version not in ("9", "10"):
            return 4012, "Invalid API version."
        if request.query.get("encoding", "json") != "json":
            return 4002, "Error while decoding payload."
        if request.query.get("compress") not in (None, "", "zlib-stream", "zstd-stream"):
            return 4000, "Unknown error."
        return None

    def _receive(self, conn: Connection, sock: WireSocket, text: str) -> None:
        try:
            payload = json.loads(text)
        except ValueError:
            sock.close(4002, "Error while decoding payload.")
            return
        try:
            self.hub.receive(conn, payload)
        except Closed as closed:
            sock.close(closed.code, closed.reason)


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


def _op_name(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    names = {1: "HEARTBEAT", 2: "IDENTIFY", 3: "PRESENCE_UPDATE", 4: "VOICE_STATE_UPDATE",
             6: "RESUME", 8: "REQUEST_GUILD_MEMBERS"}
    op = data.get("op") if isinstance(data, dict) else None
    return names.get(op, f"op:{op}") if isinstance(op, int) else None


__all__ = ["GatewaySockets"]
