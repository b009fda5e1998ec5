"""Lingering close: an answer to a bad request reaches the client even while its body is
still arriving.

When aiohttp refuses a request it cannot parse (a bad request line, a bad header) it
answers 400 and closes the connection at once. If the client is still sending (a large
body behind the bad head), the kernel holds bytes nobody read, and closing such a socket
sends a TCP reset instead of a FIN: the client loses the 400 already written and sees a
dropped connection. Front servers avoid this with a "lingering close" (nginx's
``lingering_close``): stop writing, read and discard what is still coming for a moment,
then close. :class:`LingeringSite` does that for the HTTP connections aiohttp closes with
unread bytes pending; every other close (nothing left to read, websockets) is left as it
is, so stopping a twin stays fast.
"""

from __future__ import annotations

import array
import asyncio
import fcntl
import termios
from typing import Any

from aiohttp import web

#: The longest a refused connection lingers before it is closed anyway (real time).
LINGER_TIMEOUT = 2.0


def _unread(transport: asyncio.BaseTransport) -> int:
    """Bytes the kernel holds for this socket that nobody has read (0 if unknown)."""
    sock = transport.get_extra_info("socket")
    if sock is None:
        return 0
    count = array.array("i", [0])
    try:
        fcntl.ioctl(sock.fileno(), termios.FIONREAD, count, True)
    except (OSError, ValueError):
        return 0
    return count[0]


class _Linger:
    """The lingering close of one connection's transport."""

    __slots__ = ("close", "handler", "lingering", "peer_done", "transport")

    def __init__(self, handler: Any, transport: asyncio.Transport) -> None:
        self.handler = handler
        self.transport = transport
        self.close = transport.close
        self.lingering = False
        self.peer_done = False
        transport.close = self.lingering_close  # type: ignore[method-assign]

    def lingering_close(self) -> None:
        if self.lingering:
            if self.peer_done:
                self.close()
            return  # aiohttp closing again: the peer's EOF or the timer will
        transport = self.transport
        if getattr(self.handler, "_upgraded", False) or transport.is_closing() \
                or _unread(transport) == 0:
            self.close()
            return
        # The handler ignores data once it is closing; the peer's EOF closes the
        # transport, or the timer does.
        try:
            transport.write_eof()
        except (OSError, RuntimeError):
            self.close()
            return
        self.lingering = True
        asyncio.get_running_loop().call_later(LINGER_TIMEOUT, self.close)

    def eof(self) -> None:
        self.peer_done = True


class _LingeringProtocol(asyncio.Protocol):
    """aiohttp's connection handler, with a lingering close on its transport (the handler
    has ``__slots__``, so it is wrapped rather than patched)."""

    __slots__ = ("handler", "linger")

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.linger: _Linger | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.handler.connection_made(transport)
        if isinstance(transport, asyncio.Transport):
            self.linger = _Linger(self.handler, transport)

    def data_received(self, data: bytes) -> None:
        self.handler.data_received(data)

    def eof_received(self) -> bool | None:
        if self.linger is not None:
            self.linger.eof()
        result: bool | None = self.handler.eof_received()
        return result

    def connection_lost(self, exc: Exception | None) -> None:
        self.handler.connection_lost(exc)

    def pause_writing(self) -> None:
        self.handler.pause_writing()

    def resume_writing(self) -> None:
        self.handler.resume_writing()


class LingeringSite(web.SockSite):
    """A :class:`aiohttp.web.SockSite` whose refused connections close lingering."""

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _LingeringProtocol(server()), sock=self._sock, ssl=self._ssl_context,
            backlog=self._backlog)


__all__ = ["LINGER_TIMEOUT", "LingeringSite"]
