"""The inputs the fuzzer sends, and their JSON-able reproducers.

Four kinds, each sent ONE at a time:

* :class:`HttpCase`: one HTTP request on the fuzzer's keep-alive connection. ``sign``
  names a signing the twin applies at send time (Pusher's HTTP API signature needs a
  fresh ``auth_timestamp``); placeholders such as ``@@SESSION@@`` are filled in then too.
* :class:`WsCase`: frames on a websocket in a given protocol ``state`` (a fresh socket,
  one past the handshake, one identified...). A :class:`Frame` is any RFC 6455 frame,
  masked or not, with any opcode, RSV bits and payload, or verbatim ``raw`` bytes.
* :class:`RawCase`: bytes on a new TCP connection (malformed HTTP, cut bodies, bad
  upgrades), then read the answer, close, or reset.
* :class:`StallCase`: a websocket that stops reading while HTTP requests make the twin
  send to it; then it is reset.

``reproducer()`` gives what was really sent (placeholders filled, signatures computed),
as JSON: text where the bytes are UTF-8, base64 where they are not.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass, field
from typing import Any

HeaderList = list[tuple[str, str]]
#: Every frame is masked with this key (RFC 6455's example): the bytes stay reproducible.
MASK_KEY = b"\x37\xfa\x21\x3d"


def blob(data: bytes) -> dict[str, str]:
    """Bytes as JSON: ``{"text": ...}`` when UTF-8, else ``{"b64": ...}``."""
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"b64": base64.b64encode(data).decode()}


@dataclass
class HttpCase:
    method: str
    target: str
    headers: HeaderList = field(default_factory=list)
    body: bytes = b""
    #: A signing the twin applies when sending (Pusher: "ok", "stale", "badsig", ...).
    sign: str | None = None
    #: Send a Content-Length header for the body (unless the headers already say).
    length: bool = True
    #: A websocket upgrade request: answered 101 or refused; never shape-checked.
    upgrade: bool = False
    note: str = ""
    #: The case before the twin filled it in (placeholders, signatures), for replays.
    template: HttpCase | None = None

    def filled(self, target: str, body: bytes | None = None) -> HttpCase:
        """This case with a filled-in target (and body), remembering the original."""
        return HttpCase(self.method, target, self.headers, self.body if body is None else body,
                        self.sign, self.length, self.upgrade, self.note, self)

    def raw(self, host: str) -> bytes:
        """The request as bytes on the wire."""
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: {host}"]
        names = {k.lower() for k, _ in self.headers}
        lines += [f"{k}: {v}" for k, v in self.headers]
        if self.length and "content-length" not in names and "transfer-encoding" not in names \
                and (self.body or self.method in ("POST", "PUT", "PATCH")):
            lines.append(f"Content-Length: {len(self.body)}")
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("utf-8", "surrogateescape") + self.body

    def reproducer(self, host: str) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "http", "method": self.method, "target": self.target,
                               "request": blob(self.raw(host))}
        if self.sign:
            out["signed"] = self.sign
        if self.note:
            out["note"] = self.note
        if self.template is not None:
            out["template"] = {"target": self.template.target,
                               "body": blob(self.template.body)}
        return out


@dataclass
class Frame:
    """One client frame. ``payload`` may hold placeholders the twin fills in."""

    payload: bytes = b""
    opcode: int = 0x1
    fin: bool = True
    rsv: int = 0
    masked: bool = True
    #: Verbatim bytes instead of an encoded frame (bad lengths, cut frames...).
    raw: bytes | None = None
    #: What the twin must sign into the payload (Pusher auth), if anything.
    sign: dict[str, Any] | None = None

    @classmethod
    def text(cls, text: str, **kw: Any) -> Frame:
        return cls(text.encode("utf-8", "surrogatepass"), 0x1, **kw)

    @classmethod
    def close(cls, code: int | None, reason: bytes = b"") -> Frame:
        payload = b"" if code is None else struct.pack("!H", code & 0xFFFF) + reason
        return cls(payload, 0x8)

    def encode(self, mask_key: bytes | None = None) -> bytes:
        if self.raw is not None:
            return self.raw
        first = (0x80 if self.fin else 0) | (self.rsv & 7) << 4 | (self.opcode & 0x0F)
        length = len(self.payload)
        mask_bit = 0x80 if self.masked else 0
        if length < 126:
            header = struct.pack("!BB", first, mask_bit | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", first, mask_bit | 126, length)
        else:
            header = struct.pack("!BBQ", first, mask_bit | 127, length)
        if not self.masked:
            return header + self.payload
        key = mask_key if mask_key is not None else MASK_KEY
        return header + key + _mask(self.payload, key)

    def reproducer(self) -> dict[str, Any]:
        if self.raw is not None:
            return {"raw_b64": base64.b64encode(self.raw).decode()}
        out: dict[str, Any] = {"opcode": self.opcode, **blob(self.payload)}
        if self.sign is not None:
            out["sign"] = self.sign
        if not self.fin:
            out["fin"] = False
        if self.rsv:
            out["rsv"] = self.rsv
        if not self.masked:
            out["masked"] = False
        return out

    @property
    def close_code(self) -> int | None:
        """The code of a (well-formed) close frame: -1 for one without a code."""
        if self.raw is not None or self.opcode != 0x8:
            return None
        if len(self.payload) < 2:
            return -1
        code: int = struct.unpack("!H", self.payload[:2])[0]
        return code


def _mask(data: bytes, key: bytes) -> bytes:
    if not data:
        return b""
    repeated = (key * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        len(data), "big")


#: Close codes a client may put in a close frame (RFC 6455 7.4).
def valid_close_code(code: int) -> bool:
    return 1000 <= code <= 1003 or 1007 <= code <= 1011 or 3000 <= code <= 4999


@dataclass
class WsCase:
    frames: list[Frame]
    #: The protocol state the socket must be in (twin-specific names).
    state: str
    #: For a fresh socket: the upgrade target and extra headers.
    target: str | None = None
    headers: HeaderList = field(default_factory=list)
    #: A byte-level RFC 6455 violation: 1002/1007/1009 are right answers.
    violation: bool = False
    #: The socket is reset (no close frame) after the frames.
    abort: bool = False
    #: Run the sync probe after the frames.
    probe: bool = True
    note: str = ""

    @property
    def client_close(self) -> int | None:
        """The code of the first close frame this case sends (-1: no code), if any."""
        for frame in self.frames:
            code = frame.close_code
            if code is not None:
                return code
        return None

    def reproducer(self, sent: list[bytes] | None = None, *, target: str | None = None,
                   headers: HeaderList | None = None) -> dict[str, Any]:
        """``target``/``headers``: as sent (placeholders filled), if they differ."""
        out: dict[str, Any] = {"kind": "ws", "state": self.state,
                               "frames": [f.reproducer() for f in self.frames]}
        target = target or self.target
        headers = self.headers if headers is None else headers
        if target:
            out["target"] = target
        if headers:
            out["headers"] = [list(h) for h in headers]
        if sent is not None:
            out["payloads"] = [blob(p) for p in sent]
        if self.abort:
            out["then"] = "reset"
        if self.violation:
            out["violation"] = True
        if self.note:
            out["note"] = self.note
        if target != self.target or headers != self.headers:  # placeholders filled in
            out["template"] = {"target": self.target,
                               "headers": [list(h) for h in self.headers]}
        return out


@dataclass
class RawCase:
    """Bytes on a new TCP connection."""

    chunks: list[bytes]
    #: After writing: "read" the answer (until close or a full response), "close", "reset".
    then: str = "read"
    #: Seconds between chunks (a slow client).
    delay: float = 0.0
    #: Malformed HTTP: any 4xx is a right answer, and the body is not shape-checked.
    malformed: bool = True
    note: str = ""

    def reproducer(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "tcp", "chunks": [blob(c) for c in self.chunks],
                               "then": self.then}
        if not self.malformed:
            out["malformed"] = False
        if self.delay:
            out["delay"] = self.delay
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class StallCase:
    """A websocket in ``state`` stops reading; ``provoke`` makes the twin send to it."""

    state: str
    frames: list[Frame]
    provoke: list[HttpCase]
    note: str = ""

    def reproducer(self, host: str) -> dict[str, Any]:
        return {"kind": "stall", "state": self.state,
                "frames": [f.reproducer() for f in self.frames],
                "provoke": [c.reproducer(host) for c in self.provoke[:2]],
                "provoke_count": len(self.provoke), "note": self.note}


Case = HttpCase | WsCase | RawCase | StallCase

__all__ = ["Case", "Frame", "HeaderList", "HttpCase", "RawCase", "StallCase", "WsCase",
           "blob", "valid_close_code"]
