"""Spring's side of reading a request: the body's Content-Type and JSON, and the
conversion of path and query values, as Lavalink's Spring Boot does them.

* bodies: a ``Content-Type`` Spring can read as JSON (else 415), text decoded with its
  charset (malformed bytes replaced, as Java's reader does), strict JSON
  (:func:`wiretwin.runtime.jsonio.loads`), handed to kotlinx (:mod:`.kotlinx`) with each
  real number keeping how it was written;
* path and query values: ``guildId`` is a ``long`` as Spring's ``NumberUtils`` parses it
  (whitespace removed, ``0x``/``#`` hex, a sign, any Unicode decimal digits), booleans as
  its ``StringToBooleanConverter`` (``true/on/yes/1``, ``false/off/no/0``, any case).

No aiohttp here, so every refusal is the node's (see :mod:`wiretwin.lavalink.errors`).
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ...runtime import jsonio
from .. import errors
from .kotlinx import LONG_MAX, LONG_MIN, Real

# -- request bodies -----------------------------------------------------------------


@dataclass(frozen=True)
class ContentType:
    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return f"{self.type}/{self.subtype}" + "".join(f";{k}={v}" for k, v in self.params)

    @property
    def json(self) -> bool:
        """What Lavalink's JSON converters read: ``application/json``, ``*/*+json``."""
        return self.type == "application" and (self.subtype == "json"
                                               or self.subtype.endswith("+json"))

    @property
    def charset(self) -> str | None:
        for key, value in self.params:
            if key.lower() == "charset":
                return value.strip('"')
        return None


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def parse_content_type(header: str) -> ContentType | None:
    """Spring's ``MediaType.parseMediaType``, or None where it throws (then 415)."""
    full, *params = header.split(";")
    kind, slash, sub = full.strip().partition("/")
    if full.strip() == "*":
        kind, slash, sub = "*", "/", "*"
    if not slash or not _TOKEN.fullmatch(kind) or not _TOKEN.fullmatch(sub):
        return None
    if kind == "*" and sub != "*":
        return None
    pairs: list[tuple[str, str]] = []
    for param in params:
        if not param.strip():
            continue
        key, eq, value = param.strip().partition("=")
        if not eq or not _TOKEN.fullmatch(key.strip()) or not value.strip():
            return None
        pairs.append((key.strip(), value.strip()))
    parsed = ContentType(kind.lower(), sub.lower(), tuple(pairs))
    if parsed.charset is not None:
        try:
            codecs.lookup(parsed.charset)
        except LookupError:
            return None  # Spring checks the charset while parsing
    return parsed


def read_json_body(raw: bytes, content_type: str | None, method: str, signature: str) -> Any:
    """A ``@RequestBody`` as Spring hands it to kotlinx: the parsed JSON, numbers with a
    fraction or exponent as :class:`Real`. ``signature`` names the handler in the trace
    of a missing body."""
    if content_type is None:
        if not raw:
            raise errors.body_missing(signature)
        raise errors.unsupported_media_type("application/octet-stream", method)
    parsed = parse_content_type(content_type)
    if parsed is None:
        raise errors.unsupported_media_type(None, method)
    if not parsed.json:
        raise errors.unsupported_media_type(str(parsed), method)
    if not raw:
        raise errors.body_missing(signature)
    text = raw.decode(parsed.charset or "utf-8", errors="replace")
    try:
        jsonio.loads(text)
    except jsonio.JSONError as exc:
        raise errors.unreadable(f"Unexpected JSON token: {exc.reason}") from None
    # jsonio refused nothing: read it again keeping how each real number was written.
    return json.loads(text, parse_float=Real)


# -- Spring's conversions of path and query values -----------------------------------


def parse_long(text: str) -> int | None:
    """``Long.parseLong`` (None where it throws): an optional sign, then decimal digits
    of any script."""
    sign = 1
    if text[:1] in ("+", "-"):
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if not text or not all(ch.isdecimal() for ch in text):
        return None
    digits = "".join(str(unicodedata.decimal(ch)) for ch in text).lstrip("0") or "0"
    if len(digits) > 19:
        return None  # past Long.MAX_VALUE (and past Python's int-parsing limit)
    value = sign * int(digits)
    return value if LONG_MIN <= value <= LONG_MAX else None


def spring_long(text: str) -> int | None:
    """A path variable or parameter of type ``long`` (Spring's ``NumberUtils``), or None
    where it throws ``NumberFormatException``."""
    trimmed = "".join(ch for ch in text if not (ch.isspace() or ch in "\x1c\x1d\x1e\x1f"))
    negative = trimmed.startswith("-")
    body = trimmed[1:] if negative else trimmed
    for prefix in ("0x", "0X", "#"):
        if body.startswith(prefix):
            digits = body[len(prefix):]
            if not digits or digits[0] in "+-" or not all(
                    c in "0123456789abcdefABCDEF" for c in digits):
                return None
            if len(digits.lstrip("0")) > 16:
                return None
            value = int(digits, 16) * (-1 if negative else 1)
            return value if LONG_MIN <= value <= LONG_MAX else None
    return parse_long(trimmed)


def guild_id(text: str) -> str:
    """``@PathVariable guildId: Long`` as the player's id (``"007"`` is guild 7)."""
    value = spring_long(text)
    if value is None:
        raise errors.type_mismatch("guildId", text, "long",
                                   f"For input string: \"{text.strip()}\"")
    return str(value)


_TRUE = frozenset({"true", "on", "yes", "1"})
_FALSE = frozenset({"false", "off", "no", "0"})


def spring_boolean(name: str, raw: str | None, default: bool = False) -> bool:
    """A ``Boolean`` query parameter; absent or blank is the default."""
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    raise errors.type_mismatch(name, raw, "boolean", f"Invalid boolean value '{raw}'")


def wants_trace(raw: str | None) -> bool:
    """Spring Boot's ``?trace``: present and anything but ``false``."""
    return raw is not None and raw.lower() != "false"


def user_id(text: str) -> int | None:
    """The ``User-Id`` handshake header as Kotlin's ``toLongOrNull`` reads it (headers
    arrive as ISO-8859-1, so only ASCII digits can be digits)."""
    if not text.isascii():
        return None
    return parse_long(text)


__all__ = [
    "ContentType",
    "guild_id",
    "parse_content_type",
    "parse_long",
    "read_json_body",
    "spring_boolean",
    "spring_long",
    "user_id",
    "wants_trace",
]
