"""The Discord conformance matrix: every library by every scenario, one test each
(``test_discord[<library>::<scenario>]``).

Each library runs the same small bot (tests/matrix/discord/bots/) in a process of its
own against a twin in this one; the scenarios (discord/checks.py) act as users through
the twin and check what the bot did. A cell passes, fails with the reason, or is skipped
as "not supported" with why; a library's known bug is an expected failure. Each cell is
recorded in ``build/matrix/`` for the docs page (docs/compatibility.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .cells import Sessions, run_cell
from .discord.libraries import LIBRARIES
from .discord.runner import Session
from .discord.scenarios import SCENARIOS, SERVICE

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
def test_discord(library: str, scenario: str, sessions: Sessions) -> None:
    entry = BY_NAME[library]
    run_cell(SERVICE, entry.library, scenario, sessions, lambda: Session(entry))
