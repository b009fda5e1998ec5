"""The Pusher soak: websocket receivers, the real SDK publishing, a tally per channel.

Channels: ``soak-0`` .. ``soak-7`` (public), ``private-soak`` and ``presence-soak``.
Each receiver subscribes to two public channels (seeded choice) and some also to the
private and presence channels, signed with the app secret by the SDK's ``authenticate``
(what an auth endpoint does). Publishers own disjoint sets of channels, so each channel's
numbers go out one request after the other: per channel, order is defined. Receivers
live in processes of their own; latencies are taken on the wall clock (``time.time``),
which both sides share.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import random
import time
from array import array
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import pusher
from pusher.http import process_response

from .common import Result, Stream, TwinServer, wait_until

PUBLIC = [f"soak-{i}" for i in range(8)]
CHANNELS = [*PUBLIC, "private-soak", "presence-soak"]
PUBLISHERS = 4
MAX_PRESENCE = 90  # the app allows 100 members per presence channel


class KeepAliveBackend:
    """The SDK's requests (built and signed by it) over one shared aiohttp session.

    The SDK's own ``AsyncIOBackend`` opens a session (a TCP connection) per request."""

    def __init__(self, client: Any, session: aiohttp.ClientSession) -> None:
        self.client = client
        self.session = session

    async def send_request(self, request: Any) -> Any:
        async with self.session.request(
                request.method, request.base_url + request.path,
                params=request.query_params, data=request.body,
                headers=request.headers) as response:
            return process_response(response.status, await response.text())


class Receiver:
    def __init__(self, index: int, channels: list[str], latency: array[float]) -> None:
        self.index = index
        self.streams = {name: Stream() for name in channels}
        self.latency = latency
        self.fenced: set[str] = set()
        self.done = asyncio.get_running_loop().create_future()
        self.errors = 0
        self.notes: list[str] = []
        self.last = 0.0
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    async def connect(self, http: aiohttp.ClientSession, url: str, sdk: Any) -> None:
        self.ws = ws = await http.ws_connect(url, autoping=True)
        hello = await ws.receive_json()
        socket_id = json.loads(hello["data"])["socket_id"]
        for name in self.streams:
            data: dict[str, Any] = {"channel": name}
            if name.startswith("presence-"):
                user = {"user_id": f"u{self.index}", "user_info": {"n": self.index}}
                data.update(sdk.authenticate(name, socket_id, user))
            elif name.startswith("private-"):
                data.update(sdk.authenticate(name, socket_id))
            await ws.send_json({"event": "pusher:subscribe", "data": data})
        pending = set(self.streams)
        while pending:
            msg = await ws.receive_json()
            if msg["event"] == "pusher_internal:subscription_succeeded":
                pending.discard(msg["channel"])
            elif msg["event"] == "pusher:error":
                raise RuntimeError(f"receiver {self.index}: {msg}")

    async def listen(self) -> None:
        try:
            await self._read()
        except Exception as exc:  # counted and shown; the other receivers go on
            self.errors += 1
            self.notes.append(f"receiver {self.index} stopped reading: {exc!r}")

    async def _read(self) -> None:
        assert self.ws is not None
        async for frame in self.ws:
            if frame.type is not aiohttp.WSMsgType.TEXT:
                self.errors += frame.type is aiohttp.WSMsgType.ERROR
                break
            now = time.time()
            msg = json.loads(frame.data)
            event, channel = msg["event"], msg.get("channel")
            if event == "soak":
                data = json.loads(msg["data"])
                self.streams[channel].add(data["seq"][channel])
                self.latency.append((now - data["t"]) * 1000)
                self.last = now
            elif event == "fence":
                self.fenced.add(channel)
                if len(self.fenced) == len(self.streams) and not self.done.done():
                    self.done.set_result(None)
            elif event == "pusher:ping":
                await self.ws.send_json({"event": "pusher:pong", "data": {}})
            elif event == "pusher:error":
                self.errors += 1


class Publisher:
    def __init__(self, sdk: Any, channels: list[str], rng: random.Random,
                 calls: array[float]) -> None:
        self.sdk = sdk
        self.channels = channels
        self.rng = rng
        self.calls = calls
        self.accepted: dict[str, set[int]] = {name: set() for name in channels}
        self.next = dict.fromkeys(channels, 1)
        self.errors = 0
        self.notes: list[str] = []

    def _number(self, channel: str) -> int:
        seq = self.next[channel]
        self.next[channel] = seq + 1
        return seq

    async def _send(self) -> None:
        roll, t0 = self.rng.random(), time.time()
        if roll < 0.2:  # POST /batch_events: 2-10 events, several may share a channel
            items = [(name, self._number(name)) for name in
                     (self.rng.choice(self.channels) for _ in range(self.rng.randint(2, 10)))]
            call = self.sdk.trigger_batch([
                {"channel": name, "name": "soak", "data": {"seq": {name: seq}, "t": t0}}
                for name, seq in items])
        else:  # POST /events, to one channel or (one in four) to two or three at once
            wide = min(3, len(self.channels))
            names = (self.rng.sample(self.channels, self.rng.randint(2, wide)) if roll < 0.4
                     else [self.rng.choice(self.channels)])
            items = [(name, self._number(name)) for name in names]
            call = self.sdk.trigger(names, "soak", {"seq": dict(items), "t": t0})
        try:
            await call
        except Exception as exc:  # counted and shown; the soak goes on
            self.errors += 1
            if len(self.notes) < 3:
                self.notes.append(f"pusher publish failed: {exc!r}")
            return
        self.calls.append((time.time() - t0) * 1000)
        for name, seq in items:
            self.accepted[name].add(seq)

    async def run(self, rate: float, deadline: float) -> None:
        due = time.time()
        while due < deadline:
            await self._send()
            # Paced at ``rate``; a publisher that fell behind goes on from now (no burst).
            due = max(due + 1 / rate, time.time())
            await asyncio.sleep(due - time.time())
        for name in self.channels:
            await self.sdk.trigger(name, "fence", {})


@dataclass
class Report:
    """What a receiver process sends back: (receiver, channel, stream) and the rest."""

    streams: list[tuple[int, str, Stream]]
    latency: array[float]
    errors: int
    last: float
    late: int
    notes: list[str]


def _receive_main(plan: list[tuple[int, list[str]]], settings: dict[str, Any],
                  pipe: Connection) -> None:
    asyncio.run(_receive(plan, settings, pipe))


async def _receive(plan: list[tuple[int, list[str]]], settings: dict[str, Any],
                   pipe: Connection) -> None:
    """One receiver process: subscribe, say "ready", count until every fence is in."""
    loop = asyncio.get_running_loop()
    latency: array[float] = array("d")
    receivers = [Receiver(index, names, latency) for index, names in plan]
    sdk = pusher.Pusher(**settings["pusher"])  # signs subscriptions; sends no request
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        async with asyncio.timeout(60):
            for start in range(0, len(receivers), 50):
                await asyncio.gather(*(r.connect(http, settings["ws_url"], sdk)
                                       for r in receivers[start:start + 50]))
        listeners = [asyncio.ensure_future(r.listen()) for r in receivers]
        pipe.send("ready")
        await loop.run_in_executor(None, pipe.recv)  # the publishers have sent their fences
        _, late = await asyncio.wait([r.done for r in receivers], timeout=30)
        for r in receivers:
            assert r.ws is not None
            await r.ws.close()
        await asyncio.gather(*listeners)
    pipe.send(Report([(r.index, name, stream) for r in receivers
                      for name, stream in r.streams.items()], latency,
                     sum(r.errors for r in receivers),
                     max((r.last for r in receivers), default=0.0), len(late),
                     [note for r in receivers for note in r.notes][:3]))


def _plan(clients: int, rng: random.Random) -> list[tuple[int, list[str]]]:
    plan, members = [], 0
    for index in range(clients):
        names = rng.sample(PUBLIC, 2)
        if rng.random() < 0.3:
            names.append("private-soak")
        if rng.random() < 0.2 and members < MAX_PRESENCE:
            names.append("presence-soak")
            members += 1
        plan.append((index, names))
    return plan


async def soak(server: TwinServer, clients: int, duration: float, rate: float,
               seed: int, workers: int) -> Result:
    """Receivers in ``workers`` processes of their own, publishers in this one."""
    loop = asyncio.get_running_loop()
    settings = server.settings["pusher"]
    result = Result()
    plan = _plan(clients, random.Random(seed))
    workers = max(1, min(workers, clients))
    pipes, procs = [], []
    for k in range(workers):
        parent, child = mp.Pipe()
        procs.append(mp.get_context("spawn").Process(
            target=_receive_main, args=(plan[k::workers], settings, child), daemon=True))
        procs[-1].start()
        pipes.append(parent)
    try:
        for pipe in pipes:
            if not await loop.run_in_executor(None, pipe.poll, 120):
                raise RuntimeError("a receiver process was not ready in 120 s")
            assert pipe.recv() == "ready"
        async with aiohttp.ClientSession() as http:
            sdk = pusher.Pusher(**settings["pusher"], backend=KeepAliveBackend, session=http)
            publishers = [Publisher(sdk, CHANNELS[k::PUBLISHERS],
                                    random.Random(seed * 100 + k), result.calls)
                          for k in range(PUBLISHERS)]
            begin = time.time()
            await asyncio.gather(*(p.run(rate / PUBLISHERS, begin + duration)
                                   for p in publishers))
            for pipe in pipes:
                pipe.send("fenced")
            reports: list[Report] = [await loop.run_in_executor(None, pipe.recv)
                                     for pipe in pipes]
            # The twin has let go of every socket once no channel is occupied any more.
            if not await wait_until(lambda: _idle(sdk), 10):
                result.notes.append("pusher: channels still occupied 10 s after every close")
    finally:
        for proc in procs:
            proc.join(30)
    late = sum(r.late for r in reports)
    if late:
        result.notes.append(f"pusher: {late} receivers never saw every fence")
    result.elapsed = max(r.last for r in reports) - begin
    accepted = {name: seqs for p in publishers for name, seqs in p.accepted.items()}
    result.sent = sum(len(seqs) for seqs in accepted.values())
    result.tally([(stream, accepted[name]) for r in reports for _, name, stream in r.streams])
    for report in reports:
        result.latency.extend(report.latency)
    result.errors = sum(p.errors for p in publishers) + sum(r.errors for r in reports)
    result.notes += [note for p in publishers for note in p.notes]
    result.notes += [note for r in reports for note in r.notes][:3]
    return result


async def _idle(sdk: Any) -> bool:
    answer = await sdk.channels_info()
    return not answer.get("channels")
