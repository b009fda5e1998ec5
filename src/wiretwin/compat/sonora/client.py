"""``SonoraClient``: a small Lavalink v4 client with the Sonora client's API.

It speaks Lavalink v4 over the wire (the websocket for the session and events, REST for
players and tracks), so it works against the Lavalink twin (``protocol_simulator``) and
against a real Lavalink node alike. Per guild, a :class:`SonoraPlayer` keeps a
:class:`Queue`, :class:`~.audio.Filters` and an :class:`~.audio.AutoplayEngine`; when a
track finishes, the player moves on to the next queued track (or asks autoplay).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import deque
from dataclasses import dataclass
from typing import Any

import aiohttp

from .audio import AutoplayEngine, Filters

DEFAULT_QUEUE_LIMIT = 10_000


class SonoraError(Exception):
    """Lavalink refused a request: its status, error and message."""

    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else str(body)
        super().__init__(f"Lavalink answered {status}: {message}")
        self.status = status
        self.body = body


class QueueFull(Exception):
    """The queue holds its limit already."""


@dataclass(frozen=True)
class SonoraTrack:
    """A track as Lavalink describes it (``encoded`` and its ``info``)."""

    encoded: str
    info: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.info.get("title", ""))

    @property
    def author(self) -> str:
        return str(self.info.get("author", ""))

    @property
    def identifier(self) -> str:
        return str(self.info.get("identifier", ""))

    @property
    def length(self) -> int:
        return int(self.info.get("length", 0))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SonoraTrack:
        return cls(str(data["encoded"]), dict(data.get("info") or {}))


def _encoded(track: Any) -> str:
    """A track's encoding: a Track-like object, a Lavalink track dict or the string."""
    if track is None:
        raise ValueError("play() needs a track, not None")
    if isinstance(track, str):
        return track
    if isinstance(track, dict) and "encoded" in track:
        return str(track["encoded"])
    encoded = getattr(track, "encoded", None)
    if isinstance(encoded, str):
        return encoded
    raise TypeError(f"not a track: {track!r}")


class Queue:
    """What a player plays next, in order (bounded: ``limit`` tracks)."""

    def __init__(self, *, limit: int = DEFAULT_QUEUE_LIMIT, seed: int = 0) -> None:
        self.limit = limit
        self._tracks: deque[Any] = deque()
        self._rng = random.Random(f"sonora-queue:{seed}")

    @property
    def upcoming(self) -> list[Any]:
        return list(self._tracks)

    def __len__(self) -> int:
        return len(self._tracks)

    async def add(self, track: Any) -> None:
        _encoded(track)  # only tracks go in
        if len(self._tracks) >= self.limit:
            raise QueueFull(f"the queue holds its limit of {self.limit} tracks")
        self._tracks.append(track)

    async def clear(self) -> None:
        self._tracks.clear()

    async def smart_shuffle(self) -> None:
        """Shuffle, then spread out runs of one author where another can go between."""
        tracks = list(self._tracks)
        self._rng.shuffle(tracks)
        for i in range(1, len(tracks)):
            if _author(tracks[i]) == _author(tracks[i - 1]):
                for j in range(i + 1, len(tracks)):
                    if _author(tracks[j]) != _author(tracks[i - 1]):
                        tracks[i], tracks[j] = tracks[j], tracks[i]
                        break
        self._tracks = deque(tracks)

    def next(self) -> Any | None:
        return self._tracks.popleft() if self._tracks else None


def _author(track: Any) -> str:
    return str(getattr(track, "author", "") or "")


class SonoraPlayer:
    """One guild's player on the node."""

    def __init__(self, client: SonoraClient, guild_id: int) -> None:
        self.client = client
        self.guild_id = guild_id
        self.queue = Queue(seed=guild_id)
        self.filters = Filters()
        self.autoplay = AutoplayEngine(guild_id)
        self.current_track: SonoraTrack | None = None
        self.paused = False
        self.volume = 100
        self.position = 0
        self._lock = asyncio.Lock()

    async def _update(self, body: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = await self.client.rest(
            "PATCH", f"/v4/sessions/{self.client.session_id}/players/{self.guild_id}",
            body)
        track = data.get("track")
        self.current_track = SonoraTrack.from_json(track) if track else None
        self.paused = bool(data.get("paused", self.paused))
        self.volume = int(data.get("volume", self.volume))
        return data

    async def play(self, track: Any, *, start: int = 0) -> None:
        body: dict[str, Any] = {"track": {"encoded": _encoded(track)}, "paused": False}
        if start:
            body["position"] = start
        async with self._lock:
            await self._update(body)
        if self.current_track is not None:
            self.autoplay.remember(self.current_track)

    async def connect_voice(self, session_id: str, token: str, endpoint: str,
                            channel_id: int | str) -> None:
        """Hand the node the Discord voice server the bot was given (VOICE_STATE_UPDATE's
        session and channel ids, VOICE_SERVER_UPDATE's token and endpoint): it plays only
        once connected."""
        await self._update({"voice": {"sessionId": session_id, "token": token,
                                      "endpoint": endpoint, "channelId": str(channel_id)}})

    async def pause(self) -> None:
        await self._update({"paused": True})

    async def resume(self) -> None:
        await self._update({"paused": False})

    async def stop(self) -> None:
        await self._update({"track": {"encoded": None}})

    async def skip(self) -> None:
        """Play the next queued track (or autoplay's pick), or stop if there is none."""
        upcoming = self.queue.next()
        if upcoming is None and self.autoplay.enabled:
            upcoming = await self.autoplay_next()
        if upcoming is None:
            await self.stop()
        else:
            await self.play(upcoming)

    async def seek(self, position: int) -> None:
        if position < 0:
            raise ValueError("position must be 0 or more milliseconds")
        await self._update({"position": int(position)})

    async def set_volume(self, volume: int) -> None:
        if not 0 <= volume <= 1000:
            raise ValueError(f"volume {volume} is not 0-1000")
        await self._update({"volume": int(volume)})

    async def set_filters(self) -> None:
        """Send the filters built up in :attr:`filters` to the node."""
        await self._update({"filters": self.filters.payload()})

    async def autoplay_next(self) -> SonoraTrack | None:
        """The autoplay engine's pick from the node's catalogue."""
        query = self.autoplay.query_for(self.current_track)
        result = await self.client.load_tracks(query)
        return self.autoplay.choose(result)

    async def destroy(self) -> None:
        await self.client.rest(
            "DELETE", f"/v4/sessions/{self.client.session_id}/players/{self.guild_id}")
        self.client.players.pop(self.guild_id, None)

    async def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "TrackEndEvent" and event.get("reason") in (
                "finished", "loadFailed"):
            self.current_track = None
            with contextlib.suppress(SonoraError, aiohttp.ClientError):
                await self.skip()


class SonoraClient:
    """``SonoraClient([{"host", "port", "password"}])``: ``await start()``, then players."""

    def __init__(self, nodes: list[dict[str, Any]], *, user_id: int = 1,
                 client_name: str = "sonora-wiretwin/1.0") -> None:
        if not nodes:
            raise ValueError("SonoraClient needs at least one node")
        node = nodes[0]
        self.host = str(node.get("host", "127.0.0.1"))
        self.port = int(node.get("port", 2333))
        self.password = str(node.get("password", "youshallnotpass"))
        secure = bool(node.get("secure", False))
        self.base = f"{'https' if secure else 'http'}://{self.host}:{self.port}"
        self.ws_url = f"{'wss' if secure else 'ws'}://{self.host}:{self.port}/v4/websocket"
        self.user_id = user_id
        self.client_name = client_name
        self.session_id: str | None = None
        self.players: dict[int, SonoraPlayer] = {}
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        #: Event handlers under way (kept referenced until done).
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def start(self) -> None:
        """Open the websocket and wait for Lavalink's ``ready`` (the session id)."""
        self._http = aiohttp.ClientSession()
        headers = {"Authorization": self.password, "User-Id": str(self.user_id),
                   "Client-Name": self.client_name}
        self._ws = await self._http.ws_connect(self.ws_url, headers=headers)
        while self.session_id is None:
            message = await self._ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                raise ConnectionError(f"the node closed the websocket before ready "
                                      f"({message.type.name})")
            data = json.loads(message.data)
            if data.get("op") == "ready":
                self.session_id = str(data["sessionId"])
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        """Close the websocket and the HTTP session (never raises)."""
        for task in [self._reader, *self._tasks]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._http is not None:
            await self._http.close()
        self._ws = self._http = self._reader = None

    async def get_player(self, guild_id: int) -> SonoraPlayer:
        if self.session_id is None:
            raise RuntimeError("await client.start() first")
        player = self.players.get(guild_id)
        if player is None:
            player = self.players[guild_id] = SonoraPlayer(self, guild_id)
        return player

    async def load_tracks(self, identifier: str) -> list[SonoraTrack]:
        """``GET /v4/loadtracks``: the tracks a search, URL or playlist resolves to."""
        data = await self.rest("GET", "/v4/loadtracks", params={"identifier": identifier})
        kind, payload = data.get("loadType"), data.get("data")
        if kind == "track":
            return [SonoraTrack.from_json(payload)]
        if kind == "search":
            return [SonoraTrack.from_json(t) for t in payload or []]
        if kind == "playlist":
            return [SonoraTrack.from_json(t) for t in (payload or {}).get("tracks", [])]
        if kind == "error":
            raise SonoraError(200, payload)
        return []

    async def rest(self, method: str, path: str, body: Any = None, *,
                   params: dict[str, str] | None = None) -> Any:
        """One call to the node's REST API (with the client's password), its JSON answer."""
        if self._http is None:
            raise RuntimeError("await client.start() first")
        async with self._http.request(method, self.base + path, json=body, params=params,
                                      headers={"Authorization": self.password}) as response:
            raw = await response.read()
            data = json.loads(raw) if raw else None
            if response.status >= 400:
                raise SonoraError(response.status, data)
            return data

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            player = self.players.get(int(data.get("guildId", 0) or 0))
            if player is None:
                continue
            if data.get("op") == "playerUpdate":
                player.position = int((data.get("state") or {}).get("position", 0))
            elif data.get("op") == "event":
                task = asyncio.create_task(player._on_event(data))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)


__all__ = ["Queue", "QueueFull", "SonoraClient", "SonoraError", "SonoraPlayer", "SonoraTrack"]
