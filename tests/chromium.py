"""What the tests that drive Debian's headless Chromium with playwright-core share (the
web console's, tests/console; the Playwright example's, tests/seeds; pusher-js in
Chromium in the Pusher matrix): where Chromium is, the check that Node, Chromium and
playwright-core are installed, and a pusher-js page served on 127.0.0.1.

Their Node drivers start Chromium with chromium.mjs, beside this file. ``make install``
installs Debian's chromium and each folder's playwright-core.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from wiretwin.runtime import TwinServer

CHROMIUM = Path("/usr/bin/chromium")


def node_for_chromium(folder: Path, who_needs: str) -> str:
    """Node's path, or the test fails saying what to install: Node and Chromium, and
    playwright-core in ``folder`` (``who_needs``: "this test needs", for the message)."""
    node = shutil.which("node")
    if node is None or not CHROMIUM.exists():
        pytest.fail(f"{who_needs} node and Debian's chromium: run `make test`, which "
                    "installs both")
    if not (folder / "node_modules" / "playwright-core").is_dir():
        pytest.fail(f"playwright-core is not installed in {folder}: run `make test`")
    return node


def pusher_js_app(page: Path, folder: Path) -> web.Application:
    """An app serving ``page`` at ``/`` and, at ``/pusher.min.js``, the browser build of
    the pusher-js installed in ``folder``; add routes of your own to it."""
    build = folder / "node_modules" / "pusher-js" / "dist" / "web" / "pusher.min.js"

    async def serve_page(_: web.Request) -> web.FileResponse:
        return web.FileResponse(page)

    async def library(_: web.Request) -> web.FileResponse:
        return web.FileResponse(build)

    app = web.Application()
    app.router.add_get("/", serve_page)
    app.router.add_get("/pusher.min.js", library)
    return app


@contextlib.asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    """``app`` on 127.0.0.1 (an ephemeral port), by wiretwin's own loopback server;
    yields its URL (``http://127.0.0.1:<port>``)."""
    server = TwinServer(app)
    await server.start()
    try:
        yield server.http_url()
    finally:
        await server.stop()
