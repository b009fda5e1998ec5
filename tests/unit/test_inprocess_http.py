"""The in-process session answers as the twin answers over a socket: the same statuses,
headers that matter, bodies and journal, uploads included; other URLs go to the real
session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.inprocess_http import InProcessResponse, InProcessSession
from wiretwin.runtime.faults import Latency

Exchange = tuple[int, str, bytes]


async def _exchange(session: object, method: str, url: str, **kwargs: object) -> Exchange:
    async with session.request(method, url, **kwargs) as answer:  # type: ignore[attr-defined]
        return answer.status, answer.headers.get("Content-Type", ""), await answer.read()


@pytest.fixture
async def twin() -> AsyncIterator[DiscordTwin]:
    twin = await DiscordTwin(max_request_size=4096).start()
    yield twin
    await twin.stop()


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    ("GET", "/api/v10/users/@me", {}),
    ("GET", "/api/v10/gateway", {}),
    ("GET", "/api/v10/no/such/route", {}),
    ("PUT", "/api/v10/users/@me", {}),
    ("GET", "/api/v10/users/@me", {"auth": False}),
    ("PATCH", "/api/v10/users/@me", {"data": b"{not json", "json_type": True}),
    ("PATCH", "/api/v10/users/@me", {"data": b"x" * 5000, "json_type": True}),
    ("GET", "/api/v10/users/@me/guilds", {"params": {"limit": "1"}}),
    ("GET", "/_wiretwin/discord/guilds", {}),
])
async def test_an_answer_in_process_is_the_answer_over_a_socket(
        twin: DiscordTwin, method: str, path: str, kwargs: dict[str, object]) -> None:
    headers = {} if kwargs.pop("auth", True) is False else {
        "Authorization": f"Bot {twin.application.token}"}
    if kwargs.pop("json_type", False):
        headers["Content-Type"] = "application/json"
    async with aiohttp.ClientSession() as real:
        wire = await _exchange(real, method, twin.http_url(path), headers=headers, **kwargs)
        ours = InProcessSession(twin, real)
        served = await _exchange(ours, method, twin.http_url(path), headers=headers, **kwargs)
    assert served == wire
    if not path.startswith("/_wiretwin"):  # the admin API is not journaled
        first, second = (e.detail for e in twin.journal.http()[-2:])
        for key in ("method", "path", "query", "status", "request_body", "response_body"):
            assert first.get(key) == second.get(key), key


async def test_an_upload_in_process_reaches_the_twin_and_can_be_downloaded(
        twin: DiscordTwin) -> None:
    guild = await twin.backend.make_guild("Uploads")
    channel = await twin.backend.make_text_channel("files", guild)
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", '{"content": "here", "attachments": '
                   '[{"id": 0, "filename": "notes.txt"}]}', content_type="application/json")
    form.add_field("files[0]", b"line one\nline two\n", filename="notes.txt",
                   content_type="text/plain")
    async with aiohttp.ClientSession() as real:
        ours = InProcessSession(twin, real)
        async with ours.post(twin.http_url(f"/api/v10/channels/{channel.id}/messages"),
                             headers={"Authorization": f"Bot {twin.application.token}"},
                             data=form) as answer:
            assert isinstance(answer, InProcessResponse)
            message = await answer.json()
            assert answer.status == 200, message
        assert message["content"] == "here"
        (attachment,) = message["attachments"]
        assert (attachment["filename"], attachment["size"]) == ("notes.txt", 18)
        async with ours.get(attachment["url"]) as download:
            assert await download.read() == b"line one\nline two\n"


async def test_other_addresses_go_to_the_real_session(twin: DiscordTwin) -> None:
    other = await DiscordTwin().start()
    try:
        async with aiohttp.ClientSession() as real:
            ours = InProcessSession(twin, real)
            async with ours.get(other.http_url("/api/v10/gateway")) as answer:
                assert isinstance(answer, aiohttp.ClientResponse)
                assert answer.status == 200
            assert not ours.closed
            await ours.close()
            assert real.closed
    finally:
        await other.stop()


async def test_an_answer_that_needs_no_wait_takes_no_loop_turn(twin: DiscordTwin) -> None:
    turned: list[bool] = []
    async with aiohttp.ClientSession() as real:
        ours = InProcessSession(twin, real)
        asyncio.get_running_loop().call_soon(turned.append, True)
        status, _, _ = await _exchange(ours, "GET", twin.http_url("/api/v10/users/@me"),
                                       headers={"Authorization": f"Bot {twin.application.token}"})
        assert status == 200
        assert turned == []  # answered before the loop ran what was already due


async def test_a_handler_that_waits_goes_on_when_its_client_gives_up(
        twin: DiscordTwin) -> None:
    twin.faults.add(Latency(ms=50))  # the wire layer waits before answering
    async with aiohttp.ClientSession() as real:
        ours = InProcessSession(twin, real)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(_exchange(
                ours, "GET", twin.http_url("/api/v10/users/@me"),
                headers={"Authorization": f"Bot {twin.application.token}"}), 0.001)
        (exchange,) = await twin.journal.wait_for(lambda e: e.kind == "http", timeout=5)
    assert exchange.detail["status"] == 200  # answered, as a server answers a gone client
