"""Driving lavalink.py (PyPI ``lavalink``) against the twin, its voice from a Discord twin.

lavalink.py needs no Discord library: a ``lavalink.Client(user_id)`` connects its nodes on
its own. What Discord gives it is the voice state: a bot's ``VOICE_STATE_UPDATE`` and
``VOICE_SERVER_UPDATE``, which a bot forwards to ``client.voice_update_handler`` and which
make lavalink.py PATCH the player's ``voice``. Without voice the twin's player never
advances (Lavalink only produces frames while a voice connection polls them), so every
recipe here starts with :func:`join_voice`.

The voice comes from a Discord twin, as a bot's comes from Discord: :func:`connect` with a
``discord_twin`` also logs a discord.py client in to it (lavalink.py's user id is the
bot's there), and :func:`join_voice` joins through that gateway with the voice client
lavalink.py's own discord.py example describes
(:class:`~.discord_voice.LavalinkPyVoice`): the Discord twin answers op 4 and its two
dispatches reach ``voice_update_handler``. Voice can still be fed by hand
(``join_voice(..., voice=...)``, :func:`feed_voice`: gateway payloads a test makes up,
for a client with no Discord at all).

lavalink.py also reports everything through event hooks dispatched as separate tasks, in no
guaranteed order relative to the code that caused them. :class:`EventLog` records every
event so a test can wait for the one it needs (never sleep), and :func:`close_client`
shuts a client down without leaving unclosed sessions or orphaned tasks behind (lavalink.py
has no ``destroy()``; ``Client.close()`` cancels its connection tasks without awaiting
them); :meth:`Connection.close` also closes the discord.py client.

Usage::

    async with DiscordTwin() as discord_twin, LavalinkTwin(clock=VirtualClock()) as twin:
        voice_guild(discord_twin, 1, {2: "Music"})
        conn = await connect(twin, discord_twin)
        try:
            player = await join_voice(conn, guild_id=1, channel_id=2)
            result = await conn.client.get_tracks("ytsearch:lofi")
            player.add(result.tracks[0])
            await player.play()
            await conn.events.wait_for(TrackStartEvent)
        finally:
            await conn.close()

lavalink.py ships no type information, so its objects are typed ``Any`` here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import aiohttp
import discord
import lavalink
from lavalink.events import NodeReadyEvent

from ..discord.twin import DiscordTwin
from ..runtime.waiters import WaitableLog
from .discord_voice import LavalinkPyVoice, discord_voice_client, lavalink_py_voice
from .events import DriverEvent
from .events import EventLog as SharedLog
from .payloads import DEFAULT_BOT_ID, VoiceSession
from .tasks import finish_tasks_of

if TYPE_CHECKING:
    from ..lavalink import LavalinkTwin

#: The bot user id the helpers use (:data:`.payloads.DEFAULT_BOT_ID`). lavalink.py
#: ignores a ``VOICE_STATE_UPDATE`` whose ``user_id`` is not its own.
DEFAULT_USER_ID = DEFAULT_BOT_ID
#: ``Client-Name`` lavalink.py sends on the websocket upgrade.
CLIENT_NAME = f"Lavalink.py/{lavalink.__version__}"

E = TypeVar("E")


class VoiceLike(Protocol):
    """What :func:`join_voice` needs (:class:`.voice.VoiceSession` is one)."""

    @property
    def guild_id(self) -> int: ...

    def gateway_events(self) -> list[dict[str, Any]]: ...


#: A voice connection without discord.py: the two gateway dispatches lavalink.py reads
#: (:class:`.payloads.VoiceSession`, which imports no Discord library).
SyntheticVoice = VoiceSession


class EventLog:
    """Every event a lavalink.py client dispatches, in the order its hooks ran.

    lavalink.py dispatches each event in a task of its own, so a test cannot know when a
    hook has run; it waits on this log instead (the drivers' shared
    :class:`~wiretwin.drivers.events.EventLog`, :attr:`log`: woken by the hook, never by
    polling), matching events by class. ``mark()`` and ``since=`` let a test wait for an
    event *after* some action.
    """

    def __init__(self, client: Any) -> None:
        self.log = SharedLog()
        client.add_event_hook(self._hook)

    async def _hook(self, event: Any) -> None:
        self.log.record(type(event).__name__, event)

    @property
    def events(self) -> list[Any]:
        """lavalink.py's event objects, in order."""
        return [e.payload for e in self.log.events()]

    def mark(self) -> int:
        """A position in the log, for ``since=``: only later events count."""
        return self.log.mark()

    def of(self, kind: type[E], where: Callable[[E], bool] | None = None, *,
           since: int = 0) -> list[E]:
        """The events of ``kind`` recorded so far (from ``since``) matching ``where``."""
        return [e.payload for e in self.log.events(after=since, where=_matcher(kind, where))]

    async def wait_for(self, kind: type[E], where: Callable[[E], bool] | None = None, *,
                       count: int = 1, since: int = 0, timeout: float = 5.0) -> list[E]:
        """The first ``count`` events of ``kind`` (from ``since``), once they are there.

        Raises an AssertionError showing what was seen when they do not come in
        ``timeout`` real seconds (a safety net: no test should rely on that much time).
        """
        found = await self.log.wait_events(_matcher(kind, where), after=since, count=count,
                                           timeout=timeout)
        return [e.payload for e in found]

    def frames(self, *, since: int = 0) -> list[dict[str, Any]]:
        """The raw websocket messages received (``IncomingWebSocketMessage.data``)."""
        return [e.data for e in self.of(lavalink.IncomingWebSocketMessage, since=since)]


def _matcher(kind: type[E], where: Callable[[E], bool] | None
             ) -> Callable[[DriverEvent], bool]:
    def matches(event: DriverEvent) -> bool:
        return isinstance(event.payload, kind) and (where is None or where(event.payload))

    return matches


@dataclass
class Handshakes:
    """The response headers of every websocket upgrade a client made (in order).

    lavalink.py reads neither ``Session-Resumed`` nor ``Lavalink-Api-Version``; a test that
    wants to see them attaches this to the client's aiohttp session (a trace hook, so the
    client's behaviour is unchanged).
    """

    responses: WaitableLog[tuple[int, Mapping[str, str]]] = field(
        default_factory=WaitableLog)

    @classmethod
    def attach(cls, client: Any) -> Handshakes:
        recorder = cls()
        trace = aiohttp.TraceConfig()

        async def on_end(session: aiohttp.ClientSession, context: Any,
                         params: aiohttp.TraceRequestEndParams) -> None:
            if params.url.path.endswith("/websocket"):
                recorder.responses.append((params.response.status,
                                           dict(params.response.headers)))

        trace.on_request_end.append(on_end)
        trace.freeze()
        client._session.trace_configs.append(trace)
        return recorder

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Mapping[str, str]]:
        """The headers of the first ``count`` upgrades, once there are that many."""
        found = await self.responses.wait_for(lambda _: True, count=count, timeout=timeout)
        return [headers for _, headers in found]


@dataclass
class Connection:
    """A lavalink.py client with one node on the twin, ready; and, when it was connected
    with a Discord twin, the discord.py client logged in there (:attr:`discord`)."""

    client: Any
    node: Any
    events: EventLog
    handshakes: Handshakes
    ready: Any
    discord: discord.Client | None = None
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack,
                                              repr=False)

    @property
    def session_id(self) -> str:
        return str(self.node.session_id)

    async def close(self) -> None:
        """:func:`close_client`, then log the discord.py client out."""
        try:
            await close_client(self.client)
        finally:
            await self._stack.aclose()


def new_client(user_id: int = DEFAULT_USER_ID, **kwargs: Any) -> tuple[Any, EventLog,
                                                                         Handshakes]:
    """A ``lavalink.Client`` with an :class:`EventLog` and :class:`Handshakes` attached
    (call from a running loop: the client creates its aiohttp session at once)."""
    client = lavalink.Client(user_id, **kwargs)
    return client, EventLog(client), Handshakes.attach(client)


async def connect(twin: LavalinkTwin, discord_twin: DiscordTwin | None = None, *,
                  user_id: int | None = None, session_id: str | None = None,
                  timeout: float = 5.0, **client_kwargs: Any) -> Connection:
    """A client connected to ``twin`` (its ``NodeReadyEvent`` received).

    With ``discord_twin``, a discord.py client is logged in to it first and lavalink.py
    takes the bot's user id there (:func:`join_voice` then joins through it); without,
    the client has no Discord (``user_id``, :data:`DEFAULT_USER_ID` by default).
    ``session_id`` asks lavalink.py to resume that session (``Session-Id`` on the upgrade),
    as a restarted bot does.
    """
    stack = contextlib.AsyncExitStack()
    bot: discord.Client | None = None
    if discord_twin is not None:
        bot = await stack.enter_async_context(discord_voice_client(discord_twin))
        user_id = discord_twin.model.bot.id
    client, events, handshakes = new_client(
        user_id if user_id is not None else DEFAULT_USER_ID, **client_kwargs)
    try:
        node = client.add_node(**twin.settings()["lavalink_py"], session_id=session_id)
        ready = await wait_ready(events, node, timeout=timeout)
    except BaseException:
        await close_client(client)
        await stack.aclose()
        raise
    return Connection(client, node, events, handshakes, ready, bot, stack)


async def wait_ready(events: EventLog, node: Any, *, since: int = 0,
                     timeout: float = 5.0) -> Any:
    """The node's next ``NodeReadyEvent`` (from ``since``): only then does lavalink.py
    know a session id, which every player call needs."""
    (ready,) = await events.wait_for(NodeReadyEvent, lambda e: e.node is node, since=since,
                                     timeout=timeout)
    return ready


async def enable_resuming(conn: Connection, *, timeout: int = 60,
                          wait: float = 5.0) -> Any:
    """Make the session resumable and lavalink.py's reconnects resume it.

    ``PATCH /v4/sessions/{id}`` (``node.update_session``) makes the twin keep the session
    for ``timeout`` seconds after its socket goes. But lavalink.py builds its upgrade
    headers once per connection task, before the task's reconnect loop: a node that
    connected without a session id reconnects after a drop without one too, opening a new
    session (and moving its players there) instead of resuming. Restarting the task once
    the id is known (``node.connect(force=True)``: a 1000 close, which pauses the now
    resumable session, then a connect carrying ``Session-Id``) makes every later
    reconnect a resume. Returns that first resume's ``NodeReadyEvent``.
    """
    await conn.node.update_session(resuming=True, timeout=timeout)
    mark = conn.events.mark()
    await conn.node.connect(force=True)
    return await wait_ready(conn.events, conn.node, since=mark, timeout=wait)


async def join_voice(conn: Connection | Any, guild_id: int | None = None,
                     channel_id: int = 1, *, voice: VoiceLike | None = None,
                     node: Any = None, timeout: float = 5.0) -> Any:
    """Create the guild's player and join ``channel_id``: returns the player once the
    Lavalink twin has accepted its voice connection (it advances from then on).

    The voice comes from the connection's Discord twin: op 4 through its discord.py
    client (the guild's :class:`~.discord_voice.LavalinkPyVoice`, made on the first
    join), the twin's answer to ``voice_update_handler``, which PATCHes ``voice``. With
    ``voice`` (``conn`` may then be a bare ``lavalink.Client``), those two dispatches are
    made up and fed by hand instead.
    """
    client = conn.client if isinstance(conn, Connection) else conn
    if voice is not None:
        player = client.player_manager.create(voice.guild_id, node=node)
        await feed_voice(client, voice.gateway_events())
        return player
    bot = conn.discord if isinstance(conn, Connection) else None
    if bot is None:
        raise ValueError("no Discord to join through: connect(twin, discord_twin), "
                         "or give a voice")
    channel = bot.get_channel(channel_id)
    if not isinstance(channel, discord.VoiceChannel) or (
            guild_id is not None and channel.guild.id != guild_id):
        raise TypeError(f"channel {channel_id} is not a voice channel of guild {guild_id} "
                        "the bot sees on the Discord twin (make it with voice_guild)")
    current = channel.guild.voice_client
    if not isinstance(current, LavalinkPyVoice):
        current = await channel.connect(cls=lavalink_py_voice(client), timeout=timeout)
        assert isinstance(current, LavalinkPyVoice)
        await current.servers.wait_for(lambda _: True, timeout=timeout)
    else:  # joined before (the player was destroyed since): join again
        await current.join(channel, timeout=timeout)
    player = client.player_manager.get(channel.guild.id)
    if node is not None and player.node is not node:
        await player.change_node(node)
    return player


async def feed_voice(client: Any, dispatches: Iterable[dict[str, Any]]) -> None:
    """Hand gateway dispatches (``{"t": ..., "d": ...}``) to ``voice_update_handler``, as
    a bot's ``on_socket_response`` listener does."""
    for dispatch in dispatches:
        await client.voice_update_handler(dispatch)


async def close_client(client: Any, *, timeout: float = 5.0) -> None:
    """Close a lavalink.py client and wait until its tasks have ended.

    ``Client.close()`` destroys every node (closing its websocket with 1000 and cancelling
    its connection task) and closes the aiohttp session, but does not wait for the
    cancelled tasks; left running, they outlive the test's loop. Waiting for them here
    also lets the twin see the close frame before the test looks at its state.
    """
    tasks = [t for node in client.node_manager for t in (node._transport._connection_task,)
             if t is not None]
    await client.close()
    pending = [t for t in tasks if not t.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)
    # What the connection tasks set off on their way out (disconnect handling, hook
    # dispatches) ends before the loop goes.
    await finish_tasks_of(lavalink, timeout=timeout)


__all__ = [
    "CLIENT_NAME",
    "DEFAULT_USER_ID",
    "Connection",
    "EventLog",
    "Handshakes",
    "SyntheticVoice",
    "VoiceLike",
    "close_client",
    "connect",
    "enable_resuming",
    "feed_voice",
    "join_voice",
    "new_client",
    "wait_ready",
]
