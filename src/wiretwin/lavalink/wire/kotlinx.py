"""kotlinx.serialization's readers, as Lavalink reads request bodies with them.

Lavalink reads bodies with kotlinx.serialization (``ignoreUnknownKeys``, not lenient)
through Spring's ``KotlinSerializationJsonHttpMessageConverter`` (:mod:`.spring` hands
over the parsed JSON). Each field is read as kotlinx reads its type, with its quirks
kept: numbers may be quoted (``"position": "1000"``), ``1e3`` is a fine ``Long`` but
``1.0`` is not, booleans may be quoted and in any case (``"TRUE"``), strings must be
strings, ``null`` only where the field is nullable, a missing required field
(``voice.token``) is a refusal, and unknown keys are skipped.

Every unreadable value raises :class:`~wiretwin.lavalink.errors.LavalinkError` (400
"Bad Request", the kotlinx message in its trace), as the node answers. The bodies built
on these readers are in :mod:`.bodies`.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any, Final

from .. import errors
from ..errors import LavalinkError

LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Java's ``Float.MAX_VALUE``.
FLOAT_MAX = 3.4028234663852886e38


class Omitted:
    """A key the body did not have (Lavalink's ``Omissible.Omitted``)."""

    _instance: Omitted | None = None

    def __new__(cls) -> Omitted:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "OMITTED"

    def __bool__(self) -> bool:
        return False


OMITTED: Final = Omitted()


class Real(float):
    """A JSON number written with a fraction or an exponent, with the text it was written
    as (kotlinx reads ``1e3`` as a Long but refuses ``1.0``)."""

    text: str

    def __new__(cls, text: str) -> Real:
        number = super().__new__(cls, text)
        number.text = text
        return number


class Unreadable(ValueError):
    """kotlinx refused a value; ``str()`` is its message."""


# -- kotlinx's readers ------------------------------------------------------------------


def _first(value: Any) -> str:
    """The first character of ``value`` in the JSON text (kotlinx names the token)."""
    return '"' if isinstance(value, str) else _literal(value)[:1]


def _literal(value: Any) -> str:
    """How ``value`` stood in the JSON text, for kotlinx's messages."""
    if isinstance(value, str):
        return value
    if isinstance(value, Real):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{"
    if isinstance(value, list):
        return "["
    return str(value)


def numeric_literal(text: str) -> int:
    """kotlinx's ``consumeNumericLiteral`` over a token (quotes already removed): digits
    with an optional leading ``-`` and exponent; the result must be a whole Long."""
    accumulator = 0
    exponent = 0
    negative = exponent_positive = has_exponent = False
    start = 0
    for i, ch in enumerate(text):
        if ch in "eE" and not has_exponent:
            if i == start:
                raise Unreadable(f"Unexpected symbol {ch} in numeric literal")
            exponent_positive = has_exponent = True
            continue
        if ch == "-" and has_exponent:
            exponent_positive = False
            continue
        if ch == "+" and has_exponent:
            exponent_positive = True
            continue
        if ch == "-":
            if i != start:
                raise Unreadable("Unexpected symbol '-' in numeric literal")
            negative = True
            continue
        if not "0" <= ch <= "9":
            raise Unreadable(f"Unexpected symbol '{ch}' in numeric literal")
        if has_exponent:
            exponent = exponent * 10 + int(ch)
            continue
        accumulator = accumulator * 10 + int(ch)
        if accumulator > LONG_MAX + 1:
            raise Unreadable("Numeric value overflow")
    if not text or text == "-":
        raise Unreadable("Expected numeric literal")
    if has_exponent:
        try:
            scaled = accumulator * math.pow(10.0, exponent if exponent_positive else -exponent)
        except OverflowError:
            scaled = math.inf
        if scaled > LONG_MAX or scaled < LONG_MIN:
            raise Unreadable("Numeric value overflow")
        if math.floor(scaled) != scaled:
            raise Unreadable(f"Can't convert {scaled} to Long")
        accumulator = int(scaled)
    result = -accumulator if negative else accumulator
    if not LONG_MIN <= result <= LONG_MAX:
        raise Unreadable("Numeric value overflow")
    return result


def read_long(value: Any) -> int:
    if isinstance(value, str):
        return numeric_literal(value)
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        if isinstance(value, dict | list):
            raise Unreadable("Expected numeric literal")
        raise Unreadable(f"Unexpected symbol '{_first(value)}' in numeric literal")
    return numeric_literal(_literal(value))


def read_int(value: Any) -> int:
    number = read_long(value)
    if not INT_MIN <= number <= INT_MAX:
        raise Unreadable(f"Failed to parse int for input '{number}'")
    return number


def read_boolean(value: Any) -> bool:
    """``consumeBooleanLenient``: true/false, quoted or not, in any letter case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise Unreadable(f"Expected valid boolean literal prefix, but had '{_literal(value)}'")


def read_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        raise Unreadable("Expected string literal but 'null' literal was found")
    raise Unreadable(f"Expected quotation mark '\"', but had '{_first(value)}' instead")


_JAVA_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?")
_JAVA_HEX = re.compile(r"([+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)"
                       r"[pP][+-]?\d+)[fFdD]?")


def java_double(text: str) -> float | None:
    """``Double.parseDouble`` (None where it throws); NaN and infinities included."""
    text = text.strip("".join(chr(c) for c in range(33)))
    body = text.lstrip("+-")
    if body in ("NaN", "Infinity"):
        return math.nan if body == "NaN" else (-math.inf if text.startswith("-")
                                                else math.inf)
    if _JAVA_DECIMAL.fullmatch(text):
        return float(text.rstrip("fFdD"))
    hexa = _JAVA_HEX.fullmatch(text)
    if hexa:
        try:
            return float.fromhex(hexa.group(1))
        except OverflowError:
            return -math.inf if text.startswith("-") else math.inf
    return None


def _float_token(value: Any) -> str:
    """kotlinx's ``consumeStringLenient``: a quoted string's text or a bare token."""
    if isinstance(value, dict | list):
        raise Unreadable(f"Expected beginning of the string, but got {_literal(value)}")
    return value if isinstance(value, str) else _literal(value)


def read_double(value: Any) -> float:
    token = _float_token(value)
    number = java_double(token)
    if number is None:
        raise Unreadable(f"Failed to parse type 'double' for input '{token}'")
    if not math.isfinite(number):
        raise Unreadable(f"Unexpected special floating-point value {token}. By default, "
                         "non-finite floating point values are prohibited because they do "
                         "not conform JSON specification")
    return number


def read_float(value: Any) -> float:
    """A Kotlin ``Float``: as :func:`read_double`, then rounded to 32 bits (past
    ``Float.MAX_VALUE`` it is infinite, and refused)."""
    token = _float_token(value)
    number = java_double(token)
    if number is None:
        raise Unreadable(f"Failed to parse type 'float' for input '{token}'")
    try:
        number = struct.unpack("f", struct.pack("f", number))[0]
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise Unreadable(f"Unexpected special floating-point value {token}. By default, "
                         "non-finite floating point values are prohibited because they do "
                         "not conform JSON specification")
    return float(number)


def read_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    kind = "JsonArray" if isinstance(value, list) else "JsonNull" if value is None \
        else "JsonLiteral"
    raise Unreadable(f"Element class kotlinx.serialization.json.{kind} is not a JsonObject")


def start_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise Unreadable(f"Expected start of the object '{{', but had '{_first(value)}' instead")


def start_array(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise Unreadable(f"Expected start of the array '[', but had '{_first(value)}' instead")


class Reader:
    """Reads one JSON object field by field, as a kotlinx class decoder does: each read
    names its path for the message of a refusal, and ``type_name`` the Lavalink protocol
    class a missing required field belongs to."""

    def __init__(self, data: Any, path: str = "$", type_name: str = "PlayerUpdate") -> None:
        self.path = path
        self.type_name = type_name
        try:
            self.data = start_object(data)
        except Unreadable as exc:
            raise refusal(exc, path) from None

    def field(self, key: str, read: Any, *, nullable: bool = False,
              required: bool = False) -> Any:
        """The field read with ``read``; OMITTED when absent (unless ``required``)."""
        if key not in self.data:
            if required:
                raise refusal(Unreadable(
                    f"Field '{key}' is required for type with serial name "
                    f"'dev.arbjerg.lavalink.protocol.v4.{self.type_name}', but it was missing"),
                    self.path, cause="kotlinx.serialization.MissingFieldException")
            return OMITTED
        value = self.data[key]
        if value is None:
            if nullable:
                return None
            raise refusal(Unreadable(f"Unexpected 'null' value for non-nullable field "
                                      f"'{key}'"), f"{self.path}.{key}")
        try:
            return read(value)
        except Unreadable as exc:
            raise refusal(exc, f"{self.path}.{key}") from None
        except LavalinkError:
            raise


def refusal(exc: Exception, path: str, *,
             cause: str = "kotlinx.serialization.json.internal.JsonDecodingException"
             ) -> LavalinkError:
    return errors.unreadable(f"{exc} at path: {path}", cause=cause)


__all__ = [
    "FLOAT_MAX",
    "INT_MAX",
    "INT_MIN",
    "LONG_MAX",
    "LONG_MIN",
    "OMITTED",
    "Omitted",
    "Reader",
    "Real",
    "Unreadable",
    "java_double",
    "numeric_literal",
    "read_boolean",
    "read_double",
    "read_float",
    "read_int",
    "read_long",
    "read_object",
    "read_string",
    "refusal",
    "start_array",
    "start_object",
]
