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
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, overload

import discord
import wavelink

from ..lavalink import LavalinkTwin
from .events import DriverEvent, EventLog
from .tasks import end_tasks_of
from .voice import (
    DEFAULT_BOT_ID,
    VoiceGateway,
    VoiceStateRequest,
    add_voice_channel,
    ready_client,
    uses_a_gateway,
)

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


async def wavelink_client(*, user_id: int = DEFAULT_BOT_ID, name: str = "wiretwin-bot",
                          **kwargs: Any) -> WavelinkClient:
    """A ready :class:`WavelinkClient` with a :class:`VoiceGateway` (call from a loop)."""
    client = await ready_client(WavelinkClient, user_id=user_id, name=name, **kwargs)
    VoiceGateway.install(client)
    return client


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


async def connect_player_via(client: discord.Client, channel_id: int, *,
                             cls: type[wavelink.Player] = wavelink.Player,
                             timeout: float = 5.0, self_deaf: bool = True
                             ) -> wavelink.Player:
    """``await channel.connect(cls=cls)`` for a client on a gateway (a Discord twin's:
    :func:`~.discord_voice.discord_voice_client`), its voice channel from the gateway's
    world: the gateway answers the join, no :class:`VoiceGateway` stands in."""
    if not uses_a_gateway(client):
        raise RuntimeError("the client has no gateway; use connect_player")
    channel = client.get_channel(channel_id)
    if not isinstance(channel, discord.VoiceChannel):
        raise TypeError(f"channel {channel_id} is not a voice channel the client sees")
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
    await end_tasks_of(wavelink)


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
    "connect_player_via",
    "wavelink_client",
]
