"""The signature vectors from Pusher's docs (shared/reference/pusher.md §1.7, §2.2)."""

from __future__ import annotations

import json

import pytest

from wiretwin.pusher.auth import (
    auth_matches,
    body_md5,
    iso8601,
    parse_timestamp,
    request_string_to_sign,
    sign_channel,
    sign_request,
    sign_user,
    verify_request,
    webhook_signature,
)
from wiretwin.pusher.errors import RequestAuthError

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


@pytest.mark.parametrize(("raw", "value"), [
    ("1353088179", 1353088179), ("abc", 0), ("", 0), ("12abc", 12), ("1e3", 1),
    (" \t7", 7), ("-5", -5), ("+5", 5), ("1_000", 1000), ("1__0", 1), ("\u00b2", 0),
    ("\uff17", 0), ("9" * 5000, None),
])
def test_auth_timestamp_is_read_as_rubys_to_i(raw: str, value: int | None) -> None:
    """Pusher's signature library compares ``auth_timestamp.to_i`` with its clock."""
    assert parse_timestamp(raw) == value


@pytest.mark.parametrize(("timestamp", "text"), [
    (0, "1970-01-01T00:00:00Z"),
    (1353088179, "2012-11-16T17:49:39Z"),
    (253402300799, "9999-12-31T23:59:59Z"),
    (253402300800, "10000-01-01T00:00:00Z"),
    (99999999999999, "3170843-11-07T09:46:39Z"),
    (-62135596801, "0000-12-31T23:59:59Z"),
    (-99999999999, "-1199-02-15T14:13:21Z"),
])
def test_any_timestamp_prints_as_ruby_prints_it(timestamp: int, text: str) -> None:
    assert iso8601(timestamp) == text


@pytest.mark.parametrize(("raw", "given"), [
    ("abc", "1970-01-01T00:00:00Z"),
    ("99999999999999", "3170843-11-07T09:46:39Z"),
    ("9" * 5000, "9" * 64 + "..."),
])
def test_far_off_timestamps_are_expired_with_pushers_text(raw: str, given: str) -> None:
    now = 1_700_000_000
    params = {"auth_key": KEY, "auth_timestamp": raw, "auth_version": "1.0"}
    params["auth_signature"] = sign_request(SECRET, "GET", "/apps/3/channels", params)
    with pytest.raises(RequestAuthError) as caught:
        verify_request(key=KEY, secret=SECRET, method="GET", path="/apps/3/channels",
                       params=params, body=b"", now=now)
    assert (caught.value.status, caught.value.message) == (
        401, f"Timestamp expired: Given timestamp ({given}) not within 600s of server time "
             "(2023-11-14T22:13:20Z)")


@pytest.mark.parametrize("signature", ["\u00e9" * 64, "zz", "a\udc80b", ""])
def test_a_signature_that_is_not_hex_simply_does_not_match(signature: str) -> None:
    now = 1_700_000_000
    params = {"auth_key": KEY, "auth_timestamp": str(now), "auth_version": "1.0",
              "auth_signature": signature}
    with pytest.raises(RequestAuthError, match=r"^Invalid signature: you should have sent"):
        verify_request(key=KEY, secret=SECRET, method="GET", path="/apps/3/channels",
                       params=params, body=b"", now=now)
    assert not auth_matches("key:" + "0" * 64, signature)
