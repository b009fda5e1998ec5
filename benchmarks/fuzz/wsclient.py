"""A raw RFC 6455 client: any frame out, every frame in checked.

:meth:`WsConn.connect` does the upgrade with whatever headers a case asks for and returns
the twin's refusal as a :class:`Response` when there is no 101. Past the upgrade a reader
task parses every server frame, notes what a server must never send (masked frames, RSV
bits, unknown opcodes, fragmented control frames, text that is not UTF-8, a 1-byte close
payload) in :attr:`WsConn.issues`, reassembles messages for the owner's ``on_message``,
answers pings, and answers a close frame. It also tells a close frame from a TCP
connection that just drops (:attr:`WsConn.dropped`).

Syncing: :meth:`sync` sends a websocket ping with a unique payload and waits for its
pong; the twins answer pings in order with the frames before them, so once it is back
every answer to what was sent before has arrived.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import socket
import struct
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .cases import MASK_KEY, Frame, HeaderList, valid_close_code
from .httpclient import LIMIT, NoAnswer, Response, read_response

KEY = base64.b64encode(b"wiretwin-fuzzer!").decode()
ACCEPT = base64.b64encode(hashlib.sha1(
    (KEY + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
#: A server message bigger than this is not read (and is an issue).
MAX_MESSAGE = 64 << 20
_pings = itertools.count(1)
#: Seconds to wait for the server to end TCP after the closing handshake.
CLOSE_WAIT = 3.0


@dataclass
class Closed:
    """How the connection ended."""

    code: int | None = None  # None: a close frame without a code
    reason: bytes = b""
    by_server: bool = True


@dataclass
class WsConn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    #: Called with (opcode, payload) for every whole data message, in the reader task.
    on_message: Callable[[WsConn, int, bytes], None] = lambda c, o, p: None
    issues: list[tuple[str, str]] = field(default_factory=list)
    #: The server's close frame, once it came.
    closed: Closed | None = None
    #: The connection dropped without a close frame from the server: "eof" (a clean TCP
    #: close) or "reset" (RST; a close frame sent just before may have been discarded).
    dropped: str = ""
    #: We reset it ourselves.
    aborted: bool = False
    #: We sent a close frame.
    sent_close: bool = False
    sent_frames: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    pongs: set[bytes] = field(default_factory=set)
    task: asyncio.Task[None] | None = None
    #: The owner's decoded messages (the latest few) and counters, and its notes.
    inbox: deque[Any] = field(default_factory=lambda: deque(maxlen=256))
    counts: Counter[str] = field(default_factory=Counter)
    info: dict[str, Any] = field(default_factory=dict)
    #: The first close frame we sent (-1: without a code), and whether a case on this
    #: connection broke RFC 6455 on purpose.
    client_close: int | None = None
    violation: bool = False
    #: A case sent a message big enough to be refused (1009).
    oversize: bool = False
    #: The close (or drop) has been judged.
    judged: bool = False

    # -- opening ---------------------------------------------------------------------

    @classmethod
    async def connect(cls, host: str, port: int, target: str, headers: HeaderList,
                      *, timeout: float = 5.0, rcvbuf: int | None = None,
                      on_message: Callable[[WsConn, int, bytes], None] | None = None,
                      ) -> WsConn | Response:
        """Upgrade ``target``; the connection, or the twin's answer when it is not 101."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # asyncio only sets this on sockets made with proto=IPPROTO_TCP; without it a
        # frame after a frame the twin does not answer waits out a delayed ACK (40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(loop.sock_connect(sock, (host, port)), timeout)
            reader, writer = await asyncio.open_connection(sock=sock, limit=LIMIT)
        except BaseException:
            sock.close()
            raise
        defaults = {"Upgrade": "websocket", "Connection": "Upgrade",
                    "Sec-WebSocket-Key": KEY, "Sec-WebSocket-Version": "13"}
        given = {k.lower() for k, _ in headers}
        lines = [f"GET {target} HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{k}: {v}" for k, v in defaults.items() if k.lower() not in given]
        lines += [f"{k}: {v}" for k, v in headers]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape"))
        try:
            response = await asyncio.wait_for(read_response(reader), timeout)
        except BaseException:
            writer.close()
            raise
        if response.status != 101:
            writer.close()
            return response
        conn = cls(reader, writer)
        if on_message is not None:
            conn.on_message = on_message
        if response.header("sec-websocket-accept") != ACCEPT:
            conn.issues.append(("shape", "101 without the right Sec-WebSocket-Accept"))
        conn.task = asyncio.create_task(conn._read())
        return conn

    # -- sending ---------------------------------------------------------------------

    @property
    def open(self) -> bool:
        return (self.closed is None and not self.dropped and not self.aborted
                and not self.writer.is_closing())

    def send(self, frame: Frame) -> bool:
        if self.writer.is_closing():
            return False
        self.writer.write(frame.encode())
        self.sent_frames += 1
        if frame.close_code is not None:
            self.sent_close = True
            if self.client_close is None:
                self.client_close = frame.close_code
        return True

    def send_text(self, text: str) -> bool:
        return self.send(Frame.text(text))

    async def sync(self, timeout: float) -> bool:
        """Ping with a unique payload; True when its pong came back (False: closed)."""
        token = next(_pings).to_bytes(8, "big")
        if not self.open or not self.send(Frame(token, 0x9)):
            await self.wait_closed(timeout)
            return False
        return await self.wait(lambda: token in self.pongs, timeout)

    async def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Until ``done()`` (True) or the connection ends (False); TimeoutError after."""
        async with asyncio.timeout(timeout):
            while True:
                if done():
                    return True
                if not self.open and (self.closed is not None or self.dropped
                                      or self.aborted or self.task is None
                                      or self.task.done()):
                    return False
                self.changed.clear()
                await self.changed.wait()

    async def wait_closed(self, timeout: float) -> bool:
        """True once the connection has ended (a close frame or a drop) within ``timeout``."""
        if self.task is None:
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.task), timeout)
        return self.task.done()

    async def close(self, code: int = 1000, timeout: float = 1.0) -> None:
        """A clean goodbye: our close frame, the server's answer, then TCP."""
        if self.open:
            self.send(Frame.close(code))
            await self.wait_closed(timeout)
        self.abort()

    def abort(self) -> None:
        """Reset the connection (no close frame)."""
        if not self.writer.is_closing():
            self.aborted = self.closed is None and not self.dropped
            transport = self.writer.transport
            if isinstance(transport, asyncio.Transport):
                transport.abort()
            else:  # pragma: no cover
                self.writer.close()
        self._wake()

    def pause_reading(self) -> None:
        transport = self.writer.transport
        if isinstance(transport, asyncio.ReadTransport):
            transport.pause_reading()

    # -- receiving -------------------------------------------------------------------

    def _wake(self) -> None:
        self.changed.set()

    async def _read(self) -> None:
        try:
            await self._frames()
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
            if self.closed is None and not self.aborted:
                self.dropped = "eof" if isinstance(exc, asyncio.IncompleteReadError) \
                    else "reset"
        finally:
            if not self.writer.is_closing():
                self.writer.close()
            self._wake()

    async def _frames(self) -> None:
        parts: list[bytes] = []
        message_opcode = 0
        while True:
            b0, b1 = await self.reader.readexactly(2)
            fin, rsv, opcode = bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F
            length = b1 & 0x7F
            if length == 126:
                length = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            key = await self.reader.readexactly(4) if b1 & 0x80 else None
            if key is not None:
                self.issues.append(("shape", "the server sent a masked frame"))
            if rsv:
                self.issues.append(("shape", f"server frame with RSV bits {rsv:03b}"))
            if length > MAX_MESSAGE:
                self.issues.append(("shape", f"server frame of {length} bytes"))
                self.abort()
                return
            payload = await self.reader.readexactly(length)
            if key is not None:
                payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            if opcode >= 0x8:
                if not fin or length > 125:
                    self.issues.append(("shape", "a fragmented or oversize control frame"))
                if opcode == 0x8:
                    self._on_close(payload)
                    # The server ends the TCP connection after the closing handshake;
                    # until then its handler may still be running (and logging).
                    with contextlib.suppress(TimeoutError, ConnectionError, OSError):
                        await asyncio.wait_for(self.reader.read(-1), CLOSE_WAIT)
                    return
                if opcode == 0x9:
                    self.send(Frame(payload, 0xA))
                elif opcode == 0xA:
                    self.pongs.add(payload)
                else:
                    self.issues.append(("shape", f"server frame with opcode {opcode:#x}"))
                self._wake()
                continue
            if opcode in (0x1, 0x2):
                if parts:
                    self.issues.append(("shape", "a new message inside a fragmented one"))
                parts, message_opcode = [payload], opcode
            elif opcode == 0x0:
                if not parts:
                    self.issues.append(("shape", "a continuation frame with no message"))
                    continue
                parts.append(payload)
            else:
                self.issues.append(("shape", f"server frame with opcode {opcode:#x}"))
                continue
            if fin:
                data, parts = b"".join(parts), []
                if message_opcode == 0x1:
                    try:
                        data.decode("utf-8")
                    except UnicodeDecodeError:
                        self.issues.append(("shape", "a text frame that is not UTF-8"))
                self.on_message(self, message_opcode, data)
                self._wake()

    def _on_close(self, payload: bytes) -> None:
        if len(payload) == 1:
            self.issues.append(("bad_close", "a close frame with a 1-byte payload"))
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        reason = payload[2:]
        try:
            reason.decode("utf-8")
        except UnicodeDecodeError:
            self.issues.append(("shape", "a close reason that is not UTF-8"))
        self.closed = Closed(code, reason)
        if not self.sent_close and not self.writer.is_closing():
            answer = code if code is not None and valid_close_code(code) else 1000
            self.writer.write(Frame.close(answer).encode(MASK_KEY))
            self.sent_close = True
        self._wake()


async def connect_or_refusal(
    host: str, port: int, target: str, headers: HeaderList, *, timeout: float = 5.0,
    rcvbuf: int | None = None, on_message: Callable[[WsConn, int, bytes], None] | None = None,
) -> WsConn | Response | str:
    """:meth:`WsConn.connect`, with "no answer" / "timeout" as strings instead of raising."""
    try:
        return await WsConn.connect(host, port, target, headers, timeout=timeout,
                                    rcvbuf=rcvbuf, on_message=on_message)
    except NoAnswer as exc:
        return f"no answer to the upgrade ({exc})"
    except TimeoutError:
        return "timeout"
    except (ConnectionError, OSError) as exc:
        return f"connection failed ({exc})"


__all__ = ["Closed", "WsConn", "connect_or_refusal"]
