"""The virtual clock: timers fire in order, across loops and threads, only when told."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from wiretwin.runtime.clock import RealClock, VirtualClock
from wiretwin.runtime.threads import LoopThread


async def test_timers_fire_in_due_order_and_only_when_advanced() -> None:
    clock = VirtualClock(start=1_000_000.0)
    fired: list[tuple[str, float]] = []
    def record(name: str) -> Callable[[], None]:
        return lambda: fired.append((name, clock.monotonic()))

    for name, delay in (("c", 30.0), ("a", 10.0), ("b", 10.0), ("d", 90.0)):
        clock.call_later(delay, record(name))
    clock.call_later(20, lambda: fired.append(("cancelled", 0))).cancel()
    assert await clock.advance(9.5) == 0
    assert fired == []
    assert await clock.advance(25) == 3
    assert fired == [("a", 10.0), ("b", 10.0), ("c", 30.0)]
    assert clock.monotonic() == 34.5
    assert clock.time() == 1_000_034.5
    assert clock.next_due() == 55.5
    assert clock.pending == 1


async def test_a_timer_may_schedule_another_inside_the_same_advance() -> None:
    clock = VirtualClock()
    ticks: list[float] = []

    def tick() -> None:
        ticks.append(clock.monotonic())
        clock.call_later(15, tick)

    clock.call_later(15, tick)
    assert await clock.advance(60) == 4
    assert ticks == [15, 30, 45, 60]


async def test_a_shared_clock_fires_each_timer_in_the_loop_that_set_it() -> None:
    clock = VirtualClock()
    other = LoopThread(name="other-twin")
    other.start()
    seen: list[tuple[str, str]] = []
    try:
        clock.call_later(5, lambda: seen.append(("here", threading.current_thread().name)))

        async def schedule() -> None:
            clock.call_later(3, lambda: seen.append(("there",
                                                     threading.current_thread().name)))

        other.run(schedule())
        await clock.advance(10)
    finally:
        other.stop()
    assert seen == [("there", "other-twin"), ("here", threading.current_thread().name)]


async def test_advance_waits_for_owed_replies_but_not_past_the_grace() -> None:
    clock = VirtualClock(reply_grace=0.05)
    order: list[str] = []

    def pong() -> None:
        order.append("pong")
        clock.fulfil("pong")

    def ping() -> None:
        order.append("ping")
        clock.expect("pong")
        asyncio.get_running_loop().call_soon(pong)

    clock.call_later(1, ping)
    clock.call_later(2, lambda: order.append("deadline"))
    await clock.advance(5)
    assert order == ["ping", "pong", "deadline"]
    clock.expect("never")  # nobody answers: the grace runs out and time goes on
    clock.call_later(1, lambda: order.append("later"))
    await clock.advance(1)
    assert order[-1] == "later"


def test_advance_sync_from_a_plain_thread() -> None:
    clock = VirtualClock()
    thread = LoopThread()
    thread.start()
    fired = threading.Event()
    try:
        async def schedule() -> None:
            clock.call_later(60, fired.set)

        thread.run(schedule())
        assert clock.advance_sync(59) == 0
        assert not fired.is_set()
        assert clock.advance_sync(1) == 1
        assert fired.is_set()
    finally:
        thread.stop()


async def test_time_does_not_go_backwards_and_real_clock_ignores_replies() -> None:
    with pytest.raises(ValueError, match="backwards"):
        await VirtualClock().advance(-1)
    real = RealClock()
    real.expect("x")
    real.fulfil("x")
    assert real.time() > 1_700_000_000
