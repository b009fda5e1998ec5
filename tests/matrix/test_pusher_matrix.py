"""The Pusher conformance matrix: every library by every scenario, one test each
(``test_pusher[<library>::<scenario>]``).

A cell passes, fails with the reason, or is skipped as "not supported" with why (the
library has no API for it); a failure the library is known for (its bug, not the
twin's) is an expected failure. Each cell is recorded in ``build/matrix/`` for the docs
page (docs/compatibility.md). One twin and one driver serve all of a library's
scenarios in a pytest process, reset through the twin's API in between.
"""

from __future__ import annotations

from .cells import Sessions, grid, run_cell
from .pusher.libraries import LIBRARIES, PusherLibrary
from .pusher.runner import Session
from .pusher.scenarios import SCENARIOS, SERVICE


@grid(LIBRARIES, SCENARIOS)
def test_pusher(entry: PusherLibrary, scenario: str, sessions: Sessions) -> None:
    run_cell(SERVICE, entry.library, scenario, sessions, lambda: Session(entry))
