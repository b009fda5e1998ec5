"""``wiretwin serve --log-requests``: one line per HTTP exchange, websocket connection,
fault firing and note, as the twins journal them (frames are left to the journal), and
one per admin API request (which the journal leaves out)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TextIO
from urllib.parse import urlencode

from .journal import Entry, Journal
from .layer import WireLayer


def _stamp(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall)) + f".{int(wall * 1000) % 1000:03d}"


def admin_line(twin: str, method: str, path: str, status: int,
               wall: float | None = None) -> str:
    """An admin API request as one line of the request log."""
    return f"{_stamp(time.time() if wall is None else wall)} {twin:<8} admin {method} " \
           f"{path} -> {status}"


def traffic_line(entry: Entry) -> str | None:
    """``entry`` as one line of the request log (None: not logged, such as frames)."""
    head = f"{_stamp(entry.wall)} {entry.twin:<8} "
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


def log_traffic(journals: list[Journal], out: TextIO,
                admin: Sequence[WireLayer] = ()) -> Callable[[], None]:
    """Print each journal's traffic, and the admin API requests each of the ``admin``
    layers serves, to ``out`` as it happens; returns what stops it."""

    def write(entry: Entry) -> None:
        line = traffic_line(entry)
        if line is not None:
            print(line, file=out, flush=True)

    def write_admin(layer: WireLayer) -> Callable[[str, str, int], None]:
        def said(method: str, path: str, status: int) -> None:
            print(admin_line(layer.twin, method, path, status), file=out, flush=True)
        return said

    stops = [journal.listen(write) for journal in journals]
    stops += [layer.listen_admin(write_admin(layer)) for layer in admin]

    def stop() -> None:
        for each in stops:
            each()

    return stop


__all__ = ["admin_line", "log_traffic", "traffic_line"]
