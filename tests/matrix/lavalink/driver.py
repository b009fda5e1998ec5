"""What a Lavalink matrix driver offers the scenarios, and the event lines it reports.

A driver wraps one client library. Its calls (``load``, ``join``, ``pause``...) return
once the library's own call returned; what the library *reported* (its events) comes as
lines, normalised to a few shapes the scenarios wait on with :meth:`Lines.expect`:

* ``{"type": "ready", "session_id": ..., "resumed": bool}``
* ``{"type": "start", "title": ...}``, ``{"type": "end", "title": ..., "reason": ...}``
* ``{"type": "update", "position": ...}`` (a playerUpdate's position, as received)

The Node clients print these lines themselves (js/driver.mjs); the Python drivers record
them from their libraries' events.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Protocol

Line = dict[str, Any]
#: How long one wait in a scenario may take (reached only when the scenario fails).
TIMEOUT = 8.0


class LavalinkDriver(Protocol):
    session_id: str

    async def expect(self, **match: Any) -> Line: ...
    async def reconnected(self, case: Any, since: int) -> Line: ...
    async def load(self, identifier: str) -> dict[str, Any]: ...
    async def join(self, guild: int) -> None: ...
    async def play(self, guild: int, identifier: str) -> None: ...
    async def queue(self, guild: int, identifiers: list[str]) -> None: ...
    async def pause(self, paused: bool) -> None: ...
    async def seek(self, position: int) -> None: ...
    async def volume(self, volume: int) -> None: ...
    async def timescale(self, speed: float) -> None: ...
    async def enable_resuming(self) -> None: ...
    async def reset(self) -> None: ...
    async def close(self) -> None: ...


class Lines:
    """Event lines a Python driver records; :meth:`expect` takes the first one not yet
    taken that matches, waiting for it (woken by :meth:`add`, never polling)."""

    def __init__(self, who: str) -> None:
        self.who = who
        self.lines: list[Line] = []
        self._taken: set[int] = set()
        self._changed = asyncio.Event()

    def add(self, **line: Any) -> None:
        self.lines.append(line)
        self._changed.set()

    async def expect(self, **match: Any) -> Line:
        async def find() -> Line:
            while True:
                for index, line in enumerate(self.lines):
                    if index not in self._taken and all(
                            k in line and line[k] == v for k, v in match.items()):
                        self._taken.add(index)
                        return line
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(find(), TIMEOUT)
        except TimeoutError:
            shown = "\n".join(f"  {json.dumps(line, default=str)[:200]}"
                              for line in self.lines[-20:])
            raise AssertionError(f"{self.who} never reported {match}; it reported:\n"
                                 f"{shown or '  (nothing)'}") from None

    def seen(self, **match: Any) -> list[Line]:
        """Every line so far matching ``match`` (taken or not)."""
        return [line for line in self.lines
                if all(k in line and line[k] == v for k, v in match.items())]

    def take_all(self) -> None:
        """Mark every line so far as taken (only later ones answer :meth:`expect`)."""
        self._taken.update(range(len(self.lines)))

    def clear(self) -> None:
        self.lines.clear()
        self._taken.clear()


def load_result(load_type: str, titles: list[str], playlist: str | None = None,
                error: str | None = None) -> dict[str, Any]:
    """A load as the scenarios compare it (the library's own names mapped to Lavalink's
    ``loadType`` values)."""
    return {"loadType": load_type, "titles": titles, "playlist": playlist, "error": error}


async def left_voice(client: Any, guild: Any) -> None:
    """Wait until Discord's answer to the bot's last leave reached discord.py (a join sent
    before it would be handed that leave)."""
    me = guild.me
    if guild.voice_client is None and me.voice is not None:
        await client.wait_for("voice_state_update", timeout=TIMEOUT,
                              check=lambda member, before, after: member.id == me.id
                              and after.channel is None)


def search_words(identifier: str) -> tuple[str, bool]:
    """A ``ytsearch:`` query's words (libraries that add their own prefix take them)."""
    if identifier.startswith("ytsearch:"):
        return identifier.removeprefix("ytsearch:"), True
    return identifier, False
