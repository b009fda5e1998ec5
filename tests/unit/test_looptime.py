"""LoopTime: one virtual time for a loop's timers (the bot's and a twin's), parked tasks,
and waiting for tasks to go idle without polling. Pure asyncio, no twin."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable

import pytest

from wiretwin.runtime.clock import sleep as clock_sleep
from wiretwin.runtime.looptime import LoopTime
from wiretwin.runtime.parking import busy, parked, wait_idle


@pytest.fixture
async def lt() -> AsyncIterator[LoopTime]:
    with LoopTime() as looptime:
        yield looptime


async def test_install_shifts_the_loops_time_and_uninstall_restores_it() -> None:
    loop = asyncio.get_running_loop()
    looptime = LoopTime()
    with looptime:
        assert LoopTime.of() is looptime
        looptime.offset = 1000.0
        assert loop.time() - looptime.now() < 1.0 and loop.time() > 1000.0
    assert LoopTime.of() is None
    assert loop.time() < looptime.now()
    assert "time" not in loop.__dict__ and "call_at" not in loop.__dict__


async def test_advance_fires_sleeps_in_order_at_their_own_instants(lt: LoopTime) -> None:
    order: list[tuple[str, float]] = []
    start = lt.now()

    async def sleeper(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        order.append((name, round(lt.now() - start)))

    tasks = [asyncio.create_task(sleeper(n, s)) for n, s in (("b", 3600), ("a", 60),
                                                               ("c", 7200))]
    await asyncio.sleep(0)
    steps = await lt.advance(3600)
    assert order == [("a", 60), ("b", 3600)]
    assert steps == 2
    assert not tasks[2].done()
    await lt.advance(3600)
    assert order[-1] == ("c", 7200)
    assert lt.offset >= 7200


async def test_twin_clock_timers_and_loop_timers_share_one_order(lt: LoopTime) -> None:
    order: list[str] = []
    clock = lt.clock
    t0 = clock.monotonic()
    wall0 = clock.time()
    clock.call_later(10, lambda: order.append("twin@10"))
    asyncio.get_running_loop().call_later(5, lambda: order.append("bot@5"))

    async def bot_sleeps() -> None:
        await asyncio.sleep(15)
        order.append("bot@15")

    async def twin_sleeps() -> None:
        await clock_sleep(clock, 12)
        order.append("twin@12")

    tasks = [asyncio.create_task(bot_sleeps()), asyncio.create_task(twin_sleeps())]
    await asyncio.sleep(0)
    await lt.advance(20)
    assert order == ["bot@5", "twin@10", "twin@12", "bot@15"]
    assert clock.monotonic() - t0 >= 20 and clock.time() - wall0 >= 20
    await asyncio.gather(*tasks)


async def test_settle_runs_after_every_step(lt: LoopTime) -> None:
    seen: list[int] = []
    fired: list[int] = []
    for n in (1, 2, 3):
        asyncio.get_running_loop().call_later(n, fired.append, n)

    async def settle() -> None:
        seen.append(len(fired))

    await lt.advance(3, settle=settle)
    assert seen == [0, 1, 2, 3, 3]  # before stepping, after each step, at the end


async def test_advance_refuses_to_go_backwards(lt: LoopTime) -> None:
    with pytest.raises(ValueError, match="backwards"):
        await lt.advance(-1)


async def test_run_until_advances_only_while_the_loop_is_idle(lt: LoopTime) -> None:
    async def slow_then_value() -> str:
        await asyncio.sleep(2.0)  # an idle wait, like guild_ready_timeout
        await asyncio.sleep(30)
        return "done"

    assert await lt.run_until(slow_then_value()) == "done"
    assert 31.5 < lt.offset <= 32  # real time that passed meanwhile counts too

    flag: list[int] = []
    asyncio.get_running_loop().call_later(100, flag.append, 1)
    await lt.run_until(lambda: bool(flag))
    assert 131.5 < lt.offset <= 132
    with pytest.raises(TimeoutError):
        await lt.run_until(lambda: False)
    asyncio.get_running_loop().call_later(500, flag.append, 2)
    with pytest.raises(TimeoutError, match="within 10s"):
        await lt.run_until(lambda: len(flag) > 1, limit=10)


async def test_run_until_does_not_jump_while_sockets_are_busy(lt: LoopTime) -> None:
    reader, writer = await _pair()
    got: list[bytes] = []

    async def echo() -> None:
        got.append(await reader.readexactly(5))

    task = asyncio.create_task(echo())
    writer.write(b"hello")
    timer = asyncio.create_task(asyncio.sleep(1000))
    await lt.run_until(task)
    assert got == [b"hello"] and lt.offset == 0.0
    timer.cancel()
    writer.close()


async def _pair() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    accepted: asyncio.Future[asyncio.StreamReader] = asyncio.get_running_loop().create_future()

    async def on_client(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        accepted.set_result(r)

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    reader = await accepted
    server.close()
    return reader, writer


async def test_thread_events_wait_on_loop_time_and_advance_waits_for_them(
        lt: LoopTime) -> None:
    beats: list[float] = []
    event = lt.thread_event()
    loop = asyncio.get_running_loop()
    start = lt.now()

    def heartbeat() -> None:  # the shape of discord.py's KeepAliveHandler.run
        while not event.wait(40):
            beaten = asyncio.run_coroutine_threadsafe(beat(), loop)
            beaten.result(5)

    async def beat() -> None:
        beats.append(lt.now() - start)

    thread = threading.Thread(target=heartbeat, daemon=True)
    thread.start()
    await asyncio.to_thread(_until_waiting, lt)
    await lt.advance(130)
    assert [round(b) for b in beats] == [40, 80, 120]
    event.set()
    await asyncio.to_thread(thread.join, 5)
    assert not thread.is_alive()


def _until_waiting(lt: LoopTime) -> None:
    with lt._cond:
        lt._cond.wait_for(lambda: bool(lt._thread_due), 5)


# -- parked ------------------------------------------------------------------------------

async def test_parked_follows_what_a_task_waits_for() -> None:
    loop = asyncio.get_running_loop()
    event = asyncio.Event()
    sleeping = asyncio.create_task(asyncio.sleep(60))
    waiting = asyncio.create_task(event.wait())
    on_sleeper = asyncio.create_task(_await(sleeping))
    on_both = asyncio.create_task(_gather(asyncio.sleep(30), asyncio.sleep(40)))
    on_mixed = asyncio.create_task(_gather(asyncio.sleep(30), event.wait()))
    with_timeout = asyncio.create_task(asyncio.wait_for(event.wait(), 60))
    sleep_with_timeout = asyncio.create_task(asyncio.wait_for(asyncio.sleep(120), 60))
    in_wait = asyncio.create_task(asyncio.wait([sleeping]))
    listeners = [loop.create_future()]  # bot.wait_for("message", timeout=60)'s shape
    for_a_user = asyncio.create_task(asyncio.wait_for(listeners[0], 60))
    handle_future = loop.create_future()
    loop.call_later(60, lambda: handle_future.set_result(None))  # a closure, as Clock's
    on_closure = asyncio.create_task(_await(handle_future))
    runnable = asyncio.create_task(asyncio.sleep(0))
    assert not parked(runnable)  # not started: it will run without any timer
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert parked(sleeping)
    assert not parked(waiting)
    assert parked(on_sleeper)
    assert parked(on_both)
    assert not parked(on_mixed)
    assert not parked(with_timeout)  # the event may come first
    assert parked(sleep_with_timeout)
    assert parked(sleeping, after=asyncio.get_running_loop().time() + 30)
    assert not parked(sleeping, after=asyncio.get_running_loop().time() + 90)
    assert parked(in_wait)
    assert parked(on_closure)
    assert parked(for_a_user)  # only the timeout, or an event from outside, ends it
    event.set()
    await asyncio.sleep(0)
    assert waiting.done() and not parked(waiting)
    others = (sleeping, on_sleeper, on_both, on_mixed, with_timeout, sleep_with_timeout,
              in_wait, on_closure, for_a_user)
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


async def _await(future: Awaitable[object]) -> None:
    await future


async def _gather(*aws: Awaitable[object]) -> None:
    await asyncio.gather(*aws)


class _Handle:
    """The shape of py-cord's SleepHandle: the timer calls a method that sets .future."""

    __slots__ = ("future",)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.future: asyncio.Future[None] = loop.create_future()
        loop.call_later(60, self.fire)

    def fire(self) -> None:
        self.future.set_result(None)


async def test_a_timer_that_resolves_a_future_through_its_owner() -> None:
    handle = _Handle(asyncio.get_running_loop())
    task = asyncio.create_task(_await(handle.future))
    await asyncio.sleep(0)
    assert parked(task)
    task.cancel()


async def test_a_timer_cancelled_is_no_longer_a_way_out() -> None:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()
    handle = loop.call_later(60, future.set_result, None)
    task = asyncio.create_task(_await(future))
    await asyncio.sleep(0)
    assert parked(task)
    handle.cancel()
    assert not parked(task)
    task.cancel()


async def test_wait_idle_wakes_when_tasks_park_or_finish(lt: LoopTime) -> None:
    gate = asyncio.Event()

    async def work_then_sleep() -> None:
        await gate.wait()
        await asyncio.sleep(0)
        await asyncio.sleep(60)  # parks here

    task = asyncio.create_task(work_then_sleep())
    quick = asyncio.create_task(asyncio.sleep(0))
    await asyncio.sleep(0)
    assert await wait_idle([task, quick], timeout=0.05) == [task]  # busy on the gate
    asyncio.get_running_loop().call_soon(gate.set)
    assert await wait_idle([task, quick], timeout=10) == []
    assert parked(task) and quick.done()
    assert lt.offset == 0.0  # waiting cost no loop time
    task.cancel()


async def test_wait_idle_without_loop_time_and_with_nothing() -> None:
    assert await wait_idle([], timeout=1) == []
    task = asyncio.create_task(asyncio.sleep(60))
    assert await wait_idle([task], timeout=10) == []
    task.cancel()


async def test_real_time_keeps_flowing_without_advancing(lt: LoopTime) -> None:
    fired = asyncio.Event()
    asyncio.get_running_loop().call_later(0.001, fired.set)
    await asyncio.wait_for(fired.wait(), 5)
    assert lt.offset == 0.0


async def test_pending_and_next_due(lt: LoopTime) -> None:
    handle = asyncio.get_running_loop().call_later(50, lambda: None)
    assert lt.pending >= 1
    due = lt.next_due()
    assert due is not None and due <= 50
    handle.cancel()


async def test_the_clock_refuses_another_loop(lt: LoopTime) -> None:
    def elsewhere() -> None:
        async def schedule() -> None:
            lt.clock.call_later(1, lambda: None)
        asyncio.run(schedule())

    with pytest.raises(RuntimeError, match="its own loop"):
        await asyncio.to_thread(elsewhere)


async def test_a_wait_on_a_future_just_resolved_looks_parked_until_its_callbacks_run() -> None:
    # Why a settle looks once more after a turn of the loop (Driver._quiesce): a task in
    # asyncio.wait([future], timeout=30) (discord.py's rate limiter, for one) is woken by
    # the future's callbacks; right after set_result they have not run yet.
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()
    task = asyncio.create_task(asyncio.wait([future], timeout=30))
    await asyncio.sleep(0)
    assert busy([task], after=loop.time() + 5) == []  # parked on its 30 s timeout
    future.set_result(None)
    assert busy([task], after=loop.time() + 5) == []  # not woken yet
    await asyncio.sleep(0)
    assert busy([task], after=loop.time() + 5) == [task]  # now it will run
    await task
