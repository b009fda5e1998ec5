"""The request log ``wiretwin serve --log-requests`` prints, from a twin's journal."""

from __future__ import annotations

import io
import logging

import aiohttp
import pytest

from wiretwin.lavalink import LavalinkTwin
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.journal import Journal
from wiretwin.runtime.traffic_log import admin_line, log_traffic, traffic_line


def test_each_kind_of_traffic_reads_as_one_line() -> None:
    journal = Journal("discord", VirtualClock())
    out = io.StringIO()
    stop = log_traffic([journal], out)
    journal.record_http(method="GET", path="/api/v10/users/@me", query={"a": "1"},
                        status=200)
    journal.record_connection("c1", "open", path="/", query={"v": "10"}, peer="x",
                              headers={})
    journal.record_frame("c1", "out", '{"op": 10}')  # frames stay in the journal
    journal.record_fault("drop-hello", "drop", connection="c1")
    journal.record_connection("c1", "close", initiator="twin", code=4000)
    journal.record_note("unmodelled-route", route="GET /api/v10/nope")
    stop()
    journal.record_http(method="GET", path="/after", status=200)
    lines = [line.split(" ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines == [
        "discord  GET /api/v10/users/@me?a=1 -> 200",
        "discord  c1 websocket open /?v=10",
        "discord  fault drop-hello (drop) on c1",
        "discord  c1 websocket closed 4000 by twin",
        "discord  note unmodelled-route route=GET /api/v10/nope",
    ]
    assert traffic_line(journal.frames()[0]) is None


def test_a_failing_listener_is_dropped_and_the_twin_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    journal = Journal("pusher", VirtualClock())
    calls: list[int] = []

    def broken(entry: object) -> None:
        calls.append(1)
        raise RuntimeError("listener bug")

    journal.listen(broken)
    with caplog.at_level(logging.ERROR, "wiretwin.journal"):
        journal.record_note("one")
        journal.record_note("two")
    assert calls == [1] and len(journal) == 2
    assert "journal listener failed" in caplog.text



async def test_admin_api_requests_read_as_one_line_each() -> None:
    async with LavalinkTwin() as twin:
        out = io.StringIO()
        stop = log_traffic([twin.journal], out, admin=[twin.wire])
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{twin.port}/_wiretwin/journal?limit=1"):
                pass
            stop()
            async with http.get(f"http://127.0.0.1:{twin.port}/_wiretwin/journal"):
                pass
    assert [line.split(" ", 1)[1] for line in out.getvalue().splitlines()] == [
        "lavalink admin GET /_wiretwin/journal?limit=1 -> 200"]
    assert admin_line("discord", "GET", "/_wiretwin/journal", 200, wall=0).endswith(
        " discord  admin GET /_wiretwin/journal -> 200")
