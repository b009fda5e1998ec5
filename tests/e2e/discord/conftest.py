"""Fixtures the Discord end-to-end suites share."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.clock import VirtualClock


@pytest.fixture(params=["loop", "thread"])
async def twin(request: pytest.FixtureRequest) -> AsyncIterator[DiscordTwin]:
    """The twin in the test's event loop, or in a thread of its own."""
    made = DiscordTwin()
    if request.param == "loop":
        async with made:
            yield made
    else:
        made.start_in_thread()
        try:
            yield made
        finally:
            await asyncio.to_thread(made.stop_thread)


@pytest.fixture
def clock() -> VirtualClock:
    """A virtual clock for the raw gateway and REST suites' rate limits and heartbeats."""
    return VirtualClock(start=1_750_000_000.0)
