"""Route tables compiled once per process, bound to each twin's handlers at its start.

An aiohttp application is bound to the loop it first runs in, so a twin builds a new one
at every start; registering a service's routes on it (the Discord twin has over 300, each
parsed into a regex and checked by :mod:`inspect`) cost milliseconds per start, more
than the rest of starting a twin. Every twin of a kind registers the same routes in the
same order, only the handlers differ (bound to that twin's objects); so the routes are
compiled once, into a frozen aiohttp router whose handlers are trampolines, and each
application gets one resource that resolves through it and calls that twin's own
handler.

A twin hands its routes over as :class:`RouteSource` objects: a cheap key naming the
route list (compared per start), the list itself (read only when compiling), and
``call(index, request)``. So a start allocates next to nothing for its routes: fewer
objects, fewer garbage collections.

Resolution is aiohttp's own, on the same routes in the same order: what matches, the 404
and the 405 (with its ``Allow`` header) are what registering them directly would give.

A twin's wire layer (journal, faults, its error shape) wraps every handler here, refusals
included, rather than as an aiohttp middleware: aiohttp keeps the handler chain it builds
for a middleware in a process-wide cache keyed by the application, and so kept up to
1,024 stopped twins alive, with their journals, in a long test run.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from functools import partial
from typing import Any, Protocol

from aiohttp import web
from aiohttp.abc import AbstractMatchInfo
from aiohttp.web_urldispatcher import (
    AbstractResource,
    AbstractRoute,
    MatchInfoError,
    ResourceRoute,
    UrlMappingMatchInfo,
)
from yarl import URL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: One route: (method, path, keyword arguments of ``web.route``, as sorted pairs).
RouteSpec = tuple[str, str, tuple[tuple[str, Any], ...]]


class RouteSource(Protocol):
    """Routes a twin serves through a compiled table."""

    @property
    def route_key(self) -> Hashable:
        """Equal for sources with the same :meth:`route_specs` (cheap: read per start)."""

    def route_specs(self) -> Sequence[RouteSpec]:
        """The routes, in registration order (read when compiling a table)."""

    def call(self, index: int, request: web.Request) -> Awaitable[web.StreamResponse]:
        """Handle ``request``, which matched route ``index`` of :meth:`route_specs`."""


#: The application's sources, in the order of the compiled table's.
SOURCES = web.AppKey("wiretwin-route-sources", list[RouteSource])
#: What wraps every handler of the application (a twin's wire layer), if anything.
Wrapper = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]
WRAPPER: web.AppKey[Wrapper] = web.AppKey("wiretwin-route-wrapper")


class DefSource:
    """aiohttp route definitions (``web.get(...)``) as a :class:`RouteSource`."""

    def __init__(self, defs: Sequence[web.RouteDef]) -> None:
        self._defs = defs
        self.route_key: Hashable = tuple(
            (d.method, d.path, tuple(sorted(d.kwargs.items()))) for d in defs)

    def route_specs(self) -> Sequence[RouteSpec]:
        for d in self._defs:
            if not inspect.iscoroutinefunction(d.handler):  # the trampolines await it
                raise TypeError(f"{d!r}: the handler must be a coroutine function")
        return [(d.method, d.path, tuple(sorted(d.kwargs.items()))) for d in self._defs]

    def call(self, index: int, request: web.Request) -> Awaitable[web.StreamResponse]:
        handler: Handler = self._defs[index].handler
        return handler(request)


def _trampoline(source: int, index: int) -> Handler:
    async def route(request: web.Request) -> web.StreamResponse:
        app = request.app
        call = app[SOURCES][source].call
        wrapper = app.get(WRAPPER)
        if wrapper is None:
            return await call(index, request)
        return await wrapper(request, partial(call, index))

    return route


def _refusal(refusal: web.HTTPException) -> Handler:
    """No route, or not with this method: aiohttp's refusal, raised inside the wrapper
    (which answers it in the service's shape)."""

    async def refuse(request: web.Request) -> web.StreamResponse:
        raise refusal

    async def route(request: web.Request) -> web.StreamResponse:
        wrapper = request.app.get(WRAPPER)
        if wrapper is None:
            raise refusal
        return await wrapper(request, refuse)

    return route


class RouteTable:
    """Routes compiled into a frozen aiohttp router whose handlers call route ``index``
    of source ``source`` on the requesting application."""

    def __init__(self, specs: Sequence[Sequence[RouteSpec]]) -> None:
        self.size = sum(len(s) for s in specs)
        self.router = web.UrlDispatcher()
        for source, routes in enumerate(specs):
            for index, (method, path, kwargs) in enumerate(routes):
                web.RouteDef(method, path, _trampoline(source, index),
                             dict(kwargs)).register(self.router)
        self.router.freeze()


class TableResource(AbstractResource):
    """Resolves requests through a :class:`RouteTable`; registered at ``/`` (checked
    after any resource with a longer path prefix, which a twin registers none of)."""

    def __init__(self, table: RouteTable) -> None:
        super().__init__()
        self._table = table

    @property
    def canonical(self) -> str:
        return "/"

    def url_for(self, **kwargs: str) -> URL:
        raise RuntimeError("a compiled route table builds no URLs")

    async def resolve(self, request: web.Request
                      ) -> tuple[UrlMappingMatchInfo | None, set[str]]:
        match: AbstractMatchInfo = await self._table.router.resolve(request)
        if isinstance(match, MatchInfoError):
            # Answered here, not by aiohttp's system route: the wrapper must see it.
            route = ResourceRoute(request.method, _refusal(match.http_exception), self)
            return UrlMappingMatchInfo({}, route), set()
        assert isinstance(match, UrlMappingMatchInfo)
        return match, set()

    def add_prefix(self, prefix: str) -> None:
        raise RuntimeError("a compiled route table takes no prefix")

    def get_info(self) -> Any:  # aiohttp's own type for it is private
        return {}

    def raw_match(self, path: str) -> bool:
        return False

    def __len__(self) -> int:
        return self._table.size

    def __iter__(self) -> Iterator[AbstractRoute]:
        return iter(self._table.router.routes())


class RouteTables:
    """The compiled tables of this process, one per list of route keys (a cache:
    immutable once built, shared by every twin and thread)."""

    def __init__(self) -> None:
        self._tables: dict[tuple[Hashable, ...], RouteTable] = {}
        self._lock = threading.Lock()

    def bind(self, app: web.Application, sources: list[RouteSource],
             wrapper: Wrapper | None = None) -> None:
        """Serve the sources' routes on ``app``, in order, as registering them would;
        ``wrapper(request, handler)`` runs every request (refusals included) if given."""
        key = tuple(s.route_key for s in sources)
        table = self._tables.get(key)
        if table is None:
            with self._lock:
                table = self._tables.get(key)
                if table is None:
                    table = RouteTable([s.route_specs() for s in sources])
                    self._tables[key] = table
        app[SOURCES] = sources
        if wrapper is not None:
            app[WRAPPER] = wrapper
        app.router.register_resource(TableResource(table))


#: The process's compiled tables.
ROUTE_TABLES = RouteTables()


__all__ = ["ROUTE_TABLES", "SOURCES", "WRAPPER", "DefSource", "RouteSource", "RouteSpec",
           "RouteTable", "RouteTables", "TableResource", "Wrapper"]
