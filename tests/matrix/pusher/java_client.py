"""The Java libraries' processes. pusher-java-client's host,
java/src/main/java/wiretwin/matrix/Driver.java, speaks the same commands and lines as the
JavaScript clients (js/commands.js), so the same :class:`~.js_clients.JsClient` drives
it; pusher-http-java's, ServerDriver.java, is started by servers.py. ``make install``
builds both with Maven."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .. import process
from .harness import PusherCase
from .js_clients import JsClient

JAVA_DIR = Path(__file__).parent / "java"
TARGET = JAVA_DIR / "target"


def jar_version(artifact: str) -> Callable[[], str]:
    """The version of ``artifact`` that Maven copied into target/dependency (the pom's)."""
    return process.jar_version(TARGET, artifact)


def java_command(main: str) -> list[str]:
    return process.java_command(TARGET, main)


async def pusher_java_client(case: PusherCase) -> JsClient:
    settings = case.client_settings()
    config = {"key": settings["key"], "host": case.twin.host, "port": case.twin.port,
              "channelAuthEndpoint": settings["channelAuthEndpoint"],
              "userAuthEndpoint": settings["userAuthEndpoint"]}
    return await process.start_driver(
        [*java_command("wiretwin.matrix.Driver"), json.dumps(config)],
        lambda proc: JsClient(proc, "pusher-java-client"), cwd=JAVA_DIR)
