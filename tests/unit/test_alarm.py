"""The Alarm: wishes kept while there is no loop, one timer for the earliest, called back
with the time asked for, in order, on the twin's clock (here a virtual one)."""

from __future__ import annotations

import asyncio

from wiretwin.runtime.alarm import Alarm
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.threads import LoopThread

START = 1_750_000_000.0


def _alarm(clock: VirtualClock, loop: asyncio.AbstractEventLoop | None
           ) -> tuple[Alarm, list[float]]:
    woken: list[float] = []
    return Alarm(clock, woken.append, lambda: loop), woken


async def test_wakes_in_order_at_the_times_asked_for() -> None:
    clock = VirtualClock(start=START)
    alarm, woken = _alarm(clock, asyncio.get_running_loop())
    base = START * 1000
    for offset in (5_000, 1_000, 5_000, 3_000):
        alarm.at(base + offset)
    assert clock.pending == 1  # one timer, for the earliest
    await clock.advance(2)
    assert woken == [base + 1_000]
    await clock.advance(10)
    assert woken == [base + 1_000, base + 3_000, base + 5_000]  # 5 s asked twice: once
    assert alarm.wishes == [] and clock.pending == 0


async def test_a_time_already_past_wakes_at_once() -> None:
    clock = VirtualClock(start=START)
    alarm, woken = _alarm(clock, asyncio.get_running_loop())
    alarm.at(START * 1000 - 60_000)
    await clock.advance(0)
    assert woken == [START * 1000 - 60_000]


async def test_wishes_wait_for_a_loop_and_survive_a_cancel_but_not_a_clear() -> None:
    clock = VirtualClock(start=START)
    loop: list[asyncio.AbstractEventLoop] = []
    woken: list[float] = []
    alarm = Alarm(clock, woken.append, lambda: loop[0] if loop else None)
    alarm.at(START * 1000 + 1_000)  # the twin is stopped: kept
    assert clock.pending == 0 and alarm.wishes == [START * 1000 + 1_000]
    loop.append(asyncio.get_running_loop())
    alarm.arm()  # the twin started
    alarm.cancel()  # ... and stopped again
    await clock.advance(5)
    assert woken == []
    alarm.arm()
    await clock.advance(0)
    assert woken == [START * 1000 + 1_000]
    alarm.at(START * 1000 + 60_000)
    alarm.clear()
    await clock.advance(120)
    assert len(woken) == 1 and clock.pending == 0


async def test_a_wish_from_another_thread_is_armed_in_the_home_loop() -> None:
    clock = VirtualClock(start=START)
    thread = LoopThread()
    thread.start()
    try:
        woken: list[float] = []
        alarm = Alarm(clock, woken.append, lambda: thread.loop)
        alarm.at(START * 1000 + 1_000)  # from this loop, not the alarm's
        await asyncio.to_thread(thread.run, asyncio.sleep(0))
        assert clock.pending == 1
        await clock.advance(1)
        assert woken == [START * 1000 + 1_000]
    finally:
        thread.stop()
