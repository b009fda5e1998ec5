"""The voice server's decoding: the ctypes binding to libopus (real libopus, frames made
by its own encoder) and the measures over decoded PCM (on PCM made here)."""

from __future__ import annotations

import array
import math

import pytest

from wiretwin.discord.voice import opus
from wiretwin.discord.voice.audio import Audio
from wiretwin.discord.voice.control import Played
from wiretwin.discord.voice.recording import RecordingLimits, VoiceRecording
from wiretwin.discord.voice.rtp import SILENCE

needs_libopus = pytest.mark.skipif(not opus.available(), reason=opus.ABSENT)
FRAME = 3840  # bytes of 20 ms of 48 kHz 16-bit stereo


def tone(seconds: float, hz: float = 440.0, amplitude: int = 8000,
         right: bool = True) -> bytes:
    samples = array.array("h")
    for n in range(int(48_000 * seconds)):
        value = int(amplitude * math.sin(2 * math.pi * hz * n / 48_000))
        samples.extend((value, value if right else 0))
    return samples.tobytes()


def encoded(pcm: bytes) -> list[bytes]:
    with opus.OpusEncoder() as encoder:
        return [encoder.encode(pcm[i:i + FRAME]) for i in range(0, len(pcm), FRAME)]


# -- the measures (no libopus) ------------------------------------------------------------


def test_levels_of_a_tone_and_of_silence() -> None:
    audio = Audio(tone(0.5) + bytes(FRAME * 25))  # 0.5 s of tone, 0.5 s of zeros
    assert audio.seconds == pytest.approx(1.0)
    assert audio.peak == pytest.approx(8000 / 32768, rel=1e-3)
    # a sine's RMS is its amplitude over sqrt(2); half the time is silent
    assert audio.rms == pytest.approx(8000 / math.sqrt(2) / 32768 / math.sqrt(2), rel=1e-2)
    assert audio.audible_seconds() == pytest.approx(0.5)
    assert audio.audible_seconds(threshold=0.5) == 0.0
    assert Audio(bytes(FRAME * 10)).audible_seconds() == 0.0


@pytest.mark.parametrize("hz", [110.0, 440.0, 1000.0, 3000.0])
def test_frequency_from_zero_crossings(hz: float) -> None:
    assert Audio(tone(1.0, hz)).frequency() == pytest.approx(hz, rel=0.01)


def test_frequency_counts_only_audible_windows_and_either_channel() -> None:
    padded = bytes(FRAME * 50) + tone(0.5, 440.0, right=False) + bytes(FRAME * 50)
    audio = Audio(padded)
    assert audio.frequency() == pytest.approx(440.0, rel=0.01)
    assert audio.audible_seconds() == pytest.approx(0.5)
    assert Audio(bytes(FRAME * 5)).frequency() == 0.0
    assert Audio(b"").rms == Audio(b"").peak == Audio(b"").seconds == 0.0


# -- the binding --------------------------------------------------------------------------


def test_a_library_that_is_not_there_is_a_clear_error() -> None:
    with pytest.raises(opus.OpusUnavailable, match=r"libopus \(Debian: libopus0\)"):
        opus.load(None)
    with pytest.raises(opus.OpusUnavailable, match="libopus0"):
        opus.load("/nonexistent/libopus-not-here.so")


@needs_libopus
def test_encode_then_decode_keeps_length_and_pitch() -> None:
    assert opus.version().startswith("libopus")
    frames = encoded(tone(1.0))
    assert len(frames) == 50 and all(f[0] >> 3 == 31 for f in frames)  # CELT 20 ms, FB
    decoded = opus.decode(frames)
    assert (decoded.frames, decoded.concealed) == (50, 0)
    audio = Audio(decoded.pcm, decoded.frames)
    assert audio.seconds == pytest.approx(1.0)
    assert audio.frequency() == pytest.approx(440.0, rel=0.02)
    assert audio.peak == pytest.approx(8000 / 32768, rel=0.1)
    assert audio.audible_seconds() >= 0.96  # the codec's start-up delay is a few ms


@needs_libopus
def test_silence_frames_decode_to_silence_and_junk_is_concealed() -> None:
    decoded = opus.decode([SILENCE] * 5 + [b"\x03"])  # code 3 with no count: refused
    assert (decoded.frames, decoded.concealed) == (6, 1)
    assert len(decoded.pcm) == 6 * FRAME
    assert Audio(decoded.pcm).peak < 0.001
    with opus.OpusDecoder() as decoder, pytest.raises(opus.OpusError, match="-4"):
        decoder.decode(b"\x03")
    with pytest.raises(ValueError, match="closed"):
        decoder.decode(SILENCE)


@needs_libopus
def test_a_recording_decodes_only_the_frames_it_kept() -> None:
    frames = encoded(tone(1.0))
    rec = VoiceRecording(1, 2, 3, 4, limits=RecordingLimits(frames=30))
    for frame in frames + [SILENCE] * 5:
        rec.frame(frame)
    audio = rec.audio()
    assert (audio.frames, audio.dropped) == (30, 25)
    assert audio.seconds == pytest.approx(0.6)  # 25 frames of tone, 5 of silence
    assert audio.audible_seconds() == pytest.approx(0.5, abs=0.04)
    assert audio.frequency() == pytest.approx(440.0, rel=0.02)
    assert rec.pcm() == audio.pcm  # decoded anew, the same every time

    other = VoiceRecording(1, 2, 3, 5)
    for frame in encoded(tone(0.2, 1000.0)):
        other.frame(frame)
    both = Played.of([rec, other]).audio()
    assert both.seconds == pytest.approx(0.8)
    assert (both.frames, both.dropped) == (40, 25)
    assert both.pcm == rec.pcm() + other.pcm()
