"""The Lavalink conformance matrix: every library by every scenario, one test each
(``test_lavalink[<library>::<scenario>]``).

A cell passes, fails with the reason, or is skipped as "not supported" with why (the
library has no API for it); a failure the library is known for (its bug, not the
twin's) is an expected failure. Each cell is recorded in ``build/matrix/`` for the docs
page (docs/compatibility.md). One twin (on a virtual clock) and one driver serve all of
a library's scenarios in a pytest process; the driver leaves voice in between.

A known failure that depends on timing the twin does not control (``intermittent``) is
recorded as a failure with its reason whether or not this run hit it, and the test is an
expected failure either way: the page and the suite do not change from run to run.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest

from .cells import RAN, Sessions, reason, run_cell
from .core import Result, now, write_cell
from .lavalink.libraries import LIBRARIES
from .lavalink.runner import Session
from .lavalink.scenarios import SCENARIOS, SERVICE

BY_NAME = {entry.library.name: entry for entry in LIBRARIES}
#: Libraries that cannot be built here have no cells (the page says why).
RUNNABLE = [entry for entry in LIBRARIES if entry.library.unavailable is None]


@pytest.fixture(scope="module")
def sessions() -> Iterator[Sessions]:
    held = Sessions()
    yield held
    held.close()


@pytest.mark.parametrize(
    ("library", "scenario"),
    [(entry.library.name, s.name) for entry in RUNNABLE for s in SCENARIOS],
    ids=[f"{entry.library.name}::{s.name}" for entry in RUNNABLE for s in SCENARIOS])
def test_lavalink(library: str, scenario: str, sessions: Sessions) -> None:
    entry = BY_NAME[library]
    if scenario not in entry.intermittent:
        run_cell(SERVICE, entry.library, scenario, sessions, lambda: Session(entry))
        return
    known = entry.library.known_failures[scenario]
    plain = dataclasses.replace(entry.library, known_failures={})
    started = time.monotonic()
    try:
        run_cell(SERVICE, plain, scenario, sessions, lambda: Session(entry))
        outcome = "it passed"
    except Exception as exc:
        outcome = reason(exc)
    write_cell(SERVICE, entry.library, Result(library, scenario, "fail", known,
                                              round(time.monotonic() - started, 3), now()))
    RAN.add(SERVICE)
    pytest.xfail(f"{entry.library.title} fails here on some runs: {known} "
                 f"(this run: {outcome})")
