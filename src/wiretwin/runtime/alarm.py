"""Waking a twin's model at times it asks for, on the twin's clock: :class:`Alarm`.

A pure model cannot keep timers; it says when it wants to be woken (a Discord poll ends
at its expiry) and its twin hands the wish to an alarm. The alarm keeps every wish and
one clock timer, armed for the earliest; when it fires, the alarm calls back with the
time it was armed for (so the model does what is due by then, whatever rounding the
clock did) and arms for the next wish. On a :class:`~.clock.VirtualClock` an advance
fires it in order with the twin's other timers.

Clock timers belong to the twin's home loop: a wish made while the twin is stopped is
kept and armed by :meth:`Alarm.arm` when it starts; one made from another thread is
handed to the home loop. A wish for a time already past fires at once. The callback must
treat a wake-up as "do what is due by then": a wish whose work was done early (a poll
ended by hand) fires to no effect.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable

from .clock import Clock, TimerHandle


class Alarm:
    """Calls ``wake(when_ms)`` at each time asked for (epoch ms on ``clock``), in the
    loop ``loop()`` names (the twin's home loop, None while it is stopped)."""

    def __init__(self, clock: Clock, wake: Callable[[float], None],
                 loop: Callable[[], asyncio.AbstractEventLoop | None]) -> None:
        self._clock = clock
        self._wake = wake
        self._loop = loop
        #: The times asked for and not yet reached (a heap of epoch ms).
        self._wishes: list[float] = []
        self._timer: TimerHandle | None = None
        self._armed_for: float | None = None

    @property
    def wishes(self) -> list[float]:
        """The times still to come, earliest first."""
        return sorted(set(self._wishes))

    def at(self, when_ms: float) -> None:
        """Call back at ``when_ms`` (at once if it has passed)."""
        heapq.heappush(self._wishes, when_ms)
        self.arm()

    def arm(self) -> None:
        """Arm the clock timer for the earliest wish, if the home loop can take it now
        (from its own thread; from another, it is handed over)."""
        loop = self._loop()
        if loop is None or loop.is_closed():
            return
        if _running_loop() is not loop:
            if loop.is_running():
                loop.call_soon_threadsafe(self.arm)
            return
        if not self._wishes:
            self.cancel()
            return
        first = self._wishes[0]
        if self._timer is not None and self._armed_for == first:
            return
        self.cancel()
        self._armed_for = first
        delay = max(0.0, first / 1000 - self._clock.time())
        self._timer = self._clock.call_later(delay, self._fire)

    def cancel(self) -> None:
        """Disarm the timer; the wishes stay (:meth:`arm` sets it again)."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._armed_for = None

    def clear(self) -> None:
        """Forget every wish (the model's state was replaced)."""
        self.cancel()
        self._wishes.clear()

    def _fire(self) -> None:
        when = self._armed_for
        self._timer = None
        self._armed_for = None
        if when is None:
            return
        while self._wishes and self._wishes[0] <= when:
            heapq.heappop(self._wishes)
        try:
            self._wake(when)
        finally:
            self.arm()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


__all__ = ["Alarm"]
