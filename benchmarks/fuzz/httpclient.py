"""A raw HTTP/1.1 client on one keep-alive connection.

The fuzzer writes requests as bytes (so a reproducer is exactly what went out, odd
methods, duplicate headers and all) and reads answers with Content-Length, chunked or
read-to-close bodies. A connection the server closed is replaced before the next request;
a reused connection that turns out to be stale is retried once on a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

#: Largest head or chunk line accepted from the server.
LIMIT = 1 << 20


class NoAnswer(Exception):
    """The connection closed before a whole answer arrived."""

    def __init__(self, message: str, received: int = 0) -> None:
        super().__init__(message)
        #: Bytes of the answer that did arrive.
        self.received = received


@dataclass
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    version: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    @property
    def closes(self) -> bool:
        """The server ends the connection after this answer (HTTP/1.0 does by default)."""
        connection = (self.header("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return connection != "keep-alive"
        return connection == "close"


async def read_response(reader: asyncio.StreamReader, *, head: bool = False) -> Response:
    """One response from ``reader`` (1xx interim answers skipped)."""
    while True:
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            raise NoAnswer(f"closed after {len(exc.partial)} bytes of the head",
                           len(exc.partial)) from None
        except asyncio.LimitOverrunError:
            raise NoAnswer("response head over 1 MiB", LIMIT) from None
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise NoAnswer(f"bad status line {lines[0][:80]!r}", len(raw))
        status = int(parts[1])
        headers = []
        for line in lines[1:]:
            if ":" in line:
                key, _, value = line.partition(":")
                headers.append((key.strip().lower(), value.strip()))
        response = Response(status, parts[2] if len(parts) > 2 else "", headers, b"",
                            parts[0])
        if 100 <= status < 200 and status != 101:
            continue
        break
    if status in (101, 204, 304) or (head and not response.closes):
        return response
    if head:  # the server closes after it: whatever it sent (a body, or not) until then
        response.body = await reader.read(-1)
        return response
    try:
        if (response.header("transfer-encoding") or "").lower() == "chunked":
            response.body = await _chunked(reader)
        elif response.header("content-length") is not None:
            response.body = await reader.readexactly(int(response.header("content-length")
                                                         or 0))
        else:
            response.body = await reader.read(-1)
    except (asyncio.IncompleteReadError, ValueError) as exc:
        raise NoAnswer(f"body cut short: {exc}", 1) from None
    return response


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


class HttpClient:
    """One keep-alive connection to ``host:port``, reopened when needed."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._used = 0.0

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._writer is None or self._writer.is_closing() or self._reader is None \
                or self._reader.at_eof():
            await self.close()
            self._reader, self._writer = await asyncio.open_connection(
                self.host, self.port, limit=LIMIT)
        return self._reader, self._writer

    async def request(self, data: bytes, *, head: bool = False,
                      timeout: float = 5.0) -> Response:
        """Send ``data`` (one whole request) and read the answer.

        Raises :class:`NoAnswer` if the connection closes first and ``TimeoutError``
        after ``timeout`` seconds; either way the connection is dropped.
        """
        reused = self._writer is not None
        self._used = time.monotonic()
        try:
            return await asyncio.wait_for(self._exchange(data, head), timeout)
        except (NoAnswer, ConnectionError) as exc:
            await self.close()
            if not reused or (isinstance(exc, NoAnswer) and exc.received):
                raise
            # The server had closed the kept-alive connection after its last answer
            # (nothing of this one arrived): once more, on a fresh connection.
            return await self._retry(data, head, timeout)
        except (TimeoutError, OSError):
            await self.close()
            raise

    async def _retry(self, data: bytes, head: bool, timeout: float) -> Response:
        try:
            return await asyncio.wait_for(self._exchange(data, head), timeout)
        except (NoAnswer, TimeoutError, ConnectionError, OSError):
            await self.close()
            raise

    async def _exchange(self, data: bytes, head: bool) -> Response:
        reader, writer = await self._open()
        try:
            writer.write(data)
            await writer.drain()
        except ConnectionError as exc:
            raise NoAnswer(f"write failed: {exc}") from None
        response = await read_response(reader, head=head)
        if response.closes or response.status == 101:
            await self.close()
        return response

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


__all__ = ["HttpClient", "NoAnswer", "Response", "read_response"]
