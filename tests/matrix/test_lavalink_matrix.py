"""The Lavalink conformance matrix: every library by every scenario, one test each.

A cell passes, fails with the reason, or is skipped as "not supported" with why (the
library has no API for it); a failure the library is known for (its bug, not the
twin's) is an expected failure. Each cell is recorded in ``build/matrix/`` for the docs
page (docs/compatibility.md). One twin (on a virtual clock) and one driver serve all of
a library's scenarios in a pytest process; the driver leaves voice in between.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from .conftest import RAN
from .core import Result, Status, Unsupported, now, write_cell
from .lavalink.libraries import LIBRARIES, LavalinkLibrary
from .lavalink.runner import Session
from .lavalink.scenarios import SCENARIOS, SERVICE

BY_NAME = {entry.library.name: entry for entry in LIBRARIES}
#: Libraries that cannot be built here have no cells (the page says why).
RUNNABLE = [entry for entry in LIBRARIES if entry.library.unavailable is None]


class Sessions:
    """At most one open library session per pytest process: cells come library by
    library (the parametrisation's order), so a new library closes the last one."""

    def __init__(self) -> None:
        self.current: Session | None = None
        #: Libraries whose session could not start, and why (their other cells fail fast).
        self.broken: dict[str, Exception] = {}

    def get(self, entry: LavalinkLibrary) -> Session:
        if self.current is not None and self.current.entry is entry:
            return self.current
        self.close()
        name = entry.library.name
        if name in self.broken:
            raise RuntimeError(f"{entry.library.title} did not start: {self.broken[name]}")
        session = Session(entry)
        try:
            session.open()
        except Exception as exc:
            self.broken[name] = exc
            raise
        self.current = session
        return session

    def close(self) -> None:
        session, self.current = self.current, None
        if session is not None:
            session.close()


@pytest.fixture(scope="module")
def sessions() -> Iterator[Sessions]:
    held = Sessions()
    yield held
    held.close()


def _record(entry: LavalinkLibrary, scenario: str, status: Status, reason: str,
            started: float) -> None:
    write_cell(SERVICE, entry.library, Result(entry.library.name, scenario, status, reason,
                                              round(time.monotonic() - started, 3), now()))
    RAN.add(SERVICE)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    if isinstance(exc, TimeoutError) and not str(exc):
        first = "timed out"
    return first[:300]


@pytest.mark.parametrize(
    ("library", "scenario"),
    [(entry.library.name, s.name) for entry in RUNNABLE for s in SCENARIOS],
    ids=[f"{entry.library.name}::{s.name}" for entry in RUNNABLE for s in SCENARIOS])
def test_lavalink(library: str, scenario: str, sessions: Sessions) -> None:
    entry = BY_NAME[library]
    started = time.monotonic()
    why = entry.library.unsupported.get(scenario)
    if why is not None:
        _record(entry, scenario, "unsupported", why, started)
        pytest.skip(f"not supported by {entry.library.title}: {why}")
    known = entry.library.known_failures.get(scenario)
    try:
        sessions.get(entry).run(scenario)
    except Unsupported as exc:
        _record(entry, scenario, "unsupported", str(exc), started)
        pytest.skip(f"not supported by {entry.library.title}: {exc}")
    except Exception as exc:
        if known is not None:
            _record(entry, scenario, "fail", known, started)
            pytest.xfail(f"{entry.library.title} is known to fail here: {known} "
                         f"(this run: {_reason(exc)})")
        _record(entry, scenario, "fail", _reason(exc), started)
        raise
    if known is not None and scenario in entry.intermittent:
        _record(entry, scenario, "fail", known, started)
        pytest.xfail(f"{entry.library.title} fails here on some runs: {known} (this run: "
                     "it passed)")
    _record(entry, scenario, "pass", "", started)
    if known is not None:
        pytest.fail(f"{entry.library.title} passes {scenario} now: take it out of "
                    "known_failures")
