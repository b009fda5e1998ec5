"""Fixtures shared by the Lavalink end-to-end tests (a module may override them)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from wiretwin.lavalink import LavalinkTwin
from wiretwin.runtime.clock import VirtualClock


@pytest.fixture
def clock() -> VirtualClock:
    """The twin's clock: protocol time moves only when a test advances it."""
    return VirtualClock()


@pytest.fixture
async def twin(clock: VirtualClock) -> AsyncIterator[LavalinkTwin]:
    """A Lavalink twin in the test's loop, on :func:`clock`."""
    async with LavalinkTwin(clock=clock) as running:
        yield running
