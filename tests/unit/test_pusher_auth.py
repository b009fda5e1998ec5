"""The signature vectors from Pusher's docs (shared/reference/pusher.md §1.7, §2.2)."""

from __future__ import annotations

import json

import pytest

from wiretwin.pusher.auth import (
    RequestAuthError,
    body_md5,
    request_string_to_sign,
    sign_channel,
    sign_request,
    sign_user,
    verify_request,
    webhook_signature,
)

KEY = "278d425bdf160c739803"
SECRET = "7ad3773142a6692b25b8"


def test_private_channel_vector() -> None:
    assert sign_channel(KEY, SECRET, "1234.1234", "private-foobar") == (
        f"{KEY}:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
    )


def test_presence_channel_vector_signs_channel_data_byte_exact() -> None:
    channel_data = '{"user_id":10,"user_info":{"name":"Mr. Channels"}}'
    assert sign_channel(KEY, SECRET, "1234.1234", "presence-foobar", channel_data) == (
        f"{KEY}:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80"
    )
    # The same member re-serialized with spaces is a different signature.
    respaced = json.dumps(json.loads(channel_data))
    assert sign_channel(KEY, SECRET, "1234.1234", "presence-foobar", respaced) != (
        sign_channel(KEY, SECRET, "1234.1234", "presence-foobar", channel_data)
    )


def test_user_signin_vector() -> None:
    assert sign_user(KEY, SECRET, "1234.1234", '{"id":"12345"}') == (
        f"{KEY}:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba"
    )


REST_BODY = b'{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}'
REST_PARAMS = {
    "auth_key": KEY,
    "auth_timestamp": "1353088179",
    "auth_version": "1.0",
    "body_md5": "ec365a775a4cd0599faeb73354201b6f",
}
REST_SIGNATURE = "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"


def test_rest_vector() -> None:
    assert body_md5(REST_BODY) == REST_PARAMS["body_md5"]
    assert sign_request(SECRET, "POST", "/apps/3/events", REST_PARAMS) == REST_SIGNATURE


def test_string_to_sign_lowercases_sorts_and_leaves_values_unescaped() -> None:
    params = {"info": "user_count,subscription_count", "Auth_Key": "k", "auth_signature": "x"}
    assert request_string_to_sign("get", "/apps/1/channels", params) == (
        "GET\n/apps/1/channels\nauth_key=k&info=user_count,subscription_count"
    )


def _verify(params: dict[str, str], now: float = 1353088179, body: bytes = REST_BODY) -> None:
    verify_request(key=KEY, secret=SECRET, method="POST", path="/apps/3/events",
                   params=params, body=body, now=now)


def test_verify_accepts_the_rest_vector() -> None:
    _verify({**REST_PARAMS, "auth_signature": REST_SIGNATURE})


def test_verify_rejects_a_bad_signature_showing_the_string_to_sign() -> None:
    with pytest.raises(RequestAuthError) as caught:
        _verify({**REST_PARAMS, "auth_signature": "nope"})
    assert caught.value.status == 401
    assert str(caught.value).startswith(
        'Invalid signature: you should have sent HmacSHA256Hex("POST\\n/apps/3/events\\n'
        f'auth_key={KEY}&auth_timestamp=1353088179'
    )
    assert str(caught.value).endswith('your_secret_key), but you sent "nope"')


def test_verify_accepts_599_seconds_of_skew_and_not_600() -> None:
    _verify({**REST_PARAMS, "auth_signature": REST_SIGNATURE}, now=1353088179 + 599)
    _verify({**REST_PARAMS, "auth_signature": REST_SIGNATURE}, now=1353088179 - 599)
    with pytest.raises(RequestAuthError, match=r"^Timestamp expired: Given timestamp "
                       r"\(2012-11-16T17:49:39Z\) not within 600s of server time"):
        _verify({**REST_PARAMS, "auth_signature": REST_SIGNATURE}, now=1353088179 - 600)


def test_verify_rejects_a_body_that_does_not_match_body_md5() -> None:
    with pytest.raises(RequestAuthError, match="body_md5"):
        _verify({**REST_PARAMS, "auth_signature": REST_SIGNATURE}, body=REST_BODY + b" ")


@pytest.mark.parametrize("missing", ["auth_key", "auth_timestamp", "auth_signature"])
def test_verify_names_a_missing_parameter(missing: str) -> None:
    params = {**REST_PARAMS, "auth_signature": REST_SIGNATURE}
    del params[missing]
    with pytest.raises(RequestAuthError, match=f"Missing parameter: {missing}"):
        _verify(params)


def test_verify_rejects_another_apps_key() -> None:
    with pytest.raises(RequestAuthError, match="Unknown auth_key"):
        _verify({**REST_PARAMS, "auth_key": "other", "auth_signature": REST_SIGNATURE})


def test_webhook_signature_is_hmac_of_the_raw_body() -> None:
    body = b'{"time_ms":1327078148132,"events":[{"name":"channel_occupied","channel":"a"}]}'
    import hashlib
    import hmac

    assert webhook_signature(SECRET, body) == hmac.new(
        SECRET.encode(), body, hashlib.sha256).hexdigest()
