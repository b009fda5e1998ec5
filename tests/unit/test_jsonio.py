"""Strict JSON for what clients send: every refusal is a JSONError, never a crash."""

from __future__ import annotations

import json

import pytest

from wiretwin.runtime import jsonio


@pytest.mark.parametrize(("text", "reason"), [
    ("[" * 1000 + "]" * 1000, "nested deeper"),
    ("[" * 100_000, "nested deeper"),  # Python's own parser gives RecursionError here
    ('{"a": NaN}', "NaN"),
    ("[Infinity]", "Infinity"),
    ("1e400", "out of range"),
    ('{"event": "\\ud800"}', "surrogate"),
    ('{"\\udfff": 1}', "surrogate"),
    (b"\xff\xfe", "UTF-8"),
    ("[1, 2", "delimiter"),
    ("9" * 5000, "digits"),
])
def test_what_no_service_accepts_is_a_json_error(text: str | bytes, reason: str) -> None:
    with pytest.raises(jsonio.JSONError) as caught:
        jsonio.loads(text)
    assert isinstance(caught.value, ValueError)
    assert reason in caught.value.reason


def test_ordinary_json_comes_back_as_json_loads_gives_it() -> None:
    text = '{"op": 2, "d": {"token": "t", "emoji": "\\ud83d\\ude00", "n": [1.5, -2, null]}}'
    assert jsonio.loads(text) == json.loads(text)
    assert jsonio.loads(text.encode()) == json.loads(text)
    assert jsonio.loads("[" * 64 + "]" * 64) == json.loads("[" * 64 + "]" * 64)


def test_depth_counts_without_recursion() -> None:
    deep: list[object] = []
    for _ in range(50_000):
        deep = [deep]
    assert jsonio.depth(deep) == 50_001
    assert jsonio.depth({"a": [1, {"b": 2}]}) == 3
    assert jsonio.depth(7) == 0


@pytest.mark.parametrize("value", [
    {"op": 0, "d": {"id": "1", "n": [1, 2.5, None, True], "s": "quote \" and \\\\"}},
    {"text": "héllo ✓ 👍", "nested": [{"ß": "ü"}]},  # non-ASCII: \\u escapes
    {"big": 2 ** 70, "neg": -(2 ** 65)},  # past 64 bits: the standard library writes it
    {1: "an int key", "2": "a str key"},  # non-string keys, as json.dumps turns them
    [(1, 2), {"tuple": (3,)}],
    "\u2028 line separator",
])
def test_compact_writes_what_json_dumps_writes(value: object) -> None:
    expected = json.dumps(value, separators=(",", ":"))
    assert jsonio.compact(value) == expected
    assert jsonio.compact(value).isascii()


def test_compact_refuses_what_json_dumps_refuses() -> None:
    import datetime

    for value in (datetime.datetime(2026, 1, 1), {"x": object()}, {1.5j: 1}):
        with pytest.raises(TypeError):
            json.dumps(value)
        with pytest.raises(TypeError):
            jsonio.compact(value)
