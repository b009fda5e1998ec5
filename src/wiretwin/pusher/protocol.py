"""The Pusher websocket protocol, without sockets: handshake checks and frame dispatch.

A connection is in one of two states. Before ``pusher:connection_established`` the only
question is whether the URL is acceptable (:func:`accept`); the answer is an app and a
protocol version, or a close code. After it, every text frame is one JSON message routed
by its ``event`` through :data:`HANDLERS`; what a handler cannot accept becomes a
``pusher:error`` (the connection stays up) or a :class:`CloseConnection`.

Dispatch table (client to server):

============================  ========================================================
``pusher:ping``               answered with ``pusher:pong``
``pusher:pong``               nothing (any frame counts as activity)
``pusher:subscribe``          :meth:`PusherModel.subscribe`
``pusher:unsubscribe``        :meth:`PusherModel.unsubscribe`
``pusher:signin``             :meth:`PusherModel.signin`
``client-*``                  :meth:`PusherModel.client_event`
anything else                 ``pusher:error``
============================  ========================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..runtime import jsonio
from . import frames
from .apps import App
from .errors import CloseCode, CloseConnection, PusherError, shown
from .frames import dumps
from .model import Connection, PusherModel

#: Protocol versions the twin speaks (Pysher speaks 6, pusher-js 7).
SUPPORTED_PROTOCOLS = range(4, 8)
#: A version is ASCII digits (``int()`` would take " 7", "7_0" and other scripts' digits).
_VERSION = re.compile(r"\A[0-9]{1,9}\Z")


def accept(model: PusherModel, key: str, query: Mapping[str, str]) -> tuple[App, int]:
    """Check a connection URL ``/app/{key}?protocol=N``; raise :class:`CloseConnection`."""
    raw = query.get("protocol")
    if raw is None or raw == "":
        raise CloseConnection(CloseCode.NO_PROTOCOL, "No protocol version supplied",
                              error_first=True)
    if _VERSION.match(raw) is None:
        raise CloseConnection(CloseCode.INVALID_VERSION,
                              f"Invalid version string format: {shown(raw, 32)!r}",
                              error_first=True)
    protocol = int(raw)
    if protocol not in SUPPORTED_PROTOCOLS:
        raise CloseConnection(
            CloseCode.UNSUPPORTED_PROTOCOL,
            f"Unsupported protocol version {protocol} (supported: "
            f"{SUPPORTED_PROTOCOLS.start}-{SUPPORTED_PROTOCOLS.stop - 1})",
            error_first=True,
        )
    app = model.app_by_key(key)
    if app is None:
        raise CloseConnection(CloseCode.APP_NOT_FOUND,
                              f"App key {shown(key, 64)} not in this cluster. Did you forget "
                              "to specify the cluster?",
                              error_first=protocol < 6)
    return app, protocol


def _ping(model: PusherModel, conn: Connection, message: dict[str, Any], size: int) -> None:
    model.effects.deliver([conn.socket_id], frames.pong())


def _pong(model: PusherModel, conn: Connection, message: dict[str, Any], size: int) -> None:
    pass


def _subscribe(model: PusherModel, conn: Connection, message: dict[str, Any],
               size: int) -> None:
    model.subscribe(conn, _object_data(message))


def _unsubscribe(model: PusherModel, conn: Connection, message: dict[str, Any],
                 size: int) -> None:
    model.unsubscribe(conn, _object_data(message))


def _signin(model: PusherModel, conn: Connection, message: dict[str, Any], size: int) -> None:
    model.signin(conn, _object_data(message))


Handler = Callable[[PusherModel, Connection, dict[str, Any], int], None]

HANDLERS: dict[str, Handler] = {
    "pusher:ping": _ping,
    "pusher:pong": _pong,
    "pusher:subscribe": _subscribe,
    "pusher:unsubscribe": _unsubscribe,
    "pusher:signin": _signin,
}


def _object_data(message: dict[str, Any]) -> object:
    """Client ``data`` is an object; some clients send it JSON-encoded, which is tolerated
    (read as strictly as the frame itself; a string that is no JSON stays a string)."""
    data = message.get("data")
    if isinstance(data, str):
        try:
            return jsonio.loads(data)
        except jsonio.JSONError:
            return data
    return data


def event_name(text: str) -> str | None:
    """The ``event`` of a client frame, for journals and fault scopes (None if unreadable)."""
    try:
        message = jsonio.loads(text)
    except jsonio.JSONError:
        return None
    event = message.get("event") if isinstance(message, dict) else None
    return event if isinstance(event, str) else None


def receive(model: PusherModel, conn: Connection, text: str) -> None:
    """Handle one text frame from ``conn``; raises :class:`PusherError` to answer it.

    The frame is read with :func:`jsonio.loads`, so nothing past this point meets JSON
    nested deeper than 64, NaN, or a string that cannot be encoded again.
    """
    try:
        message = jsonio.loads(text)
    except jsonio.JSONError as exc:
        raise PusherError(f"Invalid JSON message ({exc.reason}): {shown(text, 100)!r}") from None
    if not isinstance(message, dict):
        raise PusherError("Invalid message: a frame must be a JSON object with an event")
    event = message.get("event")
    if not isinstance(event, str) or not event:
        raise PusherError("Invalid message: missing event name")
    handler = HANDLERS.get(event)
    if handler is not None:
        handler(model, conn, message, len(text.encode()))
    elif event.startswith("client-"):
        model.client_event(conn, message, len(_raw_data(message).encode()))
    else:
        raise PusherError(f"Unsupported event received: {shown(event, 100)}")


def _raw_data(message: dict[str, Any]) -> str:
    data = message.get("data")
    return data if isinstance(data, str) else dumps(data)


__all__ = ["HANDLERS", "SUPPORTED_PROTOCOLS", "accept", "event_name", "receive"]
