"""Driving mafic (2.x) against the Lavalink twin, its voice from a Discord twin.

mafic's player is a discord.py ``VoiceProtocol``: ``await channel.connect(cls=mafic.Player)``
asks the gateway to join (``op 4``), and ``Player.connect`` returns once three things came:
the bot's ``VOICE_STATE_UPDATE``, the ``VOICE_SERVER_UPDATE`` (which makes mafic PATCH the
player's ``voice`` to Lavalink) and a first ``playerUpdate`` from Lavalink. Its node wants a
client that is logged in and ready, and on a resumed session it rebuilds players from the
guild cache (``guild.me.voice.channel``).

This module gives mafic all of that over no network but the twins':

* :class:`RecordingClient`: a discord.py client whose dispatches (``track_start``,
  ``node_ready``...) go to the drivers' shared event log, to be awaited in order;
* :class:`MaficBot`: that client logged in to a Discord twin
  (:func:`~.discord_voice.discord_voice_client`) whose world has the guild, its voice
  channel and the bot as a member (:func:`~.discord_voice.voice_guild`); the Discord twin
  answers op 4 as Discord does, over a real gateway;
* :func:`create_node`, :func:`connect_player`, :func:`close_pool`: a NodePool node on the
  twin, a connected player, and a clean teardown (mafic's pool is process-wide state);
* :func:`follow_clock`: point mafic's position arithmetic (``time.time()`` against the
  server's ``state.time``) at a twin's virtual clock.

A typical test::

    async with LavalinkTwin(clock=clock) as twin, MaficBot.start(twin) as bot:
        player = await bot.connect()  # the bot's own Discord twin answers the join
        tracks = await player.fetch_tracks("lofi")  # mafic adds ytsearch:
        await player.play(tracks[0])
        start = await bot.client.next_event("track_start")

mafic checks at import that exactly one Discord library is installed; set
``MAFIC_IGNORE_LIBRARY_CHECK=1`` before importing this module if several are.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import discord
import mafic
import mafic.player

from ..discord.twin import DiscordTwin
from ..runtime.waiters import WaitableLog
from .discord_voice import discord_voice_client, voice_guild
from .events import DEFAULT_TIMEOUT, DriverEvent, EventLog

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
    """``channel.connect(cls=cls)``, answered by the client's gateway (a Discord twin's);
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
    """A client logged in to a Discord twin (its guild and voice channel there), and a
    node on a Lavalink twin."""

    twin: LavalinkTwin
    client: RecordingClient
    discord_twin: DiscordTwin
    guild: discord.Guild
    channel: discord.VoiceChannel
    _node: mafic.Node[RecordingClient] | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls, twin: LavalinkTwin, discord_twin: DiscordTwin | None = None, *,
                    guild_id: int = DEFAULT_GUILD_ID, channel_id: int = DEFAULT_CHANNEL_ID,
                    label: str = DEFAULT_LABEL, connect_node: bool = True,
                    in_voice: bool = False, resuming_session_id: str | None = None
                    ) -> AsyncIterator[MaficBot]:
        """Set it all up; on exit disconnect players, close the node and the client.

        Without ``discord_twin`` the bot gets a Discord twin of its own (stopped on exit).
        The guild and its voice channel are made there unless it has them; ``in_voice``
        seats the bot in the channel before it logs in (a restarted bot finds itself
        there in ``GUILD_CREATE``, as after a crash).
        """
        async with contextlib.AsyncExitStack() as stack:
            if discord_twin is None:
                discord_twin = await stack.enter_async_context(DiscordTwin())
            seat_bot(discord_twin, guild_id, channel_id, in_voice=in_voice)
            client = await stack.enter_async_context(
                discord_voice_client(discord_twin, RecordingClient))
            guild = client.get_guild(guild_id)
            channel = client.get_channel(channel_id)
            if guild is None or not isinstance(channel, discord.VoiceChannel):
                raise RuntimeError(f"the Discord twin has no voice channel {channel_id}")
            bot = cls(twin, client, discord_twin, guild, channel)
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
        """A connected :class:`RecordingPlayer` in the bot's voice channel.

        When mafic has just torn a player down (a node that came back on a new session),
        its leave is still on its way through the Discord twin: the answer must reach the
        client before the join, or discord.py hands the new player the old leave.
        """
        me = self.guild.me
        if self.guild.voice_client is None and me.voice is not None:
            await self.client.events.wait_events(
                lambda e: e.name == "voice_state_update" and e.args[0].id == me.id
                and e.args[2].channel is None, after=self.client.events.mark(),
                timeout=timeout)
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


def seat_bot(discord_twin: DiscordTwin, guild_id: int, channel_id: int, *,
             in_voice: bool = False) -> None:
    """The guild and its voice channel in the Discord twin's world (made if missing);
    ``in_voice`` puts the bot in that channel."""
    model = discord_twin.model
    if guild_id not in model.guilds:
        voice_guild(discord_twin, guild_id, {channel_id: "Music"},
                    bot_in=channel_id if in_voice else None)
    elif in_voice:
        model.set_voice(model.guilds[guild_id], model.bot.id, channel_id)


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
    "MaficBot",
    "RecordingClient",
    "RecordingPlayer",
    "close_pool",
    "connect_player",
    "create_node",
    "follow_clock",
    "seat_bot",
]
