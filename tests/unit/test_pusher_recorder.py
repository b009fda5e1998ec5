"""The Pusher recorder's logs are bounded in bytes as well as in records."""

from __future__ import annotations

from wiretwin.pusher import wire
from wiretwin.pusher.recorder import ClientEvent, PusherRecorder, TriggeredEvent


def test_deliveries_keep_the_newest_within_the_byte_budget() -> None:
    recorder = PusherRecorder(limit=1000, max_bytes=50_000)
    for n in range(20):
        frame = wire.channel_event("news", f"e{n}", "x" * 10_000)
        recorder.record_deliveries(["1.1"], frame)
    kept = [d.event for d in recorder.deliveries]
    assert kept == [f"e{n}" for n in range(20 - len(kept), 20)]
    assert 1 <= len(kept) <= 3
    assert recorder.deliveries.weight <= 50_000
    assert recorder.deliveries.dropped == 20 - len(kept)


def test_a_fan_out_counts_its_frame_once() -> None:
    recorder = PusherRecorder(limit=100_000, max_bytes=1_000_000)
    frame = wire.channel_event("news", "big", "x" * 9_000)
    recorder.record_deliveries([f"{n}.1" for n in range(500)], frame)
    assert len(recorder.deliveries) == 500  # 500 sockets, one shared 9 KB frame


def test_triggered_and_client_events_are_weighed_by_their_data() -> None:
    recorder = PusherRecorder(limit=1000, max_bytes=30_000)
    for n in range(10):
        recorder.triggered.append(TriggeredEvent("1", f"e{n}", ("news",), "y" * 10_000))
        recorder.client_events.append(ClientEvent("1.1", "private-a", "client-x", "z" * 10_000))
    assert [e.name for e in recorder.triggered] == ["e8", "e9"]
    assert len(recorder.client_events) == 2
