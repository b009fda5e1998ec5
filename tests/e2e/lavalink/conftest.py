"""Fixtures shared by the Lavalink end-to-end tests (a module may override them)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from wiretwin.discord.twin import DiscordTwin
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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_discord() -> AsyncIterator[DiscordTwin]:
    """One Discord twin for a test module, for the drivers' voice: a module that uses it
    runs every test in the module's loop (``pytest.mark.asyncio(loop_scope="module")``)
    and resets it per test (``reset()``: its world as built, its journal empty), which
    costs less than a new twin each time."""
    async with DiscordTwin() as running:
        yield running
