"""The wiretwin pytest plugin: a fresh twin per test, on its own ephemeral port.

Twins run in a background thread, so the same fixtures serve sync tests (the ``pusher``
SDK's requests backend, Pysher's thread) and async tests (whose loop stays free). Nothing
is shared between tests or between xdist workers: every twin is its own server on port 0,
stopped (sockets closed, webhooks cancelled) when its test ends.

Fixtures:

``pusher_twin``            a running :class:`~wiretwin.pusher.PusherTwin`
``lavalink_twin``          a running :class:`~wiretwin.lavalink.LavalinkTwin`
``discord_twin``           a running :class:`~wiretwin.discord.twin.DiscordTwin` (no guild
                           unless its marker says ``world="default"`` or gives a world)
``pusher_harness``         the twin + the real ``pusher`` SDK + a real client
                           (what ``async_mock_pusher_context()`` yields)
``pusher_event_recorder``  :class:`~wiretwin.compat.pusher_guide.PusherEventRecorder` over the twin
``pusher_test_helper``     :class:`~wiretwin.compat.pusher_guide.PusherTestHelper` over the twin

``mock_pusher_service`` and ``mock_pusher_client`` are the harness and its client under the
names mock-based suites already use.

Markers: ``@pytest.mark.pusher_twin(apps=[App(...)], seed=1)`` configures the twin, and
likewise ``lavalink_twin(...)`` and ``discord_twin(...)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

# The discord_env fixture and its hooks (pytest collects them from this module).
from .discord_fixtures import (  # noqa: F401
    MARKER,
    discord_bot,
    discord_env,
    discord_env_twin,
    pytest_pycollect_makeitem,
    pytest_runtest_call,
    pytest_runtest_makereport,
)

# Offline mode (--offline-mode, SONORA_OFFLINE_MODE/SONORA_OFFLINE_TESTING): its hooks and
# fixtures, re-exported so that pytest registers them with this plugin.
from .offline import offline_allow_hosts_marker as offline_allow_hosts_marker
from .offline import offline_discord_twin as offline_discord_twin
from .offline import offline_lavalink_twin as offline_lavalink_twin
from .offline import offline_pusher_twin as offline_pusher_twin
from .offline import pytest_addoption as pytest_addoption
from .offline import pytest_report_header as pytest_report_header
from .offline import pytest_sessionfinish as pytest_sessionfinish
from .offline import pytest_sessionstart as pytest_sessionstart
from .offline import register_offline_marker

# The twins are imported by the fixtures that use them, not here: pytest loads this
# plugin in every run wherever wiretwin is installed, and most runs use no twin.
if TYPE_CHECKING:
    from ..compat.pusher_guide import (
        HarnessClient,
        PusherEventRecorder,
        PusherHarness,
        PusherTestHelper,
    )
    from ..discord.twin import DiscordTwin
    from ..lavalink import LavalinkTwin
    from ..pusher import PusherTwin


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    register_offline_marker(config)
    config.addinivalue_line(
        "markers",
        "pusher_twin(**kwargs): keyword arguments for the PusherTwin the pusher_twin "
        "fixture builds (apps=[App(...)], seed=...)",
    )
    config.addinivalue_line(
        "markers",
        "lavalink_twin(**kwargs): keyword arguments for the LavalinkTwin the lavalink_twin "
        "fixture builds (version=..., password=..., clock=..., seed=...)",
    )
    config.addinivalue_line(
        "markers",
        "discord_twin(**kwargs): keyword arguments for the DiscordTwin the discord_twin "
        "fixture builds (world=\"default\" or a snapshot, token=..., clock=..., seed=...)",
    )


@pytest.fixture
def pusher_twin(request: pytest.FixtureRequest) -> Iterator[PusherTwin]:
    """A running :class:`~wiretwin.pusher.PusherTwin`, stopped after the test."""
    from ..pusher import PusherTwin

    marker = request.node.get_closest_marker("pusher_twin")
    kwargs = dict(marker.kwargs) if marker else {}
    with PusherTwin(**kwargs) as twin:
        yield twin


@pytest.fixture
def pusher_harness(pusher_twin: PusherTwin) -> Iterator[PusherHarness]:
    from ..compat.pusher_guide import PusherHarness

    harness = PusherHarness(pusher_twin)
    yield harness
    harness.close()


@pytest.fixture
def mock_pusher_service(pusher_harness: PusherHarness) -> PusherHarness:
    return pusher_harness


@pytest.fixture
def mock_pusher_client(pusher_harness: PusherHarness) -> HarnessClient:
    return pusher_harness.client


@pytest.fixture
def pusher_event_recorder(pusher_twin: PusherTwin) -> PusherEventRecorder:
    from ..compat.pusher_guide import PusherEventRecorder

    return PusherEventRecorder(pusher_twin)


@pytest.fixture
def pusher_test_helper(pusher_twin: PusherTwin) -> PusherTestHelper:
    from ..compat.pusher_guide import PusherTestHelper

    return PusherTestHelper(pusher_twin)


@pytest.fixture
def lavalink_twin(request: pytest.FixtureRequest) -> Iterator[LavalinkTwin]:
    """A running :class:`~wiretwin.lavalink.LavalinkTwin` in its own thread, stopped after
    the test; configure it with ``@pytest.mark.lavalink_twin(version="4.0.8", ...)``."""
    from ..lavalink import LavalinkTwin

    marker = request.node.get_closest_marker("lavalink_twin")
    kwargs = dict(marker.kwargs) if marker else {}
    with LavalinkTwin(**kwargs) as twin:
        yield twin


@pytest.fixture
def discord_twin(request: pytest.FixtureRequest) -> Iterator[DiscordTwin]:
    """A running :class:`~wiretwin.discord.twin.DiscordTwin` in its own thread, stopped
    after the test. Empty (an application, its bot, no guild) unless configured with
    ``@pytest.mark.discord_twin(world="default")`` (the built-in world, see
    :mod:`wiretwin.discord.world`) or ``world={...}`` (a snapshot)."""
    from ..discord.twin import DiscordTwin
    from ..discord.world import default_discord_world

    marker = request.node.get_closest_marker("discord_twin")
    kwargs: dict[str, Any] = dict(marker.kwargs) if marker else {}
    if kwargs.get("world") == "default":
        kwargs["world"] = default_discord_world()
    with DiscordTwin(**kwargs) as twin:
        yield twin
