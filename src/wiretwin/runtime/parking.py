"""Which tasks are parked: waiting only for a timer in their loop's schedule.

A test's "the bot finished reacting" must not wait for ``delete_after`` (a task sleeping
30 s before it deletes), a view's timeout task, or a ``tasks.loop`` between iterations:
those tasks are *parked*. :func:`parked` finds out by following ``task._fut_waiter``
(through awaited tasks, ``gather`` and ``asyncio.wait``) to a future that a timer in the
loop's schedule will resolve (``asyncio.sleep``, ``discord.ext.tasks``' SleepHandle, a
closure or a bound method holding the future, as a twin's Clock timers do) and that
nothing else visible could resolve sooner. A wait *with* a timeout on a task or
coroutine (``wait_for(event.wait(), 60)``, ``view.wait()``) or under
``asyncio.timeout`` (an HTTP request in flight) is not parked: what it waits for may
come any moment. A timed wait on a plain future that no task resolves *is* parked:
that is ``bot.wait_for("message", timeout=60)`` (the library's listeners hold the
future; only an event from outside, or the timeout, ends it), a bot waiting for a user,
and the test is that user.

:func:`wait_idle` waits until given tasks are done or parked, woken by what they wait on
resolving (and, under a :class:`~wiretwin.runtime.looptime.LoopTime`, by a new timer),
never by polling; :func:`busy` asks :func:`parked`'s question of many tasks at once.
They read asyncio internals (``_fut_waiter``, ``_callbacks``, ``_children``, a
``TimerHandle``'s ``_callback``/``_args``) that CPython has kept stable since 3.7;
anything unrecognised counts as busy, the safe side.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Iterator
from typing import Any

from .looptime import LoopTime, scheduled


def _references(callback: Any, args: Iterable[Any]) -> Iterator[Any]:
    """What a callback holds: its arguments, a partial's, a bound method's ``self`` (and
    that object's attributes: py-cord's SleepHandle resolves its ``future`` in a method),
    a closure's cells."""
    yield from args
    while isinstance(callback, functools.partial):
        yield from callback.args
        yield from callback.keywords.values()
        callback = callback.func
    owner = getattr(callback, "__self__", None)
    if owner is not None:
        yield owner
        yield from getattr(owner, "__dict__", {}).values()
        for slot in getattr(type(owner), "__slots__", ()):
            if isinstance(slot, str) and hasattr(owner, slot):
                yield getattr(owner, slot)
    for cell in getattr(callback, "__closure__", None) or ():
        try:
            yield cell.cell_contents
        except ValueError:
            continue


def _add_reference_ids(callback: Any, args: Iterable[Any], out: set[int]) -> None:
    """``out |= {id(r) for r in _references(callback, args)}``, in bulk: what every
    timer in the schedule holds is read for each question."""
    out.update(map(id, args))
    while isinstance(callback, functools.partial):
        out.update(map(id, callback.args))
        out.update(map(id, callback.keywords.values()))
        callback = callback.func
    owner = getattr(callback, "__self__", None)
    if owner is not None:
        out.add(id(owner))
        out.update(map(id, getattr(owner, "__dict__", {}).values()))
        for slot in getattr(type(owner), "__slots__", ()):
            if isinstance(slot, str) and hasattr(owner, slot):
                out.add(id(getattr(owner, slot)))
    for cell in getattr(callback, "__closure__", None) or ():
        try:
            out.add(id(cell.cell_contents))
        except ValueError:
            continue


class _Schedule:
    """Who resolves what in one loop, read once per question (:func:`parked`,
    :func:`busy`) and only as far as a question needs: the timers' and the tasks'
    callbacks are read the first time a wait ends in a plain future."""

    def __init__(self, loop: asyncio.AbstractEventLoop, after: float | None = None) -> None:
        self._loop = loop
        self._after = after
        self._timed: set[int] | None = None
        self._resolvers: dict[int, list[asyncio.Task[Any]]] | None = None

    @property
    def timed(self) -> set[int]:
        """What the timers due after ``after`` hold (ids)."""
        if self._timed is None:
            after = self._after
            timed: set[int] = set()
            self._timed = timed
            for handle in scheduled(self._loop):
                if handle.cancelled() or (after is not None and handle.when() <= after):
                    continue
                _add_reference_ids(getattr(handle, "_callback", None),
                                   getattr(handle, "_args", ()) or (), timed)
        return self._timed

    @property
    def resolvers(self) -> dict[int, list[asyncio.Task[Any]]]:
        """For what a task's done-callbacks hold (ids), those tasks."""
        if self._resolvers is None:
            resolvers: dict[int, list[asyncio.Task[Any]]] = {}
            self._resolvers = resolvers
            for task in asyncio.all_tasks(self._loop):
                for entry in getattr(task, "_callbacks", None) or ():
                    callback = entry[0] if isinstance(entry, tuple) else entry
                    for ref in _references(callback, ()):
                        resolvers.setdefault(id(ref), []).append(task)
        return self._resolvers

    def parked(self, task: asyncio.Future[Any], seen: set[int]) -> bool:
        if task.done() or id(task) in seen:
            return False
        seen.add(id(task))
        waiter = getattr(task, "_fut_waiter", None)
        return waiter is not None and self.waits(waiter, seen)

    def waits(self, future: asyncio.Future[Any], seen: set[int]) -> bool:
        """``future`` will be resolved by a timer or by parked tasks, and nothing else
        (that we can see) could resolve it sooner."""
        if future.done():
            return False
        if isinstance(future, asyncio.Task):
            return self.parked(future, seen)
        children = getattr(future, "_children", None)
        if children is not None:  # asyncio.gather
            open_ = [c for c in children if not c.done()]
            return bool(open_) and all(self.waits(c, seen) for c in open_)
        # A timeout's timer alone is not enough: wait_for(x, 60) also ends when x does.
        resolvers = self.resolvers.get(id(future), [])
        return ((bool(resolvers) or id(future) in self.timed)
                and all(self.parked(t, seen) for t in resolvers))

    def busy(self, tasks: Iterable[asyncio.Task[Any]]) -> list[asyncio.Task[Any]]:
        return [t for t in tasks if not t.done() and not self.parked(t, set())]


def parked(task: asyncio.Task[Any], *, after: float | None = None) -> bool:
    """``task`` waits only for a timer in its loop's schedule (see the module docstring);
    with ``after`` (a loop time), only for one due later than that: a task sleeping until
    before then is about to go on, so it is not parked."""
    return _Schedule(task.get_loop(), after).parked(task, set())


def busy(tasks: Iterable[asyncio.Task[Any]], *, after: float | None = None
         ) -> list[asyncio.Task[Any]]:
    """The tasks of ``tasks`` (all of one loop) that are neither done nor :func:`parked`
    (``after`` as there): one reading of the loop's schedule for them all, rather than
    one per task."""
    watched = list(tasks)
    if not watched:
        return []
    return _Schedule(watched[0].get_loop(), after).busy(watched)


def _chain(future: asyncio.Future[Any], out: list[asyncio.Future[Any]]) -> None:
    """The futures ``future`` waits through (awaited tasks, gather children)."""
    if future.done() or any(f is future for f in out):
        return
    out.append(future)
    waiter = getattr(future, "_fut_waiter", None)
    if waiter is not None:
        _chain(waiter, out)
    for child in getattr(future, "_children", None) or ():
        _chain(child, out)


async def wait_idle(tasks: Iterable[asyncio.Task[Any]],
                    timeout: float | None = None, *,
                    any_timer: bool = False, checked: bool = False
                    ) -> list[asyncio.Task[Any]]:
    """Return once every task in ``tasks`` is done or :func:`parked` on a timer due after
    the ``timeout`` (loop seconds; a task sleeping less is waited for, it will go on
    before then; with ``any_timer``, parked on any timer is idle too); returns the ones
    still busy at the timeout (an empty list: all idle). ``checked``: the caller has just
    found every task in ``tasks`` busy (:func:`busy`, the same ``after``), so the first
    look is skipped.

    Woken when anything a busy task waits through resolves (or, with a LoopTime
    installed, when a timer is scheduled), so it never polls."""
    watched = list(tasks)
    if not watched:
        return []
    loop = watched[0].get_loop()
    deadline = None if timeout is None else loop.time() + timeout
    looptime = LoopTime.of(loop)
    still = watched if checked else None
    while True:
        if still is None:
            still = _Schedule(loop, None if any_timer else deadline).busy(watched)
        if not still:
            return []
        remaining = None if deadline is None else deadline - loop.time()
        if remaining is not None and remaining <= 0:
            return still
        wake: asyncio.Future[None] = loop.create_future()

        def nudge(_: object = None, wake: asyncio.Future[None] = wake) -> None:
            if not wake.done():
                wake.set_result(None)

        chain: list[asyncio.Future[Any]] = []
        for task in still:
            if getattr(task, "_fut_waiter", None) is None:
                loop.call_soon(nudge)  # runnable: look again after it steps
            _chain(task, chain)
        for future in chain:
            future.add_done_callback(nudge)
        handle = None if remaining is None else loop.call_later(remaining, nudge)
        if looptime is not None:  # after our own timer, or it would wake us at once
            looptime.on_timer(nudge)
        try:
            await wake
        finally:
            for future in chain:
                future.remove_done_callback(nudge)
            if handle is not None:
                handle.cancel()
        still = None


__all__ = ["busy", "parked", "wait_idle"]
