"""What both soaks share: the `wiretwin serve` process, its RSS, and the sequence tally."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import tempfile
import time
from array import array
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

MIB = 1024 * 1024


class Stream:
    """One receiver's view of one sequence (a channel): what arrived, and in what order."""

    __slots__ = ("arrivals", "duplicated", "reordered", "seen", "top")

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.top = 0
        self.arrivals = 0
        self.duplicated = 0
        self.reordered = 0

    def add(self, seq: int) -> None:
        self.arrivals += 1
        if seq in self.seen:
            self.duplicated += 1
            return
        self.seen.add(seq)
        if seq < self.top:
            self.reordered += 1  # a first arrival below one already seen
        else:
            self.top = seq


@dataclass
class Result:
    """One twin's soak, as the table prints it."""

    sent: int = 0            # sequence-numbered events the twin accepted
    expected: int = 0        # deliveries owed (each event x each receiver of it)
    delivered: int = 0       # distinct deliveries of accepted events
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    retries: int = 0         # 429s answered by waiting retry_after, then retried
    header_waits: int = 0    # waits because X-RateLimit-Remaining said 0
    errors: int = 0          # failed requests, protocol errors, unexpected closes
    rate_limited: bool = False   # the twin has rate limits (the two rows above apply)
    disagree: int | None = None  # positions where two receivers' arrival orders differ
    elapsed: float = 0.0     # first send to last delivery (s)
    latency: array[float] = field(default_factory=lambda: array("d"))  # delivery (ms)
    calls: array[float] = field(default_factory=lambda: array("d"))    # request (ms)
    rss: tuple[float, float, float] = (0.0, 0.0, 0.0)                  # MiB
    cpu: float = 0.0         # the server's CPU time (user + system) during the soak (s)
    fds: tuple[int, int] = (0, 0)  # the server's open file descriptors at start and end
    notes: list[str] = field(default_factory=list)

    def tally(self, streams: list[tuple[Stream, set[int]]]) -> None:
        """Add up (stream, the seqs it was owed) pairs into lost/duplicated/reordered."""
        for stream, owed in streams:
            got = len(stream.seen & owed)
            self.expected += len(owed)
            self.delivered += got
            self.lost += len(owed) - got
            self.duplicated += stream.duplicated
            self.reordered += stream.reordered

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.duplicated or self.reordered or self.disagree)


def percentile(values: array[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class TwinServer:
    """``python -m wiretwin.cli serve`` on ephemeral ports, its settings and its RSS."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.settings: dict[str, Any] = {}
        self.proc: asyncio.subprocess.Process | None = None
        self.ps: psutil.Process | None = None
        self.peak = 0
        self.stderr = b""
        self._sampler: asyncio.Task[None] | None = None

    def rss(self) -> int:
        assert self.ps is not None
        value: int = self.ps.memory_info().rss
        self.peak = max(self.peak, value)
        return value

    def fds(self) -> int:
        assert self.ps is not None
        return int(self.ps.num_fds())

    def cpu(self) -> float:
        assert self.ps is not None
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    async def _sample(self) -> None:
        while True:
            self.rss()
            await asyncio.sleep(0.1)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[TwinServer]:
        with tempfile.TemporaryDirectory(prefix="wiretwin-soak-") as tmp:
            path = Path(tmp) / "settings.json"
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "wiretwin.cli", "serve", "--pusher-port", "0",
                "--lavalink-port", "0", "--discord-port", "0", "--seed", str(self.seed),
                "--settings-file", str(path),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            assert self.proc.stdout is not None and self.proc.stderr is not None
            stderr = asyncio.ensure_future(self.proc.stderr.read())
            try:
                async with asyncio.timeout(30):
                    while b"Settings written to" not in await self.proc.stdout.readline():
                        if self.proc.stdout.at_eof():
                            raise RuntimeError("wiretwin serve exited: "
                                               + (await stderr).decode(errors="replace"))
                self.settings = json.loads(path.read_text())
                self.ps = psutil.Process(self.proc.pid)
                self._sampler = asyncio.ensure_future(self._sample())
                yield self
            finally:
                if self._sampler is not None:
                    self._sampler.cancel()
                if self.proc.returncode is None:
                    self.proc.send_signal(signal.SIGTERM)
                async with asyncio.timeout(30):
                    await self.proc.stdout.read()
                    self.stderr = await stderr
                    await self.proc.wait()


async def wait_until(predicate: Any, timeout: float, every: float = 0.05) -> bool:
    """Poll an async predicate until it holds or ``timeout`` passes (no fixed sleep)."""
    deadline = time.perf_counter() + timeout
    while True:
        if await predicate():
            return True
        if time.perf_counter() >= deadline:
            return False
        await asyncio.sleep(every)
