"""MkDocs hook: the web console's screenshots (docs/console.md) come from the browser
tests, which save them to ``build/screenshots/console-<view>.png`` (``make test`` runs
the tests before it builds the docs). A page is built either way: a screenshot the tests
have not made yet is replaced by a small grey placeholder, and the build log says so."""

from __future__ import annotations

import logging
import struct
import zlib
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
VIEWS = ("pusher", "lavalink", "discord", "journal", "clock", "faults", "snapshots")

log = logging.getLogger("mkdocs.hooks.screenshots")


def _placeholder(width: int = 320, height: int = 40) -> bytes:
    """A grey PNG, made here (no image library needed)."""
    row = b"\x00" + b"\xd9\xde\xe7" * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw)
            + chunk(b"IEND", b""))


def on_files(files: Files, config: Any, **kwargs: Any) -> Files:
    missing = []
    for view in VIEWS:
        name = f"console-{view}.png"
        shot = SHOTS / name
        if shot.is_file():
            content = shot.read_bytes()
        else:
            missing.append(name)
            content = _placeholder()
        files.append(File.generated(config, f"screenshots/{name}", content=content))
    if missing:
        log.info("console screenshots not made yet (the browser tests make them: "
                 "make test): %s", ", ".join(missing))
    return files
