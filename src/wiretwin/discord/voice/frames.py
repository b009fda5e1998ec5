"""What a voice gateway client may send, read into typed requests. Pure.

Each reader takes an opcode's ``d`` as decoded JSON and returns a request, or raises
:class:`~..protocol.frames.Closed` with the code Discord documents for it: a frame that
is not a payload at all (not JSON, not an object, no integer ``op``) and an IDENTIFY
whose fields are wrong are 4002 ("You sent an invalid payload in your identifying");
any other opcode's malformed ``d`` is 4020 ("You sent a malformed request"); a protocol
other than ``udp`` is 4012; a mode the server did not offer is 4016. Snowflakes are
taken as JSON integers or strings of digits, as on the main gateway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol.frames import Closed, snowflake
from .codes import BAD_REQUEST, DECODE_FAILED, MODES, UNKNOWN_ENCRYPTION_MODE, UNKNOWN_PROTOCOL

#: The largest text frame the voice gateway reads (larger: 4002). Discord documents no
#: limit; the main gateway's 4096 bytes is ample for every voice payload.
MAX_PAYLOAD = 4096


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bad(detail: str) -> Closed:
    return Closed(BAD_REQUEST, detail)


def _object(d: Any, what: str, identify: bool = False) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise Closed(DECODE_FAILED if identify else BAD_REQUEST, f"{what}: d is not an object")
    return d


def payload(data: Any) -> tuple[int, Any]:
    """A frame's ``op`` and ``d``; 4002 if it is not a payload."""
    if not isinstance(data, dict) or not _int(data.get("op")):
        raise Closed(DECODE_FAILED, "not an object with an integer op")
    return data["op"], data.get("d")


@dataclass(frozen=True, slots=True)
class Identify:
    server_id: int
    user_id: int
    session_id: str
    token: str
    max_dave_protocol_version: int


def identify(d: Any) -> Identify:
    d = _object(d, "identify", identify=True)
    server_id, user_id = snowflake(d.get("server_id")), snowflake(d.get("user_id"))
    session_id, token = d.get("session_id"), d.get("token")
    dave = d.get("max_dave_protocol_version", 0)
    if server_id is None or user_id is None:
        raise Closed(DECODE_FAILED, "identify: server_id and user_id must be snowflakes")
    if not isinstance(session_id, str) or not isinstance(token, str):
        raise Closed(DECODE_FAILED, "identify: session_id and token must be strings")
    if dave is None:
        dave = 0
    if not _int(dave) or dave < 0:
        raise Closed(DECODE_FAILED, "identify: max_dave_protocol_version must be an "
                                    "integer >= 0")
    return Identify(server_id, user_id, session_id, token, dave)


@dataclass(frozen=True, slots=True)
class Resume:
    server_id: int
    session_id: str
    token: str
    #: -1 (or left out): no numbered message received.
    seq_ack: int


def resume(d: Any) -> Resume:
    d = _object(d, "resume")
    server_id = snowflake(d.get("server_id"))
    session_id, token = d.get("session_id"), d.get("token")
    seq_ack = d.get("seq_ack", -1)
    if server_id is None or not isinstance(session_id, str) or not isinstance(token, str):
        raise _bad("resume: server_id, session_id and token are required")
    if seq_ack is None:
        seq_ack = -1
    if not _int(seq_ack) or seq_ack < -1:
        raise _bad("resume: seq_ack must be an integer >= -1")
    return Resume(server_id, session_id, token, seq_ack)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    nonce: int
    seq_ack: int | None


def heartbeat(d: Any) -> Heartbeat:
    """v8's ``{"t": nonce, "seq_ack": n}``; the older bare integer nonce is taken too."""
    if _int(d):
        return Heartbeat(d, None)
    d = _object(d, "heartbeat")
    nonce, seq_ack = d.get("t"), d.get("seq_ack")
    if not _int(nonce):
        raise _bad("heartbeat: t must be an integer")
    if seq_ack is not None and not _int(seq_ack):
        raise _bad("heartbeat: seq_ack must be an integer")
    return Heartbeat(nonce, seq_ack)


@dataclass(frozen=True, slots=True)
class SelectProtocol:
    address: str
    port: int
    mode: str


def select_protocol(d: Any, offered: tuple[str, ...] = MODES) -> SelectProtocol:
    d = _object(d, "select protocol")
    protocol, data = d.get("protocol"), d.get("data")
    if not isinstance(protocol, str):
        raise _bad("select protocol: protocol must be a string")
    if protocol != "udp":
        raise Closed(UNKNOWN_PROTOCOL, f"select protocol: {protocol[:40]!r} (the twin "
                                       "serves udp only)")
    if not isinstance(data, dict):
        raise _bad("select protocol: data must be an object")
    address, port, mode = data.get("address"), data.get("port"), data.get("mode")
    if not isinstance(address, str) or not isinstance(port, int) \
            or isinstance(port, bool) or not 0 < port < 65536:
        raise _bad("select protocol: data needs an address and a port")
    if not isinstance(mode, str) or mode not in offered:
        raise Closed(UNKNOWN_ENCRYPTION_MODE, f"select protocol: mode {str(mode)[:60]!r}")
    return SelectProtocol(address, port, mode)


@dataclass(frozen=True, slots=True)
class SpeakingUpdate:
    speaking: int
    ssrc: int | None


def speaking(d: Any) -> SpeakingUpdate:
    d = _object(d, "speaking")
    flags, ssrc, delay = d.get("speaking"), d.get("ssrc"), d.get("delay", 0)
    if isinstance(flags, bool):  # voice gateway < v4's boolean
        flags = int(flags)
    if not _int(flags) or flags < 0:
        raise _bad("speaking: speaking must be a bitmask")
    if ssrc is not None and not _int(ssrc):
        raise _bad("speaking: ssrc must be an integer")
    if delay is not None and not _int(delay):
        raise _bad("speaking: delay must be an integer")
    return SpeakingUpdate(flags, ssrc)


__all__ = ["MAX_PAYLOAD", "Heartbeat", "Identify", "Resume", "SelectProtocol",
           "SpeakingUpdate", "heartbeat", "identify", "payload", "resume",
           "select_protocol", "speaking"]
