"""Driving the real Pysher 1.0.8 from tests: :class:`PysherDriver` records every callback
Pysher makes (from its own thread) in waitable logs and shuts Pysher down cleanly; the
``pysher_client`` fixture (registered in conftest.py) builds drivers and stops them.

Pysher facts this leans on are in test_pysher.py's docstring.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pysher
import pytest

from wiretwin.pusher import PusherTwin
from wiretwin.runtime.waiters import WaitableLog

TIMEOUT = 5.0

#: Long enough that a test waiting TIMEOUT for a reconnect can only see an immediate one.
NEVER = 3600


@dataclass(frozen=True)
class Seen:
    """One callback Pysher made: ``channel`` is None for connection events."""

    channel: str | None
    event: str
    data: Any


@dataclass
class Plan:
    """A channel to subscribe (in Pysher's thread) and the events to bind on it."""

    channel: str
    events: tuple[str, ...]
    #: Subscribe again on every reconnect (Pysher resubscribes private channels unsigned).
    resubscribe: bool = False


class PysherDriver:
    """One real ``pysher.Pusher``, its callbacks recorded, and a clean shutdown."""

    CONNECTION_EVENTS = ("pusher:connection_established", "pusher:error", "pusher:ping",
                         "pusher:pong")

    def __init__(self, twin: PusherTwin, **overrides: Any) -> None:
        kwargs = {**twin.settings()["pysher"], "auto_sub": True, **overrides}
        self.pusher = pysher.Pusher(**kwargs)
        self.connection = self.pusher.connection
        self.seen: WaitableLog[Seen] = WaitableLog(
            lambda s: f"{s.channel or '-'} {s.event} {s.data!r:.120}")
        self.socket_ids: WaitableLog[str] = WaitableLog()
        self.closes: WaitableLog[int | None] = WaitableLog()
        self.plans: list[Plan] = []
        self._stopped = False
        for event in self.CONNECTION_EVENTS:
            self.connection.bind(event, self._record, None, event)
        self.connection.bind("pusher:connection_established", self._established)
        # Observe the close code websocket-client hands Pysher (Pysher itself ignores it).
        on_close = self.connection._on_close

        def closed(*args: Any) -> None:
            self.closes.append(args[1] if len(args) > 1 else None)
            on_close(*args)

        self.connection._on_close = closed
        # Pysher's scheduler thread sleeps up to 30 s at a time; let the teardown wake it.
        self._wake = threading.Event()
        self.connection.timeout_scheduler.delayfunc = (
            lambda seconds: self._wake.wait(min(seconds, 30)))

    # -- setup ------------------------------------------------------------------------

    def plan(self, channel: str, *events: str, resubscribe: bool = False) -> PysherDriver:
        """Subscribe ``channel`` once connected (and bind ``subscription_succeeded``)."""
        bound = ("pusher_internal:subscription_succeeded", *events)
        self.plans.append(Plan(channel, bound, resubscribe))
        return self

    def start(self) -> str:
        """Connect; return the first socket id once every planned subscription was sent."""
        self.pusher.connect()
        return self.socket_ids.wait_for_sync(lambda s: True, timeout=TIMEOUT)[0]

    # -- Pysher's thread ----------------------------------------------------------------

    def _record(self, data: Any, channel: str | None, event: str) -> None:
        self.seen.append(Seen(channel, event, data))

    def _established(self, data: str) -> None:
        # Pysher's own handler ran first: connection.socket_id is the new id, and on a
        # reconnect its auto_sub handler has already resubscribed every channel.
        first = len(self.socket_ids) == 0
        for plan in self.plans:
            if first or plan.resubscribe:
                channel = self.pusher.subscribe(plan.channel)
                for event in plan.events:
                    channel.bind(event, self._record, plan.channel, event)
        self.socket_ids.append(json.loads(data)["socket_id"])

    # -- waiting ----------------------------------------------------------------------

    def wait(self, event: str, *, channel: str | None = None, count: int = 1,
             timeout: float = TIMEOUT) -> list[Seen]:
        return self.seen.wait_for_sync(
            lambda s: s.event == event and (channel is None or s.channel == channel),
            count=count, timeout=timeout)

    def seen_events(self, event: str, channel: str | None = None) -> list[Seen]:
        return [s for s in self.seen
                if s.event == event and (channel is None or s.channel == channel)]

    def reconnected(self, count: int = 2, timeout: float = TIMEOUT) -> str:
        """The socket id of connection number ``count`` (waiting for it)."""
        return self.socket_ids.wait_for_sync(lambda s: True, count=count,
                                             timeout=timeout)[count - 1]

    def wait_thread_ended(self, timeout: float = TIMEOUT) -> None:
        self.connection.join(timeout)
        assert not self.connection.is_alive(), "Pysher's thread is still running"

    # -- teardown ---------------------------------------------------------------------

    def stop(self) -> None:
        """Disconnect Pysher and make sure both of its threads are gone.

        ``Pusher.disconnect()`` alone is not enough: it closes the websocket from this
        thread, which reads the twin's close reply itself, while Pysher's thread stays in
        websocket-client's ``select`` for up to its 100 s ``ping_timeout``. Shutting the
        TCP socket down first wakes that thread, which then tears down and, with
        ``disconnect_called`` set, does not reconnect.
        """
        if self._stopped:
            return
        self._stopped = True
        conn = self.connection
        if conn.ident is not None:
            conn.needs_reconnect = False
            conn.disconnect_called = True
            app = conn.socket
            ws = getattr(app, "sock", None)
            raw = getattr(ws, "sock", None)
            if raw is not None:
                with contextlib.suppress(OSError):  # already closed
                    raw.shutdown(socket.SHUT_RDWR)
            conn.join(TIMEOUT)
            self.pusher.disconnect(timeout=TIMEOUT)
        conn._stop_timers()
        self._wake.set()
        scheduler = conn.timeout_scheduler_thread
        if scheduler is not None:
            scheduler.join(TIMEOUT)
        assert not conn.is_alive(), "Pysher's connection thread outlived disconnect()"
        assert scheduler is None or not scheduler.is_alive(), "Pysher's scheduler leaked"


PysherFactory = Callable[..., PysherDriver]


@pytest.fixture
def pysher_client(pusher_twin: PusherTwin) -> Iterator[PysherFactory]:
    """Build Pysher drivers (for ``pusher_twin`` unless given a twin); all stopped after."""
    drivers: list[PysherDriver] = []

    def make(twin: PusherTwin | None = None, **overrides: Any) -> PysherDriver:
        driver = PysherDriver(twin or pusher_twin, **overrides)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.stop()
