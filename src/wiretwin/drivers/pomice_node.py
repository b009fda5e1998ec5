"""pomice's nodes on the twin, and what pomice announces nowhere, made waitable.

pomice (2.11.1) tells nobody when it has taken the session id from ``ready`` (it marks a
node available *before* ``ready`` arrives, so a player built at once would talk to
``sessions/None``), nor when a reconnect has opened its new socket. :class:`TwinNode` is a
``pomice.Node`` that records both in :class:`~wiretwin.runtime.waiters.WaitableLog` s;
:func:`create_node` has ``pomice.NodePool.create_node`` build one, so the helpers here
wait on those records instead of polling pomice's attributes.

The patches: :func:`pomice_clock` (positions on the twin's clock) and
:class:`ReconnectGate` (pomice's random 0-14 s reconnect backoff, opened by the test).
``NodePool`` is class-level state: :func:`close_pool` disconnects every node and waits
for pomice's tasks to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import time as _time
import types
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import pomice
import pomice.player
import pomice.pool
from discord.ext import commands

from ..runtime.clock import Clock
from ..runtime.waiters import WaitableLog

if TYPE_CHECKING:
    from ..lavalink import LavalinkTwin

#: The node identifier the helpers use unless told otherwise.
DEFAULT_IDENTIFIER = "wiretwin"


class TwinNode(pomice.Node):
    """A ``pomice.Node`` that records each session id it takes from ``ready``
    (:attr:`sessions`) and each socket it opens (:attr:`connects`: the ``reconnect`` flag
    of every ``connect`` that succeeded). Otherwise unchanged."""

    sessions: WaitableLog[str]
    connects: WaitableLog[bool]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sessions = WaitableLog()
        self.connects = WaitableLog()

    async def _configure_resuming(self) -> None:
        # pomice calls this right after it took the session id from ``ready``.
        self.sessions.append(str(self._session_id))
        await super()._configure_resuming()

    async def connect(self, *, reconnect: bool = False) -> pomice.Node:
        node = await super().connect(reconnect=reconnect)
        self.connects.append(reconnect)
        return node


def _twin_node(node: pomice.Node) -> TwinNode:
    if not isinstance(node, TwinNode):
        raise TypeError(f"{node!r} is not a TwinNode: make it with create_node (pomice "
                        "announces its session ids nowhere else)")
    return node


# -- nodes ------------------------------------------------------------------------------


def node_settings(twin: LavalinkTwin, **overrides: Any) -> dict[str, Any]:
    """``create_node`` keyword arguments for ``twin`` (host, port, password, identifier)."""
    return {**twin.settings()["pomice"], **overrides}


async def create_node(bot: commands.Bot, settings: Mapping[str, Any], *,
                      timeout: float = 5.0, **options: Any) -> TwinNode:
    """``pomice.NodePool.create_node(bot=bot, **settings, **options)``, building a
    :class:`TwinNode`, then wait until pomice holds the session id from ``ready``.

    The node gets an ``aiohttp`` session of ours unless ``options`` has one, and it is
    closed if the node fails to connect (pomice would leave its own open).
    """
    kwargs = {**settings, **options}
    owned = "session" not in kwargs
    if owned:
        kwargs["session"] = aiohttp.ClientSession()
    try:
        with _patched(pomice.pool, "Node", TwinNode):
            node = await pomice.NodePool.create_node(bot=bot, **kwargs)
    except BaseException:
        if owned:
            await kwargs["session"].close()
        raise
    twin_node = _twin_node(node)
    await wait_session(twin_node, timeout=timeout)
    return twin_node


async def wait_session(node: pomice.Node, *, previous: str | None = None,
                       timeout: float = 5.0) -> str:
    """Wait until pomice has handled a ``ready`` (a session id other than ``previous``;
    ``node`` is a :class:`TwinNode`)."""
    twin_node = _twin_node(node)
    current = twin_node._session_id
    if current not in (None, previous):
        return str(current)
    (session_id,) = await twin_node.sessions.wait_for(
        lambda taken: taken != previous, start=len(twin_node.sessions), timeout=timeout)
    return session_id


async def close_node(node: pomice.Node) -> None:
    """Disconnect a node (its players destroyed, its socket and HTTP session closed) and
    wait for its listening task to end; safe on a node that never finished connecting."""
    with contextlib.suppress(Exception):
        for player in list(node._players.values()):
            with contextlib.suppress(Exception):
                await player.destroy()
    websocket = getattr(node, "_websocket", None)
    if websocket is not None:
        with contextlib.suppress(Exception):
            await websocket.close()
    if node._session is not None and not node._session.closed:
        await node._session.close()
    pomice.NodePool._nodes.pop(node._identifier, None)
    task = node._task
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
    node._available = False


async def close_pool() -> None:
    """Close every node in pomice's class-level ``NodePool`` and empty it."""
    for node in list(pomice.NodePool._nodes.values()):
        await close_node(node)
    pomice.NodePool._nodes.clear()


# -- patches: time and reconnect backoff ------------------------------------------------


@contextlib.contextmanager
def _patched(target: object, name: str, value: object) -> Iterator[None]:
    original = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, original)


class _ClockTime(types.SimpleNamespace):
    """The ``time`` module as pomice's player module sees it: ``time()`` from a clock."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock

    def time(self) -> float:
        return self._clock.time()

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)


@contextlib.contextmanager
def pomice_clock(clock: Clock) -> Iterator[None]:
    """Make pomice's player positions read ``clock`` instead of ``time.time()`` (pomice
    extrapolates from the server's ``state.time``, which is the twin's clock)."""
    with _patched(pomice.player, "time", _ClockTime(clock)):
        yield


class ReconnectGate:
    """Stands in for the ``asyncio.sleep`` of pomice's reconnect backoff.

    Install with :meth:`install`; a sleeping pomice (``parked``) waits for a permit
    (:meth:`release`) instead of a random 0-14 s. :meth:`reconnect` walks pomice through one
    reconnection: once its backoff ends it starts ``connect(reconnect=True)`` in a task and
    goes straight back to reading its socket; if that is still the dead one, it backs off
    again, and is let go only once the new socket is open, so that it listens on that one
    (letting every sleep pass at once would start several concurrent connects).
    """

    def __init__(self) -> None:
        #: The delays pomice asked to sleep, in order.
        self.delays: list[float] = []
        self._permits = 0
        self._parked = 0
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    @property
    def parked(self) -> int:
        """How many pomice backoff sleeps are waiting now."""
        return self._parked

    async def sleep(self, delay: float, result: Any = None) -> Any:
        changed = self._condition()
        async with changed:
            self.delays.append(delay)
            self._parked += 1
            changed.notify_all()
            try:
                await changed.wait_for(lambda: self._permits > 0)
                self._permits -= 1
            finally:
                self._parked -= 1
                changed.notify_all()
        return result

    async def wait_parked(self, count: int = 1, *, timeout: float = 5.0) -> None:
        """Wait until ``count`` backoff sleeps have been entered in all."""
        changed = self._condition()
        async with changed:
            await asyncio.wait_for(changed.wait_for(lambda: len(self.delays) >= count),
                                   timeout)

    async def release(self, permits: int = 1) -> None:
        """Let ``permits`` sleeps (current or future) end."""
        changed = self._condition()
        async with changed:
            self._permits += permits
            changed.notify_all()

    async def reconnect(self, node: pomice.Node, *, timeout: float = 5.0) -> str:
        """Drive one reconnection of ``node`` (a :class:`TwinNode`; pomice is, or is about
        to be, in its first backoff); returns the new session id once pomice has taken it
        from ``ready``."""
        twin_node = _twin_node(node)
        try:
            return await asyncio.wait_for(self._reconnect(twin_node, timeout), timeout)
        except TimeoutError:
            raise AssertionError(f"waited {timeout:g}s for pomice node "
                                 f"{twin_node._identifier!r} to reconnect") from None

    async def _reconnect(self, node: TwinNode, timeout: float) -> str:
        await self._until(lambda: self._parked > 0)
        # The old session is gone, and the new one may even have the same id (a restarted
        # twin with the same seed): wait for pomice to take *a* session id from a ready.
        node._session_id = None
        sessions, connects, backoffs = len(node.sessions), len(node.connects), len(self.delays)
        await self.release()  # pomice starts connect(reconnect=True) in a task
        ready = asyncio.ensure_future(
            node.sessions.wait_for(lambda _: True, start=sessions, timeout=timeout))
        backoff = asyncio.ensure_future(self._until(lambda: len(self.delays) > backoffs))
        try:
            await asyncio.wait({ready, backoff}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                # pomice went back to its dead socket and into a second backoff before
                # the new socket was up; once that socket is open, it goes on to listen
                # on it (a permit earlier would start a second connect)
                await node.connects.wait_for(lambda _: True, start=connects, timeout=timeout)
                await self.release()
            (session_id,) = await ready
        finally:
            ready.cancel()
            backoff.cancel()
        return session_id

    async def _until(self, predicate: Callable[[], bool]) -> None:
        changed = self._condition()
        async with changed:
            await changed.wait_for(predicate)

    @contextlib.contextmanager
    def install(self) -> Iterator[ReconnectGate]:
        """Put the gate in ``pomice.pool``'s view of ``asyncio`` for the ``with`` block."""
        with _patched(pomice.pool, "asyncio", _GatedAsyncio(self)):
            yield self


class _GatedAsyncio(types.SimpleNamespace):
    def __init__(self, gate: ReconnectGate) -> None:
        super().__init__()
        self.sleep = gate.sleep

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)
