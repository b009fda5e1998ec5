"""The journal: everything that crossed a twin's wire, in order.

Every HTTP exchange (method, path, query, headers, body, status, response body), every
websocket frame in both directions, every connection opened and closed, and every fault
that fired, each with the connection it belongs to, the wall-clock time and the twin's
clock time. Tests query it (:meth:`Journal.frames`, :meth:`Journal.http`), wait on it
(:meth:`Journal.wait_for`) and export it as JSON Lines that :func:`read_jsonl` reads back
into equal entries.

It is bounded, in entries (``limit``) and in bytes (``max_bytes``: payloads, bodies and
headers, plus a fixed allowance per entry and per header); past either bound the oldest
entries go, and the journal's first entry becomes a ``dropped`` entry saying how many, so
nothing disappears silently.

Frames sent together (:meth:`Journal.record_frames`: a Lavalink node's ``playerUpdate``
frames of one instant) are built into entries the first time anything reads them; until
then they count against both bounds as those entries, and they read back as recording
them one by one would have made them.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from itertools import repeat
from pathlib import Path
from typing import IO, Any, Literal, NoReturn

from .clock import Clock
from .waiters import WaitableLog

_log = logging.getLogger("wiretwin.journal")

Kind = Literal["http", "frame", "connection", "fault", "dropped", "note"]
Direction = Literal["in", "out"]

#: Entries a journal keeps by default before dropping its oldest.
DEFAULT_JOURNAL_LIMIT = 100_000
#: Bytes of payload a journal keeps by default before dropping its oldest entries.
DEFAULT_JOURNAL_BYTES = 64 * 1024 * 1024
#: What an entry costs beyond its payload, bodies and headers (the entry and its dict),
#: and what each header or query item costs beyond its text (measured with tracemalloc).
ENTRY_OVERHEAD = 600
ITEM_OVERHEAD = 80
#: Connections of one fan-out from which its entries are built lazily (a smaller run
#: would weigh more than its entries).
_LAZY_FROM = 16
_MAPPINGS = ("request_headers", "response_headers", "query")
_BODIES = ("request_body", "response_body", "request_body_base64", "response_body_base64")


class _FrameDetail(dict[str, Any]):
    """A frame entry's ``detail`` (its opcode): one read-only dict shared by every frame
    of that opcode, since a journal holds tens of thousands of frames."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a journal frame's detail is shared by other entries: read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _read_only
    __ior__ = _read_only

    def __reduce__(self) -> tuple[Callable[[int], dict[str, Any]], tuple[int]]:
        return _frame_detail, (self["opcode"],)

    def __copy__(self) -> _FrameDetail:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _FrameDetail:
        return self


_FRAME_DETAILS = tuple(_FrameDetail(opcode=opcode) for opcode in range(16))


def _frame_detail(opcode: int) -> dict[str, Any]:
    return _FRAME_DETAILS[opcode] if 0 <= opcode < 16 else {"opcode": opcode}


@dataclass(slots=True)
class Entry:
    """One journal entry. ``detail`` holds what is particular to the kind:

    * ``http``: method, path, query, request_headers, request_body, status,
      response_headers, response_body (bodies as text, or base64 with ``*_base64``);
    * ``frame``: opcode (and ``data`` is the payload: text, or base64 when ``binary``);
    * ``connection``: ``event`` is ``open`` or ``close``; path, peer, code, initiator;
    * ``fault``: ``event`` is the fault's name; action and what it did;
    * ``dropped``: count of entries dropped before this one;
    * ``note``: ``event`` names a diagnostic (``unmodelled-route``...), ``detail`` says more.
    """

    seq: int
    kind: Kind
    twin: str
    wall: float
    twin_time: float
    connection: str | None = None
    direction: Direction | None = None
    event: str | None = None
    data: str | None = None
    binary: bool = False
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str | None:
        return None if self.binary else self.data

    @property
    def json(self) -> Any:
        """The payload parsed as JSON (None if it is not JSON)."""
        if self.data is None or self.binary:
            return None
        try:
            return json.loads(self.data)
        except ValueError:
            return None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def weight(self) -> int:
        """Roughly what the entry holds in memory, in bytes (what ``max_bytes`` counts)."""
        size = ENTRY_OVERHEAD + len(self.data or "")
        if self.kind == "http":
            for key in _BODIES:
                body = self.detail.get(key)
                if isinstance(body, str):
                    size += len(body)
            for key in _MAPPINGS:
                items = self.detail.get(key)
                if isinstance(items, dict):
                    size += sum(len(k) + len(v) + ITEM_OVERHEAD for k, v in items.items())
        return size

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        return cls(**data)

    def describe(self) -> str:
        where = f" {self.connection}" if self.connection else ""
        if self.kind == "http":
            d = self.detail
            return f"#{self.seq} http {d.get('method')} {d.get('path')} -> {d.get('status')}"
        if self.kind == "frame":
            arrow = "<-" if self.direction == "in" else "->"
            return f"#{self.seq} frame{where} {arrow} {(self.data or '')[:120]}"
        return f"#{self.seq} {self.kind}{where} {self.event or ''} {self.detail}"


Match = str | re.Pattern[str] | Callable[[Entry], bool]


def _matches(entry: Entry, match: Match | None) -> bool:
    if match is None:
        return True
    if callable(match) and not isinstance(match, re.Pattern):
        return match(entry)
    text = entry.data or ""
    if isinstance(match, re.Pattern):
        return match.search(text) is not None
    return match in text


def body_fields(prefix: str, body: bytes | None) -> dict[str, Any]:
    """A body as journal detail: text when it is UTF-8, else base64."""
    if body is None:
        return {prefix: None}
    try:
        return {prefix: body.decode()}
    except UnicodeDecodeError:
        return {f"{prefix}_base64": base64.b64encode(body).decode()}


class Journal:
    def __init__(self, twin: str, clock: Clock, limit: int = DEFAULT_JOURNAL_LIMIT,
                 max_bytes: int = DEFAULT_JOURNAL_BYTES) -> None:
        self.twin = twin
        self.clock = clock
        self._seq = 0
        self._marker: Entry | None = None
        self._log: WaitableLog[Entry] = WaitableLog(
            Entry.describe, limit=limit, marker=self._dropped_marker, weigh=Entry.weight,
            max_weight=max_bytes,
        )
        self._listeners: list[Callable[[Entry], None]] = []

    def listen(self, listener: Callable[[Entry], None]) -> Callable[[], None]:
        """Call ``listener`` with every entry as it is recorded (in the thread recording
        it: keep it quick; frames recorded together, :meth:`record_frames` and
        :meth:`record_fanout`, once the batch is in); returns what stops it. A listener
        that raises is logged and dropped, never let into the twin's traffic."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners \
            else None

    def _dropped_marker(self, count: int) -> Entry:
        # One marker, updated in place: a full journal trims at every entry it adds.
        if self._marker is None:
            self._marker = Entry(0, "dropped", self.twin, time.time(), self.clock.time(),
                                 event="dropped", detail={"count": count})
        else:
            self._marker.wall, self._marker.twin_time = time.time(), self.clock.time()
            self._marker.detail["count"] = count
        return self._marker

    @property
    def limit(self) -> int | None:
        return self._log.limit

    @property
    def max_bytes(self) -> int | None:
        return self._log.max_weight

    @property
    def size(self) -> int:
        """What the entries kept weigh now, in bytes (see :meth:`Entry.weight`)."""
        return self._log.weight

    @property
    def dropped(self) -> int:
        return self._log.dropped

    @property
    def last_seq(self) -> int:
        """The sequence number of the newest entry ever recorded (0 before the first; a
        clear does not rewind it), without copying the log: waits mark "from here"."""
        return self._seq

    # -- recording (the wire layer calls these, in the twin's loop) -----------------------

    def _add(self, kind: Kind, **fields: Any) -> Entry:
        self._seq += 1
        entry = Entry(self._seq, kind, self.twin, time.time(), self.clock.time(), **fields)
        self._log.append(entry)
        if self._listeners:
            self._tell(entry)
        return entry

    def _tell(self, entry: Entry) -> None:
        for listener in list(self._listeners):
            try:
                listener(entry)
            except Exception:
                _log.exception("a journal listener failed; it is dropped")
                if listener in self._listeners:
                    self._listeners.remove(listener)

    def record_frame(self, connection: str, direction: Direction,
                     data: str | bytes | bytearray, *, event: str | None = None,
                     opcode: int = 1) -> Entry:
        if not isinstance(data, str):  # bytes, or aiohttp's bytearray for control frames
            return self._add("frame", connection=connection, direction=direction, event=event,
                             data=base64.b64encode(data).decode(), binary=True,
                             detail=_frame_detail(opcode))
        return self._add("frame", connection=connection, direction=direction, event=event,
                         data=data, detail=_frame_detail(opcode))

    def record_frames(self, connection: str, direction: Direction, texts: Sequence[str], *,
                      event: str | None = None) -> None:
        """Text frames that crossed the wire together (one batch on one connection): the
        entries :meth:`record_frame` would make of each, in order, under one reading of
        the clocks and one trim.

        They are built when first read (most of what a full journal is sent is dropped
        unread); listeners, when there are any, get the entries at once, after the batch
        is in.
        """
        if not texts:
            return
        seq = self._seq
        self._seq = seq + len(texts)
        frames = _Frames(self.twin, time.time(), self.clock.time(), connection, direction,
                         event, seq + 1, list(texts))
        if not self._listeners:
            self._log.extend_lazily(len(texts), frames.entry,
                                    map(ENTRY_OVERHEAD.__add__, map(len, texts)))
            return
        entries = [frames.entry(i) for i in range(len(texts))]
        self._log.extend(entries)
        for entry in entries:
            self._tell(entry)

    def record_fanout(self, connections: Sequence[str], direction: Direction, text: str, *,
                      event: str | None = None) -> None:
        """One text frame that crossed the wire on each of ``connections``, one after
        the other: the entries :meth:`record_frame` would make, in order, under one
        reading of the clocks, built when first read as :meth:`record_frames` does."""
        if not connections:
            return
        seq = self._seq
        self._seq = seq + len(connections)
        fanout = _FanOut(self.twin, time.time(), self.clock.time(), list(connections),
                         direction, event, seq + 1, text)
        if not self._listeners and len(connections) >= _LAZY_FROM:
            self._log.extend_lazily(len(connections), fanout.entry,
                                    repeat(ENTRY_OVERHEAD + len(text), len(connections)))
            return
        entries = [fanout.entry(i) for i in range(len(connections))]
        self._log.extend(entries)
        if self._listeners:
            for entry in entries:
                self._tell(entry)

    def record_http(self, **detail: Any) -> Entry:
        return self._add("http", detail=detail)

    def record_connection(self, connection: str, what: Literal["open", "close"],
                   **detail: Any) -> Entry:
        return self._add("connection", connection=connection, event=what, detail=detail)

    def record_note(self, name: str, **detail: Any) -> Entry:
        """A diagnostic worth seeing in the journal (a route the twin does not model...)."""
        return self._add("note", event=name, detail=detail)

    def record_fault(self, name: str, action: str, *, connection: str | None = None,
              direction: Direction | None = None, **detail: Any) -> Entry:
        return self._add("fault", connection=connection, direction=direction, event=name,
                         detail={"action": action, **detail})

    # -- reading --------------------------------------------------------------------

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._log.snapshot())

    def __len__(self) -> int:
        return len(self._log)

    def since(self, seq: int) -> list[Entry]:
        """The entries after ``seq`` (an entry's ``seq``; 0 for all), oldest first,
        without copying the older part of the journal."""
        return self._log.newest_while(lambda e: e.seq > seq)

    def entries(self, kind: Kind | None = None) -> list[Entry]:
        return [e for e in self._log.snapshot() if kind is None or e.kind == kind]

    def frames(self, *, direction: Direction | None = None, connection: str | None = None,
               event: str | None = None, match: Match | None = None) -> list[Entry]:
        """Frames, filtered: ``match`` is a substring, a compiled regex or a predicate."""
        return [e for e in self._log.snapshot() if e.kind == "frame"
                and (direction is None or e.direction == direction)
                and (connection is None or e.connection == connection)
                and (event is None or e.event == event)
                and _matches(e, match)]

    def http(self, *, method: str | None = None, path: str | None = None,
             status: int | None = None) -> list[Entry]:
        return [e for e in self._log.snapshot() if e.kind == "http"
                and (method is None or e.detail.get("method") == method.upper())
                and (path is None or e.detail.get("path") == path)
                and (status is None or e.detail.get("status") == status)]

    def faults(self, name: str | None = None) -> list[Entry]:
        return [e for e in self._log.snapshot() if e.kind == "fault"
                and (name is None or e.event == name)]

    def connections(self) -> list[Entry]:
        return self.entries("connection")

    def mark(self) -> int:
        """A place in the journal: ``wait_for(..., since=mark)`` looks only at the entries
        recorded after it (not reading the whole journal again)."""
        return self._log.mark()

    async def wait_for(self, predicate: Callable[[Entry], bool], *, count: int = 1,
                       timeout: float = 5.0, since: int | None = None) -> list[Entry]:
        return await self._log.wait_for(predicate, count=count, timeout=timeout,
                                        since=since)

    def wait_for_sync(self, predicate: Callable[[Entry], bool], *, count: int = 1,
                      timeout: float = 5.0) -> list[Entry]:
        return self._log.wait_for_sync(predicate, count=count, timeout=timeout)

    def clear(self) -> None:
        self._log.clear()
        self._marker = None

    # -- JSON Lines -----------------------------------------------------------------

    def export(self, target: str | Path | IO[str]) -> int:
        """Write every entry as one JSON object per line; returns how many."""
        entries = self._log.snapshot()
        if isinstance(target, str | Path):
            with open(target, "w", encoding="utf-8") as out:
                return _write(entries, out)
        return _write(entries, target)


@dataclass(slots=True)
class _Frames:
    """Text frames recorded together, as :meth:`Journal.record_frames` keeps them until
    their entries are read."""

    twin: str
    wall: float
    twin_time: float
    connection: str
    direction: Direction
    event: str | None
    first_seq: int
    texts: list[str]

    def entry(self, index: int) -> Entry:
        return Entry(self.first_seq + index, "frame", self.twin, self.wall, self.twin_time,
                     self.connection, self.direction, self.event, self.texts[index], False,
                     _FRAME_DETAILS[1])


@dataclass(slots=True)
class _FanOut:
    """One text frame sent to many connections, as :meth:`Journal.record_fanout` keeps it
    until its entries are read."""

    twin: str
    wall: float
    twin_time: float
    connections: list[str]
    direction: Direction
    event: str | None
    first_seq: int
    text: str

    def entry(self, index: int) -> Entry:
        return Entry(self.first_seq + index, "frame", self.twin, self.wall, self.twin_time,
                     self.connections[index], self.direction, self.event, self.text, False,
                     _FRAME_DETAILS[1])


def _write(entries: Iterable[Entry], out: IO[str]) -> int:
    count = 0
    for entry in entries:
        out.write(json.dumps(entry.to_json(), separators=(",", ":"), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def read_jsonl(source: str | Path | IO[str]) -> list[Entry]:
    """Entries back from :meth:`Journal.export`'s output."""
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8") as handle:
            return [Entry.from_json(json.loads(line)) for line in handle if line.strip()]
    return [Entry.from_json(json.loads(line)) for line in source if line.strip()]


__all__ = ["DEFAULT_JOURNAL_BYTES", "DEFAULT_JOURNAL_LIMIT", "Entry", "Journal", "body_fields",
           "read_jsonl"]
