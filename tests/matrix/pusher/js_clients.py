"""Drivers for the JavaScript client libraries: pusher-js in Node, laravel-echo over
pusher-js in Node, and pusher-js in Debian's headless Chromium.

All three run js/commands.js (in node.mjs, or in a page browser.mjs opens) and print what
the library reported as JSON lines; :class:`JsClient` turns the scenarios' calls into
commands and waits on those lines. One process serves every scenario of a library;
instance names carry a generation number so that a line from an earlier scenario can
never answer a later one.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

from tests.chromium import CHROMIUM
from tests.e2e.node_driver import NodeDriver

from ..process import start_driver
from .harness import TIMEOUT, PusherCase

JS_DIR = Path(__file__).parent / "js"


class JsClient(NodeDriver):
    failure_type = "command_error"
    timeout = TIMEOUT

    def __init__(self, proc: asyncio.subprocess.Process, client: str) -> None:
        super().__init__(proc)
        self.client = client
        self.generation = 0

    def _name(self, client: str) -> str:
        return f"{self.generation}:{client}"

    async def connect(self, client: str, user: str = "") -> str:
        name = self._name(client)
        await self.send("connect", client=name, user=user)
        state = await self.expect(type="state", client=name, current="connected")
        return str(state["socket_id"])

    async def subscribe(self, client: str, channel: str, events: tuple[str, ...] = ()
                        ) -> dict[str, Any]:
        name = self._name(client)
        # pusher-js and laravel-echo bind every event at once; the Java host binds the
        # named ones before it subscribes.
        await self.send("subscribe", client=name, channel=channel, bind=list(events))
        # A subscription error comes as a command_error line: expect() fails at once.
        line = await self.expect(type="subscribed", client=name, channel=channel)
        members: dict[str, Any] = line["members"]
        return members

    async def event(self, client: str, channel: str, event: str) -> Any:
        line = await self.expect(type="event", client=self._name(client), channel=channel,
                                 event=event)
        return line.get("data")

    async def client_event(self, client: str, channel: str, event: str, data: Any) -> None:
        await self.send("client_event", client=self._name(client), channel=channel,
                        event=event, data=data)

    async def signin(self, client: str) -> None:
        name = self._name(client)
        await self.send("signin", client=name)
        await self.expect(type="signin_done", client=name)

    async def user_event(self, client: str, event: str) -> Any:
        line = await self.expect(type="user_event", client=self._name(client), event=event)
        return line.get("data")

    async def reconnected(self, client: str) -> str:
        state = await self.expect(type="state", client=self._name(client), current="connected")
        return str(state["socket_id"])

    def saw(self, client: str, channel: str, event: str) -> bool:
        return bool(self.seen(type="event", client=self._name(client), channel=channel,
                              event=event))

    async def reset(self) -> None:
        await self.send("reset")
        await self.expect(type="reset_done")
        self.generation += 1
        # What the last scenario's instances said is no longer wanted (its failures
        # included: expect() fails on any failure line it has kept).
        self.lines.clear()
        self._taken.clear()


def _node(chromium: bool = False) -> str:
    if chromium and not CHROMIUM.exists():
        raise RuntimeError("Debian's chromium is not installed: run `make install`")
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH (Node.js 18+ runs the JavaScript clients)")
    if not (JS_DIR / "node_modules" / "pusher-js").is_dir():
        raise RuntimeError(f"the JavaScript clients are not installed in {JS_DIR}: "
                           "run `make install`")
    return node


async def _start(args: list[str], client: str, chromium: bool = False) -> JsClient:
    return await start_driver([_node(chromium), *args], lambda proc: JsClient(proc, client),
                              cwd=JS_DIR)


async def pusher_js_node(case: PusherCase) -> JsClient:
    return await _start(["node.mjs", "pusher-js", json.dumps(case.client_settings())],
                        "pusher-js (Node)")


async def laravel_echo(case: PusherCase) -> JsClient:
    return await _start(["node.mjs", "laravel-echo", json.dumps(case.client_settings())],
                        "laravel-echo")


async def pusher_js_chromium(case: PusherCase) -> JsClient:
    return await _start(["browser.mjs", json.dumps(case.client_settings())],
                        "pusher-js (Chromium)", chromium=True)
