"""The Node clients' driver: js/driver.mjs runs one library (shoukaku, lavalink-client,
moonlink.js, magmastream) in a Node process; :class:`JsLavalink` sends it commands and
waits on the lines it prints (its replies and the library's events). Java's
lavalink-client runs in java/ (Driver.java), which speaks the same commands and lines."""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from tests.e2e.node_driver import NodeDriver
from wiretwin.drivers.payloads import DEFAULT_BOT_ID
from wiretwin.runtime.journal import Entry

from ..process import java_command, start_driver
from .driver import TIMEOUT, Line
from .harness import CHANNEL, LavalinkCase

JS_DIR = Path(__file__).parent / "js"
MODULES = JS_DIR / "node_modules"
JAVA_TARGET = Path(__file__).parent / "java" / "target"


class JsLavalink(NodeDriver):
    failure_type = "command_error"
    timeout = TIMEOUT

    def __init__(self, proc: asyncio.subprocess.Process, library: str,
                 workdir: tempfile.TemporaryDirectory[str]) -> None:
        super().__init__(proc)
        #: The process's working folder: moonlink.js and magmastream keep session files
        #: there, which must not carry over from one run (or xdist worker) to another.
        self.workdir = workdir
        self.client = library
        self.session_id = ""
        self._ids = itertools.count(1)
        #: Why the library did not report ready when the node sent it (None: it did).
        self.late_ready: str | None = None

    async def call(self, cmd: str, **args: Any) -> Any:
        command_id = next(self._ids)
        await self.send(cmd, id=command_id, **args)
        return (await self.expect(type="result", id=command_id))["value"]

    async def connected(self, case: LavalinkCase) -> None:
        """Wait until the library reports ready. Once the node has sent ready, a command
        round trip through the Node process lets the library handle what it received; a
        library that still has not reported ready (moonlink.js: it leaves the frames that
        came with the handshake unparsed until more data arrives) is recorded in
        :attr:`late_ready`, then the clock moves a minute so that the node's next stats
        frame arrives, as it would on a real node."""
        await case.twin.journal.wait_for(_ready_sent, timeout=TIMEOUT)
        await self.call("session")
        if not self.seen(type="ready"):
            self.late_ready = ("the node's ready was not reported until the next frame "
                               "arrived (the stats, a minute later)")
            await case.clock.advance(60)
        await self.expect(type="ready")
        self.session_id = str(await self.call("session"))
        # the ready line stays for the connect scenario to read
        self._taken.clear()

    async def reconnected(self, case: LavalinkCase, since: int) -> Line:
        """The library's ready after a reconnect (the node sent one after ``since``), with
        the same allowance as :meth:`connected` for a library that reports it only when
        more data arrives."""
        await node_resumed(case, since)
        await self.call("session")
        if not self.seen(type="ready", resumed=True):
            await case.clock.advance(60)
        return await self.expect(type="ready", resumed=True)

    async def load(self, identifier: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("load", identifier=identifier)
        return result

    async def join(self, guild: int) -> None:
        await self.call("join", guild=str(guild), channel=str(CHANNEL))

    async def play(self, guild: int, identifier: str) -> None:
        await self.call("play", identifier=identifier)

    async def queue(self, guild: int, identifiers: list[str]) -> None:
        await self.call("queue", identifiers=identifiers)

    async def pause(self, paused: bool) -> None:
        await self.call("pause", paused=paused)

    async def seek(self, position: int) -> None:
        await self.call("seek", position=position)

    async def volume(self, volume: int) -> None:
        await self.call("volume", volume=volume)

    async def timescale(self, speed: float) -> None:
        await self.call("timescale", speed=speed)

    async def enable_resuming(self) -> None:
        await self.call("resuming")

    async def reset(self) -> None:
        await self.call("reset")
        self.lines.clear()
        self._taken.clear()

    async def expect(self, **match: Any) -> Line:
        return await super().expect(**match)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self.workdir.cleanup()


def _ready_sent(entry: Entry) -> bool:
    return (entry.kind == "frame" and entry.direction == "out"
            and '"op":"ready"' in (entry.text or ""))


async def node_resumed(case: LavalinkCase, since: int) -> None:
    """Wait for the node's ready after a reconnect (sent after ``since``); fail at once
    when it opened a new session (the library came back without its Session-Id, or
    with one the node no longer had)."""
    (entry,) = await case.twin.journal.wait_for(_ready_sent, since=since, timeout=TIMEOUT)
    if '"resumed":false' in (entry.text or ""):
        raise AssertionError("the library reconnected without resuming: the node opened a "
                             "new session (no Session-Id on the upgrade)")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH (Node.js 18+ runs the JavaScript clients)")
    if not MODULES.is_dir():
        raise RuntimeError(f"the Node clients are not installed in {JS_DIR}: run `make install`")
    return node


def _settings(case: LavalinkCase) -> str:
    settings = case.twin.settings()
    return json.dumps({"host": settings["host"], "port": settings["port"],
                       "password": settings["password"], "userId": str(DEFAULT_BOT_ID)})


async def start(case: LavalinkCase, library: str) -> JsLavalink:
    """A Node client's driver (js/driver.mjs), its library connected to the twin."""
    return await _start(case, library, [_node(), str(JS_DIR / "driver.mjs"), library,
                                        _settings(case)])


async def start_java(case: LavalinkCase) -> JsLavalink:
    """lavalink-client for Java's driver (java/, the same commands and lines)."""
    return await _start(case, "lavalink-client (Java)",
                        [*java_command(JAVA_TARGET, "wiretwin.matrix.Driver"),
                         _settings(case)])


async def _start(case: LavalinkCase, library: str, command: list[str]) -> JsLavalink:
    workdir = tempfile.TemporaryDirectory(prefix="wiretwin-lavalink-matrix-")

    async def connected(driver: JsLavalink) -> None:
        await driver.connected(case)

    return await start_driver(command, lambda proc: JsLavalink(proc, library, workdir),
                              cwd=workdir.name, ready=connected)
