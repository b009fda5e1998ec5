"""Tracks: Lavalink's ``encoded`` track format, byte-exact (the Track JSON is built by
:mod:`.wire.serialize`; :meth:`Track.to_json` delegates there).

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
answers with the node's 500. The Java side (``DataInput``/``DataOutput``, modified UTF-8,
``Base64.getDecoder()``) is :mod:`.javaio`; the failures it raises are re-exported here,
as :func:`decode_track` raises them.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass, field, replace
from typing import Any

from ..runtime.lazy import lazy_exports
from . import javaio
from .javaio import (
    DataReader,
    DataWriter,
    JavaDataReader,
    JavaFailure,
    TrackDecodeError,
    TrackEncodeError,
    eof,
)
from .wire import serialize

FORMAT_VERSION = 3
#: Sources whose encoded tracks carry LavaSrc's extra fields.
LAVASRC_SOURCES = frozenset({"spotify", "applemusic", "deezer", "yandexmusic", "vkmusic",
                             "tidal", "qobuz", "jiosaavn"})
#: Sources that write one UTF probe string.
PROBE_SOURCES = frozenset({"http", "local"})
#: What Lavalink reports as the length of a stream (Long.MAX_VALUE).
STREAM_LENGTH = 2**63 - 1


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


@dataclass(frozen=True)
class LavaSrcFields:
    """What LavaSrc sources add to an encoded track (and report as ``pluginInfo``)."""

    album_name: str | None = None
    album_url: str | None = None
    artist_url: str | None = None
    artist_artwork_url: str | None = None
    preview_url: str | None = None
    is_preview: bool = False


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
        """Lavalink's Track object: :func:`.wire.serialize.track_object_json`."""
        return serialize.track_object_json(self)


def encode_track(track: Track, version: int = FORMAT_VERSION) -> str:
    info = track.info
    w = DataWriter()
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
    r = DataReader(raw[4:4 + size])
    version = r.u8() if flags & 1 else 1
    if version not in (1, 2, 3):
        raise TrackDecodeError(f"unsupported track version {version}")
    track = _read_body(r, version, known_sources)
    assert track is not None
    return track


def _decode_java(encoded: str, known_sources: frozenset[str] | None) -> Track:
    """``decodeTrack`` in Lavalink: ``MessageInput.nextMessage``, the body, then
    ``skipRemainingBytes``; a null track is Lavalink's ``IllegalStateException``."""
    raw = javaio.java_base64(encoded)
    if len(raw) < 4:
        raise eof()
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
    r = JavaDataReader(body)
    version = r.u8() if flags & 1 else 1
    track = _read_body(r, version, known_sources)
    if size > r.pos and size - r.pos > len(body) - r.pos:
        raise JavaFailure("java.io.EOFException", f"Bytes to skip: {size - r.pos} actual: "
                                                  f"{len(body) - r.pos}", io=True)
    if track is None:
        raise JavaFailure("java.lang.IllegalStateException", "Failed to decode track due to "
                          "a mismatching version or missing source manager", io=False)
    return track


def _read_body(r: DataReader, version: int, known_sources: frozenset[str] | None
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
        if not isinstance(r, JavaDataReader):
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


#: Java's byte-level helpers moved to :mod:`.javaio`; the old names still read, warning.
__getattr__, __dir__ = lazy_exports(__name__, {}, moved={
    name: "wiretwin.lavalink.javaio"
    for name in ("decode_mutf8", "encode_mutf8", "java_base64", "java_read_utf")})

__all__ = [
    "FORMAT_VERSION",
    "STREAM_LENGTH",
    "JavaFailure",
    "LavaSrcFields",
    "Track",
    "TrackDecodeError",
    "TrackEncodeError",
    "TrackInfo",
    "decode_track",
    "encode_track",
]
