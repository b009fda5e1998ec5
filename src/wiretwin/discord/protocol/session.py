"""What the gateway's state machine (:mod:`.hub`) works on: a connection (one websocket,
seen through :class:`Transport`), a session (what IDENTIFY made, kept for RESUME), and
how a dispatch reaches a session (:func:`send`).

Below :mod:`.hub` and :mod:`.requests`, which both send to sessions.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...runtime.clock import TimerHandle
from ..errors import Opcode
from .replay import ReplayBuffer, dispatch_text, json_text


class Transport(Protocol):
    """One websocket connection, as the hub sees it."""

    def send(self, payload: dict[str, Any], label: str) -> None: ...

    def send_text(self, text: str, label: str) -> None:
        """Send a payload already encoded as the gateway's JSON (:func:`json_text`)."""

    def close(self, code: int, reason: str) -> None: ...


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    shard: tuple[int, int]
    replay: ReplayBuffer
    seq: int = 0
    connection: Connection | None = None
    expiry: TimerHandle | None = None
    #: IDENTIFY's ``large_threshold`` (50-250, default 50): GUILD_CREATE's ``large``.
    large_threshold: int = 50
    #: Where, in the hub's paused log, this session's missed dispatches begin.
    mark: int = 0
    #: When (monotonic seconds) the session last asked for a guild's whole member
    #: list, by guild: what op 8's rate limit counts. Entries older than the limit's
    #: window are dropped at the next request, so it holds at most the guilds asked
    #: about in the last 30 s.
    member_lists: dict[int, float] = field(default_factory=dict)

    def owns(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


@dataclass(eq=False)
class Connection:
    transport: Transport
    compress: bool = False
    session: Session | None = None
    last_heartbeat: float = 0.0
    timer: TimerHandle | None = None
    window: deque[float] = field(default_factory=deque)


def frame(op: Opcode, d: Any) -> dict[str, Any]:
    """A non-dispatch payload (HELLO, HEARTBEAT_ACK, INVALID_SESSION...)."""
    return {"op": op.value, "d": d, "s": None, "t": None}


def send(session: Session, event: str, data: dict[str, Any], body: str | None = None
         ) -> None:
    """Dispatch ``event`` to ``session``: numbered, kept for RESUME, and sent if it has a
    connection (``body``: ``data`` as :func:`json_text`, when the caller encoded it
    already: a dispatch to many sessions is encoded once)."""
    text = json_text(data) if body is None else body
    session.seq += 1
    session.replay.append(session.seq, event, data, len(text))
    if session.connection is not None:
        session.connection.transport.send_text(dispatch_text(event, session.seq, text), event)


__all__ = ["Connection", "Session", "Transport", "frame", "send"]
