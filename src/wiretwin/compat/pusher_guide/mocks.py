"""The Pusher testing guide's ``MockPusherService()`` and ``MockPusherClient()``, for real.

Inside ``async_mock_pusher_context()`` (or ``mock_pusher_context()``) both bind to its
twin; elsewhere each starts a twin of its own in a thread, stopped by ``close()`` or when
the object is garbage-collected (so the guide's fixtures, which never stop anything, leak
nothing). The service is a :class:`~wiretwin.compat.pusher_guide.harness.PusherHarness` (the real
``pusher`` SDK and a real websocket client); the client is its
:class:`~wiretwin.compat.pusher_guide.client.HarnessClient`.
"""

from __future__ import annotations

import weakref
from typing import Any

from ...pusher.apps import App
from ...pusher.twin import PusherTwin
from .client import HarnessClient
from .harness import PusherHarness, current_harness


def _twin_for(twin: PusherTwin | None) -> tuple[PusherTwin, PusherTwin | None]:
    """(the twin to use, the one started here if any)."""
    if twin is not None:
        return twin, None
    active = current_harness()
    if active is not None:
        return active.twin, None
    own = PusherTwin().start_in_thread()
    return own, own


class MockPusherService(PusherHarness):
    """``MockPusherService()``: the harness over the active context's twin, or its own."""

    def __init__(self, twin: PusherTwin | None = None, app: App | None = None) -> None:
        used, self._own = _twin_for(twin)
        super().__init__(used, app)
        if self._own is not None:
            self._finalizer: Any = weakref.finalize(self, self._own.stop_thread)

    def close(self) -> None:
        super().close()
        if self._own is not None:
            self._finalizer()


class MockPusherClient(HarnessClient):
    """``MockPusherClient()``: a real websocket client of the active context's twin, or of
    a twin of its own."""

    def __init__(self, twin: PusherTwin | None = None, app: App | None = None,
                 timeout: float = 5.0) -> None:
        used, self._own = _twin_for(twin)
        super().__init__(used, app or used.app, timeout)
        if self._own is not None:
            self._finalizer: Any = weakref.finalize(self, self._own.stop_thread)

    def close(self) -> None:
        self.disconnect()
        if self._own is not None:
            self._finalizer()


__all__ = ["MockPusherClient", "MockPusherService"]
