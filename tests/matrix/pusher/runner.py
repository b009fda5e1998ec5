"""Running the Pusher matrix: one :class:`Session` per library (a twin, the auth
endpoint and the library's driver, in an event loop of their own), reused by every
scenario of that library with a reset in between."""

from __future__ import annotations

import asyncio
from typing import Any

from ..core import Unsupported
from ..session import LoopSession
from .client_scenarios import CLIENT_SCENARIOS
from .harness import PusherCase
from .libraries import PusherLibrary
from .server_scenarios import SERVER_SCENARIOS


class Session(LoopSession[PusherLibrary]):
    timeout = 40.0

    def __init__(self, entry: PusherLibrary) -> None:
        super().__init__(entry)
        self.case = PusherCase()
        self.driver: Any = None

    async def _open(self) -> None:
        await self.case.open()
        self.driver = await self.entry.open(self.case)

    async def _run(self, scenario: str) -> None:
        """Run one scenario; raises what failed (:class:`Unsupported` when the library's
        side has no such scenario)."""
        table: dict[str, Any] = (CLIENT_SCENARIOS if self.entry.side == "client"
                                 else SERVER_SCENARIOS)
        body = table.get(scenario)
        if body is None:
            raise Unsupported(f"no {self.entry.side} side for {scenario}")
        try:
            async with asyncio.timeout(self.timeout):
                await body(self.case, self.driver)
        finally:
            if hasattr(self.driver, "reset"):
                await self.driver.reset()
            await self.case.reset()

    async def _close(self) -> None:
        if self.driver is not None:
            await self.driver.close()
        await self.case.close()
