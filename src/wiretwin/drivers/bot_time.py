"""The bot's own notion of time, following the twin's virtual time.

With a :class:`~wiretwin.runtime.looptime.LoopTime` installed, everything the loop
schedules (``asyncio.sleep``, ``loop.call_later``, ``wait_for`` timeouts) already runs on
virtual time. What does not are the places a library reads a clock directly; for the
discord.py family (``module="discord"``, ``"nextcord"``, ``"disnake"``; py-cord is
``"discord"`` too) :func:`follow_loop_time` points those, for a ``with`` block, at the
LoopTime (real time plus the offset):

* ``utils.utcnow`` and ``utils.compute_timedelta`` (so ``sleep_until`` and
  ``discord.ext.tasks``' SleepHandle compute delays from the shifted "now");
* ``ext.tasks``: its ``datetime.datetime.now`` (discord.py, py-cord) or ``utcnow``
  (nextcord, disnake), which set the first iteration's time: a ``tasks.loop(seconds=60)``
  started at t iterates at exactly t+60, t+120... of loop time;
* ``ext.commands.cooldowns`` and ``app_commands.checks`` (``time.time``): cooldown windows;
* ``ui.view``/``ui.modal``/``ui.core`` (``time.monotonic``): view and modal timeouts;
* ``gateway``: ``time.time`` (the gateway send limiter) and ``threading.Event``, whose
  only use is the heartbeat thread's wait: a :class:`LoopTimeEvent` keeps the heartbeat on
  loop time, so advancing an hour is an hour of heartbeats, not a zombie session.

Each name is swapped only where the module has it; nothing else in the library changes.
hikari needs nothing here: its heartbeat and user-visible timers run on asyncio; its
``time.monotonic`` reads are rate-limit bookkeeping only.

:func:`views_on_clock` is the older, narrower shim for a twin on a
:class:`~wiretwin.runtime.clock.VirtualClock` (which is not the loop's time): view and
modal timeouts sleep on that clock instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import importlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from ..runtime.clock import Clock, sleep
from ..runtime.looptime import LoopTime, LoopTimeEvent


class _ShiftedTime:
    """The ``time`` module, with ``time()`` and ``monotonic()`` on loop time."""

    def __init__(self, looptime: LoopTime) -> None:
        self._lt = looptime

    def time(self) -> float:
        return self._lt.wall()

    def monotonic(self) -> float:
        return self._lt.now()

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class _ShiftedDatetimeType:
    """``datetime.datetime`` whose ``now()`` is on loop time (nothing else changes)."""

    def __init__(self, looptime: LoopTime) -> None:
        self._lt = looptime

    def now(self, tz: datetime.tzinfo | None = None) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self._lt.wall(), tz)

    def __getattr__(self, name: str) -> Any:
        return getattr(datetime.datetime, name)


class _ShiftedDatetime:
    """The ``datetime`` module with :class:`_ShiftedDatetimeType` as ``datetime``."""

    def __init__(self, looptime: LoopTime) -> None:
        self.datetime = _ShiftedDatetimeType(looptime)

    def __getattr__(self, name: str) -> Any:
        return getattr(datetime, name)


class _ShiftedThreading:
    """The ``threading`` module whose ``Event()`` waits on loop time."""

    def __init__(self, looptime: LoopTime) -> None:
        self._lt = looptime

    def Event(self) -> LoopTimeEvent:
        return self._lt.thread_event()

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)


def _utcnow(looptime: LoopTime) -> Callable[[], datetime.datetime]:
    def utcnow() -> datetime.datetime:
        return datetime.datetime.fromtimestamp(looptime.wall(), datetime.UTC)
    return utcnow


def _compute_timedelta(looptime: LoopTime) -> Callable[[datetime.datetime], float]:
    """Seconds from the shifted now until ``dt`` (naive: local time), at least 0."""
    now = _utcnow(looptime)

    def compute_timedelta(dt: datetime.datetime) -> float:
        if dt.tzinfo is None:
            dt = dt.astimezone()
        return max(float((dt - now()).total_seconds()), 0.0)
    return compute_timedelta


def _import(name: str) -> ModuleType | None:
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


@contextlib.contextmanager
def _swapped(swaps: list[tuple[str, str, Any]]) -> Iterator[None]:
    """Set ``module.attr = value`` for each swap whose module and attribute exist."""
    saved: list[tuple[ModuleType, str, Any]] = []
    for module_name, attr, value in swaps:
        module = _import(module_name)
        if module is not None and hasattr(module, attr):
            saved.append((module, attr, getattr(module, attr)))
            setattr(module, attr, value)
    try:
        yield
    finally:
        for module, attr, old in reversed(saved):
            setattr(module, attr, old)


@contextlib.contextmanager
def follow_loop_time(looptime: LoopTime, module: str = "discord") -> Iterator[None]:
    """Point the discord.py family library ``module``'s clock reads at ``looptime``."""
    shifted_time = _ShiftedTime(looptime)
    utcnow = _utcnow(looptime)
    compute = _compute_timedelta(looptime)
    swaps: list[tuple[str, str, Any]] = [
        (f"{module}.utils", "utcnow", utcnow),
        (f"{module}.utils", "compute_timedelta", compute),
        (f"{module}.ext.tasks", "datetime", _ShiftedDatetime(looptime)),
        (f"{module}.ext.tasks", "utcnow", utcnow),
        (f"{module}.ext.tasks", "compute_timedelta", compute),
        (f"{module}.ext.commands.cooldowns", "time", shifted_time),
        (f"{module}.app_commands.checks", "time", shifted_time),
        (f"{module}.gateway", "time", shifted_time),
        (f"{module}.gateway", "threading", _ShiftedThreading(looptime)),
    ]
    swaps += [(f"{module}.ui.{ui}", "time", shifted_time) for ui in ("view", "modal", "core")]
    with _swapped(swaps):
        yield


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


@contextlib.contextmanager
def views_on_clock(clock: Clock, module: str = "discord") -> Iterator[None]:
    """Time ``module``'s views out on ``clock`` (a VirtualClock's ``advance``)."""
    with _swapped([(f"{module}.ui.view", "time", _ClockTime(clock)),
                   (f"{module}.ui.view", "asyncio", _ClockAsyncio(clock))]):
        yield


__all__ = ["follow_loop_time", "views_on_clock"]
