"""What the gateway keeps for RESUME, and the limits that keep it small.

A session keeps the dispatches it was sent in a :class:`ReplayBuffer`, bounded in
count and in bytes of JSON: a RESUME whose ``seq`` is older than what the buffer still
holds cannot be replayed, and Discord answers that with op 9 ``d: false``.

A *paused* session (its connection gone, RESUME still possible) costs no work per
dispatch: instead of every paused session filing every dispatch, the hub appends each
dispatch once to one :class:`PausedLog`, and a session that resumes takes from it what
it would have been sent (its shard, its intents) when it comes back. The log only
reaches back to the oldest paused session's pause, and it is bounded by the same limits
as a session's buffer: a session whose missed dispatches no longer fit cannot be
replayed either.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any

from ...runtime.jsonio import compact


@dataclass(frozen=True)
class GatewayLimits:
    """The gateway's memory bounds (``DiscordTwin(gateway_limits=...)``).

    ``resume_window``: seconds a session stays resumable after its connection drops
    (Discord: "a few minutes").

    ``resumable_sessions``: sessions awaiting RESUME per bot token (the twin has one);
    past it, the one that has waited longest is ended. 64: a client that keeps to
    Discord's identify limit (``max_concurrency`` 1, as ``/gateway/bot`` says: one
    IDENTIFY per 5 s) can start at most 60 sessions within one 300 s resume window.

    ``replay_events`` and ``replay_bytes``: the most dispatches, and bytes of their JSON,
    a session keeps for RESUME (Discord does not say how far back it replays).
    """

    resume_window: float = 300.0
    resumable_sessions: int = 64
    replay_events: int = 10_000
    replay_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        if not self.resume_window > 0:
            raise ValueError("resume_window must be positive")
        for name in ("resumable_sessions", "replay_events", "replay_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1")


def json_text(data: Any) -> str:
    """``data`` as the gateway sends it: compact ASCII JSON (so characters are bytes)."""
    return compact(data)


def json_size(data: dict[str, Any]) -> int:
    """Bytes of ``data`` as the gateway sends it."""
    return len(json_text(data))


def dispatch_text(event: str, seq: int, body: str) -> str:
    """A dispatch frame's JSON from its body's (:func:`json_text`): exactly
    ``json_text({"op": 0, "t": event, "s": seq, "d": data})``, without encoding the body
    a second time."""
    return f'{{"op":0,"t":{encode_basestring_ascii(event)},"s":{seq:d},"d":{body}}}'


class ReplayBuffer:
    """A session's sent dispatches, oldest first, within ``limits``."""

    def __init__(self, limits: GatewayLimits) -> None:
        self.limits = limits
        self.items: deque[tuple[int, str, dict[str, Any], int]] = deque()
        self.bytes = 0
        #: The newest sequence number no longer held (0: nothing dropped yet).
        self.dropped_through = 0

    def append(self, seq: int, event: str, data: dict[str, Any], size: int) -> None:
        self.items.append((seq, event, data, size))
        self.bytes += size
        while self.items and (len(self.items) > self.limits.replay_events
                              or self.bytes > self.limits.replay_bytes):
            dropped, _, _, dropped_size = self.items.popleft()
            self.bytes -= dropped_size
            self.dropped_through = dropped

    def can_replay(self, seq: int) -> bool:
        """Does the buffer hold every dispatch after ``seq``?"""
        return seq >= self.dropped_through

    def after(self, seq: int) -> Iterator[tuple[int, str, dict[str, Any]]]:
        for sent_seq, event, data, _ in self.items:
            if sent_seq > seq:
                yield sent_seq, event, data


@dataclass(frozen=True)
class Missed:
    """One dispatch made while some session was paused. ``select(session)`` gives what
    that session would have been sent (event, data, its JSON; None: nothing), so the choice
    is made when a session resumes rather than per paused session per dispatch."""

    select: Callable[[Any], tuple[str, dict[str, Any], str] | None]
    size: int


class PausedLog:
    """Dispatches since the oldest paused session paused; positions are absolute."""

    def __init__(self, limits: GatewayLimits) -> None:
        self.limits = limits
        self.entries: deque[Missed] = deque()
        self.start = 0
        self.bytes = 0

    @property
    def end(self) -> int:
        """The position the next dispatch gets (a session pausing now starts here)."""
        return self.start + len(self.entries)

    def append(self, missed: Missed) -> None:
        self.entries.append(missed)
        self.bytes += missed.size
        while self.entries and (len(self.entries) > self.limits.replay_events
                                or self.bytes > self.limits.replay_bytes):
            self._drop_first()

    def since(self, position: int) -> list[Missed] | None:
        """Every dispatch from ``position`` on; None if some are no longer held."""
        if position < self.start:
            return None
        return list(self.entries)[position - self.start:]

    def forget_before(self, position: int) -> None:
        """No paused session needs anything before ``position`` any more."""
        while self.entries and self.start < position:
            self._drop_first()
        self.start = max(self.start, position)

    def _drop_first(self) -> None:
        self.bytes -= self.entries.popleft().size
        self.start += 1


__all__ = ["GatewayLimits", "Missed", "PausedLog", "ReplayBuffer", "dispatch_text", "json_size",
           "json_text"]
