"""Running the Lavalink matrix: one :class:`Session` per library (a twin on a virtual
clock and the library's driver, in an event loop of their own), reused by every scenario
of that library; the driver leaves voice between scenarios."""

from __future__ import annotations

import asyncio
from typing import Any

from ..session import LoopSession
from .harness import LavalinkCase
from .libraries import LavalinkLibrary
from .scenarios import BODIES


class Session(LoopSession[LavalinkLibrary]):
    timeout = 30.0

    def __init__(self, entry: LavalinkLibrary) -> None:
        super().__init__(entry)
        self.case = LavalinkCase(discord=entry.discord)
        self.driver: Any = None

    async def _open(self) -> None:
        await self.case.open()
        self.driver = await self.entry.open(self.case)

    async def _run(self, scenario: str) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await BODIES[scenario](self.case, self.driver)
        finally:
            async with asyncio.timeout(self.timeout):
                await self.driver.reset()

    async def _close(self) -> None:
        try:
            if self.driver is not None:
                await self.driver.close()
        finally:
            await self.case.close()
