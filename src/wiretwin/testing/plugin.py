"""The wiretwin pytest plugin: a fresh twin per test, on its own ephemeral port.

Twins run in a background thread, so the same fixture serves sync tests (the ``pusher``
SDK's requests backend, Pysher's thread) and async tests (whose loop stays free). Nothing
is shared between tests or between xdist workers: every twin is its own server on port 0.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..pusher import PusherTwin


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "pusher_twin(**kwargs): keyword arguments for the PusherTwin the pusher_twin "
        "fixture builds (apps=[App(...)], seed=...)",
    )


@pytest.fixture
def pusher_twin(request: pytest.FixtureRequest) -> Iterator[PusherTwin]:
    """A running :class:`~wiretwin.pusher.PusherTwin`, stopped after the test."""
    marker = request.node.get_closest_marker("pusher_twin")
    kwargs = dict(marker.kwargs) if marker else {}
    with PusherTwin(**kwargs) as twin:
        yield twin
