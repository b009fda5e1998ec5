"""Lavalink's errors as Spring Boot (3.3, on Undertow) renders them.

Every REST error past the password gate is Spring's error object ``{timestamp, status,
error, [trace,] message, path}``. What goes in ``message`` depends on how the error came
about, and the twin answers each way as the real node does (read from Lavalink 4.2,
Spring Framework 6.1, Spring Boot 3.3 and Undertow 2.3):

* a ``ResponseStatusException`` the handler throws ("Session not found"): its reason;
* one of Spring's own ``ErrorResponse`` refusals (no route, wrong method, a missing
  query parameter, an unsupported Content-Type): the problem detail Spring writes for it
  ("No endpoint GET /v4/nope.", "Required parameter 'identifier' is not present.");
* a body kotlinx cannot read, or a path/query value Spring cannot convert (``guildId``
  "abc", ``noReplace=maybe``): ``DefaultHandlerExceptionResolver`` calls
  ``sendError(400)`` without a message, and Undertow fills in the reason phrase, so the
  message is just ``"Bad Request"`` (shoukaku issue #198 shows such a body). The details
  only show in ``trace``;
* an exception nothing handles (a malformed base64 track, an equalizer band past 14):
  500, ``"Request processing failed: <exception>"`` for runtime exceptions, the bare
  message (or ``"No message available"``) for ``IOException`` s, which Spring rethrows
  unwrapped.

``trace`` (with ``?trace``, any value but ``false``) is the start of the Java stack trace
Spring prints: the exception's class and message, a frame, and its cause.

The enums name what the node sends on its websocket: the ``op`` of each message, the
``type`` of each ``event``, a ``TrackEndEvent``'s ``reason``, a ``TrackExceptionEvent``'s
``severity``, and the close codes the twin closes with (its own websocket's, and the
Discord voice gateway's it reports in ``WebSocketClosedEvent``).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from http import HTTPStatus


class Op(StrEnum):
    """The ``op`` of a websocket message (Lavalink v4 sends these four, takes none)."""

    READY = "ready"
    PLAYER_UPDATE = "playerUpdate"
    STATS = "stats"
    EVENT = "event"


class EventType(StrEnum):
    """The ``type`` of an ``event`` message."""

    TRACK_START = "TrackStartEvent"
    TRACK_END = "TrackEndEvent"
    TRACK_EXCEPTION = "TrackExceptionEvent"
    TRACK_STUCK = "TrackStuckEvent"
    WEBSOCKET_CLOSED = "WebSocketClosedEvent"


class EndReason(StrEnum):
    """A ``TrackEndEvent``'s ``reason`` (lavaplayer's ``AudioTrackEndReason``)."""

    FINISHED = "finished"
    LOAD_FAILED = "loadFailed"
    STOPPED = "stopped"
    REPLACED = "replaced"
    CLEANUP = "cleanup"


class Severity(StrEnum):
    """A ``FriendlyException``'s severity, in ``TrackExceptionEvent`` and load errors."""

    COMMON = "common"
    SUSPICIOUS = "suspicious"
    FAULT = "fault"


class CloseCode(IntEnum):
    """Close codes of the twin's own websocket (RFC 6455's, as Spring and Undertow use
    them)."""

    NORMAL = 1000  # reset, or a session resumed on another socket
    GOING_AWAY = 1001  # the node shutting down
    UNSUPPORTED_DATA = 1003  # a binary message ("Binary messages not supported")
    MESSAGE_TOO_BIG = 1009  # a message past max_frame_bytes
    INTERNAL_ERROR = 1011  # the handler threw after the upgrade (a User-Id not a long)
    ABNORMAL = 1006  # no close frame: the connection dropped


class VoiceCloseCode(IntEnum):
    """Discord voice gateway close codes a ``WebSocketClosedEvent`` reports."""

    SESSION_NO_LONGER_VALID = 4006
    DISCONNECTED = 4014  # the bot was kicked or moved out of the channel

#: Spring's ``HttpStatus`` reason phrases where they differ from Python's (RFC 9110).
_SPRING_PHRASES = {413: "Payload Too Large", 414: "URI Too Long",
                   416: "Requested range not satisfiable", 422: "Unprocessable Entity"}
#: What a kotlinx ``Json`` instance prints as (the identity hash is the JVM's).
KOTLINX_JSON = "kotlinx.serialization.json.JsonImpl@5e3c8a9f"
_FRAME = "\n\tat lavalink.server (wiretwin)\n"


def phrase(status: int) -> str:
    """The reason phrase Spring puts in ``error`` ("Not Found")."""
    if status in _SPRING_PHRASES:
        return _SPRING_PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Http Status {status}"


class LavalinkError(Exception):
    """Answered with ``status`` and a Spring error body carrying ``message``; ``trace`` is
    what ``?trace=true`` shows (by default, the ``ResponseStatusException`` a Lavalink
    handler throws with that status and reason)."""

    def __init__(self, status: int, message: str, *, trace: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.trace = trace if trace is not None else (
            "org.springframework.web.server.ResponseStatusException: "
            f"{status} {phrase(status).upper().replace(' ', '_')} \"{message}\"{_FRAME}")
        self.headers = headers or {}


def unreadable(detail: str, *, cause: str = "kotlinx.serialization.json.internal."
                                             "JsonDecodingException") -> LavalinkError:
    """A request body kotlinx could not read: 400 "Bad Request"."""
    first = (f"org.springframework.http.converter.HttpMessageNotReadableException: "
             f"Could not read {KOTLINX_JSON}: {detail}")
    return LavalinkError(400, "Bad Request",
                         trace=f"{first}{_FRAME}Caused by: {cause}: {detail}{_FRAME}")


def body_missing(signature: str) -> LavalinkError:
    """A ``@RequestBody`` with no body at all: 400 "Bad Request"."""
    return LavalinkError(400, "Bad Request", trace=(
        "org.springframework.http.converter.HttpMessageNotReadableException: Required "
        f"request body is missing: {signature}{_FRAME}"))


def type_mismatch(parameter: str, value: str, java_type: str, cause: str) -> LavalinkError:
    """A path variable or query parameter Spring could not convert: 400 "Bad Request"."""
    return LavalinkError(400, "Bad Request", trace=(
        "org.springframework.web.method.annotation.MethodArgumentTypeMismatchException: "
        f"Method parameter '{parameter}': Failed to convert value of type "
        f"'java.lang.String' to required type '{java_type}'; {cause}{_FRAME}"))


def missing_parameter(name: str, java_type: str = "String") -> LavalinkError:
    return LavalinkError(400, f"Required parameter '{name}' is not present.", trace=(
        "org.springframework.web.bind.MissingServletRequestParameterException: Required "
        f"request parameter '{name}' for method parameter type {java_type} is not "
        f"present{_FRAME}"))


def unsupported_media_type(content_type: str | None, method: str) -> LavalinkError:
    """415: a body whose Content-Type no converter reads (None: not parseable)."""
    accepted = "application/json, application/*+json"
    headers = {"Accept": accepted}
    if method == "PATCH":
        headers["Accept-Patch"] = accepted
    if content_type is None:
        return LavalinkError(415, "Could not parse Content-Type.", headers=headers, trace=(
            "org.springframework.web.HttpMediaTypeNotSupportedException: Invalid mime "
            f"type{_FRAME}"))
    return LavalinkError(415, f"Content-Type '{content_type}' is not supported.",
                         headers=headers, trace=(
                             "org.springframework.web.HttpMediaTypeNotSupportedException: "
                             f"Content-Type '{content_type}' is not supported{_FRAME}"))


def no_endpoint(method: str, path: str) -> LavalinkError:
    """No handler for the path: Spring 6.1 throws ``NoHandlerFoundException`` before any
    interceptor runs, so this comes whatever the ``Authorization`` header says."""
    return LavalinkError(404, f"No endpoint {method} {path}.", trace=(
        f"org.springframework.web.servlet.NoHandlerFoundException: No endpoint {method} "
        f"{path}.{_FRAME}"))


def method_not_allowed(method: str, allowed: list[str]) -> LavalinkError:
    return LavalinkError(405, f"Method '{method}' is not supported.",
                         headers={"Allow": ",".join(allowed)}, trace=(
                             "org.springframework.web.HttpRequestMethodNotSupportedException"
                             f": Request method '{method}' is not supported{_FRAME}"))


def server_error(exception: str, message: str | None) -> LavalinkError:
    """A runtime exception nothing handled: Spring wraps it, Undertow shows the wrapper."""
    shown = f"{exception}: {message}" if message is not None else exception
    return LavalinkError(500, f"Request processing failed: {shown}",
                         trace=f"{shown}{_FRAME}")


def io_failure(exception: str, message: str | None) -> LavalinkError:
    """An ``IOException`` out of a handler: rethrown as it is, so its own message shows
    (``EOFException`` has none: "No message available")."""
    shown = f"{exception}: {message}" if message is not None else exception
    return LavalinkError(500, message or "No message available", trace=f"{shown}{_FRAME}")


def out_of_memory() -> LavalinkError:
    """What a node answers when its heap is full (the twin's caps on growth say this)."""
    return server_error("java.lang.OutOfMemoryError", "Java heap space")


__all__ = [
    "KOTLINX_JSON",
    "CloseCode",
    "EndReason",
    "EventType",
    "LavalinkError",
    "Op",
    "Severity",
    "VoiceCloseCode",
    "body_missing",
    "io_failure",
    "method_not_allowed",
    "missing_parameter",
    "no_endpoint",
    "out_of_memory",
    "phrase",
    "server_error",
    "type_mismatch",
    "unreadable",
    "unsupported_media_type",
]
