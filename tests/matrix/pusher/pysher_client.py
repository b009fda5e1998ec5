"""The driver for Pysher (Python websocket client, protocol 6).

Each named instance is one ``pysher.Pusher`` (the e2e suite's :class:`PysherDriver`,
which records Pysher's callbacks and shuts it down cleanly). Pysher signs private and
presence subscriptions itself with the app secret; it has no auth endpoint, no user
sign-in and no decryption.

Pysher's ``subscribe`` sends the frame before it makes the channel object, so a
subscription made from another thread can lose its own ``subscription_succeeded``. The
driver therefore subscribes in Pysher's own thread: it queues the subscription, sends a
``pusher:ping`` and subscribes from the ``pusher:pong`` callback, where no frame can be
handled in between.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

from tests.e2e.pusher.pysher_driver import PysherDriver

from .harness import TIMEOUT, PusherCase

#: Pysher waits this long before it reconnects after a close it did not expect.
RECONNECT_INTERVAL = 1


class PysherClient:
    def __init__(self, case: PusherCase) -> None:
        self.case = case
        self.drivers: dict[str, PysherDriver] = {}
        self._pending: dict[str, list[Callable[[], None]]] = {}
        self._lock = threading.Lock()
        self._taken: dict[tuple[str, str, str], int] = {}

    async def connect(self, client: str, user: str = "") -> str:
        overrides: dict[str, Any] = {"reconnect_interval": RECONNECT_INTERVAL}
        if user:
            overrides["user_data"] = {"user_id": user, "user_info": {"name": user.title()}}
        driver = PysherDriver(self.case.twin, **overrides)
        self.drivers[client] = driver
        self._pending[client] = []
        driver.connection.bind("pusher:pong", self._run_pending, client)
        return await asyncio.to_thread(driver.start)

    def _run_pending(self, _data: Any, client: str) -> None:
        with self._lock:
            actions, self._pending[client] = self._pending[client], []
        for action in actions:
            action()

    async def _in_pysher_thread(self, client: str, action: Callable[[], None]) -> None:
        done = threading.Event()

        def run() -> None:
            action()
            done.set()

        with self._lock:
            self._pending[client].append(run)
        self.drivers[client].connection.send_event("pusher:ping", "")
        if not await asyncio.to_thread(done.wait, TIMEOUT):
            raise AssertionError("Pysher never answered its ping (its thread is stuck)")

    async def subscribe(self, client: str, channel: str, events: tuple[str, ...] = ()
                        ) -> dict[str, Any]:
        driver = self.drivers[client]

        def subscribe() -> None:
            ch = driver.pusher.subscribe(channel)
            for event in ("pusher_internal:subscription_succeeded",
                          "pusher_internal:member_added", *events):
                ch.bind(event, driver._record, channel, event)
            self._bind_all(driver, ch, channel)

        await self._in_pysher_thread(client, subscribe)
        seen = await asyncio.to_thread(
            driver.wait, "pusher_internal:subscription_succeeded", channel=channel)
        data = json.loads(seen[0].data) if isinstance(seen[0].data, str) else seen[0].data
        members: dict[str, Any] = (data or {}).get("presence", {}).get("hash", {})
        return members

    @staticmethod
    def _bind_all(driver: PysherDriver, ch: Any, channel: str) -> None:
        # Pysher has no bind_global: it calls back by event name, so every event the
        # scenarios wait for is bound up front.
        for event in ("greeting", "client-typing", "fence", "headline", "first", "second",
                      "third", "kick", "after"):
            ch.bind(event, driver._record, channel, event)

    async def event(self, client: str, channel: str, event: str) -> Any:
        driver = self.drivers[client]
        name = "pusher_internal:member_added" if event == "pusher:member_added" else event
        # The n-th call for an event waits for its n-th arrival (as the JS drivers do).
        taken = self._taken.get((client, channel, name), 0) + 1
        self._taken[(client, channel, name)] = taken
        seen = await asyncio.to_thread(driver.wait, name, channel=channel, count=taken,
                                       timeout=TIMEOUT)
        raw = seen[taken - 1].data
        data = json.loads(raw) if isinstance(raw, str) and raw else raw
        if name == "pusher_internal:member_added":
            return data.get("user_info")
        return data

    async def client_event(self, client: str, channel: str, event: str, data: Any) -> None:
        self.drivers[client].pusher.channels[channel].trigger(event, data)

    async def signin(self, client: str) -> None:
        raise AssertionError("unreachable: Pysher has no sign-in")

    async def user_event(self, client: str, event: str) -> Any:
        raise AssertionError("unreachable: Pysher has no sign-in")

    async def reconnected(self, client: str) -> str:
        driver = self.drivers[client]
        return await asyncio.to_thread(driver.reconnected, len(driver.socket_ids) + 1,
                                       TIMEOUT)

    def saw(self, client: str, channel: str, event: str) -> bool:
        return bool(self.drivers[client].seen_events(event, channel))

    async def reset(self) -> None:
        drivers, self.drivers = list(self.drivers.values()), {}
        self._pending.clear()
        self._taken = {}
        for driver in drivers:
            await asyncio.to_thread(driver.stop)

    async def close(self) -> None:
        await self.reset()
