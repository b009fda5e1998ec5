"""Fixtures the Discord end-to-end suites share."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from wiretwin.discord.twin import DiscordTwin


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
