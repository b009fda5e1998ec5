"""A JSON writer for hostile documents, and structural mutations of JSON values.

``json.dumps`` cannot write duplicate keys or 5,000 levels of nesting, so values are
written by :func:`dumps`, which also understands two markers: :class:`Raw` (text put in
as is: ``NaN``, a truncated literal, a deep nest) and :class:`DupKeys` (an object as a
list of pairs, keys repeated). Lone surrogates in strings come out as JSON escapes
(``"\\ud800"``), as ``json.dumps`` writes them.

:func:`mutate` changes one node of a value: a type swap, a boundary number, an odd
string, a missing or extra key, a duplicate key, deep nesting. Everything draws from the
``random.Random`` it is given.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Raw:
    """JSON text inserted verbatim."""

    text: str


@dataclass(frozen=True)
class DupKeys:
    """An object written from pairs, so keys may repeat."""

    pairs: tuple[tuple[str, Any], ...]


def dumps(value: Any) -> str:
    """Compact JSON for ``value`` (iterative, so depth is no limit)."""
    try:  # the common case, fast: nothing json.dumps cannot say
        return json.dumps(value, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        pass
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (_Lit, Raw)):
            out.append(item.text)
        elif isinstance(item, DupKeys):
            stack.append(_Lit("}"))
            for index, (key, val) in reversed(list(enumerate(item.pairs))):
                stack.append(val)
                stack.append(_Lit(("," if index else "") + json.dumps(key) + ":"))
            stack.append(_Lit("{"))
        elif isinstance(item, dict):
            stack.append(DupKeys(tuple((str(k), v) for k, v in item.items())))
        elif isinstance(item, (list, tuple)):
            stack.append(_Lit("]"))
            for index, val in reversed(list(enumerate(item))):
                stack.append(val)
                if index:
                    stack.append(_Lit(","))
            stack.append(_Lit("["))
        elif isinstance(item, float):
            out.append(_float(item))
        else:
            out.append(json.dumps(item))
    return "".join(out)


@dataclass(frozen=True)
class _Lit:
    text: str


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


# -- interesting values ----------------------------------------------------------------

INTS: tuple[int, ...] = (0, -1, 1, 2, 255, 256, 65535, 2**31 - 1, 2**31, 2**32, 2**53 + 1,
                         2**63 - 1, 2**63, 2**64, -(2**63), -(2**63) - 1, 10**30, -(10**30))
FLOATS: tuple[float, ...] = (0.5, -0.0, 1.5, -1.5, 1e308, -1e308, 1e-320, float("nan"),
                             float("inf"), float("-inf"), 1e9, 4.0)
STRINGS: tuple[str, ...] = (
    "", " ", "a", "abc", "0", "-1", "1e9", "1.5", "²", "١٢٣", "\uff11\uff12\uff13", "0x10",
    " 1", "1 ",
    "+1", "null", "true", "\ud800", "\udfff", "a\ud800b", "\x00", "a\x00b", "\u202eRTL",
    "\u2028", "😀", "👍🏽", "\U0001d54f", "é", "e\u0301", "\ufeff", "%00", "%ff", "../..", "{{x}}",
    "<script>", "'\"", "\\", "\n", "\r\n", "\t", "@me", "@original", "#", "?", "&", "=",
    str(2**63), str(2**64), "9" * 30, "-" * 3, "ytsearch:", "private-", "presence-",
    "client-", "pusher:", "Bot ", "Infinity", "NaN",
)


def long_string(rng: random.Random) -> str:
    return rng.choice(("a", "é", "😀", "\x00", "9")) * rng.choice((129, 1025, 10_241, 70_000))


def deep(rng: random.Random) -> Raw:
    depth = rng.choice((100, 1_000, 5_000, 20_000))
    opener, closer = rng.choice((("[", "]"), ('{"a":', "}")))
    return Raw(opener * depth + "0" + closer * depth)


def scalar(rng: random.Random) -> Any:
    """Any interesting scalar, sometimes a long string or a raw literal."""
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(INTS)
    if roll < 0.45:
        return rng.choice(FLOATS)
    if roll < 0.8:
        return rng.choice(STRINGS)
    if roll < 0.85:
        return long_string(rng)
    if roll < 0.9:
        return rng.choice((True, False, None))
    return Raw(rng.choice(("NaN", "Infinity", "-Infinity", "1e999", "-0", "1E400",
                           "123456789012345678901234567890", "0.0000000000000000001")))


def any_value(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON-ish value (scalars, small containers, sometimes deep nesting)."""
    roll = rng.random()
    if depth > 2 or roll < 0.6:
        return scalar(rng)
    if roll < 0.75:
        return [any_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    if roll < 0.9:
        return {rng.choice(STRINGS[:20]) or "k": any_value(rng, depth + 1)
                for _ in range(rng.randrange(0, 4))}
    if roll < 0.95:
        return deep(rng)
    return [0] * rng.choice((1_000, 10_000))


def retype(value: Any, rng: random.Random) -> Any:
    """The same value as another JSON type (str <-> int <-> float <-> bool <-> ...)."""
    choices: list[Any] = [str(value) if not isinstance(value, (dict, list)) else "x",
                          0, 1, -1, 1.5, True, False, None, [], {}, [value], {"v": value}]
    if isinstance(value, str) and value.lstrip("-").isascii() and value.lstrip("-").isdigit() \
            and len(value) < 300:
        choices += [int(value), float(value)]
    if isinstance(value, bool):
        choices += [int(value), "true" if value else "false"]
    return rng.choice(choices)


# -- mutating a tree -----------------------------------------------------------------------


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every node's path (the root is ``()``)."""
    out = [prefix]
    if isinstance(value, dict):
        for key, val in value.items():
            out += _paths(val, (*prefix, key))
    elif isinstance(value, list):
        for index, val in enumerate(value[:20]):  # a long list: its head is enough
            out += _paths(val, (*prefix, index))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``value`` with the node at ``path`` replaced (containers copied on the way)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
        copy[head] = _replace(value[head], rest, new)
        return copy
    if isinstance(value, list):
        items = list(value)
        items[head] = _replace(value[head], rest, new)
        return items
    return value


def mutate(value: Any, rng: random.Random) -> Any:
    """One structural mutation somewhere in ``value`` (which is not changed)."""
    paths = _paths(value)
    path = rng.choice(paths)
    node = _get(value, path)
    roll = rng.random()
    if isinstance(node, dict) and node and roll < 0.35:
        key = rng.choice(list(node))
        op = rng.randrange(4)
        if op == 0:  # a key goes missing
            return _replace(value, path, {k: v for k, v in node.items() if k != key})
        if op == 1:  # a duplicate key, second value wins (or not)
            pairs = [*node.items(), (key, scalar(rng))]
            if rng.random() < 0.5:
                pairs.insert(0, (key, scalar(rng)))
            return _replace(value, path, DupKeys(tuple(pairs)))
        if op == 2:  # an extra field
            extra = rng.choice(("extra", "__proto__", "", "😀", "a" * 300, key.upper()))
            return _replace(value, path, {**node, extra: any_value(rng)})
        return _replace(value, path, {k: any_value(rng) if k == key else v
                                      for k, v in node.items()})
    if isinstance(node, list) and roll < 0.35:
        op = rng.randrange(4)
        if op == 0:
            return _replace(value, path, [])
        if op == 1:
            return _replace(value, path, node * rng.choice((2, 50, 1_000)) or [scalar(rng)])
        if op == 2:
            return _replace(value, path, [*node, any_value(rng)])
        return _replace(value, path, node[0] if node else None)
    if roll < 0.55:
        return _replace(value, path, retype(node, rng))
    if roll < 0.9:
        return _replace(value, path, scalar(rng))
    if roll < 0.95:
        return _replace(value, path, deep(rng))
    return _replace(value, path, any_value(rng))


def mutate_n(value: Any, rng: random.Random) -> Any:
    """One to three mutations."""
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        value = mutate(value, rng)
    return value


def text_mutation(text: str, rng: random.Random) -> str:
    """Damage serialized JSON: truncate, splice, prefix a BOM, trail garbage."""
    op = rng.randrange(6)
    if op == 0 and text:
        return text[: rng.randrange(len(text))]
    if op == 1:
        return "\ufeff" + text
    if op == 2:
        return text + rng.choice(("}", "]", ",", " x", "\x00", "{}"))
    if op == 3 and text:
        at = rng.randrange(len(text))
        return text[:at] + rng.choice(('"', "{", "[", ":", ",", "\\", "\\u12")) + text[at:]
    if op == 4:
        return text.replace(":", ": ", 1).replace('"', "'", 2)
    return rng.choice(("", "null", "[]", "{}", "0", '""', "true", "{", "[" * 3, "NaN"))


__all__ = ["FLOATS", "INTS", "STRINGS", "DupKeys", "Raw", "any_value", "deep", "dumps",
           "long_string", "mutate", "mutate_n", "retype", "scalar", "text_mutation"]
