"""Discord's catalogue: its JSON errors (HTTP status, code, message), the "Invalid Form
Body" (50035) it gives for bad fields, gateway opcodes and gateway close codes.

A leaf module (it imports nothing of the twin's), so the model, the typed readers
(:mod:`.fields`), the REST layer and the gateway all name the same errors without import
cycles. An error Discord answers in one place is a :class:`ErrorEntry` here
(``raise UNKNOWN_MESSAGE()``), so its status, code and message are written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

#: Where a bad value sits in a request: object keys and list indexes, outermost first
#: (``("embeds", 0, "color")``).
Path = tuple[str | int, ...]


class DiscordError(Exception):
    """Answered with ``status`` and ``{"code", "message"[, "errors"]}``."""

    def __init__(self, status: int, code: int, message: str,
                 errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


@dataclass(frozen=True)
class ErrorEntry:
    """One of Discord's JSON errors; calling it makes the exception to raise."""

    status: int
    code: int
    message: str

    def __call__(self, errors: dict[str, Any] | None = None) -> DiscordError:
        return DiscordError(self.status, self.code, self.message, errors)


# -- the JSON error codes the twin answers (Discord's "JSON Error Codes" table) -----------

UNKNOWN_CHANNEL = ErrorEntry(404, 10003, "Unknown Channel")
UNKNOWN_GUILD = ErrorEntry(404, 10004, "Unknown Guild")
UNKNOWN_MEMBER = ErrorEntry(404, 10007, "Unknown Member")
UNKNOWN_MESSAGE = ErrorEntry(404, 10008, "Unknown Message")
UNKNOWN_ROLE = ErrorEntry(404, 10011, "Unknown Role")
UNKNOWN_USER = ErrorEntry(404, 10013, "Unknown User")
#: A reaction path's emoji that is neither a unicode emoji nor ``name:id`` (a 400).
UNKNOWN_EMOJI = ErrorEntry(400, 10014, "Unknown Emoji")
UNKNOWN_WEBHOOK = ErrorEntry(404, 10015, "Unknown Webhook")
UNKNOWN_BAN = ErrorEntry(404, 10026, "Unknown Ban")
UNKNOWN_INTERACTION = ErrorEntry(404, 10062, "Unknown interaction")
UNKNOWN_COMMAND = ErrorEntry(404, 10063, "Unknown application command")
UNKNOWN_COMMAND_PERMISSIONS = ErrorEntry(404, 10066, "Unknown application command permissions")
BOTS_CANNOT_USE_ENDPOINT = ErrorEntry(403, 20001, "Bots cannot use this endpoint")
MAX_PINS = ErrorEntry(400, 30003, "Maximum number of pins reached (50)")
MAX_REACTIONS = ErrorEntry(400, 30010, "Maximum number of reactions reached (20)")
REQUEST_TOO_LARGE = ErrorEntry(413, 40005, "Request entity too large")
USER_BANNED = ErrorEntry(403, 40007, "The user is banned from this guild.")
NOT_IN_VOICE = ErrorEntry(400, 40032, "Target user is not connected to voice.")
ALREADY_ACKNOWLEDGED = ErrorEntry(400, 40060, "Interaction has already been acknowledged.")
MISSING_ACCESS = ErrorEntry(403, 50001, "Missing Access")
DM_CHANNEL = ErrorEntry(400, 50003, "Cannot execute action on a DM channel")
NOT_AUTHOR = ErrorEntry(403, 50005, "Cannot edit a message authored by another user")
EMPTY_MESSAGE = ErrorEntry(400, 50006, "Cannot send an empty message")
#: A bot messaging a bot in a DM.
CANNOT_MESSAGE_USER = ErrorEntry(403, 50007, "Cannot send messages to this user")
#: Opening a DM with a bot (the same code, a 400).
CANNOT_OPEN_DM = ErrorEntry(400, 50007, "Cannot send messages to this user")
NOT_TEXT_CHANNEL = ErrorEntry(400, 50008, "Cannot send messages in a non-text channel")
MISSING_PERMISSIONS = ErrorEntry(403, 50013, "Missing Permissions")
WRONG_CHANNEL_TYPE = ErrorEntry(400, 50024, "Cannot execute action on this channel type")
INVALID_WEBHOOK_TOKEN = ErrorEntry(401, 50027, "Invalid Webhook Token")
INVALID_ROLE = ErrorEntry(400, 50028, "Invalid role")
BULK_DELETE_TOO_OLD = ErrorEntry(
    400, 50034, "You can only bulk delete messages that are under 14 days old.")
INVALID_FORM_BODY = ErrorEntry(400, 50035, "Invalid Form Body")
THREAD_ARCHIVED = ErrorEntry(400, 50083, "Thread is archived")
INVALID_JSON = ErrorEntry(400, 50109, "The request body contains invalid JSON.")
#: Voice messages (IS_VOICE_MESSAGE): no content, embeds, components or poll alongside;
#: one audio file with its duration and waveform; never edited. 50161's 400 was seen on
#: the live API (a message without ``waveform``); the others' statuses are assumed alike.
VOICE_EXTRA_CONTENT = ErrorEntry(400, 50159,
                                 "Voice messages do not support additional content.")
VOICE_ONE_AUDIO_FILE = ErrorEntry(400, 50160,
                                  "Voice messages must have a single audio attachment.")
VOICE_NO_METADATA = ErrorEntry(400, 50161, "Voice messages must have supporting metadata.")
VOICE_NOT_EDITABLE = ErrorEntry(400, 50162, "Voice messages cannot be edited.")
#: Without SEND_VOICE_MESSAGES (a refusal, so a 403 as Discord's others are; unverified).
VOICE_NOT_ALLOWED = ErrorEntry(403, 50173, "You cannot send voice messages in this channel.")
POLL_EXPIRED = ErrorEntry(400, 520001, "Poll expired")
POLL_NOT_EDITABLE = ErrorEntry(400, 520003, "Cannot edit a poll message")
NOT_A_POLL = ErrorEntry(400, 520006, "Cannot expire a non-poll message")
THREAD_ALREADY_CREATED = ErrorEntry(
    400, 160004, "A thread has already been created for this message")
#: Forwarding a message the bot may not read (its channel hidden, no READ_MESSAGE_HISTORY,
#: or its content withheld without MESSAGE_CONTENT). The status is assumed (160004's).
CANNOT_FORWARD_UNREADABLE = ErrorEntry(
    400, 160014, "You cannot forward a message whose content you cannot read")
#: Forwarding anything but a plain message (a system message, a poll's).
SYSTEM_MESSAGE = ErrorEntry(400, 50021, "Cannot execute action on a system message")
FORUM_NEEDS_THREAD = ErrorEntry(
    400, 220001, "Webhooks posted to forum channels must have a thread_name or thread_id")


def max_commands(limit: int) -> DiscordError:
    """30032: more application commands than Discord keeps (per scope)."""
    return DiscordError(400, 30032, f"Maximum number of application commands reached "
                                    f"({limit})")


def unknown(kind: str, code: int) -> DiscordError:
    """A 404 ``Unknown <kind>`` (prefer the named entries above)."""
    return DiscordError(404, code, f"Unknown {kind}")


def missing_permissions() -> DiscordError:
    return MISSING_PERMISSIONS()


def missing_access() -> DiscordError:
    return MISSING_ACCESS()


def form_errors(errors: dict[str, Any]) -> DiscordError:
    """50035 with Discord's nested ``errors`` object as built elsewhere."""
    return INVALID_FORM_BODY(errors)


def whole_body_error(code: str, message: str) -> DiscordError:
    """50035 with one problem about the body as a whole (``{"_errors": [...]}``)."""
    return INVALID_FORM_BODY({"_errors": [{"code": code, "message": message}]})


# -- the gateway ------------------------------------------------------------------------

class Opcode(IntEnum):
    """Gateway opcodes (Discord's "Gateway Opcodes" table)."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11
    REQUEST_SOUNDBOARD_SOUNDS = 31
    REQUEST_CHANNEL_INFO = 43


class CloseCode(IntEnum):
    """Websocket close codes the gateway uses: the protocol's own and Discord's 4xxx."""

    NORMAL = 1000
    GOING_AWAY = 1001
    UNKNOWN_ERROR = 4000
    UNKNOWN_OPCODE = 4001
    DECODE_ERROR = 4002
    NOT_AUTHENTICATED = 4003
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    INVALID_SEQ = 4007
    RATE_LIMITED = 4008
    SESSION_TIMED_OUT = 4009
    INVALID_SHARD = 4010
    SHARDING_REQUIRED = 4011
    INVALID_API_VERSION = 4012
    INVALID_INTENTS = 4013
    DISALLOWED_INTENTS = 4014


#: A close: the code and the reason Discord sends with it (as clients log them).
Close = tuple[int, str]

UNKNOWN_ERROR: Close = (CloseCode.UNKNOWN_ERROR.value, "Unknown error.")
UNKNOWN_OPCODE: Close = (CloseCode.UNKNOWN_OPCODE.value, "Unknown opcode.")
DECODE_ERROR: Close = (CloseCode.DECODE_ERROR.value, "Error while decoding payload.")
NOT_AUTHENTICATED: Close = (CloseCode.NOT_AUTHENTICATED.value, "Not authenticated.")
AUTHENTICATION_FAILED: Close = (CloseCode.AUTHENTICATION_FAILED.value, "Authentication failed.")
ALREADY_AUTHENTICATED: Close = (CloseCode.ALREADY_AUTHENTICATED.value, "Already authenticated.")
INVALID_SEQ: Close = (CloseCode.INVALID_SEQ.value, "Invalid seq.")
RATE_LIMITED: Close = (CloseCode.RATE_LIMITED.value, "Rate limited.")
SESSION_TIMED_OUT: Close = (CloseCode.SESSION_TIMED_OUT.value, "Session timed out.")
INVALID_SHARD: Close = (CloseCode.INVALID_SHARD.value, "Invalid shard.")
SHARDING_REQUIRED: Close = (CloseCode.SHARDING_REQUIRED.value, "Sharding required.")
INVALID_API_VERSION: Close = (CloseCode.INVALID_API_VERSION.value, "Invalid API version.")
INVALID_INTENTS: Close = (CloseCode.INVALID_INTENTS.value, "Invalid intent(s).")
DISALLOWED_INTENTS: Close = (CloseCode.DISALLOWED_INTENTS.value, "Disallowed intent(s).")
#: The twin stopping: every connection is told the server is going away.
GOING_AWAY: Close = (CloseCode.GOING_AWAY.value, "Going away")
#: A reset with ``disconnect``: the client reconnects (and is told to identify afresh).
RESET: Close = (CloseCode.UNKNOWN_ERROR.value, "Reset")


class Problems:
    """Discord's nested ``errors`` object, built up as a request is read: every bad field
    at its path (``{"embeds": {"0": {"color": {"_errors": [{"code", "message"}]}}}}``).
    Discord lists every problem of a request at once, so readers add here and the
    request is refused once, at :meth:`check`."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return bool(self.tree)

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.tree
        for part in path:
            child = node.setdefault(str(part), {})
            node = child
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def error(self) -> DiscordError:
        return INVALID_FORM_BODY(self.tree)

    def check(self) -> None:
        """Refuse the request (400 50035) if anything was added."""
        if self.tree:
            raise self.error()


def form_error(field: str | Path, code: str, message: str) -> DiscordError:
    """50035 with one problem, at ``field`` (a dotted path or a :data:`Path`)."""
    problems = Problems()
    problems.add(tuple(field.split(".")) if isinstance(field, str) else field, code,
                 message)
    return problems.error()


__all__ = [
    "ALREADY_ACKNOWLEDGED",
    "ALREADY_AUTHENTICATED",
    "AUTHENTICATION_FAILED",
    "BOTS_CANNOT_USE_ENDPOINT",
    "BULK_DELETE_TOO_OLD",
    "CANNOT_FORWARD_UNREADABLE",
    "CANNOT_MESSAGE_USER",
    "CANNOT_OPEN_DM",
    "DECODE_ERROR",
    "DISALLOWED_INTENTS",
    "DM_CHANNEL",
    "EMPTY_MESSAGE",
    "FORUM_NEEDS_THREAD",
    "GOING_AWAY",
    "INVALID_API_VERSION",
    "INVALID_FORM_BODY",
    "INVALID_INTENTS",
    "INVALID_JSON",
    "INVALID_ROLE",
    "INVALID_SEQ",
    "INVALID_SHARD",
    "INVALID_WEBHOOK_TOKEN",
    "MAX_PINS",
    "MAX_REACTIONS",
    "MISSING_ACCESS",
    "MISSING_PERMISSIONS",
    "NOT_AUTHENTICATED",
    "NOT_AUTHOR",
    "NOT_A_POLL",
    "NOT_IN_VOICE",
    "NOT_TEXT_CHANNEL",
    "POLL_EXPIRED",
    "POLL_NOT_EDITABLE",
    "RATE_LIMITED",
    "REQUEST_TOO_LARGE",
    "RESET",
    "SESSION_TIMED_OUT",
    "SHARDING_REQUIRED",
    "SYSTEM_MESSAGE",
    "THREAD_ALREADY_CREATED",
    "THREAD_ARCHIVED",
    "UNKNOWN_BAN",
    "UNKNOWN_CHANNEL",
    "UNKNOWN_COMMAND",
    "UNKNOWN_COMMAND_PERMISSIONS",
    "UNKNOWN_EMOJI",
    "UNKNOWN_ERROR",
    "UNKNOWN_GUILD",
    "UNKNOWN_INTERACTION",
    "UNKNOWN_MEMBER",
    "UNKNOWN_MESSAGE",
    "UNKNOWN_OPCODE",
    "UNKNOWN_ROLE",
    "UNKNOWN_USER",
    "UNKNOWN_WEBHOOK",
    "USER_BANNED",
    "VOICE_EXTRA_CONTENT",
    "VOICE_NOT_ALLOWED",
    "VOICE_NOT_EDITABLE",
    "VOICE_NO_METADATA",
    "VOICE_ONE_AUDIO_FILE",
    "WRONG_CHANNEL_TYPE",
    "Close",
    "CloseCode",
    "DiscordError",
    "ErrorEntry",
    "Opcode",
    "Path",
    "Problems",
    "form_error",
    "form_errors",
    "max_commands",
    "missing_access",
    "missing_permissions",
    "unknown",
    "whole_body_error",
]
