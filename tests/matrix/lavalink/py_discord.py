"""The drivers of wavelink and mafic, whose players are discord.py voice protocols: the
client is logged in to the case's Discord twin, which answers a join (op 4) as Discord
does; what the libraries dispatch through the client is recorded as the scenarios'
lines."""

from __future__ import annotations

import contextlib
from typing import Any

import mafic
import wavelink

from wiretwin.drivers import mafic as mafic_drivers
from wiretwin.drivers import wavelink as wavelink_drivers
from wiretwin.drivers.discord_voice import discord_voice_client

from .driver import TIMEOUT, Lines, left_voice, load_result, search_words
from .harness import CHANNEL, GUILD, LavalinkCase
from .py_driver import PythonDriver


class WavelinkDriver(PythonDriver):
    """wavelink 3: a ``wavelink.Node`` in ``wavelink.Pool``, its client logged in to the
    case's Discord twin; players join through discord.py (``channel.connect``)."""

    def __init__(self, client: Any, node: Any, lines: Lines,
                 stack: contextlib.AsyncExitStack) -> None:
        self.client, self.node, self.lines, self._stack = client, node, lines, stack
        self.session_id = str(node.session_id)
        self.player: Any = None

    @classmethod
    async def open(cls, case: LavalinkCase) -> WavelinkDriver:
        assert case.discord is not None
        lines = Lines("wavelink")

        class Client(wavelink_drivers.WavelinkClient):
            def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
                payload: Any = args[0] if args else None
                if event == "wavelink_node_ready":
                    lines.add(type="ready", session_id=payload.session_id,
                              resumed=bool(payload.resumed))
                elif event == "wavelink_track_start":
                    lines.add(type="start", title=payload.track.title)
                elif event == "wavelink_track_end":
                    lines.add(type="end", title=payload.track.title,
                              reason=str(payload.reason))
                elif event == "wavelink_player_update":
                    lines.add(type="update", position=payload.position)
                super().dispatch(event, *args, **kwargs)

        async with contextlib.AsyncExitStack() as stack:
            client = await stack.enter_async_context(discord_voice_client(case.discord,
                                                                          Client))
            stack.push_async_callback(wavelink_drivers.close_pool)
            node = await wavelink_drivers.connect_node(client, case.twin, timeout=TIMEOUT)
            return cls(client, node, lines, stack.pop_all())

    async def _search(self, identifier: str) -> Any:
        words, search = search_words(identifier)
        # wavelink's default source is YouTube Music (ytmsearch:): the search names its own
        return await wavelink.Playable.search(
            words, source=wavelink.TrackSource.YouTube if search else None)

    async def load(self, identifier: str) -> dict[str, Any]:
        try:
            found = await self._search(identifier)
        except wavelink.LavalinkLoadException as exc:
            return load_result("error", [], error=str(exc.error))
        if isinstance(found, wavelink.Playlist):
            return load_result("playlist", [t.title for t in found.tracks], found.name)
        if not found:
            return load_result("empty", [])
        # a list for a track and for a search alike (no loadType)
        return load_result("search" if search_words(identifier)[1] else "track",
                           [t.title for t in found])

    async def _one(self, identifier: str) -> Any:
        found: Any = await self._search(identifier)
        return found[0]

    async def join(self, guild: int) -> None:
        await left_voice(self.client, self.client.get_guild(guild))
        self.player = await wavelink_drivers.connect_player(self.client, guild, CHANNEL,
                                                            timeout=TIMEOUT)

    async def queue(self, guild: int, identifiers: list[str]) -> None:
        first, *rest = [await self._one(i) for i in identifiers]
        self.player.autoplay = wavelink.AutoPlayMode.partial
        for track in rest:
            self.player.queue.put(track)
        await self.player.play(first)

    async def pause(self, paused: bool) -> None:
        await self.player.pause(paused)

    async def timescale(self, speed: float) -> None:
        filters = self.player.filters
        filters.timescale.set(speed=speed, pitch=1.0, rate=1.0)
        await self.player.set_filters(filters)

    async def enable_resuming(self) -> None:
        """wavelink PATCHes the session resumable on ready (resume_timeout 60 s)."""

    async def reset(self) -> None:
        if self.player is not None:
            await self.player.disconnect()
        self.player = None
        self.lines.clear()

    async def close(self) -> None:
        await self._stack.aclose()


class MaficDriver(PythonDriver):
    """mafic 2: a node in its NodePool, its client logged in to the case's Discord twin;
    players join through discord.py (``channel.connect``)."""

    def __init__(self, bot: mafic_drivers.MaficBot, lines: Lines,
                 stack: contextlib.AsyncExitStack) -> None:
        self.bot, self.lines, self._stack = bot, lines, stack
        self.session_id = str(bot.node.session_id)
        self.player: Any = None
        self.player_class: type[mafic_drivers.RecordingPlayer] = mafic_drivers.RecordingPlayer
        self.queued: list[Any] = []

    @classmethod
    async def open(cls, case: LavalinkCase) -> MaficDriver:
        assert case.discord is not None
        lines = Lines("mafic")
        async with contextlib.AsyncExitStack() as stack:
            bot = await stack.enter_async_context(mafic_drivers.MaficBot.start(
                case.twin, case.discord, guild_id=GUILD, channel_id=CHANNEL))
            driver = cls(bot, lines, stack.pop_all())
        lines.add(type="ready", session_id=driver.session_id, resumed=False)

        # discord.py's own way to handle a client's events (mafic dispatches through it)
        async def on_node_ready(node: Any) -> None:
            lines.add(type="ready", session_id=node.session_id,
                      resumed=node.session_id == driver.session_id)

        async def on_track_start(event: Any) -> None:
            lines.add(type="start", title=event.track.title)

        async def on_track_end(event: Any) -> None:
            reason = str(getattr(event.reason, "value", event.reason))
            lines.add(type="end", title=event.track.title, reason=reason)
            # mafic has no queue: the driver plays the next track, as a bot does
            if reason == "finished" and driver.queued:
                await event.player.play(driver.queued.pop(0))

        for handler in (on_node_ready, on_track_start, on_track_end):
            bot.client.event(handler)

        class Player(mafic_drivers.RecordingPlayer):
            # mafic dispatches no event for playerUpdate: the state it takes is recorded
            def update_state(self, state: Any) -> None:
                super().update_state(state)
                lines.add(type="update", position=int(state["position"]))

        driver.player_class = Player
        return driver

    async def load(self, identifier: str) -> dict[str, Any]:
        words, search = search_words(identifier)
        try:
            found = await self.bot.node.fetch_tracks(words, search_type="ytsearch")
        except mafic.TrackLoadException as exc:
            return load_result("error", [], error=exc.message)
        if isinstance(found, mafic.Playlist):
            return load_result("playlist", [t.title for t in found.tracks], found.name)
        if not found:
            return load_result("empty", [])
        return load_result("search" if search else "track", [t.title for t in found])

    async def _one(self, identifier: str) -> Any:
        found: Any = await self.bot.node.fetch_tracks(search_words(identifier)[0],
                                                      search_type="ytsearch")
        return found[0]

    async def join(self, guild: int) -> None:
        await left_voice(self.bot.client, self.bot.guild)
        self.player = await mafic_drivers.connect_player(self.bot.channel, timeout=TIMEOUT,
                                                         cls=self.player_class)

    async def queue(self, guild: int, identifiers: list[str]) -> None:
        first, *self.queued = [await self._one(i) for i in identifiers]
        await self.player.play(first)

    async def pause(self, paused: bool) -> None:
        await self.player.pause(paused)

    async def timescale(self, speed: float) -> None:
        await self.player.add_filter(mafic.Filter(timescale=mafic.Timescale(speed=speed)),
                                     label="speed", fast_apply=True)

    async def enable_resuming(self) -> None:
        """mafic's node asks for resuming (a 60 s timeout) on ready by itself."""

    async def reset(self) -> None:
        if self.player is not None:
            await self.player.disconnect(force=True)
        self.player = None
        self.queued = []
        self.lines.clear()

    async def close(self) -> None:
        await self._stack.aclose()
