"""What the voice link sends over UDP, and when. Pure (but for the cipher libraries).

IP discovery and the voice packets follow Discord's "Voice Connections" page: a 74-byte
discovery request (type 1, length 70, the SSRC, then zeros), an RTP header (version 2,
payload type 0x78, sequence, timestamp, SSRC), the Opus frame sealed with the session's
key in an "RTP size" AEAD mode (the 12-byte header is the additional data), then the
32-bit big-endian counter the nonce is made from (padded with zeros to 12 bytes for
AES-256-GCM, 24 for XChaCha20-Poly1305).

The twin decodes no track, so every 20 ms played is one fixed Opus frame,
:data:`OPUS_FRAME` (a 450 Hz tone, TOC byte ``0xFC``: CELT, fullband, 20 ms), and a stop
is the five silence frames (``F8 FF FE``) Discord asks for.

Pacing (:class:`Pacer`): playback runs on the twin's clock, which tests move in jumps,
so packets are not paced by real time. While the player advances and the link is up,
one frame is owed per 20 ms of the clock; the link sends what is owed at every 20 ms
timer of that clock and before every change of the player, in order. At most
:data:`MAX_BURST` frames go out at once; what is owed beyond that is counted as dropped,
not sent (a clock that jumped without firing timers).
"""

from __future__ import annotations

import importlib.util
import struct
from collections.abc import Callable
from dataclasses import dataclass

#: Bytes in an IP discovery request or response.
DISCOVERY_SIZE = 74
#: Milliseconds of audio in one frame, and its 48 kHz samples.
FRAME_MS = 20
FRAME_SAMPLES = 960
#: The frame sent for every 20 ms played: one frame of a steady 450 Hz sine (nine whole
#: cycles per 20 ms, so repeated it is one continuous tone), encoded once by libopus 1.3.1
#: (CELT, fullband, stereo; TOC 0xFC). Decoded, the twin's audio measures 450 Hz.
OPUS_FRAME = bytes.fromhex(
    "fcbba2e09a4eef6a1a785491fe3d35c59949d71c80368363cda7694e137675728a933577fde26568"
    "f6bc3ed216b48db7f13704f342b1d135bf28076a83cef1894526fee2f0adae909980d94a4cc6b08d"
    "df0dfa707501928efc5e01bdc23e54b83da6dcfcc81b6edbb32bab1d14a16e3074f2b1d726b3c246"
    "b3c335bf10f9e48640fd3697c51033aeab6eac2c603b3fef58da046b1de443fa981447e9f54936df"
    "d727d0a32297cde9184782c2e22c8c89c58d320e1e51af69ecb3abe1bbcfa6fca80a8e484ff8a3cb"
    "8b337ad8af16be5f2a9e2b45653c3bd8fe401a7c57a2927d5e63d75efe000666c06c906cd80506c6"
    "77bf399cffe63109ac")
#: The tone :data:`OPUS_FRAME` repeated sounds, in Hz.
TONE_HZ = 450
#: The silence frame, and how many of them end a stretch of audio.
SILENCE = b"\xf8\xff\xfe"
TRAILING_SILENCE = 5
#: The most frames sent in one go (five seconds).
MAX_BURST = 250
#: RTP payload type for Opus on Discord.
OPUS_PAYLOAD_TYPE = 0x78
AES256_GCM = "aead_aes256_gcm_rtpsize"
XCHACHA20 = "aead_xchacha20_poly1305_rtpsize"
#: Modes the link can seal with, preferred first, and the library each one needs.
_MODES = ((AES256_GCM, "cryptography"), (XCHACHA20, "nacl"))

Seal = Callable[[bytes, bytes, bytes], bytes]


def discovery_request(ssrc: int) -> bytes:
    return struct.pack(">HHI", 1, 70, ssrc) + bytes(DISCOVERY_SIZE - 8)


def read_discovery(data: bytes, ssrc: int) -> tuple[str, int] | None:
    """The address and port a discovery response for ``ssrc`` carries, else None."""
    if len(data) != DISCOVERY_SIZE:
        return None
    kind, length, found = struct.unpack_from(">HHI", data)
    if kind != 2 or length != 70 or found != ssrc:
        return None
    address = data[8:DISCOVERY_SIZE - 2].split(b"\0", 1)[0]
    try:
        text = address.decode("ascii")
    except UnicodeDecodeError:
        return None
    (port,) = struct.unpack_from(">H", data, DISCOVERY_SIZE - 2)
    return (text, port) if text and port else None


def choose_mode(offered: object) -> str | None:
    """The first mode both READY offered and this process can seal with."""
    if not isinstance(offered, list):
        return None
    for mode, library in _MODES:
        if mode in offered and importlib.util.find_spec(library) is not None:
            return mode
    return None


def sealer(mode: str, key: bytes) -> Seal:
    """``seal(header, opus, nonce4)``: the sealed payload and its tag."""
    if mode == AES256_GCM:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        aes = AESGCM(key)
        return lambda header, opus, nonce: aes.encrypt(nonce + bytes(8), opus, header)
    if mode == XCHACHA20:
        from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt as seal

        def xchacha(header: bytes, opus: bytes, nonce: bytes) -> bytes:
            sealed: bytes = seal(opus, header, nonce + bytes(20), key)
            return sealed

        return xchacha
    raise ValueError(f"cannot seal in mode {mode!r}")


@dataclass
class RtpStream:
    """One SSRC's outgoing packets: sequence, timestamp and nonce counter, from 0."""

    ssrc: int
    seal: Seal
    sequence: int = 0
    timestamp: int = 0
    counter: int = 0

    def packet(self, opus: bytes) -> bytes:
        header = struct.pack(">BBHII", 0x80, OPUS_PAYLOAD_TYPE, self.sequence,
                             self.timestamp, self.ssrc)
        nonce = struct.pack(">I", self.counter)
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.timestamp = (self.timestamp + FRAME_SAMPLES) & 0xFFFFFFFF
        self.counter = (self.counter + 1) & 0xFFFFFFFF
        return header + self.seal(header, opus, nonce) + nonce


@dataclass
class Pacer:
    """Frames owed for clock time: one per 20 ms since :meth:`start`."""

    since: float | None = None
    owed: int = 0
    sent: int = 0
    dropped: int = 0

    @property
    def running(self) -> bool:
        return self.since is not None

    def start(self, now: float) -> None:
        self.since, self.owed = now, 0

    def stop(self) -> None:
        self.since = None

    def next_frame(self, now: float) -> float:
        """Seconds from ``now`` to when the next frame is owed, a hair early: a timer
        set for it fires at the frame's millisecond, never past it (floating point)."""
        if self.since is None:
            return FRAME_MS / 1000
        due = self.since + (self.owed + 1) * FRAME_MS / 1000  # from the start: no drift
        return max(0.0, due - now - 1e-6)

    def due(self, now: float) -> int:
        """Frames to send now (what is owed since the last call, at most a burst)."""
        if self.since is None:
            return 0
        total = round((now - self.since) * 1000) // FRAME_MS
        new, self.owed = max(0, total - self.owed), max(total, self.owed)
        send = min(new, MAX_BURST)
        self.sent += send
        self.dropped += new - send
        return send


__all__ = ["AES256_GCM", "DISCOVERY_SIZE", "FRAME_MS", "MAX_BURST", "OPUS_FRAME", "SILENCE",
           "TONE_HZ", "TRAILING_SILENCE", "XCHACHA20", "Pacer", "RtpStream", "choose_mode",
           "discovery_request", "read_discovery", "sealer"]
