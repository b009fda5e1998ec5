"""The console's live feed: every journal entry and the clock, to each open page.

One :class:`Hub` per twin fans the journal out to :class:`Reader` objects, one per open
``GET /_wiretwin/ui/stream``. A reader holds at most :data:`READER_LIMIT` events: a page
that falls behind loses the newest ones and is told how many with a ``gap`` event when it
catches up, so a slow browser costs the twin a bounded amount of memory and never slows
its traffic. When the twin stops, the hub ends every stream, so a stop does not wait on
open pages.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any

from ..runtime.journal import Entry

if TYPE_CHECKING:
    from ..runtime.base import Twin

#: Events a reader keeps before it starts counting what it missed.
READER_LIMIT = 1000

Event = tuple[str, Any]


class Reader:
    """One page's queue of events, bounded (see the module docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int = READER_LIMIT) -> None:
        self.loop = loop
        self.limit = limit
        self._events: deque[Event] = deque()
        self._missed = 0
        self._wake = asyncio.Event()
        self.closed = False

    def push(self, name: str, data: Any) -> None:
        """Queue an event (from any thread)."""
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is self.loop:
            self._push(name, data)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._push, name, data)

    def _push(self, name: str, data: Any) -> None:
        if self.closed:
            return
        if len(self._events) >= self.limit:
            self._missed += 1
        else:
            self._events.append((name, data))
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def next(self, timeout: float | None) -> list[Event]:
        """What is queued (a ``gap`` after it when events were lost), waiting up to
        ``timeout`` seconds for something; empty on a timeout or once closed."""
        if not self._events and not self._missed and not self.closed:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                return []
        if self.closed:
            return []
        events = list(self._events)
        self._events.clear()
        if self._missed:
            events.append(("gap", {"missed": self._missed}))
            self._missed = 0
        return events


class Hub:
    """A twin's readers, fed by its journal while at least one is open."""

    def __init__(self, twin: Twin) -> None:
        self._twin = weakref.ref(twin)
        self.readers: set[Reader] = set()
        self._unlisten: Any = None
        twin.server.before_stop(self.close)

    def open(self, loop: asyncio.AbstractEventLoop, limit: int = READER_LIMIT) -> Reader:
        reader = Reader(loop, limit)
        self.readers.add(reader)
        twin = self._twin()
        if self._unlisten is None and twin is not None:
            self._unlisten = twin.journal.listen(self._on_entry)
        return reader

    def release(self, reader: Reader) -> None:
        reader.close()
        self.readers.discard(reader)
        if not self.readers and self._unlisten is not None:
            self._unlisten()
            self._unlisten = None

    def _on_entry(self, entry: Entry) -> None:
        data = entry.to_json()
        for reader in list(self.readers):
            reader.push("journal", data)

    async def close(self) -> None:
        """End every stream (the twin is stopping)."""
        for reader in list(self.readers):
            self.release(reader)


_HUBS: weakref.WeakKeyDictionary[Twin, Hub] = weakref.WeakKeyDictionary()


def hub_of(twin: Twin) -> Hub:
    """The twin's hub (made at its first stream; it holds the twin weakly)."""
    hub = _HUBS.get(twin)
    if hub is None:
        hub = _HUBS[twin] = Hub(twin)
    return hub


__all__ = ["READER_LIMIT", "Hub", "Reader", "hub_of"]
