"""A private ``redis-server`` for the tests that scale the Pusher twin out over Redis.

Each pytest process (each xdist worker) starts its own server on a free port, with no
persistence, and stops it at the end; no system-wide Redis is assumed. Every test gets
an emptied database (``redis_url``). ``make install`` installs Debian's ``redis-server``.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
#: How long a starting server may take to answer PING (only ever reached on failure).
START_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def command(port: int, *args: str, timeout: float = 5.0) -> bytes:
    """Send one inline command, return the first reply line (blocking; for fixtures)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall((" ".join(args) + "\r\n").encode())
        return sock.makefile("rb").readline().rstrip(b"\r\n")


class RedisServer:
    def __init__(self) -> None:
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="wiretwin-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *, same_port: bool = False) -> None:
        """Start on a free port (``same_port``: on the port of the last start, as a
        restarted server comes back; empty, with no persistence)."""
        for _ in range(1 if same_port else 5):  # a free port may be taken first: another
            if not same_port:
                self.port = free_port()
            self.proc = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", self._dir.name,
                 "--protected-mode", "no", "--loglevel", "warning"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self._wait_ready():
                return
            self.stop()
        raise RuntimeError("redis-server did not start (is Debian's redis-server "
                           "installed? `make install` installs it)")

    def _wait_ready(self) -> bool:
        """Poll PING until it answers or the process ends (connection attempts, each
        refused at once while the server is not listening yet)."""
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if command(self.port, "PING") == b"+PONG":
                    return True
            except OSError:
                # Not listening yet; wait on the process for a moment instead of spinning.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(0.02)
        return False

    def flush(self) -> None:
        command(self.port, "FLUSHALL")

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open and nothing is answered,
        as with a server that hangs."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self, *, save: bool = False) -> None:
        """Stop the server (``save``: writing its data first, so that a start on the same
        port loads it back, as a Redis with persistence does)."""
        if save and self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                command(self.port, "SHUTDOWN", "SAVE")  # (no answer: it is gone)
            self.proc.wait(10)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # (a paused server must run to end)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc = None


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    if not shutil.which("redis-server") and not shutil.which(REDIS_SERVER):
        pytest.fail("redis-server is not installed (`make install` installs Debian's)")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server._dir.cleanup()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The private server's URL, its data emptied for this test."""
    redis_server.flush()
    return redis_server.url


__all__ = ["RedisServer", "free_port", "redis_server", "redis_url"]
