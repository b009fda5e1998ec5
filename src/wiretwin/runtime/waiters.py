"""Append-only records that tests can wait on, from any thread or event loop.

Twins append in their home loop; tests wait in their own loop (``await log.wait_for``)
or in a plain thread (``log.wait_for_sync``). Waiting is event-driven: a waiter is woken
by the append that satisfies it, never by polling, and a timeout raises an error that
shows what *was* recorded, so a failing test says why.
"""

from __future__ import annotations

import asyncio
import threading
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, islice, takewhile
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(eq=False)
class _Waiter(Generic[T]):
    predicate: Callable[[T], bool]
    count: int
    matched: list[T] = field(default_factory=list)
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future[list[T]] | None = None
    event: threading.Event | None = None

    def offer(self, item: T) -> bool:
        """Take ``item`` if it matches; True once the waiter has all it asked for."""
        if self.predicate(item):
            self.matched.append(item)
        return len(self.matched) >= self.count

    def wake(self) -> None:
        if self.event is not None:
            self.event.set()
        elif self.loop is not None and self.future is not None:
            # Resolved on the loop's next turn either way; from the loop's own thread
            # without waking its selector (what call_soon_threadsafe is for).
            schedule = self.loop.call_soon if _running_loop() is self.loop \
                else self.loop.call_soon_threadsafe
            schedule(_resolve, self.future, list(self.matched))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _resolve(future: asyncio.Future[list[T]], value: list[T]) -> None:
    if not future.done():
        future.set_result(value)


@dataclass(eq=False, slots=True)
class _Run(Generic[T]):
    """Items appended together, built when first read: item ``i`` is ``build(i)``;
    ``reach[i]`` is what items ``0..i`` weigh together (for a weighed log). The first
    ``start`` are gone (trimmed)."""

    size: int
    build: Callable[[int], T]
    reach: list[int] | None
    start: int = 0

    def weight(self, stop: int | None = None) -> int:
        """What items ``start..stop-1`` (to the end by default) weigh."""
        if self.reach is None:
            return 0
        stop = self.size if stop is None else stop
        before = self.reach[self.start - 1] if self.start else 0
        return self.reach[stop - 1] - before if stop > self.start else 0

    def items(self) -> list[T]:
        return [self.build(i) for i in range(self.start, self.size)]


class WaitTimeout(AssertionError, TimeoutError):
    """Nothing matching arrived in time. An AssertionError, so pytest shows it as a failure."""


class WaitableLog(Generic[T]):
    """A thread-safe list with event-driven waiting.

    With a ``limit``, the oldest items are dropped past it (a long-running twin must not
    grow without bound) and :attr:`dropped` counts them. With a ``marker`` too, the log
    says so itself: its first item is ``marker(dropped)``, replaced at every trim.

    Items may also come in a *run* (:meth:`extend_lazily`), built the first time
    anything reads them: a full log drops most of what it is sent before anyone looks.
    """

    def __init__(self, describe: Callable[[T], str] = repr, *, limit: int | None = None,
                 marker: Callable[[int], T] | None = None,
                 weigh: Callable[[T], int] | None = None,
                 max_weight: int | None = None) -> None:
        if limit is not None and limit < (2 if marker else 1):
            raise ValueError(f"a log limit must leave room for items, got {limit}")
        self.limit = limit
        #: With ``weigh`` and ``max_weight``, the oldest items also go while the items'
        #: total weight (bytes, say) is past ``max_weight``; the newest item always stays.
        self.max_weight = max_weight
        self._weigh = weigh if max_weight is not None else None
        self.weight = 0
        self.dropped = 0
        self._marker = marker
        self._marked = False
        self._items: deque[T] = deque()
        #: Items ever appended, and the number (0-based, in that count) of the oldest kept
        #: (see :meth:`mark`).
        self.appended = 0
        self._base = 0
        self._waiters: list[_Waiter[T]] = []
        self._lock = threading.Lock()
        self._describe = describe
        #: Slots of ``_items``, counted from the newest, that may hold runs (all of them
        #: do from the oldest run on), and how many more items the runs hold than slots.
        self._run_slots = 0
        self._extra = 0

    def append(self, item: T) -> None:
        with self._lock:
            self._items.append(item)
            self.appended += 1
            if self._run_slots:
                self._run_slots += 1
            if self._weigh is not None:
                self.weight += self._weigh(item)
            self._trim()
            if not self._waiters:
                return
            done = [w for w in self._waiters if w.offer(item)]
            for waiter in done:
                self._waiters.remove(waiter)
        for waiter in done:
            waiter.wake()

    def extend(self, items: Iterable[T]) -> None:
        """Append many items under one lock (fan-out records thousands at a time)."""
        added = list(items)
        with self._lock:
            self._items.extend(added)
            self.appended += len(added)
            if self._run_slots:
                self._run_slots += len(added)
            if self._weigh is not None:
                self.weight += sum(map(self._weigh, added))
            self._trim()
            if not self._waiters:
                return
            done = []
            for waiter in self._waiters:
                if any(waiter.offer(item) for item in added):
                    done.append(waiter)
            for waiter in done:
                self._waiters.remove(waiter)
        for waiter in done:
            waiter.wake()

    def extend_lazily(self, count: int, build: Callable[[int], T],
                      weights: Iterable[int] | None = None) -> None:
        """Append ``count`` items that ``build(i)`` makes (``i`` from 0), in order, as
        :meth:`extend` would, but built only when something reads them (once each: what
        is read is kept). ``weights``: each item's weight, for a weighed log. With a
        waiter waiting they are built now, to be offered to it."""
        if count <= 0:
            return
        with self._lock:
            if not self._waiters:
                reach = None
                if self._weigh is not None:
                    if weights is None:
                        raise ValueError("a weighed log needs the weights of a run")
                    reach = list(accumulate(weights))
                    self.weight += reach[-1]
                self._items.append(_Run(count, build, reach))  # type: ignore[arg-type]
                self._run_slots += 1
                self._extra += count - 1
                self.appended += count
                self._trim()
                return
        self.extend(map(build, range(count)))

    def _realize(self) -> None:
        """Build every run still kept into its items, in place (under the lock)."""
        if not self._run_slots:
            return
        items = self._items
        tail = [items.pop() for _ in range(min(self._run_slots, len(items)))]
        tail.reverse()
        for slot in tail:
            if isinstance(slot, _Run):
                items.extend(slot.items())
            else:
                items.append(slot)
        self._run_slots = self._extra = 0

    def _trim(self) -> None:
        # A deque, so that a full log drops its oldest in O(1) each; a batch appended at
        # once is trimmed once, to what trimming after each of its items would keep.
        items = self._items
        count = len(items) + self._extra
        over_count = self.limit is not None and count > self.limit
        over_weight = self.max_weight is not None and self.weight > self.max_weight
        if not over_count and not over_weight:
            return
        marker = items.popleft() if self._marked else None
        count -= 1 if marker is not None else 0
        room = (self.limit if self.limit is not None else count + 1) - (
            1 if self._marker else 0)
        gone = self._drop_oldest(max(0, count - room), None)
        if self._weigh is not None and self.max_weight is not None:
            gone += self._drop_oldest(count - gone - 1, self.max_weight)
        self._base += gone
        self.dropped += gone
        self._run_slots = min(self._run_slots, len(items))
        if self._marker is not None:
            items.appendleft(self._marker(self.dropped))
            self._marked = True
        del marker

    def _drop_oldest(self, most: int, max_weight: int | None) -> int:
        """Drop the oldest items, ``most`` of them, or with ``max_weight`` only as many
        of those as it takes for what is left to weigh no more; how many went."""
        items, weigh = self._items, self._weigh
        if not self._run_slots:  # items only, the common case: in bulk
            if max_weight is None:
                dropped = [items.popleft() for _ in range(max(0, most))]
                if weigh is not None:
                    self.weight -= sum(map(weigh, dropped))
                return len(dropped)
            assert weigh is not None
            gone = 0
            while gone < most and self.weight > max_weight:
                self.weight -= weigh(items.popleft())
                gone += 1
            return gone
        gone = 0
        while gone < most and (max_weight is None or self.weight > max_weight):
            oldest = items[0]
            if not isinstance(oldest, _Run):
                items.popleft()
                if weigh is not None:
                    self.weight -= weigh(oldest)
                gone += 1
                continue
            left = oldest.size - oldest.start
            take = min(left, most - gone)
            if max_weight is not None and oldest.reach is not None:
                # the fewest of the run's oldest to drop to come under max_weight
                before = oldest.reach[oldest.start - 1] if oldest.start else 0
                needed = bisect_left(oldest.reach, self.weight - max_weight + before,
                                     oldest.start)
                take = min(take, needed - oldest.start + 1)
            self.weight -= oldest.weight(oldest.start + take)
            gone += take
            if take == left:
                items.popleft()
                self._extra -= left - 1
            else:
                oldest.start += take
                self._extra -= take
        return gone

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._base = self.appended
            self._marked = False
            self.weight = 0
            self._run_slots = self._extra = 0

    def snapshot(self) -> list[T]:
        with self._lock:
            self._realize()
            return list(self._items)

    def slice(self, start: int, stop: int | None = None) -> list[T]:
        """``snapshot()[start:stop]`` without copying the rest of the log."""
        with self._lock:
            self._realize()
            return list(islice(self._items, start, stop))

    def newest_while(self, keep: Callable[[T], bool]) -> list[T]:
        """The newest items, oldest first, for as long as ``keep`` holds going back (the
        tail of a long log without copying it)."""
        with self._lock:
            self._realize()
            tail = list(takewhile(keep, reversed(self._items)))
        tail.reverse()
        return tail

    def __iter__(self) -> Iterator[T]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items) + self._extra

    def mark(self) -> int:
        """A place in the log: :meth:`wait_for` with ``since=`` it looks only at items
        appended after it, without reading the ones before (however many trims or
        clears come in between)."""
        with self._lock:
            return self.appended

    def _register(self, waiter: _Waiter[T], start: int = 0, since: int | None = None
                  ) -> bool:
        """Offer the existing items (from index ``start``, or appended after the mark
        ``since``), then register; True if already satisfied."""
        with self._lock:
            self._realize()
            if since is not None:
                start = max(0, since - self._base) + (1 if self._marked else 0)
            # The items from ``start`` on, taken from the newest end: a wait "from here"
            # in a long log reads only what came after here.
            backlog = list(islice(reversed(self._items), max(0, len(self._items) - start)))
            for item in reversed(backlog):
                if waiter.offer(item):
                    return True
            self._waiters.append(waiter)
            return False

    def _unregister(self, waiter: _Waiter[T]) -> None:
        with self._lock:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    async def wait_for(
        self, predicate: Callable[[T], bool], *, count: int = 1, timeout: float = 5.0,
        start: int = 0, since: int | None = None,
    ) -> list[T]:
        """Wait until ``count`` items (recorded before or after the call) match; with
        ``start``, items now before that index are not looked at; with ``since`` (a
        :meth:`mark`), items appended before it are not."""
        loop = asyncio.get_running_loop()
        waiter: _Waiter[T] = _Waiter(predicate, count, loop=loop, future=loop.create_future())
        if self._register(waiter, start, since):
            return waiter.matched[:count]
        assert waiter.future is not None
        try:
            result = await asyncio.wait_for(waiter.future, timeout)
        except TimeoutError:
            self._unregister(waiter)
            raise self._timeout(waiter, timeout) from None
        return result[:count]

    def wait_for_sync(
        self, predicate: Callable[[T], bool], *, count: int = 1, timeout: float = 5.0
    ) -> list[T]:
        """Blocking :meth:`wait_for`, for synchronous tests (never call it in the home loop)."""
        waiter: _Waiter[T] = _Waiter(predicate, count, event=threading.Event())
        if self._register(waiter):
            return waiter.matched[:count]
        assert waiter.event is not None
        if not waiter.event.wait(timeout):
            self._unregister(waiter)
            raise self._timeout(waiter, timeout)
        return waiter.matched[:count]

    def _timeout(self, waiter: _Waiter[T], timeout: float) -> WaitTimeout:
        items = self.snapshot()
        shown = "\n".join(f"  {self._describe(item)}" for item in items[-20:]) or "  (nothing)"
        return WaitTimeout(
            f"waited {timeout:g}s for {waiter.count} matching record(s), "
            f"got {len(waiter.matched)}; the last {min(len(items), 20)} of {len(items)} "
            f"recorded:\n{shown}"
        )


__all__ = ["WaitTimeout", "WaitableLog"]
