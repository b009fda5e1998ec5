"""A ``wiretwin serve`` process in a Redis cluster, for the two-process tests: started
with ``--pusher-redis``, read back through its settings file, stopped (or killed)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

#: Only ever reached when a test fails (a loaded CI box starts Python slowly).
START_TIMEOUT = 30.0


class ServeProcess:
    def __init__(self, redis_url: str, world: Path, workdir: Path, node: str) -> None:
        self.redis_url = redis_url
        self.world = world
        self.node = node
        self.settings_file = workdir / f"settings-{node}.json"
        self.proc: asyncio.subprocess.Process | None = None
        self.settings: dict[str, Any] = {}
        self.output: list[str] = []

    async def start(self) -> ServeProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wiretwin.cli", "serve", "--twins", "pusher",
            "--pusher-port", "0", "--pusher-redis", self.redis_url, "--pusher-node",
            self.node, "--world", str(self.world), "--settings-file",
            str(self.settings_file), stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.proc.stdout is not None
        async with asyncio.timeout(START_TIMEOUT):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                self.output.append(line)
                if not line:
                    raise AssertionError("wiretwin serve exited:\n" + "".join(self.output))
                if "Settings written to" in line:
                    break
        self.settings = json.loads(self.settings_file.read_text())["pusher"]
        assert (f"cluster: sharing its apps through {self.redis_url} as node {self.node}"
                in "".join(self.output))
        return self

    @property
    def port(self) -> int:
        port: int = self.settings["port"]
        return port

    async def kill(self) -> None:
        """Die at once, as a crashed process does (no goodbye to Redis)."""
        assert self.proc is not None
        self.proc.kill()
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(15):
                await self.proc.communicate()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()


__all__ = ["ServeProcess"]
