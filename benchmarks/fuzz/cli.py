"""``python benchmarks/fuzz.py``: the command line around :mod:`runner`."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .replay import replay, summary
from .report import TWINS, Report
from .runner import fuzz
from .serve import Serve

#: `wiretwin serve`'s stated memory budget, all three twins in one process, under a
#: 100,000-input campaign per twin (measured: 44 MB at start, 259 MB at the peak).
RSS_BUDGET_MB = 320.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fuzz.py", description="Fuzz the twins of a real `wiretwin serve`: no input "
                                    "may crash a twin.")
    parser.add_argument("--twin", choices=(*TWINS, "all"), default="all")
    parser.add_argument("--inputs", type=int, default=100_000, help="inputs per twin")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", type=Path, default=Path("anomalies.jsonl"),
                        help="where each anomaly goes, one JSON object a line")
    parser.add_argument("--collateral-every", type=int, default=200,
                        help="check the well-behaved clients every this many inputs")
    parser.add_argument("--rss-budget", type=float, default=RSS_BUDGET_MB, metavar="MB",
                        help="the serve process's stated memory budget: a peak RSS past it "
                             f"fails the run (default {RSS_BUDGET_MB:g} MB)")
    parser.add_argument("--top", type=int, default=30, help="distinct signatures to print")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--trace", type=Path, help="write every input sent (JSON lines)")
    parser.add_argument("--pusher-redis", metavar="URL",
                        help="run the Pusher twin in cluster mode through this Redis "
                             "(redis://host:port/db; a private, empty one: the twin writes "
                             "its apps' state there)")
    parser.add_argument("--replay", type=Path, metavar="ANOMALIES",
                        help="instead of fuzzing: send each distinct signature's smallest "
                             "input from this report, alone, to a fresh twin")
    return parser


def mb(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


async def run(twins: list[str], inputs: int, seed: int, *, collateral_every: int = 200,
              progress: bool = False, trace: Path | None = None,
              pusher_redis: str | None = None) -> tuple[Report, Serve]:
    """Start ``wiretwin serve``, fuzz ``twins``, stop it; the report and the process."""
    report = Report()
    serve = Serve(seed, pusher_redis)
    serve.start()
    out = trace.open("w", encoding="utf-8") if trace is not None else None
    try:
        await fuzz(twins, inputs, seed, report, serve,
                   progress=sys.stderr if progress else None,
                   collateral_every=collateral_every, trace=out)
        serve.sample_rss()
    finally:
        serve.close()
        if out is not None:
            out.close()
    return report, serve


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.replay is not None:
        results = asyncio.run(replay(args.replay, args.seed, args.pusher_redis))
        print(summary(results))
        return 1 if any(r.reproduced for r in results) else 0
    twins = list(TWINS) if args.twin == "all" else [args.twin]
    cluster = f" (Pusher in a cluster through {args.pusher_redis})" if args.pusher_redis else ""
    print(f"wiretwin fuzz: seed {args.seed}, {args.inputs} inputs per twin, "
          f"twins: {', '.join(twins)}{cluster}", flush=True)
    started = time.monotonic()
    report, serve = asyncio.run(run(twins, args.inputs, args.seed,
                                    collateral_every=args.collateral_every,
                                    progress=not args.quiet, trace=args.trace,
                                    pusher_redis=args.pusher_redis))
    elapsed = time.monotonic() - started
    with args.report.open("w", encoding="utf-8") as out:
        report.write_jsonl(out)
    total = sum(report.sent.values())
    print(report.summary(args.top))
    print(f"\nserve RSS: start {mb(serve.rss_start)}, peak {mb(serve.rss_peak)}, "
          f"end {mb(serve.rss_last)} (serve started {serve.starts} time(s))")
    print(f"elapsed: {elapsed:.1f} s for {total} inputs ({total / elapsed:.0f} inputs/s)")
    print(f"report: {args.report} ({len(report.anomalies)} anomalies)")
    over = serve.rss_peak / 1_048_576 > args.rss_budget
    if over:
        print(f"memory: the peak RSS {mb(serve.rss_peak)} is past the budget of "
              f"{args.rss_budget:g} MB")
    return 1 if report.anomalies or over else 0


__all__ = ["RSS_BUDGET_MB", "build_parser", "main", "run"]
