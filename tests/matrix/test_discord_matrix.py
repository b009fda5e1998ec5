"""The Discord conformance matrix: every library by every scenario, one test each
(``test_discord[<library>::<scenario>]``).

Each library runs the same small bot (tests/matrix/discord/bots/) in a process of its
own against a twin in this one; the scenarios (discord/checks.py) act as users through
the twin and check what the bot did. A cell passes, fails with the reason, or is skipped
as "not supported" with why; a library's known bug is an expected failure. Each cell is
recorded in ``build/matrix/`` for the docs page (docs/compatibility.md).
"""

from __future__ import annotations

from .cells import Sessions, grid, run_cell
from .discord.libraries import LIBRARIES, DiscordLibrary
from .discord.runner import Session
from .discord.scenarios import SCENARIOS, SERVICE


@grid(LIBRARIES, SCENARIOS)
def test_discord(entry: DiscordLibrary, scenario: str, sessions: Sessions) -> None:
    run_cell(SERVICE, entry.library, scenario, sessions, lambda: Session(entry))
