"""The compiled route tables resolve as aiohttp would with the routes registered
directly: the same handler, match info, 404 and 405 (with its allowed methods)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from wiretwin.runtime.routes import DefSource, RouteTables


def _defs(tag: str) -> list[web.RouteDef]:
    def make(name: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(text=f"{tag}:{name}:{dict(request.match_info)}")
        return handler

    return [
        web.get("/", make("root")),
        web.post("/api/channels/{channel_id}/messages", make("post")),
        web.get("/api/channels/{channel_id}/messages", make("list")),
        web.route("*", "/api/{tail:.*}", make("tail")),
        web.delete("/things/{id}", make("delete")),
    ]


async def _answer(app: web.Application, method: str, path: str) -> tuple[int, str, str]:
    request = make_mocked_request(method, path, app=app)
    match = await app.router.resolve(request)
    match.add_app(app)
    request._match_info = match  # what aiohttp's Application._handle does
    try:
        response = await match.handler(request)
    except web.HTTPException as refusal:
        return refusal.status, "", refusal.headers.get("Allow", "")
    assert isinstance(response, web.Response)
    return response.status, str(response.text), ""


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"), ("HEAD", "/"), ("POST", "/"), ("POST", "/api/channels/5/messages"),
    ("GET", "/api/channels/5/messages"), ("PATCH", "/api/channels/5/messages"),
    ("GET", "/api/nothing/here"), ("DELETE", "/things/3"), ("GET", "/things/3"),
    ("GET", "/nowhere"),
])
async def test_a_bound_table_answers_as_the_routes_registered_directly(
        method: str, path: str) -> None:
    direct = web.Application()
    direct.add_routes(_defs("a"))
    tables = RouteTables()
    bound = [web.Application() for _ in range(2)]
    for i, app in enumerate(bound):
        tables.bind(app, [DefSource(_defs("a" if i == 0 else "b"))])
    expected = await _answer(direct, method, path)
    assert await _answer(bound[0], method, path) == expected
    # The second app shares the compiled table and runs its own handlers.
    second = await _answer(bound[1], method, path)
    assert second == (expected[0], expected[1].replace("a:", "b:", 1), expected[2])
