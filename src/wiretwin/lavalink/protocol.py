"""The Lavalink session lifecycle as a table-driven state machine, with no I/O.

A session is what a client's websocket opens. It lives through the states below; every
change of state is one *event* looked up in :data:`TRANSITIONS`, which names the next
state and the action that carries it out. An event the table does not list for the
session's state is refused by the one rule in :meth:`SessionProtocol.fire`
(:class:`SessionStateError`: a bug in whoever fired it, never a client's doing).

States:

============  ==========================================================================
``OPEN``      made for a new socket, ``ready`` not sent yet (messages are sent)
``ATTACHED``  its socket is open (messages are sent)
``PAUSED``    resumable, its socket gone: messages queue (at most ``max_resume_queue``,
              oldest dropped) until the client resumes or ``timeout`` runs out
``DETACHED``  paused, then ``resuming`` turned off: not resumable, messages go into the
              void, and it still ends when its ``timeout`` runs out
``GONE``      ended: players destroyed, out of the node's session map
============  ==========================================================================

Transitions ((state, event) -> next state, action):

============  ===================  ==========  =============================================
state         event                next        action
============  ===================  ==========  =============================================
OPEN          ``ANNOUNCE``         ATTACHED    ``ready`` (``resumed: false``), then ``stats``
                                               at once and every ``stats_interval``
OPEN          ``CLOSE``            GONE        end the session
OPEN          ``SHUTDOWN``         GONE        end the session
ATTACHED      ``CLOSE``            GONE        (not resuming) end the session
ATTACHED      ``CLOSE_RESUMABLE``  PAUSED      stop ``stats``, expire after ``timeout``; past
                                               ``max_paused_sessions`` paused sessions, the
                                               longest-paused ones expire now
ATTACHED      ``SHUTDOWN``         GONE        end the session
PAUSED        ``RESUME``           ATTACHED    ``ready`` (``resumed: true``), the queue in
                                               order, one ``playerUpdate`` per player, then
                                               ``stats`` as on ``ANNOUNCE``
PAUSED        ``DISOWN``           DETACHED    none (``resuming`` was set to false)
PAUSED        ``EXPIRE``           GONE        end the session
PAUSED        ``SHUTDOWN``         GONE        end the session
DETACHED      ``REOWN``            PAUSED      none (``resuming`` was set to true again)
DETACHED      ``EXPIRE``           GONE        end the session
DETACHED      ``SHUTDOWN``         GONE        end the session
============  ===================  ==========  =============================================

"End the session" stops its timers, destroys every player (their ``TrackEndEvent`` go
nowhere: the session is already ``GONE``) and removes it from the node. ``GONE`` takes
no event.

The state changes before the action runs, so what the action emits is routed by the new
state. The model (:class:`~wiretwin.lavalink.model.LavalinkModel`) owns the sessions and
players and fires the events; this module owns the rules and the timers' scheduling on
the model's clock, and sends through the model's effects, nothing else.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from ..runtime.clock import Clock, TimerHandle
from . import wire
from .config import LavalinkConfig
from .errors import Op
from .playback import Player


class State(StrEnum):
    OPEN = "OPEN"
    ATTACHED = "ATTACHED"
    PAUSED = "PAUSED"
    DETACHED = "DETACHED"
    GONE = "GONE"


class Event(StrEnum):
    #: The new session's socket can receive: send ``ready``.
    ANNOUNCE = "ANNOUNCE"
    #: The client came back with ``Session-Id``.
    RESUME = "RESUME"
    #: The socket closed and the session is not resuming.
    CLOSE = "CLOSE"
    #: The socket closed and the session is resuming.
    CLOSE_RESUMABLE = "CLOSE_RESUMABLE"
    #: ``resuming`` set to false while paused.
    DISOWN = "DISOWN"
    #: ``resuming`` set to true again while detached.
    REOWN = "REOWN"
    #: The paused session's ``timeout`` ran out, or newer paused sessions pushed it out.
    EXPIRE = "EXPIRE"
    #: The node ends the session (a reset of the twin).
    SHUTDOWN = "SHUTDOWN"


class Effects(Protocol):
    """What the model's messages go out through (the twin's sockets)."""

    def send(self, session_id: str, message: dict[str, Any], label: str) -> None: ...


class BatchEffects(Effects, Protocol):
    """Effects that also take many messages at once, already compact JSON (the twin's
    sockets: one batch of ``playerUpdate`` frames per instant). Effects without
    ``send_texts`` get the messages one by one through :meth:`Effects.send`."""

    def send_texts(self, session_id: str, texts: list[str], label: str) -> None: ...


@dataclass(eq=False)
class Session:
    id: str
    user_id: str
    client_name: str | None
    resuming: bool = False
    timeout: int = 60
    state: State = State.OPEN
    players: dict[str, Player] = field(default_factory=dict)
    queue: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    stats_timer: TimerHandle | None = None
    expiry_timer: TimerHandle | None = None
    #: Clock reading when the socket dropped and the session paused.
    paused_since: float = 0.0

    @property
    def attached(self) -> bool:
        """Its socket is open: messages are sent."""
        return self.state in (State.OPEN, State.ATTACHED)

    @property
    def paused(self) -> bool:
        """Socket gone, but resumable: events are queued until the client resumes."""
        return self.state is State.PAUSED


class Host(Protocol):
    """What the lifecycle reads from the model and asks of it (LavalinkModel is one)."""

    @property
    def effects(self) -> Effects: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def config(self) -> LavalinkConfig: ...
    @property
    def rng(self) -> random.Random: ...
    @property
    def sessions(self) -> dict[str, Session]: ...
    @property
    def now_ms(self) -> int: ...

    def stats(self, *, websocket: bool) -> dict[str, Any]: ...

    def destroy_player(self, session_id: str, guild_id: str) -> None: ...


class SessionStateError(RuntimeError):
    """An event the session's state does not take (see :data:`TRANSITIONS`)."""

    def __init__(self, session: Session, event: Event) -> None:
        super().__init__(f"session {session.id}: {event} is not allowed when {session.state}")
        self.session_id = session.id
        self.state = session.state
        self.event = event


Action = Callable[["SessionProtocol", Session], None]


def _nothing(protocol: SessionProtocol, session: Session) -> None:
    """A change of state only."""


def _greet(protocol: SessionProtocol, session: Session) -> None:
    protocol.emit(session, wire.ready(session.id, False), Op.READY)
    protocol.stats_from_now(session)


def _replay(protocol: SessionProtocol, session: Session) -> None:
    if session.expiry_timer is not None:
        session.expiry_timer.cancel()
        session.expiry_timer = None
    queued, session.queue = session.queue, []
    protocol.emit(session, wire.ready(session.id, True), Op.READY)
    for message, label in queued:
        protocol.emit(session, message, label)
    for player in session.players.values():
        protocol.emit_update(session, player)
    protocol.stats_from_now(session)


def _pause(protocol: SessionProtocol, session: Session) -> None:
    host = protocol.host
    protocol.stop_stats(session)
    session.paused_since = host.clock.monotonic()
    session.expiry_timer = host.clock.call_later(
        max(0, session.timeout), lambda: protocol.fire(session, Event.EXPIRE))
    paused = sorted((s for s in host.sessions.values() if s.paused),
                    key=lambda s: s.paused_since)
    for oldest in paused[:max(0, len(paused) - host.config.max_paused_sessions)]:
        protocol.fire(oldest, Event.EXPIRE)


def _end(protocol: SessionProtocol, session: Session) -> None:
    protocol.stop_stats(session)
    session.resuming = False
    if session.expiry_timer is not None:
        session.expiry_timer.cancel()
        session.expiry_timer = None
    for guild_id in list(session.players):
        protocol.host.destroy_player(session.id, guild_id)
    protocol.host.sessions.pop(session.id, None)


#: (state, event) -> (next state, action); anything else is refused.
TRANSITIONS: dict[tuple[State, Event], tuple[State, Action]] = {
    (State.OPEN, Event.ANNOUNCE): (State.ATTACHED, _greet),
    (State.OPEN, Event.CLOSE): (State.GONE, _end),
    (State.OPEN, Event.SHUTDOWN): (State.GONE, _end),
    (State.ATTACHED, Event.CLOSE): (State.GONE, _end),
    (State.ATTACHED, Event.CLOSE_RESUMABLE): (State.PAUSED, _pause),
    (State.ATTACHED, Event.SHUTDOWN): (State.GONE, _end),
    (State.PAUSED, Event.RESUME): (State.ATTACHED, _replay),
    (State.PAUSED, Event.DISOWN): (State.DETACHED, _nothing),
    (State.PAUSED, Event.EXPIRE): (State.GONE, _end),
    (State.PAUSED, Event.SHUTDOWN): (State.GONE, _end),
    (State.DETACHED, Event.REOWN): (State.PAUSED, _nothing),
    (State.DETACHED, Event.EXPIRE): (State.GONE, _end),
    (State.DETACHED, Event.SHUTDOWN): (State.GONE, _end),
}


class SessionProtocol:
    """Every session's lifecycle on one node, and the routing of what it is sent."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def fire(self, session: Session, event: Event) -> None:
        """Move ``session`` on by ``event`` and run the transition's action, or refuse."""
        found = TRANSITIONS.get((session.state, event))
        if found is None:
            raise SessionStateError(session, event)
        session.state, action = found
        action(self, session)

    # -- opening --------------------------------------------------------------------

    def open(self, user_id: str, client_name: str | None) -> Session:
        """A new ``OPEN`` session under a fresh id (fire ``ANNOUNCE`` once it can
        receive)."""
        session = Session(self._new_session_id(), user_id, client_name)
        self.host.sessions[session.id] = session
        return session

    def _new_session_id(self) -> str:
        """16 lowercase letters and digits from the node's seeded generator."""
        alphabet = string.ascii_lowercase + string.digits
        while True:
            candidate = "".join(self.host.rng.choice(alphabet) for _ in range(16))
            if candidate not in self.host.sessions:
                return candidate

    def resumable(self, session_id: str) -> Session | None:
        session = self.host.sessions.get(session_id)
        return session if session is not None and session.paused else None

    def closed(self, session: Session) -> None:
        """The session's socket closed: pause it if it is resuming, else end it."""
        self.fire(session, Event.CLOSE_RESUMABLE if session.resuming else Event.CLOSE)

    def set_resuming(self, session: Session, resuming: bool) -> None:
        """``PATCH /v4/sessions/{id}``'s ``resuming``: a paused session turned
        non-resuming stops being resumable (and back)."""
        session.resuming = resuming
        if session.state is State.PAUSED and not resuming:
            self.fire(session, Event.DISOWN)
        elif session.state is State.DETACHED and resuming:
            self.fire(session, Event.REOWN)

    # -- emitting -------------------------------------------------------------------

    def emit(self, session: Session, message: dict[str, Any], label: str) -> None:
        """Sent while attached, queued while paused, dropped otherwise."""
        if session.attached:
            self.host.effects.send(session.id, message, label)
        elif session.paused:
            if len(session.queue) >= self.host.config.max_resume_queue:
                del session.queue[0]
            session.queue.append((message, label))

    def emit_update(self, session: Session, player: Player) -> None:
        """A ``playerUpdate``; nothing while paused (Lavalink's ``sendPlayerUpdate``:
        one per player on resume instead)."""
        if session.paused:
            return
        self.emit(session, wire.player_update(player, self.host.now_ms), Op.PLAYER_UPDATE)

    def emit_updates(self, session: Session, players: list[Player]) -> None:
        """:meth:`emit_update` for each of ``players`` (due at one instant, in order),
        sent as one batch when the effects take batches."""
        if not session.attached:
            for player in players:  # paused: nothing; otherwise into the void
                self.emit_update(session, player)
            return
        send_texts = getattr(self.host.effects, "send_texts", None)
        if send_texts is None:
            for player in players:
                self.emit_update(session, player)
            return
        send_texts(session.id, wire.player_updates_text(players, self.host.now_ms),
                   Op.PLAYER_UPDATE)

    def stats_from_now(self, session: Session) -> None:
        """``stats`` now (Lavalink's task starts with no delay), then every interval."""
        self.stop_stats(session)
        if not session.attached:
            return
        self.emit(session, self.host.stats(websocket=True), Op.STATS)
        session.stats_timer = self.host.clock.call_later(
            self.host.config.stats_interval, lambda: self.stats_from_now(session))

    @staticmethod
    def stop_stats(session: Session) -> None:
        if session.stats_timer is not None:
            session.stats_timer.cancel()
            session.stats_timer = None


__all__ = [
    "TRANSITIONS",
    "Action",
    "BatchEffects",
    "Effects",
    "Event",
    "Host",
    "Session",
    "SessionProtocol",
    "SessionStateError",
    "State",
]
