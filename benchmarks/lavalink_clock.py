"""Lavalink twin: start-to-ready, PATCH player requests/s, and a virtual hour of playback.

Each figure is printed next to a baseline measured in the same run:

* **start to ready**: start a :class:`wiretwin.lavalink.LavalinkTwin`, open a raw aiohttp
  websocket to ``/v4/websocket`` and wait for ``ready``, then stop; the baseline is a bare
  aiohttp app whose websocket handler sends one ready-shaped frame;
* **PATCH /v4/sessions/{sid}/players/{guild}**: sequential requests over one keep-alive
  aiohttp client session, each changing the volume of a playing player; the baseline is a
  bare aiohttp handler that parses the JSON body and answers a JSON object;
* **virtual hour**: ``await clock.advance(3600)`` on a twin holding ``--players`` players
  (default 1,000), each with a voice connection and a track longer than the hour, created
  through the model and watched by one connected websocket client (every ``playerUpdate``
  is a real frame on a real socket, journaled); the baseline is the same number of bare
  repeating 5 s timers on a :class:`VirtualClock` (the clock's own floor). Aim: <= 1 s.
  A second baseline is the client's share: a bare aiohttp server writing the same number
  of ready-made playerUpdate-shaped frames at the same pace (one write per 5 virtual
  seconds, then the loop turns the clock gives each timer) to the same reading client; a
  twin cannot go below it, since its client reads every frame in the same loop.
* **virtual hour, client apart**: the same hour with the reading client in a process of
  its own, as a bot is (a bare socket reader that counts frames, so it keeps pace):
  the wall time of ``advance`` (the twin's own work: timers, frames built, journaled and
  written), and until the client had read every frame. The aim is judged on this one.

Client and server share one event loop, for the twin and the baselines alike. Figures
only; nothing is asserted. Run: ``.venv/bin/python benchmarks/lavalink_clock.py``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from wiretwin.lavalink import LavalinkTwin
from wiretwin.lavalink.tracks import Track, TrackInfo
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.frames import encode_text

PW = "youshallnotpass"
HEADERS = {"Authorization": PW, "User-Id": "1234", "Client-Name": "bench/1.0"}
VOICE = {"token": "tok", "endpoint": "us-east.discord.media", "sessionId": "vs",
         "channelId": "1"}


# -- baselines ------------------------------------------------------------------------


def _baseline_app() -> web.Application:
    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": "ready", "resumed": False,
                                      "sessionId": "baseline00000000"}))
        async for _ in ws:
            pass
        return ws

    async def patch(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"guildId": request.match_info["guild"],
                                  "volume": body.get("volume")})

    app = web.Application()
    app.router.add_get("/v4/websocket", ws_handler)
    app.router.add_patch("/v4/sessions/{sid}/players/{guild}", patch)
    return app


async def _baseline_server() -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(_baseline_app(), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


# -- start to ready -------------------------------------------------------------------


async def _ready(http: aiohttp.ClientSession, port: int) -> str:
    async with http.ws_connect(f"ws://127.0.0.1:{port}/v4/websocket",
                               headers=HEADERS) as ws:
        while True:
            message = await ws.receive_json(timeout=10)
            if message["op"] == "ready":
                session_id: str = message["sessionId"]
                return session_id


async def _twin_start_to_ready(http: aiohttp.ClientSession) -> None:
    twin = await LavalinkTwin().start()
    await _ready(http, twin.port)
    await twin.stop()


async def _baseline_start_to_ready(http: aiohttp.ClientSession) -> None:
    runner, port = await _baseline_server()
    await _ready(http, port)
    await runner.cleanup()


async def _samples(fn: Callable[[], Awaitable[None]], cycles: int) -> list[float]:
    out = []
    for _ in range(cycles):
        start = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - start)
    return out


# -- PATCH requests/s -----------------------------------------------------------------


async def _patch_rate(http: aiohttp.ClientSession, url: str, requests: int) -> float:
    for i in range(min(50, requests)):  # warm-up
        async with http.patch(url, json={"volume": i}, headers=HEADERS) as response:
            await response.read()
    start = time.perf_counter()
    for i in range(requests):
        async with http.patch(url, json={"volume": 50 + i % 50},
                              headers=HEADERS) as response:
            assert response.status == 200, await response.text()
            await response.read()
    return requests / (time.perf_counter() - start)


async def _twin_patch_rate(requests: int) -> float:
    async with LavalinkTwin() as twin, aiohttp.ClientSession() as http, http.ws_connect(
        twin.ws_url("/v4/websocket"), headers=HEADERS
    ) as ws:
        sid = (await ws.receive_json(timeout=10))["sessionId"]
        url = twin.http_url(f"/v4/sessions/{sid}/players/1")
        async with http.patch(url, headers=HEADERS, json={
                "track": {"identifier": "dQw4w9WgXcQ"}, "voice": VOICE}) as response:
            assert response.status == 200, await response.text()
        return await _patch_rate(http, url, requests)


async def _baseline_patch_rate(requests: int) -> float:
    runner, port = await _baseline_server()
    try:
        async with aiohttp.ClientSession() as http:
            return await _patch_rate(http, f"http://127.0.0.1:{port}/v4/sessions/s/players/1",
                                     requests)
    finally:
        await runner.cleanup()


# -- a virtual hour ---------------------------------------------------------------------


class _Effects:
    """The twin's own effects, counting the frames that go through them."""

    def __init__(self, inner: LavalinkTwin) -> None:
        self.inner = inner
        self.sent = 0

    def send(self, session_id: str, message: dict[str, Any], label: str) -> None:
        self.sent += 1
        self.inner.send(session_id, message, label)

    def send_texts(self, session_id: str, texts: list[str], label: str) -> None:
        self.sent += len(texts)
        self.inner.send_texts(session_id, texts, label)


async def _twin_virtual_hour(players: int, hours: float) -> tuple[float, int, int, int]:
    """Seconds of wall time, timers fired, frames the client received and journal entries
    dropped (the journal keeps the newest 100,000 by default)."""
    clock = VirtualClock()
    long_track = Track(TrackInfo("bench", "Long mix", "Bench", int(hours * 3600_000) + 600_000,
                                 "youtube", uri="https://www.youtube.com/watch?v=bench"))
    received = 0
    async with LavalinkTwin(clock=clock) as twin, aiohttp.ClientSession() as http, \
            http.ws_connect(twin.ws_url("/v4/websocket"), headers=HEADERS) as ws:
        sid = (await ws.receive_json(timeout=10))["sessionId"]
        effects = twin.model.effects = _Effects(twin)
        for guild in range(players):
            twin.model.update_player(sid, str(10_000 + guild), {
                "track": {"encoded": long_track.encoded}, "voice": VOICE}, no_replace=False)

        caught_up = asyncio.Event()
        target: int | None = None

        async def drain() -> None:
            nonlocal received
            async for message in ws:
                if message.type is aiohttp.WSMsgType.TEXT:
                    received += 1
                    if target is not None and received >= target:
                        caught_up.set()

        reader = asyncio.create_task(drain())
        start = time.perf_counter()
        fired = await clock.advance(hours * 3600, wait_replies=False)
        elapsed = time.perf_counter() - start
        sent = effects.sent
        sent_in_hour = sent - players * 3  # each player's start: update, start, update
        target = sent + 1  # and the first stats, sent before counting began
        if received >= target:
            caught_up.set()
        await asyncio.wait_for(caught_up.wait(), 60)  # real time: frames on their way
        playing = twin.model.counts()[1]
        assert playing == players, playing  # nothing ended, nothing was cleaned up
        await ws.close()
        reader.cancel()
        dropped = twin.journal.dropped
    assert received == effects.sent + 1, (received, effects.sent)
    return elapsed, fired, sent_in_hour, dropped


async def _twin_virtual_hour_apart(players: int, hours: float) -> tuple[float, float]:
    """The virtual hour with its reading client in a process of its own (as a bot is):
    seconds until ``advance`` returned (the twin's own work), and until that client had
    read every frame."""
    clock = VirtualClock()
    long_track = Track(TrackInfo("bench", "Long mix", "Bench", int(hours * 3600_000) + 600_000,
                                 "youtube", uri="https://www.youtube.com/watch?v=bench"))
    async with LavalinkTwin(clock=clock) as twin:
        reader = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--read", twin.ws_url("/v4/websocket"),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert reader.stdin is not None and reader.stdout is not None
        try:
            sid = (await asyncio.wait_for(reader.stdout.readline(), 30)).decode().strip()
            effects = twin.model.effects = _Effects(twin)
            for guild in range(players):
                twin.model.update_player(sid, str(10_000 + guild), {
                    "track": {"encoded": long_track.encoded}, "voice": VOICE},
                    no_replace=False)
            start = time.perf_counter()
            await clock.advance(hours * 3600, wait_replies=False)
            advanced = time.perf_counter() - start
            reader.stdin.write(f"{effects.sent + 1}\n".encode())  # + the first stats
            await reader.stdin.drain()
            done = await asyncio.wait_for(reader.stdout.readline(), 120)
            read = time.perf_counter() - start
            assert done.strip() == b"done", done  # every frame arrived
            assert twin.model.counts()[1] == players
        finally:
            if reader.returncode is None:
                reader.kill()
            await reader.wait()
    return advanced, read


async def _read_frames(url: str) -> None:
    """The reading client of :func:`_twin_virtual_hour_apart` (run as ``--read URL``):
    a plain socket that upgrades, prints the session id, counts the frames it reads,
    and prints ``done`` once it has as many as the number on standard input (a bare
    reader, so that the twin, not the reader, sets the pace)."""
    loop = asyncio.get_running_loop()
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items())
    writer.write((f"GET /v4/websocket HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    await reader.readuntil(b"\r\n\r\n")
    frames, target, finished = 0, 0, asyncio.Event()

    async def count() -> None:
        nonlocal frames
        buffer = b""
        while chunk := await reader.read(1 << 20):
            buffer += chunk
            offset = 0
            while offset + 2 <= len(buffer):
                size, start = buffer[offset + 1] & 0x7F, offset + 2
                if size == 126:
                    size, start = int.from_bytes(buffer[start:start + 2], "big"), start + 2
                elif size == 127:
                    size, start = int.from_bytes(buffer[start:start + 8], "big"), start + 8
                if start + size > len(buffer):
                    break
                if frames == 0:  # ready
                    print(json.loads(buffer[start:start + size])["sessionId"], flush=True)
                frames += 1
                offset = start + size
            buffer = buffer[offset:]
            if target and frames >= target:
                finished.set()
        finished.set()

    counting = asyncio.create_task(count())
    target = int(await loop.run_in_executor(None, sys.stdin.readline)) + 1  # and ready
    if frames >= target:
        finished.set()
    await finished.wait()
    print("done" if frames >= target else f"closed after {frames} frames", flush=True)
    counting.cancel()
    writer.close()


async def _baseline_virtual_hour(players: int, hours: float) -> tuple[float, int]:
    clock = VirtualClock()
    ticks = 0

    def every(interval: float) -> Callable[[], None]:
        def tick() -> None:
            nonlocal ticks
            ticks += 1
            clock.call_later(interval, tick)

        return tick

    for _ in range(players):
        clock.call_later(5.0, every(5.0))
    start = time.perf_counter()
    fired = await clock.advance(hours * 3600)
    return time.perf_counter() - start, fired


async def _bare_frames_hour(players: int, hours: float) -> float:
    """Seconds of wall time for a bare aiohttp server to write ``players`` ready-made
    frames per 5 s interval of ``hours``, with the clock's loop turns after each write,
    while the same kind of client reads them all."""
    connected = asyncio.Event()
    transports: list[asyncio.Transport] = []

    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False)
        await ws.prepare(request)
        assert isinstance(request.transport, asyncio.Transport)
        transports.append(request.transport)
        connected.set()
        async for _ in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/v4/websocket", ws_handler)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    batch = b"".join(encode_text(json.dumps(
        {"op": "playerUpdate", "guildId": str(10_000 + guild), "state": {
            "time": 1_765_000_000_000, "position": 1_234_567, "connected": True,
            "ping": 35}}, separators=(",", ":"))) for guild in range(players))
    intervals = int(hours * 3600 / 5)
    received = 0
    caught_up = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(
                f"ws://127.0.0.1:{runner.addresses[0][1]}/v4/websocket") as ws:
            await asyncio.wait_for(connected.wait(), 10)

            async def drain() -> None:
                nonlocal received
                async for message in ws:
                    if message.type is aiohttp.WSMsgType.TEXT:
                        received += 1
                        if received >= players * intervals:
                            caught_up.set()

            reader = asyncio.create_task(drain())
            start = time.perf_counter()
            for _ in range(intervals):
                transports[0].write(batch)
                for _ in range(5):  # the turns VirtualClock.advance gives each timer
                    await asyncio.sleep(0)
            elapsed = time.perf_counter() - start
            if intervals:
                await asyncio.wait_for(caught_up.wait(), 60)
            reader.cancel()
    finally:
        await runner.cleanup()
    return elapsed


# -- report ---------------------------------------------------------------------------


def _row(label: str, base: float, twin: float, fmt: str, ratio: float) -> str:
    return f"{label:34}{fmt.format(base):>12}{fmt.format(twin):>12}{ratio:>8.2f}"


async def main(args: argparse.Namespace) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        base_ready = await _samples(lambda: _baseline_start_to_ready(http), args.cycles)
        twin_ready = await _samples(lambda: _twin_start_to_ready(http), args.cycles)
    base_rate = await _baseline_patch_rate(args.requests)
    twin_rate = await _twin_patch_rate(args.requests)
    base_hour, base_fired = await _baseline_virtual_hour(args.players, args.hours)
    twin_hour, twin_fired, frames, dropped = await _twin_virtual_hour(args.players, args.hours)
    bare_hour = await _bare_frames_hour(args.players, args.hours)
    apart, apart_read = await _twin_virtual_hour_apart(args.players, args.hours)

    hour = "virtual hour" if args.hours == 1 else f"virtual {args.hours:g} h"
    print(f"lavalink twin: {args.cycles} start cycles, {args.requests} PATCH requests, "
          f"{hour} with {args.players} playing players")
    print(f"{'':34}{'baseline':>12}{'twin':>12}{'ratio':>8}")
    b, t = statistics.median(base_ready) * 1000, statistics.median(twin_ready) * 1000
    print(_row("start to ready, median (ms)", b, t, "{:.2f}", t / b))
    b, t = min(base_ready) * 1000, min(twin_ready) * 1000
    print(_row("start to ready, best (ms)", b, t, "{:.2f}", t / b))
    print(_row("PATCH player requests/s", base_rate, twin_rate, "{:,.0f}",
               twin_rate / base_rate))
    print(_row(f"{hour}, wall time (s)", base_hour, twin_hour, "{:.3f}",
               twin_hour / base_hour))
    print(_row(f"{hour} vs bare frames (s)", bare_hour, twin_hour, "{:.3f}",
               twin_hour / bare_hour if bare_hour else 0.0))
    print(_row(f"{hour}, client apart (s)", base_hour, apart, "{:.3f}", apart / base_hour))
    print(f"{hour}: the twin fired {twin_fired:,} timers and sent {frames:,} frames "
          f"(all received), the journal dropped {dropped:,} entries (baseline: {base_fired:,} bare "
          "timers; bare frames: the same client reading as many ready-made frames from a "
          "bare aiohttp server)")
    print(f"{hour}, client apart: advance() returned after {apart:.3f} s and the client, "
          f"reading in a process of its own, had every frame after {apart_read:.3f} s")
    aim = ("met" if apart <= 1.0 else "MISSED") if (
        args.players >= 1000 and args.hours >= 1) else "not measured at this size"
    print(f"aim: a virtual hour for 1,000 playing players in <= 1 s of the twin's work, "
          f"its client apart ({aim}); in one loop with its client: {twin_hour:.3f} s, "
          f"of which reading the same frames alone takes {bare_hour:.3f} s")
    return {"ready": twin_ready, "rate": twin_rate, "hour": twin_hour, "bare": bare_hour,
            "apart": apart}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--read"]:
        asyncio.run(_read_frames(sys.argv[2]))
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--hours", type=float, default=1.0)
    asyncio.run(main(parser.parse_args()))
