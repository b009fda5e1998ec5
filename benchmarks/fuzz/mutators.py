"""Mutations of HTTP requests every twin shares: path segments, query, headers, bodies.

Nothing here breaks HTTP framing (Content-Length always matches the body), so one
keep-alive connection stays in step; framing abuse is the transport campaign's job.
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

from . import jsonish
from .cases import HeaderList, HttpCase

#: What a path segment is replaced with (as it goes on the wire: some %-encoded).
SEGMENTS: tuple[str, ...] = (
    "abc", "²", "%C2%B2", "-1", "0", "1.5", "1e3", str(2**63), str(2**64), "9" * 30,
    "%00", "%ff", "%ff%fe", "%2e%2e", "%2F", "%20", "+1", "0x10", "null", "..", ".",
    "%F0%9F%98%80", "😀", "%D9%A1%D9%A2", "١٢", "%EF%BC%91%EF%BC%92", "\uff11\uff12", "@me",
    "@original", "%", "%zz", "%u0041", ";", "%7B%7D", "a" * 3000, "9" * 5000, "%0A", "%0D%0A",
    "~", "*", ":", "%3A", "💥" * 10, "x" * 200,
)
#: Query values worth trying for any parameter.
QUERY_VALUES: tuple[str, ...] = (
    "abc", "-1", "0", "1e9", "1.5", "", str(2**63), str(2**64), "9" * 30, "%C2%B2", "%ff",
    "%00", "NaN", "Infinity", "true", "True", "TRUE", "false", "yes", "1", "null",
    "%EF%BC%91", "%D9%A1", "a" * 5000, "9" * 5000, "%20", "+", "%2C%2C", ",", "[]", "{}",
)
#: Methods the HTTP parser knows (unknown tokens are the transport campaign's).
METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
                            "TRACE", "PROPFIND", "M-SEARCH")
CONTENT_TYPES: tuple[str, ...] = (
    "application/json", "application/json; charset=utf-8", "text/plain", "",
    "application/x-www-form-urlencoded", "multipart/form-data",
    "multipart/form-data; boundary=", "multipart/form-data; boundary=xyz",
    "application/json; charset=latin-1", "application/json; charset=bogus", "*/*",
    "application/octet-stream", "ÿ/ÿ", "application/json\x7f",
)


def q(value: str) -> str:
    """A query value or path piece %-encoded (everything but unreserved characters)."""
    return quote(value, safe="")


def query_string(params: list[tuple[str, str]]) -> str:
    """Params (already encoded) as ``k=v&...``; a key with value None-ish stays bare."""
    return "&".join(k if v is None else f"{k}={v}" for k, v in params)


def mutate_path(path: str, rng: random.Random) -> str:
    segments = path.split("/")
    op = rng.randrange(8)
    if op <= 3 and len(segments) > 1:
        index = rng.randrange(1, len(segments))
        segments[index] = rng.choice(SEGMENTS)
        return "/".join(segments)
    if op == 4:
        return path + rng.choice(("/", "//", "/x", "/%2F", "/..", "/.", "/" + str(2**64)))
    if op == 5 and len(segments) > 2:
        index = rng.randrange(1, len(segments))
        return "/".join(segments[:index] + segments[index + 1:])
    if op == 6:
        return path.replace("/", "//", 1) if rng.random() < 0.5 else path.upper()
    return "/".join(s if rng.random() < 0.7 else rng.choice(SEGMENTS) for s in segments)


def mutate_query(params: list[tuple[str, str]], rng: random.Random,
                 known: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Params are (key, encoded value); returns a mutated copy."""
    params = list(params)
    op = rng.randrange(6)
    if op <= 1 and params:
        index = rng.randrange(len(params))
        params[index] = (params[index][0], rng.choice(QUERY_VALUES))
    elif op == 2:
        key = rng.choice(known) if known and rng.random() < 0.8 else rng.choice(
            ("x", "", "%ff", "a" * 300, "limit", "trace", "%00"))
        params.append((key, rng.choice(QUERY_VALUES)))
    elif op == 3 and params:
        index = rng.randrange(len(params))
        params.insert(index, (params[index][0], rng.choice(QUERY_VALUES)))
    elif op == 4 and params:
        del params[rng.randrange(len(params))]
    else:
        params.append((rng.choice(known or ("x",)), "" if rng.random() < 0.5 else "%ZZ"))
    return params


def mutate_headers(headers: HeaderList, rng: random.Random, auth: str | None) -> HeaderList:
    """Auth dropped or garbled, content types, odd extra headers (framing left alone)."""
    headers = list(headers)
    op = rng.randrange(7)
    if op <= 1 and auth is not None:
        rest = [(k, v) for k, v in headers if k.lower() != auth.lower()]
        given = next((v for k, v in headers if k.lower() == auth.lower()), "")
        if op == 0:
            return rest
        garbled = rng.choice((
            "", " ", given + "x", given[:-1], given.lower(), given.upper(), " " + given,
            given + " ", "Bearer " + given, "Bot", "Bot ²", "Basic Zm9vOmJhcg==", "é" * 10,
            given + "\x7f", "x" * 9000, given.replace(" ", "  "), "Bot " + given))
        return [*rest, (auth, garbled)]
    if op == 2:
        rest = [(k, v) for k, v in headers if k.lower() != "content-type"]
        return [*rest, ("Content-Type", rng.choice(CONTENT_TYPES))]
    if op == 3 and auth is not None:
        given = next((v for k, v in headers if k.lower() == auth.lower()), "x")
        return [*headers, (auth, rng.choice((given, "wrong")))]  # a duplicate header
    if op == 4:
        return [*headers, (rng.choice(("Content-Encoding", "Accept-Encoding")),
                           rng.choice(("gzip", "deflate", "br", "zstd", "identity", "x")))]
    if op == 5:
        return [*headers, (rng.choice(("X-Audit-Log-Reason", "User-Agent", "X-Custom",
                                       "Session-Id", "User-Id", "Client-Name", "Origin")),
                           rng.choice(("é²😀", "a" * 8000, "", "\t", "%ff", "😀" * 100)))]
    return [*headers, ("Expect", "100-continue")]


def json_body(template: Any, rng: random.Random) -> bytes:
    """A mutation of a JSON body template, serialized (sometimes damaged)."""
    roll = rng.random()
    if roll < 0.75:
        return jsonish.dumps(jsonish.mutate_n(template, rng)).encode("utf-8",
                                                                     "surrogatepass")
    if roll < 0.85:
        return jsonish.text_mutation(jsonish.dumps(template), rng).encode(
            "utf-8", "surrogatepass")
    if roll < 0.9:
        return jsonish.dumps(template).encode()[:-1] + b"\xff\xfe" + b"}"
    if roll < 0.95:
        return jsonish.dumps(jsonish.any_value(rng)).encode("utf-8", "surrogatepass")
    return rng.choice((b"", b"\x00" * 64, b"\xef\xbb\xbf" + jsonish.dumps(template).encode(),
                       b"a=1&b=2", jsonish.dumps(template).encode() * 2))


def mutate_case(case: HttpCase, rng: random.Random, *, auth: str | None,
                template: Any = None, known_params: tuple[str, ...] = ()) -> HttpCase:
    """A mutated copy of a valid request: one or two of path, query, headers, body,
    method."""
    path, _, query = case.target.partition("?")
    params = [(k, v) for k, _, v in (p.partition("=") for p in query.split("&") if p)]
    headers, body, method = list(case.headers), case.body, case.method
    parts = rng.sample(("path", "query", "headers", "body", "body", "body", "method"),
                       rng.choice((1, 1, 2)))
    for part in parts:
        if part == "path":
            path = mutate_path(path, rng)
        elif part == "query":
            params = mutate_query(params, rng, known_params)
        elif part == "headers":
            headers = mutate_headers(headers, rng, auth)
        elif part == "body":
            body = json_body(template, rng) if template is not None else rng.choice(
                (b"{}", b"[]", b"x", b"", b'{"a":1}'))
        else:
            method = rng.choice(METHODS)
    target = path + ("?" + query_string(params) if params else "")
    return HttpCase(method, target, headers, body, sign=case.sign, note=case.note)


__all__ = ["CONTENT_TYPES", "METHODS", "QUERY_VALUES", "SEGMENTS", "json_body",
           "mutate_case", "mutate_headers", "mutate_path", "mutate_query", "q",
           "query_string"]
