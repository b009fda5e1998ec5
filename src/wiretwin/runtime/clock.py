"""Time for twins.

Every timer in every twin (activity timeouts, webhook retries, rate-limit windows)
goes through a :class:`Clock`, never through ``asyncio.sleep`` or ``time.time`` directly,
so a test can later swap in a virtual clock and jump over minutes of protocol time.

``time()`` is the service's wall clock (epoch seconds: Pusher timestamps, ``time_ms``);
``monotonic()`` is for measuring intervals; ``call_later`` schedules a callback in the
event loop the twin runs in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def time(self) -> float:
        """Wall-clock seconds since the epoch."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` in the running event loop after ``delay`` seconds."""
        ...


class RealClock:
    """The machine's clocks and the running loop's timers."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        return asyncio.get_running_loop().call_later(max(0.0, delay), callback)


__all__ = ["Clock", "RealClock", "TimerHandle"]
