"""The HTTP + websocket server under every twin.

One aiohttp :class:`~aiohttp.web.Application` per twin, served from one socket that we
bind ourselves (127.0.0.1, port 0 by default, so the port is known before the first
request). Signals are left alone: the runner never installs handlers, so a twin can live
inside pytest, a notebook or someone else's server.

Stopping is fast on purpose. aiohttp waits up to ``shutdown_timeout`` for handlers to
finish, and a websocket handler only finishes when its socket closes; so before the runner
cleans up, every websocket the twin registered is sent a close frame (with the code the
service would use; clients answer within milliseconds), and whatever still lingers is
cancelled after a short grace period.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .lingering import LingeringSite
from .wire import WireSocket

#: How long stop() lets in-flight HTTP handlers finish before cancelling them.
SHUTDOWN_GRACE = 0.25


class TwinServer:
    """Serves one application on one loopback socket in the running event loop."""

    def __init__(self, app: web.Application | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, logger: logging.LoggerAdapter[logging.Logger] | None = None
                 ) -> None:
        self._app = app
        self.host = host
        self._requested_port = port
        self._runner: web.AppRunner | None = None
        self._socket: socket.socket | None = None
        self._sockets: set[WireSocket] = set()
        self._before_stop: list[Callable[[], Awaitable[None]]] = []
        #: aiohttp's connection-level logger (malformed requests; see WireLayer.server_log).
        self._logger = logger

    @property
    def app(self) -> web.Application:
        """The application served (an empty one until a twin gives its own)."""
        if self._app is None:
            self._app = web.Application()
        return self._app

    @app.setter
    def app(self, app: web.Application) -> None:
        self._app = app

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("the server is not running")
        return self._port

    @property
    def running(self) -> bool:
        return self._runner is not None

    def http_url(self, path: str = "") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def ws_url(self, path: str = "") -> str:
        return f"ws://{self.host}:{self.port}{path}"

    def before_stop(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook`` first thing in :meth:`stop` (a twin closes its sockets its own way)."""
        self._before_stop.append(hook)

    def register_socket(self, sock: WireSocket) -> None:
        """Track an open websocket so that :meth:`stop` can close it."""
        self._sockets.add(sock)

    def unregister_socket(self, sock: WireSocket) -> None:
        self._sockets.discard(sock)

    @property
    def listening(self) -> bool:
        """True once the socket listens (connections queue in its backlog until the
        application serves them)."""
        return self._socket is not None

    async def start(self, app: web.Application | None = None) -> None:
        """Listen; ``app`` replaces the application served (a twin builds one per start:
        an aiohttp application is bound to the loop it first runs in)."""
        self.listen()
        try:
            await self.serve(app)
        except BaseException:
            self._close_socket()
            raise

    def listen(self) -> None:
        """Bind and listen, synchronously: the port is known at once, and clients that
        connect before :meth:`serve` runs wait in the backlog rather than fail."""
        if self._runner is not None or self._socket is not None:
            raise RuntimeError("the server is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError as exc:
            sock.close()
            raise OSError(
                exc.errno, f"cannot listen on {self.host}:{self._requested_port}: {exc.strerror}"
            ) from exc
        sock.listen(512)
        sock.setblocking(False)
        self._port: int = sock.getsockname()[1]
        self._socket = sock

    async def serve(self, app: web.Application | None = None) -> None:
        """Serve ``app`` (or the current application) on the socket :meth:`listen` made."""
        if self._socket is None:
            raise RuntimeError("the server does not listen: call listen() first")
        if self._runner is not None:
            raise RuntimeError("the server is already running")
        if app is not None:
            self.app = app
        extra: dict[str, Any] = {"logger": self._logger} if self._logger is not None else {}
        # auto_decompress=False: request bodies reach the twin as sent, as they reach the
        # services (Spring, Discord's API and Pusher's signed bodies inflate nothing), and
        # a Content-Encoding aiohttp cannot decode is no text/plain refusal before the wire.
        runner = web.AppRunner(
            self.app, handle_signals=False, access_log=None, shutdown_timeout=SHUTDOWN_GRACE,
            auto_decompress=False, **extra,
        )
        await runner.setup()
        try:
            await LingeringSite(runner, self._socket).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    def _close_socket(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            self._close_socket()  # listening only (a start that never finished)
            return
        for hook in self._before_stop:
            await hook()
        self.close_sockets(1001, "server stopping")
        await runner.cleanup()
        self._close_socket()

    def close_sockets(self, code: int, reason: str = "") -> None:
        """Send a close frame to every registered websocket that is still open."""
        for sock in list(self._sockets):
            sock.close(code, reason)


__all__ = ["SHUTDOWN_GRACE", "TwinServer"]
