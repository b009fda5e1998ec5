"""Attaching a discord.py client to a Discord twin synchronously, in the running loop.

:func:`attach` is for synchronous code inside an event loop (dpytest's ``configure()``,
a synchronous fixture): when it returns, the client is logged in as the twin's bot with
``client.user``, ``client.guilds``, their channels and members and
``client.application_id`` in its cache, ``client.is_ready()`` true, and ``on_ready``
scheduled. From then on every dispatch the twin makes (a member's message through the
model or the backend, a channel the model creates, the echo of the bot's own REST calls)
is in the client's cache by the time the model operation returns.

Theory of operation
-------------------
* REST stays on the wire: ``client.http`` gets its aiohttp session as
  ``static_login`` makes it (its one request, ``GET /users/@me``, answered in process:
  READY brings the user anyway), and :func:`~.discord_py.use_discord_py` points its
  routes at the twin until :meth:`Attachment.close`. With ``in_process=True`` that
  session is wrapped so that requests to the twin reach its application without a
  socket (:mod:`.inprocess_http`: same routes, journal and faults). The twin must live
  in the same loop (``twin.start_soon()``, or ``await twin.start()``): its handlers run
  the model, whose dispatches reach the client in that loop.
* The gateway is in memory: a :class:`~wiretwin.discord.websocket.MemoryConnection` (same
  hub, checks and journal as a socket) under a real ``discord.gateway.DiscordWebSocket``,
  wired as ``DiscordWebSocket.from_client`` wires one, whose ``socket`` is
  :class:`_ClientSocket` (what discord.py uses of aiohttp's websocket). Frames from the
  twin go to ``received_message`` at once (:func:`~.tasks.run_now`: a dispatch never
  waits; what does, such as RECONNECT, goes on as a task). The twin's replies to what the
  client sends (HEARTBEAT_ACK, READY, member chunks) come on the next loop turn, or when
  this module flushes them, never inside the client's own send (discord.py registers what
  awaits a reply after sending).
* HELLO is answered as discord.py answers it (a heartbeat at once), but heartbeats then
  run on the twin's clock (:class:`_ClockKeepAlive`) instead of discord.py's keep-alive
  thread: no thread to stop, and a test that moves a virtual clock past the twin's
  heartbeat deadline keeps its session, as a live client would.
* READY without the wait: discord.py's ``_delay_ready`` waits ``guild_ready_timeout``
  (2 s) after the last GUILD_CREATE in case more come. Here every GUILD_CREATE of the
  session has been delivered by the time IDENTIFY's answer is flushed, so that task is
  cancelled before it starts and its work is done at once: guilds that need chunking
  (``chunk_guilds_at_startup``) ask for their members through the in-memory gateway and
  get them in the same flush, ``guild_available``/``guild_join`` are dispatched, the
  client's ready handler runs and ``ready`` is dispatched. If READY does not come at
  once (a fault on the gateway), discord.py's own path runs instead.
* If the twin closes the connection (a reset, a RECONNECT, an invalid session), the
  client resumes or identifies again on a new in-memory connection, on the next loop
  turn, unless the twin is stopping or the attachment closed. ``setup_hook`` is not run
  (dpytest never runs it either): load extensions and cogs in the test's fixture.

discord.py 2.3 to 2.7 (the versions dpytest users run) share every name used here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl
from discord import gateway as dgw
from discord.appinfo import AppInfo

from ..runtime.parking import parked
from .bots import reopen_discord_py
from .discord_py import forget_closing_task, use_discord_py
from .inprocess_http import InProcessSession
from .tasks import finish_tasks_of, run_now, tasks_of

if TYPE_CHECKING:
    from ..discord.twin import DiscordTwin
    from ..discord.websocket import MemoryConnection
    from ..runtime.clock import TimerHandle

_log = logging.getLogger("wiretwin.drivers.attach")
#: The client's attribute naming the attachment it is attached through now.
_ATTACHED = "_wiretwin_attachment"
#: What the client's socket answers once the connection is gone.
_GONE = "Cannot write to closing transport"


class _ClientSocket:
    """What ``DiscordWebSocket`` uses of aiohttp's ``ClientWebSocketResponse``, over a
    :class:`MemoryConnection`."""

    def __init__(self) -> None:
        self.connection: MemoryConnection | None = None
        self.close_code: int | None = None
        self._closed = asyncio.get_running_loop().create_future()

    @property
    def closed(self) -> bool:
        return self._closed.done()

    async def send_str(self, data: str, compress: int | None = None) -> None:
        if self.closed or self.connection is None:
            raise ConnectionResetError(_GONE)
        self.connection.send(data)

    async def send_bytes(self, data: bytes, compress: int | None = None) -> None:
        await self.send_str(data.decode())  # the gateway takes JSON in binary frames too

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        if self.closed:
            return False
        self.ended(code)
        if self.connection is not None:
            self.connection.close(code)
        return True

    def ended(self, code: int) -> None:
        if not self.closed:
            self.close_code = code
            self._closed.set_result(None)

    async def receive(self, timeout: float | None = None) -> aiohttp.WSMessage:
        """Nobody polls an attached client's socket; if someone does, it hears of the
        close."""
        await asyncio.wait_for(asyncio.shield(self._closed), timeout)
        return aiohttp.WSMessage(aiohttp.WSMsgType.CLOSED, None, None)

    def exception(self) -> BaseException | None:
        return None


class _ClockKeepAlive:
    """discord.py's ``KeepAliveHandler`` (the methods ``DiscordWebSocket`` calls), on the
    twin's clock instead of a thread."""

    def __init__(self, ws: Any, interval: float, call_later: Callable[..., TimerHandle],
                 run: Callable[[Coroutine[Any, Any, Any]], None]) -> None:
        self.ws = ws
        self.interval = interval
        self._call_later = call_later
        self._run = run
        self.latency = float("inf")
        self._last_send = time.perf_counter()
        self._timer: TimerHandle | None = call_later(interval, self._beat)

    def _beat(self) -> None:
        self._timer = self._call_later(self.interval, self._beat)
        self._run(self.ws.send_heartbeat(self.beat()))

    def get_payload(self) -> dict[str, Any]:
        return {"op": self.ws.HEARTBEAT, "d": self.ws.sequence}

    def beat(self) -> dict[str, Any]:
        self._last_send = time.perf_counter()
        return self.get_payload()

    def tick(self) -> None:
        pass

    def ack(self) -> None:
        self.latency = time.perf_counter() - self._last_send

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Attachment:
    """A discord.py client attached to a twin by :func:`attach`; :meth:`close` (or
    :meth:`close_nowait` from synchronous code) detaches it."""

    def __init__(self, twin: DiscordTwin, client: discord.Client, *,
                 in_process: bool = False) -> None:
        self.twin = twin
        self.client = client
        self.in_process = in_process
        #: What discord.py raised handling a frame from the twin (a parser's bug, or
        #: the bot's own, surfacing in its cache code): logged, kept here, and never
        #: let into the twin's model operation that sent the frame.
        self.errors: list[BaseException] = []
        self.closed = False
        self._patch = use_discord_py(twin, client)
        self._patched = False
        self._tasks: set[asyncio.Future[Any]] = set()
        self._socket: _ClientSocket | None = None
        self._closing: asyncio.Task[None] | None = None

    @property
    def connection(self) -> MemoryConnection | None:
        """The current in-memory gateway connection (None once closed)."""
        socket = self._socket
        return None if socket is None or socket.closed else socket.connection

    # -- logging in -------------------------------------------------------------------

    def _start(self) -> None:
        client: Any = self.client
        self._patch.__enter__()
        self._patched = True
        if client.is_closed():  # closed before: make it startable again
            reopen_discord_py(client, "discord")
        run_now(client._async_setup_hook()).result()
        token = self.twin.application.token
        model = self.twin.model

        async def users_me(route: Any, **kwargs: Any) -> Any:
            return model.bot.to_json()

        http = client.http
        http.request = users_me  # static_login's one request, answered in process
        try:
            run_now(http.static_login(token)).result()
        finally:
            del http.request
        if self.in_process:
            http._HTTPClient__session = InProcessSession(self.twin, http._HTTPClient__session)
        state = client._connection
        with contextlib.suppress(Exception):  # what login() caches; READY does the rest
            client._application = AppInfo(state, model.application.to_json())  # type: ignore[arg-type]
        self._connect(resume=False)
        self._ready_now()

    def _connect(self, *, resume: bool, session: str | None = None,
                 sequence: int | None = None) -> None:
        """A new in-memory gateway connection, identified (or resumed) at once."""
        client: Any = self.client
        socket = _ClientSocket()
        early: list[tuple[str, str | None]] = []
        ws: Any = None

        def deliver(text: str, event: str | None) -> None:
            if ws is None:
                early.append((text, event))
            else:
                self._deliver(ws, socket, text, event)

        self._socket = socket
        socket.connection = self.twin.gateway.connect_in_memory(
            deliver, lambda code, reason: self._twin_closed(ws, socket, code))
        ws = self._websocket(socket, session, sequence)
        client.ws = ws
        for text, event in early:
            self._deliver(ws, socket, text, event)
        self._run(ws.resume() if resume else ws.identify())
        socket.connection.flush()

    def _websocket(self, socket: _ClientSocket, session: str | None,
                   sequence: int | None) -> Any:
        """A ``DiscordWebSocket`` wired as ``DiscordWebSocket.from_client`` wires one."""
        client: Any = self.client
        state = client._connection
        ws: Any = dgw.DiscordWebSocket(socket, loop=client.loop)  # type: ignore[arg-type]
        ws.token = client.http.token
        ws._connection = state
        ws._discord_parsers = state.parsers
        ws._dispatch = client.dispatch
        ws.gateway = yarl.URL(self.twin.ws_url("/"))
        ws.call_hooks = state.call_hooks
        ws._initial_identify = True  # no "not initial" 5 s wait before an IDENTIFY
        ws.shard_id = client.shard_id
        ws._rate_limiter.shard_id = client.shard_id
        ws.shard_count = state.shard_count
        ws.session_id = session
        ws.sequence = sequence
        ws._max_heartbeat_timeout = state.heartbeat_timeout
        if client._enable_debug_events:
            ws.send = ws.debug_send
            ws.log_receive = ws.debug_log_receive
        state._update_references(ws)
        return ws

    def _ready_now(self) -> None:
        """What discord.py's ``_delay_ready`` does after the last GUILD_CREATE, without
        its wait for more (see the module docstring)."""
        state: Any = self.client._connection
        task = state._ready_task
        queue = getattr(state, "_ready_state", None)
        if task is None or queue is None:
            return  # READY has not come (a fault): discord.py's own path will run
        task.cancel()  # before it started: it does nothing
        state._ready_task = None
        del state._ready_state
        guilds: list[Any] = []
        while not queue.empty():
            guilds.append(queue.get_nowait())
        chunking: list[tuple[Any, asyncio.Future[Any]]] = []
        for guild in guilds:
            if state._guild_needs_chunking(guild):
                started = run_now(state.chunk_guild(guild, wait=False))
                chunking.append((guild, started.result() if started.done() else started))
            else:
                self._guild_ready(guild)
        if self.connection is not None:
            self.connection.flush()  # the member chunks asked for above
        if all(future.done() for _, future in chunking):
            for guild, _ in chunking:
                self._guild_ready(guild)
            state.call_handlers("ready")
            state.dispatch("ready")
        else:
            self._keep(asyncio.ensure_future(self._ready_later(chunking)))

    async def _ready_later(self, chunking: list[tuple[Any, asyncio.Future[Any]]]) -> None:
        state: Any = self.client._connection
        for guild, future in chunking:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(future, timeout=state._chunk_timeout(guild))
            self._guild_ready(guild)
        state.call_handlers("ready")
        state.dispatch("ready")

    def _guild_ready(self, guild: Any) -> None:
        self.client.dispatch("guild_available" if guild.unavailable is False
                             else "guild_join", guild)

    # -- frames from the twin ---------------------------------------------------------

    def _deliver(self, ws: Any, socket: _ClientSocket, text: str, event: str | None) -> None:
        if socket.closed or ws is not self.client.ws:
            return
        if event == "HELLO":
            self._hello(ws, text)
        else:
            self._run(ws.received_message(text))

    def _hello(self, ws: Any, text: str) -> None:
        """discord.py's answer to HELLO, with the heartbeats on the twin's clock."""
        interval = json.loads(text)["d"]["heartbeat_interval"] / 1000.0
        ws._keep_alive = _ClockKeepAlive(ws, interval, self.twin.clock.call_later, self._run)
        self._run(ws.send_as_json(ws._keep_alive.get_payload()))

    def _run(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run discord.py's coroutine at once; what it raises is handled here, now or
        when the rest of it (a task) ends."""
        future = run_now(coro)
        if future.done():
            self._outcome(future)
        else:
            self._keep(future)
            future.add_done_callback(self._outcome)

    def _keep(self, future: asyncio.Future[Any]) -> None:
        self._tasks.add(future)
        future.add_done_callback(self._tasks.discard)

    def _outcome(self, future: asyncio.Future[Any]) -> None:
        if future.cancelled():
            return
        exc = future.exception()
        if exc is None:
            return
        if isinstance(exc, dgw.ReconnectWebSocket):
            self._reconnect_soon(exc.resume)
            return
        self.errors.append(exc)
        _log.error("discord.py failed handling a gateway frame from the twin",
                   exc_info=exc)

    # -- the twin closed --------------------------------------------------------------

    def _twin_closed(self, ws: Any, socket: _ClientSocket, code: int) -> None:
        socket.ended(code)
        if ws is None or ws is not self.client.ws:
            return
        if ws._keep_alive is not None:
            ws._keep_alive.stop()
            ws._keep_alive = None
        self.client.dispatch("disconnect")
        if ws._can_handle_close():
            self._reconnect_soon(resume=True)
        else:
            self.errors.append(ConnectionError(f"the twin closed the gateway with {code}"))

    def _reconnect_soon(self, resume: bool) -> None:
        ws: Any = self.client.ws
        session = ws.session_id if resume else None
        sequence = ws.sequence if resume else None

        def reconnect() -> None:
            if self.closed or not self.twin.accepting or self.client.ws is not ws:
                return
            self._connect(resume=session is not None, session=session, sequence=sequence)
            self._ready_now()

        asyncio.get_running_loop().call_soon(reconnect)

    # -- detaching --------------------------------------------------------------------

    def close_nowait(self) -> None:
        """Detach from synchronous code: the gateway connection closes now (the twin
        sees the client's 1000), discord.py is pointed back at Discord now, and the
        rest (closing the client's HTTP session) runs in a task :meth:`close` awaits."""
        if self.closed:
            return
        self.closed = True
        ws: Any = self.client.ws
        if ws is not None and ws._keep_alive is not None:
            ws._keep_alive.stop()
            ws._keep_alive = None
        socket = self._socket
        if socket is not None and not socket.closed:
            socket.ended(1000)
            if socket.connection is not None:
                socket.connection.close(1000)
        self._unpatch()
        # This login's HTTP session (and its connector) leave the client now and close
        # in a task: attaching the same client again at once (dpytest's second
        # configure()) starts on fresh ones, which that task cannot close under it.
        http: Any = self.client.http
        session = getattr(http, "_HTTPClient__session", None)
        http._HTTPClient__session = discord.utils.MISSING
        http.connector = discord.utils.MISSING
        if session:
            self._closing = asyncio.ensure_future(session.close())

    def _current(self) -> bool:
        """The client is attached through this attachment (not attached again since)."""
        return getattr(self.client, _ATTACHED, None) is self

    async def close(self, *, client_close: bool = True) -> None:
        """Detach: the client closes as ``client.close()`` closes it (gateway, HTTP
        session), and what it and this attachment left running finishes or ends. A
        client attached again since (to another twin) is left to that attachment.
        ``client_close=False``: only ``discord.Client``'s own ``close`` runs, not a
        subclass's (a ``commands.Bot`` keeps its extensions and cogs loaded, as dpytest
        left them)."""
        if not self.closed and self._current():
            # Voice first, while the gateway still carries the bot's leave (op 4):
            # discord.py's close waits for its VOICE_STATE_UPDATE otherwise.
            for voice in list(self.client.voice_clients):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(voice.disconnect(force=True), 5)
        self.close_nowait()
        closing, self._closing = self._closing, None
        if closing is not None:
            with contextlib.suppress(Exception):
                await closing
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if not self._current():
            return
        if not self.client.is_closed():
            with contextlib.suppress(Exception):
                if client_close:
                    await self.client.close()
                else:
                    await discord.Client.close(self.client)
            forget_closing_task(self.client)
        # What sleeps on a timer (a tasks.loop between runs, a delete_after) would only
        # wake against a closed client: it ends now; the rest is waited for.
        for task in tasks_of(discord):
            if parked(task):
                task.cancel()
        await finish_tasks_of(discord)

    def _unpatch(self) -> None:
        if self._patched:
            self._patched = False
            self._patch.__exit__(None, None, None)


def attach(twin: DiscordTwin, client: discord.Client, *, in_process: bool = False
           ) -> Attachment:
    """Log ``client`` in to ``twin`` now, from synchronous code running in the twin's
    loop (see the module docstring); returns the attachment, which
    ``await attachment.close()`` detaches. ``in_process=True``: the client's REST
    requests to the twin are served without a socket
    (:class:`~.inprocess_http.InProcessSession`)."""
    loop = asyncio.get_running_loop()  # raises outside a loop, with its own message
    if twin.home_loop is not loop:
        raise RuntimeError("attach() needs the twin in this event loop: start it with "
                           "twin.start_soon() (or await twin.start()), not in a thread")
    if isinstance(client, discord.AutoShardedClient):
        raise TypeError("attach() takes a discord.Client or commands.Bot, not an "
                        "AutoShardedClient")
    attachment = Attachment(twin, client, in_process=in_process)
    setattr(client, _ATTACHED, attachment)
    try:
        attachment._start()
    except BaseException:
        attachment.close_nowait()
        raise
    return attachment


__all__ = ["Attachment", "attach"]
