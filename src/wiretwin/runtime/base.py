"""What every twin shares: a home loop, a server, a seed, a clock, and two ways to run.

``async with twin:`` runs it in the caller's event loop. ``with twin:`` runs it in a
background thread of its own (see :mod:`wiretwin.runtime.threads` for why synchronous
clients need that). Either way the twin listens on 127.0.0.1 and an ephemeral port unless
told otherwise, and stopping it closes every socket and returns in milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from .admin import AdminApi, AdminRoute
from .clock import Clock, RealClock
from .faults import Faults
from .journal import DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_LIMIT, Journal
from .routes import ROUTE_TABLES, DefSource, RouteSource
from .server import TwinServer
from .threads import LoopThread, call_in_loop
from .wire import WireLayer, plain_error

T = TypeVar("T")


class Twin:
    """Base class of the service twins. Subclasses build the aiohttp application."""

    #: Short service name, used in thread names, settings files and messages.
    service = "twin"
    #: Labels of the heartbeat frames the twin sends, its own pings and its answers to the
    #: client's (what a Stall fault withholds).
    heartbeat_events: frozenset[str] = frozenset({"ws:pong"})
    #: The close code and reason a websocket gets when the twin fails handling one of its
    #: frames (a twin bug: logged and journaled too).
    internal_close: tuple[int, str] = (1011, "Internal error")

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        clock: Clock | None = None,
        journal_limit: int = DEFAULT_JOURNAL_LIMIT,
        journal_bytes: int = DEFAULT_JOURNAL_BYTES,
        admin_token: str | None = None,
    ) -> None:
        self.seed = seed
        #: With a token, the admin API wants ``Authorization: Bearer <token>``.
        self.admin_token = admin_token
        self.random = random.Random(seed)
        self.clock: Clock = clock if clock is not None else RealClock()
        self.journal = Journal(self.service, self.clock, journal_limit, journal_bytes)
        self.faults = Faults(self.service, self.journal, seed, self.heartbeat_events)
        self.wire = WireLayer(self.service, self.clock, self.journal, self.faults,
                              http_error=self._http_error,
                              internal_close=self.internal_close)
        self.server = TwinServer(host=host, port=port, logger=self.wire.server_log())
        self.server.before_stop(self._on_stop)
        self._setup()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: LoopThread | None = None
        #: The rest of a start_soon(), until started() or stop() sees it finish.
        self._starting: asyncio.Task[None] | None = None
        self._accepting = False

    # -- subclasses -------------------------------------------------------------------

    def _setup(self) -> None:
        """Create the twin's state (once; it outlives stops and restarts)."""

    def _routes(self) -> list[web.RouteDef]:
        """The service's routes, served by an application built anew at every start (an
        aiohttp app is bound to one loop) through the process's compiled table for them
        (:mod:`.routes`); the admin API's come first."""
        raise NotImplementedError

    def _route_sources(self) -> list[RouteSource]:
        """The service's routes as :class:`~.routes.RouteSource` objects (a twin with
        many routes serves them without building route definitions at every start)."""
        return [DefSource(self._routes())]

    def _prepare_app(self, app: web.Application) -> None:
        """Anything else the service's application needs (signals), at every start."""

    def _max_request_size(self) -> int:
        """The largest request body the service takes, in bytes (past it, the service's
        413 from :meth:`_http_error`); aiohttp's own default unless the service says."""
        return 1024 ** 2

    def _http_error(self, request: web.Request | None, status: int, message: str | None
                    ) -> web.Response:
        """The service's answer for an HTTP error: refusals of aiohttp's own (no route,
        wrong method, body too large), injected faults, and the twin's own crashes."""
        return plain_error(request, status, message)

    def _admin_routes(self) -> list[AdminRoute]:
        """The service's own admin actions, served under ``/_wiretwin``."""
        return []

    def settings(self) -> dict[str, Any]:
        """URLs, ports, credentials and client settings (printed by ``wiretwin serve``)."""
        return {"url": self.http_url()}

    async def _on_start(self) -> None:
        """Called in the home loop once the server listens."""

    async def _on_stop(self) -> None:
        """Called in the home loop before the server closes: say goodbye the service's way."""

    def _snapshot(self) -> dict[str, Any]:
        """The twin's state as plain JSON (in the home loop)."""
        raise NotImplementedError

    def _restore(self, snapshot: dict[str, Any]) -> None:
        """Bring back a :meth:`_snapshot` (in the home loop), telling connected clients."""
        raise NotImplementedError

    def _reset(self, disconnect: bool) -> None:
        """Back to the state the twin was built with; close connections if asked."""
        raise NotImplementedError

    # -- state ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The whole state as plain JSON: :meth:`restore` brings it back."""
        return self.call(self._snapshot)

    def restore(self, snapshot: dict[str, Any]) -> None:
        self.call(self._restore, snapshot)

    def reset(self, *, disconnect: bool = True) -> None:
        """Back to the starting state: faults removed, connections closed (unless
        ``disconnect=False``), state as built, recorder and journal emptied."""
        self.faults.clear()
        self.call(self._reset, disconnect)
        self.journal.clear()

    # -- where it runs ----------------------------------------------------------------

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def running(self) -> bool:
        return self.server.running

    @property
    def accepting(self) -> bool:
        """True from a start until a stop begins (a client that lost its connection may
        come back; during a stop it may not)."""
        return self._accepting

    @property
    def home_loop(self) -> asyncio.AbstractEventLoop | None:
        """The twin's home loop while it is started, else None (for callers that run
        work in place when there is no loop to hand it to)."""
        return self._loop

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the twin lives in (its home loop)."""
        if self._loop is None:
            raise RuntimeError(f"the {self.service} twin is not running")
        return self._loop

    def http_url(self, path: str = "") -> str:
        return self.server.http_url(path)

    def ws_url(self, path: str = "") -> str:
        return self.server.ws_url(path)

    async def start(self) -> Self:
        """Start in the running event loop."""
        self.start_soon()
        await self.started()
        return self

    def start_soon(self) -> Self:
        """Start in the running event loop without awaiting: the socket listens before
        this returns (the port is known; a client that connects early waits in the
        backlog), and the rest of the start runs in a task scheduled at once.
        :meth:`started` awaits it (and raises what failed); :meth:`stop` stops the twin
        whether or not it has finished starting. For synchronous code running inside a
        loop (a fixture, a synchronous ``configure()``)."""
        loop = asyncio.get_running_loop()
        if self._starting is not None or self.server.listening:
            raise RuntimeError(f"the {self.service} twin is already running")
        app = web.Application(client_max_size=self._max_request_size())
        ROUTE_TABLES.bind(app, [AdminApi(self).source(), *self._route_sources()],
                          self.wire.middleware)
        self._prepare_app(app)
        self.server.listen()
        self._loop = loop
        self._accepting = True
        self._starting = loop.create_task(self._serve(app), name=f"wiretwin-{self.service}-start")
        return self

    async def _serve(self, app: web.Application) -> None:
        try:
            await self.server.serve(app)
            await self._on_start()
        except BaseException:
            self._accepting = False
            await self.server.stop()
            self._loop = None
            raise

    async def started(self) -> Self:
        """Wait until a :meth:`start_soon` has finished (at once if it has), raising what
        made it fail."""
        starting = self._starting
        if starting is not None:
            try:
                await asyncio.shield(starting)
            finally:
                if starting.done() and self._starting is starting:
                    self._starting = None
        return self

    async def stop(self) -> None:
        if self._thread is not None and self._loop is not asyncio.get_running_loop():
            await asyncio.to_thread(self.stop_thread)
            return
        self._accepting = False
        starting, self._starting = self._starting, None
        if starting is not None and not starting.done():
            # Let a start under way finish first: stopping its half-built runner would
            # race the task still building it.
            with contextlib.suppress(Exception):
                await asyncio.shield(starting)
        elif starting is not None and not starting.cancelled():
            starting.exception()  # retrieved: a failed start is reported by started()
        await self.server.stop()
        self._loop = None

    def start_in_thread(self) -> Self:
        """Start in a background thread with its own event loop."""
        if self._thread is not None:
            raise RuntimeError(f"the {self.service} twin is already running in a thread")
        thread = LoopThread(name=f"wiretwin-{self.service}")
        thread.start()
        try:
            thread.run(self.start())
        except BaseException:
            thread.stop()
            raise
        self._thread = thread
        return self

    def stop_thread(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        try:
            if self.running:
                thread.run(self.stop())
        finally:
            thread.stop()
            self._loop = None

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the home loop, from whichever thread calls (directly, when
        the twin is not running: nothing else can touch its state then)."""
        if self._loop is None:
            return fn(*args)
        return call_in_loop(self._loop, fn, *args)

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __enter__(self) -> Self:
        return self.start_in_thread()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_thread()


__all__ = ["Twin"]
