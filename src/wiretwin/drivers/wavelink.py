"""Driving the real wavelink 3.x against the Lavalink twin, its voice from a Discord twin.

wavelink needs three things Discord provides; a Discord twin provides them as Discord
does, so everything runs as shipped:

* **a ready discord.py client**: ``wavelink.Node`` reads ``client.user.id`` for its
  ``User-Id`` header and dispatches every event through ``client.dispatch``;
  :func:`wavelink_client` logs a :class:`WavelinkClient` in to the Discord twin
  (:func:`~wiretwin.drivers.discord_voice.discord_voice_client`), which also records those
  dispatches so that tests can wait on them (:class:`EventLog`).
* **a guild with a voice channel in the client's cache**: ``Player.on_voice_state_update``
  looks its channel up with ``client.get_channel``. The guild comes from the Discord
  twin's world in ``GUILD_CREATE`` (:func:`~wiretwin.drivers.discord_voice.voice_guild`
  makes one with the bot, voice channels and listeners).
* **the gateway's voice round trip**: ``Player.connect`` and ``Player.disconnect`` call
  ``guild.change_voice_state``, which sends opcode 4 on the gateway; the Discord twin
  answers with ``VOICE_STATE_UPDATE`` and ``VOICE_SERVER_UPDATE`` (a new token on each
  join or move), which discord.py hands to the player. So ``await
  channel.connect(cls=wavelink.Player)`` works unmodified (:func:`connect_player`), and the
  player sends the Lavalink twin its voice ``PATCH`` by itself.

:func:`connect_node` connects a ``wavelink.Node`` through ``wavelink.Pool`` and waits for
``on_wavelink_node_ready`` (by then wavelink has PATCHed the session for resuming and read
``/v4/info``). ``wavelink.Pool`` is a class-level singleton that keeps every node it ever
connected: :func:`close_pool` closes and ejects them, closes the aiohttp sessions wavelink
leaves open, and ends the fire-and-forget tasks wavelink leaves behind, so one test's
nodes never leak into the next.

Typical use::

    async with DiscordTwin() as discord_twin:
        voice_guild(discord_twin, GUILD, {CHANNEL: "Music"})
        async with wavelink_client(discord_twin) as client:
            node = await connect_node(client, twin)
            player = await connect_player(client, GUILD, CHANNEL)
            tracks = await wavelink.Playable.search("ytsearch:lofi")
            await player.play(tracks[0])
            await client.wavelink_events.wait("track_start")
            ...
            await close_pool()
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar, overload

import discord
import wavelink

from ..discord.twin import DiscordTwin
from ..lavalink import LavalinkTwin
from .discord_voice import VoiceStateRequest, discord_voice_client
from .events import DriverEvent, EventLog
from .tasks import end_tasks_of

PlayerT = TypeVar("PlayerT", bound=wavelink.Player)

#: wavelink dispatches ``wavelink_<name>``; the log records ``<name>``.
EVENT_PREFIX = "wavelink_"


# -- events -------------------------------------------------------------------------------


#: A ``client.dispatch("wavelink_<name>", *args)`` wavelink made, as the log keeps it.
WavelinkEvent = DriverEvent


class WavelinkClient(discord.Client):
    """A ``discord.Client`` that records every ``wavelink_*`` dispatch in
    :attr:`wavelink_events` before dispatching it as usual (``on_wavelink_*`` handlers and
    ``wait_for`` still work)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wavelink_events = EventLog(EVENT_PREFIX)

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        if event.startswith(EVENT_PREFIX):
            self.wavelink_events.record(event.removeprefix(EVENT_PREFIX), *args)
        super().dispatch(event, *args, **kwargs)


@contextlib.asynccontextmanager
async def wavelink_client(discord_twin: DiscordTwin, **kwargs: Any
                          ) -> AsyncIterator[WavelinkClient]:
    """A :class:`WavelinkClient` logged in to ``discord_twin`` and ready; closed on exit."""
    async with discord_voice_client(discord_twin, WavelinkClient, **kwargs) as client:
        yield client


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
                         timeout: float = ..., self_deaf: bool = ...) -> wavelink.Player: ...


@overload
async def connect_player(client: discord.Client, guild_id: int, channel_id: int, *,
                         cls: type[PlayerT], timeout: float = ...,
                         self_deaf: bool = ...) -> PlayerT: ...


async def connect_player(client: discord.Client, guild_id: int, channel_id: int, *,
                         cls: type[wavelink.Player] = wavelink.Player,
                         timeout: float = 5.0, self_deaf: bool = True) -> wavelink.Player:
    """``await channel.connect(cls=cls)``, as a bot does, in a voice channel of the
    client's guild ``guild_id`` (from the Discord twin's world); the Discord twin answers
    the join, so the player's voice ``PATCH`` reached the Lavalink twin and succeeded by
    the time this returns."""
    channel = client.get_channel(channel_id)
    if not isinstance(channel, discord.VoiceChannel) or channel.guild.id != guild_id:
        raise TypeError(f"channel {channel_id} is not a voice channel of guild {guild_id} "
                        "that the client sees (make it with voice_guild)")
    return await channel.connect(cls=cls, timeout=timeout, self_deaf=self_deaf)


async def connect_player_via(client: discord.Client, channel_id: int, *,
                             cls: type[wavelink.Player] = wavelink.Player,
                             timeout: float = 5.0, self_deaf: bool = True
                             ) -> wavelink.Player:
    """:func:`connect_player` by the channel's id alone."""
    channel = client.get_channel(channel_id)
    if not isinstance(channel, discord.VoiceChannel):
        raise TypeError(f"channel {channel_id} is not a voice channel the client sees")
    return await connect_player(client, channel.guild.id, channel_id, cls=cls,
                                timeout=timeout, self_deaf=self_deaf)


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
    await end_tasks_of(wavelink)


__all__ = [
    "EventLog",
    "VoiceStateRequest",
    "WavelinkClient",
    "WavelinkEvent",
    "close_node",
    "close_pool",
    "connect_node",
    "connect_player",
    "connect_player_via",
    "wavelink_client",
]
