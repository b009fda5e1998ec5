"""A failing Discord test's wire, readable: one line per thing that crossed it.

``render(twin, entries)`` turns journal entries into lines such as::

    +0.004s  twin → bot  MESSAGE_CREATE #general alice: '!ping'
    +0.005s  bot → twin  POST /channels/1191531302092931077/messages → 200 'pong'
    +0.006s  twin → bot  MESSAGE_CREATE #general wiretwin-bot: 'pong'

A request's body is shown as JSON, or its message's content, whether it came as JSON or
as a form's ``payload_json`` (with ``+N files`` for a multipart upload).

Heartbeats and the websocket pings the driver uses to know the bot has caught up are left
out; so is everything up to the bot's READY unless asked for (``login=True``).
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..discord.errors import DiscordError
from ..discord.wire.params import Upload, parse_multipart, parse_urlencoded
from ..runtime.journal import Entry

if TYPE_CHECKING:
    from ..discord.twin import DiscordTwin

#: Lines a transcript keeps (the newest), so a long test's report stays readable.
MAX_LINES = 300
_QUIET = frozenset({"HEARTBEAT", "HEARTBEAT_ACK", "ws:ping", "ws:pong"})
_OPS = {1: "HEARTBEAT", 2: "IDENTIFY", 3: "PRESENCE_UPDATE", 4: "VOICE_STATE_UPDATE",
        6: "RESUME", 7: "RECONNECT", 8: "REQUEST_GUILD_MEMBERS", 9: "INVALID_SESSION",
        10: "HELLO", 11: "HEARTBEAT_ACK"}


def _short(value: Any, width: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    text = repr(text) if isinstance(value, str) else text
    return text if len(text) <= width else text[:width - 1] + "…"


class _Names:
    """Channel and user names for ids, from the twin's state."""

    def __init__(self, twin: DiscordTwin) -> None:
        self.model = twin.model

    def channel(self, raw: Any) -> str:
        try:
            found = self.model.channels.get(int(raw))
        except (TypeError, ValueError):
            found = None
        return f"#{found.name}" if found is not None and found.name else f"channel {raw}"

    def user(self, data: dict[str, Any]) -> str:
        author = data.get("author")
        if isinstance(author, dict):
            return str(author.get("username") or author.get("id"))
        return "?"


def _dispatch(name: str, data: Any, names: _Names) -> str:
    if not isinstance(data, dict):
        return name
    if name in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
        text = data.get("content") or ""
        extra = ""
        if data.get("embeds"):
            extra += f" +{len(data['embeds'])} embed(s)"
        if data.get("components"):
            extra += " +components"
        return (f"{name} {names.channel(data.get('channel_id'))} {names.user(data)}: "
                f"{_short(text)}{extra}")
    if name == "INTERACTION_CREATE":
        inner = data.get("data") or {}
        label = inner.get("name") or inner.get("custom_id") or ""
        user = (data.get("member") or {}).get("user") or data.get("user") or {}
        return (f"INTERACTION_CREATE type {data.get('type')} {label!s} by "
                f"{user.get('username', '?')} in {names.channel(data.get('channel_id'))}")
    if name == "GUILD_CREATE":
        return (f"GUILD_CREATE {data.get('name')!r} "
                f"({_count(len(data.get('channels', [])), 'channel')}, "
                f"{_count(len(data.get('members', [])), 'member')})")
    if name == "READY":
        return f"READY as {(data.get('user') or {}).get('username')}"
    keys = {k: data[k] for k in ("channel_id", "message_id", "user_id", "emoji", "id")
            if k in data}
    return f"{name} {_short(keys)}" if keys else name


def _frame(entry: Entry, names: _Names) -> str | None:
    payload = entry.json
    if not isinstance(payload, dict):
        return None
    op = payload.get("op")
    name = payload.get("t") or _OPS.get(op if isinstance(op, int) else -1, f"op {op}")
    if name in _QUIET or entry.event in _QUIET:
        return None
    arrow = "twin → bot" if entry.direction == "out" else "bot → twin"
    if op == 0:
        return f"{arrow}  {_dispatch(str(name), payload.get('d'), names)}"
    if op == 2:
        return f"{arrow}  IDENTIFY"
    return f"{arrow}  {name} {_short(payload.get('d'))}"


def _http(entry: Entry) -> str:
    d = entry.detail
    path = str(d.get("path", ""))
    for prefix in ("/api/v10", "/api/v9", "/api"):
        if path.startswith(prefix + "/"):
            path = path[len(prefix):]
            break
    parsed, files = _request_json(d)
    shown = ""
    if isinstance(parsed, dict) and isinstance(parsed.get("content"), str):
        shown = f" {_short(parsed['content'])}"
    elif parsed is not None:
        shown = f" {_short(parsed, 60)}"
    if files:
        shown += f" +{_count(files, 'file')}"
    return f"bot → twin  {d.get('method')} {path} → {d.get('status')}{shown}"


def _request_json(detail: dict[str, Any]) -> tuple[Any, int]:
    """A request's JSON (None if it has none) and how many files came with it: the body,
    or a form's ``payload_json`` (multipart, or URL-encoded as py-cord sends
    interaction callbacks)."""
    text = detail.get("request_body")
    raw = text.encode() if isinstance(text, str) else None
    if raw is None and isinstance(detail.get("request_body_base64"), str):
        raw = base64.b64decode(detail["request_body_base64"])
    if not raw:
        return None, 0
    headers = detail.get("request_headers") or {}
    content_type = next((str(v) for k, v in headers.items()
                         if k.lower() == "content-type"), "")
    kind = content_type.split(";")[0].strip().lower()
    files: list[Upload] = []
    payload: bytes | None = raw
    try:
        if kind == "multipart/form-data":
            payload, files = parse_multipart(content_type, raw, sys.maxsize)
        elif kind == "application/x-www-form-urlencoded":
            payload = parse_urlencoded(raw)
        return (json.loads(payload) if payload else None), len(files)
    except (DiscordError, ValueError):
        return None, len(files)


def render(twin: DiscordTwin, entries: Iterable[Entry], *, login: bool = False,
           max_lines: int = MAX_LINES) -> list[str]:
    """Readable lines for ``entries`` (see the module docstring)."""
    names = _Names(twin)
    lines: list[str] = []
    start: float | None = None
    shown = login
    for entry in entries:
        line: str | None = None
        if entry.kind == "frame":
            if not shown and entry.event == "READY":
                shown = True
            line = _frame(entry, names)
        elif entry.kind == "http":
            line = _http(entry)
        elif entry.kind == "fault":
            line = f"fault       {entry.event}: {entry.detail.get('action', '')}"
        elif entry.kind == "connection":
            line = (f"connection  {entry.event} {entry.connection}"
                    + (f" code {entry.detail['code']}" if entry.detail.get("code") else ""))
        if line is None or not shown:
            continue
        if start is None:
            start = entry.twin_time
        lines.append(f"+{entry.twin_time - start:7.3f}s  {line}")
    if len(lines) > max_lines:
        dropped = len(lines) - max_lines
        lines = [f"... {dropped} earlier line(s)", *lines[-max_lines:]]
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


__all__ = ["MAX_LINES", "render"]
