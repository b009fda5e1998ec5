"""Pusher twins scaled out over Redis: cluster-wide deliveries per second and trigger-to-
delivery latency for 1, 2 and 4 processes.

Each twin runs in a process of its own (``PusherTwin(cluster=redis://...)``), all sharing
one app through a private ``redis-server`` this script starts (Debian's; ``make install``
installs it). The clients are pusher_fanout.py's raw-socket subscribers, in this process.

* **deliveries/s**: ``--subscribers`` subscribers of one public channel, spread evenly over
  the processes; ``--events`` events published through the signed HTTP API, round robin
  over the processes; the rate is subscribers x events / the time until every subscriber
  has every event (best of ``--rounds``).
* **latency**: one subscriber on the last process, events published on the first (with 2
  or more processes every event crosses Redis); p50/p95/p99 over ``--samples``.

A row for one twin with no Redis at all is printed first, as the baseline of the run.
Figures only, nothing asserted. For comparison, Sockudo's published figure for 3 nodes
over Redis is 45,000 deliveries/s at p99 46 ms (on other hardware).

Run: ``.venv/bin/python benchmarks/pusher_cluster.py [--subscribers 400] [--events 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import shutil
import socket
import subprocess
import tempfile
import time
from multiprocessing.connection import Connection

import aiohttp
from pusher_fanout import _body, _signed, _subscriber
from pusher_fanout import measure_latency as fanout_latency

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


# -- Redis and the twins (each twin in a child process) -------------------------------


def start_redis(workdir: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", workdir],
                            stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            try:
                proc.wait(0.05)  # not listening yet
            except subprocess.TimeoutExpired:
                continue
            raise RuntimeError("redis-server exited") from None
    raise RuntimeError("redis-server did not answer PING")


async def _serve(cluster: str | None, pipe: Connection) -> None:
    from wiretwin.pusher import PusherTwin

    twin = await PusherTwin(cluster=cluster).start()
    pipe.send(twin.port)
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    await twin.stop()


def _server_main(cluster: str | None, pipe: Connection) -> None:
    asyncio.run(_serve(cluster, pipe))


class Twins:
    """``count`` twin processes, in one cluster (or alone, with no Redis)."""

    def __init__(self, count: int, cluster: str | None) -> None:
        self.procs: list[tuple[mp.process.BaseProcess, Connection]] = []
        self.ports: list[int] = []
        for _ in range(count):
            parent, child = mp.Pipe()
            proc = mp.get_context("spawn").Process(target=_server_main, args=(cluster, child))
            proc.start()
            self.procs.append((proc, parent))
        self.ports = [parent.recv() for _, parent in self.procs]

    def stop(self) -> None:
        for _, parent in self.procs:
            parent.send("stop")
        for proc, _ in self.procs:
            proc.join(15)


# -- measurements ---------------------------------------------------------------------


async def _publish(http: aiohttp.ClientSession, port: int, i: int) -> None:
    body = _body(i)
    async with http.post(_signed("twin", port, body), data=body,
                         headers={"Content-Type": "application/json"}) as response:
        assert response.status == 200, await response.text()


async def measure_latency(ports: list[int], samples: int) -> list[float]:
    """Published on the first process, received on the last."""
    return await fanout_latency("twin", ports[-1], samples, publish_port=ports[0])


async def measure_fanout(ports: list[int], subscribers: int, events: int) -> float:
    subs = [await _subscriber("twin", ports[i % len(ports)]) for i in range(subscribers)]
    base = [s.frames for s in subs]
    async with aiohttp.ClientSession() as http:
        done = [s.until(b + events) for s, b in zip(subs, base, strict=True)]
        start = time.perf_counter()
        for i in range(events):
            await _publish(http, ports[i % len(ports)], i)
        await asyncio.gather(*done)
        elapsed = time.perf_counter() - start
    for s in subs:
        assert s.transport is not None
        s.transport.close()
    return subscribers * events / elapsed


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def run(count: int, cluster: str | None, args: argparse.Namespace) -> dict[str, float]:
    twins = Twins(count, cluster)
    try:
        ordered = sorted(asyncio.run(measure_latency(twins.ports, args.samples)))
        rate = max(asyncio.run(measure_fanout(twins.ports, args.subscribers, args.events))
                   for _ in range(args.rounds))
    finally:
        twins.stop()
    return {"rate": rate, "p50": percentile(ordered, 0.5), "p95": percentile(ordered, 0.95),
            "p99": percentile(ordered, 0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=400)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", default="1,2,4",
                        help="cluster sizes to measure, comma-separated")
    args = parser.parse_args()
    sizes = [int(n) for n in args.processes.split(",")]
    with tempfile.TemporaryDirectory(prefix="wiretwin-bench-redis-") as workdir:
        redis, url = start_redis(workdir)
        try:
            rows = [("1 twin, no Redis", run(1, None, args))]
            for size in sizes:
                rows.append((f"{size} process{'es' if size > 1 else ''} over Redis",
                             run(size, url, args)))
        finally:
            redis.terminate()
            redis.wait(10)
    base = rows[0][1]["rate"]
    print(f"pusher cluster: {args.subscribers} subscribers x {args.events} events "
          f"(deliveries/s, best of {args.rounds}); 1 subscriber on the last process x "
          f"{args.samples} events published on the first (latency)")
    print(f"{'':28}{'deliveries/s':>14}{'vs alone':>10}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p99 ms':>9}")
    for label, r in rows:
        print(f"{label:28}{r['rate']:>14,.0f}{r['rate'] / base:>10.2f}{r['p50']:>9.3f}"
              f"{r['p95']:>9.3f}{r['p99']:>9.3f}")
    print("published elsewhere (other hardware): Sockudo, 3 nodes over Redis: 45,000 "
          "deliveries/s, p99 46 ms")


if __name__ == "__main__":
    main()
