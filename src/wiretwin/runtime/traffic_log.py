"""``wiretwin serve --log-requests``: one line per HTTP exchange, websocket connection,
fault firing and note, as the twins journal them (frames are left to the journal)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO
from urllib.parse import urlencode

from .journal import Entry, Journal


def traffic_line(entry: Entry) -> str | None:
    """``entry`` as one line of the request log (None: not logged, such as frames)."""
    stamp = time.strftime("%H:%M:%S", time.localtime(entry.wall)) + \
        f".{int(entry.wall * 1000) % 1000:03d}"
    head = f"{stamp} {entry.twin:<8} "
    detail = entry.detail
    if entry.kind == "http":
        query = detail.get("query") or {}
        path = str(detail.get("path", "")) + (f"?{urlencode(query)}" if query else "")
        return f"{head}{detail.get('method')} {path} -> {detail.get('status')}"
    if entry.kind == "connection" and entry.event == "open" and "renamed" not in detail:
        query = detail.get("query") or {}
        path = str(detail.get("path") or "/") + (f"?{urlencode(query)}" if query else "")
        return f"{head}{entry.connection} websocket open {path}"
    if entry.kind == "connection" and entry.event == "close":
        code = detail.get("code")
        by = detail.get("initiator")
        return (f"{head}{entry.connection} websocket closed"
                + (f" {code}" if code is not None else "") + (f" by {by}" if by else ""))
    if entry.kind == "fault":
        where = f" on {entry.connection}" if entry.connection else ""
        return f"{head}fault {entry.event} ({detail.get('action')}){where}"
    if entry.kind == "note":
        said = " ".join(f"{k}={v}" for k, v in detail.items())
        return f"{head}note {entry.event} {said}".rstrip()
    return None


def log_traffic(journals: list[Journal], out: TextIO) -> Callable[[], None]:
    """Print each journal's traffic to ``out`` as it happens; returns what stops it."""

    def write(entry: Entry) -> None:
        line = traffic_line(entry)
        if line is not None:
            print(line, file=out, flush=True)

    stops = [journal.listen(write) for journal in journals]

    def stop() -> None:
        for each in stops:
            each()

    return stop


__all__ = ["log_traffic", "traffic_line"]
