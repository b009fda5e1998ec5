"""The conformance matrices' fixtures: the library sessions a matrix test module's cells
share, and the session end, where each pytest process (each xdist worker) that ran matrix
cells merges every recorded cell into ``build/matrix/<service>.json``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .cells import RAN, Sessions
from .core import merge
from .discord import scenarios as discord_scenarios
from .discord.libraries import LIBRARIES as DISCORD_LIBRARIES
from .lavalink import scenarios as lavalink_scenarios
from .lavalink.libraries import LIBRARIES as LAVALINK_LIBRARIES
from .pusher import scenarios as pusher_scenarios
from .pusher.libraries import LIBRARIES as PUSHER_LIBRARIES


@pytest.fixture(scope="module")
def sessions() -> Iterator[Sessions]:
    """The library sessions of one matrix module's cells (the last is closed at its end)."""
    held = Sessions()
    yield held
    held.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Only after this process recorded cells: unrelated runs leave the files alone.
    if pusher_scenarios.SERVICE in RAN:
        merge(pusher_scenarios.SERVICE, pusher_scenarios.SCENARIOS,
              [entry.library for entry in PUSHER_LIBRARIES])
    if discord_scenarios.SERVICE in RAN:
        merge(discord_scenarios.SERVICE, discord_scenarios.SCENARIOS,
              [entry.library for entry in DISCORD_LIBRARIES])
    if lavalink_scenarios.SERVICE in RAN:
        merge(lavalink_scenarios.SERVICE, lavalink_scenarios.SCENARIOS,
              [entry.library for entry in LAVALINK_LIBRARIES])
