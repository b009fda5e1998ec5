"""The Lavalink session state machine (:mod:`wiretwin.lavalink.protocol`), event by event.

Every allowed transition is taken from a session brought to its state by real events, and
checked for its next state and what its action did; every pair the table leaves out is
refused with the session unchanged. The table is pinned here and in the module docstring.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from wiretwin.lavalink import protocol
from wiretwin.lavalink.catalogue import default_catalogue
from wiretwin.lavalink.config import LavalinkConfig
from wiretwin.lavalink.model import LavalinkModel
from wiretwin.lavalink.protocol import TRANSITIONS, Event, Session, SessionStateError, State
from wiretwin.runtime.clock import VirtualClock

EPOCH = 1_700_000_000.0
GUILD = "817327181659111454"
RICK = "dQw4w9WgXcQ"  # in the default catalogue

#: The table as the docs state it: (state, event) -> next state.
EXPECTED = {
    (State.OPEN, Event.ANNOUNCE): State.ATTACHED,
    (State.OPEN, Event.CLOSE): State.GONE,
    (State.OPEN, Event.SHUTDOWN): State.GONE,
    (State.ATTACHED, Event.CLOSE): State.GONE,
    (State.ATTACHED, Event.CLOSE_RESUMABLE): State.PAUSED,
    (State.ATTACHED, Event.SHUTDOWN): State.GONE,
    (State.PAUSED, Event.RESUME): State.ATTACHED,
    (State.PAUSED, Event.DISOWN): State.DETACHED,
    (State.PAUSED, Event.EXPIRE): State.GONE,
    (State.PAUSED, Event.SHUTDOWN): State.GONE,
    (State.DETACHED, Event.REOWN): State.PAUSED,
    (State.DETACHED, Event.EXPIRE): State.GONE,
    (State.DETACHED, Event.SHUTDOWN): State.GONE,
}
REFUSED = [(s, e) for s in State for e in Event if (s, e) not in EXPECTED]


@dataclass
class Recorded:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, session_id: str, message: dict[str, Any], label: str) -> None:
        self.sent.append(message)

    def take(self) -> list[dict[str, Any]]:
        out, self.sent = self.sent, []
        return out


@dataclass
class Node:
    model: LavalinkModel
    fx: Recorded
    clock: VirtualClock

    def session_in(self, state: State) -> Session:
        """A session with one player, brought to ``state`` by the events a node sees."""
        session = self.model.open_session("1234", "test/1.0")
        self.model.update_player(session.id, GUILD, {"volume": 50}, False)
        if state is not State.OPEN:
            self.model.announce(session)
        if state in (State.PAUSED, State.DETACHED):
            self.model.update_session(session.id, {"resuming": True, "timeout": 60})
            self.model.detach(session)
        if state is State.DETACHED:
            self.model.update_session(session.id, {"resuming": False})
        if state is State.GONE:
            self.model.detach(session)
        assert session.state is state
        self.fx.take()
        return session


def _node(config: LavalinkConfig | None = None) -> Node:
    fx = Recorded()
    clock = VirtualClock(EPOCH)
    model = LavalinkModel(fx, clock, default_catalogue(0), config or LavalinkConfig(),
                          random.Random(0))
    return Node(model, fx, clock)


@pytest.fixture
async def node() -> Node:
    return _node()  # async: the clock's timers need the test's running loop


def test_the_table_is_the_documented_one() -> None:
    assert {key: next_state for key, (next_state, _) in TRANSITIONS.items()} == EXPECTED
    rows = re.findall(r"^(\w+) +``(\w+)`` +(\w+) ", protocol.__doc__ or "", re.MULTILINE)
    assert {(State(s), Event(e)): State(n) for s, e, n in rows} == EXPECTED


@pytest.mark.parametrize(("state", "event"), list(EXPECTED), ids=lambda v: str(v))
async def test_every_allowed_transition(node: Node, state: State, event: Event) -> None:
    session = node.session_in(state)
    node.model.protocol.fire(session, event)
    assert session.state is EXPECTED[state, event]
    sessions, sent = node.model.sessions, node.fx.take()
    if session.state is State.GONE:
        assert session.id not in sessions and session.players == {}
        assert session.expiry_timer is None and session.stats_timer is None
        assert sent == []  # the players' ends went nowhere
        return
    assert sessions[session.id] is session and GUILD in session.players
    if event is Event.ANNOUNCE:
        assert [m["op"] for m in sent] == ["ready", "stats"] and sent[0]["resumed"] is False
    elif event is Event.RESUME:
        assert [m["op"] for m in sent] == ["ready", "playerUpdate", "stats"]
        assert sent[0]["resumed"] is True and session.expiry_timer is None
    elif session.state is State.PAUSED:  # CLOSE_RESUMABLE, REOWN
        assert node.model.resumable(session.id) is session
        assert session.stats_timer is None and session.expiry_timer is not None
    else:  # DISOWN: not resumable, nothing queued, still ending at its timeout
        assert session.state is State.DETACHED and node.model.resumable(session.id) is None
        node.model.update_player(session.id, GUILD, {"volume": 70}, False)
        assert session.queue == [] and sent == []
        await node.clock.advance(60)
        assert session.id not in sessions


@pytest.mark.parametrize(("state", "event"), REFUSED, ids=lambda v: str(v))
async def test_an_event_the_state_does_not_take_is_refused(node: Node, state: State,
                                                           event: Event) -> None:
    session = node.session_in(state)
    with pytest.raises(SessionStateError, match=f"{event} is not allowed when {state}"):
        node.model.protocol.fire(session, event)
    assert session.state is state and node.fx.take() == []


async def test_resuming_an_attached_session_is_refused(node: Node) -> None:
    session = node.session_in(State.ATTACHED)
    with pytest.raises(SessionStateError) as err:
        node.model.resume(session)
    assert (err.value.state, err.value.event) == (State.ATTACHED, Event.RESUME)
    assert node.model.sessions[session.id] is session and node.fx.take() == []


async def test_the_timeout_expires_a_paused_session(node: Node) -> None:
    session = node.session_in(State.PAUSED)
    await node.clock.advance(59.9)
    assert node.model.resumable(session.id) is session
    await node.clock.advance(0.1)
    assert session.state is State.GONE and session.id not in node.model.sessions


async def test_past_max_paused_sessions_the_longest_paused_expires() -> None:
    node = _node(LavalinkConfig(max_paused_sessions=1))
    first = node.session_in(State.PAUSED)
    second = node.session_in(State.PAUSED)
    assert (first.state, second.state) == (State.GONE, State.PAUSED)


async def test_a_reowned_session_queues_again_and_resumes_with_its_queue(node: Node
                                                                         ) -> None:
    session = node.session_in(State.DETACHED)
    node.model.update_session(session.id, {"resuming": True})
    assert session.state is State.PAUSED
    node.model.update_player(session.id, GUILD, {"track": {"identifier": RICK}}, False)
    # TrackStartEvent queues; playerUpdate waits for the resume (one per player)
    assert [m["type"] for m, _ in session.queue] == ["TrackStartEvent"]
    node.model.resume(session)
    assert [m["op"] for m in node.fx.take()] == ["ready", "event", "playerUpdate", "stats"]
