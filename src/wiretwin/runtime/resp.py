"""A small asyncio Redis client (RESP2): commands, Lua scripts and pub/sub.

Just what the twins' scale-out needs, with no dependency: one TCP connection per
:class:`RedisConnection`, commands written at once in the caller's turn of the loop
(:meth:`RedisConnection.send` needs no ``await``, so a synchronous model operation can
queue its writes in order) and answered in order by one reader task. A connection that
has subscribed hands every pub/sub message to its ``on_message`` callback.

A connection ends once: closed by its owner (:meth:`RedisConnection.close`), or lost (the
server went away, or it left more than ``max_pending`` commands unanswered, as a server
that hangs does); a lost connection calls ``on_lost`` and keeps the reason in ``error``.
Nothing is queued for a connection that is not open: its commands fail at once.

URLs are ``redis://[:password@]host[:port][/db]``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

Reply = Any


class RedisError(Exception):
    """Redis answered with an error, or the connection is gone."""


class RedisConnectionError(RedisError):
    """The connection is gone (or was never open): the command was not answered."""


@dataclass(frozen=True)
class RedisAddress:
    host: str
    port: int
    db: int
    password: str | None

    @classmethod
    def parse(cls, url: str) -> RedisAddress:
        parts = urlsplit(url)
        if parts.scheme != "redis":
            raise ValueError(f"{url!r} is not a redis:// URL")
        path = parts.path.strip("/")
        try:
            db = int(path) if path else 0
        except ValueError:
            raise ValueError(f"{url!r}: the database must be a number") from None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname or "127.0.0.1", parts.port or 6379, db, password)


def encode_command(args: tuple[str | bytes | int | float, ...]) -> bytes:
    """One command as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


async def read_reply(reader: asyncio.StreamReader) -> Reply:
    """One RESP2 reply; an error reply is returned as a :class:`RedisError` instance."""
    line = await reader.readuntil(b"\r\n")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        return RedisError(rest.decode(errors="replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = await reader.readexactly(size + 2)
        return data[:-2].decode(errors="surrogateescape")
    if kind == b"*":
        count = int(rest)
        if count < 0:
            return None
        return [await read_reply(reader) for _ in range(count)]
    raise RedisError(f"unreadable reply from Redis: {line[:40]!r}")


class RedisConnection:
    """One connection to Redis. :meth:`send` writes a command now and returns the future
    of its reply; :meth:`call` awaits it."""

    def __init__(self, address: RedisAddress, *, name: str | None = None,
                 on_message: Callable[[str, str], None] | None = None,
                 on_lost: Callable[[], None] | None = None,
                 max_pending: int | None = None) -> None:
        """``max_pending``: how many commands may wait for their answers; one more and
        the connection is taken as lost (no limit: None)."""
        self.address = address
        self.name = name
        self._on_message = on_message
        self._on_lost = on_lost
        self.max_pending = max_pending
        #: Why the connection was lost (None while open, or closed by its owner).
        self.error: RedisError | None = None
        #: This connection's id and address as Redis knows them (``CLIENT INFO``, Redis
        #: 6.2 and later; None before), to close it from another connection.
        self.client_id: str | None = None
        self.client_addr: str | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: deque[asyncio.Future[Reply]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    @property
    def pending(self) -> int:
        """Commands written and not answered yet."""
        return len(self._pending)

    async def open(self, timeout: float = 5.0) -> None:
        """Connect, sign in, select the database and name the connection, all within
        ``timeout`` seconds (a server that accepts and never answers fails it)."""
        try:
            async with asyncio.timeout(timeout):
                self._reader, self._writer = await asyncio.open_connection(
                    self.address.host, self.address.port)
                self._task = asyncio.get_running_loop().create_task(
                    self._read(), name=f"wiretwin-redis {self.name or ''}".strip())
                if self.address.password is not None:
                    await self.call("AUTH", self.address.password)
                if self.address.db:
                    await self.call("SELECT", self.address.db)
                if self.name is not None:
                    await self.call("CLIENT", "SETNAME", self.name)
                with contextlib.suppress(RedisError):  # (before Redis 6.2: unknown)
                    info: str = await self.call("CLIENT", "INFO")
                    fields = dict(f.split("=", 1) for f in info.split() if "=" in f)
                    self.client_id, self.client_addr = fields.get("id"), fields.get("addr")
        except BaseException:
            await self.close()
            raise

    def send(self, *args: str | bytes | int | float) -> asyncio.Future[Reply]:
        """Write one command now; the future gets its reply (or :class:`RedisError`)."""
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        if (self.max_pending is not None and len(self._pending) >= self.max_pending
                and self.connected):
            self._fail(RedisConnectionError(
                f"Redis left {len(self._pending)} commands unanswered"))
        if not self.connected:
            future.set_exception(self.error or RedisConnectionError("not connected to Redis"))
            return future
        assert self._writer is not None
        self._pending.append(future)
        self._writer.write(encode_command(args))
        return future

    async def call(self, *args: str | bytes | int | float) -> Reply:
        return await self.send(*args)

    def abort(self, reason: str) -> None:
        """Take the connection as lost (``on_lost`` is called): e.g. Redis stopped
        answering."""
        if self.connected:
            self._fail(RedisConnectionError(reason))

    async def _read(self) -> None:
        assert self._reader is not None
        try:
            while True:
                reply = await read_reply(self._reader)
                if (self._on_message is not None and isinstance(reply, list)
                        and len(reply) == 3 and reply[0] == "message"):
                    self._on_message(reply[1], reply[2])
                    continue
                if not self._pending:
                    continue  # an unasked push (e.g. a subscribe confirmation)
                future = self._pending.popleft()
                if future.done():
                    continue
                if isinstance(reply, RedisError):
                    future.set_exception(reply)
                else:
                    future.set_result(reply)
        except asyncio.IncompleteReadError:
            self._fail(RedisConnectionError("Redis closed the connection"))
        except (ConnectionError, OSError) as exc:
            self._fail(RedisConnectionError(f"connection to Redis lost: {exc}"))
        except asyncio.CancelledError:
            self._fail(RedisConnectionError("connection to Redis closed"))
            raise

    def _fail(self, error: RedisError) -> None:
        first = self.error is None and not self._closing
        if first:
            self.error = error
        while self._pending:
            future = self._pending.popleft()
            if not future.done():
                future.set_exception(error)
                future.exception()  # nobody may be waiting: do not warn about it
        if self._writer is not None and first:
            # Lost: what was not written yet never will be (nor waits for a server that
            # does not read).
            self._writer.transport.abort()
        elif self._writer is not None:
            self._writer.close()
        if first and self._on_lost is not None:
            self._on_lost()

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._writer is not None:
            if self.error is not None:
                self._writer.transport.abort()
            self._writer.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):  # (a server that hangs reads nothing)
                    await self._writer.wait_closed()
            self._writer = None


__all__ = ["RedisAddress", "RedisConnection", "RedisConnectionError", "RedisError",
           "encode_command", "read_reply"]
