"""Tracks: Lavalink's ``encoded`` track format, byte-exact, and the Track JSON.

Format (lavaplayer ``DefaultAudioPlayerManager.encodeTrack``): base64 of a message whose
big-endian ``int32`` header is ``flags << 30 | size``, then ``size`` bytes of body:

* ``u8 version`` (when flag bit 0 is set; version 1 otherwise); the twin writes **3**;
* ``title``, ``author`` (Java ``writeUTF``: u16 length, *modified* UTF-8);
* ``i64 length``, ``identifier``, ``bool isStream``;
* ``uri`` (nullable, v2+), ``artworkUrl``, ``isrc`` (nullable, v3+);
* ``sourceName``, then the source's own bytes (a probe string for ``http``/``local``, the
  LavaSrc album/artist/preview fields for spotify, applemusic, deezer), then
  ``i64 position``.

Modified UTF-8 writes U+0000 as ``C0 80`` and characters outside the BMP as two 3-byte
surrogates. There is no trailing terminator; bytes left in the body are ignored.

Two decoders. :func:`decode_track` is a library function: it accepts plain UTF-8 too
(lavalink.py and NodeLink encode plain UTF-8) and versions 1-3. The node itself decodes
as Java and lavaplayer do (``decode_track(..., java=True)``): ``Base64.getDecoder()``
with its error messages, ``DataInput.readUTF`` (a 4-byte UTF-8 sequence is "malformed
input"), any version byte, a size of 0 read as "no message", and the body's declared
size skipped to its end. Each failure is a :class:`JavaFailure` naming the exception
Lavalink would surface (an ``IOException`` or a runtime exception), so the REST layer
answers with the node's 500.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass, field, replace
from typing import Any

FORMAT_VERSION = 3
#: Sources whose encoded tracks carry LavaSrc's extra fields.
LAVASRC_SOURCES = frozenset({"spotify", "applemusic", "deezer", "yandexmusic", "vkmusic",
                             "tidal", "qobuz", "jiosaavn"})
#: Sources that write one UTF probe string.
PROBE_SOURCES = frozenset({"http", "local"})
#: What Lavalink reports as the length of a stream (Long.MAX_VALUE).
STREAM_LENGTH = 2**63 - 1


class TrackDecodeError(ValueError):
    """Not a track this server can decode."""


class JavaFailure(TrackDecodeError):
    """How decoding fails in Lavalink: ``exception`` is the Java class, ``message`` its
    message (None when it has none); ``io`` for an ``IOException`` (Spring rethrows those
    unwrapped, so the error body shows the bare message)."""

    def __init__(self, exception: str, message: str | None, *, io: bool) -> None:
        super().__init__(f"{exception}: {message}" if message else exception)
        self.exception = exception
        self.message = message
        self.io = io


def _eof() -> JavaFailure:
    return JavaFailure("java.io.EOFException", None, io=True)


class TrackEncodeError(ValueError):
    """A string too long for ``DataOutput.writeUTF`` (65,535 bytes), in Java's words."""


# -- modified UTF-8 ----------------------------------------------------------------------


def encode_mutf8(text: str) -> bytes:
    out = bytearray()
    units = text.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(units), 2):
        c = units[i] << 8 | units[i + 1]
        if 0x0001 <= c <= 0x007F:
            out.append(c)
        elif c <= 0x07FF:
            out += bytes((0xC0 | c >> 6, 0x80 | c & 0x3F))
        else:
            out += bytes((0xE0 | c >> 12, 0x80 | c >> 6 & 0x3F, 0x80 | c & 0x3F))
    return bytes(out)


def decode_mutf8(data: bytes) -> str:
    """Modified UTF-8 (surrogate pairs, ``C0 80``) or plain UTF-8 (4-byte sequences)."""
    units: list[int] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            units.append(b)
            i += 1
            continue
        # Java's readUTF refuses a sequence whose continuation bytes are not 10xxxxxx.
        width = 2 if b >> 5 == 0b110 else 3 if b >> 4 == 0b1110 else 4
        if any(c & 0xC0 != 0x80 for c in data[i + 1:i + width]):
            raise TrackDecodeError(f"malformed UTF-8 sequence at byte {i}")
        if b >> 5 == 0b110 and i + 1 < n:
            units.append((b & 0x1F) << 6 | data[i + 1] & 0x3F)
            i += 2
        elif b >> 4 == 0b1110 and i + 2 < n:
            units.append((b & 0x0F) << 12 | (data[i + 1] & 0x3F) << 6 | data[i + 2] & 0x3F)
            i += 3
        elif b >> 3 == 0b11110 and i + 3 < n:
            cp = ((b & 0x07) << 18 | (data[i + 1] & 0x3F) << 12 | (data[i + 2] & 0x3F) << 6
                  | data[i + 3] & 0x3F) - 0x10000
            units += [0xD800 | cp >> 10, 0xDC00 | cp & 0x3FF]
            i += 4
        else:
            raise TrackDecodeError(f"malformed UTF-8 byte 0x{b:02x}")
    raw = b"".join(struct.pack(">H", u) for u in units)
    return raw.decode("utf-16-be", "surrogatepass")


class _Writer:
    def __init__(self) -> None:
        self.buf = bytearray()

    def utf(self, text: str) -> None:
        data = encode_mutf8(text)
        if len(data) > 0xFFFF:
            raise TrackEncodeError(f"encoded string ({text[:8]}...{text[-8:]}) too long: "
                                   f"{len(data)} bytes")
        self.buf += struct.pack(">H", len(data)) + data

    def nullable_utf(self, text: str | None) -> None:
        self.boolean(text is not None)
        if text is not None:
            self.utf(text)

    def long(self, value: int) -> None:
        self.buf += struct.pack(">q", value)

    def boolean(self, value: bool) -> None:
        self.buf.append(1 if value else 0)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise TrackDecodeError("the track ends too early")
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def boolean(self) -> bool:
        return self.u8() != 0

    def long(self) -> int:
        value: int = struct.unpack(">q", self.take(8))[0]
        return value

    def utf(self) -> str:
        (length,) = struct.unpack(">H", self.take(2))
        return decode_mutf8(self.take(length))

    def nullable_utf(self) -> str | None:
        return self.utf() if self.boolean() else None

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos


class _JavaReader(_Reader):
    """``DataInputStream`` over the message body: ``EOFException`` past its end and
    ``readUTF``'s modified UTF-8, refusals worded as Java words them."""

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            self.pos = len(self.data)
            raise _eof()
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def utf(self) -> str:
        (length,) = struct.unpack(">H", self.take(2))
        return java_read_utf(self.take(length))


def java_read_utf(data: bytes) -> str:
    """``DataInputStream.readUTF`` on ``data`` (its length already read): one, two and
    three byte forms only, each checked as Java checks it."""
    units: list[int] = []
    count, n = 0, len(data)
    while count < n:
        c = data[count]
        kind = c >> 4
        if kind <= 7:
            count += 1
            units.append(c)
        elif kind in (12, 13):
            count += 2
            if count > n:
                raise _malformed("malformed input: partial character at end")
            c2 = data[count - 1]
            if c2 & 0xC0 != 0x80:
                raise _malformed(f"malformed input around byte {count}")
            units.append((c & 0x1F) << 6 | c2 & 0x3F)
        elif kind == 14:
            count += 3
            if count > n:
                raise _malformed("malformed input: partial character at end")
            c2, c3 = data[count - 2], data[count - 1]
            if c2 & 0xC0 != 0x80 or c3 & 0xC0 != 0x80:
                raise _malformed(f"malformed input around byte {count - 1}")
            units.append((c & 0x0F) << 12 | (c2 & 0x3F) << 6 | c3 & 0x3F)
        else:
            raise _malformed(f"malformed input around byte {count}")
    return struct.pack(f">{len(units)}H", *units).decode("utf-16-be", "surrogatepass")


def _malformed(message: str) -> JavaFailure:
    return JavaFailure("java.io.UTFDataFormatException", message, io=True)


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUE = {ord(ch): i for i, ch in enumerate(_B64)}
_B64_PLAIN = re.compile(r"[A-Za-z0-9+/]*")
_B64_PADDED = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)")


def java_base64(text: str) -> bytes:
    """``Base64.getDecoder().decode(text)``: padding optional, anything else refused with
    Java's ``IllegalArgumentException`` message."""
    if len(text) == 1:
        raise _illegal("Input byte[] should at least have 2 bytes for base64 bytes")
    if _B64_PLAIN.fullmatch(text):
        if len(text) % 4 == 1:
            raise _illegal("Last unit does not have enough valid bits")
        return base64.b64decode(text + "=" * (-len(text) % 4))
    if _B64_PADDED.fullmatch(text):
        return base64.b64decode(text)
    return _java_base64_slow(text.encode("latin-1", "replace"))


def _java_base64_slow(src: bytes) -> bytes:
    out = bytearray()
    bits, shift, sp, n = 0, 18, 0, len(src)
    while sp < n:
        b = src[sp]
        sp += 1
        value = _B64_VALUE.get(b)
        if value is None:
            if b == ord("="):
                if (shift == 6 and (sp == n or src[(sp := sp + 1) - 1] != ord("="))) \
                        or shift == 18:
                    raise _illegal("Input byte array has wrong 4-byte ending unit")
                break
            signed = b - 256 if b > 127 else b
            raise _illegal(f"Illegal base64 character {signed:x}")
        bits |= value << shift
        shift -= 6
        if shift < 0:
            out += bytes((bits >> 16 & 0xFF, bits >> 8 & 0xFF, bits & 0xFF))
            shift, bits = 18, 0
    if shift == 6:
        out.append(bits >> 16 & 0xFF)
    elif shift == 0:
        out += bytes((bits >> 16 & 0xFF, bits >> 8 & 0xFF))
    elif shift == 12:
        raise _illegal("Last unit does not have enough valid bits")
    if sp < n:
        raise _illegal(f"Input byte array has incorrect ending byte at {sp}")
    return bytes(out)


def _illegal(message: str) -> JavaFailure:
    return JavaFailure("java.lang.IllegalArgumentException", message, io=False)


# -- tracks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackInfo:
    identifier: str
    title: str
    author: str
    length: int
    source_name: str
    is_stream: bool = False
    uri: str | None = None
    artwork_url: str | None = None
    isrc: str | None = None
    position: int = 0

    @property
    def is_seekable(self) -> bool:
        return not self.is_stream

    def to_json(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier, "isSeekable": self.is_seekable,
            "author": self.author, "length": self.length, "isStream": self.is_stream,
            "position": self.position, "title": self.title, "uri": self.uri,
            "sourceName": self.source_name, "artworkUrl": self.artwork_url,
            "isrc": self.isrc,
        }


@dataclass(frozen=True)
class LavaSrcFields:
    """What LavaSrc sources add to an encoded track (and report as ``pluginInfo``)."""

    album_name: str | None = None
    album_url: str | None = None
    artist_url: str | None = None
    artist_artwork_url: str | None = None
    preview_url: str | None = None
    is_preview: bool = False

    def plugin_info(self) -> dict[str, Any]:
        return {"albumName": self.album_name, "albumUrl": self.album_url,
                "artistUrl": self.artist_url, "artistArtworkUrl": self.artist_artwork_url,
                "previewUrl": self.preview_url, "isPreview": self.is_preview}


@dataclass(frozen=True)
class Track:
    """A playable track: its info, source extras and, on the wire, its encoding."""

    info: TrackInfo
    #: ``http``/``local``: the probe (container) name, e.g. ``mp3`` or ``mpegts``.
    probe_info: str | None = None
    lavasrc: LavaSrcFields | None = None
    user_data: dict[str, Any] = field(default_factory=dict)

    @property
    def encoded(self) -> str:
        return encode_track(self)

    @property
    def title(self) -> str:
        return self.info.title

    @property
    def author(self) -> str:
        return self.info.author

    @property
    def length(self) -> int:
        return self.info.length

    @property
    def identifier(self) -> str:
        return self.info.identifier

    @property
    def uri(self) -> str | None:
        return self.info.uri

    def at(self, position: int) -> Track:
        """The same track with ``info.position`` (and so its encoding) at ``position``."""
        return replace(self, info=replace(self.info, position=position))

    def with_user_data(self, user_data: dict[str, Any]) -> Track:
        return replace(self, user_data=dict(user_data))

    def to_json(self) -> dict[str, Any]:
        """Lavalink's Track object (``pluginInfo`` and ``userData`` always present)."""
        return {"encoded": self.encoded, "info": self.info.to_json(),
                "pluginInfo": self.lavasrc.plugin_info() if self.lavasrc else {},
                "userData": dict(self.user_data)}


def encode_track(track: Track, version: int = FORMAT_VERSION) -> str:
    info = track.info
    w = _Writer()
    w.buf.append(version)
    w.utf(info.title)
    w.utf(info.author)
    w.long(info.length)
    w.utf(info.identifier)
    w.boolean(info.is_stream)
    if version >= 2:
        w.nullable_utf(info.uri)
    if version >= 3:
        w.nullable_utf(info.artwork_url)
        w.nullable_utf(info.isrc)
    w.utf(info.source_name)
    if info.source_name in PROBE_SOURCES:
        w.utf(track.probe_info or "")
    elif info.source_name in LAVASRC_SOURCES:
        extra = track.lavasrc or LavaSrcFields()
        for value in (extra.album_name, extra.album_url, extra.artist_url,
                      extra.artist_artwork_url, extra.preview_url):
            w.nullable_utf(value)
        w.boolean(extra.is_preview)
    w.long(info.position)
    body = bytes(w.buf)
    return base64.b64encode(struct.pack(">i", 1 << 30 | len(body)) + body).decode()


def decode_track(encoded: str, known_sources: frozenset[str] | None = None, *,
                 java: bool = False) -> Track:
    """Decode versions 1-3; ``known_sources`` limits the sources accepted (as a server
    without that source manager would refuse the track). With ``java``, decode exactly as
    Lavalink does and fail with its :class:`JavaFailure` s (see the module docstring)."""
    if java:
        return _decode_java(encoded, known_sources)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise TrackDecodeError("not base64") from None
    if len(raw) < 4:
        raise TrackDecodeError("too short to be a track")
    (header,) = struct.unpack(">I", raw[:4])
    flags, size = header >> 30, header & 0x3FFFFFFF
    if size > len(raw) - 4:
        raise TrackDecodeError("the track ends too early")
    r = _Reader(raw[4:4 + size])
    version = r.u8() if flags & 1 else 1
    if version not in (1, 2, 3):
        raise TrackDecodeError(f"unsupported track version {version}")
    track = _read_body(r, version, known_sources)
    assert track is not None
    return track


def _decode_java(encoded: str, known_sources: frozenset[str] | None) -> Track:
    """``decodeTrack`` in Lavalink: ``MessageInput.nextMessage``, the body, then
    ``skipRemainingBytes``; a null track is Lavalink's ``IllegalStateException``."""
    raw = java_base64(encoded)
    if len(raw) < 4:
        raise _eof()
    (header,) = struct.unpack(">I", raw[:4])
    flags, size = header >> 30, header & 0x3FFFFFFF
    if size == 0:
        # nextMessage() returns null, decodeTrack() returns null, and Lavalink reads
        # ``.decodedTrack`` off it.
        raise JavaFailure(
            "java.lang.NullPointerException", 'Cannot read field "decodedTrack" because '
            'the return value of "com.sedmelluq.discord.lavaplayer.player.AudioPlayer'
            'Manager.decodeTrack(com.sedmelluq.discord.lavaplayer.tools.io.MessageInput)" '
            "is null", io=False)
    body = raw[4:4 + size]
    r = _JavaReader(body)
    version = r.u8() if flags & 1 else 1
    track = _read_body(r, version, known_sources)
    if size > r.pos and size - r.pos > len(body) - r.pos:
        raise JavaFailure("java.io.EOFException", f"Bytes to skip: {size - r.pos} actual: "
                                                  f"{len(body) - r.pos}", io=True)
    if track is None:
        raise JavaFailure("java.lang.IllegalStateException", "Failed to decode track due to "
                          "a mismatching version or missing source manager", io=False)
    return track


def _read_body(r: _Reader, version: int, known_sources: frozenset[str] | None
               ) -> Track | None:
    """The fields after the version byte; None for a source nobody here decodes (its
    position is still read, as lavaplayer reads it)."""
    title, author = r.utf(), r.utf()
    length = r.long()
    identifier = r.utf()
    is_stream = r.boolean()
    uri = r.nullable_utf() if version >= 2 else None
    artwork = r.nullable_utf() if version >= 3 else None
    isrc = r.nullable_utf() if version >= 3 else None
    source = r.utf()
    if known_sources is not None and source not in known_sources:
        if not isinstance(r, _JavaReader):
            raise TrackDecodeError(f"no source manager for {source!r}")
        r.long()
        return None
    probe: str | None = None
    lavasrc: LavaSrcFields | None = None
    if source in PROBE_SOURCES:
        probe = r.utf()
    elif source in LAVASRC_SOURCES and r.remaining > 8:
        album, album_url, artist_url, artist_art, preview = (r.nullable_utf() for _ in range(5))
        lavasrc = LavaSrcFields(album, album_url, artist_url, artist_art, preview, r.boolean())
    position = r.long()
    info = TrackInfo(identifier, title, author, length, source, is_stream, uri, artwork, isrc,
                     position)
    return Track(info, probe, lavasrc)


__all__ = [
    "FORMAT_VERSION",
    "STREAM_LENGTH",
    "JavaFailure",
    "LavaSrcFields",
    "Track",
    "TrackDecodeError",
    "TrackEncodeError",
    "TrackInfo",
    "decode_mutf8",
    "decode_track",
    "encode_mutf8",
    "encode_track",
    "java_base64",
    "java_read_utf",
]
