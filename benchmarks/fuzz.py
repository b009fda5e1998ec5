"""The repo's fuzzer: no input may crash a twin (the code is in ``benchmarks/fuzz/``).

Run: ``.venv/bin/python benchmarks/fuzz.py [--twin pusher|discord|lavalink|all]
[--inputs 100000] [--seed 0] [--report anomalies.jsonl] [--pusher-redis URL]``; exit status
1 if any anomaly.
"""

from __future__ import annotations

import sys

from fuzz.cli import main

if __name__ == "__main__":
    sys.exit(main())
