"""The guide's harness signs a made-up socket id (the guide's ``"socket_123"``, which the
SDK refuses) with Pusher's channel signature, the same one a real socket id gets."""

from __future__ import annotations

import hashlib
import hmac
import json

from wiretwin.compat.pusher_guide import mock_pusher_context


def _hmac(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def test_a_made_up_socket_id_is_signed_as_pusher_signs_a_channel() -> None:
    with mock_pusher_context() as pusher:
        key, secret = pusher.app.key, pusher.app.secret
        member = {"user_id": "123", "user_info": {"name": "Test User"}}
        channel_data = json.dumps(member)
        assert pusher.authenticate("presence-room", "socket_123", member) == {
            "auth": f"{key}:{_hmac(secret, f'socket_123:presence-room:{channel_data}')}",
            "channel_data": channel_data,
        }
        assert pusher.authenticate("private-a", "socket_1") == {
            "auth": f"{key}:{_hmac(secret, 'socket_1:private-a')}"}
        # A real socket id goes to the SDK, which signs the same string.
        assert pusher.authenticate("private-a", "1.2") == {
            "auth": f"{key}:{_hmac(secret, '1.2:private-a')}"}
