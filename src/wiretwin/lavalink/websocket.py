"""``/v4/websocket``: the handshake, sessions opened or resumed, frames through the wire.

The handshake is refused as Spring refuses it, in its order, before any upgrade:

1. Lavalink's interceptor: ``Authorization`` not the password (or missing): 401;
   ``User-Id`` missing, empty or a number equal to 0 (``0``, ``-0``, ``000``): 400;
2. Spring's origin check: an ``Origin`` that is not this server's own: 403;
3. Spring's handshake handler: not a GET: 405 (``Allow: GET``); ``Upgrade`` not
   websocket: 400 ``Can "Upgrade" only to "WebSocket".``; ``Connection`` without an
   ``Upgrade`` token: 400 ``"Connection" must be "upgrade".``;
   ``Sec-WebSocket-Version`` not 13: 426; no ``Sec-WebSocket-Key``: 400.

All empty-bodied except the two texts. ``Client-Name`` is optional. A ``Session-Id``
naming a paused resumable session resumes it (``Session-Resumed: true`` on the 101);
anything else, the empty string included, opens a new session. A ``User-Id`` that passed
the interceptor but is not a ``long`` (``sonora``, ``12abc``, a 20-digit number) fails in
``afterConnectionEstablished``, after the upgrade: close 1011, as Spring closes a socket
whose handler threw.

Frames: Lavalink v4 takes no websocket messages, so text frames (any text, any size up to
``max_frame_bytes``) are journaled and ignored. Its handler is Spring's
``TextWebSocketHandler``, which answers a binary message with close 1003 "Binary messages
not supported". Frames that break RFC 6455 get aiohttp's 1002/1007, and a message past
``max_frame_bytes`` 1009 (Undertow's answer when a limit is set; Lavalink sets none).
"""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

from aiohttp import web

from ..runtime import jsonio
from ..runtime.wire import WireLayer, WireSocket
from . import wire
from .errors import CloseCode
from .model import LavalinkModel, Session

if TYPE_CHECKING:
    from ..runtime.server import TwinServer


class LavalinkSockets:
    def __init__(self, model: LavalinkModel, server: TwinServer, layer: WireLayer) -> None:
        self.model = model
        self.server = server
        self.layer = layer
        #: session id -> its open socket.
        self.sockets: dict[str, WireSocket] = {}

    def routes(self) -> list[web.RouteDef]:
        return [web.route("*", "/v4/websocket", self.handle)]

    def send(self, session_id: str, text: str, label: str) -> bool:
        sock = self.sockets.get(session_id)
        return sock is not None and sock.send(text, event=label)

    def send_texts(self, session_id: str, texts: list[str], label: str) -> int:
        """Many frames to one session's socket, in order; how many went."""
        sock = self.sockets.get(session_id)
        return 0 if sock is None else sock.send_texts(texts, event=label)

    def refuse(self, request: web.Request) -> web.Response | None:
        """Spring's refusal of this handshake, or None to upgrade (see the docstring)."""
        if request.headers.get("Authorization") != self.model.config.password:
            return web.Response(status=401)
        user_id = request.headers.get("User-Id")
        if not user_id or wire.user_id(user_id) == 0:
            return web.Response(status=400)
        if not _same_origin(request):
            return web.Response(status=403)
        if request.method != "GET":
            return web.Response(status=405, headers={"Allow": "GET"})
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(status=400, text='Can "Upgrade" only to "WebSocket".')
        tokens = [t.strip() for t in request.headers.get("Connection", "").split(",")]
        if "Upgrade" not in tokens and "upgrade" not in tokens:
            return web.Response(status=400, text='"Connection" must be "upgrade".')
        if request.headers.get("Sec-WebSocket-Version") != "13":
            return web.Response(status=426, headers={"Sec-WebSocket-Version": "13"})
        if request.headers.get("Sec-WebSocket-Key") is None:
            return web.Response(status=400)
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        refused = self.refuse(request)
        if refused is not None:
            return refused
        user_id = request.headers.get("User-Id", "").strip()
        ws = web.WebSocketResponse(autoclose=False, autoping=False, compress=False,
                                   timeout=1.0, max_msg_size=self.model.config.max_frame_bytes)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400)  # a key aiohttp cannot answer (not base64)
        wanted = request.headers.get("Session-Id", "")
        resumed = self.model.resumable(wanted) if wanted else None
        ws.headers["Session-Resumed"] = "true" if resumed is not None else "false"
        ws.headers["Lavalink-Api-Version"] = "4"
        await ws.prepare(request)
        sock = WireSocket(ws, request, self.layer, coalesce=True)
        self.server.register_socket(sock)
        session: Session | None = None
        try:
            if wire.user_id(user_id) is None:
                # Lavalink parses User-Id only after the upgrade, and fails there.
                sock.close(CloseCode.INTERNAL_ERROR, "")
            else:
                session = sock.guarded(self._open, sock, user_id, resumed,
                                       request.headers.get("Client-Name"))

            def binary(data: bytes) -> None:
                # Spring's TextWebSocketHandler.handleBinaryMessage
                sock.close(CloseCode.UNSUPPORTED_DATA, "Binary messages not supported")

            # Lavalink v4 takes no websocket messages: they are journaled, nothing more.
            await sock.serve(lambda text: None, binary, label=_op)
        finally:
            self.server.unregister_socket(sock)
            if session is not None and self.sockets.get(session.id) is sock:
                del self.sockets[session.id]
                sock.guarded(self.model.detach, session)
            await sock.finish()
        return ws

    def _open(self, sock: WireSocket, user_id: str, resumed: Session | None,
              client_name: str | None) -> Session:
        if resumed is not None and self.model.resumable(resumed.id) is not resumed:
            # It expired, or another connection resumed it, while this handshake was
            # answered: the client gets a new session (its ready says resumed: false).
            resumed = None
        session = resumed or self.model.open_session(user_id, client_name)
        self._attach(session, sock)
        if resumed is not None:
            self.model.resume(session)
        else:
            self.model.announce(session)
        return session

    def _attach(self, session: Session, sock: WireSocket) -> None:
        old = self.sockets.get(session.id)
        if old is not None:
            old.close(CloseCode.NORMAL, "Session resumed elsewhere")
        sock.rename(session.id)
        self.sockets[session.id] = sock

    def close(self, session_id: str, code: int = 1000, reason: str = "") -> bool:
        sock = self.sockets.get(session_id)
        if sock is None:
            return False
        sock.close(code, reason)
        return True

    def close_all(self, code: int, reason: str = "") -> None:
        for session_id in list(self.sockets):
            self.close(session_id, code, reason)


def _same_origin(request: web.Request) -> bool:
    """Spring's ``WebUtils.isSameOrigin``: no ``Origin``, or one naming this server's
    scheme, host and port."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    try:
        parsed = urllib.parse.urlsplit(origin)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        return False
    host = request.host.rsplit(":", 1)
    own_port = int(host[1]) if len(host) == 2 and host[1].isdigit() else 80
    return (parsed.scheme == request.scheme and parsed.hostname == host[0].lower()
            and port == own_port)


def _op(text: str) -> str | None:
    try:
        message = jsonio.loads(text)
    except jsonio.JSONError:
        return None
    op = message.get("op") if isinstance(message, dict) else None
    return op if isinstance(op, str) else None


__all__ = ["LavalinkSockets"]
