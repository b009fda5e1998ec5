"""The twin's own websocket wire layer: frames out, straight onto the transport.

aiohttp parses what clients send; what a twin sends goes through :class:`WireSocket`,
which encodes RFC 6455 frames itself and writes them to the connection's transport. That
gives three things a twin needs:

* raw frames: a test (or a fault) can send any opcode or payload, even malformed ones;
* fan-out that costs one encode per event: server frames are unmasked, so the bytes are
  the same for every subscriber and each delivery is a single ``transport.write``;
* one choke point where later layers (journal, faults) see every outgoing frame.

Writes are synchronous and ordered per socket. A client that stops reading cannot make
the twin buffer without bound: past ``max_buffer`` bytes the socket is aborted, as a real
service drops a consumer that cannot keep up.
"""

from __future__ import annotations

import asyncio
import struct
from enum import IntEnum

from aiohttp import web


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


class WireSocket:
    """A server-side websocket whose outgoing frames the twin writes itself."""

    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, *,
        max_buffer: int = DEFAULT_MAX_BUFFER,
    ) -> None:
        transport = request.transport
        if transport is None:
            raise RuntimeError("the request has no transport (connection already lost)")
        self.ws = ws
        if not isinstance(transport, asyncio.Transport):
            raise RuntimeError(f"unexpected transport {type(transport).__name__}")
        self._transport: asyncio.Transport = transport
        self._max_buffer = max_buffer
        self._closing = False
        peer = transport.get_extra_info("peername")
        self.peer: str = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)

    @property
    def closed(self) -> bool:
        return self._closing or self.ws.closed or self._transport.is_closing()

    def write(self, frame: bytes) -> bool:
        """Write encoded frame bytes; False if the socket is gone."""
        if self.closed:
            return False
        self._transport.write(frame)
        if self._transport.get_write_buffer_size() > self._max_buffer:
            self.abort()
            return False
        return True

    def send_text(self, text: str) -> bool:
        return self.write(encode_text(text))

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame and let aiohttp finish the closing handshake."""
        if self.closed:
            return
        self._closing = True
        asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await self.ws.close(code=code, message=reason.encode()[:123])
        except (ConnectionError, RuntimeError):
            self.abort()

    def abort(self) -> None:
        """Drop the TCP connection without a closing handshake (what a crash looks like)."""
        self._closing = True
        self._transport.abort()


__all__ = [
    "DEFAULT_MAX_BUFFER",
    "Opcode",
    "WireSocket",
    "encode_close",
    "encode_frame",
    "encode_text",
]
