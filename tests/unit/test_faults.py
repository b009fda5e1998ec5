"""Fault rules on their own: scopes, counters, seeded decisions, JSON form."""

from __future__ import annotations

import re

import pytest

from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import (
    Disconnect,
    Drop,
    Faults,
    HttpError,
    Latency,
    LatencySpike,
    Scope,
    Stall,
    fault_from_json,
)
from wiretwin.runtime.journal import Journal


def _faults(seed: int = 0) -> Faults:
    return Faults("pusher", Journal("pusher", VirtualClock()), seed,
                  heartbeat_events=frozenset({"pusher:pong"}))


def _frame(faults: Faults, event: str = "tick", direction: str = "out",
           connection: str = "1.1") -> tuple[bool, float, bool]:
    decision = faults.frame(connection=connection, route="/app/key", direction="out"
                            if direction == "out" else "in", event=event)
    return decision.drop, decision.delay, decision.disconnect is not None


def test_scope_fields_are_anded_and_patterns_are_globs() -> None:
    scope = Scope(twin="pusher", route="/apps/*/events", event="client-*", direction="in")
    assert scope.matches(twin="pusher", route="/apps/1/events", event="client-x",
                         direction="in")
    assert not scope.matches(twin="lavalink", route="/apps/1/events", event="client-x",
                             direction="in")
    assert not scope.matches(twin="pusher", route="/apps/1/events", event="client-x",
                             direction="out")
    assert not scope.matches(twin="pusher", route="/apps/1/channels", event="client-x",
                             direction="in")
    assert Scope().matches(twin="anything")


def test_after_and_times_count_matches_and_firings() -> None:
    faults = _faults()
    drop = faults.add(Drop(after=2, times=3))
    decisions = [_frame(faults)[0] for _ in range(8)]
    assert decisions == [False, False, True, True, True, False, False, False]
    assert (drop.matched, drop.fired, drop.exhausted) == (8, 3, True)
    assert len(faults.journal.faults(drop.name)) == 3


def test_probability_draws_are_seeded() -> None:
    def run(seed: int) -> list[bool]:
        faults = _faults(seed)
        faults.add(Drop(probability=0.5))
        return [_frame(faults)[0] for _ in range(40)]

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert 5 < sum(run(1)) < 35


def test_latencies_add_up_and_spikes_multiply() -> None:
    faults = _faults()
    faults.add(Latency(ms=100))
    faults.add(LatencySpike(probability=1.0, ms=50, multiplier=4))
    drop, delay, disconnect = _frame(faults)
    assert (drop, disconnect) == (False, False)
    assert delay == pytest.approx(0.3)


def test_stall_only_swallows_outgoing_heartbeats() -> None:
    faults = _faults()
    faults.add(Stall())
    assert _frame(faults, event="pusher:pong")[0] is True
    assert _frame(faults, event="tick")[0] is False
    assert _frame(faults, event="pusher:pong", direction="in")[0] is False


def test_disconnect_scoped_to_one_connection() -> None:
    faults = _faults()
    faults.add(Disconnect(code=4200, scope=Scope(connection="1.2")))
    assert _frame(faults, connection="1.1")[2] is False
    assert _frame(faults, connection="1.2")[2] is True


def test_http_errors_by_route_and_handshakes_apart() -> None:
    faults = _faults()
    faults.add(HttpError(status=502, scope=Scope(route="/apps/*")))
    assert faults.http(method="POST", route="/apps/1/events", handshake=False).error
    assert faults.http(method="GET", route="/app/key", handshake=True).error is None


def test_names_are_unique_and_apply_scopes_a_block() -> None:
    faults = _faults()
    first = faults.add(Drop())
    assert first.name == "drop-1"
    with pytest.raises(ValueError, match="already active"):
        faults.add(Drop(name="drop-1"))
    with faults.apply(Latency(name="slow", ms=10)) as added:
        assert [f.name for f in faults.all()] == ["drop-1", "slow"]
        assert added[0].name == "slow"
    assert [f.name for f in faults.all()] == ["drop-1"]
    assert faults.remove("drop-1")
    assert not faults.active


def test_json_round_trip_and_bad_input() -> None:
    fault = fault_from_json({"type": "disconnect", "code": 4201, "in_band": True,
                             "scope": {"event": "kick"}, "times": 1})
    assert isinstance(fault, Disconnect)
    assert fault.scope == Scope(event="kick")
    data = fault.to_json()
    assert data["type"] == "disconnect"
    assert data["scope"] == {"event": "kick"}
    assert fault_from_json({k: v for k, v in data.items()
                            if k not in ("matched", "fired")}) == fault
    with pytest.raises(ValueError, match="unknown fault type 'flood'"):
        fault_from_json({"type": "flood"})
    with pytest.raises(ValueError, match="unknown field"):
        fault_from_json({"type": "drop", "colour": "red"})
    with pytest.raises(ValueError, match="probability"):
        Drop(probability=1.5)


def test_a_fault_field_of_the_wrong_kind_is_said_plainly() -> None:
    with pytest.raises(ValueError, match=r"probability must be a number, not '0\.5'"):
        fault_from_json({"type": "latency", "ms": 50, "probability": "0.5"})
    with pytest.raises(ValueError, match="ms must be a number, not True"):
        fault_from_json({"type": "latency", "ms": True})


@pytest.mark.parametrize(("data", "said"), [
    ({"type": "drop", "times": "1"}, "times must be a whole number, not '1'"),
    ({"type": "drop", "times": -1}, "times must be 0 or more, not -1"),
    ({"type": "drop", "after": 1.5}, "after must be a whole number, not 1.5"),
    ({"type": "disconnect", "code": 4000.5}, "code must be a whole number, not 4000.5"),
    ({"type": "disconnect", "reset": 1}, "reset must be true or false, not 1"),
    ({"type": "drop", "name": 3}, "name must be a string, not 3"),
    ({"type": "drop", "probability": None}, "probability must not be null"),
    ({"type": "drop", "scope": "x"}, "scope must be an object, not 'x'"),
    ({"type": "drop", "scope": {"bogus": 1}}, "unknown scope field"),
    ({"type": "drop", "scope": {"route": 7}}, "scope.route must be a string, not 7"),
    ({"type": "drop", "scope": {"direction": "up"}},
     "scope.direction must be \"in\" or \"out\", not 'up'"),
])
def test_fields_optional_or_in_the_scope_are_checked_too(data: dict[str, object],
                                                        said: str) -> None:
    with pytest.raises(ValueError, match=re.escape(said)):
        fault_from_json(data)


def test_null_where_a_field_may_be_null_and_whole_numbers_as_floats_are_taken() -> None:
    assert fault_from_json({"type": "drop", "times": None}).times is None
    assert fault_from_json({"type": "http_error", "body": None}) == HttpError()
    assert fault_from_json({"type": "latency", "ms": 5}) == Latency(ms=5)
    fault = fault_from_json({"type": "drop", "scope": {"route": "/a", "direction": "in"}})
    assert (fault.scope.route, fault.scope.direction) == ("/a", "in")
