"""No input crashes a twin: a short, seeded run of the repo's fuzzer against each twin.

Each test starts its own ``wiretwin serve`` (ports 0, so xdist workers never collide) and
sends a couple of thousand inputs from every campaign (mutated valid traffic, garbage,
protocol steps out of order, transport abuse), one at a time. Any anomaly fails the test
with the fuzzer's summary: the classes, the distinct signatures and one reproducer each;
so does a serve process past the stated memory budget.
The full run is ``python benchmarks/fuzz.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from fuzz.cli import RSS_BUDGET_MB, run

INPUTS = 2_000
SEED = 0


@pytest.mark.parametrize("twin", ["discord", "pusher", "lavalink"])
async def test_no_input_makes_an_anomaly(twin: str) -> None:
    report, serve = await run([twin], INPUTS, SEED)

    assert sum(report.sent.values()) == INPUTS
    if report.anomalies:
        pytest.fail(f"{len(report.anomalies)} anomalies in {INPUTS} {twin} inputs "
                    f"(seed {SEED}):\n{report.summary(top=30)}", pytrace=False)
    assert serve.rss_peak / 1_048_576 <= RSS_BUDGET_MB
