"""The Discord REST API's frame: versions, auth, JSON, errors and rate limits.

* Routes are served under ``/api/v10`` and ``/api/v9`` (and ``/api``, which clients that
  add no version use).
* ``Authorization: Bot <token>`` on every route; ``Bearer <token>`` (an OAuth2 access
  token, :mod:`~wiretwin.discord.oauth`) on the routes registered with :meth:`RestApp.
  bearer`, if the token's scopes open them; anything else is Discord's 401.
* JSON answers carry ``Content-Type: application/json`` *exactly*: discord.py and its
  forks only parse a body whose content type is that string, so a ``; charset`` suffix
  (aiohttp's default) breaks their login.
* Answers carry rate-limit headers for their bucket, except on the routes Discord does
  not bucket (interaction callbacks; :mod:`.ratelimits` has the table and its sources);
  an exhausted bucket answers 429 with ``retry_after`` and a ``Via`` header
  (discord.py-family clients only retry a 429 that has one; without it they assume
  Cloudflare banned them).
* A route the twin does not model answers Discord's 404 with the route named, and the
  journal gets a ``note`` entry saying so.
"""

from __future__ import annotations

import inspect
import itertools
import math
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, NamedTuple

from aiohttp import web

from ...runtime.clock import Clock
from ...runtime.journal import Journal
from ...runtime.jsonio import compact
from ...runtime.routes import RouteSpec
from ..model import DiscordError, DiscordModel
from ..oauth import Grant
from .ratelimits import RateLimits, bucket_key

Handler = Callable[[web.Request], Awaitable[Any]]
#: The request's OAuth2 authorization, on a route answered for a Bearer token.
GRANT: Any = (web.RequestKey("wiretwin.discord.grant", Grant)  # aiohttp >= 3.12
              if hasattr(web, "RequestKey") else "wiretwin.discord.grant")
PREFIXES = ("/api/v10", "/api/v9", "/api")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> web.Response:
    """A JSON answer with Discord's exact content type (no charset)."""
    out = {"Content-Type": "application/json"}
    out.update(headers or {})
    return web.Response(status=status, body=compact(body).encode(), headers=out)


def error_response(exc: DiscordError, headers: dict[str, str] | None = None) -> web.Response:
    return json_response(exc.to_json(), exc.status, headers)


class _Spec(NamedTuple):
    method: str
    template: str
    #: The handler's function (unbound, for a method: :meth:`RestApp._handler` binds it).
    func: Callable[..., Awaitable[Any]]
    auth: bool
    name: str


_SPECS: dict[tuple[str, str, Callable[..., Awaitable[Any]], bool], _Spec] = {}
#: Specs kept for sharing at most (the twin's routes are a few hundred; a handler made
#: afresh per twin, a closure, would otherwise grow the table without end).
_SHARED_SPECS = 4096


def _spec(method: str, template: str, func: Callable[..., Awaitable[Any]], auth: bool
          ) -> _Spec:
    """The one :class:`_Spec` of a route (made by the first twin that registers it)."""
    key = (method, template, func, auth)
    found = _SPECS.get(key)
    if found is None:
        found = _Spec(method, template, func, auth, f"{method} {template}")
        if len(_SPECS) < _SHARED_SPECS:
            found = _SPECS.setdefault(key, found)
    return found


#: A table for :meth:`RestApp.mount`.
Routes = tuple[tuple[str, str, str] | tuple[str, str, str, bool], ...]
#: (class, id of its table) -> (the table's specs, the table, kept alive with its id).
_MOUNTS: dict[tuple[type, int], tuple[tuple[_Spec, ...], Routes]] = {}


class RestApp:
    """Registers handlers on every version prefix, behind auth and rate limits.

    Served as a :class:`~wiretwin.runtime.routes.RouteSource`: for each prefix, every
    route of the table then the prefix's catch-all; a request comes to :meth:`call` with
    its route's index, so a start builds no per-route objects."""

    def __init__(self, model: DiscordModel, clock: Clock, journal: Journal) -> None:
        self.model = model
        self.clock = clock
        self.journal = journal
        self.limits = RateLimits(clock)
        #: Per route, in registration order: its :class:`_Spec` (shared by every twin)
        #: and the object whose method answers it (None: the spec's function is the
        #: handler). Twins are made often (one per dpytest ``configure``): a route
        #: costs a twin two list slots, not objects the garbage collector must walk.
        self._specs: list[_Spec] = []
        self._owners: list[object | None] = []
        #: (method, template) -> forced error answer (the backend's set_error_state).
        self.forced: dict[tuple[str, str], DiscordError] = {}
        #: (method, template) -> (handler, scope it needs) for Bearer tokens.
        self._bearer: dict[tuple[str, str], tuple[Handler, str | None]] = {}
        #: The live authorization of a Bearer token (set by the twin), or None.
        self.grant_for: Callable[[str], Grant | None] = lambda token: None

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True
            ) -> None:
        """``auth=False``: the route takes no bot token (interaction callbacks and
        webhooks: the token in the path is the key)."""
        func = getattr(handler, "__func__", None)
        if func is None:
            self._specs.append(_spec(method, template, handler, auth))
            self._owners.append(None)
        else:
            self._specs.append(_spec(method, template, func, auth))
            self._owners.append(handler.__self__)  # type: ignore[attr-defined]

    def mount(self, owner: object, routes: Routes) -> None:
        """Add ``routes``, each ``(method, template, name of owner's handler method)``
        or with ``auth`` fourth (see :meth:`add`): the specs are made once per class and
        table, so a twin adds its few hundred routes without making an object per
        route."""
        key = (type(owner), id(routes))
        mounted = _MOUNTS.get(key)
        if mounted is None:
            made = []
            for route in routes:
                method, template, name = route[0], route[1], route[2]
                auth = bool(route[3]) if len(route) > 3 else True
                func = getattr(type(owner), name)
                if not inspect.isfunction(func):
                    raise TypeError(f"{type(owner).__name__}.{name} is not a method")
                made.append(_spec(method, template, func, auth))
            # The table is kept with its specs: its id stays its own while it lives.
            mounted = _MOUNTS.setdefault(key, (tuple(made), routes))
        specs = mounted[0]
        self._specs.extend(specs)
        self._owners.extend(itertools.repeat(owner, len(specs)))

    def _handler(self, index: int) -> Handler:
        owner, func = self._owners[index], self._specs[index].func
        return func if owner is None else func.__get__(owner)

    def bearer(self, method: str, template: str, handler: Handler, scope: str | None
               ) -> None:
        """``handler`` answers Bearer tokens on the route (whose grant is
        ``request[GRANT]``) when the token carries ``scope`` (None: any live token); a
        route with no bot handler answers a bot token with Discord's 401."""
        self._bearer[(method, template)] = (handler, scope)
        if f"{method} {template}" not in {spec.name for spec in self._specs}:
            self.add(method, template, self._bearer_only)

    @property
    def route_key(self) -> Hashable:
        return ("discord-rest", *(spec.name for spec in self._specs))

    def route_specs(self) -> list[RouteSpec]:
        specs: list[RouteSpec] = []
        for prefix in PREFIXES:
            specs.extend((spec.method, prefix + spec.template, ()) for spec in self._specs)
            specs.append(("*", prefix + "/{tail:.*}", ()))
        return specs

    def call(self, index: int, request: web.Request) -> Awaitable[web.StreamResponse]:
        index %= len(self._specs) + 1
        if index == len(self._specs):
            return self._unmodelled(request)
        spec = self._specs[index]
        return self._endpoint(spec.method, spec.template, self._handler(index), spec.auth,
                              request)

    @property
    def templates(self) -> list[tuple[str, str]]:
        return [(spec.method, spec.template) for spec in self._specs]

    async def _endpoint(self, method: str, template: str, handler: Handler, auth: bool,
                        request: web.Request) -> web.StreamResponse:
        given = request.headers.get("Authorization", "")
        if auth and given.startswith("Bearer "):
            served = self._bearer.get((method, template))
            grant = self.grant_for(given[7:])
            if served is None or grant is None or (
                    served[1] is not None and served[1] not in grant.scopes):
                return json_response({"message": "401: Unauthorized", "code": 0}, 401)
            request[GRANT] = grant
            handler = served[0]
        elif auth and not self._authorized(request):
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        key = bucket_key(method, template, request.match_info)
        headers, retry = self.limits.hit(template, key, method)
        if retry is not None:
            return self._too_many(retry, headers)
        forced = self.forced.get((method, template))
        if forced is not None:
            return error_response(forced, headers)
        try:
            result = await handler(request)
        except DiscordError as exc:
            return error_response(exc, headers)
        if isinstance(result, web.StreamResponse):
            result.headers.update(headers)
            return result
        if result is None:
            return web.Response(status=204, headers=headers)
        return json_response(result, headers=headers)

    def _authorized(self, request: web.Request) -> bool:
        given = request.headers.get("Authorization", "")
        return given == f"Bot {self.model.application.token}"

    @staticmethod
    def _too_many(retry: float, headers: dict[str, str]) -> web.Response:
        body = {"message": "You are being rate limited.", "retry_after": round(retry, 3),
                "global": False}
        return json_response(body, 429, {
            **headers, "Retry-After": str(math.ceil(retry)), "X-RateLimit-Scope": "user",
            "Via": "1.1 google"})

    @staticmethod
    async def _bearer_only(request: web.Request) -> web.StreamResponse:
        return json_response({"message": "401: Unauthorized", "code": 0}, 401)

    async def _unmodelled(self, request: web.Request) -> web.StreamResponse:
        route = f"{request.method} {request.path}"
        self.journal.record_note("unmodelled-route", route=route)
        return json_response({
            "message": f"404: Not Found (wiretwin does not model {route} yet)", "code": 0}, 404)


__all__ = ["GRANT", "PREFIXES", "RestApp", "error_response", "json_response"]
