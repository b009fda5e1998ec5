"""Pusher's signatures: channel and user auth, signed HTTP requests, signed webhooks.

Everything here is pure and byte-exact: presence ``channel_data`` and sign-in
``user_data`` are signed as the client sent them, never re-serialized, because that is
what the real service does and what client libraries rely on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

#: How far a signed HTTP request's ``auth_timestamp`` may be from the server's clock.
TIMESTAMP_GRACE = 600


def hmac_sha256_hex(secret: str, message: str | bytes) -> str:
    data = message.encode() if isinstance(message, str) else message
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
    return isinstance(given, str) and hmac.compare_digest(expected, given)


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


@dataclass(frozen=True)
class RequestAuthError(Exception):
    """A signed-request check failed; ``message`` is what the service answers with."""

    status: int
    message: str

    def __str__(self) -> str:
        return self.message


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    try:
        timestamp = int(params["auth_timestamp"])
    except ValueError:
        raise RequestAuthError(
            401, f"Invalid auth_timestamp: {params['auth_timestamp']!r} is not an integer"
        ) from None
    if abs(now - timestamp) >= TIMESTAMP_GRACE:
        raise RequestAuthError(
            401,
            f"Timestamp expired: Given timestamp ({_iso(timestamp)}) not within "
            f"{TIMESTAMP_GRACE}s of server time ({_iso(now)})",
        )
    if body and "body_md5" not in params:
        raise RequestAuthError(401, "Missing parameter: body_md5 (required with a body)")
    if "body_md5" in params and params["body_md5"] != body_md5(body):
        raise RequestAuthError(
            401,
            f"Invalid body_md5: the MD5 of the body is {body_md5(body)}, "
            f"but you sent {params['body_md5']}",
        )
    to_sign = request_string_to_sign(method, path, params)
    expected = hmac_sha256_hex(secret, to_sign)
    if not auth_matches(expected, params["auth_signature"]):
        raise RequestAuthError(
            401,
            f"Invalid signature: you should have sent HmacSHA256Hex({json.dumps(to_sign)}, "
            f'your_secret_key), but you sent "{params["auth_signature"]}"',
        )


def webhook_signature(secret: str, body: bytes) -> str:
    """``X-Pusher-Signature``: HMAC-SHA256 of the raw webhook body."""
    return hmac_sha256_hex(secret, body)


__all__ = [
    "TIMESTAMP_GRACE",
    "RequestAuthError",
    "auth_matches",
    "body_md5",
    "channel_string_to_sign",
    "hmac_sha256_hex",
    "request_string_to_sign",
    "sign_channel",
    "sign_request",
    "sign_user",
    "user_string_to_sign",
    "verify_request",
]
