"""A library session whose twin and driver live in an event loop of their own (a
:class:`~wiretwin.runtime.threads.LoopThread`): what the services' runners share.

A runner says how to open, run one scenario and close, as coroutines in that loop;
:class:`LoopSession` starts and stops the thread around them and bounds each step by
the service's scenario timeout.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Generic, TypeVar

from wiretwin.runtime.threads import LoopThread

from .cells import Entry

E = TypeVar("E", bound=Entry)


class LoopSession(ABC, Generic[E]):
    """A :class:`~.cells.LibrarySession` for one library's entry, run in a thread of its
    own."""

    #: A whole scenario's limit (each wait inside has its own, shorter one); opening and
    #: closing have as long.
    timeout: float

    def __init__(self, entry: E) -> None:
        self.entry = entry
        self.thread = LoopThread(name=f"matrix-{entry.library.name}")
        self._started = False

    def open(self) -> None:
        self.thread.start()
        self._started = True
        try:
            self.thread.run(self._open(), timeout=self.timeout)
        except BaseException:
            self.close()
            raise

    def run(self, scenario: str) -> None:
        """Run one scenario; raises what failed (:class:`~.core.Unsupported` when the
        library cannot run it)."""
        self.thread.run(self._run(scenario), timeout=self.timeout + 5)

    def close(self) -> None:
        try:
            if self._started:
                self.thread.run(self._close(), timeout=self.timeout)
        finally:
            self._started = False
            self.thread.stop()

    @abstractmethod
    async def _open(self) -> None: ...

    @abstractmethod
    async def _run(self, scenario: str) -> None:
        """Run the scenario (within :attr:`timeout`), then reset for the next one."""

    @abstractmethod
    async def _close(self) -> None: ...
