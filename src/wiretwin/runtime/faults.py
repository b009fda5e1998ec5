"""Fault injection: named, parameterised, scoped trouble at the twin's own wire layer.

In the spirit of Toxiproxy and WireMock, each fault is a small value object: what it does
(:class:`Latency`, :class:`LatencySpike`, :class:`Drop`, :class:`Disconnect`,
:class:`RefuseHandshake`, :class:`HttpError`, :class:`Stall`), where it applies
(:class:`Scope`: twin, route, event or opcode, connection, direction), and how often
(``probability``, ``after`` the first N matches, at most ``times`` firings). Because the
wire layer is the twin's own, a fault can answer with a real HTTP error or a real close
code as well as break a socket.

Determinism: every random decision comes from one generator seeded from the twin's seed,
drawn only when a matching fault has ``probability < 1``, so the same seed and the same
traffic give the same faults. Every firing is written to the journal.

Faults can be added and removed while clients are connected (from any thread: the list is
replaced, never mutated in place) and scoped to a block with :meth:`Faults.apply`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import random
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, Literal

from .journal import Direction, Journal

Target = Literal["frame", "http", "handshake"]


@dataclass(frozen=True)
class Scope:
    """Where a fault applies; every field left as None matches anything.

    ``route`` and ``event`` are shell-style patterns (``/apps/*/events``, ``client-*``).
    ``event`` matches a frame's label: the service's event name (Pusher ``pusher:pong``,
    Discord opcode names...) or ``ws:ping``/``ws:pong`` for websocket control frames.
    """

    twin: str | None = None
    route: str | None = None
    event: str | None = None
    connection: str | None = None
    direction: Direction | None = None

    def matches(self, *, twin: str, route: str | None = None, event: str | None = None,
                connection: str | None = None, direction: Direction | None = None) -> bool:
        return (
            (self.twin is None or self.twin == twin)
            and (self.route is None or (route is not None
                                        and fnmatch.fnmatchcase(route, self.route)))
            and (self.event is None or (event is not None
                                        and fnmatch.fnmatchcase(event, self.event)))
            and (self.connection is None or self.connection == connection)
            and (self.direction is None or self.direction == direction)
        )


@dataclass
class Fault:
    """Base of every fault. ``name`` is given one if left empty."""

    type: ClassVar[str] = "fault"
    #: What the fault applies to: websocket frames, HTTP requests, websocket handshakes.
    targets: ClassVar[frozenset[Target]] = frozenset()

    name: str = ""
    scope: Scope = field(default_factory=Scope)
    probability: float = 1.0
    #: Let the first ``after`` matching frames or requests through untouched.
    after: int = 0
    #: Fire at most this many times (None: no limit).
    times: int | None = None
    matched: int = field(default=0, compare=False)
    fired: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be within [0, 1], got {self.probability}")
        if isinstance(self.scope, dict):
            self.scope = Scope(**self.scope)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["type"] = self.type
        data["scope"] = {k: v for k, v in data["scope"].items() if v is not None}
        return data


@dataclass
class Latency(Fault):
    """Delay frames (per direction, with ``scope.direction``) or HTTP responses."""

    type: ClassVar[str] = "latency"
    targets: ClassVar[frozenset[Target]] = frozenset({"frame", "http"})
    ms: float = 100.0
    jitter: float = 0.0


@dataclass
class LatencySpike(Fault):
    """Now and then (``probability``), delay by ``multiplier`` times ``ms``."""

    type: ClassVar[str] = "latency_spike"
    targets: ClassVar[frozenset[Target]] = frozenset({"frame", "http"})
    probability: float = 0.1
    ms: float = 50.0
    multiplier: float = 10.0


@dataclass
class Drop(Fault):
    """Lose frames (``probability`` is the packet loss)."""

    type: ClassVar[str] = "drop"
    targets: ClassVar[frozenset[Target]] = frozenset({"frame"})


@dataclass
class Disconnect(Fault):
    """End the connection: a close frame with ``code``, or an abrupt TCP reset.

    With ``in_band``, the service's own error message goes first where it has one (a
    Pusher ``pusher:error`` carrying the code, which Pysher needs to act).
    """

    type: ClassVar[str] = "disconnect"
    targets: ClassVar[frozenset[Target]] = frozenset({"frame"})
    code: int = 1011
    reason: str = "Injected fault"
    reset: bool = False
    in_band: bool = False


@dataclass
class RefuseHandshake(Fault):
    """Answer websocket upgrades with an HTTP error instead of 101."""

    type: ClassVar[str] = "refuse_handshake"
    targets: ClassVar[frozenset[Target]] = frozenset({"handshake"})
    status: int = 503
    body: str | None = None


@dataclass
class HttpError(Fault):
    """Answer HTTP requests with ``status`` and the service's error body (or ``body``)."""

    type: ClassVar[str] = "http_error"
    targets: ClassVar[frozenset[Target]] = frozenset({"http"})
    status: int = 500
    body: str | None = None
    content_type: str | None = None


@dataclass
class Stall(Fault):
    """Go quiet on heartbeats: the twin's own pings and its answers to the client's
    (``pusher:ping``, ``pusher:pong``, websocket pongs...) are swallowed, as from a hung
    server, so clients decide it is gone."""

    type: ClassVar[str] = "stall"
    targets: ClassVar[frozenset[Target]] = frozenset({"frame"})


FAULT_TYPES: dict[str, type[Fault]] = {
    cls.type: cls
    for cls in (Latency, LatencySpike, Drop, Disconnect, RefuseHandshake, HttpError, Stall)
}


def fault_from_json(data: dict[str, Any]) -> Fault:
    """Build a fault from ``{"type": "latency", "ms": 50, "scope": {...}, ...}``."""
    data = dict(data)
    kind = data.pop("type", None)
    cls = FAULT_TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown fault type {kind!r}; known: {', '.join(FAULT_TYPES)}")
    known = {f.name for f in fields(cls)} - {"matched", "fired"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown field(s) for a {kind} fault: {', '.join(unknown)}")
    for f in fields(cls):  # a value of the wrong kind, said in the caller's words
        if f.name in data and f.name != "scope":
            _check_kind(f.name, data[f.name], str(f.type))
    if "scope" in data:
        data["scope"] = _scope_from_json(data["scope"])
    if isinstance(data.get("times"), int) and data["times"] < 0:
        raise ValueError(f"times must be 0 or more, not {data['times']!r}")
    if isinstance(data.get("after"), int) and data["after"] < 0:
        raise ValueError(f"after must be 0 or more, not {data['after']!r}")
    return cls(**data)


def _check_kind(name: str, value: Any, annotation: str) -> None:
    """Refuse a JSON value that does not fit a field's annotation (``int | None``...)."""
    kinds = {part.strip() for part in annotation.split("|")}
    if value is None:
        if "None" not in kinds:
            raise ValueError(f"{name} must not be null")
        return
    if isinstance(value, bool):  # JSON true/false is not a number
        if "bool" in kinds:
            return
    elif ("float" in kinds and isinstance(value, int | float)) \
            or ("int" in kinds and isinstance(value, int)):
        return
    if "str" in kinds and isinstance(value, str):
        return
    if "Direction" in kinds and value in ("in", "out"):
        return
    said = {"int": "a whole number", "float": "a number", "str": "a string",
            "bool": "true or false", "Direction": '"in" or "out"'}
    wanted = " or ".join(said[k] for k in sorted(kinds) if k in said)
    raise ValueError(f"{name} must be {wanted}, not {value!r}")


def _scope_from_json(value: Any) -> Scope:
    if isinstance(value, Scope):
        return value
    if value is None:
        return Scope()
    if not isinstance(value, dict):
        raise ValueError(f"scope must be an object, not {value!r}")
    known = {f.name: f for f in fields(Scope)}
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ValueError(f"unknown scope field(s): {', '.join(unknown)} "
                         f"(known: {', '.join(known)})")
    for key, item in value.items():
        _check_kind(f"scope.{key}", item, str(known[key].type))
    return Scope(**value)


@dataclass
class FrameDecision:
    drop: bool = False
    delay: float = 0.0
    disconnect: Disconnect | None = None


@dataclass
class HttpDecision:
    error: HttpError | RefuseHandshake | None = None
    delay: float = 0.0


class Faults:
    """The faults active on one twin."""

    def __init__(self, twin: str, journal: Journal, seed: int,
                 heartbeat_events: frozenset[str] = frozenset()) -> None:
        self.twin = twin
        self.journal = journal
        self.random = random.Random(f"wiretwin-faults:{seed}")
        self.heartbeat_events = heartbeat_events
        self._faults: tuple[Fault, ...] = ()
        self._lock = threading.Lock()
        self._counter = 0

    # -- managing -----------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return bool(self._faults)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            if not fault.name:
                self._counter += 1
                fault.name = f"{fault.type}-{self._counter}"
            if any(f.name == fault.name for f in self._faults):
                raise ValueError(f"a fault named {fault.name!r} is already active")
            self._faults = (*self._faults, fault)
        return fault

    def remove(self, fault: Fault | str) -> bool:
        name = fault if isinstance(fault, str) else fault.name
        with self._lock:
            kept = tuple(f for f in self._faults if f.name != name)
            removed = len(kept) != len(self._faults)
            self._faults = kept
        return removed

    def clear(self) -> None:
        with self._lock:
            self._faults = ()

    def all(self) -> list[Fault]:
        """The active faults, in the order they were added."""
        return list(self._faults)

    def get(self, name: str) -> Fault | None:
        return next((f for f in self._faults if f.name == name), None)

    @contextlib.contextmanager
    def apply(self, *faults: Fault) -> Iterator[list[Fault]]:
        """Faults active for the duration of a ``with`` block."""
        added = [self.add(f) for f in faults]
        try:
            yield added
        finally:
            for fault in added:
                self.remove(fault)

    # -- deciding (the wire layer, in the twin's loop) ----------------------------------

    def _fires(self, fault: Fault) -> bool:
        fault.matched += 1
        if fault.matched <= fault.after or fault.exhausted:
            return False
        if fault.probability < 1.0 and self.random.random() >= fault.probability:
            return False
        fault.fired += 1
        return True

    def _delay(self, fault: Latency | LatencySpike) -> float:
        if isinstance(fault, LatencySpike):
            return fault.ms * fault.multiplier / 1000
        jitter = self.random.uniform(-fault.jitter, fault.jitter) if fault.jitter else 0.0
        return max(0.0, fault.ms + jitter) / 1000

    def frame(self, *, connection: str, route: str | None, direction: Direction,
              event: str | None) -> FrameDecision:
        decision = FrameDecision()
        for fault in self._faults:
            if "frame" not in fault.targets or not fault.scope.matches(
                twin=self.twin, route=route, event=event, connection=connection,
                direction=direction,
            ):
                continue
            if isinstance(fault, Stall) and (direction != "out"
                                             or event not in self.heartbeat_events):
                continue
            if not self._fires(fault):
                continue
            if isinstance(fault, Latency | LatencySpike):
                delay = self._delay(fault)
                decision.delay += delay
                self.journal.record_fault(fault.name, "delay", connection=connection,
                                          direction=direction, frame=event,
                                          seconds=round(delay, 6))
            elif isinstance(fault, Drop | Stall):
                decision.drop = True
                self.journal.record_fault(fault.name, "drop", connection=connection,
                                          direction=direction, frame=event)
            elif isinstance(fault, Disconnect) and decision.disconnect is None:
                decision.disconnect = fault
                self.journal.record_fault(
                    fault.name, "reset" if fault.reset else "close", connection=connection,
                    direction=direction, frame=event, code=None if fault.reset else fault.code)
        return decision

    def http(self, *, method: str, route: str, handshake: bool) -> HttpDecision:
        decision = HttpDecision()
        target: Target = "handshake" if handshake else "http"
        for fault in self._faults:
            if target not in fault.targets:
                continue
            if not fault.scope.matches(twin=self.twin, route=route):
                continue
            if not self._fires(fault):
                continue
            if isinstance(fault, Latency | LatencySpike):
                delay = self._delay(fault)
                decision.delay += delay
                self.journal.record_fault(fault.name, "delay", method=method, path=route,
                                          seconds=round(delay, 6))
            elif isinstance(fault, HttpError | RefuseHandshake) and decision.error is None:
                decision.error = fault
                self.journal.record_fault(fault.name, "refuse" if handshake else "http_error",
                                          method=method, path=route, status=fault.status)
        return decision


__all__ = [
    "FAULT_TYPES",
    "Disconnect",
    "Drop",
    "Fault",
    "Faults",
    "FrameDecision",
    "HttpDecision",
    "HttpError",
    "Latency",
    "LatencySpike",
    "RefuseHandshake",
    "Scope",
    "Stall",
    "fault_from_json",
]
