"""What the Pusher twin saw, for tests to assert on.

Four logs, each appended by the twin as things happen on the wire and waitable from any
thread or loop: events triggered through the HTTP API (after they passed every check),
deliveries to sockets, client events, and webhook attempts. The helpers follow the names
test suites written against mocks already use (``assert_event_count``,
``assert_channel_used``, ``events_for_channel``), but what they read is real traffic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any

from ..runtime import jsonio
from ..runtime.waiters import WaitableLog
from .crypto import decrypt
from .wire import Frame

_MISSING: Any = object()
#: What one record costs besides its payload (the record, its strings' headers, the log's
#: slot), for the logs' byte budgets. A rough figure: the budget is a bound, not a meter.
_RECORD_OVERHEAD = 200
#: Deliveries of one frame from which they are recorded as a lazily built run.
_LAZY_FROM = 16


def _decode(data: str | None) -> Any:
    if data is None:
        return None
    try:
        return jsonio.loads(data)
    except jsonio.JSONError:
        return data


@dataclass(frozen=True)
class TriggeredEvent:
    """One event accepted by ``POST events`` / ``batch_events`` (one per channel list)."""

    app_id: str
    name: str
    channels: tuple[str, ...]
    data: str
    socket_id: str | None = None
    #: ``"events"``, ``"batch_events"`` or ``"test"`` (triggered from Python).
    source: str = "events"

    def weight(self) -> int:
        return (_RECORD_OVERHEAD + len(self.data) + len(self.name)
                + sum(len(c) for c in self.channels))

    @property
    def decoded(self) -> Any:
        """``data`` parsed as JSON when it is JSON (as pusher-http-python sends it)."""
        return _decode(self.data)

    def decrypt(self, master_key: bytes | str) -> Any:
        """The plaintext of an event on a ``private-encrypted-`` channel."""
        return decrypt(self.channels[0], self.data, master_key)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One frame written to one socket."""

    socket_id: str
    frame: Frame
    #: The frame's size, counted on the first delivery of a fan-out only: the sockets
    #: share one frame.
    size: int = field(default=0, compare=False, repr=False)

    def weight(self) -> int:
        return _RECORD_OVERHEAD + self.size

    @property
    def event(self) -> str:
        return self.frame.event

    @property
    def channel(self) -> str | None:
        return self.frame.channel

    @property
    def data(self) -> Any:
        """The frame's data with the double encoding undone."""
        return self.frame.decoded()

    def decrypt(self, master_key: bytes | str) -> Any:
        """The plaintext of a delivery on a ``private-encrypted-`` channel."""
        if self.frame.channel is None or not isinstance(self.frame.data, str):
            raise ValueError(f"{self.frame.event} carries no encrypted channel data")
        return decrypt(self.frame.channel, self.frame.data, master_key)


@dataclass(frozen=True)
class ClientEvent:
    """A ``client-`` event a socket sent and the twin accepted and relayed."""

    socket_id: str
    channel: str
    event: str
    data: str
    user_id: str | None = None

    def weight(self) -> int:
        return _RECORD_OVERHEAD + len(self.data) + len(self.event) + len(self.channel)

    @property
    def decoded(self) -> Any:
        return _decode(self.data)


@dataclass
class WebhookAttempt:
    """One POST of a webhook to one URL."""

    url: str
    body: dict[str, Any]
    attempt: int
    status: int | None = None
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: The POST body's size in bytes (the body is shared by a webhook's attempts).
    size: int = field(default=0, compare=False, repr=False)

    def weight(self) -> int:
        return _RECORD_OVERHEAD + (self.size if self.attempt <= 1 else 0)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.body.get("events", [])
        return events


def _matches(value: Any, expected: Any) -> bool:
    return expected is _MISSING or value == expected


#: Records each log keeps before dropping its oldest (see ``WaitableLog.dropped``).
DEFAULT_LIMIT = 100_000
#: And the bytes each log may hold (payloads plus a fixed cost per record): 100,000
#: deliveries of 10 KB events would otherwise be a gigabyte.
DEFAULT_BYTES = 32 * 1024 * 1024


class PusherRecorder:
    """The four logs; each keeps its newest ``limit`` records within ``max_bytes``."""

    def __init__(self, limit: int | None = DEFAULT_LIMIT,
                 max_bytes: int | None = DEFAULT_BYTES) -> None:
        self.triggered: WaitableLog[TriggeredEvent] = WaitableLog(
            limit=limit, weigh=TriggeredEvent.weight, max_weight=max_bytes)
        self.deliveries: WaitableLog[Delivery] = WaitableLog(
            limit=limit, weigh=Delivery.weight, max_weight=max_bytes)
        self.client_events: WaitableLog[ClientEvent] = WaitableLog(
            limit=limit, weigh=ClientEvent.weight, max_weight=max_bytes)
        self.webhooks: WaitableLog[WebhookAttempt] = WaitableLog(
            limit=limit, weigh=WebhookAttempt.weight, max_weight=max_bytes)

    def clear(self) -> None:
        for log in (self.triggered, self.deliveries, self.client_events, self.webhooks):
            log.clear()

    # -- triggered events -------------------------------------------------------------

    @property
    def triggered_events(self) -> list[TriggeredEvent]:
        return self.triggered.snapshot()

    def events(self, channel: str | None = None, name: str | None = None) -> list[TriggeredEvent]:
        return [
            e for e in self.triggered
            if (channel is None or channel in e.channels) and (name is None or e.name == name)
        ]

    def events_for_channel(self, channel: str) -> list[TriggeredEvent]:
        return self.events(channel=channel)

    get_events_for_channel = events_for_channel

    def assert_event_count(
        self, expected: int, *, channel: str | None = None, name: str | None = None
    ) -> None:
        found = self.events(channel, name)
        if len(found) != expected:
            where = "".join(
                f" {k}={v!r}" for k, v in (("channel", channel), ("name", name)) if v
            )
            listing = "\n".join(f"  {e.name} on {', '.join(e.channels)}" for e in found)
            raise AssertionError(
                f"expected {expected} triggered event(s){where}, found {len(found)}"
                + (f":\n{listing}" if listing else "")
            )

    def assert_channel_used(self, channel: str) -> None:
        if not self.events(channel=channel):
            used = sorted({c for e in self.triggered for c in e.channels})
            raise AssertionError(
                f"no event was triggered on {channel!r}; channels used: {used or 'none'}"
            )

    def assert_triggered(
        self, channel: str, name: str, data: Any = _MISSING
    ) -> TriggeredEvent:
        """The first event ``name`` on ``channel`` (with decoded ``data``, if given)."""
        for event in self.events(channel, name):
            if _matches(event.decoded, data):
                return event
        shown = "\n".join(
            f"  {e.name} on {', '.join(e.channels)}: {e.data[:80]}" for e in self.triggered
        )
        raise AssertionError(
            f"no event {name!r} on {channel!r}"
            + ("" if data is _MISSING else f" with data {data!r}")
            + f"; triggered:\n{shown or '  (nothing)'}"
        )

    async def wait_for_event(
        self, channel: str | None = None, name: str | None = None, *, count: int = 1,
        timeout: float = 5.0,
    ) -> list[TriggeredEvent]:
        return await self.triggered.wait_for(
            self._event_predicate(channel, name), count=count, timeout=timeout
        )

    def wait_for_event_sync(
        self, channel: str | None = None, name: str | None = None, *, count: int = 1,
        timeout: float = 5.0,
    ) -> list[TriggeredEvent]:
        return self.triggered.wait_for_sync(
            self._event_predicate(channel, name), count=count, timeout=timeout
        )

    @staticmethod
    def _event_predicate(
        channel: str | None, name: str | None
    ) -> Callable[[TriggeredEvent], bool]:
        return lambda e: (channel is None or channel in e.channels) and (
            name is None or e.name == name
        )

    # -- deliveries -------------------------------------------------------------------

    def delivered(
        self, socket_id: str | None = None, *, channel: str | None = None,
        event: str | None = None,
    ) -> list[Delivery]:
        predicate = self._delivery_predicate(socket_id, channel, event)
        return [d for d in self.deliveries if predicate(d)]

    async def wait_for_delivery(
        self, socket_id: str | None = None, *, channel: str | None = None,
        event: str | None = None, count: int = 1, timeout: float = 5.0,
    ) -> list[Delivery]:
        return await self.deliveries.wait_for(
            self._delivery_predicate(socket_id, channel, event), count=count, timeout=timeout
        )

    def wait_for_delivery_sync(
        self, socket_id: str | None = None, *, channel: str | None = None,
        event: str | None = None, count: int = 1, timeout: float = 5.0,
    ) -> list[Delivery]:
        return self.deliveries.wait_for_sync(
            self._delivery_predicate(socket_id, channel, event), count=count, timeout=timeout
        )

    @staticmethod
    def _delivery_predicate(
        socket_id: str | None, channel: str | None, event: str | None
    ) -> Callable[[Delivery], bool]:
        return lambda d: (
            (socket_id is None or d.socket_id == socket_id)
            and (channel is None or d.frame.channel == channel)
            and (event is None or d.frame.event == event)
        )

    def record_deliveries(self, socket_ids: Sequence[str], frame: Frame) -> None:
        """One frame delivered to ``socket_ids``: recorded as one run, each delivery made
        when first read (a fan-out to thousands is mostly dropped unread by a full log)."""
        if not socket_ids:
            return
        size = len(frame.text) + (len(frame.data) if isinstance(frame.data, str) else 0)
        if len(socket_ids) < _LAZY_FROM:  # a run would weigh more than the deliveries
            self.deliveries.extend([Delivery(socket_id, frame, size if i == 0 else 0)
                                    for i, socket_id in enumerate(socket_ids)])
            return

        def build(i: int) -> Delivery:
            return Delivery(socket_ids[i], frame, size if i == 0 else 0)

        weights = chain((_RECORD_OVERHEAD + size,),
                        repeat(_RECORD_OVERHEAD, len(socket_ids) - 1))
        self.deliveries.extend_lazily(len(socket_ids), build, weights)

    # -- webhooks ---------------------------------------------------------------------

    def webhook_events(self, name: str | None = None) -> list[dict[str, Any]]:
        """Events of webhooks that were delivered (2xx), in order, optionally by name."""
        return [
            e for attempt in self.webhooks if attempt.ok for e in attempt.events
            if name is None or e.get("name") == name
        ]

    async def wait_for_webhook(
        self, name: str | None = None, *, ok: bool | None = True, count: int = 1,
        timeout: float = 5.0,
    ) -> list[WebhookAttempt]:
        def predicate(a: WebhookAttempt) -> bool:
            return (ok is None or a.ok == ok) and (
                name is None or any(e.get("name") == name for e in a.events)
            )

        return await self.webhooks.wait_for(predicate, count=count, timeout=timeout)


__all__ = [
    "DEFAULT_BYTES",
    "DEFAULT_LIMIT",
    "ClientEvent",
    "Delivery",
    "PusherRecorder",
    "TriggeredEvent",
    "WebhookAttempt",
]
