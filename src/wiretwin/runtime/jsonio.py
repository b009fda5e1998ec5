"""Strict JSON in, for everything a client sends a twin.

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
        value = json.loads(text, parse_constant=_constant, parse_float=_float)
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


__all__ = ["MAX_DEPTH", "JSONError", "depth", "loads"]
