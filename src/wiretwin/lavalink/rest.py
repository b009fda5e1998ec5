"""Lavalink's REST API as aiohttp handlers.

Every route wants ``Authorization: <password>``, ``/version`` included: a missing header
is 401 and a wrong one 403, both with an empty body, as Lavalink's filter answers. Errors
past the gate are Spring's default error object (``timestamp``, ``status``, ``error``,
``message``, ``path``, and ``trace`` with ``?trace=true``). Every answer carries
``Lavalink-Api-Version: 4``.

Request bodies are read as Lavalink's kotlinx parser reads them: unknown keys ignored,
quoted numbers accepted, a body tolerated on GET and DELETE (pomice sends ``{}``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web

from . import protocol
from .model import LavalinkError, LavalinkModel

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _bool_param(request: web.Request, name: str) -> bool:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return False
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise LavalinkError(400, f"Failed to convert value of type 'java.lang.String' to required "
                             f"type 'boolean'; Invalid boolean value [{raw}]")


def phrase(status: int) -> str:
    """The HTTP reason phrase Spring puts in ``error`` ("Not Found")."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class LavalinkRest:
    def __init__(self, model: LavalinkModel) -> None:
        self.model = model

    def routes(self) -> list[web.RouteDef]:
        g = self._guard
        return [
            web.get("/version", g(self.version)),
            web.get("/v4/info", g(self.info)),
            web.get("/v4/stats", g(self.stats)),
            web.get("/v4/loadtracks", g(self.loadtracks)),
            web.get("/v4/decodetrack", g(self.decodetrack)),
            web.post("/v4/decodetracks", g(self.decodetracks)),
            web.get("/v4/sessions/{session}/players", g(self.players)),
            web.get("/v4/sessions/{session}/players/{guild}", g(self.get_player)),
            web.patch("/v4/sessions/{session}/players/{guild}", g(self.update_player)),
            web.delete("/v4/sessions/{session}/players/{guild}", g(self.destroy_player)),
            web.patch("/v4/sessions/{session}", g(self.update_session)),
            web.get("/v4/routeplanner/status", g(self.routeplanner_status)),
            web.post("/v4/routeplanner/free/address", g(self.routeplanner_free)),
            web.post("/v4/routeplanner/free/all", g(self.routeplanner_free)),
            web.get("/", g(self.old_endpoint)),
            web.get("/v3/websocket", g(self.old_endpoint)),
        ]

    # -- the gate -----------------------------------------------------------------------

    def authorized(self, request: web.Request) -> web.Response | None:
        """None when the password is right, else Lavalink's empty 401/403."""
        given = request.headers.get("Authorization")
        if given is None:
            return web.Response(status=401)
        if given != self.model.config.password:
            return web.Response(status=403)
        return None

    def _guard(self, handler: Handler) -> Handler:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            refused = self.authorized(request)
            if refused is not None:
                return refused
            try:
                return await handler(request)
            except LavalinkError as exc:
                return self.error(request, exc.status, exc.message)

        return endpoint

    def error(self, request: web.Request, status: int, message: str | None) -> web.Response:
        """Spring's error object for ``request`` (``message``: the reason phrase if None)."""
        trace = request.query.get("trace", "").lower() == "true"
        reason = phrase(status)
        body = protocol.error_body(status, reason, message or reason, request.path,
                                   self.model.now_ms, trace)
        return web.json_response(body, status=status)

    @staticmethod
    async def _json(request: web.Request) -> Any:
        raw = await request.read()
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise LavalinkError(400, f"Failed to read request: {exc}") from None

    @staticmethod
    def _ok(body: Any) -> web.Response:
        return web.json_response(body)

    # -- routes ---------------------------------------------------------------------------

    async def version(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=str(self.model.version), content_type="text/plain")

    async def info(self, request: web.Request) -> web.StreamResponse:
        return self._ok(self.model.info())

    async def stats(self, request: web.Request) -> web.StreamResponse:
        return self._ok(self.model.stats(websocket=False))

    async def loadtracks(self, request: web.Request) -> web.StreamResponse:
        identifier = request.query.get("identifier")
        if identifier is None:
            raise LavalinkError(400, "Required request parameter 'identifier' for method "
                                     "parameter type String is not present")
        result = self.model.catalogue.load(identifier)
        body = result.to_json(stack_trace=self.model.version.at_least(4, 1, 0))
        for key in ("data",):
            if result.load_type in ("track", "playlist", "search"):
                body[key] = _versioned_tracks(body[key], self.model)
        return self._ok(body)

    async def decodetrack(self, request: web.Request) -> web.StreamResponse:
        encoded = request.query.get("encodedTrack") or request.query.get("track")
        if not encoded:
            raise LavalinkError(400, "No track to decode provided")
        return self._ok(protocol.track_json(self.model.decode(encoded), self.model.version))

    async def decodetracks(self, request: web.Request) -> web.StreamResponse:
        body = await self._json(request)
        if not isinstance(body, list) or not all(isinstance(t, str) for t in body):
            raise LavalinkError(400, "Failed to read request: expected an array of strings")
        if not body:
            raise LavalinkError(400, "No tracks to decode provided")
        return self._ok([protocol.track_json(self.model.decode(t), self.model.version)
                         for t in body])

    async def players(self, request: web.Request) -> web.StreamResponse:
        session = self.model.session(request.match_info["session"])
        return self._ok([self.model.player_json(p) for p in session.players.values()])

    async def get_player(self, request: web.Request) -> web.StreamResponse:
        player = self.model.player(request.match_info["session"], request.match_info["guild"])
        return self._ok(self.model.player_json(player))

    async def update_player(self, request: web.Request) -> web.StreamResponse:
        session_id, guild = request.match_info["session"], request.match_info["guild"]
        self.model.session(session_id)  # 404 before looking at the body
        if not guild.isdigit():
            raise LavalinkError(400, f"Failed to convert value of type 'java.lang.String' to "
                                     f"required type 'long'; For input string: \"{guild}\"")
        body = await self._json(request)
        if not isinstance(body, dict):
            raise LavalinkError(400, "Failed to read request: expected a JSON object")
        no_replace = _bool_param(request, "noReplace")
        return self._ok(self.model.update_player(session_id, guild, body, no_replace))

    async def destroy_player(self, request: web.Request) -> web.StreamResponse:
        self.model.destroy_player(request.match_info["session"], request.match_info["guild"])
        return web.Response(status=204)

    async def update_session(self, request: web.Request) -> web.StreamResponse:
        session_id = request.match_info["session"]
        self.model.session(session_id)
        body = await self._json(request)
        if not isinstance(body, dict):
            raise LavalinkError(400, "Failed to read request: expected a JSON object")
        return self._ok(self.model.update_session(session_id, body))

    async def routeplanner_status(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    async def routeplanner_free(self, request: web.Request) -> web.StreamResponse:
        raise LavalinkError(500, "Can't access disabled route planner")

    async def old_endpoint(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=200)


def _versioned_tracks(data: Any, model: LavalinkModel) -> Any:
    """Apply the emulated version's serialization to the tracks inside a load result."""
    if model.version.at_least(4, 0, 2):
        return data

    def strip(track: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in track.items() if k not in ("pluginInfo", "userData") or v}

    if isinstance(data, list):
        return [strip(t) for t in data]
    if isinstance(data, dict) and "tracks" in data:
        return {**data, "tracks": [strip(t) for t in data["tracks"]]}
    return strip(data)


__all__ = ["LavalinkRest"]
