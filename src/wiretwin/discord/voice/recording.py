"""What the voice server keeps of one voice connection's audio. Pure.

Every packet is counted (packets, bytes, Opus frames, silence frames, the audio's
length from each frame's TOC byte, packets that would not open); the Opus frames
themselves are kept only up to a cap (:class:`RecordingLimits`), the oldest going
first, so that a bot playing for an hour costs a bounded amount of memory. Speaking
changes (opcode 5) are kept with the twin's time they came at, also capped.

:meth:`VoiceRecording.audio` decodes the kept frames on request (libopus, through
:mod:`.opus`); nothing decoded is kept.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .audio import Audio
from .codes import Speaking
from .rtp import SAMPLE_RATE, SILENCE, opus_samples

#: Silence frames a client sends before it stops ("Voice Data Interpolation": "send five
#: frames of silence (0xF8, 0xFF, 0xFE) before stopping").
TRAILING_SILENCE = 5


@dataclass(frozen=True, slots=True)
class RecordingLimits:
    """How much of a voice connection's audio the twin keeps: ``frames`` Opus frames
    (3000: a minute of 20 ms frames) and ``frame_bytes`` of them (4 MiB), whichever
    comes first, and ``speaking_changes`` speaking updates. The counts are kept whole."""

    frames: int = 3000
    frame_bytes: int = 4 * 1024 * 1024
    speaking_changes: int = 1000


@dataclass(frozen=True, slots=True)
class SpeakingChange:
    #: The twin's clock when the update arrived.
    at: float
    speaking: Speaking
    ssrc: int


@dataclass(eq=False)
class VoiceRecording:
    """One voice connection (one IDENTIFY, kept across RESUMEs): its audio, counted."""

    guild_id: int
    channel_id: int | None
    user_id: int
    ssrc: int
    limits: RecordingLimits = field(default_factory=RecordingLimits)
    mode: str | None = None
    started_at: float = 0.0
    ended_at: float | None = None
    #: The close code that ended it (None while it lasts).
    close_code: int | None = None
    packets: int = 0
    #: Bytes of the packets as they arrived (headers and seals included).
    received_bytes: int = 0
    #: Opus frames that opened, silence frames among them.
    frames: int = 0
    silence_frames: int = 0
    #: Silence frames since the last frame of audio.
    trailing_silence: int = 0
    #: 48 kHz samples of audio in the frames, silence frames apart.
    samples: int = 0
    silence_samples: int = 0
    #: Packets whose seal did not open with the session's key, or that were not RTP.
    undecryptable: int = 0
    malformed: int = 0
    #: Frames that came while the last speaking update said "not speaking" (or before
    #: any: Discord wants one first).
    unannounced: int = 0
    speaking_changes: deque[SpeakingChange] = field(default_factory=deque)
    speaking: Speaking = Speaking.NONE
    #: The newest Opus frames (see :class:`RecordingLimits`), and their bytes.
    opus: deque[bytes] = field(default_factory=deque)
    opus_bytes: int = 0
    #: Frames that left :attr:`opus` to stay under the limits.
    opus_dropped: int = 0

    @property
    def seconds(self) -> float:
        """Audio received, in seconds, silence frames apart."""
        return self.samples / SAMPLE_RATE

    @property
    def silence_seconds(self) -> float:
        return self.silence_samples / SAMPLE_RATE

    @property
    def spoke(self) -> bool:
        """Whether the client ever said it was speaking (any bit of opcode 5)."""
        return any(change.speaking for change in self.speaking_changes)

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def arrived(self, size: int) -> None:
        self.packets += 1
        self.received_bytes += size

    def frame(self, opus: bytes) -> None:
        """A frame that opened."""
        self.frames += 1
        samples = opus_samples(opus)
        if opus == SILENCE:
            self.silence_frames += 1
            self.trailing_silence += 1
            self.silence_samples += samples
        else:
            self.trailing_silence = 0
            self.samples += samples
            if not self.speaking:
                self.unannounced += 1
        self.opus.append(opus)
        self.opus_bytes += len(opus)
        limits = self.limits
        while self.opus and (len(self.opus) > limits.frames
                             or self.opus_bytes > limits.frame_bytes):
            self.opus_bytes -= len(self.opus.popleft())
            self.opus_dropped += 1

    def audio(self) -> Audio:
        """The kept Opus frames decoded in order by one fresh libopus decoder (48 kHz,
        16-bit stereo), with measures (:class:`~.audio.Audio`). It covers only the frames
        still kept: ``dropped`` says how many older ones are not in it. Decoded anew at
        every call; :class:`~.opus.OpusUnavailable` without libopus."""
        from .opus import decode

        dropped = self.opus_dropped
        frames = list(self.opus)  # a snapshot: the twin's loop may be appending
        decoded = decode(frames)
        return Audio(decoded.pcm, decoded.frames, dropped, decoded.concealed)

    def pcm(self) -> bytes:
        """:meth:`audio`'s PCM: 48 kHz, 16-bit, stereo interleaved, little-endian."""
        return self.audio().pcm

    def speak(self, at: float, speaking: int, ssrc: int) -> None:
        flags = Speaking(speaking & 0x7)
        self.speaking = flags
        self.speaking_changes.append(SpeakingChange(at, flags, ssrc))
        while len(self.speaking_changes) > self.limits.speaking_changes:
            self.speaking_changes.popleft()

    def describe(self) -> str:
        state = "live" if self.active else f"ended {self.close_code}"
        return (f"guild {self.guild_id} channel {self.channel_id} ssrc {self.ssrc} "
                f"({state}): {self.packets} packets, {self.frames} frames, "
                f"{self.seconds:.2f}s audio, {self.silence_frames} silence, "
                f"speaking {int(self.speaking)}")


__all__ = ["TRAILING_SILENCE", "RecordingLimits", "SpeakingChange", "VoiceRecording"]
