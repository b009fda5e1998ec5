"""The driver: "the bot has finished reacting", made deterministic."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
from collections.abc import AsyncIterator, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import aiohttp

from ...runtime.journal import Entry
from ...runtime.memory import MemorySocket
from ...runtime.parking import busy, wait_idle
from ..coerce import BackendError
from ..model import (
    Message,
)
from .acting import UserActions

#: Where the tasks the driver never waits for are defined: aiohttp and the twin itself.
_INFRASTRUCTURE = (str(Path(aiohttp.__file__).parent), str(Path(__file__).resolve().parents[1]))


def _infrastructure(task: asyncio.Task[Any]) -> bool:
    """Tasks the driver never waits for: the twin's own, aiohttp's (a server connection
    lives as long as its keep-alive) and discord.py's view timers (on a loop-time or real
    clock they are :func:`~wiretwin.runtime.parking.parked` anyway; on a VirtualClock
    they sleep on that clock, which the loop's schedule does not show)."""
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    filename = getattr(code, "co_filename", "") or ""
    if filename.startswith(_INFRASTRUCTURE):
        return True
    # discord.py's view and modal timers: they sleep until the view times out (minutes),
    # and are not part of handling anything.
    return str(getattr(code, "co_name", "")).endswith("__timeout_task_impl")


def unsettled(ignore: Collection[asyncio.Task[Any]]) -> list[asyncio.Task[Any]]:
    """The tasks a settle would wait for: not done, not ``ignore``d, not the caller, not
    the twin's or aiohttp's own."""
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and t not in ignore
            and not t.done() and not _infrastructure(t)]


#: The drivers whose ``settle(absorb=True)`` block the running task is in (a tuple, so
#: tasks started meanwhile inherit it unchanged).
_ABSORBING: contextvars.ContextVar[tuple[Driver, ...]] = contextvars.ContextVar(
    "wiretwin_absorbing_settles", default=())


def _describe_task(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    name = str(getattr(coro, "__qualname__", None) or repr(coro))
    frame = getattr(coro, "cr_frame", None)
    where = f" at {frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else ""
    return f"{task.get_name()} ({name}{where})"


class Driver(UserActions):
    # -- the driver ---------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def settle(self, timeout: float = 5.0, *,
                     ignore: Collection[asyncio.Task[Any]] | None = None,
                     any_timer: bool = False, absorb: bool = False,
                     read: dict[str, int] | None = None) -> AsyncIterator[None]:
        """``async with backend.settle():`` around anything that makes the bot act: on the
        way out, waits until the bot has read every dispatch it was sent and every task it
        started since (event handlers, what they spawned) has finished or is parked on a
        timer due after ``timeout`` (``delete_after``, a view's timeout, a long sleep: see
        :func:`~wiretwin.runtime.parking.parked`; shorter sleeps and rate-limit retries
        are waited for), so everything it did in response has arrived. Must run in the
        bot's event loop.

        ``ignore``: the bot's long-lived tasks (its gateway reader...); then every other
        task is waited for, also one that existed before the block (a ``delete_after``
        timer that fired, a ``tasks.loop`` woken up), not only those started in it.
        ``any_timer``: a task parked on any timer is idle, however soon it is due (for
        a caller that moves time itself: :class:`~wiretwin.runtime.looptime.LoopTime`).
        ``absorb``: this block does the waiting for the settles the backend's own calls
        make inside it (``slash``, ``click``...: they return at once), so the bot is
        synced once, and on this block's terms (``any_timer``).

        ``read``: each session's last dispatch the bot is known to have read (session id
        -> seq; by default, what was sent before the block), updated in place as the bot
        is shown to read more: a caller that moves the twin's clock between blocks passes
        one, so dispatches a twin timer made in between (a poll's end) are waited for."""
        if self in _ABSORBING.get():
            yield  # an enclosing block waits for what this one set off
            return
        before = set(asyncio.all_tasks()) if ignore is None else set(ignore)
        synced = read if read is not None else await self._run(self.gateway_seqs,
                                                               changes=False)
        token = _ABSORBING.set((*_ABSORBING.get(), self)) if absorb else None
        self._settling += 1
        try:
            try:
                yield
            except BaseException:
                if self._unsettled is None and ignore is None:
                    self._unsettled = before  # process_action waits for what it started
                raise
            finally:
                if token is not None:
                    _ABSORBING.reset(token)
            await self._quiesce(before, synced, timeout, any_timer)
        finally:
            self._settling -= 1
        self._unsettled = None  # what the block changed is settled: see process_action

    @contextlib.contextmanager
    def without_settling(self) -> Iterator[None]:
        """``with backend.without_settling():``: the actions inside (``slash``, ``click``,
        ``submit_modal``...) return as soon as they have sent what they send, without
        waiting for the bot to finish: for a caller that waits on the bot's answers
        another way (the admin API waits on an interaction's replies, so a handler that
        opens a modal and waits for it does not hold the call up)."""
        token = _ABSORBING.set((*_ABSORBING.get(), self))
        self._settling += 1  # nothing for process_action() to wait for either
        try:
            yield
        finally:
            self._settling -= 1
            _ABSORBING.reset(token)

    def gateway_seqs(self) -> dict[str, int]:
        """Each gateway session's last dispatch (session id -> seq), as sent now."""
        return {s.id: s.seq for s in self.twin.hub.sessions.values()}

    async def message(self, content: str, channel: Any = None, author: Any = None, *,
                      embeds: Iterable[Any] = (), attachments: Iterable[Any] = (),
                      reply_to: Any = None, timeout: float = 5.0) -> Message:
        """dpytest's ``message()``: ``author`` posts ``content`` (see :meth:`send_message`
        for the defaults) and this returns once the bot has finished answering it."""
        connected = await self._run(lambda: any(
            s.connection is not None for s in self.twin.hub.sessions.values()),
            changes=False)
        if not connected:
            raise BackendError("no bot is connected to the twin's gateway to read the "
                               "message (use send_message to post without one)")
        async with self.settle(timeout):
            sent = await self.send_message(channel, content, author, embeds=embeds,
                                           attachments=attachments, reply_to=reply_to)
        return sent

    async def _quiesce(self, before: set[asyncio.Task[Any]], synced: dict[str, int],
                       timeout: float, any_timer: bool = False) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await self._sync_gateway(synced, deadline)
            pending = self._busy(before, deadline, any_timer)
            if not pending:
                # A future resolved this turn wakes its waiters only once its callbacks
                # have run (``asyncio.wait``'s, say, in discord.py's rate limiter): until
                # then the waiting task still looks parked on its timeout. Let them run.
                await asyncio.sleep(0)
                pending = self._busy(before, deadline, any_timer)
            if not pending:
                return
            remaining = deadline - loop.time()
            late = await wait_idle(pending, max(0.0, remaining), any_timer=any_timer,
                                   checked=True)
            if not late:
                continue  # idle now; sync the gateway again for what they sent meanwhile
            shown = "\n".join(f"  {_describe_task(t)}" for t in late)
            raise BackendError(
                f"the bot was still busy after {timeout:g}s; its unfinished tasks:\n"
                f"{shown}\n(a handler waiting for something that never comes? pass a "
                "longer timeout= if it is just slow)")

    @staticmethod
    def _busy(before: set[asyncio.Task[Any]], deadline: float,
              any_timer: bool) -> list[asyncio.Task[Any]]:
        current = asyncio.current_task()
        return busy([t for t in asyncio.all_tasks() if t is not current
                     and t not in before and not t.done() and not _infrastructure(t)],
                    after=None if any_timer else deadline)

    async def _sync_gateway(self, synced: dict[str, int], deadline: float) -> None:
        """Ping (at the websocket level) every bot connection that was sent something since
        the last sync, and wait for each pong: a client answers a ping when it reads it,
        so by then it has read, and dispatched, every frame sent before it.

        A websocket ping rather than the gateway's op 1: every client library answers it
        without counting it against its own gateway send limit (discord.py allows itself
        110 sends a minute, and would stall a long suite of ``twin.message`` calls).

        An in-process connection (:class:`~wiretwin.runtime.memory.MemorySocket`) needs
        no ping: its client has read every frame when it was sent, but for the replies
        held until the next loop turn, which are delivered here."""

        def request() -> list[tuple[str, bytes, int]]:
            targets: list[tuple[str, bytes, int]] = []
            for session in self.twin.hub.sessions.values():
                conn = session.connection
                if conn is None or synced.get(session.id) == session.seq:
                    continue
                sock = getattr(conn.transport, "sock", None)
                if isinstance(sock, MemorySocket):
                    synced[session.id] = session.seq
                    sock.flush()
                    continue
                if sock is None:
                    continue
                synced[session.id] = session.seq
                self._pings += 1
                payload = f"wiretwin-sync-{self._pings}".encode()
                mark = self.twin.journal.mark()  # the pong comes after it
                sock.ping(payload)
                targets.append((sock.id, payload, mark))
            return targets

        loop = asyncio.get_running_loop()
        for connection, payload, mark in await self._run(request, changes=False):
            expected = base64.b64encode(payload).decode()

            def answered(entry: Entry, connection: str = connection,
                         expected: str = expected) -> bool:
                return (entry.kind == "frame" and entry.direction == "in"
                        and entry.event == "ws:pong" and entry.connection == connection
                        and entry.data == expected)

            try:
                await self.twin.journal.wait_for(
                    answered, timeout=max(0.001, deadline - loop.time()), since=mark)
            except TimeoutError:
                raise BackendError(
                    f"the bot did not answer a websocket ping on connection {connection} "
                    "in time: is its event loop blocked, or did it lose the "
                    "connection?") from None
