"""Pointing unmodified discord.py (and its forks) at a Discord twin.

discord.py dials ``DiscordWebSocket.DEFAULT_GATEWAY`` and builds every REST URL from
``Route.BASE``; both are class attributes, so pointing it at a twin is process-wide:
:func:`use_discord_py` does it for the duration of a ``with`` block (or until
:func:`restore`), and can also spare a bot discord.py's 2-second wait for more guilds
after the last GUILD_CREATE (the twin sends them all at once after READY). The forks have
their own module names (nextcord, disnake; py-cord reuses ``discord``). hikari and
discord.js take URLs as options instead: :mod:`wiretwin.drivers.hikari`,
:mod:`wiretwin.drivers.discord_js`.

Views on the twin's clock: discord.py times views and modals out with ``time.monotonic``
and ``asyncio.sleep`` in ``discord.ui.view``. When the twin runs on a
:class:`~wiretwin.runtime.clock.VirtualClock`, :func:`use_discord_py` points those two
names (in that one module, for the ``with`` block) at the twin's clock, so
``await clock.advance(180)`` times out a view with ``timeout=180`` at once, and nothing
else in discord.py is touched (``view_clock=False`` leaves them alone).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..runtime.clock import Clock, VirtualClock, sleep

if TYPE_CHECKING:
    from ..discord.twin import DiscordTwin

#: What discord.py waits after the last GUILD_CREATE when pointed at a twin.
FAST_GUILD_READY_TIMEOUT = 0.01


@contextlib.contextmanager
def use_discord_py(twin: DiscordTwin, *clients: Any, module: str = "discord",
                   view_clock: bool | None = None) -> Iterator[None]:
    """Point discord.py (or ``module="nextcord"``/``"disnake"``) at ``twin``; ``clients``
    also get a short ``guild_ready_timeout`` unless they set one. ``view_clock`` (by
    default: when the twin's clock is virtual) times views out on the twin's clock."""
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
    ws = gateway.DiscordWebSocket
    if hasattr(ws, "DEFAULT_GATEWAY"):
        saved.append((ws, "DEFAULT_GATEWAY", ws.DEFAULT_GATEWAY))
        ws.DEFAULT_GATEWAY = yarl.URL(twin.ws_url("/"))
    for client in clients:
        state = getattr(client, "_connection", None)
        if state is not None and getattr(state, "guild_ready_timeout", None) == 2.0:
            state.guild_ready_timeout = FAST_GUILD_READY_TIMEOUT
    if view_clock is None:
        view_clock = isinstance(twin.clock, VirtualClock)
    if view_clock:
        try:
            views = importlib.import_module(f"{module}.ui.view")
        except ImportError:
            views = None
        if views is not None:
            shims: tuple[tuple[str, object], ...] = (
                ("time", _ClockTime(twin.clock)), ("asyncio", _ClockAsyncio(twin.clock)))
            for name, shim in shims:
                if hasattr(views, name):
                    saved.append((views, name, getattr(views, name)))
                    setattr(views, name, shim)
    del lib
    try:
        yield
    finally:
        for owner, attr, value in reversed(saved):
            setattr(owner, attr, value)


class _ClockTime:
    """``time`` for discord.ui.view: its ``monotonic()`` is the twin's clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def monotonic(self) -> float:
        return self._clock.monotonic()

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class _ClockAsyncio:
    """``asyncio`` for discord.ui.view: its ``sleep()`` sleeps on the twin's clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def sleep(self, delay: float, result: Any = None) -> Any:
        await sleep(self._clock, delay)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


__all__ = ["FAST_GUILD_READY_TIMEOUT", "use_discord_py"]
