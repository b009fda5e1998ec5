"""Route tables compiled once per process, bound to each twin's handlers at its start.

An aiohttp application is bound to the loop it first runs in, so a twin builds a new one
at every start; registering a service's routes on it (the Discord twin has over 300, each
parsed into a regex and checked by :mod:`inspect`) cost milliseconds per start, more
than the rest of starting a twin. Every twin of a kind registers the same routes in the
same order, only the handlers differ (bound to that twin's objects); so the routes are
compiled once, into a frozen aiohttp router whose handlers are trampolines, and each
application gets one resource that resolves through it and calls that twin's own
handler (kept on the application, in route order).

Resolution is aiohttp's own, on the same routes in the same order: what matches, the 404
and the 405 (with its ``Allow`` header) are what registering them directly would give.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractMatchInfo
from aiohttp.web_urldispatcher import (
    AbstractResource,
    AbstractRoute,
    MatchInfoError,
    UrlMappingMatchInfo,
)
from yarl import URL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: The route definitions' shape: (method, path, sorted keyword arguments).
Signature = tuple[tuple[str, str, tuple[tuple[str, Any], ...]], ...]

#: The application's handlers, in the order of the compiled table's routes.
HANDLERS = web.AppKey("wiretwin-route-handlers", list[Handler])


def _trampoline(index: int) -> Handler:
    async def route(request: web.Request) -> web.StreamResponse:
        return await request.app[HANDLERS][index](request)

    return route


class RouteTable:
    """One signature's routes, compiled into a frozen aiohttp router (trampoline
    handlers: each calls the handler at its index on the requesting application)."""

    def __init__(self, signature: Signature) -> None:
        self.signature = signature
        self.router = web.UrlDispatcher()
        for index, (method, path, kwargs) in enumerate(signature):
            web.RouteDef(method, path, _trampoline(index), dict(kwargs)).register(
                self.router)
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
            refusal = match.http_exception
            if isinstance(refusal, web.HTTPMethodNotAllowed):
                return None, set(refusal.allowed_methods)
            return None, set()
        assert isinstance(match, UrlMappingMatchInfo)
        return match, set()

    def add_prefix(self, prefix: str) -> None:
        raise RuntimeError("a compiled route table takes no prefix")

    def get_info(self) -> Any:  # aiohttp's own type for it is private
        return {}

    def raw_match(self, path: str) -> bool:
        return False

    def __len__(self) -> int:
        return len(self._table.signature)

    def __iter__(self) -> Iterator[AbstractRoute]:
        return iter(self._table.router.routes())


class RouteTables:
    """The compiled tables of this process, one per signature (a cache: immutable once
    built, shared by every twin and thread)."""

    def __init__(self) -> None:
        self._tables: dict[Signature, RouteTable] = {}
        self._lock = threading.Lock()

    def bind(self, app: web.Application, defs: Sequence[web.RouteDef]) -> None:
        """Serve ``defs`` on ``app`` as ``app.add_routes(defs)`` would."""
        signature: Signature = tuple(
            (d.method, d.path, tuple(sorted(d.kwargs.items()))) for d in defs)
        table = self._tables.get(signature)
        if table is None:
            with self._lock:
                table = self._tables.get(signature)
                if table is None:
                    # Checked once: the trampolines await what the handlers return.
                    for d in defs:
                        if not inspect.iscoroutinefunction(d.handler):
                            raise TypeError(f"{d!r}: the handler must be a coroutine "
                                            "function")
                    table = self._tables[signature] = RouteTable(signature)
        app[HANDLERS] = [d.handler for d in defs]
        app.router.register_resource(TableResource(table))


#: The process's compiled tables.
ROUTE_TABLES = RouteTables()


__all__ = ["HANDLERS", "ROUTE_TABLES", "RouteTable", "RouteTables", "TableResource"]
