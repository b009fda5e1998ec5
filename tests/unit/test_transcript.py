"""A failing test's transcript shows a REST call's body the same whether it came as JSON
or as a form's ``payload_json`` (multipart with files, or URL-encoded as py-cord sends
interaction callbacks)."""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from typing import Any

import pytest

from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.journal import body_fields
from wiretwin.testing.transcript import render

CALLBACK = "/api/v10/interactions/1/token/callback"
ANSWER = {"type": 4, "data": {"content": "Hello, Carol!"}}
MESSAGE = {"content": "pong"}
BOUNDARY = "b0undary"


def _multipart(payload: dict[str, Any], files: dict[str, bytes]) -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="payload_json"\r\n'
             f"Content-Type: application/json\r\n\r\n{json.dumps(payload)}\r\n".encode()]
    for index, (name, data) in enumerate(files.items()):
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files[{index}]";'
                     f' filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _line(content_type: str | None, body: bytes, path: str = CALLBACK) -> str:
    twin = DiscordTwin()
    headers = {"Content-Type": content_type} if content_type else {}
    twin.journal.record_http(method="POST", path=path, query={}, request_headers=headers,
                             status=204, **body_fields("request_body", body))
    (line,) = render(twin, twin.journal.since(0), login=True)
    return re.sub(r"^\+ *[0-9.]+s  ", "", line)


URLENCODED = urllib.parse.urlencode({"payload_json": json.dumps(ANSWER)}).encode()


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/json", json.dumps(ANSWER).encode()),
    ("application/x-www-form-urlencoded", URLENCODED),
    (f"multipart/form-data; boundary={BOUNDARY}", _multipart(ANSWER, {})),
])
def test_a_callback_reads_the_same_as_json_or_as_a_form(content_type: str,
                                                        body: bytes) -> None:
    assert _line(content_type, body) == (
        'bot → twin  POST /interactions/1/token/callback → 204 '
        '{"type":4,"data":{"content":"Hello, Carol!"}}')


def test_a_message_with_files_shows_its_content_and_counts_its_files() -> None:
    body = _multipart(MESSAGE, {"a.png": b"\x89PNG\x00\xff", "b.txt": b"hi"})
    line = _line(f"multipart/form-data; boundary={BOUNDARY}", body,
                 "/api/v10/channels/5/messages")
    assert line == "bot → twin  POST /channels/5/messages → 204 'pong' +2 files"


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/x-www-form-urlencoded", b"payload_json=%7Bnot+json"),
    ("application/x-www-form-urlencoded", b"content=no+payload_json"),
    ("multipart/form-data", b"no boundary at all"),
    ("text/plain", b"hello"),
    (None, b"\xff\xfe"),
])
def test_a_body_that_is_no_json_shows_nothing(content_type: str | None,
                                              body: bytes) -> None:
    assert _line(content_type, body) == "bot → twin  POST /interactions/1/token/callback → 204"


def test_a_binary_multipart_body_is_read_from_base64() -> None:
    body = _multipart(MESSAGE, {"a.bin": b"\xff\x00"})
    fields = body_fields("request_body", body)
    assert list(fields) == ["request_body_base64"]
    assert base64.b64decode(fields["request_body_base64"]) == body
    assert _line(f"multipart/form-data; boundary={BOUNDARY}", body).endswith(
        "'pong' +1 file")
