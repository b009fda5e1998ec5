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

Closing follows RFC 6455 section 7: the side that closes sends a close frame, keeps
reading (and ignoring) until the peer's close frame comes back, and only then drops the
TCP connection, so the peer sees the close code. The handler's websocket is created with
``autoclose=False`` so aiohttp neither answers the peer's reply with a second close frame
nor drops the connection early; :meth:`WireSocket.finish` ends every connection. A peer
that never answers is cut off after ``CLOSE_TIMEOUT`` seconds of real time (a transport
matter, so not on the twin's clock).
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
#: Seconds to wait for the peer's close frame after sending ours.
CLOSE_TIMEOUT = 2.0


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
        self._timer: asyncio.TimerHandle | None = None
        #: The code of the close frame the twin sent, if it closed first.
        self.close_code: int | None = None
        peer = transport.get_extra_info("peername")
        self.peer: str = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)

    @property
    def closing(self) -> bool:
        """True once the twin sent its close frame (or gave up on the connection)."""
        return self._closing

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
        """Send a close frame; the connection ends when the peer answers (or times out)."""
        if self.closed:
            return
        self._transport.write(encode_close(code, reason))
        self._closing = True
        self.close_code = code
        self._timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT, self.abort)

    async def finish(self) -> None:
        """End the connection once the handler's receive loop is over.

        If the twin closed first, the peer's close frame has now arrived (or the timeout
        fired): drop the TCP connection. If the peer closed first, answer its close frame.
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._closing:
            if not self._transport.is_closing():
                self._transport.close()
            return
        self._closing = True
        try:
            code = self.ws.close_code
            await self.ws.close(code=code if code in _ECHOABLE or (code and code >= 3000)
                                else 1000)
        except (ConnectionError, RuntimeError):
            self.abort()

    def abort(self) -> None:
        """Drop the TCP connection without a closing handshake (what a crash looks like)."""
        self._closing = True
        self._transport.abort()


#: Close codes a server may send back as they came (RFC 6455 section 7.4.1).
_ECHOABLE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011})


__all__ = [
    "CLOSE_TIMEOUT",
    "DEFAULT_MAX_BUFFER",
    "Opcode",
    "WireSocket",
    "encode_close",
    "encode_frame",
    "encode_text",
]
