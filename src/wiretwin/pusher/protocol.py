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

from . import wire
from .apps import App
from .errors import CloseCode, CloseConnection, PusherError, shown
from .model import Connection, PusherModel
from .wire import object_data

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
    model.effects.deliver([conn.socket_id], wire.pong())


def _pong(model: PusherModel, conn: Connection, message: dict[str, Any], size: int) -> None:
    pass


def _subscribe(model: PusherModel, conn: Connection, message: dict[str, Any],
               size: int) -> None:
    model.subscribe(conn, object_data(message))


def _unsubscribe(model: PusherModel, conn: Connection, message: dict[str, Any],
                 size: int) -> None:
    model.unsubscribe(conn, object_data(message))


def _signin(model: PusherModel, conn: Connection, message: dict[str, Any], size: int) -> None:
    model.signin(conn, object_data(message))


Handler = Callable[[PusherModel, Connection, dict[str, Any], int], None]

HANDLERS: dict[str, Handler] = {
    "pusher:ping": _ping,
    "pusher:pong": _pong,
    "pusher:subscribe": _subscribe,
    "pusher:unsubscribe": _unsubscribe,
    "pusher:signin": _signin,
}


def receive(model: PusherModel, conn: Connection, text: str) -> None:
    """Handle one text frame from ``conn``; raises :class:`PusherError` to answer it.

    The frame is read by :func:`wire.client_message` (strict JSON, an object with an event).
    """
    message, event = wire.client_message(text)
    handler = HANDLERS.get(event)
    if handler is not None:
        handler(model, conn, message, len(text.encode()))
    elif event.startswith("client-"):
        model.client_event(conn, message, len(wire.raw_data(message).encode()))
    else:
        raise PusherError(f"Unsupported event received: {shown(event, 100)}")


__all__ = ["HANDLERS", "SUPPORTED_PROTOCOLS", "accept", "receive"]
