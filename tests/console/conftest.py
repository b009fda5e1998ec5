"""Fixtures of the console's tests: one headless Chromium per test; a pusher-js page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.chromium import pusher_js_app, served

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
    app = pusher_js_app(HERE / "pusher_page.html", HERE)

    async def webhook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(text="ok")

    app.router.add_post("/webhook", webhook)
    async with served(app) as url:
        yield url, received
