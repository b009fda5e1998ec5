"""The ``wiretwin serve`` subprocess: start, settings, stderr, RSS, restart.

The twins run as users run them: ``python -m wiretwin.cli serve`` on ports 0 (the
Pusher twin in a Redis cluster when given a Redis URL), settings read from the JSON file
it writes (the one addition: log records are printed with their level, through a
``sitecustomize`` on the server's PYTHONPATH). Its stderr is read by a background thread
so the server never blocks on a full pipe; :meth:`Serve.drain` also reads the pipe
itself, under the same lock, so everything the server wrote before an answer the fuzzer
has already received is in what ``drain`` returns. RSS is sampled
with psutil.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

STARTUP_TIMEOUT = 30.0
#: Imported by the server at start-up (its directory leads PYTHONPATH): log records
#: carry their level, so an ERROR line can be told from a warning. Nothing else changes:
#: without it Python prints WARNING and above anyway, just without the level.
_SITECUSTOMIZE = """\
import logging
import os

if os.environ.get("WIRETWIN_FUZZ_LOG_LEVELS"):
    logging.basicConfig(format="%(levelname)s:%(name)s:%(message)s")
"""


class ServeDied(Exception):
    pass


class Serve:
    def __init__(self, seed: int = 0, pusher_redis: str | None = None) -> None:
        self.seed = seed
        #: The Redis the Pusher twin shares its apps through (``--pusher-redis``): the
        #: twin runs in cluster mode, every event and presence change crossing Redis.
        self.pusher_redis = pusher_redis
        self.proc: subprocess.Popen[bytes] | None = None
        self.settings: dict[str, Any] = {}
        self._dir = tempfile.TemporaryDirectory(prefix="wiretwin-fuzz-")
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._fd = -1
        self._ps: psutil.Process | None = None
        self.rss_start = 0
        self.rss_peak = 0
        self.rss_last = 0
        self.starts = 0

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> dict[str, Any]:
        (Path(self._dir.name) / "sitecustomize.py").write_text(_SITECUSTOMIZE)
        path = Path(self._dir.name) / f"settings-{self.starts}.json"
        command = [sys.executable, "-m", "wiretwin.cli", "serve", "--pusher-port", "0",
                   "--lavalink-port", "0", "--discord-port", "0", "--seed", str(self.seed),
                   "--settings-file", str(path)]
        if self.pusher_redis is not None:
            command += ["--pusher-redis", self.pusher_redis]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "WIRETWIN_FUZZ_LOG_LEVELS": "1",
               "PYTHONPATH": os.pathsep.join(
                   p for p in (self._dir.name, os.environ.get("PYTHONPATH")) if p)}
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=env)
        assert self.proc.stderr is not None
        self._fd = self.proc.stderr.fileno()
        os.set_blocking(self._fd, False)
        self._thread = threading.Thread(target=self._pump, name="serve-stderr", daemon=True)
        self._thread.start()
        self.settings = self._read_settings(path)
        self._ps = psutil.Process(self.proc.pid)
        self.starts += 1
        rss = self.sample_rss()
        if self.starts == 1:
            self.rss_start = rss
        return self.settings

    def _read_settings(self, path: Path) -> dict[str, Any]:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise ServeDied(f"wiretwin serve exited {self.proc.returncode} at start: "
                                + self.drain()[-2000:])
            with contextlib.suppress(OSError, ValueError):
                settings: dict[str, Any] = json.loads(path.read_text())
                if {"pusher", "lavalink", "discord"} <= set(settings):
                    return settings
            time.sleep(0.02)
        raise ServeDied("wiretwin serve wrote no settings within 30 s")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._thread is not None:
            self._thread.join(2)
        if proc.stderr is not None:
            proc.stderr.close()

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

    # -- stderr ---------------------------------------------------------------------------

    def _read_available(self) -> bool:
        """Read what the pipe holds now (caller holds the lock); False at EOF."""
        while True:
            try:
                chunk = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            self._buffer += chunk

    def _pump(self) -> None:
        fd = self._fd
        while True:
            try:
                ready, _, _ = select.select([fd], [], [], 0.5)
            except (OSError, ValueError):
                return
            if ready:
                with self._lock:
                    if fd != self._fd or not self._read_available():
                        return
            elif self.proc is None or self.proc.poll() is not None:
                with self._lock:
                    if fd == self._fd:
                        self._read_available()
                return

    def drain(self) -> str:
        """Everything the server wrote to stderr since the last drain."""
        with self._lock:
            if self._fd >= 0:
                self._read_available()
            data, self._buffer = bytes(self._buffer), bytearray()
        return data.decode("utf-8", "replace")

    # -- memory -------------------------------------------------------------------------

    def sample_rss(self) -> int:
        if self._ps is None:
            return self.rss_last
        try:
            rss: int = self._ps.memory_info().rss
        except psutil.Error:
            return self.rss_last
        self.rss_last = rss
        self.rss_peak = max(self.rss_peak, rss)
        return rss


__all__ = ["Serve", "ServeDied"]
