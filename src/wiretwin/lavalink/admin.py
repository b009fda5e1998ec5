"""The Lavalink twin's own admin actions (under ``/_wiretwin/lavalink``).

What Python tests do with the control API, over HTTP: read sessions and players as the
node holds them, fill the catalogue with mock tracks, playlists, searches and failures,
and inject what a real node reports on its own (track exceptions, stuck tracks, the
Discord voice socket closing) or a dropped client connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..runtime.admin import ARRAY, OBJECT, AdminError, AdminRoute, json_body
from .errors import CloseCode, LavalinkError, Severity, VoiceCloseCode
from .wire import serialize

if TYPE_CHECKING:
    from .twin import LavalinkTwin, PlayerView


def player_view_json(view: PlayerView) -> dict[str, Any]:
    track = serialize.track_object_json(view.track) if view.track else None
    return {"sessionId": view.session_id, "guildId": view.guild_id,
            "track": track, "position": view.position,
            "paused": view.paused, "volume": view.volume, "filters": view.filters,
            "voice": view.voice, "connected": view.connected, "endTime": view.end_time}


class LavalinkAdmin:
    def __init__(self, twin: LavalinkTwin) -> None:
        self.twin = twin

    def routes(self) -> list[AdminRoute]:
        r = AdminRoute
        return [
            r("GET", "/lavalink/sessions", self.sessions,
              "Sessions: id, user, client, attached, resuming, timeout, players",
              response=ARRAY, tag="lavalink"),
            r("POST", "/lavalink/sessions/{session}/drop", self.drop,
              "Drop a session's websocket (code 1006: an abrupt TCP reset)",
              body={"type": "object", "properties": {"code": {"type": "integer"}}},
              status=204, tag="lavalink"),
            r("GET", "/lavalink/players", self.players, "Every player as the node holds it",
              response=ARRAY, tag="lavalink"),
            r("GET", "/lavalink/players/{guild}", self.player, "One player", tag="lavalink"),
            r("POST", "/lavalink/players/{guild}/exception", self.exception,
              "TrackExceptionEvent, then TrackEndEvent loadFailed",
              body={"type": "object", "properties": {"message": {"type": "string"},
                                                     "severity": {"type": "string"}}},
              status=204, tag="lavalink"),
            r("POST", "/lavalink/players/{guild}/stuck", self.stuck, "TrackStuckEvent",
              body={"type": "object", "properties": {"thresholdMs": {"type": "integer"}}},
              status=204, tag="lavalink"),
            r("POST", "/lavalink/players/{guild}/voice-closed", self.voice_closed,
              "WebSocketClosedEvent: the Discord voice socket closed",
              body={"type": "object", "properties": {
                  "code": {"type": "integer"}, "reason": {"type": "string"},
                  "byRemote": {"type": "boolean"}}}, status=204, tag="lavalink"),
            r("POST", "/lavalink/catalogue/tracks", self.add_track,
              "Add a mock track (missing fields are generated, seeded)",
              body={"type": "object", "properties": {
                  "title": {"type": "string"}, "author": {"type": "string"},
                  "length": {"type": "integer"}, "source": {"type": "string"},
                  "isStream": {"type": "boolean"}}}, status=201, tag="lavalink"),
            r("POST", "/lavalink/catalogue/playlists", self.add_playlist,
              "Add a mock playlist", body={"type": "object", "properties": {
                  "name": {"type": "string"}, "trackCount": {"type": "integer"}}},
              status=201, tag="lavalink"),
            r("POST", "/lavalink/catalogue/searches", self.add_search,
              "Register the results of a search", body={"type": "object", "properties": {
                  "query": {"type": "string"}, "count": {"type": "integer"},
                  "prefix": {"type": "string"}}}, status=201, response=ARRAY,
              tag="lavalink"),
            r("POST", "/lavalink/catalogue/failures", self.add_failure,
              "Make loading an identifier fail", body=OBJECT, status=204, tag="lavalink"),
        ]

    async def sessions(self, request: web.Request) -> list[dict[str, Any]]:
        return [{"id": s.id, "userId": s.user_id, "clientName": s.client_name,
                 "attached": s.attached, "resuming": s.resuming, "timeout": s.timeout,
                 "players": sorted(s.players)}
                for s in self.twin.model.sessions.values()]

    async def drop(self, request: web.Request) -> None:
        session = request.match_info["session"]
        if session not in self.twin.sockets.sockets:
            raise AdminError(404, f"no connected session {session}")
        body = await json_body(request)
        self.twin.drop_connection(session, int(body.get("code", CloseCode.ABNORMAL)))

    async def players(self, request: web.Request) -> list[dict[str, Any]]:
        return [player_view_json(v) for v in self.twin.players()]

    async def player(self, request: web.Request) -> dict[str, Any]:
        try:
            return player_view_json(self.twin.player(request.match_info["guild"]))
        except LavalinkError as exc:
            raise AdminError(404, exc.message) from None

    async def exception(self, request: web.Request) -> None:
        body = await json_body(request)
        self._inject(lambda: self.twin.inject_exception(
            request.match_info["guild"], str(body.get("message", "Something broke")),
            str(body.get("severity", Severity.COMMON))))

    async def stuck(self, request: web.Request) -> None:
        body = await json_body(request)
        self._inject(lambda: self.twin.inject_stuck(request.match_info["guild"],
                                                    body.get("thresholdMs")))

    async def voice_closed(self, request: web.Request) -> None:
        body = await json_body(request)
        self._inject(lambda: self.twin.close_voice(
            request.match_info["guild"],
            int(body.get("code", VoiceCloseCode.SESSION_NO_LONGER_VALID)),
            str(body.get("reason", "Session is no longer valid.")),
            bool(body.get("byRemote", True))))

    @staticmethod
    def _inject(action: Any) -> None:
        try:
            action()
        except LavalinkError as exc:
            raise AdminError(404 if exc.status == 404 else 409, exc.message) from None

    async def add_track(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        track = self.twin.mock_factory.create_mock_track(
            body.get("title"), body.get("author"), body.get("length"),
            source=str(body.get("source", "youtube")),
            is_stream=bool(body.get("isStream", False)))
        return serialize.track_object_json(track)

    async def add_playlist(self, request: web.Request) -> dict[str, Any]:
        body = await json_body(request)
        playlist = self.twin.mock_factory.create_mock_playlist(
            str(body.get("name", "Mock Playlist")), int(body.get("trackCount", 10)))
        return {"url": playlist.url, **serialize.playlist_json(playlist)}

    async def add_search(self, request: web.Request) -> list[dict[str, Any]]:
        body = await json_body(request)
        prefix = str(body.get("prefix", "ytsearch"))
        try:
            tracks = self.twin.mock_factory.create_mock_search_results(
                str(body.get("query", "mock query")), int(body.get("count", 10)),
                prefix=prefix)
        except KeyError:
            raise AdminError(400, f"unknown search prefix {prefix!r}") from None
        return [serialize.track_object_json(t) for t in tracks]

    async def add_failure(self, request: web.Request) -> None:
        body = await json_body(request)
        identifier, message = body.get("identifier"), body.get("message")
        if not isinstance(identifier, str) or not isinstance(message, str):
            raise AdminError(400, "identifier and message are required strings")
        self.twin.catalogue.add_failure(identifier, message,
                                        str(body.get("severity", Severity.COMMON)))


__all__ = ["LavalinkAdmin", "player_view_json"]
