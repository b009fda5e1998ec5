"""The voice gateway: connections, voice sessions, and the UDP packets that belong to them.

Theory of operation
-------------------
Sans-I/O, as the main gateway's hub: :class:`VoiceGateway` takes decoded payloads from a
connection (:meth:`~VoiceGateway.receive`) and datagrams from the UDP port
(:meth:`~VoiceGateway.datagram`) and answers through the connection's
:class:`VoiceTransport` (or with the datagram to send back). The websocket and UDP
plumbing is :mod:`.server`'s.

A *connection* is one websocket. A *voice session* is what IDENTIFY makes: the bot's
voice connection to one guild, with its SSRC, its encryption mode and key once the
client selected them, the numbered messages it was sent (for RESUME) and its
:class:`~.recording.VoiceRecording`. IDENTIFY must bring what the main gateway handed
the bot: the guild (``server_id``), the bot's user id and voice ``session_id`` (from
VOICE_STATE_UPDATE) and the token of its newest VOICE_SERVER_UPDATE.

State table (what a connection may send):

=================  =====================================================================
unauthenticated    0 identify; 7 resume; 3 heartbeat; any other known opcode closes
                   4003; an unknown one 4001
identified         1 select protocol (answered by SESSION_DESCRIPTION, again if sent
                   again); 3 heartbeat; 5 speaking; 12 client connect, 23, 26, 28, 31
                   (DAVE: accepted, unanswered); 0 and 7 close 4005; any other 4001
=================  =====================================================================

IDENTIFY: a guild the twin does not know closes 4011; a token that is not the guild's
newest voice token, or a user or session id that is not the bot's, 4004; the bot no
longer in a voice channel there, 4006; with :attr:`VoiceGateway.require_dave`, a client
offering no DAVE (``max_dave_protocol_version`` 0) gets 4017, as Discord answers since
2026-03-02. Everyone else is answered ``dave_protocol_version`` 0: the MLS handshake is
not modelled. RESUME: the session must exist, be the same guild, session id and token,
and have no connection; else 4006. Numbered messages after ``seq_ack`` are sent again
before RESUMED; a ``seq_ack`` older than what is kept closes 4006 ("the resume may be
unsuccessful if the voice gateway buffer for the session no longer contains a message
that has been missed").

Which messages carry ``seq``: Discord numbers "all messages that may need to be
re-sent"; here that is SPEAKING, CLIENTS_CONNECT and CLIENT_DISCONNECT (the dispatches),
not HELLO, READY, SESSION_DESCRIPTION, HEARTBEAT_ACK or RESUMED (a choice: Discord does
not list them). Numbers wrap at 16 bits, as the binary frames' do.

A connection that sends no heartbeat for 1.5 intervals (on the twin's clock) closes
4009. A session whose connection closes with anything but 1000, 4014 or 4022 can be
resumed for :attr:`VoiceGateway.resume_window` seconds. The bot leaving voice (op 4 with
no channel) closes its sessions in that guild 4014, and so does a move to another channel,
a moment later (its voice server changed: discord.py waits for that 4014 to connect again
with the new token; see :data:`.control.MOVE_CLOSE_DELAY`). When a session ends, its UDP
address (from IP discovery) is sent an RTCP BYE (RFC 3550 6.6): a goodbye Discord does
not document, sent so that a client still waiting on that socket wakes up (discord.py's
socket reader keeps waiting on the old socket after a move).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...runtime.clock import Clock, TimerHandle
from ..errors import Close
from ..model import DiscordModel
from ..model.members import voice_session_id
from ..protocol.frames import Closed
from . import frames as F
from .codes import (
    ALREADY_AUTHENTICATED,
    AUTHENTICATION_FAILED,
    DAVE_PROTOCOL_VERSION,
    DAVE_REQUIRED,
    DISCONNECTED,
    HEARTBEAT_INTERVAL_MS,
    MODES,
    NOT_AUTHENTICATED,
    SERVER_NOT_FOUND,
    SESSION_NO_LONGER_VALID,
    SESSION_TIMEOUT,
    UNKNOWN_OPCODE,
    VERSION,
    VoiceCloseCode,
    VoiceOp,
)
from .recording import RecordingLimits, VoiceRecording
from .rtp import (
    Decrypt,
    PacketError,
    decryptor,
    discovery_response,
    read_discovery,
    read_rtp,
    rtcp_bye,
)

#: Numbered messages a session keeps for RESUME.
BUFFERED_MESSAGES = 100
#: Close codes after which a session cannot be resumed.
_ENDS_SESSION = frozenset({1000, VoiceCloseCode.DISCONNECTED, VoiceCloseCode.CALL_TERMINATED,
                           VoiceCloseCode.AUTHENTICATION_FAILED, VoiceCloseCode.DAVE_REQUIRED,
                           VoiceCloseCode.SESSION_NO_LONGER_VALID})
#: Opcodes a client may send that the twin takes without an answer (DAVE with version 0).
_QUIET = frozenset({VoiceOp.CLIENT_CONNECT, VoiceOp.DAVE_TRANSITION_READY,
                    VoiceOp.DAVE_MLS_KEY_PACKAGE, VoiceOp.DAVE_MLS_COMMIT_WELCOME,
                    VoiceOp.DAVE_MLS_INVALID_COMMIT_WELCOME})


class VoiceTransport(Protocol):
    """One voice websocket, as the gateway sees it."""

    def send(self, payload: dict[str, Any], label: str) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass(eq=False)
class VoiceSession:
    guild_id: int
    user_id: int
    session_id: str
    token: str
    ssrc: int
    recording: VoiceRecording
    mode: str | None = None
    secret_key: bytes | None = None
    decrypt: Decrypt | None = None
    #: The UDP address IP discovery came from (where the client's packets come from).
    address: tuple[str, int] | None = None
    seq: int = -1
    sent: deque[tuple[int, dict[str, Any], str]] = field(
        default_factory=lambda: deque(maxlen=BUFFERED_MESSAGES))
    connection: VoiceConnection | None = None
    expiry: TimerHandle | None = None
    #: The other users in the channel that the client was told about (op 11 / op 13).
    present: set[int] = field(default_factory=set)


@dataclass(eq=False)
class VoiceConnection:
    transport: VoiceTransport
    last_heartbeat: float
    session: VoiceSession | None = None
    timer: TimerHandle | None = None


@dataclass
class UdpStats:
    """Datagrams the voice server could not put to any session."""

    unknown_ssrc: int = 0
    junk: int = 0


Observer = Callable[[VoiceRecording, str], None]


class VoiceGateway:
    def __init__(self, model: DiscordModel, clock: Clock, rng: random.Random,
                 udp_address: Callable[[], tuple[str, int]],
                 limits: RecordingLimits | None = None, *, keep: int = 100) -> None:
        self.model = model
        self.clock = clock
        self.rng = rng
        self.udp_address = udp_address
        self.limits = limits if limits is not None else RecordingLimits()
        #: Refuse clients without DAVE (4017), as Discord does since 2026-03-02.
        self.require_dave = False
        #: Seconds a session whose connection dropped stays resumable.
        self.resume_window = 60.0
        self.connections: dict[VoiceConnection, None] = {}
        #: Live and resumable sessions, by SSRC (also how UDP packets find theirs).
        self.sessions: dict[int, VoiceSession] = {}
        #: Every voice connection's recording, the newest ``keep`` of them.
        self.recordings: deque[VoiceRecording] = deque(maxlen=keep)
        self.udp = UdpStats()
        #: Sends a datagram to a client (the server's UDP port sets it).
        self.send_datagram: Callable[[bytes, tuple[str, int]], None] | None = None
        #: Told ``(recording, what)`` of every change: "identify", "audio", "rejected"
        #: (a packet that would not open), "speaking", "end" (the control API's waits).
        self.observers: list[Observer] = []

    def _tell(self, recording: VoiceRecording, what: str) -> None:
        for observer in list(self.observers):
            observer(recording, what)

    # -- connections ------------------------------------------------------------------

    def open(self, transport: VoiceTransport) -> VoiceConnection:
        conn = VoiceConnection(transport, self.clock.monotonic())
        self.connections[conn] = None
        transport.send({"op": VoiceOp.HELLO.value, "d": {
            "v": VERSION, "heartbeat_interval": HEARTBEAT_INTERVAL_MS}}, "HELLO")
        self._arm(conn)
        return conn

    def _arm(self, conn: VoiceConnection) -> None:
        deadline = HEARTBEAT_INTERVAL_MS / 1000 * 1.5

        def check() -> None:
            conn.timer = None
            if conn not in self.connections:
                return
            if self.clock.monotonic() - conn.last_heartbeat >= deadline:
                conn.transport.close(*SESSION_TIMEOUT)
            else:
                self._arm(conn)

        conn.timer = self.clock.call_later(deadline, check)

    def closed(self, conn: VoiceConnection, code: int | None) -> None:
        """The connection is gone (``code``: its close code, ours or the client's)."""
        if conn.timer is not None:
            conn.timer.cancel()
        self.connections.pop(conn, None)
        session = conn.session
        if session is None or session.connection is not conn:
            return
        session.connection = None
        if code in _ENDS_SESSION or self.sessions.get(session.ssrc) is not session:
            self._end(session, code)
            return
        session.expiry = self.clock.call_later(self.resume_window,
                                               lambda: self._end(session, code))

    def _end(self, session: VoiceSession, code: int | None) -> None:
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        if self.sessions.get(session.ssrc) is session:
            del self.sessions[session.ssrc]
        if session.address is not None and self.send_datagram is not None:
            # Goodbye to the UDP address: a client still reading that socket wakes up
            # (discord.py's reader waits on its old socket after a move).
            self.send_datagram(rtcp_bye(session.ssrc), session.address)
            session.address = None
        recording = session.recording
        if recording.ended_at is None:
            recording.ended_at = self.clock.time()
            recording.close_code = code
            self._tell(recording, "end")

    def end_guild(self, guild_id: int, close: Close = DISCONNECTED,
                  unless_in: int | None = None) -> None:
        """End the guild's voice sessions (but those in channel ``unless_in``), closing
        their connections with ``close``."""
        for session in [s for s in self.sessions.values() if s.guild_id == guild_id
                        and (unless_in is None or s.recording.channel_id != unless_in)]:
            conn = session.connection
            self._end(session, close[0])
            if conn is not None:
                conn.transport.close(*close)

    def close_all(self, close: Close) -> None:
        """Every connection closes with ``close``; every session ends (a stop, a reset)."""
        for session in list(self.sessions.values()):
            self._end(session, close[0])
        for conn in list(self.connections):
            conn.transport.close(*close)

    def forget(self) -> None:
        self.close_all(DISCONNECTED)
        self.recordings.clear()
        self.udp = UdpStats()

    # -- the state machine ------------------------------------------------------------

    def receive(self, conn: VoiceConnection, data: Any) -> None:
        """A payload from the client; raises :class:`Closed` to close the connection."""
        op, d = F.payload(data)
        if op == VoiceOp.HEARTBEAT:
            beat = F.heartbeat(d)
            conn.last_heartbeat = self.clock.monotonic()
            conn.transport.send({"op": VoiceOp.HEARTBEAT_ACK.value, "d": {"t": beat.nonce}},
                                "HEARTBEAT_ACK")
            return
        known = op in VoiceOp._value2member_map_
        session = conn.session
        if session is None:
            if op == VoiceOp.IDENTIFY:
                self._identify(conn, F.identify(d))
            elif op == VoiceOp.RESUME:
                self._resume(conn, F.resume(d))
            elif known:
                raise Closed(NOT_AUTHENTICATED, f"op {op} before identify")
            else:
                raise Closed(UNKNOWN_OPCODE, f"op {op}")
            return
        if op == VoiceOp.SELECT_PROTOCOL:
            self._select(session, F.select_protocol(d))
        elif op == VoiceOp.SPEAKING:
            update = F.speaking(d)
            session.recording.speak(self.clock.time(), update.speaking,
                                    update.ssrc if update.ssrc is not None else session.ssrc)
            self._tell(session.recording, "speaking")
        elif op in (VoiceOp.IDENTIFY, VoiceOp.RESUME):
            raise Closed(ALREADY_AUTHENTICATED, f"op {op} on an identified connection")
        elif op not in _QUIET:
            raise Closed(UNKNOWN_OPCODE, f"op {op}")

    def _identify(self, conn: VoiceConnection, request: F.Identify) -> None:
        model = self.model
        guild = model.guilds.get(request.server_id)
        if guild is None:
            raise Closed(SERVER_NOT_FOUND, f"no guild {request.server_id}")
        bot = model.bot.id
        if (request.token != model.voice_token(guild.id) or request.user_id != bot
                or request.session_id != voice_session_id(bot)):
            raise Closed(AUTHENTICATION_FAILED,
                         "token, user_id or session_id is not the bot's newest voice "
                         "connection's")
        channel_id = guild.voice_states.get(bot)
        if channel_id is None:
            raise Closed(SESSION_NO_LONGER_VALID, "the bot is not in voice there")
        if self.require_dave and request.max_dave_protocol_version == 0:
            raise Closed(DAVE_REQUIRED, "max_dave_protocol_version 0")
        ssrc = self._new_ssrc()
        recording = VoiceRecording(guild.id, channel_id, bot, ssrc, self.limits,
                                   started_at=self.clock.time())
        session = VoiceSession(guild.id, bot, request.session_id, request.token, ssrc,
                               recording, connection=conn)
        conn.session = session
        self.sessions[ssrc] = session
        self.recordings.append(recording)
        address, port = self.udp_address()
        conn.transport.send({"op": VoiceOp.READY.value, "d": {
            "ssrc": ssrc, "ip": address, "port": port, "modes": list(MODES)}}, "READY")
        self._tell(recording, "identify")

    def _new_ssrc(self) -> int:
        while True:
            ssrc = self.rng.randrange(1, 1 << 31)
            if ssrc not in self.sessions:
                return ssrc

    def _select(self, session: VoiceSession, request: F.SelectProtocol) -> None:
        key = self.rng.randbytes(32)
        session.mode, session.secret_key = request.mode, key
        session.decrypt = decryptor(request.mode, key)
        session.recording.mode = request.mode
        assert session.connection is not None
        session.connection.transport.send({"op": VoiceOp.SESSION_DESCRIPTION.value, "d": {
            "mode": request.mode, "secret_key": list(key),
            "dave_protocol_version": DAVE_PROTOCOL_VERSION, "audio_codec": "opus",
            "video_codec": "H264", "media_session_id": f"{self.rng.getrandbits(128):032x}",
        }}, "SESSION_DESCRIPTION")
        channel = session.recording.channel_id
        guild = self.model.guilds.get(session.guild_id)
        others = {u for u, c in (guild.voice_states.items() if guild else ())
                  if c == channel and u != session.user_id} - session.present
        if others:
            session.present |= others
            self._numbered(session, VoiceOp.CLIENTS_CONNECT,
                           {"user_ids": [str(u) for u in sorted(others)]}, "CLIENTS_CONNECT")

    def _resume(self, conn: VoiceConnection, request: F.Resume) -> None:
        found = [s for s in self.sessions.values()
                 if s.guild_id == request.server_id and s.session_id == request.session_id
                 and s.token == request.token]
        if not found or found[0].connection is not None:
            raise Closed(SESSION_NO_LONGER_VALID, "no resumable session with that token")
        session = found[0]
        missed: list[tuple[int, dict[str, Any], str]] = []
        if request.seq_ack != session.seq:
            kept = [m[0] for m in session.sent]
            first = (request.seq_ack + 1) % 65536
            if first not in kept:
                raise Closed(SESSION_NO_LONGER_VALID, f"seq_ack {request.seq_ack}: the "
                             "messages after it are no longer kept")
            missed = list(session.sent)[kept.index(first):]
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        session.connection, conn.session = conn, session
        for _seq, payload, label in missed:
            conn.transport.send(payload, label)
        conn.transport.send({"op": VoiceOp.RESUMED.value, "d": None}, "RESUMED")

    def _numbered(self, session: VoiceSession, op: VoiceOp, d: dict[str, Any],
                  label: str) -> None:
        session.seq = (session.seq + 1) % 65536
        payload = {"op": op.value, "d": d, "seq": session.seq}
        session.sent.append((session.seq, payload, label))
        if session.connection is not None:
            session.connection.transport.send(payload, label)

    # -- the rest of the channel ------------------------------------------------------

    def member_moved(self, guild_id: int, user_id: int, channel_id: int | None) -> None:
        """Someone else joined, left or moved between the guild's voice channels: the
        bot's sessions in the channel are told (CLIENTS_CONNECT, CLIENT_DISCONNECT)."""
        for session in list(self.sessions.values()):
            if session.guild_id != guild_id or session.user_id == user_id:
                continue
            here = channel_id is not None and channel_id == session.recording.channel_id
            if here and user_id not in session.present:
                session.present.add(user_id)
                self._numbered(session, VoiceOp.CLIENTS_CONNECT,
                               {"user_ids": [str(user_id)]}, "CLIENTS_CONNECT")
            elif not here and user_id in session.present:
                session.present.discard(user_id)
                self._numbered(session, VoiceOp.CLIENT_DISCONNECT,
                               {"user_id": str(user_id)}, "CLIENT_DISCONNECT")

    # -- UDP --------------------------------------------------------------------------

    def datagram(self, data: bytes, address: tuple[str, int]) -> bytes | None:
        """A datagram from ``address``; returns what to send back, if anything."""
        discovery = read_discovery(data)
        if discovery is not None:
            session = self.sessions.get(discovery.ssrc)
            if session is None:
                self.udp.unknown_ssrc += 1
                return None
            session.address = address
            return discovery_response(discovery.ssrc, address[0], address[1])
        try:
            packet = read_rtp(data)
        except PacketError:
            self.udp.junk += 1
            return None
        found = self.sessions.get(packet.ssrc)
        if found is None:
            self.udp.unknown_ssrc += 1
            return None
        recording = found.recording
        recording.arrived(len(data))
        if found.decrypt is None:
            recording.undecryptable += 1
            self._tell(recording, "rejected")
            return None
        try:
            opened = found.decrypt(packet)
        except Exception:  # a bad seal (InvalidTag, CryptoError): the packet is dropped
            recording.undecryptable += 1
            self._tell(recording, "rejected")
            return None
        if len(opened) < packet.extension:
            recording.malformed += 1
            self._tell(recording, "rejected")
            return None
        recording.frame(opened[packet.extension:])
        self._tell(recording, "audio")
        return None


__all__ = ["BUFFERED_MESSAGES", "UdpStats", "VoiceConnection", "VoiceGateway",
           "VoiceSession", "VoiceTransport"]
