"""Seed 004's Playwright example, for real: a small page served here loads pusher-js
pointed at the Pusher twin; playwright-core drives Debian's headless Chromium
(``/usr/bin/chromium``, installed by ``make test``) to it and checks, as the seed does,
``window.pusher.connection.state === 'connected'`` and a ``socket_id``; then an event
triggered with the real ``pusher`` SDK reaches the page."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pusher
import pytest
from aiohttp import web

from wiretwin.pusher import PusherTwin

HERE = Path(__file__).parent / "browser"
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = 30.0


@pytest.fixture
async def page_server() -> AsyncIterator[str]:
    """The page and pusher-js's browser build, on 127.0.0.1 (an ephemeral port)."""
    app = web.Application()
    build = HERE / "node_modules" / "pusher-js" / "dist" / "web" / "pusher.min.js"

    async def page(_: web.Request) -> web.FileResponse:
        return web.FileResponse(HERE / "page.html")

    async def library(_: web.Request) -> web.FileResponse:
        return web.FileResponse(build)

    app.router.add_get("/", page)
    app.router.add_get("/pusher.min.js", library)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


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


def _tools() -> str:
    node = shutil.which("node")
    if node is None or not CHROMIUM.exists():
        pytest.fail("this test needs node and Debian's chromium: run `make test`, which "
                    "installs both")
    if not (HERE / "node_modules" / "playwright-core").is_dir():
        pytest.fail(f"playwright-core is not installed in {HERE}: run `make test`")
    return node


async def test_pusher_js_in_headless_chromium(page_server: str) -> None:
    node = _tools()
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
