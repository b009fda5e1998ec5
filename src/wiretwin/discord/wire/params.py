"""Reading a REST request as Discord reads it: path arguments, the query string, and the
body (JSON, or a form: ``multipart/form-data`` with ``payload_json`` and ``files[n]``,
or ``application/x-www-form-urlencoded`` with ``payload_json`` — what py-cord sends for
an interaction callback without files, aiohttp's ``FormData`` with no file in it).

* A path argument that is no snowflake (``GET /users/abc``, ``/users/%C2%B2``) is 50035
  with the argument's name as the path (``user_id``); so is a bad query parameter
  (``?limit=abc``: ``limit``).
* A body that is not JSON (or not strict JSON: :mod:`wiretwin.runtime.jsonio`) is 50109
  "The request body contains invalid JSON."; a JSON body that should be an object and
  is not is 50035 with DICT_TYPE_CONVERT at the root, a list body that is no list,
  LIST_TYPE_CONVERT.
* A file over the per-file upload limit is 413 40005 "Request entity too large" (the
  whole request's limit is the server's, see :class:`~wiretwin.discord.twin.DiscordTwin`).

Fields of the body are read with :class:`~wiretwin.discord.wire.fields.Form`.
"""

from __future__ import annotations

import email.errors
import urllib.parse
from dataclasses import dataclass
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from aiohttp import web

from ...runtime import jsonio
from ..errors import INVALID_JSON, REQUEST_TOO_LARGE, Problems
from .fields import NOT_DICT, NOT_LIST, Form


@dataclass(frozen=True)
class Upload:
    """One ``files[n]`` part of a multipart body."""

    field: str
    filename: str
    content_type: str
    data: bytes

    @property
    def index(self) -> str:
        """The ``n`` of ``files[n]`` (the placeholder id ``attachments`` describe it by)."""
        if self.field.startswith("files[") and self.field.endswith("]"):
            return self.field[len("files["):-1]
        return self.field


# -- path and query -------------------------------------------------------------------


def snowflake_arg(request: web.Request, name: str) -> int:
    """The path argument ``name`` as a snowflake, or Discord's 50035 naming it."""
    args = Form(request.match_info)
    value = args.snowflake(name, required=True)
    args.check()
    assert value is not None
    return value


def query(request: web.Request) -> Form:
    """The query string, to read parameters from (``check()`` it after)."""
    return Form(request.query)


def query_flag(request: web.Request, name: str) -> bool:
    """A boolean query parameter (``true``/``false``/``1``/``0``; clients send both:
    discord.py ``?with_response=1``, discord.js ``?with_response=false``); absent is
    false, anything else 50035 naming it."""
    params = query(request)
    value = params.boolean(name)
    params.check()
    return bool(value)


# -- bodies ---------------------------------------------------------------------------


def parse_json(raw: bytes) -> Any:
    """``raw`` as strict JSON, or Discord's 50109."""
    try:
        return jsonio.loads(raw)
    except jsonio.JSONError:
        raise INVALID_JSON() from None


async def read_json(request: web.Request) -> dict[str, Any]:
    """A JSON object body (``{}`` when empty), or Discord's 50109 / 50035 answers."""
    raw = await request.read()
    if not raw:
        return {}
    return json_object(parse_json(raw))


def json_object(body: Any) -> dict[str, Any]:
    """``body`` if it is a JSON object, else 50035 DICT_TYPE_CONVERT at the root."""
    if not isinstance(body, dict):
        problems = Problems()
        problems.add((), *NOT_DICT)
        raise problems.error()
    return body


async def read_json_list(request: web.Request) -> list[Any]:
    """A JSON array body (the position routes; ``[]`` when empty)."""
    raw = await request.read()
    body = parse_json(raw) if raw else []
    if not isinstance(body, list):
        problems = Problems()
        problems.add((), *NOT_LIST)
        raise problems.error()
    return body


async def read_json_any(request: web.Request, empty: Any) -> Any:
    """Any JSON value (a command, or a list of them for a bulk overwrite)."""
    raw = await request.read()
    return parse_json(raw) if raw else empty


async def read_payload(request: web.Request, file_limit: int
                       ) -> tuple[dict[str, Any], list[Upload]]:
    """A message body: JSON, or multipart with ``payload_json`` and ``files[n]`` (each at
    most ``file_limit`` bytes, else 413 40005), or a URL-encoded form's ``payload_json``
    (a form without it reads as an empty body, as a multipart one does)."""
    if request.content_type == "application/x-www-form-urlencoded":
        payload = parse_urlencoded(await request.read())
        return (json_object(parse_json(payload)) if payload is not None else {}), []
    if request.content_type != "multipart/form-data":
        return await read_json(request), []
    # The wire layer has already read the body (to journal it), so aiohttp's
    # request.post() would find the stream empty: parse the cached bytes instead.
    payload, files = parse_multipart(request.headers.get("Content-Type", ""),
                                     await request.read(), file_limit)
    body = json_object(parse_json(payload)) if payload is not None else {}
    return body, files


async def read_form(request: web.Request, file_limit: int
                    ) -> tuple[dict[str, str], list[Upload]]:
    """A multipart form's plain fields (as text) and its files (each at most
    ``file_limit`` bytes, else 413 40005): the sticker upload's shape."""
    if request.content_type != "multipart/form-data":
        return {}, []
    fields: dict[str, str] = {}
    files: list[Upload] = []
    for part in _parts(request.headers.get("Content-Type", ""), await request.read()):
        key = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if not isinstance(key, str) or not isinstance(data, bytes):
            continue
        filename = part.get_filename()
        if filename is None:
            fields[key] = data.decode("utf-8", "replace")
        elif len(data) > file_limit:
            raise REQUEST_TOO_LARGE()
        else:
            files.append(Upload(key, filename, part.get_content_type(), data))
    return fields, files


def parse_multipart(content_type: str, raw_body: bytes, file_limit: int
                    ) -> tuple[bytes | None, list[Upload]]:
    """A multipart body's ``payload_json`` (None if it has none) and its files; parts
    that are neither (no name, no filename) are left out, as Discord leaves them."""
    payload: bytes | None = None
    files: list[Upload] = []
    for part in _parts(content_type, raw_body):
        key = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if not isinstance(key, str) or not isinstance(data, bytes):
            continue
        filename = part.get_filename()
        if filename is None:
            if key == "payload_json":
                payload = data
            continue
        if len(data) > file_limit:
            raise REQUEST_TOO_LARGE()
        files.append(Upload(key, filename, part.get_content_type(), data))
    return payload, files


def parse_urlencoded(raw_body: bytes) -> bytes | None:
    """A URL-encoded form's ``payload_json`` (the last one, as for a multipart body);
    None if it has none."""
    try:
        fields = urllib.parse.parse_qsl(raw_body.decode("utf-8"), keep_blank_values=True,
                                        encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise INVALID_JSON() from None
    found = [value for key, value in fields if key == "payload_json"]
    return found[-1].encode("utf-8") if found else None


def _parts(content_type: str, raw_body: bytes) -> list[MimeMessage]:
    """The parts of a multipart body; none when it cannot be split (no boundary, or a
    boundary that never comes), which reads as an empty form."""
    header = b"Content-Type: " + content_type.encode("utf-8", "replace") + b"\r\n\r\n"
    try:
        form = BytesParser(policy=HTTP).parsebytes(header + raw_body)
        return list(form.iter_parts()) if form.is_multipart() else []
    except (email.errors.MessageError, ValueError, LookupError):
        return []


__all__ = ["Upload", "json_object", "parse_json",
           "parse_multipart", "parse_urlencoded", "query",
           "query_flag", "read_json", "read_json_any", "read_json_list", "read_payload",
           "snowflake_arg"]
