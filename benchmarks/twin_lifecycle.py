"""How much a twin costs per test: start and stop, next to a bare aiohttp server.

Measured in one run, best-of and median over many cycles:

* **baseline**: ``web.AppRunner`` + ``TCPSite`` on 127.0.0.1:0, started and cleaned up;
* **twin (loop)**: ``async with PusherTwin()`` in the running loop;
* **twin (thread)**: ``with PusherTwin()``, what the ``pusher_twin`` fixture does;
* **stop with clients**: stopping a twin with 20 connected websocket clients that answer
  its close frames (aiohttp alone would wait up to its shutdown timeout for open sockets);
* **virtual hour**: ``await clock.advance(3600)`` on a twin with 20 connected clients that
  answer every ping (600 ping/pong round trips on a virtual clock).

Figures only; nothing is asserted. Run: ``.venv/bin/python benchmarks/twin_lifecycle.py``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from wiretwin.pusher import PusherTwin
from wiretwin.runtime.clock import VirtualClock


async def _baseline() -> None:
    runner = web.AppRunner(web.Application(), handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    await runner.cleanup()


async def _twin_loop() -> None:
    async with PusherTwin():
        pass


async def _twin_thread() -> None:
    await asyncio.to_thread(lambda: PusherTwin().start_in_thread().stop_thread())


async def _stop_with_clients() -> float:
    twin = await PusherTwin().start()
    clients = [await twin.connect() for _ in range(20)]
    start = time.perf_counter()
    await twin.stop()
    elapsed = time.perf_counter() - start
    await asyncio.gather(*(c.close() for c in clients))
    return elapsed


async def _virtual_hour() -> float:
    clock = VirtualClock()
    async with PusherTwin(clock=clock) as twin:
        clients = [await twin.connect() for _ in range(20)]
        start = time.perf_counter()
        fired = await clock.advance(3600)
        elapsed = time.perf_counter() - start
        assert fired == 20 * 30, fired
        await asyncio.gather(*(c.close() for c in clients))
    return elapsed


async def _time(fn: Callable[[], Awaitable[None]], cycles: int) -> list[float]:
    samples = []
    for _ in range(cycles):
        start = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - start)
    return samples


async def main(cycles: int) -> None:
    rows = {
        "baseline start+stop": await _time(_baseline, cycles),
        "twin (loop) start+stop": await _time(_twin_loop, cycles),
        "twin (thread) start+stop": await _time(_twin_thread, cycles),
        "twin stop, 20 clients": [await _stop_with_clients() for _ in range(max(5, cycles // 10))],
        "virtual hour, 20 clients": [await _virtual_hour() for _ in range(max(3, cycles // 20))],
    }
    base = statistics.median(rows["baseline start+stop"])
    print(f"twin lifecycle over {cycles} cycles (ms)")
    print(f"{'':28}{'best':>9}{'median':>9}{'x baseline':>12}")
    for label, samples in rows.items():
        median = statistics.median(samples)
        print(f"{label:28}{min(samples) * 1000:>9.2f}{median * 1000:>9.2f}"
              f"{median / base:>12.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    asyncio.run(main(parser.parse_args().cycles))
