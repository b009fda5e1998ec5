"""The wire layer's guard: a twin bug or a malformed request never reaches the wire as a
traceback; it is answered in the service's shape, journaled and logged once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from wiretwin.pusher import PusherTwin
from wiretwin.runtime import TwinServer, WireSocket
from wiretwin.runtime.wire import WireLayer


def _shaped(request: web.Request | None, status: int, message: str | None) -> web.Response:
    return web.json_response({"status": status, "said": message or "nothing"}, status=status)


class Server:
    """A bare server behind a standalone layer with a service error shape of its own."""

    def __init__(self) -> None:
        self.layer = WireLayer.standalone("probe")
        self.layer.http_error = _shaped
        self.layer.internal_close = (4000, "Unknown error.")
        app = web.Application(middlewares=[self.layer.middleware], client_max_size=1024)
        app.router.add_get("/boom", self.boom)
        app.router.add_post("/echo", self.echo)
        app.router.add_get("/ws", self.ws)
        self.server = TwinServer(app, logger=self.layer.server_log())

    async def boom(self, request: web.Request) -> web.Response:
        raise ZeroDivisionError("a twin bug")

    async def echo(self, request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    async def ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoclose=False, autoping=False)
        await ws.prepare(request)
        sock = WireSocket(ws, request, self.layer)

        def on_text(text: str) -> None:
            if text == "crash":
                raise KeyError("a twin bug")
            sock.send(text.upper())

        try:
            await sock.serve(on_text)
        finally:
            await sock.finish()
        return ws


@pytest.fixture
async def probe() -> AsyncIterator[Server]:
    server = Server()
    await server.server.start()
    yield server
    await server.server.stop()


async def test_a_handler_that_raises_answers_in_the_service_shape_and_logs_once(
        probe: Server, caplog: pytest.LogCaptureFixture) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(probe.server.http_url("/boom")) as response:
            assert (response.status, await response.json()) == (
                500, {"status": 500, "said": "nothing"})
        async with session.post(probe.server.http_url("/echo"), data=b"still here") as ok:
            assert await ok.read() == b"still here"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].name == "wiretwin.probe"
    assert "GET /boom" in errors[0].getMessage() and errors[0].exc_info is not None
    notes = [e for e in probe.layer.journal.entries("note") if e.event == "internal-error"]
    assert notes[0].detail == {"where": "GET /boom", "error": "ZeroDivisionError: a twin bug"}


async def test_aiohttp_refusals_come_in_the_service_shape(probe: Server) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(probe.server.http_url("/nowhere")) as missing:
            assert (missing.status, (await missing.json())["status"]) == (404, 404)
        async with session.put(probe.server.http_url("/echo")) as wrong:
            assert (wrong.status, (await wrong.json())["status"]) == (405, 405)
        async with session.post(probe.server.http_url("/echo"), data=b"x" * 4096) as big:
            assert (big.status, (await big.json())["status"]) == (413, 413)
    assert [e.detail["status"] for e in probe.layer.journal.http()] == [404, 405, 413]


async def test_a_malformed_request_is_journaled_not_logged_as_an_error(
        probe: Server, caplog: pytest.LogCaptureFixture) -> None:
    reader, writer = await asyncio.open_connection(probe.server.host, probe.server.port)
    writer.write(b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n")
    status_line = await reader.readline()
    writer.close()
    assert b" 400 " in status_line
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert [e.event for e in probe.layer.journal.entries("note")] == ["bad-http"]


async def test_a_frame_handler_that_raises_closes_that_socket_only(probe: Server) -> None:
    async with aiohttp.ClientSession() as session:
        victim = await session.ws_connect(probe.server.ws_url("/ws"))
        bystander = await session.ws_connect(probe.server.ws_url("/ws"))
        await victim.send_str("crash")
        closed = await victim.receive()
        assert (closed.type, closed.data, closed.extra) == (
            aiohttp.WSMsgType.CLOSE, 4000, "Unknown error.")
        await bystander.send_str("hello")
        assert (await bystander.receive()).data == "HELLO"
        await bystander.close()
        await victim.close()


@pytest.mark.parametrize(("sent", "answered"), [(4321, 4321), (5000, 1002), (1000, 1000)])
async def test_a_client_close_code_is_echoed_only_when_a_server_may_send_it(
        probe: Server, sent: int, answered: int) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(probe.server.ws_url("/ws"))
        await ws.close(code=sent)
    closes = await probe.layer.journal.wait_for(
        lambda e: e.kind == "connection" and e.event == "close")
    assert closes[0].detail["peer_code"] == sent
    frames = probe.layer.journal.frames(direction="in")
    assert frames == []  # a close frame is not a data frame
    assert ws.close_code == answered


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd", "bogus"])
async def test_a_request_body_reaches_the_twin_as_sent_whatever_its_content_encoding(
        probe: Server, encoding: str, caplog: pytest.LogCaptureFixture) -> None:
    """No inflating (the services inflate nothing either): no aiohttp text/plain 400 for
    an encoding it lacks, no 500 for a body that is not what its header says."""
    reader, writer = await asyncio.open_connection(probe.server.host, probe.server.port)
    writer.write(f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: {encoding}\r\n"
                 "Content-Length: 9\r\nConnection: close\r\n\r\nas it was".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"\r\n\r\nas it was")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_refused_request_still_arriving_gets_its_400_not_a_reset() -> None:
    """A bad request line on a kept-alive connection with a large body behind it: the
    twin answers 400 and reads out the rest before closing, so the client reads the
    answer and then the end of the stream, not a reset that throws the answer away (a
    lingering close; found by the fuzzer)."""
    async with PusherTwin() as twin:
        reader, writer = await asyncio.open_connection(twin.host, twin.port)
        writer.write(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 404")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length"))
        await reader.readexactly(length)
        body = b'"' + b"\\ud83d" * 140_000
        writer.write(b"HEAD /free/\xf0\x9f\x98\x80/1/api HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()
        answer = await reader.read()  # to the end: a reset would lose what came before
        assert answer.startswith(b"HTTP/1.0 400 Bad Request")
        writer.close()
