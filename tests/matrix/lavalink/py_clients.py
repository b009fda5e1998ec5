"""Drivers for the Python libraries, on the recipes in :mod:`wiretwin.drivers`.

lavalink.py takes its voice as raw gateway dispatches (``voice_update_handler``), made
up here as :class:`~wiretwin.drivers.payloads.VoiceSession` gives them; its events come
through an event hook. pomice's players are discord.py voice protocols: its bot is
logged in to the case's Discord twin, which answers the join as Discord does. What the
libraries report is recorded as the scenarios' lines.
"""

from __future__ import annotations

import contextlib
from typing import Any

import lavalink
import pomice
from lavalink.events import (
    NodeReadyEvent,
    PlayerUpdateEvent,
    TrackEndEvent,
    TrackStartEvent,
)
from lavalink.filters import Timescale

from wiretwin.drivers import lavalink_py
from wiretwin.drivers import pomice as pomice_drivers
from wiretwin.drivers.payloads import VoiceSession

from ..core import Unsupported
from .driver import TIMEOUT, Line, Lines, load_result
from .harness import CHANNEL, GUILD, LavalinkCase
from .js_clients import _ready_sent


class LavalinkPyDriver:
    """lavalink.py: ``lavalink.Client`` with one node on the twin."""

    def __init__(self, conn: lavalink_py.Connection) -> None:
        self.conn = conn
        self.client: Any = conn.client
        self.lines = Lines("lavalink.py")
        self.session_id = conn.session_id
        self.lines.add(type="ready", session_id=conn.ready.session_id,
                       resumed=bool(conn.ready.resumed))
        self.client.add_event_hook(self._hook)
        self.player: Any = None

    @classmethod
    async def open(cls, case: LavalinkCase) -> LavalinkPyDriver:
        return cls(await lavalink_py.connect(case.twin, timeout=TIMEOUT))

    async def _hook(self, event: Any) -> None:
        if isinstance(event, NodeReadyEvent):
            self.lines.add(type="ready", session_id=event.session_id,
                           resumed=bool(event.resumed))
        elif isinstance(event, TrackStartEvent):
            self.lines.add(type="start", title=event.track.title)
        elif isinstance(event, TrackEndEvent):
            self.lines.add(type="end", title=event.track.title if event.track else None,
                           reason=str(getattr(event.reason, "value", event.reason)))
        elif isinstance(event, PlayerUpdateEvent):
            self.lines.add(type="update", position=event.position)

    async def expect(self, **match: Any) -> Line:
        return await self.lines.expect(**match)

    async def reconnected(self, case: LavalinkCase, since: int) -> Line:
        await case.twin.journal.wait_for(_ready_sent, since=since, timeout=TIMEOUT)
        return await self.expect(type="ready", resumed=True)

    async def _one(self, identifier: str) -> Any:
        return (await self.client.get_tracks(identifier)).tracks[0]

    async def load(self, identifier: str) -> dict[str, Any]:
        result = await self.client.get_tracks(identifier)
        kind = str(getattr(result.load_type, "value", result.load_type))
        return load_result(
            kind, [t.title for t in result.tracks],
            result.playlist_info.name if kind == "playlist" else None,
            result.error.message if kind == "error" and result.error else None)

    async def join(self, guild: int) -> None:
        self.player = self.client.player_manager.create(guild)
        voice = VoiceSession(guild, CHANNEL, user_id=int(self.client._user_id))
        await lavalink_py.feed_voice(self.client, voice.gateway_events())

    async def play(self, guild: int, identifier: str) -> None:
        await self.player.play(await self._one(identifier))

    async def queue(self, guild: int, identifiers: list[str]) -> None:
        for identifier in identifiers:
            self.player.add(await self._one(identifier))
        await self.player.play()

    async def pause(self, paused: bool) -> None:
        await self.player.set_pause(paused)

    async def seek(self, position: int) -> None:
        await self.player.seek(position)

    async def volume(self, volume: int) -> None:
        await self.player.set_volume(volume)

    async def timescale(self, speed: float) -> None:
        await self.player.set_filter(Timescale(speed=speed))

    async def enable_resuming(self) -> None:
        await lavalink_py.enable_resuming(self.conn, timeout=60, wait=TIMEOUT)
        # that restart's own resumed ready is not the one a scenario waits for
        self.lines.take_all()

    async def reset(self) -> None:
        if self.player is not None:
            await self.client.player_manager.destroy(GUILD)
        self.player = None
        self.lines.clear()

    async def close(self) -> None:
        await self.conn.close()


def lavalink_version() -> str:
    return str(lavalink.__version__)


class PomiceDriver:
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
        stack = contextlib.AsyncExitStack()
        try:
            rig = await stack.enter_async_context(
                pomice_drivers.pomice_node(case.twin, case.discord, timeout=TIMEOUT))
        except BaseException:
            await stack.aclose()
            raise
        return cls(rig, stack)

    async def _start(self, player: Any, track: Any) -> None:
        self.lines.add(type="start", title=track.title)

    async def _end(self, player: Any, track: Any, reason: str) -> None:
        self.lines.add(type="end", title=track.title if track else None, reason=str(reason))
        # pomice's Queue is a container: a bot plays the next track on track_end.
        if reason == "finished" and not self.queued.is_empty:
            await player.play(self.queued.get())

    async def expect(self, **match: Any) -> Line:
        return await self.lines.expect(**match)

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

    async def play(self, guild: int, identifier: str) -> None:
        await self.player.play(await self._one(identifier))

    async def queue(self, guild: int, identifiers: list[str]) -> None:
        first, *rest = [await self._one(i) for i in identifiers]
        for track in rest:
            self.queued.put(track)
        await self.player.play(first)

    async def pause(self, paused: bool) -> None:
        await self.player.set_pause(paused)

    async def seek(self, position: int) -> None:
        await self.player.seek(position)

    async def volume(self, volume: int) -> None:
        await self.player.set_volume(volume)

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
