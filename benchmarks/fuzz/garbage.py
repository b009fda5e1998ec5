"""Garbage: random bytes, random JSON, random paths and methods, random frames."""

from __future__ import annotations

import random

from . import jsonish
from .cases import Frame, HeaderList, HttpCase
from .mutators import METHODS, SEGMENTS

_WORDS = ("api", "v10", "v9", "v4", "apps", "1", "app", "app-key", "channels", "events",
          "users", "guilds", "players", "sessions", "websocket", "messages", "webhooks",
          "interactions", "version", "info", "stats", "loadtracks", "decodetrack",
          "_wiretwin_not", "gateway", "bot", "@me", "batch_events", "routeplanner", "free")


def random_bytes(rng: random.Random, high: int = 2048) -> bytes:
    size = rng.choice((0, 1, 2, 7, 64, 513, high))
    return rng.randbytes(size)


def random_json(rng: random.Random) -> str:
    return jsonish.dumps(jsonish.any_value(rng))


def random_path(rng: random.Random, prefixes: tuple[str, ...]) -> str:
    parts = [rng.choice(prefixes)] if prefixes and rng.random() < 0.7 else [""]
    for _ in range(rng.randrange(0, 5)):
        parts.append(rng.choice(_WORDS) if rng.random() < 0.6 else rng.choice(SEGMENTS))
    path = "/".join(parts)
    if not path.startswith("/"):
        path = "/" + path
    if rng.random() < 0.2:
        path += "?" + "&".join(f"{rng.choice(_WORDS)}={rng.choice(SEGMENTS)}"
                               for _ in range(rng.randrange(1, 4)))
    return path


def random_http(rng: random.Random, prefixes: tuple[str, ...], headers: HeaderList
                ) -> HttpCase:
    """A random method on a random path with a random body, sometimes authorized."""
    body = random_bytes(rng) if rng.random() < 0.5 else random_json(rng).encode(
        "utf-8", "surrogatepass")
    if rng.random() < 0.3:
        body = b""
    sent = [h for h in headers if rng.random() < 0.7]
    if rng.random() < 0.3:
        sent.append(("Content-Type", rng.choice(("application/json", "text/plain",
                                                 "multipart/form-data; boundary=b"))))
    method = rng.choice(METHODS[:7]) if rng.random() < 0.85 else rng.choice(METHODS)
    return HttpCase(method, random_path(rng, prefixes), sent, body)


def random_frame(rng: random.Random) -> Frame:
    """A random text or binary message (valid framing, garbage content)."""
    roll = rng.random()
    if roll < 0.45:
        return Frame.text(random_json(rng))
    if roll < 0.7:
        text = "".join(chr(rng.randrange(0x20, 0x7F)) for _ in range(rng.randrange(0, 80)))
        return Frame.text(text)
    if roll < 0.9:
        return Frame(random_bytes(rng), 0x2)
    return Frame.text(jsonish.dumps(jsonish.deep(rng)))


__all__ = ["random_bytes", "random_frame", "random_http", "random_json", "random_path"]
