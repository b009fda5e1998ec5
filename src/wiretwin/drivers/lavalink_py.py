"""Driving lavalink.py (PyPI ``lavalink``) against the twin, without Discord.

lavalink.py needs no Discord library: a ``lavalink.Client(user_id)`` connects its nodes on
its own. What Discord would give it is the voice state: a bot's ``VOICE_STATE_UPDATE``
and ``VOICE_SERVER_UPDATE``, which a bot forwards to ``client.voice_update_handler`` and
which make lavalink.py PATCH the player's ``voice``. Without voice the twin's player never
advances (Lavalink only produces frames while a voice connection polls them), so every
recipe here starts with :func:`join_voice`.

lavalink.py also reports everything through event hooks dispatched as separate tasks, in no
guaranteed order relative to the code that caused them. :class:`EventLog` records every
event so a test can wait for the one it needs (never sleep), and :func:`close_client`
shuts a client down without leaving unclosed sessions or orphaned tasks behind (lavalink.py
has no ``destroy()``; ``Client.close()`` cancels its connection tasks without awaiting
them).

Usage::

    async with LavalinkTwin(clock=VirtualClock()) as twin:
        conn = await connect(twin)
        try:
            player = await join_voice(conn.client, guild_id=1, channel_id=2)
            result = await conn.client.get_tracks("ytsearch:lofi")
            player.add(result.tracks[0])
            await player.play()
            await conn.events.wait_for(TrackStartEvent)
        finally:
            await close_client(conn.client)

lavalink.py ships no type information, so its objects are typed ``Any`` here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import aiohttp
import lavalink
from lavalink.events import NodeReadyEvent

from ..runtime.waiters import WaitableLog
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
    """A lavalink.py client with one node on the twin, ready."""

    client: Any
    node: Any
    events: EventLog
    handshakes: Handshakes
    ready: Any

    @property
    def session_id(self) -> str:
        return str(self.node.session_id)


def new_client(user_id: int = DEFAULT_USER_ID, **kwargs: Any) -> tuple[Any, EventLog,
                                                                         Handshakes]:
    """A ``lavalink.Client`` with an :class:`EventLog` and :class:`Handshakes` attached
    (call from a running loop: the client creates its aiohttp session at once)."""
    client = lavalink.Client(user_id, **kwargs)
    return client, EventLog(client), Handshakes.attach(client)


async def connect(twin: LavalinkTwin, *, user_id: int = DEFAULT_USER_ID,
                  session_id: str | None = None, timeout: float = 5.0,
                  **client_kwargs: Any) -> Connection:
    """A client connected to ``twin`` (its ``NodeReadyEvent`` received).

    ``session_id`` asks lavalink.py to resume that session (``Session-Id`` on the upgrade),
    as a restarted bot does.
    """
    client, events, handshakes = new_client(user_id, **client_kwargs)
    try:
        node = client.add_node(**twin.settings()["lavalink_py"], session_id=session_id)
        ready = await wait_ready(events, node, timeout=timeout)
    except BaseException:
        await close_client(client)
        raise
    return Connection(client, node, events, handshakes, ready)


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


async def join_voice(client: Any, guild_id: int | None = None, channel_id: int = 1, *,
                     voice: VoiceLike | None = None, node: Any = None) -> Any:
    """Create the guild's player and hand lavalink.py the voice state Discord would send.

    lavalink.py PATCHes ``voice`` once it has the session id, channel, endpoint and
    token, so this returns after the twin has accepted the voice connection (the player
    exists on the twin and advances from then on).
    """
    if voice is None:
        if guild_id is None:
            raise ValueError("give a guild_id or a voice")
        voice = SyntheticVoice(guild_id, channel_id, user_id=int(client._user_id))
    player = client.player_manager.create(voice.guild_id, node=node)
    await feed_voice(client, voice.gateway_events())
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
