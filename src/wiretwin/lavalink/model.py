"""Lavalink v4 sessions and players, with no I/O.

Theory of operation
-------------------
A *session* is what a client's websocket opens (``ready`` gives its id). It owns players,
one per guild. The REST API and the test-control API call the model's operations
(``update_player``, ``destroy_player``, ``update_session``, ``inject_*``); each either
raises :class:`LavalinkError` (an HTTP status and message) having changed nothing, or
applies the change and emits websocket messages through :meth:`LavalinkModel._emit`.

Emitting follows the session: attached (its socket is open) → sent; paused (a resumable
session whose socket dropped) → queued, to be replayed in order on resume; gone → into
the void, as Lavalink does. Events are emitted in lavaplayer's order (``TrackEndEvent``
``replaced`` before the new ``TrackStartEvent``; ``TrackExceptionEvent`` before
``TrackEndEvent`` ``loadFailed``...).

Time is the clock's; session ids and voice pings come from the twin's seeded generator.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..runtime.clock import Clock, TimerHandle
from . import protocol
from .catalogue import SOURCE_MANAGERS, Catalogue
from .playback import Player, PlayerCallbacks, UpdateTicker, VoiceState
from .protocol import BUILTIN_FILTERS, Version
from .tracks import Track, TrackDecodeError, decode_track


class LavalinkError(Exception):
    """Answered with ``status`` and a Spring error body carrying ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Effects(Protocol):
    def send(self, session_id: str, message: dict[str, Any], label: str) -> None: ...


@dataclass
class LavalinkConfig:
    password: str = "youshallnotpass"
    version: str = "4.2.2"
    #: Seconds between ``playerUpdate`` frames while a track is loaded.
    player_update_interval: float = 5.0
    #: Seconds between ``stats`` frames (the first comes at connect).
    stats_interval: float = 60.0
    #: Seconds a track may go unpolled (no voice) before it ends with ``cleanup``.
    cleanup_threshold: float = 60.0
    #: ``thresholdMs`` reported by TrackStuckEvent.
    stuck_threshold_ms: int = 10_000
    disabled_filters: frozenset[str] = frozenset()
    source_managers: tuple[str, ...] = SOURCE_MANAGERS
    plugins: tuple[tuple[str, str], ...] = (("lavasrc-plugin", "4.3.0"),)


@dataclass(eq=False)
class Session:
    id: str
    user_id: str
    client_name: str | None
    resuming: bool = False
    timeout: int = 60
    attached: bool = True
    players: dict[str, Player] = field(default_factory=dict)
    queue: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    stats_timer: TimerHandle | None = None
    expiry_timer: TimerHandle | None = None

    @property
    def paused(self) -> bool:
        """Socket gone, but resumable: events are queued until the client resumes."""
        return not self.attached and self.resuming


def _int(value: Any, name: str) -> int:
    """Numbers as kotlinx reads them: JSON numbers or quoted numerics (pomice sends those)."""
    if isinstance(value, bool):
        raise LavalinkError(400, f"Failed to read request: {name} must be a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise LavalinkError(400, f"Failed to read request: {name} must be a number, got "
                             f"{value!r}")


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


class LavalinkModel:
    def __init__(self, effects: Effects, clock: Clock, catalogue: Catalogue,
                 config: LavalinkConfig, rng: random.Random) -> None:
        self.effects = effects
        self.clock = clock
        self.catalogue = catalogue
        self.config = config
        self.version = Version.parse(config.version)
        self.rng = rng
        self.sessions: dict[str, Session] = {}
        self.started = clock.monotonic()
        #: One timer per instant for every player's playerUpdate schedule.
        self.ticker = UpdateTicker(clock)

    # -- reading ------------------------------------------------------------------------

    @property
    def now_ms(self) -> int:
        return int(self.clock.time() * 1000)

    def session(self, session_id: str) -> Session:
        found = self.sessions.get(session_id)
        if found is None:
            raise LavalinkError(404, "Session not found")
        return found

    def player(self, session_id: str, guild_id: str) -> Player:
        found = self.session(session_id).players.get(guild_id)
        if found is None:
            raise LavalinkError(404, "Player not found")
        return found

    def player_json(self, player: Player) -> dict[str, Any]:
        return protocol.player_json(player, self.now_ms, self.version)

    def counts(self) -> tuple[int, int]:
        players = [p for s in self.sessions.values() for p in s.players.values()]
        return len(players), sum(1 for p in players if p.track is not None and not p.paused)

    def stats(self, *, websocket: bool) -> dict[str, Any]:
        players, playing = self.counts()
        uptime = int((self.clock.monotonic() - self.started) * 1000)
        return protocol.stats(players, playing, uptime, websocket=websocket)

    @property
    def known_sources(self) -> frozenset[str]:
        return frozenset(self.config.source_managers)

    def decode(self, encoded: str) -> Track:
        try:
            return decode_track(encoded, self.known_sources)
        except (TrackDecodeError, ValueError) as exc:
            raise LavalinkError(
                500, "Failed to decode track due to a mismatching version or missing source "
                     f"manager ({exc})") from None

    # -- sessions -----------------------------------------------------------------------

    def open_session(self, user_id: str, client_name: str | None) -> Session:
        """A new session; :meth:`announce` once its socket can receive."""
        session_id = self._new_session_id()
        session = Session(session_id, user_id, client_name)
        self.sessions[session_id] = session
        return session

    def announce(self, session: Session) -> None:
        """``ready``, then ``stats`` at once and every ``stats_interval``."""
        self._emit(session, protocol.ready(session.id, False), "ready")
        self._stats_from_now(session)

    def _new_session_id(self) -> str:
        alphabet = string.ascii_lowercase + string.digits
        while True:
            candidate = "".join(self.rng.choice(alphabet) for _ in range(16))
            if candidate not in self.sessions:
                return candidate

    def resumable(self, session_id: str) -> Session | None:
        session = self.sessions.get(session_id)
        return session if session is not None and session.paused else None

    def resume(self, session: Session) -> None:
        """The client came back with ``Session-Id``: ready, the queue, then player state."""
        if session.expiry_timer is not None:
            session.expiry_timer.cancel()
            session.expiry_timer = None
        session.attached = True
        queued, session.queue = session.queue, []
        self._emit(session, protocol.ready(session.id, True), "ready")
        for message, label in queued:
            self._emit(session, message, label)
        for player in session.players.values():
            self._emit_update(session, player)
        self._stats_from_now(session)

    def detach(self, session: Session) -> None:
        """The session's socket closed."""
        session.attached = False
        if session.stats_timer is not None:
            session.stats_timer.cancel()
            session.stats_timer = None
        if session.resuming:
            session.expiry_timer = self.clock.call_later(session.timeout,
                                                         lambda: self.shutdown(session))
        else:
            self.shutdown(session)

    def shutdown(self, session: Session) -> None:
        """End a session: every player is destroyed (its events go nowhere)."""
        session.attached = False
        session.resuming = False
        if session.expiry_timer is not None:
            session.expiry_timer.cancel()
            session.expiry_timer = None
        for guild_id in list(session.players):
            self.destroy_player(session.id, guild_id)
        self.sessions.pop(session.id, None)

    def update_session(self, session_id: str, body: dict[str, Any]) -> dict[str, Any]:
        session = self.session(session_id)
        resuming = body.get("resuming", session.resuming)
        if not isinstance(resuming, bool):
            raise LavalinkError(400, "Failed to read request: resuming must be a boolean")
        timeout = _int(body["timeout"], "timeout") if body.get("timeout") is not None else (
            session.timeout)
        if timeout < 0:
            raise LavalinkError(400, "Timeout must be greater than or equal to 0")
        session.resuming, session.timeout = resuming, timeout
        return {"resuming": session.resuming, "timeout": session.timeout}

    def _stats_from_now(self, session: Session) -> None:
        """``stats`` now (Lavalink's task starts with no delay), then every interval."""
        if session.stats_timer is not None:
            session.stats_timer.cancel()
            session.stats_timer = None
        if not session.attached:
            return
        self._emit(session, self.stats(websocket=True), "stats")
        session.stats_timer = self.clock.call_later(self.config.stats_interval,
                                                    lambda: self._stats_from_now(session))

    # -- emitting -----------------------------------------------------------------------

    def _emit(self, session: Session, message: dict[str, Any], label: str) -> None:
        if session.attached:
            self.effects.send(session.id, message, label)
        elif session.paused:
            session.queue.append((message, label))

    def _emit_update(self, session: Session, player: Player) -> None:
        self._emit(session, protocol.player_update(player, self.now_ms), "playerUpdate")

    def _emit_event(self, session: Session, kind: str, guild_id: str, **fields: Any) -> None:
        self._emit(session, protocol.event(kind, guild_id, **fields), kind)

    def _track_end(self, session: Session, guild_id: str, track: Track, reason: str) -> None:
        self._emit_event(session, "TrackEndEvent", guild_id,
                         track=protocol.track_json(track, self.version), reason=reason)

    # -- players ------------------------------------------------------------------------

    def _new_player(self, session: Session, guild_id: str) -> Player:
        def finished(player: Player) -> None:
            self._end(session, player, "finished")

        def cleanup(player: Player) -> None:
            self._end(session, player, "cleanup")

        def update(player: Player) -> None:
            self._emit_update(session, player)

        player = Player(guild_id, self.clock, PlayerCallbacks(finished, cleanup, update),
                        self.config.player_update_interval, self.config.cleanup_threshold,
                        ticker=self.ticker)
        session.players[guild_id] = player
        return player

    def _end(self, session: Session, player: Player, reason: str) -> None:
        ended = player.stop()
        if ended is not None:
            self._track_end(session, player.guild_id, ended, reason)

    def _start(self, session: Session, player: Player, track: Track, position: int,
               paused: bool, end_time: int | None) -> None:
        previous = player.stop()
        if previous is not None:
            self._track_end(session, player.guild_id, previous, "replaced")
        player.start(track, position, paused=paused, end_time=end_time)
        self._emit_event(session, "TrackStartEvent", player.guild_id,
                         track=protocol.track_json(player.current(), self.version))

    def destroy_player(self, session_id: str, guild_id: str) -> None:
        """``DELETE``: the player goes first, then its track stops (into the void)."""
        session = self.session(session_id)
        player = session.players.pop(guild_id, None)
        if player is None:
            return
        ended = player.stop()
        player.dispose()
        if ended is not None:
            self._track_end(session, guild_id, ended, "stopped")

    def update_player(self, session_id: str, guild_id: str, body: dict[str, Any],
                      no_replace: bool) -> dict[str, Any]:
        """``PATCH /v4/sessions/{sid}/players/{guildId}``, checks in Lavalink's order."""
        session = self.session(session_id)
        track_obj = body.get("track")
        has_track = "track" in body and track_obj is not None
        legacy = [k for k in ("encodedTrack", "identifier") if k in body]
        if has_track and legacy:
            raise LavalinkError(400, "Cannot specify both track and encodedTrack/identifier")
        if has_track and not isinstance(track_obj, dict):
            raise LavalinkError(400, "Failed to read request: track must be an object")
        if has_track:
            assert isinstance(track_obj, dict)
            if "encoded" in track_obj and "identifier" in track_obj:
                raise LavalinkError(400, "Cannot specify both encoded and identifier")
        filters = body.get("filters")
        if filters is not None:
            if not isinstance(filters, dict):
                raise LavalinkError(400, "Failed to read request: filters must be an object")
            disabled = sorted(k for k in filters if k in self.config.disabled_filters)
            if disabled:
                raise LavalinkError(400, "Following filters are disabled in the config: "
                                         + ", ".join(disabled))
        voice = body.get("voice")
        if voice is not None:
            self._check_voice(voice)
        end_time: int | None = None
        if body.get("endTime") is not None:
            end_time = _int(body["endTime"], "endTime")
            if end_time <= 0:
                raise LavalinkError(400, "End time must be greater than 0")
        position = _int(body["position"], "position") if body.get("position") is not None \
            else None
        volume = _int(body["volume"], "volume") if body.get("volume") is not None else None
        paused = body.get("paused")
        if paused is not None and not isinstance(paused, bool):
            raise LavalinkError(400, "Failed to read request: paused must be a boolean")
        user_data = (track_obj or {}).get("userData") if has_track else body.get("userData")
        if user_data is not None and not isinstance(user_data, dict):
            raise LavalinkError(400, "Failed to read request: userData must be an object")

        # What track, if any, this PATCH asks for (resolved before anything changes).
        # noReplace over a playing track: Lavalink answers before decoding or loading it.
        current = session.players.get(guild_id)
        keep = no_replace and current is not None and current.track is not None

        def encoded(value: Any) -> Track | None:
            return None if keep else self._encoded(value)

        def resolve(value: Any) -> Track | None:
            return None if keep else self._resolve(value)

        new_track: Track | None = None
        stop = False
        wants_track = False
        # The ``track`` object, else v4's deprecated top-level ``encodedTrack``/``identifier``.
        source: dict[str, Any] = body
        encoded_key = "encodedTrack"
        if has_track:
            assert isinstance(track_obj, dict)
            source, encoded_key = track_obj, "encoded"
        if encoded_key in source:
            wants_track = True
            if source[encoded_key] is None:
                stop = True
            else:
                new_track = encoded(source[encoded_key])
        elif "identifier" in source:
            wants_track = True
            new_track = resolve(source["identifier"])

        player = session.players.get(guild_id) or self._new_player(session, guild_id)
        if voice is not None:
            self._apply_voice(session, player, voice)
        if wants_track and keep:
            # volume and filters are applied before the track is looked at
            self._apply_common(session, player, volume, filters)
            if filters is not None:
                self._emit_update(session, player)
            return self.player_json(player)
        if wants_track:
            if stop:
                self._end(session, player, "stopped")
            elif new_track is not None:
                if user_data is not None:
                    new_track = new_track.with_user_data(user_data)
                self._start(session, player, new_track, position or 0, bool(paused),
                            end_time)
                self._apply_common(session, player, volume, filters)
                self._emit_update(session, player)
                return self.player_json(player)
        if paused is not None and paused != player.paused:
            player.set_paused(paused)
        if user_data is not None and player.track is not None:
            player.track = player.track.with_user_data(user_data)
        if position is not None and player.track is not None:
            player.seek(position)
            self._emit_update(session, player)
        if "endTime" in body:
            player.set_end_time(end_time)
        self._apply_common(session, player, volume, filters)
        if filters is not None:
            self._emit_update(session, player)
        return self.player_json(player)

    def _apply_common(self, session: Session, player: Player, volume: int | None,
                      filters: dict[str, Any] | None) -> None:
        if volume is not None:
            player.volume = max(0, min(1000, volume))
        if filters is not None:
            player.filters = dict(filters)

    def _encoded(self, encoded: Any) -> Track:
        if not isinstance(encoded, str):
            raise LavalinkError(400, "Failed to read request: encoded must be a string")
        try:
            return decode_track(encoded, self.known_sources)
        except (TrackDecodeError, ValueError) as exc:
            raise LavalinkError(400, f"Failed to decode track: {exc}") from None

    def _resolve(self, identifier: Any) -> Track:
        if not isinstance(identifier, str):
            raise LavalinkError(400, "Failed to read request: identifier must be a string")
        result = self.catalogue.load(identifier)
        if result.load_type == "track":
            track: Track = result.data
            return track
        if result.load_type == "empty":
            raise LavalinkError(400, "No matches found for identifier")
        if result.load_type == "error":
            raise LavalinkError(400, result.data.message)
        raise LavalinkError(400, "Cannot play a playlist or search result")

    def _check_voice(self, voice: Any) -> None:
        needs_channel = self.version.at_least(4, 2, 0)
        if not isinstance(voice, dict) or any(
            _blank(voice.get(k)) for k in ("token", "endpoint", "sessionId")
        ) or (needs_channel and _blank(voice.get("channelId"))):
            raise LavalinkError(
                400, "token, endpoint, sessionId and channelId must be provided in voice "
                     "state" if needs_channel else
                     "token, endpoint and sessionId must be provided in voice state")

    def _apply_voice(self, session: Session, player: Player, voice: dict[str, Any]) -> None:
        state = VoiceState(voice["token"], voice["endpoint"], voice["sessionId"],
                           voice.get("channelId"))
        if state == player.voice and player.voice_connected:
            return
        player.voice = state
        # The voice gateway "connects": frames start flowing, and Lavalink reports it.
        player.set_voice(True, self.rng.randrange(15, 60))
        self._emit_update(session, player)

    # -- injected trouble (test-control API) --------------------------------------------

    def close_voice(self, session_id: str, guild_id: str, code: int = 4006,
                    reason: str = "Session is no longer valid.", by_remote: bool = True
                    ) -> None:
        session = self.session(session_id)
        player = self.player(session_id, guild_id)
        player.set_voice(False)
        self._emit_event(session, "WebSocketClosedEvent", guild_id, code=code, reason=reason,
                         byRemote=by_remote)
        self._emit_update(session, player)

    def inject_exception(self, session_id: str, guild_id: str, message: str,
                         severity: str = "common",
                         cause: str = "com.sedmelluq.discord.lavaplayer.tools."
                                      "FriendlyException") -> None:
        session = self.session(session_id)
        player = self.player(session_id, guild_id)
        current = player.current()
        if current is None:
            raise LavalinkError(400, "The player has no track to fail")
        self._emit_event(session, "TrackExceptionEvent", guild_id,
                         track=protocol.track_json(current, self.version),
                         exception=protocol.exception_json(message, severity, cause,
                                                           self.version))
        self._end(session, player, "loadFailed")

    def inject_stuck(self, session_id: str, guild_id: str,
                     threshold_ms: int | None = None) -> None:
        session = self.session(session_id)
        player = self.player(session_id, guild_id)
        current = player.current()
        if current is None:
            raise LavalinkError(400, "The player has no track to get stuck")
        self._emit_event(session, "TrackStuckEvent", guild_id,
                         track=protocol.track_json(current, self.version),
                         thresholdMs=threshold_ms or self.config.stuck_threshold_ms)
        self._emit_update(session, player)

    def info(self) -> dict[str, Any]:
        filters = tuple(f for f in BUILTIN_FILTERS if f not in self.config.disabled_filters)
        return protocol.info(self.version, self.config.source_managers, filters,
                             [{"name": n, "version": v} for n, v in self.config.plugins])


__all__ = ["Effects", "LavalinkConfig", "LavalinkError", "LavalinkModel", "Session"]
