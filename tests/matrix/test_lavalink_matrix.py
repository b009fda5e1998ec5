"""The Lavalink conformance matrix: every library by every scenario, one test each
(``test_lavalink[<library>::<scenario>]``).

A cell passes, fails with the reason, or is skipped as "not supported" with why (the
library has no API for it); a failure the library is known for (its bug, not the
twin's) is an expected failure. Each cell is recorded in ``build/matrix/`` for the docs
page (docs/compatibility.md). One twin (on a virtual clock) and one driver serve all of
a library's scenarios in a pytest process; the driver leaves voice in between.

A known failure that depends on timing the twin does not control (the library's
``intermittent``) is recorded as a failure with its reason whether or not this run hit
it, and the test is an expected failure either way: the page and the suite do not change
from run to run.
"""

from __future__ import annotations

from .cells import Sessions, grid, run_cell
from .lavalink.libraries import LIBRARIES, LavalinkLibrary
from .lavalink.runner import Session
from .lavalink.scenarios import SCENARIOS, SERVICE


@grid(LIBRARIES, SCENARIOS)
def test_lavalink(entry: LavalinkLibrary, scenario: str, sessions: Sessions) -> None:
    run_cell(SERVICE, entry.library, scenario, sessions, lambda: Session(entry))
