"""What the cluster tests share: an app's one webhook endpoint (shared by every twin of a
cluster, records each event), the twins of a cluster, a private Redis, clients.

The fixtures here are imported by the test modules that use them (pytest finds them by
their registered names: ``redis``, ``sink``, ``clients``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web

from tests.redis_server import RedisServer
from wiretwin.pusher import App, PusherTwin
from wiretwin.pusher.client import PusherTestClient
from wiretwin.runtime import TwinServer
from wiretwin.runtime.waiters import WaitableLog

#: Starts a twin of the cluster (keyword arguments as PusherTwin's).
Twins = Callable[..., Awaitable[PusherTwin]]
#: Connects the twin's own websocket test client to a twin.
Clients = Callable[[PusherTwin], Awaitable[PusherTestClient]]


class HookSink:
    """The app's webhook endpoint (one for the whole cluster): records every event."""

    def __init__(self) -> None:
        self.url = ""
        self.events: WaitableLog[dict[str, Any]] = WaitableLog()

    async def handle(self, request: web.Request) -> web.Response:
        self.events.extend(json.loads(await request.read())["events"])
        return web.Response(status=200)

    def named(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["name"] == name]


@asynccontextmanager
async def serving_hook_sink() -> AsyncIterator[HookSink]:
    """A :class:`HookSink` on a loopback server of its own."""
    hooks = HookSink()
    app = web.Application()
    app.router.add_post("/hooks", hooks.handle)
    server = TwinServer(app)
    await server.start()
    hooks.url = server.http_url("/hooks")
    try:
        yield hooks
    finally:
        await server.stop()


@asynccontextmanager
async def cluster_twins(redis_url: str, sink: HookSink,
                        **defaults: Any) -> AsyncIterator[Twins]:
    """Start twins of one cluster on ``redis_url`` (app 1 sending its webhooks to
    ``sink``, then ``defaults``, unless a call says otherwise); all stopped after."""
    started: list[PusherTwin] = []

    async def make(**kwargs: Any) -> PusherTwin:
        kwargs.setdefault("apps", [App(id="1", key="app-key", secret="app-secret",
                                       webhooks=[sink.url], subscription_count=True)])
        for name, value in defaults.items():
            kwargs.setdefault(name, value)
        twin = PusherTwin(cluster=redis_url, **kwargs)
        await twin.start()
        started.append(twin)
        return twin

    try:
        yield make
    finally:
        for twin in reversed(started):
            await twin.stop()


@pytest.fixture(name="redis")
def private_redis() -> Iterator[RedisServer]:
    """A Redis of this test's own, to stop, restart and freeze."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(name="sink")
async def sink_fixture() -> AsyncIterator[HookSink]:
    async with serving_hook_sink() as hooks:
        yield hooks


@pytest.fixture(name="clients")
async def clients_fixture() -> AsyncIterator[Clients]:
    made: list[PusherTestClient] = []

    async def make(twin: PusherTwin) -> PusherTestClient:
        client = await twin.connect()
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()
