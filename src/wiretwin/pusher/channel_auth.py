"""What a private or presence subscription must carry: Pusher's signature over
``socket_id:channel[:channel_data]``, and for presence a ``channel_data`` naming the member.

Pure rules, no state: :func:`check_channel_auth` raises :class:`PusherError` (answered
with ``pusher:error``, the connection stays) with a text that shows the client what should
have been signed, or returns the presence member the subscription joins as.
"""

from __future__ import annotations

from typing import Any

from ..runtime import jsonio
from .apps import App
from .auth import auth_matches, channel_string_to_sign, sign_channel
from .errors import PusherError, shown
from .state import Connection, user_id_of
from .wire import dumps

#: Longest presence user id accepted.
MAX_USER_ID = 128


def check_channel_auth(conn: Connection, name: str, presence: bool,
                       data: dict[str, Any]) -> tuple[str | None, Any]:
    """Check a private/presence ``pusher:subscribe``; (presence user id, user_info), or
    (None, None) off presence channels."""
    channel_data = data.get("channel_data")
    if presence and not isinstance(channel_data, str):
        raise PusherError(
            f"Presence channel {name} requires channel_data: the JSON string "
            "your auth endpoint returned with the signature"
        )
    signed_data = channel_data if presence else None
    assert signed_data is None or isinstance(signed_data, str)
    expected = sign_channel(conn.app.key, conn.app.secret, conn.socket_id, name,
                            signed_data)
    given = data.get("auth")
    if not auth_matches(expected, given):
        raise PusherError(_bad_signature(conn, name, signed_data, given))
    if not presence:
        return None, None
    assert isinstance(signed_data, str)
    return _presence_member(conn.app, name, signed_data)


def _bad_signature(conn: Connection, name: str, channel_data: str | None,
                   given: object) -> str:
    to_sign = channel_string_to_sign(conn.socket_id, name, channel_data)
    if not isinstance(given, str) or not given:
        return (f"Auth value for subscription to {name} is missing or not a string: "
                f"expected {conn.app.key}:<HMAC SHA256 hex digest of {shown(to_sign)}>")
    key, _, _ = given.partition(":")
    if key != conn.app.key:
        return f"Invalid key in subscription auth data: '{shown(key, 128)}'"
    return (f"Invalid signature: Expected HMAC SHA256 hex digest of {shown(to_sign)}, "
            f"but got {shown(given, 256)}")


def _presence_member(app: App, name: str, channel_data: str) -> tuple[str, Any]:
    try:
        parsed = jsonio.loads(channel_data)
    except jsonio.JSONError:
        raise PusherError(
            f"Invalid channel_data for {name}: not JSON ({shown(channel_data, 80)!r})"
        ) from None
    if not isinstance(parsed, dict):
        raise PusherError(f"Invalid channel_data for {name}: must be a JSON object")
    user_id = user_id_of(parsed.get("user_id"))
    if user_id is None:
        raise PusherError(
            f"Invalid channel_data for {name}: user_id must be a non-empty string or number"
        )
    if len(user_id) > MAX_USER_ID:
        raise PusherError(
            f"Invalid channel_data for {name}: user_id longer than {MAX_USER_ID} characters"
        )
    info = parsed.get("user_info")
    size = len(dumps(info).encode()) if info is not None else 0
    if size > app.max_presence_user_info_bytes:
        raise PusherError(
            f"Invalid channel_data for {name}: user_info is {size} bytes, "
            f"over the {app.max_presence_user_info_bytes}-byte limit"
        )
    return user_id, info


__all__ = ["MAX_USER_ID", "check_channel_auth"]
