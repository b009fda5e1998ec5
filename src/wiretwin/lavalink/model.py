"""Lavalink v4 sessions and players, with no I/O.

Theory of operation
-------------------
A *session* is what a client's websocket opens (``ready`` gives its id). It owns players,
one per guild. The REST API and the test-control API call the model's operations
(``update_player``, ``destroy_player``, ``update_session``, ``inject_*``); each either
raises :class:`LavalinkError` (an HTTP status and message) having changed nothing, or
applies the change and emits websocket messages through :meth:`LavalinkModel._emit`.

A session's lifecycle (opened, announced, paused or ended when its socket drops,
resumed, expired) is the table-driven state machine of :mod:`.protocol`; the model fires
its events and emits through it. Emitting follows the session: attached (its socket is
open) → sent; paused (a resumable session whose socket dropped) → queued, to be replayed
in order on resume; gone → into the void, as Lavalink does. Events are emitted in
lavaplayer's order (``TrackEndEvent`` ``replaced`` before the new ``TrackStartEvent``;
``TrackExceptionEvent`` before ``TrackEndEvent`` ``loadFailed``...).

Time is the clock's; session ids and voice pings come from the twin's seeded generator.
"""

from __future__ import annotations

import random
from itertools import groupby
from operator import attrgetter
from typing import Any, Protocol

from ..runtime.clock import Clock
from . import errors, wire
from .catalogue import Catalogue
from .config import LavalinkConfig
from .errors import EndReason, EventType, LavalinkError, Severity, VoiceCloseCode
from .playback import Player, PlayerCallbacks, UpdateTicker, VoiceState
from .protocol import Effects, Event, Session, SessionProtocol
from .tracks import JavaFailure, Track
from .tracks import decode_track as _decode_track
from .wire import BUILTIN_FILTERS, OMITTED, PlayerUpdate, SessionUpdate, TrackUpdate, Version

#: Lavaplayer's equalizer has 15 bands (``array[band] = gain`` past them throws).
EQUALIZER_BANDS = 15


class VoiceLinkHooks(Protocol):
    """Where a player's voice connection goes (the twin's voice links, if any)."""

    def connect(self, session_id: str, user_id: str, player: Player) -> None: ...

    def disconnect(self, player: Player) -> None: ...


_owner = attrgetter("callbacks.owner")


def _blank(value: str | None) -> bool:
    """Kotlin's ``isNullOrBlank``."""
    return value is None or not value.strip()


def _duration_seconds(seconds: int) -> int:
    """``timeout`` through Kotlin's ``Duration`` and back (``inWholeSeconds``): beyond
    about 146 million years it saturates to infinite, read back as Long.MAX/MIN."""
    limit = 4_611_686_018_427_388  # (Long.MAX_VALUE / 2) milliseconds, in seconds
    if seconds >= limit:
        return wire.LONG_MAX
    if seconds <= -limit:
        return wire.LONG_MIN
    return seconds


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
        self.ticker = UpdateTicker(clock, self._report_updates)
        #: The session lifecycle; it reads and asks this model (see :mod:`.protocol`).
        self.protocol = SessionProtocol(self)
        #: Connects players to the voice servers their voice states name (the twin's).
        self.voice_links: VoiceLinkHooks | None = None

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
        return wire.player_json(player, self.now_ms, self.version)

    def counts(self) -> tuple[int, int]:
        players = [p for s in self.sessions.values() for p in s.players.values()]
        return len(players), sum(1 for p in players if p.track is not None and not p.paused)

    def stats(self, *, websocket: bool) -> dict[str, Any]:
        players, playing = self.counts()
        uptime = int((self.clock.monotonic() - self.started) * 1000)
        return wire.stats(players, playing, uptime, websocket=websocket)

    @property
    def known_sources(self) -> frozenset[str]:
        return frozenset(self.config.source_managers)

    def decode(self, encoded: str) -> Track:
        """An encoded track as Lavalink decodes it, or its 500 (a bad base64 string, a
        truncated message, an unknown source: see :mod:`.tracks`)."""
        try:
            return _decode_track(encoded, self.known_sources, java=True)
        except JavaFailure as failure:
            if failure.io:
                raise errors.io_failure(failure.exception, failure.message) from None
            raise errors.server_error(failure.exception, failure.message) from None

    @property
    def needs_channel(self) -> bool:
        """``voice.channelId`` is part of the voice state (4.2.0, DAVE)."""
        return self.version.at_least(4, 2, 0)

    # -- sessions (the lifecycle is :mod:`.protocol`'s) ------------------------------

    def open_session(self, user_id: str, client_name: str | None) -> Session:
        """A new session; :meth:`announce` once its socket can receive."""
        return self.protocol.open(user_id, client_name)

    def announce(self, session: Session) -> None:
        """``ready``, then ``stats`` at once and every ``stats_interval``."""
        self.protocol.fire(session, Event.ANNOUNCE)

    def resumable(self, session_id: str) -> Session | None:
        return self.protocol.resumable(session_id)

    def resume(self, session: Session) -> None:
        """The client came back with ``Session-Id``: ready, the queue, then player state."""
        self.protocol.fire(session, Event.RESUME)

    def detach(self, session: Session) -> None:
        """The session's socket closed: a resumable session pauses for its ``timeout``
        (at most ``max_paused_sessions`` at once: past it the longest-paused one ends),
        any other ends now."""
        self.protocol.closed(session)

    def shutdown(self, session: Session) -> None:
        """End a session: every player is destroyed (its events go nowhere)."""
        self.protocol.fire(session, Event.SHUTDOWN)

    def update_session(self, session_id: str, body: SessionUpdate | dict[str, Any]
                       ) -> dict[str, Any]:
        """``PATCH /v4/sessions/{id}``: any timeout is taken, even a negative one (the
        session then ends as soon as its socket drops)."""
        update = body if isinstance(body, SessionUpdate) else wire.read_session_update(body)
        session = self.session(session_id)
        if isinstance(update.resuming, bool):
            self.protocol.set_resuming(session, update.resuming)
        if isinstance(update.timeout, int):
            session.timeout = _duration_seconds(update.timeout)
        return wire.session_json(session.resuming, session.timeout)

    # -- emitting -----------------------------------------------------------------------

    def _emit(self, session: Session, message: dict[str, Any], label: str) -> None:
        self.protocol.emit(session, message, label)

    def _emit_update(self, session: Session, player: Player) -> None:
        self.protocol.emit_update(session, player)

    def _report_updates(self, players: list[Player]) -> None:
        """The players whose ``playerUpdate`` fell due at one instant, in order: each
        session's run of them goes out as one batch."""
        for owner, run in groupby(players, key=_owner):
            if isinstance(owner, Session):
                self.protocol.emit_updates(owner, list(run))
            else:
                for player in run:
                    player.callbacks.update(player)

    def _emit_event(self, session: Session, kind: EventType, guild_id: str, **fields: Any
                    ) -> None:
        self._emit(session, wire.event(kind, guild_id, **fields), kind)

    def _track_end(self, session: Session, guild_id: str, track: Track, reason: EndReason
                   ) -> None:
        self._emit_event(session, EventType.TRACK_END, guild_id,
                         track=wire.track_json(track, self.version), reason=reason)

    # -- players ------------------------------------------------------------------------

    def _new_player(self, session: Session, guild_id: str) -> Player:
        if len(session.players) >= self.config.max_players_per_session:
            raise errors.out_of_memory()
        def finished(player: Player) -> None:
            self._end(session, player, EndReason.FINISHED)

        def cleanup(player: Player) -> None:
            self._end(session, player, EndReason.CLEANUP)

        def update(player: Player) -> None:
            self._emit_update(session, player)

        player = Player(guild_id, self.clock,
                        PlayerCallbacks(finished, cleanup, update, owner=session),
                        self.config.player_update_interval, self.config.cleanup_threshold,
                        ticker=self.ticker)
        session.players[guild_id] = player
        return player

    def _end(self, session: Session, player: Player, reason: EndReason) -> None:
        ended = player.stop()
        if ended is not None:
            self._track_end(session, player.guild_id, ended, reason)

    def _start(self, session: Session, player: Player, track: Track, position: int,
               paused: bool, end_time: int | None) -> None:
        previous = player.stop()
        if previous is not None:
            self._track_end(session, player.guild_id, previous, EndReason.REPLACED)
        player.start(track, position, paused=paused, end_time=end_time)
        self._emit_event(session, EventType.TRACK_START, player.guild_id,
                         track=wire.track_json(player.current(), self.version))

    def destroy_player(self, session_id: str, guild_id: str) -> None:
        """``DELETE``: the player goes first, then its track stops (into the void)."""
        session = self.session(session_id)
        player = session.players.pop(guild_id, None)
        if player is None:
            return
        ended = player.stop()
        player.dispose()
        if ended is not None:
            self._track_end(session, guild_id, ended, EndReason.STOPPED)

    def update_player(self, session_id: str, guild_id: str,
                      body: PlayerUpdate | dict[str, Any], no_replace: bool
                      ) -> dict[str, Any]:
        """``PATCH /v4/sessions/{sid}/players/{guildId}`` in ``PlayerRestHandler``'s order.

        The checks come first and refuse with nothing changed (both forms of a track,
        disabled filters, a blank voice state, ``endTime`` <= 0). Then the player is made,
        and voice, pause, user data, volume, seek, end marker and filters are applied, and
        only then is a new track decoded or loaded: a track that fails there (500 for a
        bad encoding, 400 for an identifier) leaves those changes in place, as on Lavalink.
        """
        update = body if isinstance(body, PlayerUpdate) else wire.read_player_update(
            body, with_channel=self.needs_channel)
        session = self.session(session_id)
        legacy = update.encoded_track is not OMITTED or update.identifier is not OMITTED
        if not isinstance(update.track, TrackUpdate):
            track = TrackUpdate(update.encoded_track, update.identifier) if legacy \
                else TrackUpdate()
        elif legacy:
            raise LavalinkError(400, "Cannot specify both track and encodedTrack/identifier")
        else:
            track = update.track
        if track.encoded is not OMITTED and track.identifier is not OMITTED:
            raise LavalinkError(400, "Cannot specify both encodedTrack and identifier")
        filters = update.filters
        if isinstance(filters, wire.Filters):
            disabled = [k for k in (*BUILTIN_FILTERS, *filters.raw.get("pluginFilters", {}))
                        if k in self.config.disabled_filters
                        and (k in filters.raw or k in filters.raw.get("pluginFilters", {}))]
            if disabled:
                raise LavalinkError(400, "Following filters are disabled in the config: "
                                         + ", ".join(disabled))
        voice = update.voice
        if isinstance(voice, wire.VoiceUpdate):
            self._check_voice(voice)
        end_time = update.end_time
        if isinstance(end_time, int) and end_time <= 0:
            raise LavalinkError(400, "End time must be greater than 0")

        playing = track.encoded is not OMITTED or track.identifier is not OMITTED
        player = session.players.get(guild_id) or self._new_player(session, guild_id)
        if isinstance(voice, wire.VoiceUpdate):
            self._apply_voice(session, player, voice)
        if not playing:
            if isinstance(update.paused, bool) and update.paused != player.paused:
                player.set_paused(update.paused)
            if isinstance(track.user_data, dict) and player.track is not None:
                player.track = player.track.with_user_data(track.user_data)
        if isinstance(update.volume, int):
            player.volume = max(0, min(1000, update.volume))  # lavaplayer's setVolume
        if not playing:
            if isinstance(update.position, int) and player.track is not None:
                player.seek(update.position)
                self._emit_update(session, player)
            if isinstance(end_time, int) and player.track is not None:
                player.set_end_time(end_time)  # a null endTime here changes nothing
        if isinstance(filters, wire.Filters):
            for band in filters.bands:
                if not 0 <= band < EQUALIZER_BANDS:
                    raise errors.server_error(
                        "java.lang.ArrayIndexOutOfBoundsException",
                        f"Index {band} out of bounds for length {EQUALIZER_BANDS}")
            player.filters = dict(filters.raw)
            self._emit_update(session, player)
        if not playing:
            return self.player_json(player)

        if no_replace and player.track is not None:
            return self.player_json(player)  # "Skipping play request because of noReplace"
        paused = update.paused if isinstance(update.paused, bool) else False
        if paused != player.paused:
            player.set_paused(paused)
        if track.encoded is not OMITTED:
            new_track = None if track.encoded is None else self.decode(str(track.encoded))
        else:
            new_track = self._resolve(str(track.identifier))
        if new_track is None:
            self._end(session, player, EndReason.STOPPED)
            return self.player_json(player)
        if isinstance(track.user_data, dict):
            new_track = new_track.with_user_data(track.user_data)
        position = update.position if isinstance(update.position, int) else 0
        self._start(session, player, new_track, position, paused,
                    end_time if isinstance(end_time, int) else None)
        self._emit_update(session, player)
        return self.player_json(player)

    def _resolve(self, identifier: str) -> Track:
        result = self.catalogue.load(identifier)
        if result.load_type == "track":
            track: Track = result.data
            return track
        if result.load_type == "empty":
            raise LavalinkError(400, "No matches found for identifier")
        if result.load_type == "error":
            raise LavalinkError(400, result.data.message)
        raise LavalinkError(400, "Cannot play a playlist or search result")

    def _check_voice(self, voice: wire.VoiceUpdate) -> None:
        needs_channel = self.needs_channel
        if _blank(voice.token) or _blank(voice.endpoint) or _blank(voice.session_id) or (
                needs_channel and _blank(voice.channel_id)):
            raise LavalinkError(
                400, "token, endpoint, sessionId and channelId must be provided in voice "
                     "state" if needs_channel else
                     "token, endpoint and sessionId must be provided in voice state")

    def _apply_voice(self, session: Session, player: Player, voice: wire.VoiceUpdate) -> None:
        channel: str | None = None
        if self.needs_channel and voice.channel_id is not None:
            # Koe's VoiceServerInfo takes ``channelId!!.toLong()``
            number = wire.parse_long(voice.channel_id)
            if number is None:
                raise errors.server_error("java.lang.NumberFormatException",
                                          f'For input string: "{voice.channel_id}"')
            channel = str(number)
        state = VoiceState(voice.token, voice.endpoint, voice.session_id, channel)
        if state == player.voice and player.voice_connected:
            return
        player.voice = state
        # The voice gateway "connects": frames start flowing, and Lavalink reports it.
        player.set_voice(True, self.rng.randrange(15, 60))
        if self.voice_links is not None:
            self.voice_links.connect(session.id, session.user_id, player)
        self._emit_update(session, player)

    # -- injected trouble (test-control API) --------------------------------------------

    def close_voice(self, session_id: str, guild_id: str,
                    code: int = VoiceCloseCode.SESSION_NO_LONGER_VALID,
                    reason: str = "Session is no longer valid.", by_remote: bool = True
                    ) -> None:
        session = self.session(session_id)
        player = self.player(session_id, guild_id)
        player.set_voice(False)
        if self.voice_links is not None:
            self.voice_links.disconnect(player)
        self._emit_event(session, EventType.WEBSOCKET_CLOSED, guild_id, code=code, reason=reason,
                         byRemote=by_remote)
        self._emit_update(session, player)

    def inject_exception(self, session_id: str, guild_id: str, message: str,
                         severity: str = Severity.COMMON,
                         cause: str = "com.sedmelluq.discord.lavaplayer.tools."
                                      "FriendlyException") -> None:
        session = self.session(session_id)
        player = self.player(session_id, guild_id)
        current = player.current()
        if current is None:
            raise LavalinkError(400, "The player has no track to fail")
        self._emit_event(session, EventType.TRACK_EXCEPTION, guild_id,
                         track=wire.track_json(current, self.version),
                         exception=wire.exception_json(message, severity, cause,
                                                           self.version))
        self._end(session, player, EndReason.LOAD_FAILED)

    def inject_stuck(self, session_id: str, guild_id: str,
                     threshold_ms: int | None = None) -> None:
        session = self.session(session_id)
        player = self.player(session_id, guild_id)
        current = player.current()
        if current is None:
            raise LavalinkError(400, "The player has no track to get stuck")
        self._emit_event(session, EventType.TRACK_STUCK, guild_id,
                         track=wire.track_json(current, self.version),
                         thresholdMs=threshold_ms or self.config.stuck_threshold_ms)
        self._emit_update(session, player)

    def info(self) -> dict[str, Any]:
        filters = tuple(f for f in BUILTIN_FILTERS if f not in self.config.disabled_filters)
        return wire.info(self.version, self.config.source_managers, filters,
                             [{"name": n, "version": v} for n, v in self.config.plugins])


__all__ = ["Effects", "LavalinkError", "LavalinkModel", "Session", "VoiceLinkHooks"]
