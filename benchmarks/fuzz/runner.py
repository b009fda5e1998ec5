"""One input at a time: generate, send, sync, drain stderr, classify.

Per twin, the inputs are split among the campaigns (mutate 55 %, garbage 15 %, order
15 %, transport 15 %) and interleaved in a seeded order. After each input the fuzzer has
synced with the twin (its answer, or a probe), so whatever the server wrote to stderr by
then belongs to that input. Every ``collateral_every`` inputs, and at the end, the twin's
well-behaved client must still be served. A dead ``wiretwin serve`` is a ``crash`` and is
restarted; one that stops answering altogether is a ``hang`` and is restarted too.
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from .base import Found, TwinFuzzer
from .cases import Case
from .discord import DiscordFuzzer
from .httpclient import HttpClient
from .lavalink import LavalinkFuzzer
from .pusher import PusherFuzzer
from .report import Anomaly, Report, parse_stderr
from .serve import Serve

CAMPAIGNS = {"mutate": 0.55, "garbage": 0.15, "order": 0.15, "transport": 0.15}
FUZZERS: dict[str, Callable[[dict[str, Any], random.Random], TwinFuzzer]] = {
    "discord": DiscordFuzzer, "pusher": PusherFuzzer, "lavalink": LavalinkFuzzer}
#: After this many inputs in a row with a hang, check the server still answers at all.
HANGS_BEFORE_CHECK = 3


def plan(inputs: int, rng: random.Random) -> list[str]:
    """Which campaign each input belongs to: the shares, interleaved in a seeded order."""
    counts = {c: int(inputs * share) for c, share in CAMPAIGNS.items()}
    counts["mutate"] += inputs - sum(counts.values())
    order = [c for c, n in counts.items() for _ in range(n)]
    rng.shuffle(order)
    return order


class TwinRun:
    """Fuzzing one twin of a running ``wiretwin serve``."""

    def __init__(self, name: str, serve: Serve, report: Report, seed: int,
                 collateral_every: int = 200, progress: TextIO | None = None,
                 trace: TextIO | None = None) -> None:
        self.name = name
        self.serve = serve
        self.report = report
        self.rng = random.Random(f"wiretwin-fuzz:{seed}:{name}")
        self.collateral_every = collateral_every
        self.progress = progress
        #: Every input as sent, one JSON line each (--trace).
        self.trace = trace
        self.fuzzer: TwinFuzzer | None = None
        self.hangs_in_a_row = 0
        self.fuzzer_errors = 0

    async def start(self) -> TwinFuzzer:
        fuzzer = FUZZERS[self.name](self.serve.settings[self.name], self.rng)
        await fuzzer.setup()
        await fuzzer.collateral_setup()
        self.fuzzer = fuzzer
        self._record("setup", {"kind": "setup"}, self._stderr_found())
        return fuzzer

    async def restart(self) -> None:
        if self.fuzzer is not None:
            with contextlib.suppress(Exception):  # the old server is gone; so be it
                await self.fuzzer.close()
        self.serve.stop()
        self.serve.start()
        await self.start()

    def _stderr_found(self) -> list[Found]:
        return [("traceback", sig, detail) for sig, detail in parse_stderr(self.serve.drain())]

    def _record(self, campaign: str, sent: dict[str, Any], found: list[Found],
                index: int = -1) -> None:
        for cls, signature, detail in found:
            self.report.add(Anomaly(cls, self.name, campaign, signature, sent, detail, index))

    async def run(self, inputs: int) -> None:
        started = time.monotonic()
        fuzzer = await self.start()
        order = plan(inputs, self.rng)
        step = max(1, inputs // 10)
        for index, campaign in enumerate(order):
            try:
                case = fuzzer.generate(campaign, index)
            except Exception as exc:
                self._fuzzer_error("generating", exc)
                continue
            found = await self._one(fuzzer, case)
            self.report.sent[(self.name, campaign)] += 1
            if self.trace is not None:
                self.trace.write(json.dumps({"twin": self.name, "index": index,
                                             "campaign": campaign, "input": fuzzer.sent,
                                             "found": [f[:2] for f in found]}) + "\n")
            self._record(campaign, fuzzer.sent or {"kind": type(case).__name__}, found, index)
            if not self.serve.alive:
                self._record(campaign, fuzzer.sent, [
                    ("crash", f"wiretwin serve exited {self.serve.returncode}",
                     self.serve.drain()[-3000:])], index)
                await self.restart()
                fuzzer = self._fuzzer()
            elif await self._wedged(found):
                self._record(campaign, fuzzer.sent, [
                    ("hang", "the twin stopped answering altogether (serve restarted)", "")],
                    index)
                await self.restart()
                fuzzer = self._fuzzer()
            if index % 64 == 0:
                self.serve.sample_rss()
            if (index + 1) % self.collateral_every == 0:
                await self._collateral(fuzzer, index)
            if self.progress is not None and (index + 1) % step == 0:
                secs = time.monotonic() - started
                print(f"  {self.name}: {index + 1}/{inputs} inputs, "
                      f"{self.report.count(self.name)} anomalies, {secs:.0f} s",
                      file=self.progress, flush=True)
        await self._collateral(fuzzer, len(order))
        rss = self.serve.sample_rss()
        self.report.notes.append(f"serve RSS after the {self.name} run: {rss / 1_048_576:.1f} MB")
        await fuzzer.close()
        self.report.elapsed[self.name] = time.monotonic() - started
        if self.fuzzer_errors:
            self.report.notes.append(f"note: {self.fuzzer_errors} {self.name} inputs raised "
                                     "inside the fuzzer (not counted as anomalies)")

    def _fuzzer_error(self, doing: str, exc: Exception) -> None:
        self.fuzzer_errors += 1
        if self.fuzzer_errors <= 3:
            print(f"fuzzer error {doing}: {exc!r}", file=sys.stderr)

    def _fuzzer(self) -> TwinFuzzer:
        assert self.fuzzer is not None
        return self.fuzzer

    async def _one(self, fuzzer: TwinFuzzer, case: Case) -> list[Found]:
        try:
            found = await fuzzer.run(case)
        except Exception as exc:
            self._fuzzer_error(f"running a {type(case).__name__}", exc)
            found = list(fuzzer.found)
        return found + self._stderr_found()

    async def _wedged(self, found: list[Found]) -> bool:
        if not any(cls == "hang" for cls, _, _ in found):
            self.hangs_in_a_row = 0
            return False
        self.hangs_in_a_row += 1
        if self.hangs_in_a_row < HANGS_BEFORE_CHECK:
            return False
        self.hangs_in_a_row = 0
        client = HttpClient(self._fuzzer().host, self._fuzzer().port)
        try:
            await client.request(b"GET /_wiretwin HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5.0)
        except Exception:
            return True
        finally:
            await client.close()
        return False

    async def _collateral(self, fuzzer: TwinFuzzer, index: int) -> None:
        found: list[Found] = []
        try:
            await fuzzer.maintain(index)
        except Exception as exc:
            found.append(("hang", "putting the world back (admin API) failed: "
                                  f"{type(exc).__name__}", repr(exc)))
        try:
            why = await fuzzer.collateral_check()
        except Exception as exc:
            why = f"the check itself failed: {type(exc).__name__}"
        if why is not None:
            found.append(("collateral", why, f"after input {index}"))
        found += self._stderr_found()
        self._record("collateral", {"kind": "collateral", "after_input": index}, found, index)


async def fuzz(twins: list[str], inputs: int, seed: int, report: Report, serve: Serve,
               progress: TextIO | None = None, collateral_every: int = 200,
               trace: TextIO | None = None) -> None:
    for name in twins:
        await TwinRun(name, serve, report, seed, collateral_every, progress,
                      trace).run(inputs)


__all__ = ["CAMPAIGNS", "FUZZERS", "TwinRun", "fuzz", "plan"]
