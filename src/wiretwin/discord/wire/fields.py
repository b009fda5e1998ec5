"""Typed readers for what a client sends Discord: ids, numbers, flags, text, lists and
objects, each refused in Discord's words.

Discord checks every field of a request (JSON body, ``payload_json``, query string and
path arguments) against its schema and refuses the request with 400, code 50035
("Invalid Form Body") and an ``errors`` tree naming every bad field at its path::

    {"code": 50035, "message": "Invalid Form Body", "errors": {"embeds": {"0": {"color":
     {"_errors": [{"code": "NUMBER_TYPE_COERCE", "message": "Value \\"abc\\" is not int."}]}}}}}

Query parameters and path arguments are named by themselves (``limit``, ``user_id``).
discord.py, discord.js and hikari print that tree for the developer; anything else (a
Python exception, a 500) tells the bot nothing.

:class:`Form` reads one JSON object: each reader returns the typed value, or ``None``
when the field is absent, null or bad, having added the problem to the request's
:class:`~..errors.Problems`; :meth:`Form.check` then refuses the request once with all of
them, as Discord does. Nested objects and lists share their parent's problems.

The wording is Discord's, as its answers show it (client libraries' issue trackers and
tests run against the real API quote them): ``NUMBER_TYPE_COERCE`` 'Value "abc" is not
int.' (or "snowflake."), ``NUMBER_TYPE_MIN``/``MAX`` "int value should be greater (less)
than or equal to N.", ``BASE_TYPE_REQUIRED`` "This field is required",
``BASE_TYPE_MAX_LENGTH`` "Must be N or fewer in length.", ``BASE_TYPE_BAD_LENGTH`` "Must be
between A and B in length.", ``DICT_TYPE_CONVERT`` "Only dictionaries may be used in a
DictType", ``LIST_TYPE_CONVERT`` "Only iterables may be used in a ListType",
``LIST_ITEM_VALUE_REQUIRED`` "List item values of ModelType are required",
``BASE_TYPE_CHOICES`` "Value must be one of {1, 2}.", ``BASE_TYPE_BOOLEAN`` "Must be either
true or false.", ``DATE_TIME_TYPE_PARSE`` "Could not parse X. Should be ISO8601.". Not
seen in a capture, so from memory: ``BASE_TYPE_STRING`` 'Could not interpret "X" as
string.' (Discord turns numbers into text, as Python's ``str`` does).

Snowflakes are ASCII digits (``"²".isdigit()`` is true in Python; Discord's parser says
no), or JSON integers, from 0 to 2**64 - 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from ..errors import Path, Problems

T = TypeVar("T")

#: The largest snowflake: ids are unsigned 64-bit integers.
SNOWFLAKE_MAX = 2**64 - 1
#: Discord's integers are 64-bit; a reader with no range of its own keeps to that.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

_SNOWFLAKE = re.compile(r"[0-9]{1,20}")
_INTEGER = re.compile(r"[-+]?[0-9]{1,20}")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_TRUE, _FALSE = ("true", "1"), ("false", "0")


# -- coercions: a value as Discord's schema reads it, or None -----------------------------


def as_snowflake(value: Any) -> int | None:
    """``value`` as a snowflake (JSON integer or ASCII digits, 0 to 2**64 - 1), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= SNOWFLAKE_MAX else None
    if isinstance(value, str) and _SNOWFLAKE.fullmatch(value):
        number = int(value)
        return number if number <= SNOWFLAKE_MAX else None
    return None


def as_int(value: Any) -> int | None:
    """``value`` as an integer (a JSON integer, or a string of ASCII digits), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None


def as_float(value: Any) -> float | None:
    """``value`` as a finite number (a JSON number, or a string that writes one), or
    None."""
    if isinstance(value, bool):
        return None
    if not (isinstance(value, int | float)
            or (isinstance(value, str) and _FLOAT.fullmatch(value))):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def as_bool(value: Any) -> bool | None:
    """``value`` as a boolean: JSON ``true``/``false``, or (query strings and form fields)
    ``true``/``false``/``1``/``0`` in any case; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return None


def as_text(value: Any) -> str | None:
    """``value`` as text: a string, or a number written out; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def as_timestamp_ms(value: Any) -> float | None:
    """An ISO 8601 timestamp (``2025-01-01T00:00:00.000Z``) as epoch ms, or None."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.timestamp() * 1000
    except (OverflowError, ValueError, OSError):
        return None


def shown(value: Any) -> str:
    """A value as Discord quotes it in a message (Python's ``str``)."""
    return value if isinstance(value, str) else str(value)


# -- what a problem says ------------------------------------------------------------------


def length_problem(low: int, high: int | None) -> tuple[str, str]:
    if high is None:
        return "BASE_TYPE_MIN_LENGTH", f"Must be {low} or more in length."
    if low <= 0:
        return "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length."
    return "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length."


def choices_text(allowed: Iterable[Any]) -> str:
    return "{" + ", ".join(repr(a) if isinstance(a, str) else str(a) for a in allowed) + "}"


REQUIRED = ("BASE_TYPE_REQUIRED", "This field is required")
NOT_DICT = ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
NOT_LIST = ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
NOT_SET = ("SET_TYPE_CONVERT", "Only iterables may be used in a SetType")
NULL_ITEM = ("LIST_ITEM_VALUE_REQUIRED", "List item values of ModelType are required")
NOT_BOOL = ("BASE_TYPE_BOOLEAN", "Must be either true or false.")


def not_text(value: Any) -> tuple[str, str]:
    return "BASE_TYPE_STRING", f'Could not interpret "{shown(value)}" as string.'


# -- the reader ---------------------------------------------------------------------------


class Form:
    """One JSON object of a request, read field by field (see the module's docstring).

    ``data`` that is not an object is a DICT_TYPE_CONVERT problem at ``path`` (the whole
    body, for the root); ``None`` reads as an empty object."""

    def __init__(self, data: Any, path: Path = (), problems: Problems | None = None
                 ) -> None:
        self.problems = problems if problems is not None else Problems()
        self.path = path
        #: What each field read well became (typed values, nested forms).
        self.values: dict[str, Any] = {}
        self.data: Mapping[str, Any]
        if isinstance(data, Mapping):
            self.data = data
        else:
            self.data = {}
            if data is not None:
                self.problems.add(path, *NOT_DICT)

    def check(self) -> None:
        """Refuse the request (400 50035) with every problem found so far."""
        self.problems.check()

    def cleaned(self) -> dict[str, Any]:
        """The object as Discord understood it: as sent, with every field read replaced
        by its typed value (``"title": 5`` becomes ``"5"``), nested objects likewise."""
        out = dict(self.data)
        for key, value in self.values.items():
            out[key] = _cleaned(value)
        return out

    def _keep(self, key: str, value: T) -> T:
        if value is not None:
            self.values[key] = value
        return value

    def has(self, key: str) -> bool:
        """Whether the request names ``key`` at all (``null`` included)."""
        return key in self.data

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def add(self, key: str | int | Path, code: str, message: str) -> None:
        """A problem at ``key`` (a field of this object, or a path below it)."""
        below = key if isinstance(key, tuple) else (key,)
        self.problems.add((*self.path, *below), code, message)

    def _given(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            self.add(key, *REQUIRED)
        return value

    # -- scalars ------------------------------------------------------------------------

    def snowflake(self, key: str, *, required: bool = False) -> int | None:
        value = self._given(key, required)
        if value is None:
            return None
        number = as_snowflake(value)
        if number is None:
            self.add(key, "NUMBER_TYPE_COERCE", f'Value "{shown(value)}" is not snowflake.')
        return self._keep(key, number)

    def integer(self, key: str, low: int | None = INT_MIN, high: int | None = INT_MAX, *,
                required: bool = False, whole_floats: bool = False) -> int | None:
        """``whole_floats``: a JSON number with nothing after the point (``24.0``) reads
        as that integer (discord.py sends a poll's ``duration`` so)."""
        value = self._given(key, required)
        if value is None:
            return None
        if whole_floats and isinstance(value, float) and value.is_integer():
            value = int(value)
        number = as_int(value)
        if number is None:
            self.add(key, "NUMBER_TYPE_COERCE", f'Value "{shown(value)}" is not int.')
            return None
        if low is not None and number < low:
            self.add(key, "NUMBER_TYPE_MIN", f"int value should be greater than or equal "
                                             f"to {low}.")
            return None
        if high is not None and number > high:
            self.add(key, "NUMBER_TYPE_MAX", f"int value should be less than or equal to "
                                             f"{high}.")
            return None
        return self._keep(key, number)

    def number(self, key: str, low: float | None = None, high: float | None = None, *,
               required: bool = False) -> float | None:
        """A JSON number (an integer or a float), as Discord's float fields read it."""
        value = self._given(key, required)
        if value is None:
            return None
        number = as_float(value)
        if number is None:
            self.add(key, "NUMBER_TYPE_COERCE", f'Value "{shown(value)}" is not float.')
            return None
        if low is not None and number < low:
            self.add(key, "NUMBER_TYPE_MIN", f"float value should be greater than or "
                                             f"equal to {low}.")
            return None
        if high is not None and number > high:
            self.add(key, "NUMBER_TYPE_MAX", f"float value should be less than or equal "
                                             f"to {high}.")
            return None
        return self._keep(key, number)

    def choice(self, key: str, allowed: Iterable[int], *, required: bool = False
               ) -> int | None:
        """An integer enum (a channel type, an overwrite type...)."""
        options = tuple(allowed)
        number = self.integer(key, None, None, required=required)
        if number is not None and number not in options:
            self.add(key, "BASE_TYPE_CHOICES", f"Value must be one of "
                                               f"{choices_text(options)}.")
            self.values.pop(key, None)
            return None
        return number

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        value = self._given(key, required)
        if value is None:
            return None
        flag = as_bool(value)
        if flag is None:
            self.add(key, *NOT_BOOL)
        return self._keep(key, flag)

    def string(self, key: str, low: int = 0, high: int | None = None, *,
               required: bool = False) -> str | None:
        value = self._given(key, required)
        if value is None:
            return None
        text = as_text(value)
        if text is None:
            self.add(key, *not_text(value))
            return None
        if len(text) < low or (high is not None and len(text) > high):
            self.add(key, *length_problem(low, high))
            return None
        return self._keep(key, text)

    def timestamp_ms(self, key: str, *, required: bool = False) -> float | None:
        value = self._given(key, required)
        if value is None:
            return None
        ms = as_timestamp_ms(value)
        if ms is None:
            self.add(key, "DATE_TIME_TYPE_PARSE",
                     f"Could not parse {shown(value)}. Should be ISO8601.")
        return ms  # the text stays as sent

    def permissions(self, key: str, *, required: bool = False) -> int | None:
        """A permission bitfield (a string of digits, as Discord sends them, or a number)."""
        return self.integer(key, 0, INT_MAX, required=required)

    def color(self, key: str) -> int | None:
        """An RGB colour as an integer (0x000000-0xFFFFFF)."""
        return self.integer(key, 0, 0xFFFFFF)

    # -- containers ---------------------------------------------------------------------

    def array(self, key: str, low: int = 0, high: int | None = None, *,
              required: bool = False, set_type: bool = False) -> list[Any] | None:
        """A list (``set_type``: one Discord reads as a set, as in ``allowed_mentions``,
        which words its refusal so)."""
        value = self._given(key, required)
        if value is None:
            return None
        if not isinstance(value, list):
            self.add(key, *(NOT_SET if set_type else NOT_LIST))
            return None
        if len(value) < low or (high is not None and len(value) > high):
            self.add(key, *length_problem(low, high))
            return None
        return value

    def snowflakes(self, key: str, low: int = 0, high: int | None = None, *,
                   required: bool = False, set_type: bool = False) -> list[int] | None:
        items = self.array(key, low, high, required=required, set_type=set_type)
        if items is None:
            return None
        out: list[int] = []
        for index, item in enumerate(items):
            number = as_snowflake(item)
            if number is None:
                self.add((key, index), "NUMBER_TYPE_COERCE",
                         f'Value "{shown(item)}" is not snowflake.')
            else:
                out.append(number)
        return self._keep(key, out)

    def object(self, key: str, *, required: bool = False) -> Form | None:
        value = self._given(key, required)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.add(key, *NOT_DICT)
            return None
        return self._keep(key, Form(value, (*self.path, key), self.problems))

    def objects(self, key: str, low: int = 0, high: int | None = None, *,
                required: bool = False) -> list[Form] | None:
        """A list of objects, each read with its own :class:`Form` (path ``key.N``)."""
        items = self.array(key, low, high, required=required)
        if items is None:
            return None
        out: list[Form] = []
        for index, item in enumerate(items):
            if item is None:
                self.add((key, index), *NULL_ITEM)
            elif not isinstance(item, Mapping):
                self.add((key, index), *NOT_DICT)
            else:
                out.append(Form(item, (*self.path, key, index), self.problems))
        return self._keep(key, out)


def _cleaned(value: Any) -> Any:
    if isinstance(value, Form):
        return value.cleaned()
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


__all__ = ["INT_MAX", "INT_MIN", "NOT_DICT", "NOT_LIST", "NULL_ITEM", "REQUIRED",
           "SNOWFLAKE_MAX", "Form",
           "as_bool", "as_float", "as_int", "as_snowflake", "as_text", "as_timestamp_ms",
           "choices_text", "length_problem", "not_text", "shown"]
