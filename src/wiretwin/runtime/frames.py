"""RFC 6455 frames as a server writes them: opcodes and unmasked frames.

Server frames are unmasked, so the bytes of one frame are the same for every receiver:
a fan-out encodes once and writes the same bytes to every socket.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from enum import IntEnum


class Opcode(IntEnum):
    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


def encode_frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0) -> bytes:
    """One unmasked (server-to-client) websocket frame."""
    first = (0x80 if fin else 0) | (rsv & 0x7) << 4 | (opcode & 0x0F)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + payload


def encode_text(text: str) -> bytes:
    return encode_frame(Opcode.TEXT, text.encode())


#: The headers of final text frames shorter than 126 bytes, by length, as text of
#: code points below 256 (each code point one byte in Latin-1).
_SHORT_HEADERS = tuple(chr(0x80 | Opcode.TEXT) + chr(length) for length in range(126))


def _header(length: int) -> str:
    if length < 126:
        return _SHORT_HEADERS[length]
    if length < 1 << 16:
        return "\x81\x7e" + struct.pack("!H", length).decode("latin-1")
    return "\x81\x7f" + struct.pack("!Q", length).decode("latin-1")


def encode_texts(texts: Sequence[str]) -> bytes:
    """Text frames one after another: :func:`encode_text` of each, joined.

    ASCII texts (a twin's JSON usually is) are framed as text and encoded once: with the
    headers' bytes spelled as code points below 256, Latin-1 gives every byte as is."""
    if not all(map(str.isascii, texts)):
        return b"".join([encode_text(text) for text in texts])
    parts: list[str] = [""] * (2 * len(texts))
    parts[1::2] = texts
    parts[0::2] = [_header(len(text)) for text in texts]
    return "".join(parts).encode("latin-1")


def encode_close(code: int, reason: str = "") -> bytes:
    return encode_frame(Opcode.CLOSE, struct.pack("!H", code) + reason.encode()[:123])


__all__ = ["Opcode", "encode_close", "encode_frame", "encode_text", "encode_texts"]
