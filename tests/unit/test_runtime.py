"""The service-agnostic runtime: frames, waitable logs, loops and threads, servers."""

from __future__ import annotations

import asyncio
import struct
import threading

import aiohttp
import pytest
from aiohttp import web

import wiretwin.pusher
import wiretwin.runtime
from wiretwin.runtime import TwinServer, WaitableLog, WaitTimeout, WireSocket
from wiretwin.runtime.threads import LoopThread, call_in_loop
from wiretwin.runtime.wire import Opcode, WireLayer, encode_close, encode_frame


@pytest.mark.parametrize(("size", "header"), [
    (0, b"\x81\x00"), (125, b"\x81\x7d"), (126, b"\x81\x7e\x00\x7e"),
    (65535, b"\x81\x7e\xff\xff"), (65536, b"\x81\x7f" + struct.pack("!Q", 65536)),
])
def test_encode_frame_uses_the_shortest_length_form(size: int, header: bytes) -> None:
    frame = encode_frame(Opcode.TEXT, b"x" * size)
    assert frame[: len(header)] == header
    assert len(frame) == len(header) + size


def test_encode_close_carries_code_and_reason() -> None:
    assert encode_close(4201, "bye") == b"\x88\x05" + struct.pack("!H", 4201) + b"bye"


async def test_waitable_log_wakes_a_waiter_from_another_thread() -> None:
    log: WaitableLog[int] = WaitableLog()
    log.append(1)
    waiting = asyncio.ensure_future(log.wait_for(lambda n: n > 1, count=2, timeout=5))
    await asyncio.sleep(0)  # let the waiter register (not a wait for an event)
    threading.Thread(target=lambda: log.extend([2, 3, 4])).start()
    assert await waiting == [2, 3]


def test_waitable_log_sync_wait_and_timeout_message() -> None:
    log: WaitableLog[str] = WaitableLog()
    log.append("alpha")
    assert log.wait_for_sync(lambda s: s == "alpha", timeout=1) == ["alpha"]
    with pytest.raises(WaitTimeout, match=r"got 0; the last 1 of 1 recorded:\n  'alpha'"):
        log.wait_for_sync(lambda s: s == "beta", timeout=0.01)


async def test_waitable_log_wait_from_an_index_and_slices() -> None:
    log: WaitableLog[int] = WaitableLog()
    log.extend([1, 2, 3])
    # From index 2 only 3 counts, so two more items are owed.
    waiting = asyncio.ensure_future(log.wait_for(lambda n: True, count=3, start=2, timeout=5))
    await asyncio.sleep(0)  # let the waiter register (not a wait for an event)
    log.extend([4, 5])
    assert await waiting == [3, 4, 5]
    assert (log.slice(1, 3), log.slice(4), log.slice(9)) == ([2, 3], [5], [])


def test_call_in_loop_runs_in_the_loop_thread() -> None:
    thread = LoopThread()
    thread.start()
    try:
        names = call_in_loop(thread.loop, lambda: threading.current_thread().name)
        assert names == "wiretwin"
        with pytest.raises(ZeroDivisionError):
            call_in_loop(thread.loop, lambda: 1 / 0)
    finally:
        thread.stop()


async def test_server_listens_on_an_ephemeral_loopback_port_and_stops_fast() -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hi")

    async def hold(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoclose=False, autoping=False)
        await ws.prepare(request)
        sock = WireSocket(ws, request, layer)
        server.register_socket(sock)
        try:
            async for _ in ws:
                pass
        finally:
            server.unregister_socket(sock)
            await sock.finish()
        return ws

    layer = WireLayer.standalone()
    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/ws", hold)
    server = TwinServer(app)
    other = TwinServer(web.Application())
    await server.start()
    await other.start()
    assert server.port != other.port
    async with aiohttp.ClientSession() as session:
        async with session.get(server.http_url("/")) as response:
            assert await response.text() == "hi"
        ws = await session.ws_connect(server.ws_url("/ws"))
        closing = asyncio.ensure_future(ws.receive())  # the client answers close frames
        await server.stop()  # closes the open websocket instead of waiting for it
        assert ((await closing).type, (await closing).data) == (aiohttp.WSMsgType.CLOSE, 1001)
        assert ws.close_code == 1001  # the closing handshake completed
    await other.stop()
    assert not server.running


def test_twins_in_threads_get_their_own_ports_and_loops() -> None:
    with wiretwin.pusher.PusherTwin() as a, wiretwin.pusher.PusherTwin() as b:
        assert a.port != b.port
        assert a.loop is not b.loop
        assert a.channels_info() == {"channels": {}}
    assert not a.running


def test_public_exports_are_pinned() -> None:
    assert sorted(wiretwin.runtime.__all__) == sorted([
        "Clock", "Disconnect", "Drop", "Entry", "Fault", "Faults", "HttpError", "Journal",
        "Latency", "LatencySpike", "LoopClock", "LoopTime", "MemorySocket", "RealClock",
        "RefuseHandshake",
        "Scope", "Stall", "Twin",
        "TwinServer", "VirtualClock", "WaitTimeout", "WaitableLog", "WireLayer", "WireSocket",
        "default_world", "encode_frame", "parked", "read_jsonl", "read_world", "wait_idle",
        "world_table", "write_world",
    ])
    assert sorted(wiretwin.pusher.__all__) == sorted([
        "App", "ClientEvent", "CloseCode", "Delivery", "HarnessClient", "Message",
        "MockPusherClient", "MockPusherService", "PusherAsyncTestHelper", "PusherErrorReply",
        "PusherEventRecorder", "PusherHarness",
        "PusherRecorder", "PusherTestClient", "PusherTestHelper", "PusherTwin",
        "TriggeredEvent", "WebhookAttempt", "async_mock_pusher_context", "default_app",
        "mock_pusher_context", "sign_channel", "sign_user",
    ])
    for module in (wiretwin.runtime, wiretwin.pusher):
        for name in module.__all__:
            assert hasattr(module, name), name


async def test_a_twin_restarts_in_another_loop_keeping_its_state() -> None:
    twin = wiretwin.pusher.PusherTwin()
    async with twin:
        twin.trigger("cache-news", "headline", {"n": 1})
    with twin:  # now in a background thread's loop
        assert twin.channel_info("cache-news", ["cache"])["cache"]["data"] == '{"n":1}'
        assert [e.name for e in twin.recorder.triggered_events] == ["headline"]


def test_a_limited_log_drops_its_oldest_and_counts_them() -> None:
    log: WaitableLog[int] = WaitableLog(limit=3)
    log.extend(range(5))
    log.append(5)
    assert (log.snapshot(), log.dropped) == ([3, 4, 5], 3)


def test_a_marked_log_says_what_it_dropped() -> None:
    log: WaitableLog[str] = WaitableLog(limit=4, marker=lambda n: f"[{n} dropped]")
    log.extend(["a", "b", "c", "d"])
    assert log.snapshot() == ["a", "b", "c", "d"]
    log.append("e")
    assert log.snapshot() == ["[2 dropped]", "c", "d", "e"]
    log.extend(["f", "g"])
    assert log.snapshot() == ["[4 dropped]", "e", "f", "g"]
    assert log.dropped == 4


def test_a_weighed_log_keeps_under_its_weight_and_the_newest_item() -> None:
    log: WaitableLog[str] = WaitableLog(limit=100, marker=lambda n: f"[{n} dropped]",
                                        weigh=len, max_weight=10)
    log.extend(["aaaa", "bbbb"])
    assert (log.snapshot(), log.weight) == (["aaaa", "bbbb"], 8)
    log.append("cccc")
    assert (log.snapshot(), log.weight, log.dropped) == (["[1 dropped]", "bbbb", "cccc"], 8, 1)
    log.append("x" * 50)  # heavier than the whole budget: kept alone
    assert (log.snapshot(), log.weight) == (["[3 dropped]", "x" * 50], 50)
    log.clear()
    assert (log.snapshot(), log.weight) == ([], 0)


async def test_wait_for_since_a_mark_looks_only_at_later_items_across_trims_and_clears(
) -> None:
    log: WaitableLog[int] = WaitableLog(limit=4, marker=lambda dropped: -dropped)
    for item in (1, 2, 3, 7):
        log.append(item)
    mark = log.mark()
    for item in (5, 7, 9):  # trims 1, 2 and 3 away (the marker takes a slot)
        log.append(item)
    assert await log.wait_for(lambda x: x > 0, count=3, since=mark, timeout=1) == [5, 7, 9]
    mark = log.mark()
    log.clear()
    log.append(7)
    assert await log.wait_for(lambda x: x == 7, since=mark, timeout=1) == [7]
    mark = log.mark()
    waiting = asyncio.ensure_future(log.wait_for(lambda x: x == 7, since=mark, timeout=1))
    await asyncio.sleep(0)
    assert not waiting.done()  # the 7 before the mark does not count
    log.append(7)
    assert await waiting == [7]


async def test_start_soon_listens_at_once_and_early_requests_wait_for_the_app() -> None:
    twin = wiretwin.pusher.PusherTwin()
    started = twin.start_soon()  # synchronous: no await between this and the request
    assert started is twin
    assert twin.port > 0 and not twin.running
    # Sent before the start's task ran: it waits in the backlog, it does not fail.
    async with aiohttp.ClientSession() as session, \
            session.get(twin.http_url("/_wiretwin/journal")) as response:
        assert response.status == 200  # answered once the start's task ran
    assert await twin.started() is twin and twin.running
    await twin.stop()
    assert not twin.running


async def test_a_twin_started_soon_stops_before_its_start_has_run() -> None:
    twin = wiretwin.pusher.PusherTwin().start_soon()
    port = twin.port
    await twin.stop()  # the start's task had not run yet
    assert not twin.running and twin.home_loop is None
    await twin.start()  # and it starts again (on any free port)
    assert twin.running and isinstance(port, int)
    await twin.stop()
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []

