"""Running the Pusher matrix: one :class:`Session` per library (a twin, the auth
endpoint and the library's driver, in an event loop of their own), reused by every
scenario of that library with a reset in between."""

from __future__ import annotations

import asyncio
from typing import Any

from wiretwin.runtime.threads import LoopThread

from ..core import Unsupported
from .client_scenarios import CLIENT_SCENARIOS
from .harness import PusherCase
from .libraries import PusherLibrary
from .server_scenarios import SERVER_SCENARIOS

#: A whole scenario's limit (each wait inside has its own, shorter one).
SCENARIO_TIMEOUT = 40.0


class Session:
    def __init__(self, entry: PusherLibrary) -> None:
        self.entry = entry
        self.thread = LoopThread(name=f"matrix-{entry.library.name}")
        self.case = PusherCase()
        self.driver: Any = None
        self._started = False

    def open(self) -> None:
        self.thread.start()
        self._started = True
        try:
            self.thread.run(self._open(), timeout=SCENARIO_TIMEOUT)
        except BaseException:
            self.close()
            raise

    async def _open(self) -> None:
        await self.case.open()
        self.driver = await self.entry.open(self.case)

    def run(self, scenario: str) -> None:
        """Run one scenario; raises what failed (:class:`Unsupported` when the library's
        side has no such scenario)."""
        self.thread.run(self._run(scenario), timeout=SCENARIO_TIMEOUT + 5)

    async def _run(self, scenario: str) -> None:
        table: dict[str, Any] = (CLIENT_SCENARIOS if self.entry.side == "client"
                                 else SERVER_SCENARIOS)
        body = table.get(scenario)
        if body is None:
            raise Unsupported(f"no {self.entry.side} side for {scenario}")
        try:
            async with asyncio.timeout(SCENARIO_TIMEOUT):
                await body(self.case, self.driver)
        finally:
            if hasattr(self.driver, "reset"):
                await self.driver.reset()
            await self.case.reset()

    def close(self) -> None:
        try:
            if self._started:
                self.thread.run(self._close(), timeout=SCENARIO_TIMEOUT)
        finally:
            self._started = False
            self.thread.stop()

    async def _close(self) -> None:
        if self.driver is not None:
            await self.driver.close()
        await self.case.close()
