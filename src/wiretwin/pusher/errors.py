"""Pusher's error vocabulary: close codes and the four ways a rule says no.

``PusherError`` becomes a ``pusher:error`` frame and the connection stays open (a bad
subscription, a rejected client event). ``CloseConnection`` ends the connection with a
close code from the protocol's table; with ``error_first`` a ``pusher:error`` carrying the
same code goes out before the close frame (protocol < 6 needs it, and Pysher only acts on
the in-band error). ``ApiError`` answers an HTTP API request with a status and one line
of text; ``RequestAuthError`` is the same for a request whose signature check failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

#: How much of a client's own value an error text quotes back. Enough for any value a
#: client sends on purpose (a presence ``channel_data`` with its 1 KB ``user_info`` fits),
#: and an error answer stays small whatever was sent.
QUOTE_LIMIT = 2048


class CloseCode(IntEnum):
    # 4000-4099: do not reconnect unchanged.
    SSL_ONLY = 4000
    APP_NOT_FOUND = 4001
    APP_DISABLED = 4003
    OVER_CONNECTION_QUOTA = 4004
    PATH_NOT_FOUND = 4005
    INVALID_VERSION = 4006
    UNSUPPORTED_PROTOCOL = 4007
    NO_PROTOCOL = 4008
    UNAUTHORIZED = 4009
    # 4100-4199: reconnect after backing off.
    OVER_CAPACITY = 4100
    # 4200-4299: reconnect immediately.
    GENERIC_RECONNECT = 4200
    PONG_NOT_RECEIVED = 4201
    CLOSED_AFTER_INACTIVITY = 4202
    # 4300-4399: other.
    CLIENT_EVENT_RATE_LIMIT = 4301
    WATCHLIST_LIMIT = 4302


class PusherError(Exception):
    """Answered with ``pusher:error``; the connection stays open."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ApiError(Exception):
    """An HTTP API request broke a rule; answered with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class RequestAuthError(Exception):
    """A signed-request check failed; ``message`` is what the service answers with."""

    status: int
    message: str

    def __str__(self) -> str:
        return self.message


class CloseConnection(Exception):
    """Ends the connection with ``code``."""

    def __init__(self, code: int, message: str, *, error_first: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.error_first = error_first


def shown(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A client's value as an error text quotes it: at most ``limit`` characters (then
    ``...``), and always encodable as UTF-8 (a lone surrogate shows as ``\\udc80``), so
    quoting what a client sent can never make the answer itself unsendable."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    try:
        text.encode()
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode()
    return text


__all__ = ["QUOTE_LIMIT", "ApiError", "CloseCode", "CloseConnection", "PusherError",
           "RequestAuthError", "shown"]
