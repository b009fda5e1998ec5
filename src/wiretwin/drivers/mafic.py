"""Driving mafic (2.x) against the Lavalink twin without Discord.

mafic's player is a discord.py ``VoiceProtocol``: ``await channel.connect(cls=mafic.Player)``
asks the gateway to join (``op 4``), and ``Player.connect`` returns once three things came:
the bot's ``VOICE_STATE_UPDATE``, the ``VOICE_SERVER_UPDATE`` (which makes mafic PATCH the
player's ``voice`` to Lavalink) and a first ``playerUpdate`` from Lavalink. Its node wants a
client that is logged in and ready, and on a resumed session it rebuilds players from the
guild cache (``guild.me.voice.channel``).

This module gives mafic all of that over no network but the twin's:

* :class:`RecordingClient`: a discord.py client whose dispatches (``track_start``,
  ``node_ready``...) go to the drivers' shared event log, to be awaited in order;
* :func:`add_guild`: a cached guild with a voice channel and the bot as a member;
* :class:`FakeVoiceGateway`: answers voice state changes as Discord does, with
  :class:`~.payloads.VoiceSession` payloads (a Discord twin can answer instead:
  :mod:`.discord_voice`);
* :func:`create_node`, :func:`connect_player`, :func:`close_pool`: a NodePool node on the
  twin, a connected player, and a clean teardown (mafic's pool is process-wide state);
* :func:`follow_clock`: point mafic's position arithmetic (``time.time()`` against the
  server's ``state.time``) at a twin's virtual clock.

A typical test::

    async with LavalinkTwin(clock=clock) as twin, MaficBot.start(twin) as bot:
        player = await bot.connect()
        tracks = await player.fetch_tracks("lofi")  # mafic adds ytsearch:
        await player.play(tracks[0])
        start = await bot.client.next_event("track_start")

mafic checks at import that exactly one Discord library is installed; set
``MAFIC_IGNORE_LIBRARY_CHECK=1`` before importing this module if several are.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import discord
import mafic
import mafic.player

from ..runtime.waiters import WaitableLog
from .events import DEFAULT_TIMEOUT, DriverEvent, EventLog
from .voice import DEFAULT_BOT_ID, DEFAULT_ENDPOINT, VoiceSession, ready_client

ClientT = TypeVar("ClientT", bound=discord.Client)
PlayerT = TypeVar("PlayerT", bound=discord.VoiceProtocol)

if TYPE_CHECKING:
    from ..lavalink import LavalinkTwin
    from ..runtime.clock import Clock

DEFAULT_GUILD_ID = 200000000000000002
DEFAULT_CHANNEL_ID = 300000000000000003
DEFAULT_LABEL = "wiretwin"


class RecordingClient(discord.Client):
    """A discord.py client that keeps every dispatched event for tests to await.

    mafic reports through ``client.dispatch`` (``node_ready``, ``node_stats``,
    ``node_unavailable``, ``track_start``, ``track_end``, ``track_exception``,
    ``track_stuck``, ``websocket_closed``); so do discord.py's own events. All go to
    the shared :class:`~.events.EventLog` (:attr:`events`), each name read like a queue
    (:meth:`next_event` takes the oldest not yet taken): none is lost.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.events = EventLog()
        #: Per event name, the number of the last event taken.
        self._taken: defaultdict[str, int] = defaultdict(int)

    @property
    def dispatched(self) -> list[str]:
        """Every dispatched event name, in order."""
        return self.events.names()

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        self.events.record(event, *args)
        super().dispatch(event, *args, **kwargs)

    async def next_event(self, event: str, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """The oldest not yet taken ``event`` (its single argument, or the tuple)."""
        while True:  # a concurrent next_event may take the same one first: then the next
            (found,) = await self.events.wait_events(lambda e: e.name == event,
                                                     after=self._taken[event],
                                                     timeout=timeout)
            if found.seq > self._taken[event]:
                self._taken[event] = found.seq
                return _value(found)

    def pending(self, event: str) -> int:
        """How many ``event`` dispatches are waiting to be taken."""
        return len(self.events.events(event, after=self._taken[event]))

    def drain(self, event: str) -> list[Any]:
        """Take every ``event`` dispatched so far."""
        taken = self.events.events(event, after=self._taken[event])
        if taken:
            self._taken[event] = taken[-1].seq
        return [_value(e) for e in taken]


def _value(event: DriverEvent) -> Any:
    return event.args[0] if len(event.args) == 1 else event.args


class RecordingPlayer(mafic.Player[discord.Client]):
    """A ``mafic.Player`` that keeps every ``playerUpdate`` state it was given.

    mafic dispatches no event for ``playerUpdate``; tests that read ``position`` or
    ``connected`` wait with :meth:`wait_state` until mafic has taken the update they mean.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Every ``state`` object from ``playerUpdate``, in order.
        self.states: WaitableLog[dict[str, Any]] = WaitableLog()

    def update_state(self, state: Any) -> None:
        super().update_state(state)
        self.states.append(dict(state))

    async def wait_state(self, predicate: Callable[[dict[str, Any]], bool], *,
                         timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """The first state taken (since the player was made) that satisfies
        ``predicate``, waiting up to ``timeout`` seconds for it."""
        (state,) = await self.states.wait_for(predicate, timeout=timeout)
        return state

    async def wait_time(self, time_ms: int, *, timeout: float = DEFAULT_TIMEOUT
                        ) -> dict[str, Any]:
        """Wait until mafic took a state stamped ``time_ms`` (or later)."""
        return await self.wait_state(lambda s: int(s["time"]) >= time_ms, timeout=timeout)


def add_guild(client: discord.Client, guild_id: int = DEFAULT_GUILD_ID,
              channel_id: int = DEFAULT_CHANNEL_ID, *, name: str = "wiretwin guild",
              channel_name: str = "Music", in_voice: bool = False
              ) -> tuple[discord.Guild, discord.VoiceChannel]:
    """Cache a guild with one voice channel and the bot as a member (as ``GUILD_CREATE``
    would); ``in_voice`` puts the bot in that channel already (a restarted bot's cache)."""
    state = client._connection
    user = client.user
    if user is None:
        raise RuntimeError("the client is not logged in (use ready_client)")
    user_data = {"id": str(user.id), "username": user.name, "discriminator": "0",
                 "global_name": user.name, "avatar": None, "bot": True}
    voice_states: list[dict[str, Any]] = []
    if in_voice:
        voice_states.append(VoiceSession(guild_id, channel_id, user.id).state_update())
    data: dict[str, Any] = {
        "id": str(guild_id), "name": name, "owner_id": str(user.id), "member_count": 1,
        "roles": [], "emojis": [], "stickers": [], "features": [],
        "channels": [{"id": str(channel_id), "type": 2, "name": channel_name,
                      "guild_id": str(guild_id), "position": 0, "bitrate": 64000,
                      "user_limit": 0, "permission_overwrites": [], "nsfw": False,
                      "parent_id": None, "rtc_region": None}],
        "members": [{"user": user_data, "roles": [], "joined_at": "2024-01-01T00:00:00+00:00",
                     "deaf": False, "mute": False, "flags": 0}],
        "voice_states": voice_states,
    }
    guild = discord.Guild(data=data, state=state)  # type: ignore[arg-type]
    state._add_guild(guild)
    channel = guild.get_channel(channel_id)
    if not isinstance(channel, discord.VoiceChannel):  # pragma: no cover - discord.py drift
        raise RuntimeError("discord.py did not build a VoiceChannel from the guild data")
    return guild, channel


@dataclass
class FakeVoiceGateway:
    """The Discord gateway, as far as voice goes.

    Installed as ``client.ws``; discord.py sends ``op 4`` through ``voice_state`` when a
    ``VoiceProtocol`` joins or leaves. Discord answers a join with ``VOICE_STATE_UPDATE``
    then ``VOICE_SERVER_UPDATE`` and a leave with a ``VOICE_STATE_UPDATE`` whose
    ``channel_id`` is null; they arrive later, as gateway dispatches do, and go through
    discord.py's own parsers to the voice client. Set ``answer`` to False to leave joins
    unanswered (a voice connect that times out).
    """

    client: discord.Client
    endpoint: str = DEFAULT_ENDPOINT
    answer: bool = True
    #: Every op 4 payload the client sent.
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: Every voice session handed out, in order.
    sessions: list[VoiceSession] = field(default_factory=list)
    open: bool = False  # discord.py's Client.close() checks ``ws.open``
    latency: float = 0.0
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)
    _pending: set[asyncio.Handle] = field(default_factory=set, repr=False)

    @classmethod
    def install(cls, client: discord.Client, **kwargs: Any) -> FakeVoiceGateway:
        gateway = cls(client, **kwargs)
        client.ws = gateway  # type: ignore[assignment]
        return gateway

    async def voice_state(self, guild_id: int, channel_id: int | None,
                          self_mute: bool = False, self_deaf: bool = False) -> None:
        self.requests.append({"guild_id": guild_id, "channel_id": channel_id,
                              "self_mute": self_mute, "self_deaf": self_deaf})
        if not self.answer:
            return
        user = self.client.user
        assert user is not None
        if channel_id is None:
            left = VoiceSession(int(guild_id), 0, user.id).state_update()
            left["channel_id"] = None
            self._later(self._state_update, left)
            return
        n = next(self._counter)
        session = VoiceSession(int(guild_id), int(channel_id), user.id,
                               session_id=f"wiretwin-voice-session-{n}",
                               token=f"wiretwin-voice-token-{n}", endpoint=self.endpoint)
        self.sessions.append(session)
        state = session.state_update()
        state["self_mute"], state["self_deaf"] = self_mute, self_deaf
        self._later(self._join, state, session.server_update())

    def _later(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn`` on a later loop turn (a gateway round trip: after the caller moved
        on), unless the gateway closes first."""
        loop = asyncio.get_running_loop()

        def run() -> None:
            self._pending.discard(handle)
            fn(*args)

        handle = loop.call_soon(run)
        self._pending.add(handle)

    def _state_update(self, data: dict[str, Any]) -> None:
        self.client._connection.parse_voice_state_update(data)  # type: ignore[arg-type]

    def _join(self, state: dict[str, Any], server: dict[str, Any]) -> None:
        self._state_update(state)
        self.client._connection.parse_voice_server_update(server)  # type: ignore[arg-type]

    async def close(self, code: int = 1000) -> None:
        for handle in list(self._pending):
            handle.cancel()
        self._pending.clear()


async def create_node(twin: LavalinkTwin, client: ClientT, *,
                      label: str = DEFAULT_LABEL, timeout: float = 10,
                      resuming_session_id: str | None = None, **kwargs: Any
                      ) -> mafic.Node[ClientT]:
    """``NodePool(client).create_node(...)`` on the twin: returns a connected
    ``mafic.Node`` (GET /version, websocket, ready, PATCH session, GET players done)."""
    settings = dict(twin.settings()["mafic"], label=label)
    pool: mafic.NodePool[ClientT] = mafic.NodePool(client)
    return await pool.create_node(**settings, timeout=timeout,
                                  resuming_session_id=resuming_session_id, **kwargs)


async def connect_player(channel: discord.VoiceChannel, *, timeout: float = 5.0,
                         cls: type[PlayerT] = RecordingPlayer) -> PlayerT:
    """``channel.connect(cls=cls)``, answered by the client's :class:`FakeVoiceGateway`;
    returns the connected player (a :class:`RecordingPlayer` unless told otherwise)."""
    return await channel.connect(cls=cls, timeout=timeout)


async def close_pool() -> None:
    """Close every node of mafic's process-wide pool and forget them."""
    nodes = list(mafic.NodePool._nodes.values())
    mafic.NodePool._nodes.clear()
    for node in nodes:
        await node.close()


@contextlib.contextmanager
def follow_clock(clock: Clock) -> Iterator[None]:
    """Make mafic's ``Player.position`` read ``clock`` instead of the machine's wall clock.

    mafic extrapolates ``state.position + (time.time() * 1000 - state.time)``; the twin
    stamps ``state.time`` from its clock. A virtual clock advanced past real time makes
    the difference negative (positions behind by the advance) unless mafic reads the same
    clock, as a bot on the same host as Lavalink does.
    """
    module: Any = mafic.player
    original = module.time
    module.time = clock.time
    try:
        yield
    finally:
        module.time = original


@dataclass
class MaficBot:
    """A ready client with a guild, a voice channel, a fake gateway and a node on a twin."""

    twin: LavalinkTwin
    client: RecordingClient
    gateway: FakeVoiceGateway
    guild: discord.Guild
    channel: discord.VoiceChannel
    _node: mafic.Node[RecordingClient] | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls, twin: LavalinkTwin, *, user_id: int = DEFAULT_BOT_ID,
                    guild_id: int = DEFAULT_GUILD_ID, channel_id: int = DEFAULT_CHANNEL_ID,
                    label: str = DEFAULT_LABEL, connect_node: bool = True,
                    in_voice: bool = False, resuming_session_id: str | None = None
                    ) -> AsyncIterator[MaficBot]:
        """Set it all up; on exit disconnect players, close the node and the client."""
        client = await ready_client(RecordingClient, user_id=user_id)
        gateway = FakeVoiceGateway.install(client)
        guild, channel = add_guild(client, guild_id, channel_id, in_voice=in_voice)
        bot = cls(twin, client, gateway, guild, channel)
        try:
            if connect_node:
                bot._node = await create_node(twin, client, label=label,
                                             resuming_session_id=resuming_session_id,
                                             player_cls=RecordingPlayer)
            yield bot
        finally:
            await bot.close()

    @property
    def node(self) -> mafic.Node[RecordingClient]:
        """The bot's node on the twin."""
        if self._node is None:
            raise RuntimeError("the bot has no node (connect_node=False, or closed)")
        return self._node

    async def connect(self, *, timeout: float = 5.0) -> RecordingPlayer:
        """A connected :class:`RecordingPlayer` in the bot's voice channel."""
        return await connect_player(self.channel, timeout=timeout)

    async def replace_node(self, *, resuming_session_id: str | None = None
                           ) -> mafic.Node[RecordingClient]:
        """Close the node (its players stay on the twin) and create a new one, resuming
        ``resuming_session_id`` if given: what a bot does when a node went bad."""
        old, self._node = self._node, None
        label = DEFAULT_LABEL
        if old is not None:
            label = old.label
            await _forget(old)
        node = await create_node(self.twin, self.client, label=label,
                                 resuming_session_id=resuming_session_id,
                                 player_cls=RecordingPlayer)
        self._node = node
        return node

    @property
    def player(self) -> RecordingPlayer | None:
        """The guild's voice client (a :class:`RecordingPlayer`), or None."""
        voice = self.guild.voice_client
        return voice if isinstance(voice, RecordingPlayer) else None

    async def close(self, *, destroy_players: bool = True) -> None:
        """Disconnect players (DELETE on the twin) while the node is up, unless
        ``destroy_players`` is False (a crash: players stay on a resumable session), then
        close the node and the client."""
        if destroy_players and self._node is not None and self._node.available:
            for voice in list(self.client.voice_clients):
                with contextlib.suppress(Exception):
                    await voice.disconnect(force=True)
        await self.client.close()
        node, self._node = self._node, None
        if node is not None:
            await _forget(node)
        await self.gateway.close()


async def _forget(node: mafic.Node[Any]) -> None:
    """Take ``node`` out of mafic's pool and close it."""
    label = node.label
    if mafic.NodePool._nodes.get(label) is node:
        del mafic.NodePool._nodes[label]
    await node.close()


__all__ = [
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_GUILD_ID",
    "DEFAULT_LABEL",
    "FakeVoiceGateway",
    "MaficBot",
    "RecordingClient",
    "RecordingPlayer",
    "add_guild",
    "close_pool",
    "connect_player",
    "create_node",
    "follow_clock",
]
