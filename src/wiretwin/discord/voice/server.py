"""The voice server's sockets: a TLS websocket for the voice gateway, a UDP port for media.

Both live on the twin's host, on ephemeral ports of their own, and open only when a
voice connection is first asked for (:meth:`VoiceServer.endpoint`, which the model calls
for VOICE_SERVER_UPDATE): binding is synchronous, so the endpoint is known at once, and
the rest (the certificate, the TLS site, the datagram endpoint) starts in a task in the
twin's loop while early clients wait in the backlog, as the main server does. A twin
that never sees a voice join never pays for any of it.

The websocket's frames go through the twin's wire layer (journal, faults) under the
route ``voice``; ``wss://127.0.0.1:<port>/?v=8`` is what clients dial. Text frames are
JSON payloads of at most 4096 bytes (else 4002); binary frames are DAVE's (opcode byte,
payload): 26 and 28 are taken silently, anything else closes 4002. A ``v`` below 4 or
missing closes 4020 (Discord rejects such connections since 2024-11-18; which code it
uses is not documented).

While bound, the endpoint and the authority that signed the certificate are registered in
the process (:mod:`wiretwin.runtime.voice_trust`): how another twin here (the Lavalink
twin's voice links) finds this voice gateway and trusts it. A stop unregisters it first.

UDP: every datagram goes to :meth:`.gateway.VoiceGateway.datagram`; what it answers (IP
discovery) goes back to the sender. Discoveries, the first audio of each connection and
the first :data:`NOTED_JUNK` datagrams that fit nothing are journaled as notes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from typing import Any, cast

import yarl
from aiohttp import web

from ...runtime import jsonio, voice_trust
from ...runtime.wire import WireLayer, WireSocket
from ..protocol.frames import Closed
from ..protocol.replay import json_text
from .codes import BAD_REQUEST, DECODE_FAILED, VoiceOp
from .frames import MAX_PAYLOAD
from .gateway import VoiceConnection, VoiceGateway
from .recording import VoiceRecording
from .tls import VoiceCertificate

#: What fault scopes and the journal call the voice gateway's websockets.
VOICE_ROUTE = "voice"
#: The largest websocket message read at all (past it: 1009).
MAX_FRAME = 1024 * 1024
#: Datagrams that fit no session journaled per run (the rest are only counted).
NOTED_JUNK = 20
_CLIENT_BINARY = frozenset({VoiceOp.DAVE_MLS_KEY_PACKAGE, VoiceOp.DAVE_MLS_COMMIT_WELCOME})


class _Transport:
    def __init__(self, sock: WireSocket) -> None:
        self.sock = sock
        self.conn: VoiceConnection | None = None

    def send(self, payload: dict[str, Any], label: str) -> None:
        self.sock.send(json_text(payload), event=label)

    def close(self, code: int, reason: str) -> None:
        self.sock.close(code, reason)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, server: VoiceServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            answer = self.server.datagram(data, addr)
        except Exception as exc:  # a twin bug: logged, journaled, and the port serves on
            self.server.layer.internal_error(exc, f"voice udp from {addr[0]}:{addr[1]}")
            return
        if answer is not None and self.transport is not None:
            self.transport.sendto(answer, addr)

    def error_received(self, exc: Exception) -> None:
        pass  # an ICMP error for a client that went away: nothing to do


class VoiceServer:
    def __init__(self, gateway: VoiceGateway, layer: WireLayer, host: str) -> None:
        self.gateway = gateway
        self.layer = layer
        self.host = host
        self._tcp: socket.socket | None = None
        self._udp: socket.socket | None = None
        self._runner: web.AppRunner | None = None
        self._datagrams: asyncio.DatagramTransport | None = None
        self._starting: asyncio.Task[None] | None = None
        self._sockets: set[WireSocket] = set()
        self._certificate: VoiceCertificate | None = None
        self._client_context: ssl.SSLContext | None = None
        self._noted = 0
        self._heard: set[int] = set()
        self._registered: str | None = None
        gateway.observers.append(self._observe)

    # -- where --------------------------------------------------------------------------

    @property
    def listening(self) -> bool:
        return self._tcp is not None

    @property
    def certificate(self) -> VoiceCertificate:
        """The certificate the voice gateway serves (made on first use, kept for the
        twin's life so that clients trusting it keep trusting it across restarts)."""
        if self._certificate is None:
            self._certificate = VoiceCertificate.generate(self.host)
        return self._certificate

    def client_context(self) -> ssl.SSLContext:
        """A TLS context that trusts this voice gateway (and nothing else), made once."""
        if self._client_context is None:
            self._client_context = self.certificate.client_context()
        return self._client_context

    def serves(self, url: str | yarl.URL) -> bool:
        """Whether ``url`` is this voice gateway's (``wss://host:port/...``)."""
        if self._tcp is None:
            return False
        parsed = yarl.URL(url)
        return (parsed.scheme == "wss" and parsed.host == self.host
                and parsed.port == self._tcp.getsockname()[1])

    def endpoint(self) -> str:
        """``host:port`` of the voice gateway, as VOICE_SERVER_UPDATE gives it; binds
        both sockets and starts serving them (in the running loop) on first use."""
        if self._tcp is None:
            self._bind()
        assert self._tcp is not None
        return f"{self.host}:{self._tcp.getsockname()[1]}"

    def udp_address(self) -> tuple[str, int]:
        if self._udp is None:
            self._bind()
        assert self._udp is not None
        return self.host, self._udp.getsockname()[1]

    def _bind(self) -> None:
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            tcp.bind((self.host, 0))
            tcp.listen(64)
            tcp.setblocking(False)
            udp.bind((self.host, 0))
            udp.setblocking(False)
        except OSError:
            tcp.close()
            udp.close()
            raise
        self._tcp, self._udp = tcp, udp
        # Other twins in this process handed the endpoint trust this certificate (and
        # dial nothing else): see wiretwin.runtime.voice_trust.
        self._registered = self.endpoint()
        voice_trust.register(self._registered, self.certificate.ca_pem)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # bound while the twin is stopped: serve() comes with its start
        self._starting = loop.create_task(self.serve(), name="wiretwin-discord-voice")
        self._starting.add_done_callback(self._served)

    def _served(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            assert exc is not None
            self.layer.internal_error(exc, "the voice server's start")

    async def serve(self) -> None:
        """Serve the bound sockets (at once if already serving or never bound)."""
        if self._tcp is None or self._udp is None or self._runner is not None:
            return
        tcp, udp = self._tcp, self._udp
        app = web.Application(middlewares=[self.layer.middleware])
        app.router.add_get("/", self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None,
                               shutdown_timeout=0.25)
        await runner.setup()
        self._runner = runner
        await web.SockSite(runner, tcp, ssl_context=self.certificate.server_context()
                           ).start()
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _Datagrams(self), sock=udp)
        self._datagrams = transport
        self.gateway.send_datagram = self._send_datagram

    async def started(self) -> None:
        """Wait until the sockets :meth:`endpoint` bound are served."""
        starting = self._starting
        if starting is not None:
            await asyncio.shield(starting)

    async def stop(self, code: int = 1001, reason: str = "Going away") -> None:
        """Close every connection with ``code`` and both sockets (the next
        :meth:`endpoint` binds new ones)."""
        if self._registered is not None:  # from now on, no longer served
            voice_trust.unregister(self._registered)
            self._registered = None
        starting, self._starting = self._starting, None
        if starting is not None and not starting.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(starting)
        self.gateway.close_all((code, reason))
        for sock in list(self._sockets):
            sock.close(code, reason)
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        datagrams, self._datagrams = self._datagrams, None
        if datagrams is not None:
            datagrams.close()
        for sock_ in (self._tcp, self._udp):
            if sock_ is not None:
                sock_.close()
        self._tcp = self._udp = None

    def _send_datagram(self, data: bytes, address: tuple[str, int]) -> None:
        if self._datagrams is not None and not self._datagrams.is_closing():
            self._datagrams.sendto(data, address)

    # -- the websocket ------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoclose=False, autoping=False, compress=False,
                                   max_msg_size=MAX_FRAME, timeout=1.0)
        if not ws.can_prepare(request).ok:
            return web.Response(status=404, text="404: Not Found")
        await ws.prepare(request)
        sock = WireSocket(ws, request, self.layer, route=VOICE_ROUTE)
        self._sockets.add(sock)
        transport = _Transport(sock)
        try:
            if _version(request.query.get("v")) < 4:
                sock.close(*BAD_REQUEST)
            else:
                sock.guarded(self._open, transport)
            await sock.serve(lambda text: self._text(transport, text),
                             lambda data: self._binary(transport, data), label=_op_name)
        finally:
            self._sockets.discard(sock)
            await sock.finish()
            if transport.conn is not None:
                code = sock.close_code if sock.close_code is not None else ws.close_code
                sock.guarded(self.gateway.closed, transport.conn, code)
        return ws

    def _open(self, transport: _Transport) -> None:
        transport.conn = self.gateway.open(transport)

    def _text(self, transport: _Transport, text: str) -> None:
        if transport.conn is None:
            return  # refused at the handshake: only its close frame is awaited
        try:
            if len(text.encode()) > MAX_PAYLOAD:
                raise Closed(DECODE_FAILED, f"a {len(text.encode())}-byte payload")
            try:
                payload = jsonio.loads(text)
            except jsonio.JSONError:
                raise Closed(DECODE_FAILED, "not JSON") from None
            self.gateway.receive(transport.conn, payload)
        except Closed as closed:
            self._refuse(transport, closed)

    def _binary(self, transport: _Transport, data: bytes) -> None:
        if transport.conn is None:
            return
        if not data or data[0] not in _CLIENT_BINARY:
            self._refuse(transport, Closed(DECODE_FAILED, "a binary frame that is not "
                                                          "a client DAVE opcode"))

    def _refuse(self, transport: _Transport, closed: Closed) -> None:
        if closed.detail:
            self.layer.journal.record_note("voice-refused", connection=transport.sock.id,
                                           code=closed.code, detail=closed.detail)
        transport.close(closed.code, closed.reason)

    # -- UDP ----------------------------------------------------------------------------

    def datagram(self, data: bytes, address: tuple[str, int]) -> bytes | None:
        gateway = self.gateway
        before = gateway.udp.unknown_ssrc + gateway.udp.junk
        answer = gateway.datagram(data, address)
        if answer is not None:
            self.layer.journal.record_note("voice-ip-discovery", peer=f"{address[0]}:"
                                           f"{address[1]}", ssrc=int.from_bytes(data[4:8]))
        elif gateway.udp.unknown_ssrc + gateway.udp.junk > before \
                and self._noted < NOTED_JUNK:
            self._noted += 1
            self.layer.journal.record_note("voice-udp-ignored", peer=f"{address[0]}:"
                                           f"{address[1]}", size=len(data),
                                           head=data[:16].hex())
        return answer

    def _observe(self, recording: VoiceRecording, what: str) -> None:
        if what == "audio" and id(recording) not in self._heard:
            self._heard.add(id(recording))
            self.layer.journal.record_note("voice-audio", guild_id=str(recording.guild_id),
                                           ssrc=recording.ssrc, mode=recording.mode)
        elif what == "end":
            self._heard.discard(id(recording))
            self.layer.journal.record_note("voice-session-end",
                                           guild_id=str(recording.guild_id),
                                           ssrc=recording.ssrc, code=recording.close_code,
                                           packets=recording.packets,
                                           seconds=round(recording.seconds, 3))


def _version(value: str | None) -> int:
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _op_name(text: str) -> str | None:
    if len(text) > MAX_PAYLOAD:
        return None
    try:
        data = jsonio.loads(text)
    except jsonio.JSONError:
        return None
    op = data.get("op") if isinstance(data, dict) else None
    if not isinstance(op, int) or isinstance(op, bool):
        return None
    try:
        return VoiceOp(op).name
    except ValueError:
        return f"op:{op}"


__all__ = ["MAX_FRAME", "NOTED_JUNK", "VOICE_ROUTE", "VoiceServer"]
