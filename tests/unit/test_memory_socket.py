"""In-process websockets (wiretwin.runtime.memory): journaled as a socket's frames are,
replies held until the client's send is over, frame faults applied."""

from __future__ import annotations

import asyncio
import base64
import struct

from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import Disconnect, Drop, Latency, Scope
from wiretwin.runtime.memory import ABNORMAL_CLOSURE, REPLY_TURNS, MemorySocket
from wiretwin.runtime.wire import WireLayer


class Client:
    """The client end: what it was delivered, and how it was told of a close."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str | None]] = []
        self.closed: tuple[int, str] | None = None

    def deliver(self, text: str, event: str | None) -> None:
        self.got.append((text, event))

    def on_close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


def _socket(layer: WireLayer) -> tuple[MemorySocket, Client, list[int | None]]:
    client = Client()
    ended: list[int | None] = []
    sock = MemorySocket(layer, client.deliver, route="/", query={"v": "10"})
    sock.on_client_close = client.on_close
    sock.on_closed = ended.append
    return sock, client, ended


async def test_frames_are_journaled_as_a_sockets_frames_are() -> None:
    layer = WireLayer.standalone("discord")
    sock, client, ended = _socket(layer)
    assert sock.send('{"op":10}', event="HELLO")
    assert client.got == [('{"op":10}', "HELLO")]  # at once: not a reply
    assert sock.receive('{"op":1}', lambda text: None, event="HEARTBEAT")
    sock.close(4000, "bye")
    entries = [(e.kind, e.connection, e.direction, e.event, e.data, e.detail)
               for e in layer.journal]
    code = struct.pack("!H", 4000) + b"bye"
    assert entries == [
        ("connection", sock.id, None, "open",
         None, {"path": "/", "query": {"v": "10"}, "peer": "in-process", "headers": {}}),
        ("frame", sock.id, "out", "HELLO", '{"op":10}', {"opcode": 1}),
        ("frame", sock.id, "in", "HEARTBEAT", '{"op":1}', {"opcode": 1}),
        ("frame", sock.id, "out", "ws:close",
         layer.journal.frames(event="ws:close")[0].data, {"opcode": 8}),
        ("connection", sock.id, None, "close", None,
         {"initiator": "twin", "code": 4000, "peer_code": 4000}),
    ]
    assert layer.journal.frames(event="ws:close")[0].binary
    assert base64.b64decode(layer.journal.frames(event="ws:close")[0].data or "") == code
    assert client.closed == (4000, "bye") and ended == [4000]
    assert not sock.send("late") and not sock.receive("late", lambda text: None)


async def test_a_reply_waits_until_the_clients_send_is_over() -> None:
    layer = WireLayer.standalone()
    sock, client, _ = _socket(layer)

    def handler(text: str) -> None:
        before = len(client.got)
        sock.send("ack", event="ACK")
        assert len(client.got) == before  # not while the client is still sending

    sock.receive("beat", handler)
    assert client.got == []
    for _ in range(REPLY_TURNS - 1):
        await asyncio.sleep(0)  # counting loop turns (not waiting for an event)
        assert client.got == []
    await asyncio.sleep(0)  # a few loop turns later, as through a socket
    assert client.got == [("ack", "ACK")]
    sock.receive("beat", handler)
    sock.flush()
    assert client.got == [("ack", "ACK"), ("ack", "ACK")]
    sock.send("event")  # anything else goes at once, behind what was held
    assert client.got[-1] == ("event", None)


async def test_the_client_closes() -> None:
    layer = WireLayer.standalone()
    sock, client, ended = _socket(layer)
    sock.client_close(1000)
    assert sock.closed and sock.close_code == 1000 and ended == [1000]
    assert client.closed is None  # it closed: nobody tells it
    closes = [e.detail for e in layer.journal if e.kind == "connection" and e.event == "close"]
    assert closes == [{"initiator": "client", "code": 1000, "peer_code": 1000}]
    assert layer.journal.frames(event="ws:close") == []


async def test_frame_faults_drop_delay_and_disconnect() -> None:
    clock = VirtualClock(start=0.0)
    layer = WireLayer.standalone(clock=clock)
    sock, client, ended = _socket(layer)
    layer.faults.add(Drop(scope=Scope(event="LOST")))
    layer.faults.add(Latency(ms=1000, scope=Scope(event="SLOW", direction="out")))
    assert not sock.send("gone", event="LOST")
    assert sock.send("slow", event="SLOW")
    sock.send("after")  # held behind the delayed frame, as on TCP
    assert client.got == []
    await clock.advance(1.0)
    assert client.got == [("slow", "SLOW"), ("after", None)]
    handled: list[str] = []
    layer.faults.add(Latency(ms=500, scope=Scope(event="LATE", direction="in")))
    sock.receive("late", handled.append, event="LATE")
    assert handled == []
    await clock.advance(0.5)
    assert handled == ["late"]
    layer.faults.add(Disconnect(code=4009, reason="cut", scope=Scope(event="CUT")))
    assert not sock.send("x", event="CUT")
    assert client.closed == (4009, "cut") and ended == [4009]


async def test_a_reset_closes_without_a_close_frame() -> None:
    layer = WireLayer.standalone()
    sock, client, ended = _socket(layer)
    layer.faults.add(Disconnect(reset=True))
    sock.send("x")
    assert client.closed == (ABNORMAL_CLOSURE, "") and ended == [None]
    assert layer.journal.frames(event="ws:close") == []


async def test_a_twin_bug_in_a_handler_gets_the_internal_close() -> None:
    layer = WireLayer.standalone()
    sock, client, _ = _socket(layer)

    def broken(text: str) -> None:
        raise ValueError("bug")

    sock.receive("x", broken)
    assert client.closed == (1011, "Internal error")
    assert [e.event for e in layer.journal if e.kind == "note"] == ["internal-error"]
