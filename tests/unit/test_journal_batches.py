"""Frames journaled in batches: drafts built when read, read back as frame-by-frame
recording would have made them, under the same bounds, waits and listeners."""

from __future__ import annotations

import asyncio
import copy
import json
import pickle
import random
import threading
from dataclasses import asdict
from typing import Any

import pytest

from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.frames import encode_text, encode_texts
from wiretwin.runtime.journal import Entry, Journal
from wiretwin.runtime.waiters import WaitableLog

# -- WaitableLog runs ---------------------------------------------------------------------


def _lazily(log: WaitableLog[str], texts: list[str]) -> None:
    log.extend_lazily(len(texts), texts.__getitem__, map(len, texts))


@pytest.mark.parametrize("options", [
    {}, {"limit": 7}, {"limit": 9, "marker": lambda n: f"[{n} dropped]"},
    {"max_weight": 40, "marker": lambda n: f"[{n} dropped]"},
    {"max_weight": 40}, {"limit": 12, "max_weight": 60, "marker": lambda n: f"[{n} dropped]"},
    {"limit": 3, "max_weight": 25}, {"limit": 2, "marker": lambda n: f"[{n}]",
                                     "max_weight": 15},
])
@pytest.mark.parametrize("seed", [17, 18, 19])
def test_runs_read_back_as_the_items_extend_would_have_kept(options: dict[str, Any],
                                                             seed: int) -> None:
    rng = random.Random(seed)
    lazy: WaitableLog[str] = WaitableLog(weigh=len, **options)
    eager: WaitableLog[str] = WaitableLog(weigh=len, **options)
    counter = 0
    for _ in range(150):
        texts = []
        for _ in range(rng.choice([0, 1, 2, 5, 9, 30])):
            counter += 1
            texts.append(f"{counter}:" + "x" * rng.randrange(0, 12))
        how = rng.random()
        if how < 0.6:
            _lazily(lazy, texts)
        elif how < 0.8:
            lazy.extend(texts)
        else:
            for text in texts:
                lazy.append(text)
        for text in texts:  # one at a time: what a batch must come to
            eager.append(text)
        if rng.random() < 0.15:  # reads in between build what is there so far
            assert lazy.snapshot() == eager.snapshot()
        assert (len(lazy), lazy.weight, lazy.dropped, lazy.appended) == (
            len(eager), eager.weight, eager.dropped, eager.appended)
    assert lazy.snapshot() == eager.snapshot()
    assert lazy.slice(1, 4) == eager.slice(1, 4)
    assert lazy.newest_while(lambda s: True) == eager.newest_while(lambda s: True)


def test_a_run_is_built_once_and_read_back_as_the_same_items() -> None:
    built: list[int] = []

    def build(i: int) -> list[str]:
        built.append(i)
        return ["abc"[i]]

    log: WaitableLog[list[str]] = WaitableLog()
    log.extend_lazily(2, build)
    assert built == [] and len(log) == 2  # nothing read yet
    first = log.snapshot()
    log.extend_lazily(1, lambda i: ["c"])
    second = log.snapshot()
    assert first == [["a"], ["b"]] and second == [["a"], ["b"], ["c"]]
    assert first[0] is second[0] and first[1] is second[1]
    assert built == [0, 1]


def test_items_of_a_run_dropped_unread_are_never_built() -> None:
    built: list[int] = []

    def build(i: int) -> str:
        built.append(i)
        return str(i)

    log: WaitableLog[str] = WaitableLog(limit=3, marker=lambda n: f"[{n} dropped]")
    log.extend_lazily(10, build)
    assert log.snapshot() == ["[8 dropped]", "8", "9"]
    assert built == [8, 9]


def test_a_weighed_log_needs_a_runs_weights() -> None:
    log: WaitableLog[str] = WaitableLog(weigh=len, max_weight=10)
    with pytest.raises(ValueError, match="weights"):
        log.extend_lazily(1, lambda i: "x")
    log.extend_lazily(0, lambda i: "never")
    assert len(log) == 0


async def test_a_waiter_gets_a_runs_items_in_order() -> None:
    log: WaitableLog[str] = WaitableLog(limit=50)
    waiting = asyncio.ensure_future(log.wait_for(lambda s: s.startswith("b"), count=2))
    await asyncio.sleep(0)
    _lazily(log, ["a1", "b1", "a2", "b2", "b3"])
    assert await asyncio.wait_for(waiting, 1) == ["b1", "b2"]
    # And a wait from a mark reads a run appended after it.
    mark = log.mark()
    _lazily(log, ["b4", "c1"])
    assert await log.wait_for(lambda s: s.startswith("c"), since=mark) == ["c1"]
    assert await log.wait_for(lambda s: s.startswith("b"), count=2, since=mark - 1) == [
        "b3", "b4"]


def test_a_waiter_in_another_thread_sees_a_run() -> None:
    log: WaitableLog[str] = WaitableLog()
    _lazily(log, ["x1"])
    threading.Timer(0.01, lambda: _lazily(log, ["y1"])).start()
    assert log.wait_for_sync(lambda s: s.startswith("y"), timeout=5) == ["y1"]


def test_a_clear_forgets_runs() -> None:
    log: WaitableLog[str] = WaitableLog(limit=5, marker=lambda n: f"[{n}]")
    _lazily(log, [str(i) for i in range(8)])
    log.clear()
    _lazily(log, ["after"])
    assert (log.snapshot(), len(log)) == (["after"], 1)


# -- Journal.record_frames ----------------------------------------------------------------


def _texts(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [f'{{"n":{i},"pad":"{"p" * rng.randrange(0, 300)}"}}' for i in range(count)]


def _comparable(entry: Entry) -> dict[str, Any]:
    data = entry.to_json()
    data.pop("wall")  # each recording reads the wall clock for itself
    return data


@pytest.mark.parametrize(("limit", "max_bytes"), [
    (100_000, 64 * 1024 * 1024), (40, 64 * 1024 * 1024), (10_000, 30_000), (25, 20_000)])
def test_record_frames_reads_back_as_record_frame_would(limit: int, max_bytes: int) -> None:
    clock = VirtualClock(1_700_000_000.0)
    batched = Journal("lavalink", clock, limit=limit, max_bytes=max_bytes)
    single = Journal("lavalink", clock, limit=limit, max_bytes=max_bytes)
    texts = _texts(120)
    for start in range(0, 120, 30):
        chunk = texts[start:start + 30]
        batched.record_frames("c1", "out", chunk, event="playerUpdate")
        for text in chunk:
            single.record_frame("c1", "out", text, event="playerUpdate")
        batched.record_frame("c1", "in", b"\x00\xff", opcode=2)  # a binary frame between
        single.record_frame("c1", "in", b"\x00\xff", opcode=2)
        assert (len(batched), batched.size, batched.dropped, batched.last_seq) == (
            len(single), single.size, single.dropped, single.last_seq)
    entries = list(batched)
    assert [_comparable(e) for e in entries] == [_comparable(e) for e in single]
    assert [e.seq for e in batched.frames()] == [e.seq for e in single.frames()]
    assert [e.seq for e in batched.since(entries[-5].seq)] == [e.seq for e in entries[-4:]]
    frame = batched.frames(direction="out")[-1]
    assert (frame.kind, frame.event, frame.binary, frame.detail) == (
        "frame", "playerUpdate", False, {"opcode": 1})
    assert frame.json == {"n": 119, "pad": frame.json["pad"]}


async def test_a_wait_on_the_journal_sees_batched_frames() -> None:
    journal = Journal("lavalink", VirtualClock())
    mark = journal.mark()
    waiting = asyncio.ensure_future(journal.wait_for(
        lambda e: e.kind == "frame" and e.json["n"] >= 2, count=2, since=mark))
    await asyncio.sleep(0)
    journal.record_frames("c1", "out", _texts(5))
    found = await asyncio.wait_for(waiting, 1)
    assert [e.json["n"] for e in found] == [2, 3]
    assert found[0] is journal.frames()[2]


def test_listeners_hear_every_batched_frame_in_order() -> None:
    journal = Journal("lavalink", VirtualClock())
    heard: list[Entry] = []
    journal.listen(heard.append)
    journal.record_frames("c1", "out", _texts(4), event="playerUpdate")
    journal.record_frame("c1", "out", "after")
    assert [e.seq for e in heard] == [1, 2, 3, 4, 5]
    assert heard[:4] == journal.frames()[:4]


# -- encode_texts -------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [[], ["é" * 70, "日本" * 30], ["\x7f\x80"]])
def test_encode_texts_is_each_text_frame_joined(extra: list[str]) -> None:
    texts = ["", "a", "x" * 125, "y" * 126, "z" * 65535, "w" * 65536, "\x00~\x7f", *extra]
    assert encode_texts(texts) == b"".join(encode_text(t) for t in texts)
    assert encode_texts([]) == b""


# -- frame details --------------------------------------------------------------------


def test_frame_entries_share_one_read_only_detail() -> None:
    journal = Journal("t", VirtualClock(1.0))
    first = journal.record_frame("c1", "out", "a")
    second = journal.record_frame("c2", "in", b"\x01", opcode=2)
    third = journal.record_frame("c3", "out", "b")
    assert first.detail == {"opcode": 1} and second.detail == {"opcode": 2}
    assert first.detail is third.detail  # one dict for every text frame
    with pytest.raises(TypeError, match="read-only"):
        first.detail["opcode"] = 9
    with pytest.raises(TypeError, match="read-only"):
        first.detail.update(opcode=9)
    assert third.detail == {"opcode": 1}
    assert copy.deepcopy(first) == first and pickle.loads(pickle.dumps(first)) == first
    exported = asdict(first)["detail"]
    assert exported == {"opcode": 1} and json.dumps(exported) == '{"opcode": 1}'
