"""The benchmarks still run (with tiny parameters); their timings are not checked here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pusher_fanout_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "pusher_fanout.py"), "--subscribers", "5",
         "--events", "2", "--samples", "5", "--rounds", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "deliveries/s" in result.stdout
    assert "latency p99 (ms)" in result.stdout


def test_pusher_cluster_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "pusher_cluster.py"), "--subscribers", "4",
         "--events", "2", "--samples", "3", "--rounds", "1", "--processes", "1,2"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    for row in ("1 twin, no Redis", "1 process over Redis", "2 processes over Redis",
                "deliveries/s", "p99 ms"):
        assert row in result.stdout, row


def test_pusher_scale_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "pusher_scale.py"), "all", "--idle", "4",
         "--churn", "4", "--period", "0.5", "--duration", "2", "--connections", "20",
         "--subscribers", "10", "--events", "2", "--rounds", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    for row in ("trigger->delivery p50 (ms)", "p95 (ms)", "p99 (ms)", "churn connects",
                "idle deliveries missing", "soketi 6 ms", "RSS per connection (bytes)",
                "memory per connection <= 1.5x baseline", "deliveries/s"):
        assert row in result.stdout, row


def test_twin_lifecycle_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "twin_lifecycle.py"), "--cycles", "3"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "twin (thread) start+stop" in result.stdout


def test_lavalink_clock_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "lavalink_clock.py"), "--cycles", "2",
         "--requests", "5", "--players", "3", "--hours", "0.01"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "start to ready, median (ms)" in result.stdout
    assert "PATCH player requests/s" in result.stdout
    assert "the twin fired" in result.stdout


def test_discord_suites_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "discord_suites.py"), "--per-command", "1",
         "--repeat", "1", "--fresh", "1", "--slashes", "1", "--warmup", "0"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    for row in ("4 commands on one world, per test",
                "fresh world + bot + 1 command + teardown, wall", "same, CPU",
                "slash command round trip", "targets:", "fresh test wall <= 2x dpytest",
                "slash round trip <= SimCord"):
        assert row in result.stdout, row


def test_soak_benchmark_runs_and_loses_nothing() -> None:
    # Timings are not checked; lost/duplicated/reordered are correctness, so they must be 0.
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.soak", "--twin", "all", "--duration", "1.5",
         "--clients", "12", "--messages", "60", "--rate", "40", "--seed", "3"],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line[:26].strip(): line[26:].split() for line in result.stdout.splitlines()}
    assert rows[""] == ["pusher", "discord"]
    for figure in ("events sent", "deliveries owed", "delivered", "deliveries/s",
                   "delivery p50 (ms)", "delivery p99 (ms)", "request p99 (ms)",
                   "RSS start (MiB)", "RSS peak (MiB)", "RSS end (MiB)", "429 retries"):
        assert figure in rows, figure
    for figure in ("lost", "duplicated", "reordered"):
        assert rows[figure] == ["0", "0"], (figure, result.stdout)
    assert rows["sessions disagree"] == ["-", "0"]
    assert int(rows["delivered"][0].replace(",", "")) > 0
    assert rows["delivered"] == rows["deliveries owed"]


def test_import_cost_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "import_cost.py"), "--runs", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "the plugin adds" in result.stdout
    # Importing a twin's package alone loads no aiohttp (lazy exports).
    rows = {line.split()[0]: line.split()[-1] for line in result.stdout.splitlines()[1:]
            if line.startswith("wiretwin.")}
    assert rows == dict.fromkeys(["wiretwin.pusher", "wiretwin.lavalink",
                                  "wiretwin.discord", "wiretwin.drivers"], "no")


def test_discord_attach_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "discord_attach.py"), "--runs", "2"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "attach (in-process gateway)" in result.stdout


def test_dpytest_layer_benchmark_runs() -> None:
    """The same dpytest-style suite passes under dpytest and under the layer (a wrong
    reply would fail the run), and the figures print."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "dpytest_layer.py"), "--rounds", "1",
         "--copies", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("wiretwin / dpytest:") == 2  # bodies, and under pytest
