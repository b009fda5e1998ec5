"""What the Python libraries' drivers (py_lavalink.py, py_discord.py, py_pomice.py) have
in common: the lines they record, a resumed ready, and the player calls every one of
these libraries spells the same way."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from .driver import Line, Lines
from .harness import LavalinkCase
from .js_clients import node_resumed


class PythonDriver(ABC):
    """A Python library's driver: the event lines it records from the library
    (:attr:`lines`) and the library's player in the scenario's guild (:attr:`player`,
    None until it joins)."""

    lines: Lines
    player: Any

    @abstractmethod
    async def _one(self, identifier: str) -> Any:
        """The first track the library loads for ``identifier``."""

    async def expect(self, **match: Any) -> Line:
        return await self.lines.expect(**match)

    async def reconnected(self, case: LavalinkCase, since: int) -> Line:
        await node_resumed(case, since)
        return await self.expect(type="ready", resumed=True)

    async def play(self, guild: int, identifier: str) -> None:
        await self.player.play(await self._one(identifier))

    async def seek(self, position: int) -> None:
        await self.player.seek(position)

    async def volume(self, volume: int) -> None:
        await self.player.set_volume(volume)
