"""The transport campaign: what any twin must survive below its protocol.

* HTTP: a body cut mid-way and the connection dropped; a request dribbled slowly;
  malformed request lines and headers (answered 4xx or closed: never 5xx, never a hang).
* Websocket upgrades with bad headers.
* RFC 6455 violations on a live socket: unmasked client frames, reserved opcodes, RSV
  bits, bad lengths, fragmented or oversize control frames, continuation frames out of
  place, text that is not UTF-8, close frames with codes a client may not send and
  reasons that are not UTF-8. 1002/1007/1009 are right answers; silence is not.
* Clients that vanish: a reset mid-frame, right after the upgrade.
* A client that stops reading while the twin sends (each twin's :class:`StallCase`).
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from dataclasses import dataclass

from .cases import Case, Frame, HeaderList, HttpCase, RawCase, StallCase, WsCase


@dataclass
class TransportSpec:
    """What the transport campaign needs to know about a twin."""

    #: Valid requests (some with bodies) to cut, dribble and garble.
    requests: list[HttpCase]
    #: The websocket upgrade target and the headers a valid upgrade carries.
    ws_target: str
    ws_headers: HeaderList
    #: A live socket's state, and a harmless valid message to send on it (with a "€"
    #: in a string, where a fragment boundary can split the character).
    ws_state: str
    message: str
    #: A stall (a socket that stops reading), if the twin sends enough to matter.
    stall: Callable[[random.Random], StallCase] | None = None


_CLOSE_CODES = (5000, 999, 0, 1004, 1005, 1006, 1015, 2000, 2999, 65535, 1000, 1001,
                1003, 1007, 1011, 3000, 4999, 4000, 4009, 4200)
_BAD_UTF8 = (b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe2\x82", b'{"event":"\xff"}',
             b"\xf4\x90\x80\x80", b'{"op":1,"d":"\x80"}')


def _head(case: HttpCase, host: str) -> tuple[bytes, bytes]:
    raw = case.raw(host)
    head, _, body = raw.partition(b"\r\n\r\n")
    return head + b"\r\n\r\n", body


def http_case(rng: random.Random, spec: TransportSpec, host: str) -> RawCase:
    base = rng.choice(spec.requests)
    head, body = _head(base, host)
    op = rng.randrange(5)
    if op == 0:
        # Content-Length promises more than comes; then the client goes away.
        declared = max(len(body), 16) * 2
        head = head.replace(f"Content-Length: {len(body)}".encode(),
                            f"Content-Length: {declared}".encode())
        if b"Content-Length" not in head:
            head = head[:-2] + f"Content-Length: {declared}\r\n\r\n".encode()
        cut = body[: rng.randrange(len(body) + 1)] if body else b"{"
        return RawCase([head, cut], then=rng.choice(("close", "reset")),
                       note="a body cut mid-way, then the connection dropped")
    if op == 1:
        raw = head + body
        size = -(-len(raw) // rng.choice((4, 8, 16)))
        chunks = [raw[i:i + size] for i in range(0, len(raw), size)]
        return RawCase(chunks, delay=0.001, malformed=False,
                       note="a request dribbled slowly")
    if op == 2:
        return RawCase([head[: rng.randrange(1, len(head))]], then=rng.choice(
            ("close", "reset")), note="a request head cut mid-way")
    return RawCase([_malformed(rng, head, body)], note="a malformed request")


def _malformed(rng: random.Random, head: bytes, body: bytes) -> bytes:
    request_line, _, rest = head.partition(b"\r\n")
    method, _, tail = request_line.partition(b" ")
    target, _, _version = tail.rpartition(b" ")
    choice = rng.randrange(22)
    if choice == 0:
        return b"GET\r\n\r\n"
    if choice == 1:
        return request_line.replace(b"HTTP/1.1", b"HTTP/9.9") + b"\r\n" + rest + body
    if choice == 2:
        token = rng.choice((b"FOO", b"CONNECT", b"G=T", b"GET\x01", b"\xc3\xa9"))
        return token + b" " + target + b" HTTP/1.1\r\n" + rest + body
    if choice == 3:
        return method.lower() + b" " + target + b" HTTP/1.1\r\n" + rest + body
    if choice == 4:
        return method + b" " + target + b"\x00 HTTP/1.1\r\n" + rest + body
    if choice == 5:
        return request_line + b"\r\nX-No-Colon\r\n" + rest + body
    if choice == 6:
        return request_line + b"\r\nX-Folded: a\r\n b\r\n" + rest + body
    if choice == 7:
        return request_line + b"\r\nX-Big: " + b"a" * 100_000 + b"\r\n" + rest + body
    if choice == 8:
        return (method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
    if choice == 9:
        return (method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                b"Content-Length: 6\r\n\r\nhello!")
    if choice == 10:
        return (method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    if choice == 11:
        return (method + b" " + target + b" HTTP/1.1\r\nHost: x\r\n"
                b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
    if choice == 12:
        return head.replace(b"\r\n", b"\n") + body
    if choice == 13:
        return request_line + b"\r\nX-Bytes: \xff\xfe\x00\r\n" + rest + body
    if choice == 14:
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(500))
        return request_line + b"\r\n" + many + rest + body
    if choice == 15:
        return b"X" + rng.randbytes(rng.choice((1, 16, 512))) + b"\r\n\r\n"
    if choice == 16:
        return method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 9" \
               + b"9" * 30 + b"\r\n\r\n"
    if choice == 17:
        return method + b" http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n"
    if choice == 18:
        return b"GET " + b"/" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    if choice == 19:
        return method + b" " + target + b" HTTP/1.0\r\n" + rest.replace(
            b"Host:", b"X-Host:") + body
    if choice == 20:
        return (method + b" " + target + b" HTTP/1.1\r\nHost: x\r\n"
                b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
    return (method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
            b"Content-Type: application/json\r\nContent-Length: 8\r\n\r\nnotgzip!")


def upgrade_case(rng: random.Random, spec: TransportSpec) -> WsCase:
    bad = rng.choice((
        [("Sec-WebSocket-Key", "")], [("Sec-WebSocket-Key", "abc")],
        [("Sec-WebSocket-Version", "12")], [("Sec-WebSocket-Version", "abc")],
        [("Upgrade", "websocketx")], [("Upgrade", "")], [("Connection", "keep-alive")],
        [("Connection", "close, Upgrade")],
        [("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits=99")],
        [("Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=abc")],
        [("Sec-WebSocket-Extensions", "x-webkit-deflate-frame, \xff")],
        [("Sec-WebSocket-Protocol", ",,,")], [("Origin", "null")],
        [("Sec-WebSocket-Key", "a" * 5000)],
    ))
    names = {k.lower() for k, _ in bad}
    headers = [h for h in spec.ws_headers if h[0].lower() not in names] + bad
    return WsCase([], "fresh", target=spec.ws_target, headers=headers,
                  note="an upgrade with bad headers")


def frame_case(rng: random.Random, spec: TransportSpec) -> WsCase:
    """One RFC 6455 violation (or an edge that is legal) on a live socket."""
    msg = spec.message.encode()
    state = spec.ws_state
    op = rng.randrange(16)
    if op == 0:
        return WsCase([Frame(msg, masked=False)], state, violation=True,
                      note="an unmasked client frame")
    if op == 1:
        code = rng.choice((0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF))
        return WsCase([Frame(msg, code)], state, violation=True, note="a reserved opcode")
    if op == 2:
        return WsCase([Frame(msg, rsv=rng.randrange(1, 8))], state, violation=True,
                      note="RSV bits set")
    if op == 3:
        raw = bytes([0x81, 0xFF]) + struct.pack("!Q", (1 << 63) | 5) + b"\0\0\0\0" + b"hello"
        return WsCase([Frame(raw=raw)], state, violation=True,
                      note="a 64-bit length with its top bit set")
    if op == 4:
        raw = bytes([0x81, 0xFE]) + struct.pack("!H", 5) + b"\0\0\0\0" + b"hello"
        return WsCase([Frame(raw=raw)], state, violation=True,
                      note="a length not in its shortest form")
    if op == 5:
        return WsCase([Frame(b"x", rng.choice((0x8, 0x9, 0xA)), fin=False)], state,
                      violation=True, note="a fragmented control frame")
    if op == 6:
        return WsCase([Frame(msg, 0x0)], state, violation=True,
                      note="a continuation frame with no message")
    if op == 7:
        return WsCase([Frame(msg[:1], fin=False), Frame(msg[1:])], state, violation=True,
                      note="a new message inside a fragmented one")
    if op == 8:
        return WsCase([Frame(rng.choice(_BAD_UTF8))], state, violation=True,
                      note="a text frame that is not UTF-8")
    if op == 9:
        code = rng.choice(_CLOSE_CODES)
        reason = rng.choice((b"", b"bye", b"\xff\xfe", b"r" * 123, "é".encode() * 60))
        valid = (1000 <= code <= 1003 or 1007 <= code <= 1011 or 3000 <= code <= 4999)
        bad_reason = reason.startswith(b"\xff")
        return WsCase([Frame.close(code, reason)], state,
                      violation=not valid or bad_reason, note="a client close")
    if op == 10:
        return WsCase([Frame(b"\x03", 0x8)], state, violation=True,
                      note="a close frame with a 1-byte payload")
    if op == 11:
        return WsCase([Frame(b"p" * rng.choice((126, 200, 1000)), 0x9)], state,
                      violation=True, note="a control frame over 125 bytes")
    if op == 12:
        # Legal: a message in three fragments, split inside a UTF-8 character.
        at = msg.find("€".encode()) + 1 if "€".encode() in msg else len(msg) // 2
        return WsCase([Frame(msg[:1], fin=False), Frame(msg[1:at], 0x0, fin=False),
                       Frame(msg[at:], 0x0)], state,
                      note="a fragmented message split inside a character")
    if op == 13:
        size = rng.choice((300_000, 1 << 20))
        return WsCase([Frame(b'"' + b"x" * size + b'"')], state, violation=True,
                      note="a very large message")
    if op == 14:
        cut = Frame(msg).encode()
        return WsCase([Frame(raw=cut[: rng.randrange(1, len(cut))])], state, abort=True,
                      note="a frame cut mid-way, then a reset")
    return WsCase([], "fresh", target=spec.ws_target, headers=spec.ws_headers, abort=True,
                  note="a reset right after the upgrade")


def transport_case(rng: random.Random, spec: TransportSpec, host: str) -> Case:
    roll = rng.random()
    if roll < 0.35:
        return http_case(rng, spec, host)
    if roll < 0.45:
        return upgrade_case(rng, spec)
    if roll < 0.97 or spec.stall is None:
        return frame_case(rng, spec)
    return spec.stall(rng)


__all__ = ["TransportSpec", "frame_case", "http_case", "transport_case", "upgrade_case"]
