"""What arrives on the voice server's UDP port: IP discovery and encrypted RTP. Pure.

IP discovery ("Voice Connections", IP Discovery): a 74-byte request (type 1, length 70,
the client's SSRC, 64 bytes of address, a port, all big-endian) answered by a response of
the same shape (type 2) carrying the address and port the packet came from.

Voice: an RTP header (RFC 3550) followed by the Opus frame encrypted with the session's
key, then a 32-bit big-endian counter that is the nonce (the "RTP size" modes). As in
SRTP (RFC 3711 3.1), the header left in clear is the fixed 12 bytes, the CSRCs and, when
the X bit is set, the 4-byte extension preamble; it is the AEAD's additional data. The
extension's body is encrypted with the frame and comes off after decryption. The nonce is
the counter padded with zeros: 24 bytes for XChaCha20-Poly1305, 12 for AES-256-GCM.

The length of an Opus frame in time comes from its TOC byte (RFC 6716 3.1): the
configuration gives each frame's duration, the frame-count code how many frames the
packet holds. ``F8 FF FE`` is the silence frame clients send before they stop.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from .codes import AES256_GCM, XCHACHA20

#: Bytes in an IP discovery request or response.
DISCOVERY_SIZE = 74
#: The Opus frame a client sends five of before it stops ("Voice Data Interpolation").
SILENCE = b"\xf8\xff\xfe"
#: RTP payload type Discord's voice uses for Opus.
OPUS_PAYLOAD_TYPE = 0x78
#: Opus samples per second (every duration is counted in these).
SAMPLE_RATE = 48_000
_HEADER = struct.Struct(">BBHII")
_SILK_MS = (10, 20, 40, 60)
_HYBRID_MS = (10, 20)
_CELT_MS = (2.5, 5, 10, 20)


class PacketError(ValueError):
    """Not an RTP packet the voice server can use (the reason says why)."""


@dataclass(frozen=True, slots=True)
class Discovery:
    ssrc: int


def read_discovery(data: bytes) -> Discovery | None:
    """An IP discovery request, or None if ``data`` is not one."""
    if len(data) != DISCOVERY_SIZE:
        return None
    kind, length, ssrc = struct.unpack_from(">HHI", data)
    if kind != 1 or length != 70:
        return None
    return Discovery(ssrc)


def discovery_response(ssrc: int, address: str, port: int) -> bytes:
    """The answer to a discovery request: the address and port it came from."""
    packet = bytearray(DISCOVERY_SIZE)
    struct.pack_into(">HHI", packet, 0, 2, 70, ssrc)
    raw = address.encode("ascii")[:63]
    packet[8:8 + len(raw)] = raw
    struct.pack_into(">H", packet, DISCOVERY_SIZE - 2, port)
    return bytes(packet)


@dataclass(frozen=True, slots=True)
class RtpPacket:
    """An RTP packet split where the "RTP size" modes split it."""

    sequence: int
    timestamp: int
    ssrc: int
    payload_type: int
    #: The header left in clear (the AEAD's additional data).
    header: bytes
    #: What was encrypted: the extension body (if any), then the Opus frame.
    ciphertext: bytes
    #: The 4-byte counter the nonce is made from.
    nonce: bytes
    #: Bytes of extension body to drop from the decrypted payload.
    extension: int


def read_rtp(data: bytes) -> RtpPacket:
    """Split a voice packet; :class:`PacketError` if it cannot be one."""
    if len(data) < _HEADER.size + 4:
        raise PacketError(f"{len(data)} bytes: too short for RTP")
    first, second, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
    if first >> 6 != 2:
        raise PacketError(f"RTP version {first >> 6}, not 2")
    size = _HEADER.size + 4 * (first & 0x0F)
    extension = 0
    if first & 0x10:
        if len(data) < size + 4:
            raise PacketError("the extension header is cut short")
        (words,) = struct.unpack_from(">H", data, size + 2)
        extension = 4 * words
        size += 4
    if len(data) < size + 4 + 16:  # header, at least an AEAD tag, the nonce
        raise PacketError(f"{len(data)} bytes: no room for a sealed payload")
    return RtpPacket(sequence, timestamp, ssrc, second & 0x7F, bytes(data[:size]),
                     bytes(data[size:-4]), bytes(data[-4:]), extension)


Decrypt = Callable[[RtpPacket], bytes]


def decryptor(mode: str, key: bytes) -> Decrypt:
    """What opens packets sealed in ``mode`` with ``key`` (raises on a bad seal)."""
    if mode == AES256_GCM:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        aes = AESGCM(key)
        return lambda p: aes.decrypt(p.nonce + bytes(8), p.ciphertext, p.header)
    if mode == XCHACHA20:
        from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt as open_

        def xchacha(p: RtpPacket) -> bytes:
            opened: bytes = open_(p.ciphertext, p.header, p.nonce + bytes(20), key)
            return opened

        return xchacha
    raise ValueError(f"unknown encryption mode {mode!r}")


def encryptor(mode: str, key: bytes) -> Callable[[bytes, bytes, int], bytes]:
    """``seal(header, opus, counter)``: a packet as a client sends it (for tests)."""
    nonce_of: Callable[[int], bytes] = lambda n: struct.pack(">I", n)  # noqa: E731
    if mode == AES256_GCM:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        aes = AESGCM(key)
        return lambda h, o, n: h + aes.encrypt(nonce_of(n) + bytes(8), o, h) + nonce_of(n)
    if mode == XCHACHA20:
        from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt as seal

        def xchacha(h: bytes, o: bytes, n: int) -> bytes:
            sealed: bytes = seal(o, h, nonce_of(n) + bytes(20), key)
            return h + sealed + nonce_of(n)

        return xchacha
    raise ValueError(f"unknown encryption mode {mode!r}")


def opus_samples(frame: bytes) -> int:
    """How many 48 kHz samples an Opus packet holds (0 if it is not one)."""
    if not frame:
        return 0
    toc = frame[0]
    config = toc >> 3
    if config < 12:
        ms: float = _SILK_MS[config % 4]
    elif config < 16:
        ms = _HYBRID_MS[config % 2]
    else:
        ms = _CELT_MS[config % 4]
    code = toc & 0x03
    if code == 0:
        count = 1
    elif code in (1, 2):
        count = 2
    elif len(frame) >= 2:
        count = frame[1] & 0x3F
    else:
        return 0
    return int(ms * SAMPLE_RATE / 1000) * count


def rtcp_bye(ssrc: int) -> bytes:
    """An RTCP BYE (RFC 3550 6.6) for ``ssrc``: the source has left the session."""
    return struct.pack(">BBHI", 0x81, 203, 1, ssrc)


def rtp_header(sequence: int, timestamp: int, ssrc: int) -> bytes:
    """The 12-byte header discord.py writes (version 2, payload type 0x78)."""
    return _HEADER.pack(0x80, OPUS_PAYLOAD_TYPE, sequence & 0xFFFF, timestamp & 0xFFFFFFFF,
                        ssrc)


__all__ = [
    "DISCOVERY_SIZE",
    "OPUS_PAYLOAD_TYPE",
    "SAMPLE_RATE",
    "SILENCE",
    "Decrypt",
    "Discovery",
    "PacketError",
    "RtpPacket",
    "decryptor",
    "discovery_response",
    "encryptor",
    "opus_samples",
    "read_discovery",
    "read_rtp",
    "rtcp_bye",
    "rtp_header",
]
