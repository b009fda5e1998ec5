"""Pusher twin fan-out: trigger-to-delivery latency and deliveries per second.

Two servers are measured in the same run, each in a process of its own, by the same
clients in this process:

* **twin**: a :class:`wiretwin.pusher.PusherTwin`, triggered through its signed HTTP API
  (``POST /apps/1/events``), delivering to subscribers of a public channel;
* **baseline**: a bare aiohttp app whose ``POST /broadcast`` loops ``await ws.send_str``
  over every connected websocket, with no auth, no model and no recording.

Subscribers are minimal raw-socket websocket clients that only count frames, so the
clients cost as little as possible and the servers are what is measured. Figures are
printed with the twin/baseline ratio; nothing is asserted (machines here are noisy).
Aims: p99 latency <= 2 ms with 1 subscriber; deliveries/s >= 0.8x the baseline.

Run: ``.venv/bin/python benchmarks/pusher_fanout.py [--subscribers 1000] [--events 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import statistics
import struct
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
from aiohttp import web

APP_ID, KEY, SECRET = "1", "app-key", "app-secret"
CHANNEL = "bench"


# -- servers (each runs in a child process) -------------------------------------------


def _baseline_app() -> web.Application:
    sockets: set[web.WebSocketResponse] = set()

    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False)
        await ws.prepare(request)
        sockets.add(ws)
        try:
            async for _ in ws:
                pass
        finally:
            sockets.discard(ws)
        return ws

    async def broadcast(request: web.Request) -> web.Response:
        body = await request.json()
        text = json.dumps({"event": body["name"], "channel": CHANNEL, "data": body["data"]})
        for ws in list(sockets):
            await ws.send_str(text)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/ws", ws_handler)
    app.router.add_post("/broadcast", broadcast)
    return app


async def _serve(kind: str, pipe: Connection) -> None:
    if kind == "twin":
        from wiretwin.pusher import PusherTwin

        twin = await PusherTwin().start()
        port = twin.port
    else:
        runner = web.AppRunner(_baseline_app(), handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
    pipe.send(port)
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    if kind == "twin":
        await twin.stop()
    else:
        await runner.cleanup()


def _server_main(kind: str, pipe: Connection) -> None:
    asyncio.run(_serve(kind, pipe))


# -- a minimal websocket client that counts frames ------------------------------------


class RawSubscriber(asyncio.Protocol):
    def __init__(self, path: str, on_frame: Callable[[bytes], None] | None = None) -> None:
        self.path = path
        self.on_frame = on_frame
        self.frames = 0
        self.buffer = b""
        self.upgraded = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.watch: tuple[int, asyncio.Future[None]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )

    def data_received(self, data: bytes) -> None:
        buf = self.buffer + data
        if not self.upgraded.done():
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buf
                return
            if b" 101 " not in buf[:end].split(b"\r\n")[0]:
                self.upgraded.set_exception(ConnectionError(buf[:end].decode()))
                return
            self.upgraded.set_result(None)
            buf = buf[end + 4:]
        pos = 0
        while len(buf) - pos >= 2:
            length = buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length = struct.unpack_from("!H", buf, pos + 2)[0]
                head = 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length = struct.unpack_from("!Q", buf, pos + 2)[0]
                head = 10
            if len(buf) - pos < head + length:
                break
            if self.on_frame is not None:
                self.on_frame(buf[pos + head:pos + head + length])
            self.frames += 1
            pos += head + length
        self.buffer = buf[pos:]
        if self.watch is not None and self.frames >= self.watch[0] and not self.watch[1].done():
            self.watch[1].set_result(None)

    def send_text(self, text: str) -> None:
        payload = text.encode()
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert len(payload) < 126
        assert self.transport is not None
        self.transport.write(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def until(self, frames: int) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.watch = (frames, future)
        if self.frames >= frames:
            future.set_result(None)
        return future


async def _subscriber(kind: str, port: int, on_frame: Callable[[bytes], None] | None = None,
                      channel: str = CHANNEL) -> RawSubscriber:
    path = f"/app/{KEY}?protocol=7" if kind == "twin" else "/ws"
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(lambda: RawSubscriber(path, on_frame),
                                            "127.0.0.1", port)
    await proto.upgraded
    if kind == "twin":
        await proto.until(1)  # connection_established
        proto.send_text(json.dumps({"event": "pusher:subscribe",
                                    "data": {"channel": channel, "auth": ""}}))
        await proto.until(2)  # subscription_succeeded
    return proto


def _signed(kind: str, port: int, body: bytes) -> str:
    if kind != "twin":
        return f"http://127.0.0.1:{port}/broadcast"
    from wiretwin.pusher.auth import body_md5, sign_request

    path = f"/apps/{APP_ID}/events"
    params = {"auth_key": KEY, "auth_timestamp": str(int(time.time())), "auth_version": "1.0",
              "body_md5": body_md5(body)}
    params["auth_signature"] = sign_request(SECRET, "POST", path, params)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"http://127.0.0.1:{port}{path}?{query}"


def _body(i: int) -> bytes:
    return json.dumps({"name": "tick", "channels": [CHANNEL],
                       "data": json.dumps({"i": i, "pad": "x" * 64})}).encode()


# -- measurements ---------------------------------------------------------------------


async def measure_latency(kind: str, port: int, samples: int, *,
                          publish_port: int | None = None) -> list[float]:
    """Milliseconds from each publish (on ``publish_port``, default ``port``) to its
    frame's arrival at one subscriber on ``port``, after 20 of warm-up."""
    arrived: asyncio.Future[None] | None = None

    def on_frame(_: bytes) -> None:
        if arrived is not None and not arrived.done():
            arrived.set_result(None)

    sub = await _subscriber(kind, port, on_frame)
    latencies = []
    async with aiohttp.ClientSession() as http:
        for i in range(samples + 20):
            body = _body(i)
            url = _signed(kind, port if publish_port is None else publish_port, body)
            arrived = asyncio.get_running_loop().create_future()
            start = time.perf_counter()
            async with http.post(url, data=body,
                                 headers={"Content-Type": "application/json"}) as response:
                assert response.status == 200, await response.text()
            await arrived
            if i >= 20:  # warm-up
                latencies.append((time.perf_counter() - start) * 1000)
    assert sub.transport is not None
    sub.transport.close()
    return latencies


async def measure_fanout(kind: str, port: int, subscribers: int, events: int) -> float:
    subs = [await _subscriber(kind, port) for _ in range(subscribers)]
    base = [s.frames for s in subs]
    async with aiohttp.ClientSession() as http:
        bodies = [(_signed(kind, port, _body(i)), _body(i)) for i in range(events)]
        done = [s.until(b + events) for s, b in zip(subs, base, strict=True)]
        start = time.perf_counter()
        for url, body in bodies:
            async with http.post(url, data=body,
                                 headers={"Content-Type": "application/json"}) as response:
                assert response.status == 200, await response.text()
        await asyncio.gather(*done)
        elapsed = time.perf_counter() - start
    for s in subs:
        assert s.transport is not None
        s.transport.close()
    return subscribers * events / elapsed


def _run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=_server_main, args=(kind, child))
    proc.start()
    port = parent.recv()
    try:
        latencies = asyncio.run(measure_latency(kind, port, args.samples))
        rates = [asyncio.run(measure_fanout(kind, port, args.subscribers, args.events))
                 for _ in range(args.rounds)]
    finally:
        parent.send("stop")
        proc.join(10)
    ordered = sorted(latencies)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "rate": max(rates),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = {kind: _run(kind, args) for kind in ("baseline", "twin")}
    twin, base = results["twin"], results["baseline"]
    print(f"pusher fan-out: 1 subscriber x {args.samples} triggers (latency); "
          f"{args.subscribers} subscribers x {args.events} events (rate, best of "
          f"{args.rounds})")
    print(f"{'':24}{'baseline':>12}{'twin':>12}{'ratio':>8}")
    for label, key, unit in (("latency p50", "p50", "ms"), ("latency p99", "p99", "ms"),
                             ("deliveries/s", "rate", "")):
        fmt = "{:>12.3f}" if unit else "{:>12,.0f}"
        print(f"{label + (' (' + unit + ')' if unit else ''):24}"
              + fmt.format(base[key]) + fmt.format(twin[key])
              + f"{twin[key] / base[key]:>8.2f}")
    print(f"aims: twin p99 <= 2 ms ({'met' if twin['p99'] <= 2 else 'MISSED'}); "
          f"deliveries/s >= 0.8x baseline "
          f"({'met' if twin['rate'] >= 0.8 * base['rate'] else 'MISSED'})")


if __name__ == "__main__":
    main()
