"""dpytest's attachments, as files the twin holds and serves.

dpytest's ``message(attachments=[...])`` took paths and never opened them (each became an
attachment of that name, size 0), and its ``backend.make_attachment(path)`` pointed a
``discord.Attachment`` at the file itself (``file://``), which its fake HTTP client read.
Here the twin keeps the bytes and serves them like Discord's CDN, so the bot's ``await
attachment.read()`` gets the file's real content over HTTP. What a test may pass, and
what the message then carries:

- a path (``str`` or ``pathlib.Path``) to a file: that file, its bytes and name; a path
  to nothing: an attachment of that name with no bytes (dpytest never looked);
- a ``discord.Attachment`` from ``backend.make_attachment``: that upload, under the same
  id; one whose ``url`` is a ``file://`` path: that file; any other (built from the
  factories, say): as it is, its url, size and content type kept (the bot reading it
  gets what dpytest's fake HTTP gave: the local file the url's path names, see
  :mod:`.fakes`);
- bytes, ``(filename, bytes)`` or a ``discord.File``: as the twin's backend takes them.
"""

from __future__ import annotations

import os
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import discord

from ...discord.model import Attachment
from .session import Session


def upload_of(session: Session, item: Any) -> Any:
    """One of dpytest's attachments as the twin's backend takes it (see above)."""
    if isinstance(item, discord.Attachment):
        staged = session.twin.uploads.get(item.id)
        if staged is not None:
            return staged
        if item.url.startswith("file:"):
            local = Path(urllib.request.url2pathname(urllib.parse.urlparse(item.url).path))
            return item.filename, local.read_bytes()
        # Made up by the test (the factories): kept as it is, url, size and type included.
        return Attachment(item.id, item.filename, item.size, item.content_type, item.url,
                          b"", item.description)
    if isinstance(item, str | os.PathLike):
        path = Path(item)
        return path if path.is_file() else (path.name, b"")
    return item


def uploads_of(session: Session, items: Any) -> list[Any]:
    return [upload_of(session, item) for item in items or ()]


__all__ = ["upload_of", "uploads_of"]
