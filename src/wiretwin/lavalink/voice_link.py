"""The Lavalink twin in the voice channel: a voice gateway client per connected player.

A real node connects to the voice server a player's voice state names, as the bot user.
:class:`VoiceLinks` does that when the endpoint is a voice gateway served in this
process (a Discord twin's, found in :mod:`wiretwin.runtime.voice_trust`, whose
authority it verifies the certificate with); any other endpoint is not dialled, and
the player behaves as it always did (a ``voice-link-skipped`` note says so).

One :class:`VoiceLink` per player, in the twin's loop: ``wss://<endpoint>/?v=8``, HELLO,
IDENTIFY (the guild, the session's user id, the voice session id and token; no DAVE),
READY, IP discovery over UDP, SELECT_PROTOCOL (AES-256-GCM, else XChaCha20-Poly1305,
whichever READY offers and this process can seal with), SESSION_DESCRIPTION. Then
SPEAKING 1 while the player advances (a track loaded, not paused, voice connected) and
audio as :mod:`.voice_media` paces it; when it stops advancing, five silence frames and
SPEAKING 0. Heartbeats (op 3 with ``seq_ack``) run on the twin's clock, as all its
protocol time does.

A close by the server of code 1001, 1006, 4009 or 4015 (or a lost connection) is
RESUMEd (op 7 with ``seq_ack``; three tries); any other ends the link, and is journaled
(``voice-link-closed``); with :attr:`VoiceLinks.tell_players` the player is told as
Lavalink tells it: ``WebSocketClosedEvent`` (``byRemote``) and a disconnected player.
The link closes 1000 when its player is destroyed, gets a new voice state, or the twin
stops. Frames the server sends that make no sense are noted and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp

from ..runtime import jsonio, voice_trust
from ..runtime.clock import Clock, TimerHandle
from ..runtime.journal import Journal
from . import voice_media as M

if TYPE_CHECKING:
    from .playback import Player, VoiceState

#: Close codes after which the link RESUMEs (None: the connection was lost).
RESUMABLE = frozenset({None, 1001, 1006, 4009, 4015})
#: RESUME attempts in a row before the link gives up.
RESUME_TRIES = 3
#: Real seconds to wait for the IP discovery answer.
DISCOVERY_TIMEOUT = 5.0
#: Real seconds to wait for the goodbye heartbeat's answer before closing anyway.
GOODBYE_TIMEOUT = 1.0
_DEFAULT_INTERVAL = 13.75

_Queue = asyncio.Queue[tuple[str, Callable[[], None] | None] | None]


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answers: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) == M.DISCOVERY_SIZE:
            self.answers.put_nowait(data)  # anything else (an RTCP BYE) is not awaited

    def error_received(self, exc: Exception) -> None:
        pass


class VoiceLink:
    def __init__(self, links: VoiceLinks, session_id: str, user_id: str, player: Player,
                 voice: VoiceState, ca_pem: str) -> None:
        self.links, self.clock = links, links.clock
        self.session_id, self.user_id = session_id, user_id
        self.player, self.voice = player, voice
        self.guild_id = player.guild_id
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self._context.load_verify_locations(cadata=ca_pem)
        self.ssrc: int | None = None
        self.stream: M.RtpStream | None = None
        self.pacer = M.Pacer()
        #: SESSION_DESCRIPTION came and the websocket is up.
        self.ready = False
        #: SPEAKING 1 was asked for (and not taken back).
        self.speaking = False
        self.seq_ack = -1
        self.closing = False
        self._udp: asyncio.DatagramTransport | None = None
        self._answers: _Datagrams | None = None
        self._out: _Queue | None = None
        #: The server said something on some connection (a HELLO at least).
        self._heard = False
        self._came_up = False
        self._heartbeat: TimerHandle | None = None
        self._tick: TimerHandle | None = None
        self._nonce = 0
        self._ack: tuple[int, asyncio.Future[None]] | None = None
        self._owed: tuple[str, int, int] | None = None
        self.task = asyncio.get_running_loop().create_task(
            self._run(), name=f"wiretwin-lavalink-voice-{self.guild_id}")

    # -- the player's side (PlaybackListener) -------------------------------------------

    def sync(self) -> None:
        """Send the frames owed up to now."""
        count = self.pacer.due(self.clock.monotonic())
        if count and self.ready and self.stream is not None:
            for _ in range(count):
                self._datagram(self.stream.packet(M.OPUS_FRAME))

    def changed(self) -> None:
        playing = self.player.advancing and self.ready and not self.closing
        if playing and not self.speaking:
            self.speaking = True
            self._send({"op": 5, "d": {"speaking": 1, "delay": 0, "ssrc": self.ssrc}},
                       self._announced)
        elif not playing and self.speaking:
            self.sync()
            self._quiet()

    def disposed(self) -> None:
        self.close()

    def _announced(self) -> None:
        if self.speaking and not self.pacer.running:
            self.pacer.start(self.clock.monotonic())
            self._arm_tick()

    def _quiet(self) -> None:
        self.speaking = False
        if self.pacer.running and self.stream is not None:
            for _ in range(M.TRAILING_SILENCE):
                self._datagram(self.stream.packet(M.SILENCE))
        self.pacer.stop()
        self._cancel(self._tick)
        self._send({"op": 5, "d": {"speaking": 0, "delay": 0, "ssrc": self.ssrc}})

    def _arm_tick(self) -> None:
        def tick() -> None:
            self.sync()
            if self.pacer.running:
                self._arm_tick()

        self._tick = self.clock.call_later(self.pacer.next_frame(self.clock.monotonic()), tick)

    def close(self) -> None:
        """Leave: speaking off, then close 1000 (at once if not connected yet)."""
        if self.closing:
            return
        if self.speaking:
            self.sync()
            self._quiet()
        self.closing = True
        if self._out is not None:
            self._out.put_nowait(None)
        else:
            self.task.cancel()

    # -- sending --------------------------------------------------------------------------

    def _send(self, payload: dict[str, Any], then: Callable[[], None] | None = None) -> None:
        if self._out is not None and not self.closing:
            self._out.put_nowait((jsonio.compact(payload), then))

    def _datagram(self, data: bytes) -> None:
        if self._udp is not None and not self._udp.is_closing():
            self._udp.sendto(data)

    async def _write(self, ws: aiohttp.ClientWebSocketResponse, out: _Queue) -> None:
        while (item := await out.get()) is not None:
            text, then = item
            await ws.send_str(text)
            if then is not None:
                then()
        # Goodbye: a heartbeat answered means what was sent before it (the silence over
        # UDP included) has been taken; then close.
        self._nonce += 1
        acked = asyncio.get_running_loop().create_future()
        self._ack = (self._nonce, acked)
        await ws.send_str(jsonio.compact({"op": 3, "d": {"t": self._nonce,
                                                         "seq_ack": self.seq_ack}}))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(acked, GOODBYE_TIMEOUT)
        await ws.close(code=1000, message=b"Leaving")

    def _beat(self, interval: float) -> None:
        self._nonce += 1
        self._owe(self._nonce)
        self._send({"op": 3, "d": {"t": self._nonce, "seq_ack": self.seq_ack}})
        self._heartbeat = self.clock.call_later(interval, lambda: self._beat(interval))

    def _owe(self, nonce: int | None) -> None:
        """The heartbeat ``nonce`` awaits its ACK (None: none does): a virtual clock
        advancing lets the answer come before time moves on, so a voice server on the
        same clock sees the heartbeat in time."""
        if self._owed is not None:
            self.clock.fulfil(self._owed)
        self._owed = None if nonce is None else ("wiretwin-lavalink-voice", id(self), nonce)
        if self._owed is not None:
            self.clock.expect(self._owed)

    @staticmethod
    def _cancel(handle: TimerHandle | None) -> None:
        if handle is not None:
            handle.cancel()

    # -- the connection -------------------------------------------------------------------

    async def _run(self) -> None:
        code: int | None = None
        reason = ""
        try:
            async with aiohttp.ClientSession() as http:
                tries = 0
                while True:
                    resuming = self.stream is not None
                    self._came_up = False
                    try:
                        code, reason = await self._connection(http, resuming)
                    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                        code, reason = None, f"{type(exc).__name__}: {exc}"
                    if self.closing:
                        return
                    tries = 0 if self._came_up else tries + 1
                    if not self._heard or code not in RESUMABLE or tries > RESUME_TRIES \
                            or voice_trust.authority(self.voice.endpoint) is None:
                        break
                    self.links.note("voice-link-resume", self, code=code)
        except asyncio.CancelledError:
            if not self.closing:
                raise
        finally:
            self.ready = False
            self._cancel(self._heartbeat)
            self._cancel(self._tick)
            self.pacer.stop()
            if self._udp is not None:
                self._udp.close()
            if self.closing:
                if self.player.listener is self:  # it left on its own (no usable mode)
                    self.player.listener = None
                self.links.note("voice-link-left", self, sent=self.pacer.sent)
        if not self.closing:
            self.closing = True
            # A voice server that is no longer served here (its twin stopped) takes its
            # links with it quietly, as an endpoint never served here is never dialled.
            gone = voice_trust.authority(self.voice.endpoint) is None
            self.links.ended(self, code if code is not None else 1006, reason,
                             tell=self._heard and not gone)

    async def _connection(self, http: aiohttp.ClientSession, resuming: bool
                          ) -> tuple[int | None, str]:
        """One websocket, from dialling to its close: the close code and reason."""
        url = f"wss://{self.voice.endpoint}/?v=8"
        reason = ""
        async with http.ws_connect(url, ssl=self._context, max_msg_size=1024 * 1024) as ws:
            out: _Queue = asyncio.Queue()
            self._out = out
            writer = asyncio.get_running_loop().create_task(self._write(ws, out))
            try:
                if self.closing:
                    out.put_nowait(None)
                while True:
                    message = await ws.receive()
                    if message.type == aiohttp.WSMsgType.TEXT:
                        self._heard = True
                        await self._receive(str(message.data), resuming)
                    elif message.type == aiohttp.WSMsgType.CLOSE:
                        reason = str(message.extra or "")
                        break
                    elif message.type != aiohttp.WSMsgType.BINARY:
                        break  # closing, closed, an error
            finally:
                self._out = None
                self._cancel(self._heartbeat)
                self._owe(None)
                if self.speaking:  # no connection: what is owed stops here
                    self.sync()
                    self.speaking = False
                    self.pacer.stop()
                    self._cancel(self._tick)
                self.ready = False
                if self.closing:
                    await asyncio.wait({writer}, timeout=2.0)
                if not writer.done():
                    writer.cancel()
                with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError,
                                         ConnectionError):
                    await writer
            if not ws.closed:
                await ws.close()
            return ws.close_code, reason

    async def _receive(self, text: str, resuming: bool) -> None:
        try:
            data = jsonio.loads(text)
            op, d = data["op"], data.get("d")
            if isinstance(data.get("seq"), int):
                self.seq_ack = data["seq"]
            if op == 8:
                interval = d.get("heartbeat_interval") if isinstance(d, dict) else None
                if not isinstance(interval, int | float) or interval <= 0:
                    interval = _DEFAULT_INTERVAL * 1000
                self._cancel(self._heartbeat)
                period = interval / 1000
                self._heartbeat = self.clock.call_later(period, lambda: self._beat(period))
                if resuming:
                    self._send({"op": 7, "d": {
                        "server_id": self.guild_id, "session_id": self.voice.session_id,
                        "token": self.voice.token, "seq_ack": self.seq_ack}})
                else:
                    self._send({"op": 0, "d": {
                        "server_id": self.guild_id, "user_id": self.user_id,
                        "session_id": self.voice.session_id, "token": self.voice.token,
                        "max_dave_protocol_version": 0}})
            elif op == 2:
                await self._ready(int(d["ssrc"]), str(d["ip"]), int(d["port"]), d["modes"])
            elif op == 4:
                key = bytes(d["secret_key"])
                assert self.ssrc is not None
                self.stream = M.RtpStream(self.ssrc, M.sealer(str(d["mode"]), key))
                self._up()
            elif op == 6:
                nonce = d.get("t") if isinstance(d, dict) else None
                if self._owed is not None and nonce == self._owed[2]:
                    self._owe(None)
                if self._ack is not None and nonce == self._ack[0] \
                        and not self._ack[1].done():
                    self._ack[1].set_result(None)
            elif op == 9 and self.stream is not None:
                self._up()
        except (KeyError, TypeError, ValueError, AssertionError, jsonio.JSONError) as exc:
            self.links.note("voice-link-bad-frame", self, frame=text[:200],
                            error=f"{type(exc).__name__}: {exc}")

    def _up(self) -> None:
        self.ready = self._came_up = True
        self.changed()

    async def _ready(self, ssrc: int, ip: str, port: int, modes: Any) -> None:
        mode = M.choose_mode(modes)
        if mode is None:
            self.links.note("voice-link-no-mode", self, offered=str(modes)[:200])
            self.close()
            return
        self.ssrc = ssrc
        if self._udp is not None:
            self._udp.close()
        loop = asyncio.get_running_loop()
        answers = _Datagrams()
        self._udp, _ = await loop.create_datagram_endpoint(lambda: answers,
                                                           remote_addr=(ip, port))
        self._udp.sendto(M.discovery_request(ssrc))
        while True:
            found = M.read_discovery(
                await asyncio.wait_for(answers.answers.get(), DISCOVERY_TIMEOUT), ssrc)
            if found is not None:
                break
        self._send({"op": 1, "d": {"protocol": "udp", "data": {
            "address": found[0], "port": found[1], "mode": mode}}})


class VoiceLinks:
    """The twin's voice links, one per connected player whose endpoint it may dial."""

    def __init__(self, clock: Clock, journal: Journal,
                 on_closed: Callable[[str, Player, int, str], None]) -> None:
        self.clock = clock
        self.journal = journal
        self.on_closed = on_closed
        #: A voice server's close reaches the player as on Lavalink
        #: (``WebSocketClosedEvent`` ``byRemote``, a disconnected player). Off by
        #: default: the close is journaled and the player left as its client set it,
        #: as before the twin joined voice channels (a bot whose discord.py client
        #: closes leaves voice, and its 4014 would stop the player's track).
        self.tell_players = False
        #: Dial at all (off: players never join voice channels, as before; a test that
        #: advances the clock by hours may not want 50 packets per player per second).
        self.enabled = True
        self.live: dict[VoiceLink, None] = {}

    def connect(self, session_id: str, user_id: str, player: Player) -> None:
        """The player has a (new) voice state: leave the old link, dial the new one."""
        self.disconnect(player)
        if not self.enabled:
            return
        endpoint = player.voice.endpoint
        ca_pem = voice_trust.authority(endpoint)
        if ca_pem is None:
            self.journal.record_note("voice-link-skipped", guild_id=player.guild_id,
                                     endpoint=endpoint[:100],
                                     detail="not a voice gateway served in this process")
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a model driven outside the twin's loop: nothing to run a link in
        link = VoiceLink(self, session_id, user_id, player, player.voice, ca_pem)
        player.listener = link
        self.live[link] = None
        link.task.add_done_callback(lambda _task: self.live.pop(link, None))
        self.note("voice-link-dial", link, endpoint=endpoint)

    def disconnect(self, player: Player) -> None:
        link = player.listener
        if isinstance(link, VoiceLink):
            player.listener = None
            link.close()

    def note(self, name: str, link: VoiceLink, **detail: Any) -> None:
        self.journal.record_note(name, guild_id=link.guild_id, session=link.session_id,
                                 **detail)

    def ended(self, link: VoiceLink, code: int, reason: str, *, tell: bool) -> None:
        """The server (or the network) ended the link: the player is told if ``tell``
        (not when the link never heard from the server, or the server is gone)."""
        self.note("voice-link-closed", link, code=code, reason=reason[:200], told=tell)
        if link.player.listener is link:
            link.player.listener = None
            if tell and self.tell_players:
                self.on_closed(link.session_id, link.player, code, reason)

    async def aclose(self) -> None:
        """Close every link and wait (a moment) for them to finish."""
        links = list(self.live)
        for link in links:
            if link.player.listener is link:
                link.player.listener = None
            link.close()
        tasks = [link.task for link in links]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=2.0)
            for task in pending:
                task.cancel()


__all__ = ["RESUMABLE", "VoiceLink", "VoiceLinks"]
