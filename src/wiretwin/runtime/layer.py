"""The wire layer: a twin's journal and faults at the one choke point of its HTTP
exchanges and websockets, and the guard that answers anything unexpected in the
service's own words.

Every HTTP exchange passes :meth:`WireLayer.middleware` (the wrapper of every route of the
twin's table, :mod:`.routes`): it is journaled, HTTP faults
apply (not to the admin API under ``/_wiretwin``), aiohttp's own refusals (no route,
wrong method, a body past the limit) come back in the service's error shape, and an
exception escaping a handler (a twin bug) is journaled as ``internal-error``, logged once
and answered with the service's 500. Websocket frames pass the same layer through
:class:`~wiretwin.runtime.wire.WireSocket`, which uses :meth:`WireLayer.internal_error`
and the service's ``internal_close`` the same way. Requests too malformed to reach a
handler are aiohttp's to answer (400); :meth:`WireLayer.server_log` journals them.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from .clock import Clock, RealClock, sleep
from .faults import Disconnect, Faults
from .journal import Journal, body_fields

if TYPE_CHECKING:
    from .wire import WireSocket

#: Paths under this prefix are the twin's own admin API: not journaled, never faulted.
ADMIN_PREFIX = "/_wiretwin"


def plain_error(request: web.Request | None, status: int, message: str | None) -> web.Response:
    """The error answer of a server with no error shape of its own: ``404 Not Found``."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return web.Response(status=status, text=f"{status} {phrase}\n" if message is None
                        else f"{message}\n")


#: Builds the service's own answer for an HTTP error: (request, status, message); the
#: message is None when the twin has nothing to add (an injected fault, a crash). The
#: request is None when there is none to speak of.
HttpError = Callable[[web.Request | None, int, str | None], web.Response]


class WireLayer:
    """A twin's journal and faults, applied to every socket and HTTP exchange it serves,
    and the guard that turns anything unexpected into the service's own error."""

    @classmethod
    def standalone(cls, name: str = "server", clock: Clock | None = None) -> WireLayer:
        """A layer of its own, for a server that is not a twin (tests, tools)."""
        clock = clock if clock is not None else RealClock()
        journal = Journal(name, clock)
        return cls(name, clock, journal, Faults(name, journal, seed=0))

    def __init__(self, twin: str, clock: Clock, journal: Journal, faults: Faults, *,
                 http_error: HttpError = plain_error,
                 internal_close: tuple[int, str] = (1011, "Internal error"),
                 in_band_close: Callable[[WireSocket, int, str], None] | None = None
                 ) -> None:
        self.twin = twin
        self.clock = clock
        self.journal = journal
        self.faults = faults
        self._ids = itertools.count(1)
        #: The service's error answer for a status (faults, crashes, aiohttp's refusals).
        self.http_error = http_error
        #: The close code and reason a websocket gets when handling one of its frames
        #: failed inside the twin (the service's "unknown error").
        self.internal_close = internal_close
        #: The service's in-band goodbye before a close (Pusher: ``pusher:error``).
        self.in_band_close = in_band_close
        self.log = logging.getLogger(f"wiretwin.{twin}")
        self._admin_listeners: list[Callable[[str, str, int], None]] = []

    def listen_admin(self, callback: Callable[[str, str, int], None]) -> Callable[[], None]:
        """Call ``callback(method, path_and_query, status)`` after every admin API request
        (which the journal, a record of the service's own traffic, leaves out); returns
        what stops it."""
        self._admin_listeners.append(callback)
        return lambda: self._admin_listeners.remove(callback)

    def frame_delay(self, *, connection: str, route: str, direction: Literal["in", "out"],
                    event: str | None, disconnect: Callable[[Disconnect], None]
                    ) -> float | None:
        """What the faults do to one frame: its delay (0.0 for none), or None when it is
        lost (dropped, or the connection cut: ``disconnect`` is called with the fault)."""
        decision = self.faults.frame(connection=connection, route=route,
                                     direction=direction, event=event)
        if decision.disconnect is not None:
            disconnect(decision.disconnect)
            return None
        if decision.drop:
            return None
        return decision.delay

    def internal_error(self, exc: BaseException, where: str) -> None:
        """A bug in the twin surfaced while serving ``where``: one journal note and one
        log record with the traceback; the caller answers in the service's words."""
        self.journal.record_note("internal-error", where=where,
                                 error=f"{type(exc).__name__}: {exc}"[:500])
        self.log.error("internal error serving %s (%s: %.200s); the client got the "
                       "service's error answer", where, type(exc).__name__, exc,
                       exc_info=exc)

    def server_log(self) -> logging.LoggerAdapter[logging.Logger]:
        """The logger for aiohttp's connection handler. Requests too malformed to reach a
        handler are the client's mistake: aiohttp answers them 400 and this journals them
        and logs them at debug level, never as tracebacks."""
        return _ProtocolLog(self)

    def new_connection_id(self) -> str:
        return f"c{next(self._ids)}"

    @web.middleware
    async def middleware(
        self, request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """Journal every HTTP exchange, apply HTTP faults (not to the admin API), and
        answer whatever goes wrong in the service's own error shape."""
        if request.path.startswith(ADMIN_PREFIX):
            answer = await self._guarded(request, handler)
            for listener in tuple(self._admin_listeners):
                listener(request.method, request.path_qs, answer.status)
            return answer
        handshake = request.headers.get("Upgrade", "").lower() == "websocket"
        try:
            body = b"" if handshake else await request.read()
        except web.HTTPException as exc:  # aiohttp's 413 past the body limit
            refused = self.http_error(request, exc.status, None)
            self._record_http(request, b"", refused)
            return refused
        except ConnectionError:
            return self._client_gone(request)
        if self.faults.active:
            decision = self.faults.http(method=request.method, route=request.path,
                                        handshake=handshake)
            await sleep(self.clock, decision.delay)
            if decision.error is not None:
                refused = self.http_error(request, decision.error.status, None)
                if decision.error.body is not None:
                    # The content type exactly as given: some clients compare it verbatim.
                    ctype = getattr(decision.error, "content_type", None) or "text/plain"
                    refused = web.Response(status=decision.error.status,
                                           body=decision.error.body.encode(),
                                           headers={"Content-Type": ctype})
                self._record_http(request, body, refused)
                return refused
        # Not through _guarded: a websocket's handler runs as long as its connection, and
        # every coroutine awaiting it is memory held per open connection.
        try:
            response = await handler(request)
        except Exception as exc:
            response = self._failed(request, exc)
        if response.status != 101:
            self._record_http(request, body, response)
        return response

    async def _guarded(self, request: web.Request,
                       handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                       ) -> web.StreamResponse:
        try:
            return await handler(request)
        except Exception as exc:
            return self._failed(request, exc)

    def _failed(self, request: web.Request, exc: Exception) -> web.StreamResponse:
        """The answer to a handler that raised ``exc`` (called in its ``except``)."""
        if isinstance(exc, web.HTTPException):
            # aiohttp's own refusals (no such route, wrong method, body too large) in the
            # service's shape; a redirect or success stays as aiohttp made it.
            if exc.status < 400:
                raise exc
            return self.http_error(request, exc.status, None)
        if isinstance(exc, ConnectionError):
            return self._client_gone(request)
        self.internal_error(exc, f"{request.method} {request.path}")
        return self.http_error(request, 500, None)

    def _client_gone(self, request: web.Request) -> web.StreamResponse:
        """The client dropped the connection before its request was read: nobody is
        left to answer, so the journal says so and the answer goes nowhere."""
        self.journal.record_note("client-gone", method=request.method, path=request.path)
        return web.Response(status=400)

    def _record_http(self, request: web.Request, body: bytes,
                     response: web.StreamResponse) -> None:
        payload = response.body if isinstance(response, web.Response) else None
        self.journal.record_http(
            method=request.method, path=request.path, query=dict(request.query),
            request_headers=dict(request.headers), **body_fields("request_body", body),
            status=response.status, response_headers=dict(response.headers),
            **body_fields("response_body", payload if isinstance(payload, bytes) else None),
        )


class _ProtocolLog(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's connection-handler logger for a twin: see :meth:`WireLayer.server_log`."""

    def __init__(self, layer: WireLayer) -> None:
        super().__init__(logging.getLogger(f"wiretwin.{layer.twin}.http"), {})
        self.layer = layer

    def exception(self, msg: object, *args: object, exc_info: Any = True,
                  **kwargs: Any) -> None:
        error = exc_info if isinstance(exc_info, BaseException) else None
        self.layer.journal.record_note(
            "bad-http", error=f"{type(error).__name__}: {error}"[:300] if error else str(msg))
        self.debug(msg, *args, exc_info=exc_info, **kwargs)

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        self.exception(msg, *args, exc_info=kwargs.pop("exc_info", None), **kwargs)


__all__ = ["ADMIN_PREFIX", "HttpError", "WireLayer", "plain_error"]
