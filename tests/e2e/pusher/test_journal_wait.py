"""``GET /_wiretwin/journal/wait``: the admin API's long-poll on the journal, which a
JavaScript (or any HTTP) test uses to wait for a delivery or a request without sleeping."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pusher

from wiretwin.pusher import PusherTwin


async def _get(session: aiohttp.ClientSession, url: str, expect: int = 200,
               params: dict[str, str] | None = None) -> Any:
    async with session.get(url, params=params) as response:
        body = await response.json()
        assert response.status == expect, body
        return body


async def _parked(twin: PusherTwin) -> None:
    """Until the long-poll's request has arrived and waits on the journal (the journal's
    waiters are private; this test looks at them so it tests the waiting path for sure)."""
    for _ in range(100_000):  # event-loop turns, not time
        if twin.journal._log._waiters:
            return
        await asyncio.sleep(0)
    raise AssertionError("the long-poll never reached the journal")


async def test_a_wait_answers_when_the_delivery_comes_and_at_once_for_one_past() -> None:
    async with PusherTwin() as twin, aiohttp.ClientSession() as session:
        admin = twin.http_url("/_wiretwin")
        client = await twin.connect()
        await client.subscribe("orders")
        mark = (await _get(session, f"{admin}/journal/mark"))["seq"]
        assert mark == twin.journal.last_seq > 0
        query = f"kind=frame&direction=out&event=shipped&since={mark}&timeout=10"
        waiting = asyncio.create_task(_get(session, f"{admin}/journal/wait?{query}"))
        await _parked(twin)
        assert not waiting.done()
        twin.trigger("orders", "shipped", {"id": 7})
        (entry,) = await waiting
        assert entry["connection"] == client.socket_id
        assert entry["seq"] > mark
        assert '"id\\":7' in entry["data"]
        # The same wait again finds it in the journal already and answers at once.
        assert await _get(session, f"{admin}/journal/wait?{query}") == [entry]


async def test_count_and_http_filters_match_what_the_sdk_sent() -> None:
    async with PusherTwin() as twin, aiohttp.ClientSession() as session:
        admin = twin.http_url("/_wiretwin")
        sdk = pusher.Pusher(**twin.settings()["pusher"])
        for n in range(3):
            await asyncio.to_thread(sdk.trigger, "news", "story", {"n": n})
        found = await _get(session, f"{admin}/journal/wait?kind=http&method=post"
                                    f"&path_prefix=/apps/&status=200&count=3")
        assert [e["detail"]["path"] for e in found] == ["/apps/1/events"] * 3
        # The SDK sends the data JSON-encoded inside the body: {"data": "{\"n\": 1}"}.
        (second,) = await _get(session, f"{admin}/journal/wait?kind=http",
                               params={"contains": '\\"n\\": 1'})
        assert second["seq"] == found[1]["seq"]
        exact = await _get(session, f"{admin}/journal/wait?path=/apps/1/events&count=2")
        assert [e["seq"] for e in exact] == [e["seq"] for e in found[:2]]


async def test_a_wait_that_times_out_says_what_it_waited_for() -> None:
    async with PusherTwin() as twin, aiohttp.ClientSession() as session:
        admin = twin.http_url("/_wiretwin")
        error = await _get(session, f"{admin}/journal/wait?event=never&timeout=0", 504)
        assert error["error"] == ("waited 0s for 1 journal entry after seq 0 matching "
                                  "event='never'; 0 matched")
        for query, said in [("count=0", "count must be at least 1"),
                            ("timeout=soon", "timeout must be a number, not 'soon'"),
                            ("timeout=1000", "timeout is at most 120 seconds"),
                            ("status=ok", "status must be a number, not 'ok'"),
                            ("since=-1", "since must be at least 0")]:
            error = await _get(session, f"{admin}/journal/wait?{query}", 400)
            assert error["error"] == said
        spec = await _get(session, f"{admin}/openapi.json")
        params = {p["name"] for p in spec["paths"]["/_wiretwin/journal/wait"]["get"]
                  ["parameters"]}
        assert {"since", "count", "timeout", "event", "path_prefix", "contains"} <= params
