"""Driving the real pomice (2.11.1) against the Lavalink twin, its voice from a Discord twin.

The recipe, step by step (:func:`pomice_node` does all of it)::

    async with DiscordTwin() as discord_twin, LavalinkTwin(clock=clock) as twin:
        voice_guild(discord_twin, 1, {2: "Music"})
        async with pomice_node(twin, discord_twin) as rig:
            player = await rig.player(2)
        (track,) = await rig.node.get_tracks(url, search_type=None)
        await player.play(track)
        await rig.events.wait("track_start")

1. **A ready bot.** pomice wants a ``commands.Bot`` (it calls ``bot.add_listener``) whose
   ``user`` is set (its ``Node`` refuses to be built otherwise): :func:`pomice_node` logs
   one in to a Discord twin (its own unless given one); :func:`ready_bot` makes one with
   no gateway, for a node that never joins voice.
2. **A node.** ``pomice.NodePool.create_node`` does ``GET /version`` (it needs
   ``text/plain``; it sends a JSON ``{}`` body even on GET and DELETE), then opens
   ``/v4/websocket`` with ``Authorization``, ``User-Id`` and ``Client-Name: Pomice/2.11.1``
   (never ``Session-Id``). It marks itself available *before* ``ready`` arrives, so a
   player built at once would talk to ``sessions/None``: :func:`create_node` has pomice
   build a :class:`~.pomice_node.TwinNode`, which records the session ids it takes, and
   waits for one.
3. **A guild, a channel, a player.** The voice channel comes from the Discord twin's world
   (:func:`~.discord_voice.voice_guild`); ``channel.connect(cls=TwinPlayer)`` sends op 4
   and the Discord twin answers with the two voice dispatches, which discord.py hands to
   the player (:func:`connect_player`). They can also be fed to a player by hand
   (:func:`send_voice`, or :func:`dispatch_voice` through pomice's own
   ``on_socket_response`` listener, which discord.py 2 never feeds by itself: it stays for
   bots that forward raw dispatches). pomice then PATCHes ``voice``, with ``channelId`` only
   when ``/version`` (read once, at the first connect) is at least 4.2.0 by pomice's own
   field-by-field comparison: 4.0.0 and 4.1.0 get none, but 4.0.8 does (8 > 0).
4. **Events.** pomice dispatches ``pomice_track_start``, ``pomice_track_end``... through the
   bot; :class:`PomiceEvents` records them in the drivers' shared
   :class:`~.events.EventLog`. ``playerUpdate`` dispatches
   nothing, so :class:`TwinPlayer` (a ``pomice.Player``) records every state it applies.
5. **Time.** pomice computes a position as ``state.position + time.time()*1000 -
   state.time``: with a virtual clock, :func:`pomice_clock` makes pomice read the twin's
   wall clock, so positions are exact.
6. **Reconnects.** When its websocket closes, pomice destroys every player (locally: with
   the socket gone it sends no DELETE) and reconnects after ``asyncio.sleep`` of a random
   0-14 s backoff. :class:`ReconnectGate` replaces that sleep by a gate the test opens.
   Nodes, the clock and the gate are in :mod:`.pomice_node`; the names are here too.
7. **Clean-up.** ``NodePool`` is class-level state: :func:`close_pool` disconnects every
   node and waits for pomice's tasks to end.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
import pomice
from discord.ext import commands

from ..discord.twin import DiscordTwin
from ..runtime.waiters import WaitableLog
from .discord_voice import discord_voice_client
from .events import DriverEvent, EventLog
from .pomice_node import (
    DEFAULT_IDENTIFIER,
    ReconnectGate,
    TwinNode,
    close_node,
    close_pool,
    create_node,
    node_settings,
    pomice_clock,
    wait_session,
)
from .voice import DEFAULT_BOT_ID, VoiceSession, ready_client

if TYPE_CHECKING:
    from ..lavalink import LavalinkTwin

#: Every event pomice dispatches (as ``pomice_<name>``), in ``pomice/events.py`` order.
EVENT_NAMES = ("track_start", "track_end", "track_stuck", "track_exception",
               "websocket_closed", "websocket_open")

PlayerT = TypeVar("PlayerT", bound="TwinPlayer")



# -- the bot, guilds and channels -------------------------------------------------------


async def ready_bot(*, user_id: int = DEFAULT_BOT_ID, name: str = "wiretwin-bot",
                    **kwargs: Any) -> commands.Bot:
    """A ``commands.Bot`` logged in as ``user_id`` and ready, with no gateway (pomice needs
    a ``Bot``: it registers an ``on_socket_response`` listener)."""
    kwargs.setdefault("command_prefix", commands.when_mentioned)
    return await ready_client(commands.Bot, user_id=user_id, name=name, **kwargs)


# -- players ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlayerState:
    """One ``playerUpdate`` state as pomice applied it."""

    time: int
    position: int
    connected: bool
    ping: int


class TwinPlayer(pomice.Player):
    """A ``pomice.Player`` that also records every ``playerUpdate`` state it applies (pomice
    dispatches no event for them), for tests to wait on. Otherwise unchanged."""

    states: WaitableLog[PlayerState]

    def __init__(self, client: discord.Client, channel: discord.VoiceChannel, *,
                 node: pomice.Node | None = None) -> None:
        super().__init__(client, channel, node=node)
        self.states = WaitableLog()

    async def _update_state(self, data: dict[str, Any]) -> None:
        await super()._update_state(data)
        state = data.get("state", {})
        self.states.append(PlayerState(int(state.get("time", 0)),
                                       int(state.get("position", 0)),
                                       bool(state.get("connected")),
                                       int(state.get("ping", -1))))

    async def wait_state(self, predicate: Callable[[PlayerState], bool] = lambda s: True, *,
                         timeout: float = 5.0) -> PlayerState:
        """The first state (applied before or after the call) matching ``predicate``."""
        (state,) = await self.states.wait_for(predicate, timeout=timeout)
        return state


async def send_voice(player: pomice.Player, voice: VoiceSession) -> None:
    """Feed ``player`` the two voice dispatches Discord sends on joining (state, then
    server), as discord.py hands them to a ``VoiceProtocol``; pomice then PATCHes ``voice``."""
    await player.on_voice_state_update(cast(Any, voice.state_update()))
    await player.on_voice_server_update(cast(Any, voice.server_update()))


def dispatch_voice(bot: discord.Client, voice: VoiceSession) -> None:
    """The same through the bot: ``socket_response`` dispatches, which pomice's node
    listener routes to the guild's player (it runs in tasks: wait for the PATCH)."""
    for event in voice.gateway_events():
        bot.dispatch("socket_response", event)


async def connect_player(node: pomice.Node, channel_id: int, *,
                         cls: type[PlayerT] = TwinPlayer,  # type: ignore[assignment]
                         timeout: float = 5.0, wait: bool = True) -> PlayerT:
    """``channel.connect(cls=cls)`` on the node's bot, as a bot does, in a voice channel
    the bot sees (from its Discord twin's world); with ``wait``, returns once pomice
    applied the Lavalink twin's ``connected`` state (the Discord twin answered the join).

    When pomice has just torn the guild's player down (a lost node), its leave may still
    be on its way: the answer must reach the bot before the join, or discord.py hands the
    new player the old leave. So this waits for it first.
    """
    bot = node.bot
    channel = bot.get_channel(channel_id)
    if not isinstance(channel, discord.VoiceChannel):
        raise TypeError(f"channel {channel_id} is not a voice channel the bot sees "
                        "(make it with voice_guild)")
    guild = channel.guild
    me = guild.me
    if guild.voice_client is None and me.voice is not None:
        await bot.wait_for("voice_state_update", timeout=timeout,
                           check=lambda member, before, after: member.id == me.id
                           and after.channel is None)
    # pomice types its player's channel narrower than discord.py's Connectable
    player: PlayerT = await channel.connect(cls=cast(Any, cls), timeout=timeout)
    if wait:
        await player.wait_state(lambda s: s.connected, timeout=timeout)
    return player


# -- events -----------------------------------------------------------------------------


#: One ``pomice_<name>`` dispatch and its handler arguments (``name``, ``args``), as the
#: drivers' shared log keeps it.
PomiceEventRecord = DriverEvent


class PomiceEvents:
    """Records every event pomice dispatches through ``bot`` (listeners added at once)."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.log = EventLog("pomice_")
        self._listeners: list[tuple[Callable[..., Coroutine[Any, Any, None]], str]] = []
        for name in EVENT_NAMES:
            listener = self._recorder(name)
            bot.add_listener(listener, f"on_pomice_{name}")
            self._listeners.append((listener, f"on_pomice_{name}"))

    def _recorder(self, name: str) -> Callable[..., Coroutine[Any, Any, None]]:
        async def record(*args: Any) -> None:
            self.log.record(name, *args)

        return record

    def of(self, name: str) -> list[PomiceEventRecord]:
        """The ``name`` events recorded so far, in order."""
        return self.log.events(name)

    def names(self) -> list[str]:
        return self.log.names()

    async def wait(self, name: str,
                   where: Callable[[PomiceEventRecord], bool] = lambda r: True, *,
                   count: int = 1, timeout: float = 5.0) -> list[PomiceEventRecord]:
        """The first ``count`` ``name`` events (recorded before or after the call) that
        match ``where``."""
        return await self.log.wait_events(lambda r: r.name == name and where(r),
                                          count=count, timeout=timeout)

    def detach(self) -> None:
        for listener, name in self._listeners:
            self.bot.remove_listener(listener, name)
        self._listeners.clear()


# -- all together -------------------------------------------------------------------------


@dataclass
class PomiceRig:
    """A ready bot, a connected pomice node on a twin, and the events it dispatches."""

    bot: commands.Bot
    node: pomice.Node
    events: PomiceEvents
    players: list[TwinPlayer] = field(default_factory=list)

    async def player(self, channel_id: int, *, wait: bool = True,
                     timeout: float = 5.0) -> TwinPlayer:
        """A :class:`TwinPlayer` in voice channel ``channel_id`` on this rig's node (see
        :func:`connect_player`)."""
        player = await connect_player(self.node, channel_id, cls=TwinPlayer,
                                      timeout=timeout, wait=wait)
        self.players.append(player)
        return player


@contextlib.asynccontextmanager
async def pomice_node(twin: LavalinkTwin, discord_twin: DiscordTwin | None = None, *,
                      bot: commands.Bot | None = None,
                      identifier: str = DEFAULT_IDENTIFIER, timeout: float = 5.0,
                      **options: Any) -> AsyncIterator[PomiceRig]:
    """A pomice node connected to ``twin``, its bot logged in to ``discord_twin`` (a
    Discord twin of its own if not given; ``bot`` instead: that bot, as it is); on exit
    every pomice node is closed, and the bot and Discord twin made here too."""
    async with contextlib.AsyncExitStack() as stack:
        if bot is None:
            if discord_twin is None:
                discord_twin = await stack.enter_async_context(DiscordTwin())
            bot = await stack.enter_async_context(discord_voice_client(
                discord_twin, commands.Bot, command_prefix=commands.when_mentioned))
        try:
            node = await create_node(bot, node_settings(twin, identifier=identifier),
                                     timeout=timeout, **options)
            events = PomiceEvents(bot)
            try:
                yield PomiceRig(bot, node, events)
            finally:
                events.detach()
        finally:
            await close_pool()


__all__ = [
    "DEFAULT_IDENTIFIER",
    "EVENT_NAMES",
    "PlayerState",
    "PomiceEventRecord",
    "PomiceEvents",
    "PomiceRig",
    "ReconnectGate",
    "TwinNode",
    "TwinPlayer",
    "close_node",
    "close_pool",
    "connect_player",
    "create_node",
    "dispatch_voice",
    "node_settings",
    "pomice_clock",
    "pomice_node",
    "ready_bot",
    "send_voice",
    "wait_session",
]
