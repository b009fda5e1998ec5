"""Lavalink's REST API as aiohttp handlers, routed the way Spring routes it.

The HTTP adapter: each handler parses the request with :mod:`.wire`, runs one model
operation, and answers with :mod:`.wire`'s serializers; the rules live in the model.

Spring finds the handler first, then runs Lavalink's password interceptor, then reads the
handler's arguments in order, then runs it. The twin does the same, so each bad request
gets the refusal a real node gives it, in that order:

1. no route for the path: 404 ``No endpoint GET /v4/nope.``, a route but not that method:
   405 (``Allow``), both whatever ``Authorization`` says (no handler, no interceptor);
   ``OPTIONS`` on a route: 200 with ``Allow`` once authorized;
2. ``Authorization`` missing: 401, wrong: 403, both with an empty body (``/version``
   included; only Spring's ``/error`` is open);
3. the arguments, in the handler's order: a JSON body (415 for a Content-Type Spring
   cannot read as JSON, 400 "Bad Request" for a body kotlinx cannot read), then path
   variables (``guildId`` must be a ``long``) and query parameters (``noReplace`` a
   boolean), each 400 "Bad Request" (see :mod:`.wire`);
4. the handler: "Session not found", "Player not found", the PATCH checks, and the
   node's own 500s (a malformed encoded track, an equalizer band past 14, the disabled
   route planner).

Errors past the gate are Spring's error object (:mod:`.errors`); every answer carries
``Lavalink-Api-Version: 4``. Bodies are tolerated on GET and DELETE (pomice sends
``{}``), as Spring never reads them.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import errors, wire
from .errors import LavalinkError, phrase
from .model import LavalinkModel

Params = dict[str, str]
Handler = Callable[[web.Request, Params], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """A path pattern (``{name}`` matches one non-empty segment) and its handlers."""

    pattern: tuple[str, ...]
    methods: dict[str, Handler]

    def match(self, segments: list[str]) -> Params | None:
        if len(segments) != len(self.pattern):
            return None
        params: Params = {}
        for want, got in zip(self.pattern, segments, strict=True):
            if want.startswith("{"):
                if not got:
                    return None
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params

    @property
    def allowed(self) -> list[str]:
        return list(self.methods)


def _segments(raw_path: str) -> list[str]:
    return [urllib.parse.unquote(s, errors="replace") for s in raw_path.split("/")[1:]]


class LavalinkHttp:
    def __init__(self, model: LavalinkModel) -> None:
        self.model = model
        self.table = [
            Route(("version",), {"GET": self.version}),
            Route(("v4", "info"), {"GET": self.info}),
            Route(("v4", "stats"), {"GET": self.stats}),
            Route(("v4", "loadtracks"), {"GET": self.loadtracks}),
            Route(("v4", "decodetrack"), {"GET": self.decodetrack}),
            Route(("v4", "decodetracks"), {"POST": self.decodetracks}),
            Route(("v4", "sessions", "{session}", "players"), {"GET": self.players}),
            Route(("v4", "sessions", "{session}", "players", "{guild}"),
                  {"GET": self.get_player, "PATCH": self.update_player,
                   "DELETE": self.destroy_player}),
            Route(("v4", "sessions", "{session}"), {"PATCH": self.update_session}),
            Route(("v4", "routeplanner", "status"), {"GET": self.routeplanner_status}),
            Route(("v4", "routeplanner", "free", "address"),
                  {"POST": self.routeplanner_free_address}),
            Route(("v4", "routeplanner", "free", "all"), {"POST": self.routeplanner_free}),
            Route(("",), {"GET": self.old_endpoint}),
            Route(("v3", "websocket"), {"GET": self.old_endpoint}),
        ]

    def routes(self) -> list[web.RouteDef]:
        """One catch-all: the twin routes as Spring does (after the websocket route)."""
        return [web.route("*", "/{tail:.*}", self.dispatch)]

    # -- routing ------------------------------------------------------------------------

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.rel_url.raw_path
        if raw_path == "/error":
            return self.error_page(request)
        method = request.method
        segments = _segments(raw_path)
        for route in self.table:
            params = route.match(segments)
            if params is None:
                continue
            handler = route.methods.get("GET" if method == "HEAD" else method)
            if handler is None and method == "OPTIONS":
                return self.authorized(request) or web.Response(
                    status=200, headers={"Allow": ",".join(_options(route.allowed))})
            if handler is None:
                return self._refuse(request, errors.method_not_allowed(method,
                                                                       route.allowed))
            refused = self.authorized(request)
            if refused is not None:
                return refused
            try:
                return await handler(request, params)
            except LavalinkError as exc:
                return self._refuse(request, exc)
        return self._refuse(request, errors.no_endpoint(method, raw_path))

    def authorized(self, request: web.Request) -> web.Response | None:
        """None when the password is right, else Lavalink's empty 401/403."""
        given = request.headers.get("Authorization")
        if given is None:
            return web.Response(status=401)
        if given != self.model.config.password:
            return web.Response(status=403)
        return None

    def error(self, request: web.Request | None, status: int, message: str | None,
              trace: str | None = None, headers: dict[str, str] | None = None
              ) -> web.Response:
        """Spring's error object (``message``: the reason phrase if None)."""
        reason = phrase(status)
        shown: str | None = None
        if request is not None and wire.wants_trace(request.query.get("trace")):
            shown = trace or LavalinkError(status, message or reason).trace
        path = request.rel_url.raw_path if request is not None else ""
        body = wire.error_body(status, reason, message or reason, path,
                                   self.model.now_ms, shown)
        return web.json_response(body, status=status, headers=headers)

    def _refuse(self, request: web.Request, exc: LavalinkError) -> web.Response:
        return self.error(request, exc.status, exc.message, exc.trace, exc.headers)

    def error_page(self, request: web.Request) -> web.Response:
        """Spring Boot's ``/error`` asked for directly (it needs no password): no error to
        describe, so status 999 "None", answered with a 500."""
        return web.json_response(wire.error_page(self.model.now_ms), status=500)

    async def _body(self, request: web.Request, signature: str) -> Any:
        raw = await request.read()
        return wire.read_json_body(raw, request.headers.get("Content-Type"), request.method,
                                   signature)

    @staticmethod
    def _ok(body: Any) -> web.Response:
        return web.json_response(body)

    # -- routes ---------------------------------------------------------------------------

    async def version(self, request: web.Request, params: Params) -> web.StreamResponse:
        return web.Response(text=str(self.model.version), content_type="text/plain")

    async def info(self, request: web.Request, params: Params) -> web.StreamResponse:
        return self._ok(self.model.info())

    async def stats(self, request: web.Request, params: Params) -> web.StreamResponse:
        return self._ok(self.model.stats(websocket=False))

    async def loadtracks(self, request: web.Request, params: Params) -> web.StreamResponse:
        identifier = request.query.get("identifier")
        if identifier is None:
            raise errors.missing_parameter("identifier")
        result = self.model.catalogue.load(identifier)
        return self._ok(wire.load_result_json(result, self.model.version))

    async def decodetrack(self, request: web.Request, params: Params) -> web.StreamResponse:
        encoded = request.query.get("encodedTrack")
        if encoded is None:
            encoded = request.query.get("track")
        if encoded is None:
            raise LavalinkError(400, "No track to decode provided")
        return self._ok(wire.track_json(self.model.decode(encoded), self.model.version))

    async def decodetracks(self, request: web.Request, params: Params) -> web.StreamResponse:
        tracks = wire.read_encoded_tracks(await self._body(request, "EncodedTracks"))
        if not tracks:
            raise LavalinkError(400, "No tracks to decode provided")
        return self._ok([wire.track_json(self.model.decode(t), self.model.version)
                         for t in tracks])

    async def players(self, request: web.Request, params: Params) -> web.StreamResponse:
        session = self.model.session(params["session"])
        return self._ok([self.model.player_json(p) for p in session.players.values()])

    async def get_player(self, request: web.Request, params: Params) -> web.StreamResponse:
        guild = wire.guild_id(params["guild"])
        player = self.model.player(params["session"], guild)
        return self._ok(self.model.player_json(player))

    async def update_player(self, request: web.Request, params: Params
                            ) -> web.StreamResponse:
        update = wire.read_player_update(await self._body(request, "PlayerUpdate"),
                                         with_channel=self.model.needs_channel)
        guild = wire.guild_id(params["guild"])
        no_replace = wire.spring_boolean("noReplace", request.query.get("noReplace"))
        return self._ok(self.model.update_player(params["session"], guild, update,
                                                 no_replace))

    async def destroy_player(self, request: web.Request, params: Params
                             ) -> web.StreamResponse:
        guild = wire.guild_id(params["guild"])
        self.model.destroy_player(params["session"], guild)
        return web.Response(status=204)

    async def update_session(self, request: web.Request, params: Params
                             ) -> web.StreamResponse:
        update = wire.read_session_update(await self._body(request, "SessionUpdate"))
        return self._ok(self.model.update_session(params["session"], update))

    async def routeplanner_status(self, request: web.Request, params: Params
                                  ) -> web.StreamResponse:
        return web.Response(status=204)

    async def routeplanner_free_address(self, request: web.Request, params: Params
                                        ) -> web.StreamResponse:
        wire.read_free_address(await self._body(request, "RoutePlannerFreeAddress"))
        return await self.routeplanner_free(request, params)

    async def routeplanner_free(self, request: web.Request, params: Params
                                ) -> web.StreamResponse:
        # Lavalink's RoutePlannerDisabledException: a real 500 on a node without one.
        raise LavalinkError(500, "Can't access disabled route planner")

    async def old_endpoint(self, request: web.Request, params: Params) -> web.StreamResponse:
        return web.Response(status=200)


def _options(allowed: list[str]) -> list[str]:
    """What Spring's implicit OPTIONS answers in ``Allow``."""
    out = list(allowed)
    if "GET" in out and "HEAD" not in out:
        out.insert(out.index("GET") + 1, "HEAD")
    return [*out, "OPTIONS"]


__all__ = ["LavalinkHttp", "Route", "phrase"]
