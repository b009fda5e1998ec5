"""What the test-control API (:mod:`.backend`, :mod:`.verify`) accepts: ids, model
objects and discord.py objects, turned into ids, permissions, emoji, embeds and files;
and its error. Below both, so that neither imports the other to read an argument."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from .model import (
    Member,
    Poll,
)
from .permissions import permission_named

T = TypeVar("T")

UNSET: Any = object()
#: The fault :meth:`Backend.disconnect` adds when asked to keep the bot out.
REFUSE_FAULT = "backend-disconnect"
HTTP_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                 405: "Method Not Allowed", 429: "Too Many Requests",
                 500: "Internal Server Error", 502: "Bad Gateway",
                 503: "Service Unavailable", 504: "Gateway Timeout"}


class BackendError(Exception):
    """A test-control call could not be done (``status``/``code``: Discord's answer, when
    the model refused it; ``status`` alone, when the control API did: 403 for what the
    user may not do, 404 for what is not there)."""

    def __init__(self, message: str, *, status: int | None = None,
                 code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


# -- arguments ----------------------------------------------------------------------------

def id_of(obj: Any, what: str) -> int:
    if isinstance(obj, bool):
        raise BackendError(f"expected a {what} (an object with an id, or an id), got {obj!r}")
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str) and obj.isdigit():
        return int(obj)
    value = getattr(obj, "id", None)
    if isinstance(value, int):
        return value
    raise BackendError(f"expected a {what} (an object with an id, or an id), got {obj!r}")


def user_id_of(obj: Any) -> int:
    if isinstance(obj, Member):
        return obj.user_id
    return id_of(obj, "user or member")


def permissions_of(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return int(value)
    raw = getattr(value, "value", None)  # discord.Permissions
    if isinstance(raw, int):
        return raw
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        total = 0
        for name in value:
            try:
                total |= int(permission_named(str(name)))
            except ValueError as exc:
                raise BackendError(str(exc)) from None
        return total
    raise BackendError(f"expected permissions (an int, discord.Permissions or flag names), "
                       f"got {value!r}")


def emoji_of(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, str):
        name, sep, emoji_id = value.strip("<>").removeprefix("a:").rpartition(":")
        if sep and emoji_id.isdigit():
            return {"id": emoji_id, "name": name.lstrip(":") or None,
                    "animated": value.startswith("<a:")}
        return {"id": None, "name": value}
    label = getattr(value, "name", None)  # discord.Emoji / PartialEmoji / Reaction.emoji
    if isinstance(label, str):
        raw_id = getattr(value, "id", None)
        return {"id": str(raw_id) if raw_id else None, "name": label,
                "animated": bool(getattr(value, "animated", False))}
    raise BackendError(f"expected an emoji (a string, a discord emoji or a dict), "
                       f"got {value!r}")


def embed_dict(value: Any) -> dict[str, Any] | None:
    """An embed as Discord's dict (a dict, or anything with ``to_dict()`` such as
    ``discord.Embed``), or None if ``value`` is neither."""
    if isinstance(value, dict):
        return dict(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        data = to_dict()
        if isinstance(data, dict):
            return data
    return None


def embed_of(value: Any) -> dict[str, Any]:
    data = embed_dict(value)
    if data is None:
        raise BackendError(f"expected an embed (discord.Embed or a dict), got {value!r}")
    return data


def file_of(value: Any) -> tuple[str, bytes, str | None]:
    """An attachment as (filename, bytes, content type)."""
    if isinstance(value, tuple) and len(value) == 2:
        name, data = value
        return str(name), bytes(data), _content_type(str(name))
    if isinstance(value, bytes):
        return "file.bin", value, "application/octet-stream"
    if isinstance(value, str | os.PathLike):
        path = Path(value)
        return path.name, path.read_bytes(), _content_type(path.name)
    fp = getattr(value, "fp", None)  # discord.File
    if fp is not None:
        name = str(getattr(value, "filename", None) or "file.bin")
        data = fp.read()
        return name, data if isinstance(data, bytes) else str(data).encode(), \
            _content_type(name)
    raise BackendError(f"expected an attachment (a path, bytes, (filename, bytes) or "
                       f"discord.File), got {value!r}")


def _content_type(name: str) -> str | None:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"




def poll_request_of(value: Any) -> dict[str, Any]:
    """A poll as a client asks for one (Discord's poll create request): a
    ``discord.Poll`` (or anything with ``_to_dict()``, as discord.py sends it), or the
    request's dict (``{"question": {"text"}, "answers": [{"poll_media": {"text"}}],
    "duration", "allow_multiselect"}``)."""
    if isinstance(value, dict):
        return dict(value)
    to_dict = getattr(value, "_to_dict", None)
    if callable(to_dict):
        data = to_dict()
        if isinstance(data, dict):
            return data
    raise BackendError(f"expected a poll (discord.Poll or a poll create request dict), "
                       f"got {value!r}")


def answer_ids_of(poll: Poll, answers: Any) -> list[int]:
    """``answers`` as the poll's answer ids: each an answer's id, its text, or an object
    with an ``id`` (``discord.PollAnswer``); one of them or a list."""
    items = list(answers) if isinstance(answers, list | tuple | set | frozenset) \
        else [answers]
    by_text = {str(a["poll_media"].get("text")): int(a["answer_id"]) for a in poll.answers}
    out = []
    for item in items:
        if isinstance(item, str) and not item.isdigit():
            if item not in by_text:
                raise BackendError(f"the poll has no answer {item!r} (its answers: "
                                   f"{', '.join(map(repr, by_text))})")
            out.append(by_text[item])
        else:
            out.append(id_of(item, "poll answer"))
    return out


def maybe_id(obj: Any) -> int | None:
    try:
        return id_of(obj, "id")
    except BackendError:
        return None


__all__ = ["BackendError"]
