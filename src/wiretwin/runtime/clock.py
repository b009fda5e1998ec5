"""Time for twins.

Every timer in every twin (activity timeouts, heartbeats, playback, rate-limit windows,
webhook retries, fault latencies) goes through a :class:`Clock`, never through
``asyncio.sleep`` or ``time.time`` directly, so a test can swap in a :class:`VirtualClock`
and jump over an hour of protocol time in milliseconds.

``time()`` is the service's wall clock (epoch seconds: Pusher timestamps, ``time_ms``);
``monotonic()`` is for measuring intervals; ``call_later`` schedules a callback in the
event loop of whoever calls it (a twin calls it from its home loop, so that is where the
callback runs, even when the clock is shared by twins in different threads).

Replies on the wire: when a twin sends something a client is expected to answer (a ping),
it tells the clock with :meth:`Clock.expect` and :meth:`Clock.fulfil` when the answer
comes. A virtual clock uses that to let real clients keep up: after firing a timer it
waits (in real time, up to ``reply_grace``) for outstanding replies before firing the
next one, so an hour of pings answered by a real pusher-js costs an hour of nothing but
round trips. The real clock ignores both calls.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Protocol

from .threads import in_loop_thread


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def time(self) -> float:
        """Wall-clock seconds since the epoch."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` in the calling thread's running loop after ``delay`` seconds."""
        ...

    def expect(self, key: Hashable) -> None:
        """A reply identified by ``key`` is owed by a client (see the module docstring)."""
        ...

    def fulfil(self, key: Hashable) -> None:
        """The reply identified by ``key`` arrived (or is no longer owed)."""
        ...


class RealClock:
    """The machine's clocks and the running loop's timers."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        return asyncio.get_running_loop().call_later(max(0.0, delay), callback)

    def expect(self, key: Hashable) -> None:
        pass

    def fulfil(self, key: Hashable) -> None:
        pass


@dataclass(eq=False)
class VirtualTimer:
    due: float
    callback: Callable[[], None]
    loop: asyncio.AbstractEventLoop
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass(eq=False)
class _ReplyWaiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None] = field(repr=False)


class VirtualClock:
    """A clock that only moves when told to: ``await clock.advance(seconds)``.

    ``start`` is the wall-clock time it shows at first (default: the real time now), so
    timestamps look plausible. Signed requests are checked against this clock, as the
    real service checks them against its own: advance it by more than a service's
    tolerance and a client's real-time signatures look stale, as they would.
    """

    def __init__(self, start: float | None = None, *, reply_grace: float = 2.0) -> None:
        self._epoch = time.time() if start is None else start
        self._now = 0.0
        self.reply_grace = reply_grace
        self._timers: list[tuple[float, int, VirtualTimer]] = []
        self._seq = itertools.count()
        self._lock = threading.RLock()
        self._owed: set[Hashable] = set()
        self._reply_waiters: list[_ReplyWaiter] = []
        self._advancing = False

    # -- Clock ------------------------------------------------------------------------

    def time(self) -> float:
        return self._epoch + self._now

    def monotonic(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> VirtualTimer:
        loop = asyncio.get_running_loop()
        with self._lock:
            timer = VirtualTimer(self._now + max(0.0, delay), callback, loop)
            heapq.heappush(self._timers, (timer.due, next(self._seq), timer))
        return timer

    def expect(self, key: Hashable) -> None:
        with self._lock:
            self._owed.add(key)

    def fulfil(self, key: Hashable) -> None:
        with self._lock:
            self._owed.discard(key)
            if self._owed:
                return
            waiters, self._reply_waiters = self._reply_waiters, []
        for waiter in waiters:
            waiter.loop.call_soon_threadsafe(_resolve, waiter.future)

    # -- moving time ------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Timers scheduled and not cancelled."""
        with self._lock:
            return sum(1 for _, _, t in self._timers if not t.cancelled)

    def next_due(self) -> float | None:
        """Seconds from now to the next timer, or None when none is scheduled."""
        with self._lock:
            self._drop_cancelled()
            return self._timers[0][0] - self._now if self._timers else None

    def _drop_cancelled(self) -> None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)

    def _pop_due(self, target: float) -> VirtualTimer | None:
        with self._lock:
            self._drop_cancelled()
            if not self._timers or self._timers[0][0] > target:
                return None
            timer = heapq.heappop(self._timers)[2]
            self._now = max(self._now, timer.due)
            return timer

    async def advance(self, seconds: float, *, wait_replies: bool = True) -> int:
        """Move time forward, firing every timer due on the way, in order; returns how many.

        After each timer, consequences get to run (in the timer's loop) and, with
        ``wait_replies``, replies the twins are owed get up to ``reply_grace`` real
        seconds to arrive. Pass ``wait_replies=False`` when a client is meant to stay
        silent (to be closed for it), so no grace is spent waiting.
        """
        if seconds < 0:
            raise ValueError("time does not go backwards")
        if self._advancing:
            raise RuntimeError("the clock is already advancing (advance() is not reentrant)")
        self._advancing = True
        fired = 0
        try:
            target = self._now + seconds
            while (timer := self._pop_due(target)) is not None:
                await _run_in(timer.loop, timer.callback)
                fired += 1
                if wait_replies:
                    await self._replies()
            with self._lock:
                self._now = max(self._now, target)
        finally:
            self._advancing = False
        return fired

    def advance_sync(self, seconds: float, *, wait_replies: bool = True) -> int:
        """:meth:`advance` for synchronous tests (never call it from a twin's loop thread)."""
        return asyncio.run(self.advance(seconds, wait_replies=wait_replies))

    async def _replies(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if not self._owed:
                return
            waiter = _ReplyWaiter(loop, loop.create_future())
            self._reply_waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter.future, self.reply_grace)
        except TimeoutError:
            with self._lock:
                if waiter in self._reply_waiters:
                    self._reply_waiters.remove(waiter)


async def sleep(clock: Clock, seconds: float) -> None:
    """Sleep on ``clock`` (a virtual clock wakes the sleeper when advanced past it)."""
    if seconds <= 0:
        return
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    handle = clock.call_later(seconds, lambda: _resolve(future))
    try:
        await future
    finally:
        handle.cancel()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _run_in(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    """Run a timer callback in its loop, then let what it set in motion run too."""
    if in_loop_thread(loop) or loop is _current_loop():
        callback()
        await _settle()
        return
    if loop.is_closed():
        return

    async def fire() -> None:
        callback()
        await _settle()

    await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(fire(), loop))
    await _settle()  # and what it set in motion here (a client in the caller's loop)


def _current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def loop_idle(loop: asyncio.AbstractEventLoop) -> bool:
    """Nothing is ready to run in ``loop`` and none of its sockets is ready: only a timer
    (or another thread, or another process) can make anything happen there next."""
    if getattr(loop, "_ready", None):
        return False
    selector = getattr(loop, "_selector", None)
    return selector is None or not selector.select(0)


#: Turns of the loop a timer's consequences get at least, and at most.
_SETTLE_TURNS, _SETTLE_LIMIT = 5, 2000


async def _settle() -> None:
    """Let what a timer set in motion run: turns of the loop until it is idle
    (:func:`loop_idle`) three turns in a row, so that a client in this loop that answers
    what the timer sent (a Lavalink client starting its queue's next track when told one
    ended) has its request handled before the clock moves on. At least five turns (the
    writes and closes a timer triggers), at most two thousand (a loop that never rests)."""
    loop = asyncio.get_running_loop()
    calm = 0
    for turn in range(_SETTLE_LIMIT):
        await asyncio.sleep(0)
        calm = calm + 1 if loop_idle(loop) else 0
        if calm >= 3 and turn + 1 >= _SETTLE_TURNS:
            return


__all__ = ["Clock", "RealClock", "TimerHandle", "VirtualClock", "VirtualTimer", "loop_idle",
           "sleep"]
