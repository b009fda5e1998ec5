"""Running the Discord matrix: one :class:`Session` per library (a twin with its world
and the library's logged-in bot, in an event loop of its own), reused by every scenario
of that library with a reset in between."""

from __future__ import annotations

import asyncio

from ..core import Unsupported
from ..session import LoopSession
from .checks import BODIES
from .harness import BotProcess, DiscordCase
from .libraries import DiscordLibrary


class Session(LoopSession[DiscordLibrary]):
    timeout = 60.0

    def __init__(self, entry: DiscordLibrary) -> None:
        super().__init__(entry)
        self.case = DiscordCase(entry.command, entry.max_concurrency)
        #: The bot's errors before this scenario (each scenario answers for its own).
        self._errors_from = 0
        self._errors_bot: BotProcess | None = None

    async def _open(self) -> None:
        await self.case.open()

    async def _run(self, scenario: str) -> None:
        body = BODIES.get(scenario)
        if body is None:
            raise Unsupported(f"no scenario {scenario}")
        bot = self._errors_bot = self.case.bot
        self._errors_from = len(bot.errors()) if bot is not None else 0
        try:
            try:
                async with asyncio.timeout(self.timeout):
                    await body(self.case)
            except Exception as exc:
                # What the library raised in the bot says more than the wait that ran out.
                raise AssertionError(f"{_first_line(exc)}{self._reported()}") from exc
            reported = self._reported()
            assert not reported, reported.removeprefix("; ")
        finally:
            await self.case.reset()

    def _reported(self) -> str:
        bot = self.case.bot
        start = self._errors_from if bot is self._errors_bot else 0  # a new bot: all of it
        errors = bot.errors()[start:] if bot is not None else []
        if not errors:
            return ""
        return f"; the bot reported: {_first_line(errors[0].get('message', ''))[:240]}"

    async def _close(self) -> None:
        await self.case.close()


def _first_line(what: object) -> str:
    lines = str(what).strip().splitlines()
    return lines[0] if lines else type(what).__name__
