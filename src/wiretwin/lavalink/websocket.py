"""``/v4/websocket``: the handshake, sessions opened or resumed, frames through the wire.

Handshake, as Lavalink's interceptor does it: a wrong or missing ``Authorization`` is an
HTTP 401 and a missing, empty or zero ``User-Id`` an HTTP 400, both before any upgrade.
``Client-Name`` is optional. A ``Session-Id`` naming a paused resumable session resumes it
(``Session-Resumed: true`` on the 101); anything else, the empty string included, opens a
new session. Client frames are journaled and otherwise ignored: Lavalink v4 takes no
websocket messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ..runtime import jsonio
from ..runtime.wire import WireLayer, WireSocket
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
        return [web.get("/v4/websocket", self.handle)]

    def send(self, session_id: str, text: str, label: str) -> bool:
        sock = self.sockets.get(session_id)
        return sock is not None and sock.send(text, event=label)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        password = self.model.config.password
        if request.headers.get("Authorization") != password:
            return web.Response(status=401)
        user_id = request.headers.get("User-Id", "").strip()
        if not user_id or user_id == "0":
            return web.Response(status=400)
        ws = web.WebSocketResponse(autoclose=False, autoping=False, compress=False,
                                   timeout=1.0)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="Expected a websocket upgrade\n")
        wanted = request.headers.get("Session-Id", "")
        resumed = self.model.resumable(wanted) if wanted else None
        ws.headers["Session-Resumed"] = "true" if resumed is not None else "false"
        ws.headers["Lavalink-Api-Version"] = "4"
        await ws.prepare(request)
        sock = WireSocket(ws, request, self.layer, coalesce=True)
        self.server.register_socket(sock)
        session: Session | None = None
        try:
            if not user_id.isascii() or not user_id.isdigit():
                # Lavalink parses User-Id only after the upgrade, and fails there.
                sock.close(1011, "Invalid User-Id")
            else:
                session = sock.guarded(self._open, sock, user_id, resumed,
                                       request.headers.get("Client-Name"))
            # Lavalink v4 takes no websocket messages: they are journaled, nothing more.
            await sock.serve(lambda text: None, lambda data: None, label=_op)
        finally:
            self.server.unregister_socket(sock)
            if session is not None and self.sockets.get(session.id) is sock:
                del self.sockets[session.id]
                sock.guarded(self.model.detach, session)
            await sock.finish()
        return ws

    def _open(self, sock: WireSocket, user_id: str, resumed: Session | None,
              client_name: str | None) -> Session:
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
            old.close(1000, "Session resumed elsewhere")
        sock.rename(session.id)
        self.sockets[session.id] = sock
        session.attached = True

    def close(self, session_id: str, code: int = 1000, reason: str = "") -> bool:
        sock = self.sockets.get(session_id)
        if sock is None:
            return False
        sock.close(code, reason)
        return True

    def close_all(self, code: int, reason: str = "") -> None:
        for session_id in list(self.sockets):
            self.close(session_id, code, reason)


def _op(text: str) -> str | None:
    try:
        message = jsonio.loads(text)
    except jsonio.JSONError:
        return None
    op = message.get("op") if isinstance(message, dict) else None
    return op if isinstance(op, str) else None


__all__ = ["LavalinkSockets"]
