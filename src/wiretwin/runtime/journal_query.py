"""The journal as the admin API queries it: ``GET /_wiretwin/journal``'s selection and
``GET /_wiretwin/journal/wait``'s long-poll, their query parameters made into a
predicate on :class:`~.journal.Entry`. A query they cannot use is a :class:`QueryError`
(the admin API's 400); a wait that times out, a :class:`~.waiters.WaitTimeout` (504)
that says what it waited for."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .journal import Entry, Journal
from .waiters import WaitTimeout


class QueryError(ValueError):
    """A query the wait cannot use; the message says what is wrong."""


#: The longest a ``/journal/wait`` may wait, in seconds.
MAX_WAIT = 120.0

#: ``/journal/wait``'s filters: query parameter -> what it matches.
JOURNAL_FILTERS: dict[str, str] = {
    "kind": "http, frame, connection, fault, note or dropped",
    "connection": "connection id", "direction": "in or out",
    "event": "frame label, connection open/close, fault name",
    "method": "an http entry's method (GET, POST...)",
    "path": "an http entry's path, exactly",
    "path_prefix": "an http entry's path starts with this",
    "status": "an http entry's status",
    "contains": "the frame's text, or the http entry's request or response body, "
                "contains this",
}

#: The documentation of the wait route (its OpenAPI summary and parameters).
WAIT_SUMMARY = ("Long-poll: answer once `count` entries after `since` match every filter "
                "given (at once if they are there already), oldest first; 504 after "
                "`timeout` seconds")
WAIT_QUERY: dict[str, str] = {
    **JOURNAL_FILTERS, "since": "only entries with a greater seq (default 0)",
    "count": "how many matching entries to wait for (default 1)",
    "timeout": f"seconds to wait (default 5, at most {MAX_WAIT:g})"}
MARK_SUMMARY = ("The newest entry's seq (0 before the first): pass it as `since` to wait "
                "only for what comes after now")
MARK_RESPONSE: dict[str, Any] = {"type": "object", "required": ["seq"],
                                 "properties": {"seq": {"type": "integer"}}}


def select_entries(journal: Journal, query: Mapping[str, str]) -> list[Entry]:
    """``GET /journal``: the entries after ``since`` whose ``kind``, ``connection``,
    ``direction`` and ``event`` are those given, the newest ``limit`` of them."""
    try:
        since = int(query.get("since", "0"))
        limit = int(query["limit"]) if "limit" in query else None
    except ValueError:
        raise QueryError("since and limit are integers") from None
    fields = {k: query[k] for k in ("kind", "connection", "direction", "event") if k in query}
    entries = [e for e in journal
               if e.seq > since and all(getattr(e, k) == v for k, v in fields.items())]
    if limit is not None:
        entries = entries[-limit:] if limit > 0 else []
    return entries


def journal_filter(query: Mapping[str, str]) -> Callable[[Entry], bool]:
    """The predicate of ``/journal/wait``'s filters (those given), for an entry."""
    fields = {k: query[k] for k in ("kind", "connection", "direction", "event") if k in query}
    method = query.get("method", "").upper() or None
    path, prefix = query.get("path"), query.get("path_prefix")
    status: int | None = query_number(query, "status", None, int)
    contains = query.get("contains")

    def matches(entry: Entry) -> bool:
        if any(getattr(entry, k) != v for k, v in fields.items()):
            return False
        detail = entry.detail
        if method is not None and detail.get("method") != method:
            return False
        if path is not None and detail.get("path") != path:
            return False
        if prefix is not None and not str(detail.get("path", "")).startswith(prefix):
            return False
        if status is not None and detail.get("status") != status:
            return False
        if contains is not None:
            texts = [entry.text or "", str(detail.get("request_body", "")),
                     str(detail.get("response_body", ""))]
            return any(contains in text for text in texts)
        return True

    return matches


def describe_filter(query: Mapping[str, str]) -> str:
    given = [f"{k}={query[k]!r}" for k in JOURNAL_FILTERS if k in query]
    return ", ".join(given) or "anything"


def query_number(query: Mapping[str, str], name: str, default: float | None,
                  kind: type[int] | type[float], *, minimum: float | None = None
                  ) -> Any:
    """A number (``kind``) from the query string, ``default`` when absent."""
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise QueryError(f"{name} must be a number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise QueryError(f"{name} must be at least {minimum:g}")
    return value


async def wait_for_entries(journal: Journal, query: Mapping[str, str]) -> list[Entry]:
    """The first ``count`` entries after ``since`` that match the query's filters, once
    the journal holds them (at once if it does), within ``timeout`` seconds."""
    since: int = query_number(query, "since", 0, int, minimum=0)
    count: int = query_number(query, "count", 1, int, minimum=1)
    timeout: float = query_number(query, "timeout", 5.0, float, minimum=0)
    if timeout > MAX_WAIT:
        raise QueryError(f"timeout is at most {MAX_WAIT:g} seconds")
    matches = journal_filter(query)
    try:
        return await journal.wait_for(lambda e: e.seq > since and matches(e), count=count,
                                      timeout=timeout)
    except WaitTimeout:
        seen = sum(1 for e in journal.since(since) if matches(e))
        raise WaitTimeout(f"waited {timeout:g}s for {count} journal entr"
                          f"{'y' if count == 1 else 'ies'} after seq {since} matching "
                          f"{describe_filter(query)}; {seen} matched") from None


__all__ = ["JOURNAL_FILTERS", "MARK_RESPONSE", "MARK_SUMMARY", "MAX_WAIT", "WAIT_QUERY",
           "WAIT_SUMMARY", "QueryError", "describe_filter", "journal_filter", "query_number",
           "select_entries", "wait_for_entries"]
