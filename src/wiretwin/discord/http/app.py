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

import json
import math
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from aiohttp import web

from ...runtime.clock import Clock
from ...runtime.journal import Journal
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
    return web.Response(status=status, body=json.dumps(body).encode(), headers=out)


def error_response(exc: DiscordError, headers: dict[str, str] | None = None) -> web.Response:
    return json_response(exc.to_json(), exc.status, headers)


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
        #: (method, template, handler, needs the bot token), in registration order.
        self._table: list[tuple[str, str, Handler, bool]] = []
        #: "METHOD template" per route: the route list's key.
        self._names: list[str] = []
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
        self._table.append((method, template, handler, auth))
        self._names.append(f"{method} {template}")

    def bearer(self, method: str, template: str, handler: Handler, scope: str | None
               ) -> None:
        """``handler`` answers Bearer tokens on the route (whose grant is
        ``request[GRANT]``) when the token carries ``scope`` (None: any live token); a
        route with no bot handler answers a bot token with Discord's 401."""
        self._bearer[(method, template)] = (handler, scope)
        if f"{method} {template}" not in self._names:
            self.add(method, template, self._bearer_only)

    @property
    def route_key(self) -> Hashable:
        return ("discord-rest", *self._names)

    def route_specs(self) -> list[RouteSpec]:
        specs: list[RouteSpec] = []
        for prefix in PREFIXES:
            specs.extend((method, prefix + template, ())
                         for method, template, _, _ in self._table)
            specs.append(("*", prefix + "/{tail:.*}", ()))
        return specs

    def call(self, index: int, request: web.Request) -> Awaitable[web.StreamResponse]:
        index %= len(self._table) + 1
        if index == len(self._table):
            return self._unmodelled(request)
        return self._endpoint(*self._table[index], request)

    @property
    def templates(self) -> list[tuple[str, str]]:
        return [(m, t) for m, t, _, _ in self._table]

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
