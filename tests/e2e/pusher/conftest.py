"""Fixtures shared by the Pusher end-to-end tests.

With ``WIRETWIN_TEST_PUSHER_CLUSTER=1`` in the environment, every ``pusher_twin`` of
these suites runs in a Redis cluster of its own (a private ``redis-server``, one key
prefix per twin): the same tests, unchanged, then check that clients see no difference
when membership, counts and webhooks are decided through Redis (``make test`` runs them
both ways).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from tests.redis_server import redis_server
from wiretwin.pusher import PusherTwin

from .pusher_js import auth, js, sdk
from .pysher_driver import pysher_client

CLUSTER_ENV = "WIRETWIN_TEST_PUSHER_CLUSTER"
_prefixes = itertools.count()


@pytest.fixture
def pusher_twin(request: pytest.FixtureRequest) -> Iterator[PusherTwin]:
    """A running twin (the pytest plugin's), in a Redis cluster if the environment says."""
    marker = request.node.get_closest_marker("pusher_twin")
    kwargs = dict(marker.kwargs) if marker else {}
    if os.environ.get(CLUSTER_ENV):
        server = request.getfixturevalue("redis_server")
        kwargs["cluster"] = f"{server.url}?prefix=test{next(_prefixes)}:"
    with PusherTwin(**kwargs) as twin:
        yield twin


__all__ = ["auth", "js", "pusher_twin", "pysher_client", "redis_server", "sdk"]
