"""The Pusher testing guide's event recorder and test helpers, reading what a twin really saw.

``PusherEventRecorder`` asserts over the twin's own record of triggered events (nothing is
fed in by hand); ``PusherTestHelper`` / ``PusherAsyncTestHelper`` sign auth answers, read
presence rosters and wait for events. Without an explicit twin each binds to the innermost
active ``(async_)mock_pusher_context``.
"""

from __future__ import annotations

import json
from typing import Any

from ...pusher.client import PusherTestClient
from ...pusher.recorder import PusherRecorder, TriggeredEvent
from ...pusher.twin import PusherTwin
from .harness import PusherHarness, current_harness

_MISSING: Any = object()


def _recorder_source(source: PusherHarness | PusherTwin | None) -> PusherRecorder:
    if source is None:
        source = current_harness()
        if source is None:
            raise RuntimeError(
                "no Pusher twin to record: pass one (PusherEventRecorder(twin)) or create the "
                "recorder inside async_mock_pusher_context()"
            )
    return source.recorder


class PusherEventRecorder:
    """Assertions over the events a twin really received.

    The twin records every triggered event itself, so there is nothing to feed in by hand:
    :meth:`record` *checks* that an event went over the wire (and claims it, so recording
    the same event twice needs it triggered twice).
    """

    def __init__(self, source: PusherHarness | PusherTwin | None = None) -> None:
        self._recorder = _recorder_source(source)
        self._claimed: set[int] = set()

    @property
    def events(self) -> list[TriggeredEvent]:
        return self._recorder.triggered_events

    def record(self, channel: str, event: str, data: Any = _MISSING) -> TriggeredEvent:
        for index, seen in enumerate(self._recorder.triggered_events):
            if (index not in self._claimed and channel in seen.channels
                    and seen.name == event and (data is _MISSING or seen.decoded == data)):
                self._claimed.add(index)
                return seen
        return self._recorder.assert_triggered(channel, event, data)  # raises, showing all

    def assert_event_count(self, expected: int, *, channel: str | None = None,
                           name: str | None = None) -> None:
        self._recorder.assert_event_count(expected, channel=channel, name=name)

    def assert_channel_used(self, channel: str) -> None:
        self._recorder.assert_channel_used(channel)

    def events_for_channel(self, channel: str) -> list[TriggeredEvent]:
        return self._recorder.events_for_channel(channel)

    get_events_for_channel = events_for_channel

    async def wait_for(self, channel: str | None = None, event: str | None = None, *,
                       count: int = 1, timeout: float = 5.0) -> list[TriggeredEvent]:
        return await self._recorder.wait_for_event(channel, event, count=count,
                                                   timeout=timeout)

    def clear(self) -> None:
        self._recorder.clear()
        self._claimed.clear()


class _HelperBase:
    def __init__(self, source: PusherHarness | PusherTwin | None = None) -> None:
        if source is None:
            source = current_harness()
        if source is None:
            raise RuntimeError("pass a twin or use inside (async_)mock_pusher_context()")
        self.twin = source.twin if isinstance(source, PusherHarness) else source

    def private_auth(self, socket_id: str, channel: str) -> dict[str, str]:
        """What an auth endpoint answers for a private channel."""
        return {"auth": self.twin.sign_channel(socket_id, channel)}

    def presence_auth(self, socket_id: str, channel: str, user_id: str,
                      user_info: Any = None) -> dict[str, str]:
        """What an auth endpoint answers for a presence channel (``auth``, ``channel_data``)."""
        member: dict[str, Any] = {"user_id": user_id}
        if user_info is not None:
            member["user_info"] = user_info
        channel_data = json.dumps(member)
        return {"auth": self.twin.sign_channel(socket_id, channel, channel_data),
                "channel_data": channel_data}

    def members(self, channel: str) -> dict[str, Any]:
        """The presence roster of ``channel``: user id -> user_info."""
        return self.twin.members(channel)


class PusherTestHelper(_HelperBase):
    """Signatures, rosters and blocking waits over a twin, for synchronous tests."""

    def wait_for_event(self, channel: str | None = None, event: str | None = None, *,
                       count: int = 1, timeout: float = 5.0) -> list[TriggeredEvent]:
        return self.twin.recorder.wait_for_event_sync(channel, event, count=count,
                                                      timeout=timeout)


class PusherAsyncTestHelper(_HelperBase):
    """Signatures, rosters, awaitable waits and test clients, for async tests."""

    async def wait_for_event(self, channel: str | None = None, event: str | None = None, *,
                             count: int = 1, timeout: float = 5.0) -> list[TriggeredEvent]:
        return await self.twin.recorder.wait_for_event(channel, event, count=count,
                                                       timeout=timeout)

    async def connect(self) -> PusherTestClient:
        """A new real websocket client of the twin, in the caller's loop."""
        return await self.twin.connect()


__all__ = ["PusherAsyncTestHelper", "PusherEventRecorder", "PusherTestHelper"]
