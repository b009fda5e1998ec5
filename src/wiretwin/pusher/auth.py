"""Pusher's signatures: channel and user auth, signed HTTP requests, signed webhooks.

Everything here is pure and byte-exact: presence ``channel_data`` and sign-in
``user_data`` are signed as the client sent them, never re-serialized, because that is
what the real service does and what client libraries rely on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping

from .errors import RequestAuthError, shown

#: How far a signed HTTP request's ``auth_timestamp`` may be from the server's clock.
TIMESTAMP_GRACE = 600


def hmac_sha256_hex(secret: str, message: str | bytes) -> str:
    # surrogatepass: a client's text with a lone surrogate still hashes (and mismatches).
    data = message.encode("utf-8", "surrogatepass") if isinstance(message, str) else message
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def channel_string_to_sign(socket_id: str, channel: str, channel_data: str | None = None) -> str:
    if channel_data is None:
        return f"{socket_id}:{channel}"
    return f"{socket_id}:{channel}:{channel_data}"


def user_string_to_sign(socket_id: str, user_data: str) -> str:
    return f"{socket_id}::user::{user_data}"


def sign_channel(
    key: str, secret: str, socket_id: str, channel: str, channel_data: str | None = None
) -> str:
    """The ``auth`` value an auth endpoint returns for a channel subscription."""
    to_sign = channel_string_to_sign(socket_id, channel, channel_data)
    return f"{key}:{hmac_sha256_hex(secret, to_sign)}"


def sign_user(key: str, secret: str, socket_id: str, user_data: str) -> str:
    """The ``auth`` value a user-authentication endpoint returns for ``pusher:signin``."""
    return f"{key}:{hmac_sha256_hex(secret, user_string_to_sign(socket_id, user_data))}"


def auth_matches(expected: str, given: object) -> bool:
    """Constant-time comparison of a signature with what a client sent (any string: a
    non-ASCII one, or one with a lone surrogate, simply does not match)."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


# -- signed HTTP requests ---------------------------------------------------------------


def request_string_to_sign(method: str, path: str, params: Mapping[str, str]) -> str:
    """``METHOD\\nPATH\\nQUERY``: every param but the signature, keys lower-cased, sorted,
    values unescaped."""
    query = "&".join(
        f"{k}={v}"
        for k, v in sorted((k.lower(), v) for k, v in params.items() if k != "auth_signature")
    )
    return f"{method.upper()}\n{path}\n{query}"


def sign_request(secret: str, method: str, path: str, params: Mapping[str, str]) -> str:
    return hmac_sha256_hex(secret, request_string_to_sign(method, path, params))


def body_md5(body: bytes) -> str:
    return hashlib.md5(body).hexdigest()


#: Ruby's ``String#to_i``: leading whitespace, a sign, digits (``_`` between them); the
#: rest is ignored, and no digits at all is 0.
_RUBY_INT = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+(?:_[0-9]+)*)")
#: Past this many digits a timestamp is not rendered as a date (Python's int/str limit is
#: 4,300 digits; no clock is within 600 s of such a number anyway).
_MAX_TIMESTAMP_DIGITS = 4000


def parse_timestamp(raw: str) -> int | None:
    """``auth_timestamp`` read as Pusher's signature library reads it (Ruby's ``to_i``:
    ``"abc"`` is 0, ``"12abc"`` is 12, ``"1e3"`` is 1); None when it has more digits than
    the twin renders (it is expired whatever the clock says)."""
    match = _RUBY_INT.match(raw)
    if match is None:
        return 0
    sign, digits = match.groups()
    digits = digits.replace("_", "")
    if len(digits) > _MAX_TIMESTAMP_DIGITS:
        return None
    value = int(digits)
    return -value if sign == "-" else value


def iso8601(timestamp: int) -> str:
    """``%Y-%m-%dT%H:%M:%SZ`` in UTC for any whole number of seconds, as Ruby's ``Time``
    prints it (years past 9999 and before 1 included, which :mod:`datetime` cannot do).
    Days to a civil date by H. Hinnant's ``civil_from_days``."""
    days, seconds = divmod(timestamp, 86400)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    hour, rest = divmod(seconds, 3600)
    minute, second = divmod(rest, 60)
    sign = "-" if year < 0 else ""
    return f"{sign}{abs(year):04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"


def verify_request(
    *,
    key: str,
    secret: str,
    method: str,
    path: str,
    params: Mapping[str, str],
    body: bytes,
    now: float,
) -> None:
    """Check a signed HTTP API request the way Pusher does; raise :class:`RequestAuthError`.

    Order of checks: the parameters are present, the key is this app's, the timestamp is
    fresh, the body hash matches, and last the signature (whose error shows the exact
    string the server signed, so a mismatch can be debugged).
    """
    missing = [p for p in ("auth_key", "auth_timestamp", "auth_signature") if p not in params]
    if missing:
        raise RequestAuthError(401, f"Missing parameter: {missing[0]}")
    if params["auth_key"] != key:
        raise RequestAuthError(401, "Unknown auth_key")
    version = params.get("auth_version", "1.0")
    if version != "1.0":
        raise RequestAuthError(401, "Version not supported")
    timestamp = parse_timestamp(params["auth_timestamp"])
    if timestamp is None or abs(int(now) - timestamp) >= TIMESTAMP_GRACE:
        given = iso8601(timestamp) if timestamp is not None else shown(
            params["auth_timestamp"], 64)
        raise RequestAuthError(
            401,
            f"Timestamp expired: Given timestamp ({given}) not within "
            f"{TIMESTAMP_GRACE}s of server time ({iso8601(int(now))})",
        )
    if body and "body_md5" not in params:
        raise RequestAuthError(401, "Missing parameter: body_md5 (required with a body)")
    if "body_md5" in params and params["body_md5"] != body_md5(body):
        raise RequestAuthError(
            401,
            f"Invalid body_md5: the MD5 of the body is {body_md5(body)}, "
            f"but you sent {shown(params['body_md5'], 64)}",
        )
    to_sign = request_string_to_sign(method, path, params)
    expected = hmac_sha256_hex(secret, to_sign)
    if not auth_matches(expected, params["auth_signature"]):
        raise RequestAuthError(
            401,
            f"Invalid signature: you should have sent HmacSHA256Hex({json.dumps(to_sign)}, "
            f'your_secret_key), but you sent "{shown(params["auth_signature"], 128)}"',
        )


def webhook_signature(secret: str, body: bytes) -> str:
    """``X-Pusher-Signature``: HMAC-SHA256 of the raw webhook body."""
    return hmac_sha256_hex(secret, body)


__all__ = [
    "TIMESTAMP_GRACE",
    "auth_matches",
    "body_md5",
    "channel_string_to_sign",
    "hmac_sha256_hex",
    "iso8601",
    "parse_timestamp",
    "request_string_to_sign",
    "sign_channel",
    "sign_request",
    "sign_user",
    "user_string_to_sign",
    "verify_request",
]
