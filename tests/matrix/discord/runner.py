"""Running the Discord matrix: one :class:`Session` per library (a twin with its world
and the library's logged-in bot, in an event loop of its own), reused by every scenario
of that library with a reset in between."""

from __future__ import annotations

import asyncio

from wiretwin.runtime.threads import LoopThread

from ..core import Unsupported
from .checks import BODIES
from .harness import DiscordCase
from .libraries import DiscordLibrary

#: A whole scenario's limit (each wait inside has its own, shorter one).
SCENARIO_TIMEOUT = 60.0


class Session:
    def __init__(self, entry: DiscordLibrary) -> None:
        self.entry = entry
        self.thread = LoopThread(name=f"matrix-{entry.library.name}")
        self.case = DiscordCase(entry.command)
        self._started = False

    def open(self) -> None:
        self.thread.start()
        self._started = True
        try:
            self.thread.run(self.case.open(), timeout=SCENARIO_TIMEOUT)
        except BaseException:
            self.close()
            raise

    def run(self, scenario: str) -> None:
        """Run one scenario; raises what failed."""
        self.thread.run(self._run(scenario), timeout=SCENARIO_TIMEOUT + 5)

    async def _run(self, scenario: str) -> None:
        body = BODIES.get(scenario)
        if body is None:
            raise Unsupported(f"no scenario {scenario}")
        try:
            async with asyncio.timeout(SCENARIO_TIMEOUT):
                await body(self.case)
            bot = self.case.bot
            errors = bot.errors() if bot is not None else []
            assert not errors, f"the bot reported: {errors[0].get('message', '')[:240]}"
        finally:
            await self.case.reset()

    def close(self) -> None:
        try:
            if self._started:
                self.thread.run(self.case.close(), timeout=SCENARIO_TIMEOUT)
        finally:
            self._started = False
            self.thread.stop()
