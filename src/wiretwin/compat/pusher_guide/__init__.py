"""The Pusher testing guide's mocks, done for real over the wire.

A suite written against the guide's ``tests.fixtures.pusher_test_utils`` keeps its calls:
``async_mock_pusher_context()`` / ``mock_pusher_context()`` yield a :class:`PusherHarness`
(a running Pusher twin, the real ``pusher`` server SDK pointed at it, a real websocket
client), ``MockPusherService()`` / ``MockPusherClient()`` are the harness and its client,
and ``PusherEventRecorder`` / ``PusherTestHelper`` read what the twin really saw.

Modules: :mod:`.client` (the harness's websocket client), :mod:`.harness` (the harness and
the contexts), :mod:`.helpers` (recorder and helpers), :mod:`.mocks` (the guide's two
mocks). Built on the twin's public API only; no twin imports anything from here. The
names are loaded on first use, so importing the package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...runtime.lazy import lazy_exports

if TYPE_CHECKING:
    from .client import HarnessClient
    from .harness import (
        PusherHarness,
        async_mock_pusher_context,
        current_harness,
        mock_pusher_context,
    )
    from .helpers import PusherAsyncTestHelper, PusherEventRecorder, PusherTestHelper
    from .mocks import MockPusherClient, MockPusherService

__getattr__, __dir__ = lazy_exports(__name__, {
    "HarnessClient": ".client",
    "MockPusherClient": ".mocks",
    "MockPusherService": ".mocks",
    "PusherAsyncTestHelper": ".helpers",
    "PusherEventRecorder": ".helpers",
    "PusherHarness": ".harness",
    "PusherTestHelper": ".helpers",
    "async_mock_pusher_context": ".harness",
    "current_harness": ".harness",
    "mock_pusher_context": ".harness",
})

__all__ = [
    "HarnessClient",
    "MockPusherClient",
    "MockPusherService",
    "PusherAsyncTestHelper",
    "PusherEventRecorder",
    "PusherHarness",
    "PusherTestHelper",
    "async_mock_pusher_context",
    "current_harness",
    "mock_pusher_context",
]
