"""Seed 004's Playwright example, for real: a small page served here loads pusher-js
pointed at the Pusher twin; playwright-core drives Debian's headless Chromium
(``/usr/bin/chromium``, installed by ``make test``) to it and checks, as the seed does,
``window.pusher.connection.state === 'connected'`` and a ``socket_id``; then an event
triggered with the real ``pusher`` SDK reaches the page."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pusher
import pytest

from tests.chromium import node_for_chromium, pusher_js_app, served
from wiretwin.pusher import PusherTwin

HERE = Path(__file__).parent / "browser"
TIMEOUT = 30.0


@pytest.fixture
async def page_server() -> AsyncIterator[str]:
    """The page and pusher-js's browser build, on 127.0.0.1 (an ephemeral port)."""
    async with served(pusher_js_app(HERE / "page.html", HERE)) as url:
        yield url + "/"


async def _line(proc: asyncio.subprocess.Process, stderr: list[str]) -> dict[str, Any]:
    assert proc.stdout is not None
    raw = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
    if not raw:
        await proc.wait()
        raise AssertionError(f"browser.mjs exited ({proc.returncode}):\n" + "\n".join(stderr))
    line: dict[str, Any] = json.loads(raw)
    if line.get("type") == "error":
        raise AssertionError(line["message"] + "\n" + "\n".join(stderr))
    return line


async def test_pusher_js_in_headless_chromium(page_server: str) -> None:
    node = node_for_chromium(HERE, "this test needs")
    async with PusherTwin() as twin:
        settings = twin.settings()
        query = (f"?key={twin.app.key}&port={twin.port}&channel=browser-updates"
                 "&event=greeting")
        proc = await asyncio.create_subprocess_exec(
            node, str(HERE / "browser.mjs"), page_server + query, cwd=HERE,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        stderr: list[str] = []

        async def drain() -> None:
            assert proc.stderr is not None
            async for raw in proc.stderr:
                stderr.append(raw.decode(errors="replace").rstrip())

        draining = asyncio.create_task(drain())
        try:
            state = await _line(proc, stderr)
            assert state["type"] == "state" and state["state"] == "connected"
            assert state["socket_id"]
            # The twin saw that very connection subscribe.
            assert twin.socket_ids() == [state["socket_id"]]
            assert twin.subscriptions(state["socket_id"]) == {"browser-updates"}

            sdk = pusher.Pusher(**settings["pusher"])
            await asyncio.to_thread(sdk.trigger, "browser-updates", "greeting",
                                    {"hello": "from the twin"})
            assert proc.stdin is not None
            proc.stdin.write(b"wait-event\n")
            await proc.stdin.drain()
            event = await _line(proc, stderr)
            assert event == {"type": "event", "data": {"hello": "from the twin"}}
            proc.stdin.write(b"exit\n")
            await proc.stdin.drain()
            assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            draining.cancel()
