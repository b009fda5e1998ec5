"""The matrix drivers that run in a process of their own (Node, a JVM, another
interpreter): starting one with its pipes and waiting until it is ready, and the command
line and library versions of the Java drivers Maven builds (``make install``)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from tests.e2e.node_driver import NodeDriver

D = TypeVar("D", bound=NodeDriver)


async def _printed_ready(driver: NodeDriver) -> None:
    await driver.expect(type="ready")


async def start_driver(argv: Sequence[str], driver: Callable[[asyncio.subprocess.Process], D],
                       *, cwd: Path | str | None = None,
                       ready: Callable[[D], Awaitable[object]] = _printed_ready,
                       limit: int = 1 << 16) -> D:
    """Run ``argv`` with stdin, stdout and stderr piped (``limit``: the longest line it
    may print; 64 KiB is asyncio's default) and wrap it in ``driver``. Returns once
    ``ready`` returned (by default: once the process printed a ``ready`` line); when it
    raises, the process is killed and the error raised."""
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, limit=limit)
    started = driver(proc)
    try:
        await ready(started)
    except BaseException:
        await started.close()
        raise
    return started


def java_command(target: Path, main: str) -> list[str]:
    """The command line that runs the class ``main`` of a Java driver built in ``target``
    (its classes and, in target/dependency, the jars of the library it drives)."""
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java is not on PATH (a JDK 17+ runs the Java libraries)")
    if not (target / "classes").is_dir():
        raise RuntimeError(f"the Java driver is not built in {target}: run `make install`")
    return [java, "-cp", f"{target / 'classes'}:{target / 'dependency'}/*", main]


def jar_version(target: Path, artifact: str) -> Callable[[], str]:
    """The version of ``artifact`` that Maven copied into ``target``/dependency (the one
    the pom names)."""
    def read() -> str:
        jars = sorted((target / "dependency").glob(f"{artifact}-[0-9]*.jar"))
        if not jars:
            raise OSError(f"{artifact} is not built: run `make install`")
        return jars[-1].stem.removeprefix(f"{artifact}-")

    return read
