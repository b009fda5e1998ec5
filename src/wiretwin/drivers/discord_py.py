"""Pointing unmodified discord.py (and its forks) at a Discord twin.

discord.py dials ``DiscordWebSocket.DEFAULT_GATEWAY`` and builds every REST URL from
``Route.BASE``; both are class attributes, so pointing it at a twin is process-wide:
:func:`use_discord_py` does it for the duration of a ``with`` block (or until
:func:`restore`), and can also spare a bot discord.py's 2-second wait for more guilds
after the last GUILD_CREATE (the twin sends them all at once after READY). The forks have
their own module names (nextcord, disnake; py-cord reuses ``discord``). hikari and
discord.js take URLs as options instead: :mod:`wiretwin.drivers.hikari`,
:mod:`wiretwin.drivers.discord_js`.

Time: when the twin runs on a :class:`~wiretwin.runtime.looptime.LoopTime` clock (one
virtual time for the test's loop), :func:`use_discord_py` makes the library's own clock
reads follow it too (:func:`wiretwin.drivers.bot_time.follow_loop_time`: ``utcnow``,
``tasks.loop``, cooldowns, view timeouts, the heartbeat thread). On a
:class:`~wiretwin.runtime.clock.VirtualClock` (a clock apart from the loop's), only views
and modals time out on it (``await clock.advance(180)`` times out a ``timeout=180``
view); ``view_clock=False`` leaves the library's time alone in both cases.

Voice: discord.py dials the voice gateway at ``wss://{endpoint}``, and the twin's voice
gateway serves TLS with a certificate of its own (:mod:`wiretwin.discord.voice.tls`).
:func:`use_discord_py` makes the library's ``HTTPClient.ws_connect`` hand that one
connection a context trusting the twin's certificate; every other connection (and every
other host) is verified as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import ssl
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..runtime.clock import VirtualClock
from ..runtime.looptime import LoopClock
from .bot_time import follow_loop_time, views_on_clock

if TYPE_CHECKING:
    from ..discord.twin import DiscordTwin

#: Where ``HTTPClient`` keeps its aiohttp session (a private, name-mangled attribute).
_SESSION = "_HTTPClient__session"
#: What discord.py waits after the last GUILD_CREATE when pointed at a twin.
FAST_GUILD_READY_TIMEOUT = 0.01


@contextlib.contextmanager
def use_discord_py(twin: DiscordTwin, *clients: Any, module: str = "discord",
                   view_clock: bool | None = None) -> Iterator[None]:
    """Point discord.py (or ``module="nextcord"``/``"disnake"``) at ``twin``; ``clients``
    also get a short ``guild_ready_timeout`` unless they set one. ``view_clock`` (by
    default: when the twin's clock is virtual or loop time) puts the library's timers on
    the twin's clock (see the module docstring)."""
    lib = importlib.import_module(module)
    http = importlib.import_module(f"{module}.http")
    gateway = importlib.import_module(f"{module}.gateway")
    import yarl

    route = http.Route
    saved: list[tuple[Any, str, Any]] = []
    for attr, value in (("BASE", twin.http_url("/api/v10")),
                        ("API_BASE_URL", twin.http_url("/api/v{API_VERSION}"))):
        if hasattr(route, attr):
            saved.append((route, attr, getattr(route, attr)))
            setattr(route, attr, value)
    asset = getattr(importlib.import_module(f"{module}.asset"), "Asset", None)
    if asset is not None and hasattr(asset, "BASE"):  # emoji and avatar URLs: the twin's CDN
        saved.append((asset, "BASE", asset.BASE))
        asset.BASE = twin.http_url("")
    connect = getattr(http.HTTPClient, "ws_connect", None)
    if connect is not None:
        saved.append((http.HTTPClient, "ws_connect", connect))
        http.HTTPClient.ws_connect = _trusting_voice(twin, connect)
    ws = gateway.DiscordWebSocket
    if hasattr(ws, "DEFAULT_GATEWAY"):
        saved.append((ws, "DEFAULT_GATEWAY", ws.DEFAULT_GATEWAY))
        ws.DEFAULT_GATEWAY = yarl.URL(twin.ws_url("/"))
    for client in clients:
        state = getattr(client, "_connection", None)
        if state is not None and getattr(state, "guild_ready_timeout", None) == 2.0:
            state.guild_ready_timeout = FAST_GUILD_READY_TIMEOUT
    if view_clock is None:
        view_clock = isinstance(twin.clock, VirtualClock | LoopClock)
    timing: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if view_clock and isinstance(twin.clock, LoopClock):
        timing = follow_loop_time(twin.clock.looptime, module)
    elif view_clock:
        timing = views_on_clock(twin.clock, module)
    del lib
    try:
        with timing:
            yield
    finally:
        for owner, attr, value in reversed(saved):
            setattr(owner, attr, value)


class _TrustingSession:
    """The client's aiohttp session, but its ``ws_connect`` trusts ``context``."""

    def __init__(self, session: Any, context: ssl.SSLContext) -> None:
        self._session = session
        self._context = context

    def ws_connect(self, url: Any, **kwargs: Any) -> Any:
        kwargs["ssl"] = self._context
        return self._session.ws_connect(url, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def _trusting_voice(twin: DiscordTwin, connect: Callable[..., Awaitable[Any]]
                    ) -> Callable[..., Awaitable[Any]]:
    """``HTTPClient.ws_connect``, trusting ``twin``'s voice gateway for its URL only."""

    @functools.wraps(connect)
    async def ws_connect(http: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        if not twin.voice.serves(url) or not hasattr(http, _SESSION):
            return await connect(http, url, *args, **kwargs)
        session = getattr(http, _SESSION)
        trusting = _TrustingSession(session, twin.voice.client_ssl_context())
        setattr(http, _SESSION, trusting)
        try:
            return await connect(http, url, *args, **kwargs)
        finally:
            if getattr(http, _SESSION) is trusting:
                setattr(http, _SESSION, session)

    return ws_connect


def forget_closing_task(client: Any) -> None:
    """The finished task of ``client.close()`` swapped for a done future, which
    ``is_closed()`` and a second ``close()`` read alike: a closed client is garbage in
    reference cycles, and its task would stay in asyncio's list of all tasks (which
    every ``asyncio.all_tasks()`` walks) until the collector runs."""
    task: Any = getattr(client, "_closing_task", None)
    if isinstance(task, asyncio.Task) and task.done() and not task.cancelled():
        done = asyncio.get_running_loop().create_future()
        exc = task.exception()
        if exc is None:
            done.set_result(task.result())
        else:
            done.set_exception(exc)
            done.exception()  # as retrieved as the task's was
        client._closing_task = done


__all__ = ["FAST_GUILD_READY_TIMEOUT", "forget_closing_task", "use_discord_py"]
