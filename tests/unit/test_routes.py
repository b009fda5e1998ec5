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


@pytest.mark.parametrize("kind", ["discord", "lavalink", "pusher"])
async def test_a_stopped_twin_is_freed_after_serving_requests(kind: str) -> None:
    """Nothing process-wide keeps a twin once it stops (aiohttp's middleware cache
    once kept up to 1,024 of them, journals and all)."""
    import gc
    import weakref

    import aiohttp

    from wiretwin.discord.twin import DiscordTwin
    from wiretwin.lavalink.twin import LavalinkTwin
    from wiretwin.pusher.twin import PusherTwin

    kinds = {"discord": DiscordTwin, "lavalink": LavalinkTwin, "pusher": PusherTwin}
    twin = await kinds[kind]().start()
    async with aiohttp.ClientSession() as http:
        for path in ("/_wiretwin/journal", "/no/such/route"):
            async with http.get(twin.http_url(path)) as answer:
                await answer.read()
        async with http.delete(twin.http_url("/_wiretwin/journal")) as refused:
            await refused.read()
    await twin.stop()
    ref = weakref.ref(twin)
    del twin
    gc.collect()
    assert ref() is None
