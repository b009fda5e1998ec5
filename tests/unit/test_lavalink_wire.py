"""How Lavalink's Spring and kotlinx read values, and how Java decodes a track: tables of
inputs with the exact result or refusal (no server)."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import pytest

from wiretwin.lavalink import wire
from wiretwin.lavalink.errors import (
    CloseCode,
    EndReason,
    EventType,
    LavalinkError,
    Op,
    Severity,
    VoiceCloseCode,
)
from wiretwin.lavalink.javaio import JavaFailure, java_base64, java_read_utf
from wiretwin.lavalink.tracks import decode_track

LONG_MAX = 2**63 - 1


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("-12", -12), ("1e3", 1000), ("1E+2", 100), ("25e-1", None), ("1.0", None),
    ("+1", None), ("", None), ("-", None), (" 1", None), ("0x10", None),
    (str(LONG_MAX), LONG_MAX), (str(-(2**63)), -(2**63)), (str(2**63), None),
    ("1e19", None), ("9" * 5000, None),
])
def test_kotlinx_numeric_literals(text: str, value: int | None) -> None:
    if value is None:
        with pytest.raises(wire.Unreadable):
            wire.numeric_literal(text)
    else:
        assert wire.numeric_literal(text) == value


@pytest.mark.parametrize(("value", "result"), [
    (True, True), ("TRUE", True), ("false", False), ("fAlSe", False),
    (1, None), ("yes", None), ("", None), ([], None),
])
def test_kotlinx_booleans(value: Any, result: bool | None) -> None:
    if result is None:
        with pytest.raises(wire.Unreadable):
            wire.read_boolean(value)
    else:
        assert wire.read_boolean(value) is result


@pytest.mark.parametrize(("value", "result"), [
    (1.5, 1.5), ("1.5", 1.5), ("2f", 2.0), ("0x1p3", 8.0), (" 3 ", 3.0), (0, 0.0),
    ("NaN", None), ("Infinity", None), (wire.Real("1e39"), None), ("1_0", None),
    ("fast", None), (True, None), ({}, None),
])
def test_kotlin_floats(value: Any, result: float | None) -> None:
    if result is None:
        with pytest.raises(wire.Unreadable):
            wire.read_float(value)
    else:
        assert wire.read_float(value) == result


@pytest.mark.parametrize(("text", "value"), [
    ("42", 42), ("007", 7), ("-5", -5), ("+5", 5), (" 1 2 ", 12), ("0x1F", 31), ("#10", 16),
    ("-0x10", -16), ("\u0661\u0662", 12), ("\u00b2", None), ("abc", None), ("", None),
    ("1e3", None), (str(LONG_MAX), LONG_MAX), (str(LONG_MAX + 1), None), ("0x", None),
    ("0x-1", None), ("9" * 5000, None), ("0" * 40 + "1", 1),
])
def test_spring_reads_a_long(text: str, value: int | None) -> None:
    assert wire.spring_long(text) == value


@pytest.mark.parametrize(("raw", "value"), [
    (None, False), ("", False), ("  ", False), ("true", True), ("ON", True), ("yes", True),
    ("1", True), ("False", False), ("off", False), ("no", False), ("0", False),
])
def test_spring_booleans(raw: str | None, value: bool) -> None:
    assert wire.spring_boolean("noReplace", raw) is value


def test_a_spring_boolean_it_cannot_read_is_a_plain_400() -> None:
    with pytest.raises(LavalinkError) as err:
        wire.spring_boolean("noReplace", "maybe")
    assert (err.value.status, err.value.message) == (400, "Bad Request")
    assert "Invalid boolean value 'maybe'" in err.value.trace


@pytest.mark.parametrize(("header", "shown", "json"), [
    ("application/json", "application/json", True),
    ("Application/JSON; charset=UTF-8", "application/json;charset=UTF-8", True),
    ("application/vnd.api+json", "application/vnd.api+json", True),
    ("text/plain", "text/plain", False), ("*/*", "*/*", False), ("*", "*/*", False),
    ("json", None, None), ("application/json; charset=nope", None, None),
    ("a/b; x", None, None),
])
def test_content_types(header: str, shown: str | None, json: bool | None) -> None:
    parsed = wire.parse_content_type(header)
    if shown is None:
        assert parsed is None
    else:
        assert parsed is not None and (str(parsed), parsed.json) == (shown, json)


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {}),
    ({"volume": "80", "paused": "True", "position": wire.Real("1e3")},
     {"volume": 80, "paused": True, "position": 1000}),
    ({"endTime": None, "encodedTrack": None}, {"end_time": None, "encoded_track": None}),
    ({"userData": {"x": 1}, "unknown": [1, 2]}, {}),  # not PlayerUpdate fields: skipped
])
def test_player_updates_read(body: dict[str, Any], fields: dict[str, Any]) -> None:
    update = wire.read_player_update(body, with_channel=True)
    for name, value in fields.items():
        assert getattr(update, name) == value


@pytest.mark.parametrize("body", [
    [], "x", None, {"volume": None}, {"volume": wire.Real("1.0")}, {"volume": 2**31},
    {"position": "soon"}, {"paused": 0}, {"track": None}, {"track": {"encoded": 5}},
    {"track": {"identifier": None}}, {"track": {"userData": [1]}}, {"identifier": None},
    {"filters": None}, {"filters": {"volume": None}}, {"filters": {"equalizer": {}}},
    {"filters": {"equalizer": [{"gain": 1}]}}, {"filters": {"timescale": {"speed": "x"}}},
    {"filters": {"pluginFilters": []}}, {"voice": {"token": "t", "endpoint": "e"}},
    {"voice": {"token": "t", "endpoint": "e", "sessionId": "s"}},
    {"voice": {"token": 1, "endpoint": "e", "sessionId": "s", "channelId": "1"}},
])
def test_player_updates_kotlinx_refuses(body: Any) -> None:
    with pytest.raises(LavalinkError) as err:
        wire.read_player_update(body, with_channel=True)
    assert (err.value.status, err.value.message) == (400, "Bad Request")
    assert err.value.trace.startswith("org.springframework.http.converter."
                                      "HttpMessageNotReadableException: Could not read ")


def test_filters_are_not_range_checked_but_unknown_ones_are_dropped() -> None:
    filters = wire.read_filters({"timescale": {"speed": 0}, "volume": 50, "bogus": 1,
                                 "karaoke": None, "equalizer": [{"band": 99}]})
    assert set(filters.raw) == {"timescale", "volume", "karaoke", "equalizer"}
    assert filters.bands == (99,)


# -- Java's decoding ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("a", "Input byte[] should at least have 2 bytes for base64 bytes"),
    ("abcde", "Last unit does not have enough valid bits"),
    ("ab-d", "Illegal base64 character 2d"),
    ("ab\u00e9d", "Illegal base64 character -17"),  # a Java byte is signed
    ("ab=", "Input byte array has wrong 4-byte ending unit"),
    ("=abc", "Input byte array has wrong 4-byte ending unit"),
    ("ab==cd", "Input byte array has incorrect ending byte at 4"),
    ("a=", "Last unit does not have enough valid bits"),
])
def test_java_base64_refusals(text: str, message: str) -> None:
    with pytest.raises(JavaFailure) as err:
        java_base64(text)
    assert (err.value.exception, err.value.message) == (
        "java.lang.IllegalArgumentException", message)


@pytest.mark.parametrize(("text", "data"), [
    ("", b""), ("QUFB", b"AAA"), ("QUE", b"AA"), ("QUE=", b"AA"), ("QQ", b"A"),
    ("QQ==", b"A"),
])
def test_java_base64_accepts_padding_or_none(text: str, data: bytes) -> None:
    assert java_base64(text) == data


@pytest.mark.parametrize(("data", "message"), [
    (b"\xf0\x9f\x8e\x89", "malformed input around byte 0"),  # 4-byte UTF-8: never Java's
    (b"ok\xc3", "malformed input: partial character at end"),
    (b"\xc3\x28", "malformed input around byte 2"),
    (b"\xe2\x28\xa1", "malformed input around byte 2"),
    (b"\x80", "malformed input around byte 0"),
])
def test_java_read_utf_refusals(data: bytes, message: str) -> None:
    with pytest.raises(JavaFailure) as err:
        java_read_utf(data)
    assert (err.value.exception, err.value.message, err.value.io) == (
        "java.io.UTFDataFormatException", message, True)


def _message(body: bytes, size: int | None = None) -> str:
    header = struct.pack(">I", 1 << 30 | (len(body) if size is None else size))
    return base64.b64encode(header + body).decode()


def _utf(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">H", len(data)) + data


_FIELDS = _utf("t") + _utf("a") + struct.pack(">q", 1) + _utf("id") + b"\x00" + b"\x00"


@pytest.mark.parametrize(("encoded", "exception", "message"), [
    ("", "java.io.EOFException", None),
    ("QUFB", "java.io.EOFException", None),
    (_message(b"", size=0), "java.lang.NullPointerException", None),
    (_message(b"\x02" + _utf("t")), "java.io.EOFException", None),
    (_message(b"\x02" + _FIELDS + _utf("nowhere") + struct.pack(">q", 0)),
     "java.lang.IllegalStateException",
     "Failed to decode track due to a mismatching version or missing source manager"),
    (_message(b"\x02" + _FIELDS + _utf("youtube") + struct.pack(">q", 0), size=100),
     "java.io.EOFException", "Bytes to skip: 62 actual: 0"),
])
def test_java_track_decoding_failures(encoded: str, exception: str, message: str | None
                                      ) -> None:
    with pytest.raises(JavaFailure) as err:
        decode_track(encoded, frozenset({"youtube"}), java=True)
    assert err.value.exception == exception
    if message is not None or exception == "java.io.EOFException":
        assert err.value.message == message


def test_java_decoding_takes_any_version_byte_and_trailing_bytes() -> None:
    # version 7 reads as 3 (artwork and isrc, both null here); bytes past the position
    # are skipped
    body = b"\x07" + _FIELDS + b"\x00\x00" + _utf("youtube") + struct.pack(">q", 5) + b"tail"
    track = decode_track(_message(body), frozenset({"youtube"}), java=True)
    assert (track.info.title, track.info.position) == ("t", 5)


def test_the_enums_go_on_the_wire_as_lavalinks_plain_values() -> None:
    frame = wire.event(EventType.TRACK_END, "7", reason=EndReason.LOAD_FAILED,
                       code=VoiceCloseCode.DISCONNECTED)
    assert json.dumps(frame) == ('{"op": "event", "type": "TrackEndEvent", "guildId": "7", '
                                 '"reason": "loadFailed", "code": 4014}')
    assert json.dumps(wire.ready("abc", False)) == (
        '{"op": "ready", "resumed": false, "sessionId": "abc"}')
    assert [int(c) for c in CloseCode] == [1000, 1001, 1003, 1009, 1011, 1006]
    assert {s.value for s in Severity} == {"common", "suspicious", "fault"}
    assert {o.value for o in Op} == {"ready", "playerUpdate", "stats", "event"}
