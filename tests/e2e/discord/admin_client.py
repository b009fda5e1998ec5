"""The Discord twin's admin API over HTTP, as a test in another language would call it."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from wiretwin.discord.twin import DiscordTwin


class Admin:
    def __init__(self, http: aiohttp.ClientSession, twin: DiscordTwin) -> None:
        self.http = http
        self.base = twin.http_url("/_wiretwin")

    async def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        async with self.http.request(method, self.base + path, json=body) as response:
            text = await response.text()
            assert response.status == expect, f"{method} {path}: {response.status} {text}"
            return json.loads(text) if text else None

    async def error(self, method: str, path: str, body: Any, expect: int) -> str:
        """The admin API's ``{"error": ...}`` answer with status ``expect``: its message."""
        answer = await self.call(method, path, body, expect)
        assert set(answer) == {"error"}
        message: str = answer["error"]
        return message
