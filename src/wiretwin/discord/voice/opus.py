"""A small ctypes binding to the system's libopus: decoding (and, for test fixtures,
encoding) 48 kHz, 16-bit, stereo PCM, the only format Discord's voice carries.

Nothing here is loaded until asked: :func:`library` finds libopus with
``ctypes.util.find_library("opus")`` the first time a decoder or encoder is made, and
raises :class:`OpusUnavailable` when it is absent ("decoding needs libopus (Debian:
libopus0)"). The functions bound are libopus's public API (opus_decoder.h,
opus_encoder.h in ``opus.h``): ``opus_decoder_create``, ``opus_decode``,
``opus_decoder_destroy``, their encoder counterparts and ``opus_strerror``.

A decoder carries state from frame to frame (prediction, overlap), so one voice
connection's frames go through one decoder, in the order they came: :func:`decode`.
A frame libopus refuses is concealed as lost (``opus_decode`` with no data, for as many
samples as its TOC byte says) and counted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Self

from .audio import CHANNELS, SAMPLE_BYTES
from .rtp import SAMPLE_RATE, opus_samples

#: The longest an Opus packet can last: 120 ms, in samples per channel.
MAX_FRAME_SAMPLES = SAMPLE_RATE * 120 // 1000
#: ``OPUS_APPLICATION_AUDIO`` (opus_defines.h): the encoder mode for music.
APPLICATION_AUDIO = 2049
#: The largest packet :class:`OpusEncoder` writes (what libopus recommends as a bound).
MAX_PACKET = 4000
OPUS_OK = 0
ABSENT = "decoding needs libopus (Debian: libopus0)"

_lock = threading.Lock()
_library: ctypes.CDLL | None = None


class OpusUnavailable(RuntimeError):
    """libopus could not be loaded: "decoding needs libopus (Debian: libopus0)"."""


class OpusError(RuntimeError):
    """libopus returned an error code (its own words in the message)."""

    def __init__(self, function: str, code: int) -> None:
        super().__init__(f"{function}: {strerror(code)} ({code})")
        self.code = code


def _bind(lib: ctypes.CDLL) -> ctypes.CDLL:
    c_int16_p = ctypes.POINTER(ctypes.c_int16)
    c_int_p = ctypes.POINTER(ctypes.c_int)
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "opus_strerror": (ctypes.c_char_p, [ctypes.c_int]),
        "opus_get_version_string": (ctypes.c_char_p, []),
        "opus_decoder_create": (ctypes.c_void_p, [ctypes.c_int32, ctypes.c_int, c_int_p]),
        "opus_decode": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                                       c_int16_p, ctypes.c_int, ctypes.c_int]),
        "opus_decoder_destroy": (None, [ctypes.c_void_p]),
        "opus_encoder_create": (ctypes.c_void_p, [ctypes.c_int32, ctypes.c_int, ctypes.c_int,
                                                  c_int_p]),
        "opus_encode": (ctypes.c_int32, [ctypes.c_void_p, c_int16_p, ctypes.c_int,
                                         ctypes.c_char_p, ctypes.c_int32]),
        "opus_encoder_destroy": (None, [ctypes.c_void_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


def load(path: str | None) -> ctypes.CDLL:
    """libopus at ``path`` (a name or a file), bound; :class:`OpusUnavailable` if there
    is none or it is not libopus."""
    if path is None:
        raise OpusUnavailable(ABSENT)
    try:
        return _bind(ctypes.CDLL(path))
    except (OSError, AttributeError) as error:
        raise OpusUnavailable(f"{ABSENT}: {path}: {error}") from error


def library() -> ctypes.CDLL:
    """The system's libopus (found once, then kept); :class:`OpusUnavailable` if absent."""
    global _library
    with _lock:
        if _library is None:
            _library = load(ctypes.util.find_library("opus"))
        return _library


def available() -> bool:
    """Whether libopus can be loaded here."""
    try:
        library()
    except OpusUnavailable:
        return False
    return True


def version() -> str:
    """libopus's own version string, e.g. ``libopus 1.3.1``."""
    return str(library().opus_get_version_string().decode())


def strerror(code: int) -> str:
    return str(library().opus_strerror(code).decode())


class _Handle:
    """A libopus object: destroyed by :meth:`close` (or leaving a ``with`` block, or
    being collected), once."""

    _handle: int | None = None  # until libopus made one
    _lib: ctypes.CDLL
    #: The libopus function that destroys it.
    _destroy: ClassVar[str]

    def close(self) -> None:
        if self._handle is not None:
            getattr(self._lib, self._destroy)(self._handle)
            self._handle = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


class OpusDecoder(_Handle):
    """One libopus decoder: Opus packets in, 48 kHz 16-bit stereo interleaved PCM out.
    Frames must come in order (the decoder keeps state between them). Close it (or use
    it as a context manager) to free libopus's memory."""

    _destroy = "opus_decoder_destroy"

    def __init__(self, lib: ctypes.CDLL | None = None) -> None:
        self._lib = lib if lib is not None else library()
        error = ctypes.c_int(0)
        handle = self._lib.opus_decoder_create(SAMPLE_RATE, CHANNELS, ctypes.byref(error))
        if error.value != OPUS_OK or not handle:
            raise OpusError("opus_decoder_create", error.value)
        self._handle = handle
        self._pcm = (ctypes.c_int16 * (MAX_FRAME_SAMPLES * CHANNELS))()

    def decode(self, frame: bytes | None, samples: int | None = None) -> bytes:
        """The PCM of one Opus packet; None (a packet lost) conceals ``samples`` per
        channel (20 ms if not said). :class:`OpusError` if libopus refuses the packet."""
        if self._handle is None:
            raise ValueError("the decoder is closed")
        if frame is None:
            wanted = samples if samples is not None else SAMPLE_RATE // 50
            got = self._lib.opus_decode(self._handle, None, 0, self._pcm,
                                        min(wanted, MAX_FRAME_SAMPLES), 0)
        else:
            got = self._lib.opus_decode(self._handle, frame, len(frame), self._pcm,
                                        MAX_FRAME_SAMPLES, 0)
        if got < 0:
            raise OpusError("opus_decode", got)
        return ctypes.string_at(self._pcm, got * CHANNELS * SAMPLE_BYTES)


class OpusEncoder(_Handle):
    """One libopus encoder (``OPUS_APPLICATION_AUDIO``), for making real Opus in tests:
    :meth:`encode` takes one frame of 48 kHz 16-bit stereo PCM (2.5 to 60 ms; 20 ms is
    3840 bytes) and returns the packet."""

    _destroy = "opus_encoder_destroy"


    def __init__(self, lib: ctypes.CDLL | None = None) -> None:
        self._lib = lib if lib is not None else library()
        error = ctypes.c_int(0)
        handle = self._lib.opus_encoder_create(SAMPLE_RATE, CHANNELS, APPLICATION_AUDIO,
                                               ctypes.byref(error))
        if error.value != OPUS_OK or not handle:
            raise OpusError("opus_encoder_create", error.value)
        self._handle = handle
        self._out = ctypes.create_string_buffer(MAX_PACKET)

    def encode(self, pcm: bytes) -> bytes:
        if self._handle is None:
            raise ValueError("the encoder is closed")
        samples = len(pcm) // (CHANNELS * SAMPLE_BYTES)
        buffer = (ctypes.c_int16 * (samples * CHANNELS)).from_buffer_copy(
            pcm[:samples * CHANNELS * SAMPLE_BYTES])
        size = self._lib.opus_encode(self._handle, buffer, samples, self._out, MAX_PACKET)
        if size < 0:
            raise OpusError("opus_encode", size)
        return self._out.raw[:size]


@dataclass(frozen=True, slots=True)
class Decoded:
    """Frames decoded in order by one decoder: the PCM and what could not be decoded."""

    pcm: bytes
    #: Opus frames decoded (the concealed ones among them).
    frames: int
    #: Frames libopus refused, concealed as lost (silence-like PCM of their length).
    concealed: int


def decode(frames: Iterable[bytes]) -> Decoded:
    """``frames`` (one stream, in order) through one fresh decoder."""
    out = bytearray()
    count = concealed = 0
    with OpusDecoder() as decoder:
        for frame in frames:
            count += 1
            try:
                out += decoder.decode(frame)
            except OpusError:
                concealed += 1
                out += decoder.decode(None, opus_samples(frame) or SAMPLE_RATE // 50)
    return Decoded(bytes(out), count, concealed)


__all__ = [
    "Decoded",
    "OpusDecoder",
    "OpusEncoder",
    "OpusError",
    "OpusUnavailable",
    "available",
    "decode",
    "library",
    "load",
    "strerror",
    "version",
]
