"""Command line and table of the soak benchmark (see the package docstring)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

from . import __doc__ as ABOUT
from . import discord_soak, pusher_soak
from .common import MIB, Result, TwinServer, percentile, wait_until

ROWS: list[tuple[str, Callable[[Result], float | int | None], str]] = [
    ("events sent", lambda r: r.sent, "{:,}"),
    ("deliveries owed", lambda r: r.expected, "{:,}"),
    ("delivered", lambda r: r.delivered, "{:,}"),
    ("lost", lambda r: r.lost, "{:,}"),
    ("duplicated", lambda r: r.duplicated, "{:,}"),
    ("reordered", lambda r: r.reordered, "{:,}"),
    ("sessions disagree", lambda r: r.disagree, "{:,}"),
    ("errors", lambda r: r.errors, "{:,}"),
    ("429 retries", lambda r: r.retries if r.rate_limited else None, "{:,}"),
    ("rate-limit header waits", lambda r: r.header_waits if r.rate_limited else None,
     "{:,}"),
    ("elapsed (s)", lambda r: r.elapsed, "{:.2f}"),
    ("events sent/s", lambda r: r.sent / r.elapsed if r.elapsed else None, "{:,.1f}"),
    ("deliveries/s", lambda r: r.delivered / r.elapsed if r.elapsed else None, "{:,.1f}"),
    ("request p50 (ms)", lambda r: percentile(r.calls, 0.5), "{:.2f}"),
    ("request p99 (ms)", lambda r: percentile(r.calls, 0.99), "{:.2f}"),
    ("delivery p50 (ms)", lambda r: percentile(r.latency, 0.5), "{:.2f}"),
    ("delivery p99 (ms)", lambda r: percentile(r.latency, 0.99), "{:.2f}"),
    ("server CPU (s)", lambda r: r.cpu, "{:.2f}"),
    ("server fds start", lambda r: r.fds[0], "{:,}"),
    ("server fds end", lambda r: r.fds[1], "{:,}"),
    ("RSS start (MiB)", lambda r: r.rss[0], "{:.1f}"),
    ("RSS peak (MiB)", lambda r: r.rss[1], "{:.1f}"),
    ("RSS end (MiB)", lambda r: r.rss[2], "{:.1f}"),
]


async def run(twin: str, args: argparse.Namespace) -> Result:
    server = TwinServer(args.seed)
    async with server.running():
        start, cpu, fds = server.rss(), server.cpu(), server.fds()
        if twin == "pusher":
            result = await pusher_soak.soak(server, args.clients, args.duration, args.rate,
                                            args.seed, args.workers)
        else:
            result = await discord_soak.soak(server, args.messages, args.duration, args.seed)

        async def settled() -> bool:  # the server has closed every client's socket
            return server.fds() <= fds

        if not await wait_until(settled, 10):
            result.notes.append(f"{twin}: the server holds {server.fds() - fds} more file "
                                "descriptors than at start, 10 s after every client left")
        end = server.rss()  # first: it may be the peak
        result.rss = (start / MIB, server.peak / MIB, end / MIB)
        result.cpu = server.cpu() - cpu
        result.fds = (fds, server.fds())
    if server.stderr.strip():
        lines = server.stderr.decode(errors="replace").strip().splitlines()
        result.notes.append(f"{twin}: the server wrote {len(lines)} lines to stderr, "
                            f"the last: {lines[-1]}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak",
                                     description=(ABOUT or "").split("\n")[0])
    parser.add_argument("--twin", choices=["pusher", "discord", "all"], default="all")
    parser.add_argument("--duration", type=float, default=60.0,
                        help="Pusher publishing time; Discord's too with --messages 0 (s)")
    parser.add_argument("--clients", type=int, default=200, help="Pusher receivers")
    parser.add_argument("--messages", type=int, default=1200,
                        help="Discord messages (0: post for --duration seconds)")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="Pusher HTTP API requests per second, all publishers")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes the Pusher receivers are spread over")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    twins = ["pusher", "discord"] if args.twin == "all" else [args.twin]
    results = {twin: asyncio.run(run(twin, args)) for twin in twins}

    print(f"wiretwin soak, seed {args.seed}: "
          + "; ".join({"pusher": f"pusher {args.clients} clients x {args.duration:g} s at "
                                 f"{args.rate:g} requests/s",
                       "discord": "discord " + (f"{args.messages} messages"
                                                if args.messages else
                                                f"messages for {args.duration:g} s")
                                  + ", 2 gateway sessions"}[t] for t in twins))
    print(f"{'':26}" + "".join(f"{t:>12}" for t in twins))
    for label, get, fmt in ROWS:
        cells = [get(results[t]) for t in twins]
        print(f"{label:26}" + "".join(f"{'-' if v is None else fmt.format(v):>12}"
                                      for v in cells))
    print("baselines: delivery latency runs from the request's start; the request's own "
          "round trip (request p50/p99) is measured in the same run; RSS start is the idle "
          "server")
    for twin in twins:
        for note in results[twin].notes:
            print(f"note: {note}")
    failed = [t for t in twins if results[t].failed or results[t].errors]
    print("FAILED: " + ", ".join(failed) if failed else "ok: nothing lost, duplicated or "
          "reordered")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
