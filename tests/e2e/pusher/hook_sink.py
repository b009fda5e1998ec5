"""An app's one webhook endpoint, shared by every twin of a cluster: records each event."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from wiretwin.runtime.waiters import WaitableLog


class HookSink:
    """The app's webhook endpoint (one for the whole cluster): records every event."""

    def __init__(self) -> None:
        self.url = ""
        self.events: WaitableLog[dict[str, Any]] = WaitableLog()

    async def handle(self, request: web.Request) -> web.Response:
        self.events.extend(json.loads(await request.read())["events"])
        return web.Response(status=200)

    def named(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["name"] == name]
