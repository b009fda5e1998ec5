"""The admin HTTP API: drive a twin from any language, under ``/_wiretwin`` on its own port.

A Playwright, Vitest or discord.js test cannot import the Python control API, so every
twin serves the same actions over HTTP: reset, snapshot and restore, faults, the journal,
the clock, and each twin's own control actions (a Pusher twin's trigger, members,
disconnects...). The routes and the OpenAPI document (``GET /_wiretwin/openapi.json``) are
built from one table, :class:`AdminRoute`, so they cannot drift apart.

Who may call: loopback addresses only (whatever address the twin listens on), and, when
the twin has an ``admin_token``, only requests with ``Authorization: Bearer <token>`` (or,
for a browser, the ``wiretwin_admin_token`` cookie the web console sets: accepted on GET
requests, and on others that carry ``X-Wiretwin-Console: 1``, which a page of another
origin cannot send without a preflight the API does not grant with credentials).

Packages add admin routes to every twin through the entry-point group
``wiretwin.admin_extensions``: each entry is a callable ``(twin) -> list[AdminRoute]``
(the web console, :mod:`wiretwin.console`, is one). The runtime never imports them by
name.
Answers are JSON; errors are ``{"error": "..."}`` with 400, 401, 403, 404 or 409. CORS is
open, so a page under test may call the twin's admin routes (its auth helpers) directly.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import json
import logging
import re
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, ClassVar

from aiohttp import web

from .. import __version__
from . import jsonio
from .clock import Clock, VirtualClock
from .faults import fault_from_json
from .journal import Entry
from .looptime import LoopClock
from .routes import RouteSpec
from .wire import ADMIN_PREFIX

if TYPE_CHECKING:
    from .base import Twin

Handler = Callable[[web.Request], Awaitable[Any]]

_log = logging.getLogger("wiretwin.admin")

#: The entry-point group whose callables add admin routes to every twin.
EXTENSIONS_GROUP = "wiretwin.admin_extensions"
#: The cookie a browser holds the admin token in (set by the web console's page).
ADMIN_COOKIE = "wiretwin_admin_token"
#: The header that lets a cookie-authenticated request change state (see the docstring).
CONSOLE_HEADER = "X-Wiretwin-Console"


class AdminError(Exception):
    """Answered with ``status`` and ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class AdminRoute:
    method: str
    path: str
    handler: Handler
    summary: str
    #: JSON Schema of the request body, if it takes one.
    body: dict[str, Any] | None = None
    #: Query parameters: name -> description.
    query: dict[str, str] = field(default_factory=dict)
    #: JSON Schema of a successful answer.
    response: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    status: int = 200
    tag: str = "twin"
    #: What a successful answer is, when not JSON (``text/html``, ``text/event-stream``).
    content_type: str = "application/json"
    #: Whether the gate takes the token from ``?token=`` too (the console's page, which a
    #: browser opens from a link and cannot send a header to).
    query_token: bool = False


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body, or an :class:`AdminError` saying what is wrong."""
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = jsonio.loads(raw)
    except jsonio.JSONError as exc:
        raise AdminError(400, f"the body is not JSON: {exc.reason}") from None
    if not isinstance(body, dict):
        raise AdminError(400, "the body must be a JSON object")
    return body


def _template_matches(template: str, path: str) -> bool:
    """Does ``path`` fit a route template (``/discord/guilds/{guild}``)?"""
    parts, wanted = template.strip("/").split("/"), path.strip("/").split("/")
    return len(parts) == len(wanted) and all(
        p.startswith("{") or p == w for p, w in zip(parts, wanted, strict=True))


def _loopback(remote: str | None) -> bool:
    if remote is None:
        return False
    try:
        return ipaddress.ip_address(remote.split("%")[0]).is_loopback
    except ValueError:
        return False


OBJECT: dict[str, Any] = {"type": "object"}
ARRAY: dict[str, Any] = {"type": "array", "items": {"type": "object"}}


class AdminApi:
    """The generic admin routes of a twin, plus the twin's own (``twin._admin_routes()``)."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin

    @property
    def table(self) -> list[AdminRoute]:
        extra = [route for extension in admin_extensions() for route in extension(self.twin)]
        return self._generic() + self.twin._admin_routes() + extra

    def routes(self) -> list[web.RouteDef]:
        """The admin API as aiohttp route definitions (what :meth:`source` serves)."""
        defs = []
        for route in self.table:
            defs.append(web.route(route.method, ADMIN_PREFIX + route.path,
                                  self._wrap(route)))
        defs.append(web.route("*", ADMIN_PREFIX + "/{tail:.*}", self._elsewhere))
        return defs

    def source(self) -> AdminSource:
        """The admin API as a compiled route table's source: no route definitions are
        built per start (they cost more than the rest of a twin's start)."""
        return AdminSource(self)

    # -- the gate -----------------------------------------------------------------------

    def _wrap(self, route: AdminRoute) -> Handler:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            return await self.serve(route, request)

        return endpoint

    async def serve(self, route: AdminRoute, request: web.Request) -> web.StreamResponse:
        """Answer ``request`` with ``route``: the gate, the handler, the JSON and CORS."""
        try:
            self._authorize(request, query_token=route.query_token)
            result = await route.handler(request)
        except AdminError as exc:
            return self._json({"error": exc.message}, exc.status)
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return self._cors(web.Response(status=204))
        return self._json(result, route.status)

    def _authorize(self, request: web.Request, *, query_token: bool = False) -> None:
        if not _loopback(request.remote):
            raise AdminError(403, "the admin API answers loopback clients only")
        token = self.twin.admin_token
        if token is None:
            return
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:], token):
            return
        cookie = request.cookies.get(ADMIN_COOKIE)
        if cookie is not None and hmac.compare_digest(cookie, token) and (
                request.method in ("GET", "HEAD") or CONSOLE_HEADER in request.headers):
            return
        if query_token:
            if hmac.compare_digest(request.query.get("token", ""), token):
                return
            raise AdminError(401, f"this twin has an admin token: open {request.path}"
                                  "?token=<admin token> once")
        raise AdminError(401, "this twin's admin API needs 'Authorization: Bearer <token>'")

    async def _preflight(self, request: web.Request) -> web.Response:
        return self._cors(web.Response(status=204))

    async def _elsewhere(self, request: web.Request) -> web.Response:
        """Every admin path takes the CORS preflight; anything else no route took is the
        admin API's 405 (with ``Allow``) or 404, in its own shape."""
        if request.method == "OPTIONS":
            return await self._preflight(request)
        tail = request.path[len(ADMIN_PREFIX):]
        allowed = sorted({r.method for r in self.table if _template_matches(r.path, tail)})
        if allowed:
            response = self._json({"error": f"{request.method} is not allowed on "
                                            f"{request.path} (allowed: {', '.join(allowed)})"},
                                  405)
            response.headers["Allow"] = ", ".join([*allowed, "OPTIONS"])
            return response
        return self._json({"error": f"no admin route {request.method} {request.path} (they "
                                    f"are listed at GET {ADMIN_PREFIX}/openapi.json)"}, 404)

    @staticmethod
    def _cors(response: web.Response) -> web.Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
        return response

    def _json(self, body: Any, status: int = 200) -> web.Response:
        return self._cors(web.json_response(body, status=status))

    # -- generic routes -----------------------------------------------------------------

    def _generic(self) -> list[AdminRoute]:
        return [
            AdminRoute("GET", "", self.info, "What this twin is and how to reach it",
                       tag="admin"),
            AdminRoute("GET", "/openapi.json", self.openapi, "This document", tag="admin"),
            AdminRoute("POST", "/reset", self.reset,
                       "Back to the starting state: faults removed, connections closed, "
                       "state as built, recorder and journal emptied",
                       body={"type": "object", "properties": {
                           "disconnect": {"type": "boolean", "default": True}}},
                       status=204, tag="admin"),
            AdminRoute("GET", "/snapshot", self.snapshot, "The whole state as plain JSON",
                       tag="admin"),
            AdminRoute("PUT", "/snapshot", self.restore,
                       "Restore a snapshot (connected clients are told what changed)",
                       body=OBJECT, status=204, tag="admin"),
            AdminRoute("GET", "/faults", self.list_faults, "The active faults",
                       response=ARRAY, tag="faults"),
            AdminRoute("POST", "/faults", self.add_fault,
                       "Add a fault: {type, name?, scope?, probability?, after?, times?, ...}",
                       body={"type": "object", "required": ["type"], "properties": {
                           "type": {"type": "string", "enum": sorted(_fault_types())}}},
                       status=201, tag="faults"),
            AdminRoute("DELETE", "/faults", self.clear_faults, "Remove every fault",
                       status=204, tag="faults"),
            AdminRoute("DELETE", "/faults/{name}", self.remove_fault, "Remove one fault",
                       status=204, tag="faults"),
            AdminRoute("GET", "/journal", self.journal,
                       "Journal entries, oldest first (JSON array, or JSON Lines with "
                       "format=jsonl)",
                       query={"kind": "http, frame, connection, fault or dropped",
                              "connection": "connection id", "direction": "in or out",
                              "event": "frame label or fault name",
                              "since": "only entries with a greater seq",
                              "limit": "at most this many (the newest)",
                              "format": "json (default) or jsonl"},
                       response=ARRAY, tag="journal"),
            AdminRoute("DELETE", "/journal", self.clear_journal, "Empty the journal",
                       status=204, tag="journal"),
            AdminRoute("GET", "/clock", self.clock, "The twin's clock", tag="clock"),
            AdminRoute("POST", "/clock/advance", self.advance,
                       "Move a virtual clock forward, firing every timer due (409 on a "
                       "real clock)",
                       body={"type": "object", "required": ["seconds"], "properties": {
                           "seconds": {"type": "number", "minimum": 0},
                           "wait_replies": {"type": "boolean", "default": True}}},
                       tag="clock"),
        ]

    async def info(self, request: web.Request) -> dict[str, Any]:
        return {"service": self.twin.service, "wiretwin": __version__,
                "url": self.twin.http_url(), "admin": self.twin.http_url(ADMIN_PREFIX),
                "settings": self.twin.settings()}

    async def openapi(self, request: web.Request) -> dict[str, Any]:
        return openapi_document(self.twin.service, self.table)

    async def reset(self, request: web.Request) -> None:
        body = await json_body(request)
        self.twin.reset(disconnect=bool(body.get("disconnect", True)))

    async def snapshot(self, request: web.Request) -> dict[str, Any]:
        return self.twin.snapshot()

    async def restore(self, request: web.Request) -> None:
        body = await json_body(request)
        try:
            self.twin.restore(body)
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None

    async def list_faults(self, request: web.Request) -> list[dict[str, Any]]:
        return [f.to_json() for f in self.twin.faults.all()]

    async def add_fault(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        try:
            fault = self.twin.faults.add(fault_from_json(body))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, str(exc)) from None
        return fault.to_json()

    async def clear_faults(self, request: web.Request) -> None:
        self.twin.faults.clear()

    async def remove_fault(self, request: web.Request) -> None:
        name = request.match_info["name"]
        if not self.twin.faults.remove(name):
            raise AdminError(404, f"no active fault named {name!r}")

    async def journal(self, request: web.Request) -> Any:
        q = request.query
        try:
            since = int(q.get("since", "0"))
            limit = int(q["limit"]) if "limit" in q else None
        except ValueError:
            raise AdminError(400, "since and limit are integers") from None
        entries = [
            e for e in self.twin.journal
            if e.seq > since and all(q[k] == getattr(e, k) for k in
                                     ("kind", "connection", "direction", "event") if k in q)
        ]
        if limit is not None:
            entries = entries[-limit:] if limit > 0 else []
        if q.get("format") == "jsonl":
            text = "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in entries)
            return self._cors(web.Response(text=text, content_type="application/x-ndjson"))
        return [e.to_json() for e in entries]

    async def clear_journal(self, request: web.Request) -> None:
        self.twin.journal.clear()

    async def clock(self, request: web.Request) -> dict[str, Any]:
        return clock_json(self.twin.clock)

    async def advance(self, request: web.Request) -> dict[str, Any]:
        clock = self.twin.clock
        if not isinstance(clock, VirtualClock | LoopClock):
            raise AdminError(409, "this twin runs on the real clock; start it with a "
                                  "VirtualClock (wiretwin serve --virtual-clock) to advance it")
        body = await json_body(request)
        seconds = body.get("seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise AdminError(400, "seconds must be a number >= 0")
        if isinstance(clock, LoopClock):  # the loop's own time: the bot's timers move too
            fired = await clock.looptime.advance(float(seconds))
        else:
            fired = await clock.advance(float(seconds),
                                        wait_replies=bool(body.get("wait_replies", True)))
        return {"fired": fired, "time": clock.time(), "monotonic": clock.monotonic()}


def clock_json(clock: Clock) -> dict[str, Any]:
    """A clock as ``GET /_wiretwin/clock`` answers it."""
    virtual = isinstance(clock, VirtualClock | LoopClock)
    out: dict[str, Any] = {"virtual": virtual,
                           "time": clock.time(), "monotonic": clock.monotonic()}
    if isinstance(clock, VirtualClock):
        out["pending_timers"] = clock.pending
        out["next_due"] = clock.next_due()
    elif isinstance(clock, LoopClock):
        out["pending_timers"] = clock.looptime.pending
        out["next_due"] = clock.looptime.next_due()
    return out


@functools.cache
def admin_extensions() -> tuple[Callable[[Twin], list[AdminRoute]], ...]:
    """The callables of the ``wiretwin.admin_extensions`` entry points, loaded once per
    process (one that fails to load is logged and left out: a twin still starts)."""
    found = []
    for entry in sorted(metadata.entry_points(group=EXTENSIONS_GROUP), key=lambda e: e.name):
        try:
            found.append(entry.load())
        except Exception:
            _log.exception("the admin extension %s (%s) failed to load", entry.name,
                           entry.value)
    return tuple(found)


def _fault_types() -> list[str]:
    from .faults import FAULT_TYPES

    return list(FAULT_TYPES)


def openapi_document(service: str, table: list[AdminRoute]) -> dict[str, Any]:
    """OpenAPI 3.1 for a twin's admin routes, built from the same table as the routes."""
    paths: dict[str, dict[str, Any]] = {}
    for route in table:
        operation: dict[str, Any] = {
            "summary": route.summary,
            "tags": [route.tag],
            "operationId": f"{route.method.lower()}_{_plain_path(route.path).strip('/') or 'info'}"
                           .replace("/", "_").replace("{", "").replace("}", ""),
            "responses": _responses(route),
        }
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in _path_params(route.path)]
        params += [{"name": name, "in": "query", "required": False, "description": text,
                    "schema": {"type": "string"}} for name, text in route.query.items()]
        if params:
            operation["parameters"] = params
        if route.body is not None:
            operation["requestBody"] = {
                "required": route.method != "POST" or "required" in route.body,
                "content": {"application/json": {"schema": route.body}}}
        paths.setdefault(ADMIN_PREFIX + _plain_path(route.path), {})[route.method.lower()] \
            = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": f"wiretwin {service} twin admin API", "version": __version__,
                 "description": __doc__},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"],
                                  "properties": {"error": {"type": "string"}}},
                        "JournalEntry": {"type": "object",
                                         "required": list(Entry.__dataclass_fields__)}},
        },
        "security": [{}, {"bearer": []}],
        "paths": paths,
    }


def _plain_path(path: str) -> str:
    """A route template as OpenAPI writes it: ``{name:regex}`` becomes ``{name}``."""
    return re.sub(r"\{(\w+):[^}]*\}", r"{\1}", path)


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in _plain_path(path).split("/") if part.startswith("{")]


def _responses(route: AdminRoute) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    ok: dict[str, Any] = {"description": "OK"}
    if route.status != 204:
        ok["content"] = {route.content_type: {"schema": route.response}}
    return {str(route.status): ok,
            "400": {"description": "Bad input", **error},
            "401": {"description": "Token missing or wrong", **error},
            "403": {"description": "Not a loopback client", **error}}


class AdminSource:
    """An :class:`AdminApi` as a :class:`~.routes.RouteSource`: its routes, then the
    CORS preflight, served in place (see :mod:`.routes`).

    A twin's admin routes depend on its class alone, so their key is worked out once per
    class and the routes themselves are built at the first admin request: most twins a
    test suite starts never get one."""

    _keys: ClassVar[dict[type, Hashable]] = {}

    def __init__(self, api: AdminApi) -> None:
        self._api = api
        self._built: list[AdminRoute] | None = None
        kind = type(api.twin)
        key = self._keys.get(kind)
        if key is None:
            key = self._keys[kind] = ("admin", *((r.method, r.path) for r in self._table))
        self.route_key: Hashable = key

    @property
    def _table(self) -> list[AdminRoute]:
        if self._built is None:
            self._built = self._api.table
        return self._built

    def route_specs(self) -> Sequence[RouteSpec]:
        return [*((r.method, ADMIN_PREFIX + r.path, ()) for r in self._table),
                ("*", ADMIN_PREFIX + "/{tail:.*}", ())]

    def call(self, index: int, request: web.Request) -> Awaitable[web.StreamResponse]:
        if index == len(self._table):
            return self._api._elsewhere(request)
        return self._api.serve(self._table[index], request)


__all__ = ["ADMIN_COOKIE", "CONSOLE_HEADER", "EXTENSIONS_GROUP", "AdminApi", "AdminError",
           "AdminRoute", "AdminSource", "admin_extensions", "clock_json", "json_body",
           "openapi_document"]
