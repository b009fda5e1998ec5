"""The Discord soak: two gateway sessions, REST posts numbered per channel, a tally.

Session A reads plain JSON, session B ``compress=zlib-stream``; both IDENTIFY with the
default world's bot token. Messages go to the world's text channels, a public thread the
bot opens in the first one, and a DM with the guild's owner, one poster per channel
(so each channel's numbers go out in order). Posters heed the rate-limit headers (a wait
of ``X-RateLimit-Reset-After`` when ``X-RateLimit-Remaining`` is 0), except the DM's,
which posts flat out and relies on 429s alone; on a 429 every poster waits ``retry_after``
and sends the same message again (a 429 that had posted it would show as a duplicate).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import zlib
from array import array
from typing import Any

import aiohttp

from .common import Result, Stream, TwinServer, wait_until

GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1, 1 << 9, 1 << 12, 1 << 15
INTENTS = GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT


class Session:
    def __init__(self, name: str, compress: bool, rng: random.Random,
                 sent_at: dict[tuple[str, int], float], latency: array[float]) -> None:
        self.name = name
        self.compress = compress
        self.rng = rng
        self.sent_at = sent_at
        self.latency = latency
        self.streams: dict[str, Stream] = {}
        self.order: list[tuple[str, int]] = []
        self.guild: dict[str, Any] = {}
        self.s = 0
        self.gaps = 0  # dispatches whose "s" is not the previous one plus one
        self.errors: list[str] = []
        self.last = 0.0
        self.ready = asyncio.get_running_loop().create_future()
        self.inflate = zlib.decompressobj()
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.closing = False

    async def _next(self) -> dict[str, Any] | None:
        assert self.ws is not None
        frame = await self.ws.receive()
        if frame.type is aiohttp.WSMsgType.BINARY:
            payload: dict[str, Any] = json.loads(self.inflate.decompress(frame.data))
            return payload
        if frame.type is aiohttp.WSMsgType.TEXT:
            payload = json.loads(frame.data)
            return payload
        if not self.closing:
            self.errors.append(f"session {self.name}: {frame.type.name} {frame.data!r}"
                               f" (close code {self.ws.close_code})")
        return None

    async def connect(self, http: aiohttp.ClientSession, url: str, token: str) -> None:
        query = "?v=10&encoding=json" + ("&compress=zlib-stream" if self.compress else "")
        self.ws = await http.ws_connect(url + query, autoping=True, max_msg_size=0)
        hello = await self._next()
        assert hello is not None and hello["op"] == 10, hello
        interval = hello["d"]["heartbeat_interval"] / 1000
        await self.ws.send_json({"op": 2, "d": {
            "token": token, "intents": INTENTS,
            "properties": {"os": "linux", "browser": "wiretwin-soak", "device": "soak"}}})
        self.tasks = [asyncio.ensure_future(self._beat(interval)),
                      asyncio.ensure_future(self._listen())]
        await asyncio.wait_for(asyncio.shield(self.ready), 10)

    async def _beat(self, interval: float) -> None:
        assert self.ws is not None
        await asyncio.sleep(interval * self.rng.random())
        while not self.ws.closed:
            await self.ws.send_json({"op": 1, "d": self.s or None})
            await asyncio.sleep(interval)

    async def _listen(self) -> None:
        try:
            await self._read()
        except Exception as exc:  # counted and shown; the other session goes on
            self.errors.append(f"session {self.name} stopped reading: {exc!r}")

    async def _read(self) -> None:
        assert self.ws is not None
        while (payload := await self._next()) is not None:
            op = payload["op"]
            if op == 1:
                await self.ws.send_json({"op": 1, "d": self.s or None})
            elif op in (7, 9):
                self.errors.append(f"session {self.name}: op {op} {payload.get('d')!r}")
            if op != 0:
                continue
            self.gaps += payload["s"] != self.s + 1
            self.s = payload["s"]
            kind, data = payload["t"], payload["d"]
            if kind == "GUILD_CREATE" and not self.ready.done():
                self.guild = data
                self.ready.set_result(None)
            elif kind == "MESSAGE_CREATE" and data["content"].startswith("soak "):
                now = time.perf_counter()
                key = (data["channel_id"], int(data["content"][5:]))
                self.streams.setdefault(key[0], Stream()).add(key[1])
                self.order.append(key)
                self.latency.append((now - self.sent_at[key]) * 1000)
                self.last = now

    async def close(self) -> None:
        assert self.ws is not None
        self.closing = True
        await self.ws.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


class Rest:
    def __init__(self, http: aiohttp.ClientSession, base: str, token: str,
                 result: Result, sent_at: dict[tuple[str, int], float]) -> None:
        self.http = http
        self.sent_at = sent_at
        self.base = base
        self.headers = {"Authorization": f"Bot {token}"}
        self.result = result

    async def post(self, path: str, body: dict[str, Any], key: tuple[str, int] | None = None,
                   heed_headers: bool = True) -> dict[str, Any] | None:
        """POST until it is not a 429; None (and an error counted) if it fails.

        ``key`` (channel, seq): when each attempt went out, for the delivery latency."""
        while True:
            t0 = time.perf_counter()
            if key is not None:
                self.sent_at[key] = t0
            async with self.http.post(self.base + path, json=body,
                                      headers=self.headers) as response:
                answer = await response.json(content_type=None)
                status, headers = response.status, response.headers
            if status == 429:
                self.result.retries += 1
                await asyncio.sleep(float(answer["retry_after"]))
                continue
            if status not in (200, 201):
                self.result.errors += 1
                if len(self.result.notes) < 5:
                    self.result.notes.append(f"discord POST {path}: {status} {answer}")
                return None
            self.result.calls.append((time.perf_counter() - t0) * 1000)
            if heed_headers and headers.get("X-RateLimit-Remaining") == "0":
                self.result.header_waits += 1
                await asyncio.sleep(float(headers["X-RateLimit-Reset-After"]))
            reply: dict[str, Any] = answer
            return reply


async def _poster(rest: Rest, channel: str, count: int, deadline: float,
                  heed_headers: bool) -> set[int]:
    accepted: set[int] = set()
    seq = 0
    while seq < count if count else time.perf_counter() < deadline:
        seq += 1
        if await rest.post(f"/channels/{channel}/messages", {"content": f"soak {seq}"},
                           (channel, seq), heed_headers):
            accepted.add(seq)
    return accepted


async def soak(server: TwinServer, messages: int, duration: float, seed: int) -> Result:
    settings = server.settings["discord"]
    result = Result(rate_limited=True)
    sent_at: dict[tuple[str, int], float] = {}
    rng = random.Random(seed)
    async with aiohttp.ClientSession() as http:
        sessions = [Session(name, compress, random.Random(rng.random()), sent_at,
                            result.latency) for name, compress in (("A", False), ("B", True))]
        for session in sessions:
            await session.connect(http, settings["gateway_url"], settings["token"])
        rest = Rest(http, settings["rest_url"], settings["token"], result, sent_at)
        guild = sessions[0].guild
        channels = [c["id"] for c in guild["channels"] if c["type"] == 0]
        thread = await rest.post(f"/channels/{channels[0]}/threads",
                                 {"name": "soak", "type": 11, "auto_archive_duration": 1440})
        dm = await rest.post("/users/@me/channels", {"recipient_id": guild["owner_id"]})
        channels += [made["id"] for made in (thread, dm) if made is not None]
        dm_id = dm["id"] if dm is not None else None
        result.calls = array("d")  # only the numbered posts from here on
        shares = [messages // len(channels) + (i < messages % len(channels))
                  for i in range(len(channels))]
        begin = time.perf_counter()
        posted = await asyncio.gather(*(
            _poster(rest, channel, share, begin + duration, heed_headers=channel != dm_id)
            for channel, share in zip(channels, shares, strict=True)))
        owed = dict(zip(channels, posted, strict=True))

        async def caught_up() -> bool:
            return all(not seqs or max(seqs) in s.streams.get(c, Stream()).seen
                       for s in sessions for c, seqs in owed.items())

        if not await wait_until(caught_up, 15):
            result.notes.append("discord: the last messages never came, 15 s after posting")
        result.elapsed = max(s.last for s in sessions) - begin
        for session in sessions:
            await session.close()
            result.errors += len(session.errors)
            result.notes += session.errors[:3]
            if session.gaps:
                result.notes.append(f"discord: session {session.name} saw {session.gaps} "
                                    "gaps in the gateway's sequence numbers")
    result.sent = sum(len(seqs) for seqs in posted)
    result.tally([(s.streams.get(c, Stream()), seqs) for s in sessions
                  for c, seqs in owed.items()])
    a, b = sessions[0].order, sessions[1].order
    result.disagree = sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))
    return result
