"""Old path of the Pusher harness (the Pusher testing guide's mocks), now
:mod:`wiretwin.compat.pusher_guide`.

Kept so existing imports work: each name still resolves, with a DeprecationWarning naming
its new module.
"""

from __future__ import annotations

from ..runtime.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {}, moved={
    name: "wiretwin.compat.pusher_guide" for name in (
        "HarnessClient",
        "PusherAsyncTestHelper",
        "PusherEventRecorder",
        "PusherHarness",
        "PusherTestHelper",
        "async_mock_pusher_context",
        "current_harness",
        "mock_pusher_context",
    )
})
