"""The Lavalink v4 twin: REST and websocket on one port, a mock catalogue, a playback clock.

Clients reach it as they reach Lavalink: ``ws://127.0.0.1:{port}/v4/websocket`` and
``http://127.0.0.1:{port}/v4/...`` with ``Authorization: <password>``. The control API
reads players as the server holds them, fills the catalogue, and injects what a real node
would report on its own (track exceptions, stuck tracks, voice sockets closing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from ..runtime.admin import AdminRoute
from ..runtime.base import Twin
from ..runtime.clock import Clock
from ..runtime.journal import DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_LIMIT
from ..runtime.jsonio import compact
from ..runtime.worlds import world_table
from .admin import LavalinkAdmin
from .catalogue import Catalogue, Playlist, default_catalogue
from .config import LavalinkConfig
from .errors import CloseCode, LavalinkError, Severity, VoiceCloseCode
from .http import LavalinkHttp
from .model import LavalinkModel, Session
from .playback import Player
from .snapshot import restore, snapshot
from .tracks import Track
from .voice_link import VoiceLinks
from .websocket import LavalinkSockets
from .wire import serialize


@dataclass(frozen=True)
class PlayerView:
    """A player as the twin holds it, for assertions."""

    session_id: str
    guild_id: str
    track: Track | None
    position: int
    paused: bool
    volume: int
    filters: dict[str, Any]
    voice: dict[str, Any]
    connected: bool
    end_time: int | None


class MockFactory:
    """The Sonora simulator's ``mock_factory``: realistic tracks, put in this twin's catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def create_mock_track(self, title: str | None = None, author: str | None = None,
                          length: int | None = None, *, source: str = "youtube",
                          is_stream: bool = False) -> Track:
        return self.catalogue.add(self.catalogue.make_track(title, author, length,
                                                            source=source,
                                                            is_stream=is_stream))

    def create_mock_playlist(self, name: str = "Mock Playlist", track_count: int = 10
                             ) -> Playlist:
        return self.catalogue.add_playlist(self.catalogue.make_playlist(name, track_count))

    def create_mock_search_results(self, query: str = "mock query", count: int = 10, *,
                                   prefix: str = "ytsearch") -> list[Track]:
        results = self.catalogue.search_results(prefix, query, count)
        self.catalogue.add_search(query, results, prefix)
        return results


class LavalinkTwin(Twin):
    """An offline Lavalink v4 node."""

    service = "lavalink"

    def __init__(
        self,
        *,
        password: str = "youshallnotpass",
        version: str = "4.2.2",
        config: LavalinkConfig | None = None,
        catalogue: Catalogue | None = None,
        world: str | Path | Mapping[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        clock: Clock | None = None,
        journal_limit: int = DEFAULT_JOURNAL_LIMIT,
        journal_bytes: int = DEFAULT_JOURNAL_BYTES,
        admin_token: str | None = None,
    ) -> None:
        """See docs/lavalink.md. ``world``: a world file's path, a whole world or its
        ``[lavalink]`` table (a snapshot) to start from, as the Discord twin takes it;
        :meth:`reset` comes back to it. Its ``config``, when it has one, replaces
        ``password``, ``version`` and ``config``."""
        self._config = config or LavalinkConfig(password=password, version=version)
        self._catalogue = catalogue
        #: A snapshot (a world's ``[lavalink]`` table) to start from instead of the defaults.
        self._world = world_table(world, "lavalink")
        super().__init__(host=host, port=port, seed=seed, clock=clock,
                         journal_limit=journal_limit, journal_bytes=journal_bytes,
                         admin_token=admin_token)

    def _setup(self) -> None:
        self.catalogue = self._catalogue or default_catalogue(self.seed)
        self.catalogue.max_generated = self._config.max_generated_searches
        self.mock_factory = MockFactory(self.catalogue)
        self.model = LavalinkModel(self, self.clock, self.catalogue, self._config, self.random)
        self.sockets = LavalinkSockets(self.model, self.server, self.wire)
        self.http = LavalinkHttp(self.model)
        #: The node's own voice connections (see :mod:`.voice_link`).
        self.voice_links = VoiceLinks(self.clock, self.journal, self._voice_closed)
        self.model.voice_links = self.voice_links
        if self._world is not None:
            restore(self.model, self._world)
        #: What reset() goes back to: the built state (with its world, if given one).
        self._initial = snapshot(self.model)

    @property
    def config(self) -> LavalinkConfig:
        """The node's settings as the model holds them (a restored snapshot or world
        brings its own)."""
        return self.model.config

    def _http_error(self, request: web.Request | None, status: int, message: str | None
                    ) -> web.Response:
        """Spring's error object, as a real node's errors come (pomice reads ``message``
        from any error body): injected faults, a body past ``max_body_bytes`` (413), and
        the twin's own crashes."""
        return self.http.error(request, status, message)

    def _admin_routes(self) -> list[AdminRoute]:
        return LavalinkAdmin(self).routes()

    def _max_request_size(self) -> int:
        return self.config.max_body_bytes

    def _routes(self) -> list[web.RouteDef]:
        return self.sockets.routes() + self.http.routes()

    def _prepare_app(self, app: web.Application) -> None:
        app.on_response_prepare.append(_api_version_header)

    async def _on_stop(self) -> None:
        await self.voice_links.aclose()
        self.sockets.close_all(CloseCode.GOING_AWAY, "Shutting down")

    def _voice_closed(self, session_id: str, player: Player, code: int, reason: str) -> None:
        """A voice server ended a player's voice connection: Lavalink's
        ``WebSocketClosedEvent`` (``byRemote``) and a disconnected player."""
        session = self.model.sessions.get(session_id)
        if session is not None and session.players.get(player.guild_id) is player \
                and player.voice_connected:
            self.model.close_voice(session_id, player.guild_id, code, reason, True)

    # -- Effects ------------------------------------------------------------------------

    def send(self, session_id: str, message: dict[str, Any], label: str) -> None:
        self.sockets.send(session_id, compact(message), label)

    def send_texts(self, session_id: str, texts: list[str], label: str) -> None:
        self.sockets.send_texts(session_id, texts, label)

    # -- state --------------------------------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        return snapshot(self.model)

    def _restore(self, data: dict[str, Any]) -> None:
        restore(self.model, data)

    def _reset(self, disconnect: bool) -> None:
        if disconnect:
            # Every session ends now, not when each client answers the close.
            self.sockets.close_all(CloseCode.NORMAL, "Reset")
            self.sockets.sockets.clear()
            for session in list(self.model.sessions.values()):
                self.model.shutdown(session)
        restore(self.model, self._initial)

    # -- settings ---------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        host, port, password = self.host, self.port, self.config.password
        return {
            "host": host, "port": port, "password": password,
            "version": str(self.model.version),
            "url": f"http://{host}:{port}", "ws_url": f"ws://{host}:{port}/v4/websocket",
            "admin_url": f"http://{host}:{port}/_wiretwin",
            # lavalink.Client(user_id).add_node(**settings["lavalink_py"])
            "lavalink_py": {"host": host, "port": port, "password": password,
                            "region": "us", "name": "wiretwin"},
            # wavelink.Node(**settings["wavelink"])
            "wavelink": {"uri": f"http://{host}:{port}", "password": password},
            # mafic.NodePool(client).create_node(**settings["mafic"])
            "mafic": {"host": host, "port": port, "label": "wiretwin",
                      "password": password},
            # pomice.NodePool().create_node(bot=bot, **settings["pomice"])
            "pomice": {"host": host, "port": port, "password": password,
                       "identifier": "wiretwin"},
        }

    # -- test-control API ---------------------------------------------------------------

    def sessions(self) -> list[str]:
        return self.call(lambda: list(self.model.sessions))

    def _find(self, guild_id: str | int, session_id: str | None) -> tuple[Session, Player]:
        guild = str(guild_id)
        # Connected sessions first: a paused (resumable) one may still hold the guild.
        sessions = [self.model.session(session_id)] if session_id else sorted(
            self.model.sessions.values(), key=lambda s: not s.attached)
        for session in sessions:
            player = session.players.get(guild)
            if player is not None:
                return session, player
        raise LavalinkError(404, f"no player for guild {guild}")

    def player(self, guild_id: str | int, session_id: str | None = None) -> PlayerView:
        """A player's state as applied (in the session named, else the first connected
        session holding that guild, else a paused one)."""
        return self.call(lambda: _view(*self._find(guild_id, session_id)))

    def players(self, session_id: str | None = None) -> list[PlayerView]:
        def read() -> list[PlayerView]:
            sessions = [self.model.session(session_id)] if session_id else list(
                self.model.sessions.values())
            return [_view(s, p) for s in sessions for p in s.players.values()]

        return self.call(read)

    def inject_exception(self, guild_id: str | int, message: str = "Something broke",
                         severity: str = Severity.COMMON, *, session_id: str | None = None) -> None:
        """``TrackExceptionEvent`` then ``TrackEndEvent`` ``loadFailed``."""
        def run() -> None:
            session, _ = self._find(guild_id, session_id)
            self.model.inject_exception(session.id, str(guild_id), message, severity)

        self.call(run)

    def inject_stuck(self, guild_id: str | int, threshold_ms: int | None = None, *,
                     session_id: str | None = None) -> None:
        def run() -> None:
            session, _ = self._find(guild_id, session_id)
            self.model.inject_stuck(session.id, str(guild_id), threshold_ms)

        self.call(run)

    def close_voice(self, guild_id: str | int,
                    code: int = VoiceCloseCode.SESSION_NO_LONGER_VALID,
                    reason: str = "Session is no longer valid.", by_remote: bool = True, *,
                    session_id: str | None = None) -> None:
        """The Discord voice websocket closed: ``WebSocketClosedEvent`` and a disconnected
        player (4014 ``byRemote`` is a bot kicked from the channel)."""
        def run() -> None:
            session, _ = self._find(guild_id, session_id)
            self.model.close_voice(session.id, str(guild_id), code, reason, by_remote)

        self.call(run)

    def drop_connection(self, session_id: str | None = None,
                        code: int = CloseCode.ABNORMAL) -> None:
        """Drop a session's websocket (a network failure; resumable sessions pause)."""
        def run() -> None:
            for sid in [session_id] if session_id else list(self.sockets.sockets):
                sock = self.sockets.sockets.get(sid)
                if sock is not None:
                    if code == CloseCode.ABNORMAL:
                        sock.abort()
                        # Lavalink learns of a socket it aborted at once: the session
                        # pauses (or ends) now, so what happens next is queued for a
                        # resume, and a client reconnecting at once finds it resumable.
                        session = self.model.sessions.get(sid)
                        if session is not None:
                            del self.sockets.sockets[sid]
                            self.model.detach(session)
                    else:
                        sock.close(code, "Dropped by the test")

        self.call(run)


def _view(session: Session, player: Player) -> PlayerView:
    return PlayerView(session.id, player.guild_id, player.current(), player.position,
                      player.paused, player.volume, dict(player.filters),
                      serialize.voice_json(player.voice), player.voice_connected, player.end_time)


async def _api_version_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Lavalink-Api-Version"] = "4"


__all__ = ["LavalinkTwin", "MockFactory", "PlayerView"]
