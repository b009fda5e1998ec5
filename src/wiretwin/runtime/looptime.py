"""One virtual time for everything in an event loop: the bot's timers and the twin's.

A test that runs a bot and a twin in one asyncio loop has two kinds of timers: the bot's
(``asyncio.sleep``, ``discord.ext.tasks`` loops, view timeouts, ``delete_after``, HTTP
keep-alives) and the twin's (its :class:`~wiretwin.runtime.clock.Clock` timers: heartbeat
checks, resume windows, wire latencies). All of them end up in the loop's schedule (the
heap of ``TimerHandle`` asyncio keeps in ``loop._scheduled``) and are due when
``loop.time()`` reaches them. :class:`LoopTime` moves that one clock:

* ``install()`` replaces the loop *instance*'s ``time`` with ``time.monotonic() +
  offset``; real time keeps flowing (a test may simply run on real time), and
  :meth:`LoopTime.advance` raises the offset from scheduled timer to scheduled timer, so
  every timer fires in time order, at its own instant, with no real waiting. After each
  step it awaits ``settle()`` ("the bot finished reacting"), so what a timer set in motion
  (a reply, a new timer) happens before the next one fires.
* :attr:`LoopTime.clock` is a :class:`~wiretwin.runtime.clock.Clock` for a twin in that
  loop: its ``time()``/``monotonic()`` include the offset and its ``call_later`` is the
  loop's, so twin timers sit in the same schedule as the bot's.
* Library threads that time things on their own (discord.py's heartbeat thread waits on a
  ``threading.Event`` with a timeout) get :meth:`LoopTime.thread_event`: an event whose
  ``wait(timeout)`` ends at loop time, and whose deadline :meth:`advance` steps to like a
  timer, then waits (up to ``thread_grace`` real seconds) until the thread waits again. So
  an hour advanced with a discord.py bot is an hour of heartbeats, not a zombie session.
* :meth:`LoopTime.run_until` advances on its own, but only while the loop is idle (no
  callback ready, no socket ready): idle waits such as discord.py's 2 s
  ``guild_ready_timeout`` during login cost no real time.

Which tasks wait only for a timer (``delete_after``, a view's timeout, a sleeping
``tasks.loop``) is :mod:`wiretwin.runtime.parking`'s job (``parked``, ``wait_idle``).

Limits: work in executor threads is invisible (an advance can jump a timer while a thread
computes); a ``wait_for`` around ``advance`` itself times out in loop time. Needs a
selector event loop (the default on Linux and macOS) for idle detection.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from .clock import TimerHandle, loop_idle

Settle = Callable[[], Awaitable[object]]

_INSTALLED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopTime] = (
    weakref.WeakKeyDictionary())


class LoopTime:
    """Virtual time for one event loop (see the module docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None, *,
                 thread_grace: float = 2.0, quiet_turns: int = 3) -> None:
        self.loop = loop if loop is not None else asyncio.get_running_loop()
        #: Seconds added to real time; only :meth:`advance`/:meth:`run_until` raise it.
        self.offset = 0.0
        self.thread_grace = thread_grace
        self.quiet_turns = quiet_turns
        self._cond = threading.Condition()
        self._thread_due: dict[object, float] = {}
        self._threads_out = 0
        self._changed = asyncio.Event()
        #: One-shot callbacks run when a timer is scheduled (see :meth:`on_timer`).
        self._timer_listeners: list[Callable[[], None]] = []
        self._saved: dict[str, Any] = {}
        self.clock = LoopClock(self)

    # -- installing ----------------------------------------------------------------------

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop | None = None) -> LoopTime | None:
        """The LoopTime installed on ``loop`` (default: the running one), if any."""
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return None
        return _INSTALLED.get(loop)

    def install(self) -> LoopTime:
        """Put the loop on this time. Uninstall once what scheduled timers in it is
        closed: a timer set at an advanced time stays that far ahead of real time."""
        if _INSTALLED.get(self.loop) is self:
            return self
        if self.loop in _INSTALLED:
            raise RuntimeError("another LoopTime is installed on this loop")
        for name in ("time", "call_at"):
            self._saved[name] = self.loop.__dict__.get(name)
        self.loop.time = self.now  # type: ignore[method-assign]
        self.loop.call_at = self._call_at  # type: ignore[method-assign,assignment]
        _INSTALLED[self.loop] = self
        return self

    def uninstall(self) -> None:
        if _INSTALLED.get(self.loop) is not self:
            return
        for name, value in self._saved.items():
            if value is None:
                self.loop.__dict__.pop(name, None)
            else:
                setattr(self.loop, name, value)
        del _INSTALLED[self.loop]

    def __enter__(self) -> LoopTime:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def on_timer(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once, the next time anything schedules a timer in the loop
        (a task may have parked on it: :func:`wiretwin.runtime.parking.wait_idle`)."""
        self._timer_listeners.append(callback)

    def _call_at(self, when: float, callback: Callable[..., object], *args: Any,
                 context: Any = None) -> asyncio.TimerHandle:
        handle = type(self.loop).call_at(self.loop, when, callback, *args, context=context)
        # wait_idle/run_until look again: a task may have parked on this timer.
        listeners, self._timer_listeners = self._timer_listeners, []
        for listener in listeners:
            listener()
        return handle

    # -- reading time ----------------------------------------------------------------------

    def now(self) -> float:
        """The loop's time: real monotonic seconds plus the offset."""
        return time.monotonic() + self.offset

    def wall(self) -> float:
        """Epoch seconds plus the offset (what the bot's ``utcnow`` should say)."""
        return time.time() + self.offset

    @property
    def pending(self) -> int:
        """Timers in the loop's schedule, not cancelled (the bot's and the twin's)."""
        return sum(1 for h in scheduled(self.loop) if not h.cancelled())

    def next_due(self) -> float | None:
        """Seconds from now to the next timer or thread deadline, or None."""
        due = self._next_due()
        return None if due is None else max(0.0, due - self.now())

    def thread_event(self) -> LoopTimeEvent:
        """A ``threading.Event`` look-alike whose ``wait(timeout)`` runs on loop time."""
        return LoopTimeEvent(self)

    # -- moving time ---------------------------------------------------------------------

    async def advance(self, seconds: float, *, settle: Settle | None = None) -> int:
        """Raise the offset by ``seconds``, stopping at every timer due on the way (in
        order) and awaiting ``settle()`` (default: :meth:`quiet`) after each; returns the
        number of steps taken."""
        if seconds < 0:
            raise ValueError("time does not go backwards")
        settle = settle if settle is not None else self.quiet
        target = self.offset + seconds
        steps = 0
        await settle()
        for _ in range(1_000_000):
            due = self._next_due()
            if due is None or due - time.monotonic() > target:
                break
            await self._step_to(due)
            steps += 1
            await settle()
        self.offset = max(self.offset, target)
        await self._step_to(None)
        await settle()
        return steps

    async def run_until(self, until: Awaitable[Any] | Callable[[], bool], *,
                        settle: Settle | None = None, limit: float = 3600.0) -> Any:
        """Await ``until`` (an awaitable, or a predicate to become true), advancing time
        to the next timer whenever the loop is idle, by at most ``limit`` seconds in all;
        returns the awaitable's result. Raises TimeoutError past ``limit``, or when
        nothing is left that could make a predicate true."""
        settle = settle if settle is not None else self.quiet
        future: asyncio.Future[Any] | None = None
        if callable(until):
            predicate = until
        else:
            future = asyncio.ensure_future(until)
            predicate = future.done
        ceiling = self.offset + limit
        try:
            while not predicate():
                if not await self._quiet_or(future):
                    continue
                due = self._next_due()
                if due is None and future is None:
                    raise TimeoutError("run_until: nothing is scheduled that could make "
                                       "the predicate true")
                if due is None:
                    await self._changed_or(future, None)  # a thread or socket may yet act
                    continue
                if due - time.monotonic() > ceiling:
                    raise TimeoutError(f"run_until: not done within {limit:g}s of loop time")
                await self._step_to(due)
                await settle()
        except BaseException:
            if future is not None and not future.done():
                future.cancel()
            raise
        return future.result() if future is not None else None

    async def _step_to(self, due: float | None) -> None:
        if due is not None:
            self.offset = max(self.offset, due - time.monotonic())
        with self._cond:
            self._cond.notify_all()
        for _ in range(2):  # the loop fires what is due; then its callbacks have run
            await asyncio.sleep(0)
        await self._threads_back()

    def _next_due(self) -> float | None:
        """The loop time of the next timer or library-thread deadline."""
        whens = [h.when() for h in scheduled(self.loop) if not h.cancelled()]
        with self._cond:
            whens.extend(self._thread_due.values())
        return min(whens, default=None)

    async def _threads_back(self) -> None:
        """Wait until every library thread whose deadline passed is waiting again."""
        deadline = time.monotonic() + self.thread_grace
        while True:
            with self._cond:
                now = self.now()
                late = self._threads_out or any(d <= now for d in self._thread_due.values())
            remaining = deadline - time.monotonic()
            if not late or remaining <= 0:
                return
            self._changed.clear()
            await self._changed_or(None, remaining)

    def _thread_changed(self) -> None:
        with contextlib.suppress(RuntimeError):  # closed loop: nobody advances any more
            self.loop.call_soon_threadsafe(self._changed.set)

    # -- idleness ------------------------------------------------------------------------

    def idle(self) -> bool:
        """Nothing is ready to run in the loop and no socket is ready: only a timer (or
        another thread) can make anything happen next."""
        with self._cond:
            if self._threads_out:
                return False
        return loop_idle(self.loop)

    async def quiet(self, max_turns: int = 100_000) -> None:
        """Let the loop run until it is :meth:`idle` for ``quiet_turns`` turns in a row."""
        await self._quiet_or(None, max_turns)

    async def _quiet_or(self, future: asyncio.Future[Any] | None,
                        max_turns: int = 100_000) -> bool:
        calm = 0
        for _ in range(max_turns):
            await asyncio.sleep(0)
            if future is not None and future.done():
                return False
            calm = calm + 1 if self.idle() else 0
            if calm >= self.quiet_turns:
                return True
        return False

    async def _changed_or(self, future: asyncio.Future[Any] | None,
                          timeout: float | None) -> None:
        self._changed.clear()
        changed = asyncio.ensure_future(self._changed.wait())
        waiters: set[asyncio.Future[Any]] = {changed}
        if future is not None:
            waiters.add(future)
        handle = None if timeout is None else self.loop.call_later(timeout, self._changed.set)
        self._timer_listeners.append(self._changed.set)
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if handle is not None:
                handle.cancel()
            if not changed.done():
                changed.cancel()


class LoopClock:
    """The :class:`~wiretwin.runtime.clock.Clock` of a twin running in a LoopTime'd loop
    (in that loop: a twin in a thread of its own has a loop of its own, which this clock
    does not move, so scheduling from there is refused)."""

    def __init__(self, looptime: LoopTime) -> None:
        self.looptime = looptime

    def time(self) -> float:
        return self.looptime.wall()

    def monotonic(self) -> float:
        return self.looptime.now()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        loop = asyncio.get_running_loop()
        if loop is not self.looptime.loop:
            raise RuntimeError("a LoopTime clock schedules only in its own loop: run the "
                               "twin in that loop (not in a thread of its own)")
        return loop.call_later(max(0.0, delay), callback)

    def expect(self, key: Hashable) -> None:
        pass

    def fulfil(self, key: Hashable) -> None:
        pass


class LoopTimeEvent:
    """``threading.Event`` for a library thread, with ``wait(timeout)`` on loop time."""

    def __init__(self, looptime: LoopTime) -> None:
        self._lt = looptime
        self._flag = False
        self._out = False

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        with self._lt._cond:
            self._flag = True
            self._lt._cond.notify_all()

    def clear(self) -> None:
        with self._lt._cond:
            self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        lt = self._lt
        token = object()
        with lt._cond:
            if self._out:  # back from acting on the last deadline
                self._out = False
                lt._threads_out -= 1
                lt._thread_changed()
            if timeout is not None:
                lt._thread_due[token] = lt.now() + timeout
            try:
                while not self._flag:
                    if timeout is None:
                        lt._cond.wait()
                        continue
                    remaining = lt._thread_due[token] - lt.now()
                    if remaining <= 0:
                        self._out = True
                        lt._threads_out += 1
                        break
                    lt._cond.wait(remaining)
                return self._flag
            finally:
                lt._thread_due.pop(token, None)


def scheduled(loop: asyncio.AbstractEventLoop) -> list[asyncio.TimerHandle]:
    """The loop's timers (asyncio keeps them in ``loop._scheduled``; empty elsewhere)."""
    return list(getattr(loop, "_scheduled", ()))


__all__ = ["LoopClock", "LoopTime", "LoopTimeEvent", "Settle", "scheduled"]
