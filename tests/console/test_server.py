"""The console's routes on the twins, over real HTTP: served by every twin through the
``wiretwin.admin_extensions`` entry point, behind the admin gate (loopback only, the token
as a header or as the cookie the page sets), and the live stream: bounded per reader,
``gap`` when a reader falls behind, ended cleanly when the twin stops."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from importlib import metadata
from typing import Any
from unittest import mock

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request
from yarl import URL

from wiretwin.console import admin_routes
from wiretwin.console.stream import READER_LIMIT, Reader, hub_of
from wiretwin.discord import DiscordTwin
from wiretwin.lavalink import LavalinkTwin
from wiretwin.pusher import PusherTwin
from wiretwin.runtime.admin import ADMIN_COOKIE, AdminApi
from wiretwin.runtime.base import Twin
from wiretwin.runtime.clock import VirtualClock

TOKEN = "s3cret"
CONSOLE = {"X-Wiretwin-Console": "1"}


def test_the_console_is_an_admin_extension_entry_point() -> None:
    found = [e for e in metadata.entry_points(group="wiretwin.admin_extensions")
             if e.name == "console"]
    assert found, ("wiretwin's installed metadata has no wiretwin.admin_extensions entry "
                   "point: reinstall the package (pip install -e .) after pulling")
    assert found[0].load() is admin_routes


@pytest.mark.parametrize("kind", [PusherTwin, LavalinkTwin, DiscordTwin])
async def test_every_twin_serves_the_console(kind: type[Twin]) -> None:
    async with kind() as twin, aiohttp.ClientSession() as http:
        base = twin.http_url("/_wiretwin/ui")
        async with http.get(base) as page:
            assert page.status == 200 and page.content_type == "text/html"
            assert "/_wiretwin/ui/static/shell.js" in await page.text()
        async with http.get(base + "/info") as answer:
            info = await answer.json()
        assert info["service"] == twin.service
        assert info["admin_prefix"] == "/_wiretwin" and info["port"] == twin.port
        assert info["settings"] == json.loads(json.dumps(twin.settings()))
        assert info["clock"]["virtual"] is False and info["token_required"] is False
        assert info["fault_types"]["drop"]["fields"]["probability"] == 1.0
        assert info["fault_types"]["disconnect"]["types"]["code"] == "int"
        for asset, kind_of in (("shell.js", "text/javascript"), ("console.css", "text/css"),
                               ("views/pusher.js", "text/javascript"),
                               ("panels/journal.js", "text/javascript")):
            async with http.get(f"{base}/static/{asset}") as answer:
                assert (answer.status, answer.content_type) == (200, kind_of), asset
        for missing in ("nope.js", "..%2F__init__.py", ".hidden.js", "views/../shell.js",
                        "views/%2E%2E/%2E%2E/routes.py", "index.html/x"):
            # As sent (a client would resolve the dots first).
            raw = URL(f"{base}/static/{missing}", encoded=True)
            async with http.get(raw) as answer:
                assert answer.status == 404, missing
                assert "error" in await answer.json()
        async with http.get(twin.http_url("/_wiretwin/openapi.json")) as answer:
            paths = (await answer.json())["paths"]
        assert "text/html" in paths["/_wiretwin/ui"]["get"]["responses"]["200"]["content"]
        stream = paths["/_wiretwin/ui/stream"]["get"]["responses"]["200"]["content"]
        assert "text/event-stream" in stream
        assert paths["/_wiretwin/ui/static/{path}"]["get"]["parameters"][0]["name"] == "path"


async def test_the_token_becomes_an_httponly_cookie_the_gate_accepts() -> None:
    async with PusherTwin(admin_token=TOKEN) as twin:
        base = twin.http_url("/_wiretwin")
        # unsafe: the jar keeps cookies of IP addresses (127.0.0.1), as browsers do.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            for path in ("/ui", "/ui/info", "/ui?token=wrong", "/faults"):
                async with http.get(base + path, allow_redirects=False) as answer:
                    assert answer.status == 401, path
            async with http.get(base + "/ui") as answer:
                assert (await answer.json())["error"] == (
                    "this twin has an admin token: open /_wiretwin/ui?token=<admin token> once")
            async with http.get(base + f"/ui?token={TOKEN}", allow_redirects=False) as answer:
                assert answer.status == 303
                assert answer.headers["Location"] == "/_wiretwin/ui"
                cookie = answer.cookies[ADMIN_COOKIE]
            assert cookie.value == TOKEN
            assert cookie["httponly"] and cookie["path"] == "/_wiretwin"
            assert cookie["samesite"] == "Strict"
            # The session now holds the cookie: the page and GETs pass...
            async with http.get(base + "/ui") as answer:
                assert answer.status == 200
            async with http.get(base + "/faults") as answer:
                assert answer.status == 200
            # ...a change without the console's header does not (another origin's form
            # could send the cookie; it cannot send the header without a preflight)...
            async with http.post(base + "/faults", json={"type": "drop"}) as answer:
                assert answer.status == 401
            async with http.post(base + "/faults", json={"type": "drop"},
                                 headers=CONSOLE) as answer:
                assert answer.status == 201
            # ...and the token in the query is taken on the page only.
        async with aiohttp.ClientSession() as http:
            async with http.get(base + f"/faults?token={TOKEN}") as answer:
                assert answer.status == 401
            async with http.get(base + "/faults",
                                headers={"Authorization": f"Bearer {TOKEN}"}) as answer:
                assert answer.status == 200
            async with http.get(base + "/ui/info",
                                cookies={ADMIN_COOKIE: "wrong"}) as answer:
                assert answer.status == 401
        assert [f.type for f in twin.faults.all()] == ["drop"]


async def test_the_console_answers_loopback_clients_only() -> None:
    async with PusherTwin() as twin:
        api = AdminApi(twin)
        (page,) = [r for r in api.table if r.path == "/ui"]
        for peer, status in ((("192.0.2.7", 40000), 403), (("127.0.0.1", 40000), 200)):
            transport = mock.Mock()
            transport.get_extra_info.side_effect = \
                lambda name, default=None, peer=peer: peer if name == "peername" else default
            request = make_mocked_request("GET", "/_wiretwin/ui", transport=transport)
            answer = await api.serve(page, request)
            assert answer.status == status, peer


async def _events(response: aiohttp.ClientResponse) -> AsyncIterator[tuple[str, Any]]:
    name = None
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: ") and name is not None:
            yield name, json.loads(line[6:])
            name = None


async def test_the_stream_sends_the_clock_then_journal_entries_live() -> None:
    clock = VirtualClock()
    async with PusherTwin(clock=clock) as twin, aiohttp.ClientSession() as http, \
            http.get(twin.http_url("/_wiretwin/ui/stream")) as stream:
        assert stream.content_type == "text/event-stream"
        events = _events(stream)
        name, data = await asyncio.wait_for(anext(events), 10)
        assert name == "clock" and data["virtual"] is True and data["monotonic"] == 0
        async with http.get(twin.http_url("/apps/1/channels")) as answer:
            assert answer.status == 401  # unsigned: the twin's answer, journaled
        name, data = await asyncio.wait_for(anext(events), 10)
        assert name == "journal" and data["kind"] == "http"
        assert data == twin.journal.entries()[-1].to_json()
        await clock.advance(5)
        name, data = await asyncio.wait_for(anext(events), 10)
        assert (name, data["monotonic"]) == ("clock", 5)


async def test_a_reader_holds_a_bounded_number_of_events_and_says_what_it_missed() -> None:
    reader = Reader(asyncio.get_running_loop())
    for n in range(READER_LIMIT + 250):
        reader.push("journal", {"seq": n})
    got = await reader.next(1.0)
    assert len(got) == READER_LIMIT + 1
    assert got[:2] == [("journal", {"seq": 0}), ("journal", {"seq": 1})]
    assert got[READER_LIMIT - 1] == ("journal", {"seq": READER_LIMIT - 1})
    assert got[-1] == ("gap", {"missed": 250})
    reader.push("journal", {"seq": "next"})
    assert await reader.next(1.0) == [("journal", {"seq": "next"})]
    reader.close()
    assert await reader.next(1.0) == []


async def test_a_slow_page_gets_a_gap_event_on_the_wire() -> None:
    async with PusherTwin() as twin, aiohttp.ClientSession() as http, \
            http.get(twin.http_url("/_wiretwin/ui/stream")) as stream:
        events = _events(stream)
        assert (await asyncio.wait_for(anext(events), 10))[0] == "clock"
        (reader,) = hub_of(twin).readers
        # Everything at once, from the twin's loop, before the stream writes again.
        for _ in range(READER_LIMIT + 7):
            twin.journal.record_note("console-test", filler=True)
        seen = 0
        while True:
            name, data = await asyncio.wait_for(anext(events), 10)
            if name == "gap":
                break
            seen += name == "journal"
        assert (seen, data) == (READER_LIMIT, {"missed": 7})
        assert reader.closed is False


async def test_stopping_the_twin_ends_open_streams_cleanly() -> None:
    twin = PusherTwin()
    await twin.start()
    async with aiohttp.ClientSession() as http:
        streams = [await http.get(twin.http_url("/_wiretwin/ui/stream")) for _ in range(3)]
        for stream in streams:
            assert (await stream.content.readline()).startswith(b"event: clock")
        hub = hub_of(twin)
        assert len(hub.readers) == 3 and twin.journal._listeners
        await asyncio.wait_for(twin.stop(), 10)
        for stream in streams:
            # The handler returned (a cancelled one would cut the chunked body short,
            # and reading it would raise ClientPayloadError).
            rest = await asyncio.wait_for(stream.content.read(), 10)
            assert b"event: gap" not in rest
            stream.release()
    assert hub.readers == set()
    assert twin.journal._listeners == []


async def test_a_twin_in_its_own_thread_streams_and_stops_with_a_page_open() -> None:
    twin = PusherTwin().start_in_thread()
    try:
        async with aiohttp.ClientSession() as http, \
                http.get(twin.http_url("/_wiretwin/ui/stream")) as stream:
            events = _events(stream)
            assert (await asyncio.wait_for(anext(events), 10))[0] == "clock"
            # Recorded in this thread, not the twin's: the reader takes it over safely.
            twin.journal.record_note("from-another-thread", n=1)
            name, data = await asyncio.wait_for(anext(events), 10)
            while name == "clock":  # the real clock's ticks
                name, data = await asyncio.wait_for(anext(events), 10)
            assert (name, data["event"], data["detail"]) == (
                "journal", "from-another-thread", {"n": 1})
            await asyncio.wait_for(asyncio.to_thread(twin.stop_thread), 10)
            await asyncio.wait_for(stream.content.read(), 10)  # the body ends, whole
            assert stream.content.at_eof()
    finally:
        twin.stop_thread()
