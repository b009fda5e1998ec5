"""The Java libraries' processes. pusher-java-client's host,
java/src/main/java/wiretwin/matrix/Driver.java, speaks the same commands and lines as the
JavaScript clients (js/commands.js), so the same :class:`~.js_clients.JsClient` drives
it; pusher-http-java's, ServerDriver.java, is started by servers.py. ``make install``
builds both with Maven."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path

from .harness import PusherCase
from .js_clients import JsClient

JAVA_DIR = Path(__file__).parent / "java"
TARGET = JAVA_DIR / "target"


def jar_version(artifact: str) -> Callable[[], str]:
    """The version of ``artifact`` that Maven copied into target/dependency (the pom's)."""
    def read() -> str:
        jars = sorted((TARGET / "dependency").glob(f"{artifact}-[0-9]*.jar"))
        if not jars:
            raise OSError(f"{artifact} is not built: run `make install`")
        return jars[-1].stem.removeprefix(f"{artifact}-")

    return read


def java_command(main: str) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java is not on PATH (a JDK 17+ runs the Java libraries)")
    if not (TARGET / "classes" / "wiretwin" / "matrix").is_dir():
        raise RuntimeError(f"the Java drivers are not built in {TARGET}: run `make install`")
    classpath = f"{TARGET / 'classes'}:{TARGET / 'dependency'}/*"
    return [java, "-cp", classpath, main]


async def pusher_java_client(case: PusherCase) -> JsClient:
    settings = case.client_settings()
    config = {"key": settings["key"], "host": case.twin.host, "port": case.twin.port,
              "channelAuthEndpoint": settings["channelAuthEndpoint"],
              "userAuthEndpoint": settings["userAuthEndpoint"]}
    proc = await asyncio.create_subprocess_exec(
        *java_command("wiretwin.matrix.Driver"), json.dumps(config), cwd=JAVA_DIR,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    driver = JsClient(proc, "pusher-java-client")
    try:
        await driver.expect(type="ready")
    except BaseException:
        await driver.close()
        raise
    return driver
