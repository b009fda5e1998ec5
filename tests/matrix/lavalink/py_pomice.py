"""pomice's driver: a node on the twin, its bot logged in to the case's Discord twin,
players joining through discord.py (``channel.connect``), which the Discord twin answers
as Discord does."""

from __future__ import annotations

import contextlib
from typing import Any

import pomice

from wiretwin.drivers import pomice as pomice_drivers

from ..core import Unsupported
from .driver import TIMEOUT, Line, Lines, load_result
from .harness import CHANNEL, LavalinkCase
from .py_driver import PythonDriver


class PomiceDriver(PythonDriver):
    """pomice: a node on the twin, its bot logged in to the case's Discord twin, players
    joining through discord.py (``channel.connect``)."""

    def __init__(self, rig: pomice_drivers.PomiceRig, stack: contextlib.AsyncExitStack
                 ) -> None:
        self.rig, self._stack = rig, stack
        self.lines = Lines("pomice")
        self.session_id = str(rig.node._session_id)
        self.lines.add(type="ready", session_id=self.session_id, resumed=False)
        self.player: Any = None
        self.queued: Any = pomice.Queue()
        lines = self.lines

        class RecordingPlayer(pomice_drivers.TwinPlayer):
            async def _update_state(self, data: dict[str, Any]) -> None:
                await super()._update_state(data)
                lines.add(type="update", position=int(data.get("state", {}).get("position", 0)))

        self.player_class = RecordingPlayer
        rig.bot.add_listener(self._start, "on_pomice_track_start")
        rig.bot.add_listener(self._end, "on_pomice_track_end")

    @classmethod
    async def open(cls, case: LavalinkCase) -> PomiceDriver:
        async with contextlib.AsyncExitStack() as stack:
            rig = await stack.enter_async_context(
                pomice_drivers.pomice_node(case.twin, case.discord, timeout=TIMEOUT))
            return cls(rig, stack.pop_all())

    async def _start(self, player: Any, track: Any) -> None:
        self.lines.add(type="start", title=track.title)

    async def _end(self, player: Any, track: Any, reason: str) -> None:
        self.lines.add(type="end", title=track.title if track else None, reason=str(reason))
        # pomice's Queue is a container: a bot plays the next track on track_end.
        if reason == "finished" and not self.queued.is_empty:
            await player.play(self.queued.get())

    async def reconnected(self, case: LavalinkCase, since: int) -> Line:
        raise Unsupported("pomice sends no Session-Id")

    async def load(self, identifier: str) -> dict[str, Any]:
        try:
            found = await self.rig.node.get_tracks(identifier, search_type=None)
        except pomice.TrackLoadError as exc:
            # its message is the node's, with " [severity]" after it
            return load_result("error", [], error=str(exc).rsplit(" [", 1)[0])
        if found is None:
            return load_result("empty", [])
        if isinstance(found, pomice.Playlist):
            return load_result("playlist", [t.title for t in found.tracks], found.name)
        # pomice returns a list for a track and for a search alike (no loadType)
        kind = "search" if identifier.startswith("ytsearch:") else "track"
        return load_result(kind, [t.title for t in found])

    async def _one(self, identifier: str) -> Any:
        found: Any = await self.rig.node.get_tracks(identifier, search_type=None)
        return found[0]

    async def join(self, guild: int) -> None:
        self.player = await pomice_drivers.connect_player(
            self.rig.node, CHANNEL, cls=self.player_class, timeout=TIMEOUT)

    async def queue(self, guild: int, identifiers: list[str]) -> None:
        first, *rest = [await self._one(i) for i in identifiers]
        for track in rest:
            self.queued.put(track)
        await self.player.play(first)

    async def pause(self, paused: bool) -> None:
        await self.player.set_pause(paused)

    async def timescale(self, speed: float) -> None:
        await self.player.add_filter(pomice.Timescale(tag="speed", speed=speed, pitch=1.0,
                                                      rate=1.0))

    async def enable_resuming(self) -> None:
        raise Unsupported("pomice sends no Session-Id")

    async def reset(self) -> None:
        if self.player is not None:
            await self.player.destroy()
        self.player = None
        self.queued = pomice.Queue()
        self.lines.clear()

    async def close(self) -> None:
        await self._stack.aclose()
