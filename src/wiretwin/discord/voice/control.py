"""``twin.voice``: the Discord twin's voice server, as a test sees it.

What the bot sent (:meth:`VoiceControl.played`, one :class:`Played` per guild or
channel), the voice connections themselves (:attr:`VoiceControl.recordings`), waits that
wake on the packet that satisfies them (:meth:`VoiceControl.wait_for_audio`), and the
voice server's own moves: a close with any of Discord's codes (:meth:`VoiceControl.close`:
4015 for a crash the client may resume from, 4014, 4021, 4022), and
:attr:`VoiceControl.require_dave` for Discord's 4017 refusal of clients without DAVE.

It also wires the voice server to the model: the bot leaving voice, or moving to
another channel, ends its voice connections there (4014), and other members joining or
leaving its channel are told to it (CLIENTS_CONNECT, CLIENT_DISCONNECT).
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...runtime.waiters import WaitableLog
from ..errors import Close
from .audio import Audio
from .codes import CALL_TERMINATED, DISCONNECTED, VOICE_SERVER_CRASHED, VoiceCloseCode
from .gateway import VoiceGateway
from .recording import TRAILING_SILENCE, RecordingLimits, SpeakingChange, VoiceRecording
from .server import VoiceServer

if TYPE_CHECKING:
    from ..twin import DiscordTwin

#: Seconds (real time) after a move before the old voice connection is closed 4014.
#: discord.py reconnects on that 4014 only once it has the new VOICE_SERVER_UPDATE in
#: hand (a 4014 that overtakes it leaves discord.py's move waiting out its timeout, a
#: race in its state waits that Discord's latency hides); on loopback the new server
#: update is read within microseconds, so a moment is ample.
MOVE_CLOSE_DELAY = 0.05
#: Reasons for the codes :meth:`VoiceControl.close` may send, as Discord words them.
_REASONS = {code.value: name.replace("_", " ").capitalize()
            for name, code in VoiceCloseCode.__members__.items()}


@dataclass(frozen=True)
class Played:
    """What the bot's voice connections to a guild or channel sent, added up."""

    #: The voice connections counted (one per IDENTIFY), oldest first.
    connections: tuple[VoiceRecording, ...]
    packets: int
    #: Bytes of the packets as they arrived (headers and seals included).
    received_bytes: int
    frames: int
    silence_frames: int
    #: Seconds of audio (20 ms per usual Opus frame), silence frames apart.
    seconds: float
    silence_seconds: float
    #: Packets that did not open with the key the twin gave (or came before one).
    undecryptable: int
    #: Every speaking update (opcode 5), in order.
    speaking: tuple[SpeakingChange, ...]

    @property
    def spoke(self) -> bool:
        """The client said it was speaking at least once."""
        return any(change.speaking for change in self.speaking)

    @property
    def opus(self) -> list[bytes]:
        """The Opus frames kept (the newest, see :class:`RecordingLimits`)."""
        return [frame for rec in self.connections for frame in rec.opus]

    def audio(self) -> Audio:
        """The kept Opus frames decoded (a decoder per voice connection, in order) and
        joined, oldest connection first: :meth:`VoiceRecording.audio`. Covers only the
        frames kept (``dropped``: the older ones left out); needs libopus."""
        parts = [rec.audio() for rec in self.connections]
        return Audio(b"".join(a.pcm for a in parts), sum(a.frames for a in parts),
                     sum(a.dropped for a in parts), sum(a.concealed for a in parts))

    def pcm(self) -> bytes:
        """:meth:`audio`'s PCM: 48 kHz, 16-bit, stereo interleaved, little-endian."""
        return self.audio().pcm

    @classmethod
    def of(cls, recordings: list[VoiceRecording]) -> Played:
        return cls(tuple(recordings), sum(r.packets for r in recordings),
                   sum(r.received_bytes for r in recordings), sum(r.frames for r in recordings),
                   sum(r.silence_frames for r in recordings),
                   sum(r.seconds for r in recordings),
                   sum(r.silence_seconds for r in recordings),
                   sum(r.undecryptable for r in recordings),
                   tuple(c for r in recordings for c in r.speaking_changes))

    def describe(self) -> str:
        return (f"{len(self.connections)} voice connection(s): {self.packets} packets, "
                f"{self.seconds:.2f}s audio, {self.silence_frames} silence frames, "
                f"spoke={self.spoke}")


def _id_of(target: Any) -> int | None:
    if target is None:
        return None
    if isinstance(target, int):
        return target
    found = getattr(target, "id", None)
    if isinstance(found, int):
        return found
    raise TypeError(f"expected a guild, a channel or an id, got {type(target).__name__}")


class VoiceControl:
    def __init__(self, twin: DiscordTwin, rng: random.Random,
                 limits: RecordingLimits | None = None) -> None:
        self._twin = twin
        self.gateway = VoiceGateway(twin.model, twin.clock, rng,
                                    lambda: self.server.udp_address(), limits)
        self.server = VoiceServer(self.gateway, twin.wire, twin.host)
        #: One entry per change (a connection, a frame, a speaking update, an end):
        #: what the waits wake on.
        self.events: WaitableLog[tuple[str, VoiceRecording]] = WaitableLog(
            lambda e: f"{e[0]}: {e[1].describe()}", limit=1000)
        self.gateway.observers.append(lambda rec, what: self.events.append((what, rec)))
        twin.dispatch_observers.append(self._observe)

    # -- settings -----------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:<port>``: the voice gateway VOICE_SERVER_UPDATE points at (the
        voice server starts listening when first asked)."""
        return self._twin.call(self.server.endpoint)

    @property
    def require_dave(self) -> bool:
        """Close 4017 ("E2EE/DAVE protocol required") on an IDENTIFY offering no DAVE,
        as Discord does since 2026-03-02. Off by default: the twin answers every client
        with DAVE version 0, which it does not model beyond that."""
        return self.gateway.require_dave

    @require_dave.setter
    def require_dave(self, value: bool) -> None:
        self.gateway.require_dave = value

    def client_ssl_context(self) -> ssl.SSLContext:
        """A verifying TLS context that trusts this twin's voice gateway and nothing
        else: for a client's connection to :attr:`endpoint` (the drivers hand it to the
        clients they point here)."""
        return self._twin.call(self.server.client_context)

    def serves(self, url: Any) -> bool:
        """Whether ``url`` is this twin's voice gateway."""
        return self.server.serves(url)

    # -- what was sent ------------------------------------------------------------------

    @property
    def recordings(self) -> list[VoiceRecording]:
        """Every voice connection the twin remembers (the newest 100), oldest first."""
        return self._twin.call(lambda: list(self.gateway.recordings))

    @property
    def sessions(self) -> list[VoiceRecording]:
        """The voice connections that are live (or awaiting a RESUME)."""
        return [r for r in self.recordings if r.active]

    def _matching(self, target: Any) -> Callable[[VoiceRecording], bool]:
        wanted = _id_of(target)
        return lambda r: wanted is None or wanted in (r.guild_id, r.channel_id)

    def played(self, target: Any = None) -> Played:
        """What was sent to a guild or a voice channel (an object with ``.id`` or an
        id; None: everything), over every voice connection the twin remembers."""
        matches = self._matching(target)
        return Played.of([r for r in self.recordings if matches(r)])

    async def wait_for_audio(self, seconds: float = 0.02, target: Any = None, *,
                             timeout: float = 5.0) -> Played:
        """Wait until ``seconds`` of audio (silence frames apart) have come for
        ``target`` (see :meth:`played`); woken by the packet that makes it so."""
        return await self.wait_for(lambda played: played.seconds >= seconds, target,
                                   timeout=timeout)

    async def wait_for(self, predicate: Callable[[Played], bool], target: Any = None, *,
                       timeout: float = 5.0) -> Played:
        """Wait until what ``target`` was sent (see :meth:`played`) satisfies
        ``predicate``; checked at every change (a packet, a speaking update, a
        connection or its end), never by polling."""
        matches = self._matching(target)

        def holds(event: tuple[str, VoiceRecording]) -> bool:
            return matches(event[1]) and predicate(
                Played.of([r for r in self.gateway.recordings if matches(r)]))

        await self.events.wait_for(holds, timeout=timeout)
        return self.played(target)

    async def wait_for_silence(self, target: Any = None, *, timeout: float = 5.0) -> Played:
        """Wait until the client stopped talking: it had spoken, its last speaking update
        says it no longer is, and the five silence frames Discord asks for before a
        pause have come after its audio (or its voice connection ended). Speaking goes
        over the websocket and audio over UDP, in either order: this waits for both."""
        matches = self._matching(target)

        def quiet(event: tuple[str, VoiceRecording]) -> bool:
            what, rec = event
            return matches(rec) and rec.spoke and (what == "end" or (
                not rec.speaking and rec.trailing_silence >= TRAILING_SILENCE))

        await self.events.wait_for(quiet, timeout=timeout)
        return self.played(target)

    async def wait_for_connection(self, target: Any = None, *, timeout: float = 5.0
                                  ) -> VoiceRecording:
        """Wait for a voice connection (an IDENTIFY) to ``target``; returns it."""
        matches = self._matching(target)
        found = await self.events.wait_for(
            lambda e: e[0] == "identify" and matches(e[1]), timeout=timeout)
        return found[0][1]

    async def wait_for_end(self, target: Any = None, *, timeout: float = 5.0
                           ) -> VoiceRecording:
        """Wait for a voice connection to ``target`` to end; returns it."""
        matches = self._matching(target)
        found = await self.events.wait_for(
            lambda e: e[0] == "end" and matches(e[1]), timeout=timeout)
        return found[0][1]

    # -- the voice server's own moves ---------------------------------------------------

    def close(self, target: Any = None, code: int = VOICE_SERVER_CRASHED[0],
              reason: str | None = None) -> None:
        """Close the live voice connections to ``target`` with ``code`` (4015 by
        default: "the server crashed, try resuming", after which they may RESUME; 4014,
        4021 and 4022 end them for good)."""
        close: Close = (code, reason if reason is not None else _REASONS.get(code, ""))
        matches = self._matching(target)

        def run() -> None:
            for session in list(self.gateway.sessions.values()):
                if matches(session.recording) and session.connection is not None:
                    session.connection.transport.close(*close)

        self._twin.call(run)

    # -- the twin's side ----------------------------------------------------------------

    def _observe(self, event: str, data: dict[str, Any]) -> None:
        if event != "VOICE_STATE_UPDATE":
            return
        guild_id, user_id = data.get("guild_id"), data.get("user_id")
        if guild_id is None or user_id is None:
            return
        channel = data.get("channel_id")
        channel_id = int(channel) if channel is not None else None
        if int(user_id) == self._twin.model.bot.id:
            if channel_id is None:  # left voice: its voice connection is over
                # ... or the channel was deleted under it: the call is terminated (4022)
                gone = any(v.guild_id == int(guild_id)
                           and v.recording.channel_id not in self._twin.model.channels
                           for v in self.gateway.sessions.values())
                self.gateway.end_guild(int(guild_id), CALL_TERMINATED if gone else DISCONNECTED)
            elif any(v.guild_id == int(guild_id) and v.recording.channel_id != channel_id
                     for v in self.gateway.sessions.values()):
                # moved: the old voice server lets go a moment later
                asyncio.get_running_loop().call_later(
                    MOVE_CLOSE_DELAY, self.gateway.end_guild, int(guild_id), DISCONNECTED,
                    channel_id)
            return
        self.gateway.member_moved(int(guild_id), int(user_id), channel_id)

    def reset(self, disconnect: bool = True) -> None:
        """Forget what was played; with ``disconnect``, close every voice connection
        (4014: the bot's voice states are gone with the reset)."""
        if disconnect:
            self.gateway.forget()
        else:
            self.gateway.recordings.clear()
        self.events.clear()

    async def stop(self) -> None:
        await self.server.stop()


__all__ = ["Played", "VoiceControl"]
