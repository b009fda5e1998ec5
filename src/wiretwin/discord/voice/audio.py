"""Decoded audio and the measures a test asserts on: length, level, audible time, pitch.

:class:`Audio` holds 48 kHz, 16-bit, stereo interleaved PCM (what
:meth:`VoiceRecording.audio <wiretwin.discord.voice.recording.VoiceRecording.audio>`
decodes from the Opus frames the twin kept) and measures it on request. Levels are
fractions of full scale (1.0 is a sample of 32768), so ``0.01`` is -40 dBFS. The audio
is cut into 20 ms windows (an Opus frame's usual length): a window is *audible* when
its RMS level reaches the threshold. The frequency is estimated from zero crossings of
the two channels' sum within the audible stretches: right for a tone, a rough "pitch" for
anything else. Pure: no I/O, no libopus.
"""

from __future__ import annotations

import array
import itertools
import math
import operator
import sys
from dataclasses import dataclass

from .rtp import SAMPLE_RATE

#: Channels, bytes per sample, and bytes per second of the PCM.
CHANNELS = 2
SAMPLE_BYTES = 2
BYTES_PER_SECOND = SAMPLE_RATE * CHANNELS * SAMPLE_BYTES
#: A window: 20 ms, in samples per channel.
WINDOW = SAMPLE_RATE // 50
#: The default threshold of :meth:`Audio.audible_seconds` (-40 dBFS).
AUDIBLE = 0.01
_FULL_SCALE = 32768.0


def samples(pcm: bytes) -> array.array[int]:
    """``pcm`` as signed 16-bit samples (little-endian, as Opus decodes; a trailing odd
    byte is dropped)."""
    values = array.array("h")
    values.frombytes(pcm[:len(pcm) - len(pcm) % SAMPLE_BYTES])
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _rms(values: array.array[int]) -> float:
    if not values:
        return 0.0
    return math.sqrt(sum(map(operator.mul, values, values)) / len(values)) / _FULL_SCALE


@dataclass(frozen=True)
class Audio:
    """Decoded PCM (48 kHz, 16-bit, stereo interleaved) and measures over it.

    It covers only the Opus frames the twin kept (the newest, see
    :class:`~wiretwin.discord.voice.recording.RecordingLimits`): ``dropped`` frames
    older than those are not in it. Silence frames are decoded with the rest.
    """

    pcm: bytes
    #: Opus frames decoded.
    frames: int = 0
    #: Frames left out because the twin no longer kept them (the oldest).
    dropped: int = 0
    #: Frames libopus refused, decoded as lost packets (concealment).
    concealed: int = 0

    @property
    def seconds(self) -> float:
        """How long the PCM lasts (silence frames included)."""
        return len(self.pcm) / BYTES_PER_SECOND

    @property
    def rms(self) -> float:
        """The RMS level over the whole PCM, both channels (0.0 to 1.0 of full scale)."""
        return _rms(samples(self.pcm))

    @property
    def peak(self) -> float:
        """The largest sample's magnitude (0.0 to 1.0 of full scale)."""
        values = samples(self.pcm)
        if not values:
            return 0.0
        return max(max(values), -min(values)) / _FULL_SCALE

    def _runs(self, threshold: float) -> list[array.array[int]]:
        """The audible stretches: runs of adjacent audible windows, each one array."""
        values = samples(self.pcm)
        step = WINDOW * CHANNELS
        runs: list[array.array[int]] = []
        end = -1
        for start in range(0, len(values), step):
            window = values[start:start + step]
            if _rms(window) < threshold:
                continue
            if start == end:
                runs[-1].extend(window)
            else:
                runs.append(window)
            end = start + step
        return runs

    def audible_seconds(self, threshold: float = AUDIBLE) -> float:
        """Seconds of 20 ms windows whose RMS level reaches ``threshold``."""
        return sum(len(run) for run in self._runs(threshold)) / (SAMPLE_RATE * CHANNELS)

    def frequency(self, threshold: float = AUDIBLE) -> float:
        """The dominant frequency in Hz, from the zero crossings of the channels' sum
        within the audible stretches: half-periods between the first crossing and the
        last, over the time between them (0.0 if nothing audible crosses twice)."""
        halves = span = 0
        for run in self._runs(threshold):
            mono = list(map(operator.add, run[0::2], run[1::2]))
            negative = list(map((0).__gt__, mono))
            at = list(itertools.compress(itertools.count(),
                                         map(operator.ne, negative, negative[1:])))
            if len(at) >= 2:
                halves += len(at) - 1
                span += at[-1] - at[0]
        if span == 0:
            return 0.0
        return halves / 2 / (span / SAMPLE_RATE)

    def describe(self) -> str:
        return (f"{self.seconds:.2f}s decoded ({self.frames} frames, {self.dropped} "
                f"dropped), {self.audible_seconds():.2f}s audible, rms {self.rms:.3f}, "
                f"peak {self.peak:.3f}, ~{self.frequency():.0f} Hz")


__all__ = ["AUDIBLE", "BYTES_PER_SECOND", "WINDOW", "Audio", "samples"]
