"""lavalink.py's driver: ``lavalink.Client`` with one node on the twin, its voice as the
raw gateway dispatches a bot hands to ``voice_update_handler`` (made up here, as
:class:`~wiretwin.drivers.payloads.VoiceSession` gives them); its events come through an
event hook and are recorded as the scenarios' lines."""

from __future__ import annotations

from typing import Any

from lavalink.events import (
    NodeReadyEvent,
    PlayerUpdateEvent,
    TrackEndEvent,
    TrackStartEvent,
)
from lavalink.filters import Timescale

from wiretwin.drivers import lavalink_py
from wiretwin.drivers.payloads import VoiceSession

from .driver import TIMEOUT, Lines, load_result
from .harness import CHANNEL, GUILD, LavalinkCase
from .py_driver import PythonDriver


class LavalinkPyDriver(PythonDriver):
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

    async def queue(self, guild: int, identifiers: list[str]) -> None:
        for identifier in identifiers:
            self.player.add(await self._one(identifier))
        await self.player.play()

    async def pause(self, paused: bool) -> None:
        await self.player.set_pause(paused)

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
