"""The console's admin routes: the page, its assets, what the page needs to start, and
the live stream (see :mod:`.stream`).

All of them sit behind the admin gate like every admin route (loopback clients only, the
admin token when the twin has one). The page also takes the token once as ``?token=``,
answers with the ``wiretwin_admin_token`` cookie (HttpOnly, SameSite=Strict, path
``/_wiretwin``) and sends the browser back to the page without the token in its address:
every later request the page makes carries the cookie.
"""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import __version__
from ..runtime.admin import ADMIN_COOKIE, AdminError, AdminRoute, clock_json
from ..runtime.faults import FAULT_TYPES
from ..runtime.looptime import LoopClock
from ..runtime.wire import ADMIN_PREFIX
from .stream import READER_LIMIT, hub_of

if TYPE_CHECKING:
    from ..runtime.base import Twin

#: Where the console lives, under the admin prefix.
UI_PATH = "/ui"
#: Seconds between keep-alive comments on an idle stream (they also notice a page gone).
KEEPALIVE = 15.0
#: Seconds between looks at a clock that moves on its own (real or virtual, not loop time).
CLOCK_POLL = 1.0

TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
         ".png": "image/png", ".svg": "image/svg+xml", ".json": "application/json"}


def _static() -> Traversable:
    return resources.files(__package__ or "wiretwin.console").joinpath("static")


class ConsoleRoutes:
    """The console's routes for one twin."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin

    def table(self) -> list[AdminRoute]:
        r = AdminRoute
        html = {"type": "string"}
        return [
            r("GET", UI_PATH, self.page,
              "The web console (an HTML page; ?token=<admin token> once sets a cookie "
              "the page's later requests carry)",
              query={"token": "the admin token, when the twin has one"},
              response=html, content_type="text/html", tag="console", query_token=True),
            r("GET", UI_PATH + "/static/{path:.+}", self.asset,
              "The console's scripts and styles (shipped in the package)",
              response=html, content_type="text/javascript", tag="console"),
            r("GET", UI_PATH + "/info", self.info,
              "What the console needs to start: the service, its URLs and settings, the "
              "clock", tag="console"),
            r("GET", UI_PATH + "/stream", self.stream,
              "Server-sent events: 'journal' (one journal entry), 'clock' (the clock), "
              f"'gap' ({{missed}}: a page that fell behind by more than {READER_LIMIT} "
              "events lost that many)",
              response={"type": "string"}, content_type="text/event-stream", tag="console"),
        ]

    async def page(self, request: web.Request) -> web.StreamResponse:
        token = self.twin.admin_token
        if token is not None and "token" in request.query:
            # Keep the token out of the address bar and the history: the cookie has it.
            response = web.Response(status=303, headers={"Location": ADMIN_PREFIX + UI_PATH})
            response.set_cookie(ADMIN_COOKIE, token, path=ADMIN_PREFIX, httponly=True,
                                samesite="Strict")
            return response
        text = _static().joinpath("index.html").read_text(encoding="utf-8")
        return web.Response(text=text, content_type="text/html",
                            headers={"Cache-Control": "no-store"})

    async def asset(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        parts = path.split("/")
        if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            raise AdminError(404, f"no console asset {path!r}")
        item = _static().joinpath(*parts)
        suffix = "." + parts[-1].rpartition(".")[2]
        if not item.is_file() or suffix not in TYPES:
            raise AdminError(404, f"no console asset {path!r}")
        return web.Response(body=item.read_bytes(), content_type=TYPES[suffix],
                            headers={"Cache-Control": "no-cache"})

    async def info(self, request: web.Request) -> dict[str, Any]:
        twin = self.twin
        return {"service": twin.service, "version": __version__,
                "admin_prefix": ADMIN_PREFIX, "url": twin.http_url(),
                "ws_url": twin.ws_url(), "port": twin.port, "settings": twin.settings(),
                "clock": clock_json(twin.clock), "token_required": twin.admin_token is not None,
                "fault_types": fault_types()}

    async def stream(self, request: web.Request) -> web.StreamResponse:
        twin = self.twin
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-store",
            "X-Accel-Buffering": "no"})
        await response.prepare(request)
        hub = hub_of(twin)
        reader = hub.open(twin.loop)
        # On loop time a timeout is a timer in the bot's schedule: only keep-alives then.
        poll = KEEPALIVE if isinstance(twin.clock, LoopClock) else CLOCK_POLL
        try:
            clock = clock_json(twin.clock)
            await response.write(_event("clock", clock))
            idle = 0.0
            while not reader.closed:
                events = await reader.next(poll)
                now = clock_json(twin.clock)
                if now["monotonic"] != clock["monotonic"] or \
                        now.get("pending_timers") != clock.get("pending_timers"):
                    clock = now
                    events.append(("clock", clock))
                if events:
                    idle = 0.0
                    await response.write(b"".join(_event(n, d) for n, d in events))
                elif not reader.closed:
                    idle += poll
                    if idle >= KEEPALIVE:
                        idle = 0.0
                        await response.write(b": keep-alive\n\n")
        except (ConnectionError, RuntimeError):
            pass  # the page went away (RuntimeError: aiohttp's "closing transport")
        finally:
            hub.release(reader)
        return response


def fault_types() -> dict[str, dict[str, Any]]:
    """Each fault type's description and parameters with their defaults (the faults
    panel's form)."""
    out: dict[str, dict[str, Any]] = {}
    for name, cls in FAULT_TYPES.items():
        params: dict[str, Any] = {}
        types: dict[str, str] = {}
        for f in dataclasses.fields(cls):
            if f.name in ("matched", "fired", "scope"):
                continue
            params[f.name] = f.default if f.default is not dataclasses.MISSING else None
            types[f.name] = f.type if isinstance(f.type, str) else getattr(
                f.type, "__name__", str(f.type))
        doc = " ".join((cls.__doc__ or "").split()).replace("``", "")
        out[name] = {"doc": doc, "fields": params,
                     "types": types}
    return out


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def admin_routes(twin: Twin) -> list[AdminRoute]:
    """The console's routes for ``twin`` (the ``wiretwin.admin_extensions`` entry point)."""
    return ConsoleRoutes(twin).table()


__all__ = ["UI_PATH", "ConsoleRoutes", "admin_routes"]
