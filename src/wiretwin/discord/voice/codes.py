"""The voice gateway's vocabulary: opcodes, close codes, encryption modes, speaking flags.

From Discord's "Opcodes and Status Codes" (Voice) and "Voice Connections" pages (voice
gateway version 8). The reasons are the ones Discord sends where a client has logged
them (4017's ``E2EE/DAVE protocol required``); elsewhere the documented description.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

from ..errors import Close

#: The voice gateway version the twin speaks (the one Discord recommends; v8 numbers the
#: server's messages and takes ``seq_ack`` in heartbeats and RESUME).
VERSION = 8
#: HELLO's ``heartbeat_interval``: what Discord's voice servers send (13750 ms, as
#: clients log it in 2026); discord.py heartbeats every min(interval, 5 s).
HEARTBEAT_INTERVAL_MS = 13_750
#: The DAVE protocol version the twin settles on: 0 (transport encryption only), the
#: downgrade every client accepts. The MLS handshake (ops 21-31) is not modelled.
DAVE_PROTOCOL_VERSION = 0


class VoiceOp(IntEnum):
    IDENTIFY = 0
    SELECT_PROTOCOL = 1
    READY = 2
    HEARTBEAT = 3
    SESSION_DESCRIPTION = 4
    SPEAKING = 5
    HEARTBEAT_ACK = 6
    RESUME = 7
    HELLO = 8
    RESUMED = 9
    CLIENTS_CONNECT = 11
    CLIENT_CONNECT = 12  # discord.py still sends it; Discord lists it as unused
    CLIENT_DISCONNECT = 13
    DAVE_PREPARE_TRANSITION = 21
    DAVE_EXECUTE_TRANSITION = 22
    DAVE_TRANSITION_READY = 23
    DAVE_PREPARE_EPOCH = 24
    DAVE_MLS_EXTERNAL_SENDER = 25
    DAVE_MLS_KEY_PACKAGE = 26
    DAVE_MLS_PROPOSALS = 27
    DAVE_MLS_COMMIT_WELCOME = 28
    DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION = 29
    DAVE_MLS_WELCOME = 30
    DAVE_MLS_INVALID_COMMIT_WELCOME = 31


class VoiceCloseCode(IntEnum):
    UNKNOWN_OPCODE = 4001
    DECODE_FAILED = 4002
    NOT_AUTHENTICATED = 4003
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    SESSION_NO_LONGER_VALID = 4006
    SESSION_TIMEOUT = 4009
    SERVER_NOT_FOUND = 4011
    UNKNOWN_PROTOCOL = 4012
    DISCONNECTED = 4014
    VOICE_SERVER_CRASHED = 4015
    UNKNOWN_ENCRYPTION_MODE = 4016
    DAVE_REQUIRED = 4017
    BAD_REQUEST = 4020
    RATE_LIMITED = 4021
    CALL_TERMINATED = 4022


def _close(code: VoiceCloseCode, reason: str) -> Close:
    return (code.value, reason)


UNKNOWN_OPCODE = _close(VoiceCloseCode.UNKNOWN_OPCODE, "Unknown opcode")
DECODE_FAILED = _close(VoiceCloseCode.DECODE_FAILED, "Failed to decode payload")
NOT_AUTHENTICATED = _close(VoiceCloseCode.NOT_AUTHENTICATED, "Not authenticated")
AUTHENTICATION_FAILED = _close(VoiceCloseCode.AUTHENTICATION_FAILED, "Authentication failed")
ALREADY_AUTHENTICATED = _close(VoiceCloseCode.ALREADY_AUTHENTICATED, "Already authenticated")
SESSION_NO_LONGER_VALID = _close(VoiceCloseCode.SESSION_NO_LONGER_VALID,
                                 "Session no longer valid")
SESSION_TIMEOUT = _close(VoiceCloseCode.SESSION_TIMEOUT, "Session timeout")
SERVER_NOT_FOUND = _close(VoiceCloseCode.SERVER_NOT_FOUND, "Server not found")
UNKNOWN_PROTOCOL = _close(VoiceCloseCode.UNKNOWN_PROTOCOL, "Unknown protocol")
DISCONNECTED = _close(VoiceCloseCode.DISCONNECTED, "Disconnected")
VOICE_SERVER_CRASHED = _close(VoiceCloseCode.VOICE_SERVER_CRASHED, "Voice server crashed")
UNKNOWN_ENCRYPTION_MODE = _close(VoiceCloseCode.UNKNOWN_ENCRYPTION_MODE,
                                 "Unknown encryption mode")
DAVE_REQUIRED = _close(VoiceCloseCode.DAVE_REQUIRED, "E2EE/DAVE protocol required")
BAD_REQUEST = _close(VoiceCloseCode.BAD_REQUEST, "Bad request")
RATE_LIMITED = _close(VoiceCloseCode.RATE_LIMITED, "Disconnected: Rate Limited")
CALL_TERMINATED = _close(VoiceCloseCode.CALL_TERMINATED, "Disconnected: Call Terminated")

#: The transport encryption modes Discord offers in READY, preferred first ("Voice
#: gateway compatible modes will always include aead_xchacha20_poly1305_rtpsize";
#: the deprecated ones were discontinued on 2024-11-18 and are refused 4016).
AES256_GCM = "aead_aes256_gcm_rtpsize"
XCHACHA20 = "aead_xchacha20_poly1305_rtpsize"
MODES = (AES256_GCM, XCHACHA20)


class Speaking(IntFlag):
    """Opcode 5's ``speaking`` bits."""

    NONE = 0
    MICROPHONE = 1 << 0
    SOUNDSHARE = 1 << 1
    PRIORITY = 1 << 2


__all__ = [
    "AES256_GCM", "ALREADY_AUTHENTICATED", "AUTHENTICATION_FAILED", "BAD_REQUEST",
    "CALL_TERMINATED", "DAVE_PROTOCOL_VERSION", "DAVE_REQUIRED", "DECODE_FAILED",
    "DISCONNECTED", "HEARTBEAT_INTERVAL_MS", "MODES", "NOT_AUTHENTICATED", "RATE_LIMITED",
    "SERVER_NOT_FOUND", "SESSION_NO_LONGER_VALID", "SESSION_TIMEOUT", "UNKNOWN_ENCRYPTION_MODE",
    "UNKNOWN_OPCODE", "UNKNOWN_PROTOCOL", "VERSION", "VOICE_SERVER_CRASHED", "XCHACHA20",
    "Speaking", "VoiceCloseCode", "VoiceOp",
]
