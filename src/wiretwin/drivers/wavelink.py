"""Driving the real wavelink 3.x against the Lavalink twin, without Discord.

wavelink needs three things Discord normally provides, and this module fakes only those,
so that everything else runs as shipped:

* **a ready discord.py client**: ``wavelink.Node`` reads ``client.user.id`` for its
  ``User-Id`` header and dispatches every event through ``client.dispatch``;
  :func:`wavelink_client` is :func:`~wiretwin.drivers.voice.ready_client`
  building a :class:`WavelinkClient`, which also records those dispatches so that tests
  can wait on them (:class:`EventLog`).
* **a guild with a voice channel in the client's cache**: ``Player.on_voice_state_update``
  looks its channel up with ``client.get_channel``, and the player does nothing on track
  end (no queue, no autoplay) while ``player.channel`` is None. :func:`add_voice_channel`
  puts a guild shaped like a ``GUILD_CREATE`` (the bot as a member, a voice channel,
  optional human listeners) into the cache.
* **the gateway's voice round trip**: ``Player.connect`` and ``Player.disconnect`` call
  ``guild.change_voice_state``, which sends opcode 4 on the gateway and waits for Discord
  to answer with ``VOICE_STATE_UPDATE`` and ``VOICE_SERVER_UPDATE``. :class:`VoiceGateway`
  stands in for ``client.ws``: it answers the way Discord does, with
  :class:`~wiretwin.drivers.voice.VoiceSession` payloads fed through
  discord.py's own gateway parsers, which hand them to the player's
  ``on_voice_state_update``/``on_voice_server_update``. So ``await
  channel.connect(cls=wavelink.Player)`` works unmodified (:func:`connect_player`), and
  the player sends the twin its voice ``PATCH`` by itself.

:func:`connect_node` connects a ``wavelink.Node`` through ``wavelink.Pool`` and waits for
``on_wavelink_node_ready`` (by then wavelink has PATCHed the session for resuming and read
``/v4/info``). ``wavelink.Pool`` is a class-level singleton that keeps every node it ever
connected: :func:`close_pool` closes and ejects them, closes the aiohttp sessions wavelink
leaves open, and ends the fire-and-forget tasks wavelink leaves behind, so one test's
nodes never leak into the next.

Typical use::

    client = await wavelink_client()
    node = await connect_node(client, twin)
    player = await connect_player(client, guild_id=1, channel_id=2)
    tracks = await wavelink.Playable.search("ytsearch:lofi")
    await player.play(tracks[0])
    await client.wavelink_events.wait("track_start")
    ...
    await close_pool()
    await client.close()
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import discord
import wavelink

from ..lavalink import LavalinkTwin
from ..runtime.waiters import WaitableLog
from .voice import DEFAULT_BOT_ID, VoiceSession, ready_client

PlayerT = TypeVar("PlayerT", bound=wavelink.Player)

#: wavelink dispatches ``wavelink_<name>``; the log records ``<name>``.
EVENT_PREFIX = "wavelink_"


# -- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WavelinkEvent:
    """One ``client.dispatch("wavelink_<name>", *args)`` wavelink made, in order."""

    seq: int
    name: str
    args: tuple[Any, ...]

    @property
    def payload(self) -> Any:
        """The first argument (wavelink's payload object), or None."""
        return self.args[0] if self.args else None

    def describe(self) -> str:
        return f"#{self.seq} wavelink_{self.name} {self.payload!r}"


class EventLog:
    """Every ``wavelink_*`` event a :class:`WavelinkClient` dispatched, waitable.

    Waiting is event-driven (the dispatch wakes the waiter) and ``after`` takes a
    :meth:`mark`, so a test waits for the *next* ``track_end`` rather than an old one.
    A timeout fails the test with the events that did arrive.
    """

    def __init__(self) -> None:
        self._log: WaitableLog[WavelinkEvent] = WaitableLog(WavelinkEvent.describe)
        self._seq = itertools.count(1)
        self._last = 0

    def record(self, name: str, args: tuple[Any, ...]) -> None:
        self._last = next(self._seq)
        self._log.append(WavelinkEvent(self._last, name, args))

    def mark(self) -> int:
        """The sequence number of the last event so far (pass it as ``after``)."""
        return self._last

    def events(self, name: str | None = None, *, after: int = 0) -> list[WavelinkEvent]:
        return [e for e in self._log.snapshot()
                if e.seq > after and (name is None or e.name == name)]

    def payloads(self, name: str, *, after: int = 0) -> list[Any]:
        return [e.payload for e in self.events(name, after=after)]

    async def wait(self, name: str, check: Callable[[Any], bool] | None = None, *,
                   after: int = 0, count: int = 1, timeout: float = 5.0) -> list[Any]:
        """The payloads of the first ``count`` ``name`` events after ``after`` passing
        ``check`` (already dispatched ones count)."""
        def wanted(event: WavelinkEvent) -> bool:
            return (event.seq > after and event.name == name
                    and (check is None or check(event.payload)))

        found = await self._log.wait_for(wanted, count=count, timeout=timeout)
        return [e.payload for e in found]

    async def next(self, name: str, check: Callable[[Any], bool] | None = None, *,
                   after: int = 0, timeout: float = 5.0) -> Any:
        """The payload of the first matching ``name`` event after ``after``."""
        return (await self.wait(name, check, after=after, timeout=timeout))[0]


class WavelinkClient(discord.Client):
    """A ``discord.Client`` that records every ``wavelink_*`` dispatch in
    :attr:`wavelink_events` before dispatching it as usual (``on_wavelink_*`` handlers and
    ``wait_for`` still work)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wavelink_events = EventLog()

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        if event.startswith(EVENT_PREFIX):
            self.wavelink_events.record(event.removeprefix(EVENT_PREFIX), args)
        super().dispatch(event, *args, **kwargs)


async def wavelink_client(*, user_id: int = DEFAULT_BOT_ID, name: str = "wiretwin-bot",
                          **kwargs: Any) -> WavelinkClient:
    """A ready :class:`WavelinkClient` with a :class:`VoiceGateway` (call from a loop)."""
    client = await ready_client(WavelinkClient, user_id=user_id, name=name, **kwargs)
    VoiceGateway.install(client)
    return client


# -- the voice round trip Discord would make ----------------------------------------------


@dataclass(frozen=True)
class VoiceStateRequest:
    """An opcode 4 (VOICE_STATE_UPDATE) the client sent: join, move or leave."""

    guild_id: int
    channel_id: int | None
    self_mute: bool
    self_deaf: bool


class VoiceGateway:
    """Stands in for ``client.ws`` (discord.py's gateway socket), for voice only.

    ``Guild.change_voice_state`` calls :meth:`voice_state`; Discord would answer with the
    bot's ``VOICE_STATE_UPDATE`` and, when it joins or moves, a ``VOICE_SERVER_UPDATE``
    (with a new token). They go through the client's own gateway parsers, exactly as if
    they had come from Discord: discord.py updates the guild's voice states and runs the
    voice protocol's (the player's) handlers. Every request is kept in :attr:`requests`.
    """

    def __init__(self, client: discord.Client, *,
                 endpoint: str = "wiretwin.discord.media:443") -> None:
        self.client = client
        self.endpoint = endpoint
        self.requests: list[VoiceStateRequest] = []
        #: guild id -> the bot's current voice session there.
        self.sessions: dict[int, VoiceSession] = {}
        self._tokens = itertools.count(1)
        self.open = True
        self.latency = 0.0

    @classmethod
    def install(cls, client: discord.Client, **kwargs: Any) -> VoiceGateway:
        """Attach a gateway to ``client`` (its existing one, if it has one already)."""
        current = client.ws
        if isinstance(current, VoiceGateway):
            return current
        gateway = cls(client, **kwargs)
        client.ws = gateway  # type: ignore[assignment]  # duck-types DiscordWebSocket
        return gateway

    @property
    def user_id(self) -> int:
        user = self.client.user
        return user.id if user is not None else DEFAULT_BOT_ID

    async def voice_state(self, guild_id: int, channel_id: int | None,
                          self_mute: bool = False, self_deaf: bool = False) -> None:
        """Opcode 4, answered at once as Discord answers it."""
        self.requests.append(VoiceStateRequest(guild_id, channel_id, self_mute, self_deaf))
        if channel_id is None:
            self.leave(guild_id)
        else:
            self.join(guild_id, channel_id)

    def join(self, guild_id: int, channel_id: int) -> VoiceSession:
        """The bot is in ``channel_id`` now (a join or a move): both voice dispatches."""
        session = VoiceSession(guild_id, channel_id, user_id=self.user_id,
                               token=f"wiretwin-voice-token-{next(self._tokens)}",
                               endpoint=self.endpoint)
        self.sessions[guild_id] = session
        for event in session.gateway_events():
            self._dispatch(event["t"], event["d"])
        return session

    def leave(self, guild_id: int) -> None:
        """The bot left (or was disconnected by someone): ``VOICE_STATE_UPDATE`` with no
        channel."""
        session = self.sessions.pop(guild_id, None)
        data = (session or VoiceSession(guild_id, 0, user_id=self.user_id)).state_update()
        data["channel_id"] = None
        self._dispatch("VOICE_STATE_UPDATE", data)

    def kick(self, guild_id: int) -> None:
        """A moderator disconnected the bot: what Discord sends (alongside the voice
        server's 4014 close, which the twin reports with ``close_voice``)."""
        self.leave(guild_id)

    def _dispatch(self, kind: str, data: dict[str, Any]) -> None:
        self.client._connection.parsers[kind](data)

    async def close(self, code: int = 1000) -> None:
        self.open = False


# -- a guild and its voice channel ---------------------------------------------------------


def _user(user_id: int, name: str, *, bot: bool) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": bot}


def _member(user_id: int, name: str, *, bot: bool) -> dict[str, Any]:
    return {"user": _user(user_id, name, bot=bot), "roles": [], "nick": None,
            "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False,
            "flags": 0}


def _voice_channel(guild_id: int, channel_id: int, name: str) -> dict[str, Any]:
    return {"id": str(channel_id), "guild_id": str(guild_id), "type": 2, "name": name,
            "position": 0, "permission_overwrites": [], "bitrate": 64000, "user_limit": 0,
            "rtc_region": None, "nsfw": False, "parent_id": None}


def add_voice_channel(client: discord.Client, guild_id: int, channel_id: int, *,
                      guild_name: str = "wiretwin guild", channel_name: str = "Music",
                      listeners: Sequence[int] = ()) -> discord.VoiceChannel:
    """A voice channel in the client's cache, in a guild created for it if need be.

    The guild is what ``GUILD_CREATE`` would give: the bot is a member, and each of
    ``listeners`` is a human member sitting in the channel (wavelink counts them to decide
    whether a channel is inactive). Listeners are seated only when the guild is created;
    a channel added to an existing guild starts empty.
    """
    state = client._connection
    user = client.user
    if user is None:
        raise RuntimeError("the client is not logged in (use ready_client/wavelink_client)")
    guild = client.get_guild(guild_id)
    if guild is None:
        voice_states = [
            {"guild_id": str(guild_id), "channel_id": str(channel_id), "user_id": str(uid),
             "session_id": f"listener-{uid}", "deaf": False, "mute": False,
             "self_deaf": False, "self_mute": False, "self_video": False,
             "suppress": False, "request_to_speak_timestamp": None}
            for uid in listeners]
        members = [_member(user.id, user.name, bot=True)] + [
            _member(uid, f"listener-{uid}", bot=False) for uid in listeners]
        data: dict[str, Any] = {
            "id": str(guild_id), "name": guild_name, "owner_id": str(user.id),
            "icon": None, "features": [], "emojis": [], "stickers": [],
            "roles": [{"id": str(guild_id), "name": "@everyone", "permissions": "0",
                       "position": 0, "color": 0, "hoist": False, "managed": False,
                       "mentionable": False, "flags": 0}],
            "channels": [_voice_channel(guild_id, channel_id, channel_name)],
            "voice_states": voice_states, "members": members,
            "member_count": len(members), "large": False, "unavailable": False,
        }
        guild = discord.Guild(data=data, state=state)  # type: ignore[arg-type]
        state._add_guild(guild)
    channel = guild.get_channel(channel_id)
    if channel is None:
        channel = discord.VoiceChannel(
            state=state, guild=guild,
            data=_voice_channel(guild_id, channel_id, channel_name))  # type: ignore[arg-type]
        guild._add_channel(channel)
    if not isinstance(channel, discord.VoiceChannel):
        raise TypeError(f"channel {channel_id} exists and is not a voice channel")
    return channel


# -- wavelink ------------------------------------------------------------------------------


async def connect_node(client: discord.Client,
                       lavalink: LavalinkTwin | Mapping[str, Any], *,
                       identifier: str | None = None, timeout: float = 5.0,
                       **node_options: Any) -> wavelink.Node:
    """Connect a ``wavelink.Node`` to the twin through ``wavelink.Pool`` and wait until
    wavelink dispatched ``node_ready`` (``Pool.connect`` returns as soon as the socket is
    open; the ready handler PATCHes the session and reads ``/v4/info`` after that).

    ``lavalink`` is the twin or its ``settings()["wavelink"]`` (``uri``, ``password``);
    ``node_options`` go to ``wavelink.Node`` (``resume_timeout``, ``retries``,
    ``session``...). Raises ``wavelink.NodeException`` if the Pool refused the node (a
    wrong password: wavelink only logs it).
    """
    settings = (lavalink.settings()["wavelink"] if isinstance(lavalink, LavalinkTwin)
                else dict(lavalink))
    node = wavelink.Node(identifier=identifier, uri=settings["uri"],
                         password=settings["password"], **node_options)

    def for_this_node(payload: wavelink.NodeReadyEventPayload) -> bool:
        return payload.node is node

    # Listening before connecting: the ready frame can come before Pool.connect returns.
    ready = asyncio.ensure_future(
        client.wait_for("wavelink_node_ready", check=for_this_node, timeout=timeout))
    try:
        await wavelink.Pool.connect(nodes=[node], client=client)
        if node.identifier not in wavelink.Pool.nodes:
            raise wavelink.NodeException(f"wavelink.Pool did not accept {node!r}")
        await ready
    except BaseException:
        ready.cancel()
        await close_node(node)
        raise
    return node


@overload
async def connect_player(client: discord.Client, guild_id: int, channel_id: int, *,
                         timeout: float = ..., self_deaf: bool = ...,
                         listeners: Sequence[int] = ...) -> wavelink.Player: ...


@overload
async def connect_player(client: discord.Client, guild_id: int, channel_id: int, *,
                         cls: type[PlayerT], timeout: float = ..., self_deaf: bool = ...,
                         listeners: Sequence[int] = ...) -> PlayerT: ...


async def connect_player(client: discord.Client, guild_id: int, channel_id: int, *,
                         cls: type[wavelink.Player] = wavelink.Player,
                         timeout: float = 5.0, self_deaf: bool = True,
                         listeners: Sequence[int] = ()) -> wavelink.Player:
    """``await channel.connect(cls=cls)``, as a bot does, with the channel put in the
    cache and a :class:`VoiceGateway` answering (so the player's voice ``PATCH`` reached
    the twin and succeeded by the time this returns)."""
    channel = add_voice_channel(client, guild_id, channel_id, listeners=listeners)
    VoiceGateway.install(client)
    return await channel.connect(cls=cls, timeout=timeout, self_deaf=self_deaf)


async def close_node(node: wavelink.Node) -> None:
    """Close ``node`` (its players disconnected), take it out of the Pool and close the
    aiohttp session wavelink made for it (``Node.close`` leaves that open)."""
    if not node._has_closed:
        await node.close(eject=True)
    else:  # closed already, perhaps without eject: only take it out of the Pool
        # (Pool keeps its nodes in the name-mangled class attribute ``__nodes``.)
        vars(wavelink.Pool)["_Pool__nodes"].pop(node.identifier, None)
    await node._session.close()


async def close_pool() -> None:
    """Close every node in ``wavelink.Pool`` and end what wavelink left running.

    wavelink spawns tasks it never awaits (reconnect loops, player update and autoplay
    handlers, inactivity timers); once its nodes are closed those are orphans, and a
    reconnect loop would keep retrying a closed session. They are cancelled and awaited
    here, so nothing outlives the test's event loop.
    """
    for node in list(wavelink.Pool.nodes.values()):
        await close_node(node)
    await _end_wavelink_tasks()


_WAVELINK_DIR = os.path.dirname(wavelink.__file__)


async def _end_wavelink_tasks() -> None:
    current = asyncio.current_task()
    orphans = []
    for task in asyncio.all_tasks():
        coro = task.get_coro()
        code = getattr(coro, "cr_code", None)
        if task is not current and not task.done() and code is not None and (
                code.co_filename.startswith(_WAVELINK_DIR)):
            task.cancel()
            orphans.append(task)
    if orphans:
        await asyncio.gather(*orphans, return_exceptions=True)


__all__ = [
    "EventLog",
    "VoiceGateway",
    "VoiceStateRequest",
    "WavelinkClient",
    "WavelinkEvent",
    "add_voice_channel",
    "close_node",
    "close_pool",
    "connect_node",
    "connect_player",
    "wavelink_client",
]
