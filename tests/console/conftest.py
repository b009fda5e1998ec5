"""Fixtures of the console's tests: one headless Chromium per test; a pusher-js page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from .browser import Browser

HERE = Path(__file__).parent
#: The admin token the console tests' twins have.
TOKEN = "console-token"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    chromium = await Browser.launch()
    try:
        yield chromium
    finally:
        await chromium.close()


@pytest.fixture
async def pages() -> AsyncIterator[tuple[str, list[dict[str, object]]]]:
    """The pusher-js page and its library on 127.0.0.1, and a webhook receiver that
    records what the twin posts to it."""
    received: list[dict[str, object]] = []
    app = web.Application()
    build = HERE / "node_modules" / "pusher-js" / "dist" / "web" / "pusher.min.js"

    async def page(_: web.Request) -> web.FileResponse:
        return web.FileResponse(HERE / "pusher_page.html")

    async def library(_: web.Request) -> web.FileResponse:
        return web.FileResponse(build)

    async def webhook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(text="ok")

    app.router.add_get("/", page)
    app.router.add_get("/pusher.min.js", library)
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        await runner.cleanup()
