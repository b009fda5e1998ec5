"""Java's byte-level readers and writers, as lavaplayer's track encoding uses them.

``DataOutputStream``/``DataInputStream`` (big-endian numbers, ``writeUTF``/``readUTF`` in
*modified* UTF-8: U+0000 as ``C0 80``, characters outside the BMP as two 3-byte
surrogates) and ``Base64.getDecoder()``, each failing with the exception class and
message Java gives (:class:`JavaFailure`), so the node's 500 for a malformed track reads
as Lavalink's. :mod:`.tracks` lays the track format over these.
"""

from __future__ import annotations

import base64
import re
import struct


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


def eof() -> JavaFailure:
    """``EOFException``: the message ended before a read."""
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


class DataWriter:
    """``DataOutputStream``: big-endian numbers and ``writeUTF`` strings."""

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


class DataReader:
    """``DataInputStream`` read leniently (plain UTF-8 accepted): the library decoder's."""

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


class JavaDataReader(DataReader):
    """``DataInputStream`` over the message body: ``EOFException`` past its end and
    ``readUTF``'s modified UTF-8, refusals worded as Java words them."""

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            self.pos = len(self.data)
            raise eof()
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


__all__ = [
    "DataReader",
    "DataWriter",
    "JavaDataReader",
    "JavaFailure",
    "TrackDecodeError",
    "TrackEncodeError",
    "decode_mutf8",
    "encode_mutf8",
    "eof",
    "java_base64",
    "java_read_utf",
]
