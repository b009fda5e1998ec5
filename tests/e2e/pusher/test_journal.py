"""The journal on a real twin: what it records, how it is queried, exported and bounded."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pusher

from wiretwin.pusher import PusherTwin
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import Latency, Scope
from wiretwin.runtime.journal import read_jsonl


async def test_a_scripted_session_exports_and_reads_back_without_loss(tmp_path: Path) -> None:
    async with PusherTwin() as twin:
        alice, bob = await twin.connect(), await twin.connect()
        await alice.subscribe("presence-room", user_id="alice", user_info={"n": "é"})
        await bob.subscribe("presence-room", user_id="bob")
        await bob.trigger("presence-room", "client-hi", {"text": "hello ☃"})
        await alice.receive("client-hi")
        await alice.send("{not json")
        await alice.receive("pusher:error")
        sdk = pusher.Pusher(**twin.settings()["pusher"])
        import asyncio

        await asyncio.to_thread(sdk.trigger, "presence-room", "news", {"x": 1})
        await asyncio.to_thread(sdk.channels_info)
        await bob.receive("news")
        await alice.close()
        await twin.journal.wait_for(lambda e: e.kind == "connection" and e.event == "close"
                                    and e.connection == alice.socket_id)
        await bob.close()
        await twin.journal.wait_for(lambda e: e.kind == "connection" and e.event == "close"
                                    and e.connection == bob.socket_id)
        entries = list(twin.journal)
        path = tmp_path / "session.jsonl"
        assert twin.journal.export(path) == len(entries)
        assert read_jsonl(path) == entries
        buffer = io.StringIO()
        twin.journal.export(buffer)
        buffer.seek(0)
        assert read_jsonl(buffer) == entries

    kinds = {e.kind for e in entries}
    assert kinds == {"connection", "frame", "http"}
    assert [e.seq for e in entries] == sorted(e.seq for e in entries)
    (hi,) = [e for e in entries if e.event == "client-hi" and e.direction == "in"]
    assert hi.connection == bob.socket_id
    assert hi.json == {"event": "client-hi", "channel": "presence-room",
                       "data": {"text": "hello ☃"}}
    bad = [e for e in entries if e.direction == "in" and e.data == "{not json"]
    assert len(bad) == 1
    assert bad[0].event is None
    trigger = [e for e in entries if e.kind == "http" and e.detail["method"] == "POST"]
    assert trigger[0].detail["path"] == "/apps/1/events"
    assert trigger[0].detail["status"] == 200
    assert '"name": "news"' in trigger[0].detail["request_body"]
    assert trigger[0].detail["response_body"] == "{}"
    assert trigger[0].detail["query"]["auth_key"] == "app-key"


async def test_frames_are_queryable_by_direction_connection_event_and_match() -> None:
    async with PusherTwin() as twin:
        client = await twin.connect()
        await client.subscribe("orders")
        twin.trigger("orders", "created", {"id": 1})
        twin.trigger("orders", "created", {"id": 22})
        await client.receive("created")
        await client.receive("created")
        journal = twin.journal
        out = journal.frames(direction="out", connection=client.socket_id)
        assert [e.event for e in out] == ["pusher:connection_established",
                                          "pusher_internal:subscription_succeeded",
                                          "created", "created"]
        assert len(journal.frames(event="created", match='\\"id\\":22')) == 1
        assert len(journal.frames(match=re.compile(r'\\"id\\":\d+'))) == 2
        assert journal.frames(match=lambda e: e.direction == "in")[0].event == (
            "pusher:subscribe")
        assert all(e.twin == "pusher" for e in journal)
        await client.close()


async def test_a_bounded_journal_says_how_much_it_dropped() -> None:
    async with PusherTwin(journal_limit=10) as twin:
        client = await twin.connect()
        await client.subscribe("spam")
        for i in range(20):
            twin.trigger("spam", "n", i)
        await client.wait_for("n", count=20)
        entries = list(twin.journal)
        assert len(entries) == 10
        assert entries[0].kind == "dropped"
        assert entries[0].detail == {"count": twin.journal.dropped}
        assert twin.journal.dropped > 10
        assert entries[-1].event == "n"
        await client.close()


async def test_latency_holds_frames_back_in_order_on_the_twins_clock() -> None:
    clock = VirtualClock()
    async with PusherTwin(clock=clock, seed=3) as twin:
        client = await twin.connect()
        await client.subscribe("slow")
        twin.faults.add(Latency(name="lag", ms=500, jitter=200,
                                scope=Scope(direction="out", event="tick")))
        for i in range(5):
            twin.trigger("slow", "tick", i)
        twin.faults.clear()
        twin.trigger("slow", "tock", "behind the ticks")  # not delayed, but keeps its place
        await clock.advance(0.29, wait_replies=False)
        assert client.received("tick") == []
        await clock.advance(0.5, wait_replies=False)
        await client.receive("tock")
        assert [m.data for m in client.received("tick")] == [0, 1, 2, 3, 4]
        assert [m.event for m in client.received()][-6:] == ["tick"] * 5 + ["tock"]
        delays = [e.detail["seconds"] for e in twin.journal.faults("lag")]
        assert len(delays) == 5
        assert all(0.3 <= d <= 0.7 for d in delays)
        await client.close()


async def test_a_fan_out_is_journaled_and_recorded_once_per_socket_in_order() -> None:
    async with PusherTwin() as twin:
        clients = [await twin.connect() for _ in range(20)]
        for client in clients:
            await client.subscribe("crowd")
        heard: list[str | None] = []
        stop = twin.journal.listen(lambda e: heard.append(e.connection)
                                   if e.event == "heard" else None)
        twin.trigger("crowd", "quiet", 1)  # no listener for these: built when read
        twin.trigger("crowd", "heard", 2)  # a listener: built at once, then told
        stop()
        for client in clients:
            assert [m.data for m in await client.wait_for("heard")] == [2]
        ids = {client.socket_id for client in clients}
        for name in ("quiet", "heard"):
            out = twin.journal.frames(direction="out", event=name)
            assert {e.connection for e in out} == ids and len(out) == 20
            assert [e.seq for e in out] == list(range(out[0].seq, out[0].seq + 20))
            assert all(e.kind == "frame" and e.detail == {"opcode": 1} and e.json["channel"]
                       == "crowd" for e in out)
            delivered = twin.recorder.delivered(event=name)
            assert [d.socket_id for d in delivered] == [e.connection for e in out]
        assert heard == [e.connection for e in twin.journal.frames(event="heard")]
        for client in clients:
            await client.close()
