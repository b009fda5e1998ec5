"""HTTP requests to a twin in the same event loop, served without a socket.

:class:`InProcessSession` stands in for a client's :class:`aiohttp.ClientSession`. A
request to the twin's own address becomes an aiohttp :class:`~aiohttp.web.Request` handed
to the twin's running application, in a task of its own as aiohttp's server would run
it: the same routes, wire layer (journal, faults, the service's error shape), body
limits and multipart parsing as a request over a socket; what is skipped is the kernel,
the event loop turns of a socket round trip, and aiohttp's HTTP/1.1 framing both ways.
The answer comes back as :class:`InProcessResponse`, with what clients read of
aiohttp's ``ClientResponse``. Any other URL, websockets and everything else go to the
real session it wraps.

For speed where the socket is not what a test is about (dpytest's layer runs a bot's
whole suite against fresh twins); tests of the wire itself use sockets.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import zlib
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http import HttpVersion11, RawRequestMessage
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .tasks import run_now

if TYPE_CHECKING:
    from ..runtime.base import Twin

#: What aiohttp's client adds to every request (the twin's journal shows them as sent).
_CLIENT_HEADERS = (("Accept", "*/*"), ("Accept-Encoding", "gzip, deflate"))


class _Collector(AbstractStreamWriter):
    """Collects what is written (a response's status line, headers and body; a form's
    serialized parts) instead of sending it."""

    def __init__(self) -> None:
        self.status_line = ""
        self.headers: CIMultiDict[str] = CIMultiDict()
        self.chunks: list[bytes] = []

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        self.chunks.append(bytes(chunk))
        self.output_size += len(chunk)

    async def write_eof(self, chunk: bytes = b"") -> None:
        if chunk:
            await self.write(chunk)

    async def drain(self) -> None:
        return None

    def enable_compression(self, encoding: str = "deflate",
                           strategy: int | None = None) -> None:
        return None  # the body stays as written; the client is told so (see below)

    def enable_chunking(self) -> None:
        return None

    async def write_headers(self, status_line: str, headers: CIMultiDict[str]) -> None:
        self.status_line = status_line
        self.headers = CIMultiDict(headers)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


class _Transport(asyncio.Transport):
    """What a request's handlers may ask of its transport."""

    def __init__(self, peer: tuple[str, int], own: tuple[str, int]) -> None:
        super().__init__({"peername": peer, "sockname": own})
        self._closing = False

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._closing = True

    def write(self, data: Any) -> None:  # a handler writing past the response: dropped
        return None


class _Protocol:
    """What aiohttp's request, and the body reader under it, use of the server's
    connection handler."""

    ssl_context = None
    connected = True
    _reading_paused = False
    max_field_size = 8190
    max_line_length = 8190
    max_headers = 128

    def __init__(self, transport: _Transport) -> None:
        self.transport = transport
        self.peername = transport.get_extra_info("peername")
        self.sockname = transport.get_extra_info("sockname")

    def pause_reading(self) -> None:
        return None

    def resume_reading(self, resume_parser: bool = True) -> None:
        return None


class InProcessResponse:
    """What clients read of aiohttp's ``ClientResponse``, for an answer served in
    process (the whole body is here already)."""

    def __init__(self, method: str, url: URL, status: int, reason: str,
                 headers: CIMultiDict[str], body: bytes) -> None:
        self.method = method
        self.url = url
        self.real_url = url
        self.status = status
        self.reason = reason
        self.headers = CIMultiDictProxy(headers)
        self._body = body

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "application/octet-stream").split(";")[0]

    @property
    def charset(self) -> str | None:
        for param in self.headers.get("Content-Type", "").split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.lower() == "charset":
                return value.strip('"')
        return None

    async def read(self) -> bytes:
        return self._body

    async def text(self, encoding: str | None = None, errors: str = "strict") -> str:
        return self._body.decode(encoding or self.charset or "utf-8", errors)

    async def json(self, *, encoding: str | None = None,
                   loads: Callable[[str], Any] = json.loads,
                   content_type: str | None = "application/json") -> Any:
        if content_type is not None and content_type not in self.content_type:
            raise aiohttp.ContentTypeError(
                aiohttp.RequestInfo(self.url, self.method, CIMultiDictProxy(CIMultiDict()),
                                    self.url),
                (), status=self.status,
                message=f"Attempt to decode JSON with unexpected mimetype: "
                        f"{self.content_type}", headers=self.headers)
        text = await self.text(encoding)
        return loads(text) if text.strip() else None

    def raise_for_status(self) -> None:
        if self.status >= 400:
            raise aiohttp.ClientResponseError(
                aiohttp.RequestInfo(self.url, self.method, CIMultiDictProxy(CIMultiDict()),
                                    self.url),
                (), status=self.status, message=self.reason, headers=self.headers)

    def release(self) -> None:
        return None

    def close(self) -> None:
        return None

    async def __aenter__(self) -> InProcessResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Call:
    """``session.request(...)``: awaitable, or ``async with``, as aiohttp's is."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self._call = call

    def __await__(self) -> Generator[Any, None, Any]:
        awaiting: Generator[Any, None, Any] = self._call().__await__()
        return awaiting

    async def __aenter__(self) -> Any:
        self._response = await self._call()
        return await self._response.__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        await self._response.__aexit__(*exc)


class InProcessSession:
    """A client session whose requests to ``twin`` are served in process (see the module
    docstring); everything else goes to ``session``."""

    def __init__(self, twin: Twin, session: aiohttp.ClientSession) -> None:
        self.twin = twin
        self.session = session
        self._origin = URL(twin.http_url("/")).origin()
        self._peer = ("127.0.0.1", 0)

    def __getattr__(self, name: str) -> Any:  # ws_connect, closed, connector, ...
        return getattr(self.session, name)

    async def close(self) -> None:
        await self.session.close()

    def request(self, method: str, url: str | URL, **kwargs: Any) -> Any:
        target = URL(url)
        if target.origin() != self._origin or kwargs.get("proxy"):
            return self.session.request(method, url, **kwargs)
        return _Call(lambda: self._serve(method.upper(), target, **kwargs))

    def get(self, url: str | URL, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str | URL, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str | URL, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str | URL, **kwargs: Any) -> Any:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str | URL, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

    async def _serve(self, method: str, url: URL, *, headers: Mapping[str, str] | None = None,
                     data: Any = None, json: Any = None, params: Any = None,
                     **ignored: Any) -> InProcessResponse:
        if params:
            url = url.extend_query(params)
        sent: CIMultiDict[str] = CIMultiDict({"Host": url.raw_authority})
        for name, value in _CLIENT_HEADERS:
            sent[name] = value
        sent.update(headers or {})
        body = await _encode(data, json, sent)
        if body or method in ("POST", "PUT", "PATCH"):
            sent["Content-Length"] = str(len(body))
        await self.twin.started()
        app = self.twin.server.app
        # Run as aiohttp's server runs a request, in a context of its own and, once it
        # waits, a task of its own (a cancelled client does not cut the handler short);
        # until then at once, as an eager task: most answers need no loop turn at all.
        handled = contextvars.copy_context().run(
            run_now, self._handle(app, method, url, sent, body))
        if handled.done():
            return handled.result()
        return await asyncio.shield(handled)

    async def _handle(self, app: web.Application, method: str, url: URL,
                      headers: CIMultiDict[str], body: bytes) -> InProcessResponse:
        loop = asyncio.get_running_loop()
        transport = _Transport(self._peer, (self.twin.host, self.twin.port))
        protocol: Any = _Protocol(transport)
        path = url.raw_path_qs
        message = RawRequestMessage(
            method, path, HttpVersion11, CIMultiDictProxy(headers),
            tuple((k.encode(), v.encode()) for k, v in headers.items()), False, None,
            False, False, URL(path))
        payload = aiohttp.StreamReader(protocol, 2 ** 16, loop=loop)
        if body:
            payload.feed_data(body)
        payload.feed_eof()
        writer = _Collector()
        task = asyncio.current_task()
        assert task is not None
        request = app._make_request(message, payload, protocol, writer, task)
        try:
            response = await app._handle(request)
        except web.HTTPException as exc:  # what aiohttp's server answers with
            response = exc
        await response.prepare(request)
        await response.write_eof()
        transport.close()
        status_line = writer.status_line.split(" ", 2)
        answer = writer.headers
        data = writer.body
        if response.compression:  # asked of aiohttp, which the collector skips
            answer.pop("Content-Encoding", None)
        elif data and answer.get("Content-Encoding", "").lower() in ("gzip", "deflate"):
            # Compressed by the handler itself: aiohttp's client decompresses it.
            gzip = answer["Content-Encoding"].lower() == "gzip"
            data = zlib.decompress(data, 16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
        return InProcessResponse(method, url, int(status_line[1]),
                                 status_line[2] if len(status_line) > 2 else "",
                                 answer, data)


async def _encode(data: Any, json_body: Any, headers: CIMultiDict[str]) -> bytes:
    """The request body as aiohttp's client would send it (setting its Content-Type)."""
    if json_body is not None:
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(json_body).encode()
    if data is None:
        return b""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str):
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        return data.encode()
    if isinstance(data, aiohttp.FormData):
        data = data()
    if isinstance(data, aiohttp.Payload):
        if data.content_type:
            headers.setdefault("Content-Type", data.content_type)
        for name, value in data.headers.items():
            if name.lower() != "content-length":
                headers.setdefault(name, value)
        writer = _Collector()
        await data.write(writer)
        return writer.body
    if isinstance(data, Mapping):  # a plain form
        return await _encode(aiohttp.FormData(data), None, headers)
    raise TypeError(f"a request body the in-process session cannot send: {type(data)!r}")


__all__ = ["InProcessResponse", "InProcessSession"]
