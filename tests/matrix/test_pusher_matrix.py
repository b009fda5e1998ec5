"""The Pusher conformance matrix: every library by every scenario, one test each
(``test_pusher[<library>::<scenario>]``).

A cell passes, fails with the reason, or is skipped as "not supported" with why (the
library has no API for it); a failure the library is known for (its bug, not the
twin's) is an expected failure. Each cell is recorded in ``build/matrix/`` for the docs
page (docs/compatibility.md). One twin and one driver serve all of a library's
scenarios in a pytest process, reset through the twin's API in between.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .cells import Sessions, run_cell
from .pusher.libraries import LIBRARIES
from .pusher.runner import Session
from .pusher.scenarios import SCENARIOS, SERVICE

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
def test_pusher(library: str, scenario: str, sessions: Sessions) -> None:
    entry = BY_NAME[library]
    run_cell(SERVICE, entry.library, scenario, sessions, lambda: Session(entry))
