"""What importing wiretwin costs, next to a bare interpreter and to aiohttp alone.

Every pytest run wherever wiretwin is installed loads its plugin (the ``pytest11``
entry point), and a test that only reads a snapshot imports a twin's package; neither
should pay for aiohttp and three twins. Each row is a fresh interpreter running one
import, timed over several runs (median and best), in one run of this script:

* **baseline**: ``python -c pass``;
* **aiohttp**: ``import aiohttp``, what any twin's server needs;
* **pytest**, **pytest + plugin**: what the plugin adds to a pytest run, which has
  imported pytest already;
* **wiretwin.pusher / lavalink / discord / drivers**: each package alone (lazy exports);
* **PusherTwin / LavalinkTwin / DiscordTwin**: a twin's class, what a test using it pays.

Printed: milliseconds, the cost over the baseline, and whether aiohttp was loaded.
Figures only; nothing is asserted. Run: ``.venv/bin/python benchmarks/import_cost.py``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

ROWS = [
    ("baseline", "pass"),
    ("aiohttp", "import aiohttp"),
    ("pytest", "import pytest"),
    ("pytest + plugin", "import pytest, wiretwin.testing.plugin"),
    ("wiretwin.pusher", "import wiretwin.pusher"),
    ("wiretwin.lavalink", "import wiretwin.lavalink"),
    ("wiretwin.discord", "import wiretwin.discord"),
    ("wiretwin.drivers", "import wiretwin.drivers"),
    ("PusherTwin", "from wiretwin.pusher import PusherTwin"),
    ("LavalinkTwin", "from wiretwin.lavalink import LavalinkTwin"),
    ("DiscordTwin", "from wiretwin.discord import DiscordTwin"),
]
#: Appended to each row's code: says whether aiohttp ended up loaded.
PROBE = "; import sys; print('aiohttp' in sys.modules)"


def _time(code: str) -> tuple[float, bool]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code + PROBE], capture_output=True,
                            text=True, check=True)
    return (time.perf_counter() - started) * 1000, result.stdout.strip() == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="interpreters per row")
    args = parser.parse_args()
    timings: dict[str, list[float]] = {name: [] for name, _ in ROWS}
    loads: dict[str, bool] = {}
    # Rows interleaved run by run, so a noisy moment hits every row alike.
    for _ in range(args.runs):
        for name, code in ROWS:
            elapsed, loaded = _time(code)
            timings[name].append(elapsed)
            loads[name] = loaded
    base = statistics.median(timings["baseline"])
    print(f"{'import':<20}{'median ms':>11}{'best ms':>10}{'over baseline':>15}"
          f"{'aiohttp loaded':>16}")
    for name, _ in ROWS:
        median = statistics.median(timings[name])
        print(f"{name:<20}{median:>11.1f}{min(timings[name]):>10.1f}"
              f"{median - base:>+15.1f}{'yes' if loads[name] else 'no':>16}")
    plugin = statistics.median(timings["pytest + plugin"]) - statistics.median(
        timings["pytest"])
    print(f"the plugin adds {plugin:+.1f} ms to a pytest run that uses no twin")


if __name__ == "__main__":
    main()
