"""RFC 6455 frames as a server writes them: opcodes and unmasked frames.

Server frames are unmasked, so the bytes of one frame are the same for every receiver:
a fan-out encodes once and writes the same bytes to every socket.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
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


#: The two-byte headers of final text frames shorter than 126 bytes, by length.
_SHORT_TEXT = tuple(bytes((0x80 | Opcode.TEXT, length)) for length in range(126))


def encode_texts(texts: Iterable[str]) -> bytes:
    """Text frames one after another: :func:`encode_text` of each, joined."""
    parts: list[bytes] = []
    add = parts.append
    for text in texts:
        payload = text.encode()
        if len(payload) < 126:
            add(_SHORT_TEXT[len(payload)])
            add(payload)
        else:
            add(encode_frame(Opcode.TEXT, payload))
    return b"".join(parts)


def encode_close(code: int, reason: str = "") -> bytes:
    return encode_frame(Opcode.CLOSE, struct.pack("!H", code) + reason.encode()[:123])


__all__ = ["Opcode", "encode_close", "encode_frame", "encode_text", "encode_texts"]
