"""Append-only records that tests can wait on, from any thread or event loop.

Twins append in their home loop; tests wait in their own loop (``await log.wait_for``)
or in a plain thread (``log.wait_for_sync``). Waiting is event-driven: a waiter is woken
by the append that satisfies it, never by polling, and a timeout raises an error that
shows what *was* recorded, so a failing test says why.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice, takewhile
from typing import Any, Generic, TypeVar

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


class WaitTimeout(AssertionError, TimeoutError):
    """Nothing matching arrived in time. An AssertionError, so pytest shows it as a failure."""


class WaitableLog(Generic[T]):
    """A thread-safe list with event-driven waiting.

    With a ``limit``, the oldest items are dropped past it (a long-running twin must not
    grow without bound) and :attr:`dropped` counts them. With a ``marker`` too, the log
    says so itself: its first item is ``marker(dropped)``, replaced at every trim.

    With ``build``, items may also come as *drafts* (:meth:`extend_drafts`): tuples that
    ``build`` turns into the items they stand for the first time anything reads them (a
    full log drops most of what it is sent before anyone looks). Such a log's items are
    never tuples themselves; ``weigh`` weighs drafts as the items they stand for.
    """

    def __init__(self, describe: Callable[[T], str] = repr, *, limit: int | None = None,
                 marker: Callable[[int], T] | None = None,
                 weigh: Callable[[T], int] | None = None,
                 max_weight: int | None = None,
                 build: Callable[[Any], T] | None = None) -> None:
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
        self._build = build
        #: Drafts kept, and the number (in :attr:`appended`) of the oldest of them.
        self._drafts = 0
        self._first_draft = 0

    def append(self, item: T) -> None:
        with self._lock:
            self._items.append(item)
            self.appended += 1
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

    def extend_drafts(self, drafts: list[Any]) -> None:
        """Append drafts of items (see the class docstring), in order: as :meth:`extend`
        of what they stand for would, but built only when read. With a waiter waiting
        they are built now, to be offered to it."""
        build = self._build
        if build is None:
            raise TypeError("this log takes no drafts (it has no build)")
        with self._lock:
            if not self._waiters:
                if not self._drafts:
                    self._first_draft = self.appended
                self._items.extend(drafts)
                self._drafts += len(drafts)
                self.appended += len(drafts)
                if self._weigh is not None:
                    self.weight += sum(map(self._weigh, drafts))
                self._trim()
                return
        self.extend(map(build, drafts))

    def _realize(self) -> None:
        """Build every draft still kept into its item, in place (under the lock)."""
        if not self._drafts or self._build is None:
            return
        items, build = self._items, self._build
        start = max(0, self._first_draft - self._base) + (1 if self._marked else 0)
        tail = [items.pop() for _ in range(len(items) - start)]
        tail.reverse()
        items.extend([build(item) if type(item) is tuple else item for item in tail])
        self._drafts = 0

    def _trim(self) -> None:
        # A deque, so that a full log drops its oldest in O(1) each; a batch appended at
        # once is trimmed once, to what trimming after each of its items would keep.
        items = self._items
        over_count = self.limit is not None and len(items) > self.limit
        over_weight = self.max_weight is not None and self.weight > self.max_weight
        if not over_count and not over_weight:
            return
        marker = items.popleft() if self._marked else None
        room = (self.limit if self.limit is not None else len(items) + 1) - (
            1 if self._marker else 0)
        excess = max(0, len(items) - room)
        gone = [items.popleft() for _ in range(excess)]
        weigh, max_weight = self._weigh, self.max_weight
        if weigh is not None:
            self.weight -= sum(map(weigh, gone))
            if max_weight is not None:
                while len(items) > 1 and self.weight > max_weight:
                    item = items.popleft()
                    self.weight -= weigh(item)
                    gone.append(item)
        self._base += len(gone)
        self.dropped += len(gone)
        if self._drafts:
            self._drafts -= sum(1 for item in gone if type(item) is tuple)
        if self._marker is not None:
            items.appendleft(self._marker(self.dropped))
            self._marked = True
        del marker, gone

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._base = self.appended
            self._marked = False
            self.weight = 0
            self._drafts = 0

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
            return len(self._items)

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
