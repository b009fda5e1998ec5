"""The driver for pusher-java-client (Java): java/src/main/java/wiretwin/matrix/Driver.java
speaks the same commands and lines as the JavaScript clients (js/commands.js), so the
same :class:`~.js_clients.JsClient` drives it. ``make install`` builds it with Maven."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

from .harness import PusherCase
from .js_clients import JsClient

JAVA_DIR = Path(__file__).parent / "java"
TARGET = JAVA_DIR / "target"
VERSION = "2.4.4"  # the pom's; checked against the jar Maven copied


def version() -> str:
    jar = TARGET / "dependency" / f"pusher-java-client-{VERSION}.jar"
    if not jar.is_file():
        raise OSError(f"{jar.name} is not built: run `make install`")
    return VERSION


def _java() -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java is not on PATH (a JDK 17+ runs pusher-java-client)")
    version()
    classpath = f"{TARGET / 'classes'}:{TARGET / 'dependency'}/*"
    return [java, "-cp", classpath, "wiretwin.matrix.Driver"]


async def pusher_java_client(case: PusherCase) -> JsClient:
    settings = case.client_settings()
    config = {"key": settings["key"], "host": case.twin.host, "port": case.twin.port,
              "channelAuthEndpoint": settings["channelAuthEndpoint"],
              "userAuthEndpoint": settings["userAuthEndpoint"]}
    proc = await asyncio.create_subprocess_exec(
        *_java(), json.dumps(config), cwd=JAVA_DIR, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    driver = JsClient(proc, "pusher-java-client")
    try:
        await driver.expect(type="ready")
    except BaseException:
        await driver.close()
        raise
    return driver
