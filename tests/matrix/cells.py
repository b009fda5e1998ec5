"""Running matrix cells under pytest, for any service: the grid of cells a service's
test is parametrised with, the library sessions a pytest process holds, and one cell's
run from start to recorded result.

A service brings a :class:`LibrarySession` factory (its twin, its driver and how to run
one scenario); :func:`run_cell` does the rest: "not supported" cells are skipped with
why, failures are recorded with their reason and re-raised (or are expected failures,
for a library's known bug), and every outcome is written for the docs page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

import pytest

from .core import Library, Result, Scenario, Status, Unsupported, now, write_cell

#: Services for which this pytest process recorded a cell (conftest.py merges them).
RAN: set[str] = set()


class Entry(Protocol):
    """A service's entry for one library: the :class:`~.core.Library` and how to drive it."""

    @property
    def library(self) -> Library: ...


def grid(entries: Sequence[Entry], scenarios: Sequence[Scenario]) -> pytest.MarkDecorator:
    """A service's matrix test parametrised as ``(entry, scenario)``: every library that
    can run here (one that cannot be built has no cells; the page says why) by every
    scenario, library by library so that one session serves a library's cells in turn.
    The test ids are ``<library>::<scenario>``."""
    return pytest.mark.parametrize(("entry", "scenario"), [
        pytest.param(entry, scenario.name, id=f"{entry.library.name}::{scenario.name}")
        for entry in entries if entry.library.unavailable is None
        for scenario in scenarios])


class LibrarySession(Protocol):
    """One library's twin and driver, reused by all of its scenarios."""

    def open(self) -> None: ...

    def run(self, scenario: str) -> None:
        """Run a scenario (raising what failed, or :class:`~.core.Unsupported`), then
        reset the twin and the driver for the next one."""

    def close(self) -> None: ...


class Sessions:
    """At most one open library session per pytest process: cells come library by
    library (the parametrisation's order), so a new library closes the last one."""

    def __init__(self) -> None:
        self.current: tuple[str, LibrarySession] | None = None
        #: Libraries whose session could not start, and why (their other cells fail fast).
        self.broken: dict[str, Exception] = {}

    def get(self, library: Library, make: Callable[[], LibrarySession]) -> LibrarySession:
        if self.current is not None and self.current[0] == library.name:
            return self.current[1]
        self.close()
        if library.name in self.broken:
            raise RuntimeError(f"{library.title} did not start: {self.broken[library.name]}")
        session = make()
        try:
            session.open()
        except Exception as exc:
            self.broken[library.name] = exc
            raise
        self.current = (library.name, session)
        return session

    def close(self) -> None:
        current, self.current = self.current, None
        if current is not None:
            current[1].close()


def reason(exc: BaseException) -> str:
    """A failure's first line, short enough for a table's note."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    if isinstance(exc, TimeoutError) and not str(exc):
        first = "timed out"
    return first[:300]


def run_cell(service: str, library: Library, scenario: str, sessions: Sessions,
             make: Callable[[], LibrarySession]) -> None:
    """Run one cell as a pytest test and record its outcome."""
    started = time.monotonic()

    def record(status: Status, why: str) -> None:
        write_cell(service, library, Result(library.name, scenario, status, why,
                                            round(time.monotonic() - started, 3), now()))
        RAN.add(service)

    why = library.unsupported.get(scenario)
    if why is not None:
        record("unsupported", why)
        pytest.skip(f"not supported by {library.title}: {why}")
    known = library.known_failures.get(scenario)
    # An intermittent failure is recorded and expected whatever this run did.
    known_as = ("fails here on some runs" if scenario in library.intermittent
                else "is known to fail here")
    try:
        sessions.get(library, make).run(scenario)
    except Unsupported as exc:
        record("unsupported", str(exc))
        pytest.skip(f"not supported by {library.title}: {exc}")
    except Exception as exc:
        if known is not None:
            record("fail", known)
            pytest.xfail(f"{library.title} {known_as}: {known} (this run: {reason(exc)})")
        record("fail", reason(exc))
        raise
    if known is not None and scenario in library.intermittent:
        record("fail", known)
        pytest.xfail(f"{library.title} {known_as}: {known} (this run: it passed)")
    record("pass", "")
    if known is not None:
        pytest.fail(f"{library.title} passes {scenario} now: take it out of known_failures")
