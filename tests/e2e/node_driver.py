"""One Node.js driver process (a JS client under test): JSON commands in on stdin,
observed JSON lines out on stdout, stderr kept for failure reports. Shared by the
pusher-js and discord.js suites."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

Line = dict[str, Any]


class NodeDriver:
    #: Who prints the lines (failure messages name it).
    client = "the driver"
    #: A line of this type fails the next ``expect`` at once.
    failure_type = "error"
    timeout = 15.0

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[Line] = []
        self._taken: set[int] = set()
        self.stderr: list[str] = []
        self._stderr_task = asyncio.get_running_loop().create_task(self._drain_stderr())

    async def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.stderr.append(raw.decode(errors="replace").rstrip())

    async def send(self, cmd: str, **args: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps({"cmd": cmd, **args}) + "\n").encode())
        await self.proc.stdin.drain()

    def seen(self, **match: Any) -> list[Line]:
        """Every line so far whose keys equal ``match`` (taken or not)."""
        return [line for line in self.lines if _matches(line, match)]

    async def expect(self, **match: Any) -> Line:
        """The first line not yet returned whose keys equal ``match``, waiting for it; a
        :attr:`failure_type` line fails at once."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        start = 0
        while True:
            for index in range(start, len(self.lines)):
                line = self.lines[index]
                if line.get("type") == self.failure_type:
                    raise AssertionError(f"{self.client} reported a failure: {line}\n"
                                         f"{self.story()}")
                if index not in self._taken and _matches(line, match):
                    self._taken.add(index)
                    return line
            start = len(self.lines)
            assert self.proc.stdout is not None
            try:
                raw = await asyncio.wait_for(self.proc.stdout.readline(),
                                             max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise AssertionError(
                    f"{self.client} never printed a line matching {match}\n{self.story()}"
                ) from None
            if not raw:
                await self.proc.wait()
                raise AssertionError(
                    f"driver exited ({self.proc.returncode}) before a line matching {match}\n"
                    f"{self.story()}")
            self.lines.append(json.loads(raw))

    def story(self) -> str:
        shown = "\n".join(f"  {json.dumps(line)[:300]}" for line in self.lines[-40:])
        errors = "\n".join(f"  {line[:300]}" for line in self.stderr[-30:])
        return f"lines (last 40):\n{shown or '  (none)'}\nstderr:\n{errors or '  (none)'}"

    async def close(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()
        self._stderr_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._stderr_task


def _matches(line: Line, match: dict[str, Any]) -> bool:
    return all(k in line and line[k] == v for k, v in match.items())


__all__ = ["Line", "NodeDriver"]
