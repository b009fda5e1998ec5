"""Running the Lavalink matrix: one :class:`Session` per library (a twin on a virtual
clock and the library's driver, in an event loop of their own), reused by every scenario
of that library; the driver leaves voice between scenarios."""

from __future__ import annotations

import asyncio
from typing import Any

from wiretwin.runtime.threads import LoopThread

from .harness import LavalinkCase
from .libraries import LavalinkLibrary
from .scenarios import BODIES

#: A whole scenario's limit (each wait inside has its own, shorter one).
SCENARIO_TIMEOUT = 30.0


class Session:
    def __init__(self, entry: LavalinkLibrary) -> None:
        self.entry = entry
        self.thread = LoopThread(name=f"matrix-{entry.library.name}")
        self.case = LavalinkCase(discord=entry.discord)
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
        self.thread.run(self._run(scenario), timeout=SCENARIO_TIMEOUT + 5)

    async def _run(self, scenario: str) -> None:
        try:
            async with asyncio.timeout(SCENARIO_TIMEOUT):
                await BODIES[scenario](self.case, self.driver)
        finally:
            async with asyncio.timeout(SCENARIO_TIMEOUT):
                await self.driver.reset()

    def close(self) -> None:
        try:
            if self._started:
                self.thread.run(self._close(), timeout=SCENARIO_TIMEOUT)
        finally:
            self._started = False
            self.thread.stop()

    async def _close(self) -> None:
        try:
            if self.driver is not None:
                await self.driver.close()
        finally:
            await self.case.close()
