"""One waitable event log for every client driver.

Client libraries report what happened through their own hooks, each dispatched in a task
of its own (lavalink.py's event hooks, discord.py's ``client.dispatch`` for wavelink,
mafic and pomice), so a test cannot know when a hook has run. Every driver records what
its library reports here, as numbered :class:`DriverEvent` s, and a test waits on the
log: woken by the recording itself (a :class:`~wiretwin.runtime.waiters.WaitableLog`),
never by polling. :meth:`EventLog.mark` and ``after=`` let a test wait for an event
*after* some action; a timeout fails with the events that did arrive.

The drivers keep their libraries' vocabulary on top (lavalink.py events are matched by
class, the others by name) but share this one log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..runtime.waiters import WaitableLog

#: The real seconds a wait gives up after (a safety net: no test should need that long).
DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class DriverEvent:
    """One event a client library reported, numbered from 1 in the order recorded."""

    seq: int
    name: str
    args: tuple[Any, ...]

    @property
    def payload(self) -> Any:
        """The first argument (the library's event or payload object), or None."""
        return self.args[0] if self.args else None

    def describe(self) -> str:
        return f"#{self.seq} {self.name} {self.payload!r}"


class EventLog:
    """Every event a driver recorded, in order, with event-driven waiting.

    ``prefix`` is only for messages (``wavelink_`` shows ``track_end`` as
    ``wavelink_track_end``).
    """

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self._log: WaitableLog[DriverEvent] = WaitableLog(
            lambda event: f"#{event.seq} {prefix}{event.name} {event.payload!r}")
        self._lock = threading.Lock()
        self._last = 0

    def record(self, name: str, *args: Any) -> DriverEvent:
        """Add one event (its number is the next one)."""
        with self._lock:
            self._last += 1
            event = DriverEvent(self._last, name, args)
            self._log.append(event)
        return event

    def mark(self) -> int:
        """The number of the last event so far: pass it as ``after`` to look only later."""
        return self._last

    def __len__(self) -> int:
        return len(self._log)

    def events(self, name: str | None = None, *, after: int = 0,
               where: Callable[[DriverEvent], bool] | None = None) -> list[DriverEvent]:
        """The events recorded so far after ``after``, of ``name`` if given, matching
        ``where`` if given."""
        return [e for e in self._log.slice(after)
                if (name is None or e.name == name) and (where is None or where(e))]

    def names(self, *, after: int = 0) -> list[str]:
        return [e.name for e in self._log.slice(after)]

    def payloads(self, name: str, *, after: int = 0) -> list[Any]:
        return [e.payload for e in self.events(name, after=after)]

    async def wait_events(self, where: Callable[[DriverEvent], bool], *, after: int = 0,
                          count: int = 1, timeout: float = DEFAULT_TIMEOUT
                          ) -> list[DriverEvent]:
        """The first ``count`` events after ``after`` matching ``where``, recorded before
        or after the call. Raises :class:`~wiretwin.runtime.waiters.WaitTimeout` (an
        AssertionError and a TimeoutError) showing what did arrive."""
        return await self._log.wait_for(lambda e: e.seq > after and where(e), count=count,
                                        timeout=timeout, start=after)

    async def wait(self, name: str, check: Callable[[Any], bool] | None = None, *,
                   after: int = 0, count: int = 1, timeout: float = DEFAULT_TIMEOUT
                   ) -> list[Any]:
        """The payloads of the first ``count`` ``name`` events after ``after`` whose
        payload passes ``check``."""
        found = await self.wait_events(
            lambda e: e.name == name and (check is None or check(e.payload)),
            after=after, count=count, timeout=timeout)
        return [e.payload for e in found]

    async def next(self, name: str, check: Callable[[Any], bool] | None = None, *,
                   after: int = 0, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """The payload of the first matching ``name`` event after ``after``."""
        return (await self.wait(name, check, after=after, timeout=timeout))[0]


__all__ = ["DEFAULT_TIMEOUT", "DriverEvent", "EventLog"]
