"""Strict JSON in, for everything a client sends a twin; compact JSON out
(:func:`compact`).

Python's :func:`json.loads` is generous where the services are not, and some of its
generosity breaks a twin further in: nesting a thousand levels deep raises
``RecursionError`` (not ``ValueError``) and leaves structures that the twin's own code and
:func:`json.dumps` cannot walk back; ``NaN``, ``Infinity`` and ``1e400`` come back as
floats that no JSON encoder can write; a lone surrogate escape (``"\\ud800"``) becomes a
``str`` that cannot be encoded as UTF-8, so the first answer quoting it fails.

:func:`loads` refuses all of these with :class:`JSONError`, a :class:`ValueError`, so a
protocol adapter has one exception to turn into the service's own "invalid JSON" answer.
The checks cost nothing on ordinary input: the deep walks only run when a cheap scan of
the raw text says they could find something.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

#: Deepest nesting accepted. The services' own payloads stay under ten levels; the cap
#: keeps every later walk of the value (our code, ``json.dumps``) far from Python's
#: recursion limit.
MAX_DEPTH = 64

_SURROGATE_ESCAPE = re.compile(r"\\[uU][dD][89a-fA-F]")

try:  # ten times faster than the standard library's encoder on a gateway frame
    import orjson
except ImportError:  # pragma: no cover - a dependency, kept optional at runtime
    orjson = None  # type: ignore[assignment]
#: What the standard library cannot encode either goes to it, to fail there alike.
_PASSTHROUGH = (0 if orjson is None else orjson.OPT_PASSTHROUGH_DATACLASS
                | orjson.OPT_PASSTHROUGH_DATETIME)

#: One encoder for every frame (``json.dumps`` with arguments builds one per call).
_COMPACT = json.JSONEncoder(separators=(",", ":"))


class JSONError(ValueError):
    """The text is not JSON a service would accept; ``reason`` says why, in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _constant(name: str) -> Any:
    raise JSONError(f"{name} is not valid JSON")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONError(f"number {text[:20]} is out of range")
    return value


#: One decoder for every payload (``json.loads`` with hooks builds one per call).
_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_float)


def loads(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``data`` as strict JSON, or raise :class:`JSONError`."""
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode()
        except UnicodeDecodeError:
            raise JSONError("the payload is not valid UTF-8") from None
    else:
        text = data
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise JSONError(f"nested deeper than {max_depth} levels") from None
    except JSONError:
        raise
    except ValueError as exc:  # JSONDecodeError, and ints past Python's digit limit
        raise JSONError(str(exc)) from None
    if text.count("[") + text.count("{") > max_depth and depth(value) > max_depth:
        raise JSONError(f"nested deeper than {max_depth} levels")
    if _SURROGATE_ESCAPE.search(text) is not None and _has_lone_surrogate(value):
        raise JSONError("a string holds an unpaired UTF-16 surrogate")
    return value


def compact(data: Any) -> str:
    """``data`` as the services send it: compact ASCII JSON (non-ASCII characters as
    ``\\u`` escapes, so characters are bytes), what ``json.dumps(data,
    separators=(",", ":"))`` writes (a float may be spelt another way: ``1e22`` for
    ``1e+22``). orjson writes it when it can say the same thing (an ASCII result);
    anything else (non-ASCII text, integers past 64 bits, non-string keys) goes to the
    standard library's encoder. (A NaN, which no twin holds since :func:`loads` refuses
    it, would come out as ``null``.)"""
    if orjson is not None:
        try:
            text: str = orjson.dumps(data, option=_PASSTHROUGH).decode()
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
        else:
            if text.isascii():
                return text
    return _COMPACT.encode(data)


def depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        level += 1
        deepest = max(deepest, level)
        stack.extend((child, level) for child in item)
    return deepest


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


__all__ = ["MAX_DEPTH", "JSONError", "compact", "depth", "loads"]
