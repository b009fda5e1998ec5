"""Two Pusher twins in two processes sharing one app through a real Redis, driven by the
real clients: the ``pusher`` SDK (pusher-http-python), Pysher and pusher-js (Node).

Process A is ``wiretwin serve --pusher-redis URL`` (a child process); twin B runs in this
test's event loop on its own port. Both are started from the same world file, whose app
sends its webhooks to one endpoint here, so "once per cluster" is what that endpoint
counts. Exactly once without sleeping: after the event under test a marker is sent the
same way; once the marker is in, so is any copy of the event.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pusher
import pytest
from aiohttp import web

from tests.redis_server import redis_server, redis_url
from wiretwin.pusher import App, PusherTwin
from wiretwin.runtime import TwinServer

from .cluster_process import ServeProcess
from .hook_sink import HookSink, serving_hook_sink
from .pusher_js import DRIVER, JS_DIR, AuthEndpoint, PusherJs, call
from .pysher_driver import PysherDriver

__all__ = ["redis_server", "redis_url"]


class Cluster:
    def __init__(self, a: ServeProcess, b: PusherTwin, sink: HookSink) -> None:
        self.a, self.b, self.sink = a, b, sink
        self.sdk_a = pusher.Pusher(**a.settings["pusher"])
        self.sdk_b = pusher.Pusher(**b.settings()["pusher"])


@pytest.fixture
async def cluster(redis_url: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    async with serving_hook_sink() as sink:
        async for cluster in _cluster(redis_url, tmp_path, sink):
            yield cluster


async def _cluster(redis_url: str, tmp_path: Path, sink: HookSink) -> AsyncIterator[Cluster]:
    app = App(id="1", key="app-key", secret="app-secret", webhooks=[sink.url],
              subscription_count=True)
    world = tmp_path / "world.json"
    world.write_text(json.dumps({"pusher": {"format": 1, "apps": [app.to_json()],
                                            "members": [], "cache": []}}))
    a = ServeProcess(redis_url, world, tmp_path, "a")
    b = PusherTwin(world=world, cluster=redis_url, cluster_node="b", cluster_sweep=0.1)
    try:
        await a.start()
        await b.start()
        yield Cluster(a, b, sink)
    finally:
        await b.stop()
        await a.stop()


@pytest.fixture
async def js(cluster: Cluster) -> AsyncIterator[PusherJs]:
    """pusher-js clients (one Node process); a client's ``wsPort`` picks its twin."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: these tests drive pusher-js under Node (v18+)")
    if not (JS_DIR / "node_modules" / "pusher-js" / "package.json").is_file():
        pytest.fail(f"pusher-js is not installed in {JS_DIR}/node_modules: run `make install`")
    auth = AuthEndpoint(cluster.sdk_b)
    app = web.Application()
    app.router.add_post("/pusher/auth", auth.channel_auth)
    app.router.add_post("/pusher/user-auth", auth.user_auth)
    server = TwinServer(app)
    await server.start()
    auth.url = server.http_url()
    client = cluster.b.settings()["pusher_js"]
    settings = {"key": client["key"], "options": client["options"],
                "channelAuthEndpoint": f"{auth.url}/pusher/auth",
                "userAuthEndpoint": f"{auth.url}/pusher/user-auth"}
    proc = await asyncio.create_subprocess_exec(
        node, str(DRIVER), json.dumps(settings), cwd=JS_DIR, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    driver = PusherJs(proc)
    try:
        await driver.expect(type="ready")
        yield driver
    finally:
        await driver.close()
        await server.stop()


def on(port: int) -> dict[str, Any]:
    """pusher-js options that connect a client to the twin on ``port``."""
    return {"wsPort": port, "wssPort": port}


async def test_sdk_events_on_one_process_reach_pusher_js_and_pysher_on_the_other_once(
        cluster: Cluster, js: PusherJs) -> None:
    await js.connected("a1", on(cluster.a.port))
    b1 = await js.connected("b1", on(cluster.b.port))
    await js.connected("b2", on(cluster.b.port))
    for client in ("a1", "b1", "b2"):
        await js.subscribed(client, "news")
    pysher = PysherDriver(cluster.b).plan("news", "story", "listed", "marker")
    try:
        await asyncio.to_thread(pysher.start)
        await asyncio.to_thread(pysher.wait, "pusher_internal:subscription_succeeded")
        # One event, a batch, and one with b1's socket excluded, all published on A.
        await call(cluster.sdk_a.trigger, "news", "story", {"n": 1})
        await call(cluster.sdk_a.trigger_batch, [
            {"channel": "news", "name": "listed", "data": json.dumps({"n": 2})},
            {"channel": "news", "name": "listed", "data": json.dumps({"n": 3})}])
        await call(cluster.sdk_a.trigger, "news", "story", {"n": 4}, b1)
        await call(cluster.sdk_a.trigger, "news", "marker", {})
        for client in ("a1", "b1", "b2"):
            await js.expect(type="event", client=client, channel="news", event="marker")
        for client, stories in (("a1", [1, 4]), ("b1", [1]), ("b2", [1, 4])):
            got = [line["data"]["n"] for line in js.seen(type="event", client=client,
                                                          event="story")]
            assert got == stories, client
            listed = [line["data"]["n"] for line in js.seen(type="event", client=client,
                                                             event="listed")]
            assert listed == [2, 3], client
        await asyncio.to_thread(pysher.wait, "marker")
        assert [json.loads(s.data)["n"] for s in pysher.seen_events("story")] == [1, 4]
        assert [json.loads(s.data)["n"] for s in pysher.seen_events("listed")] == [2, 3]
        # Both HTTP APIs count the cluster's subscribers (once Redis has B's changes).
        await cluster.b.wait_webhooks()
        for sdk in (cluster.sdk_a, cluster.sdk_b):
            info = await call(sdk.channel_info, "news", ["subscription_count"])
            assert info == {"occupied": True, "subscription_count": 4}
    finally:
        await asyncio.to_thread(pysher.stop)


async def test_presence_client_events_and_webhooks_across_processes(
        cluster: Cluster, js: PusherJs) -> None:
    await js.connected("ann", on(cluster.a.port), user="ann")
    await js.connected("bob", on(cluster.b.port), user="bob")
    await js.subscribed("ann", "presence-room", bind=["client-hi"])
    joined = await js.subscribed("bob", "presence-room", bind=["client-hi"])
    if joined["data"]["count"] == 1:
        # Ann's arrival was still on its way to B: it is announced instead.
        await js.expect(type="event", client="bob", event="pusher:member_added")
    added = await js.expect(type="event", client="ann", event="pusher:member_added")
    assert added["data"] == {"id": "bob", "info": {"name": "Bob"}}
    await js.send("members", client="bob", channel="presence-room")
    roster = await js.expect(type="members", client="bob")
    assert roster["members"] == {"ann": {"name": "Ann"}, "bob": {"name": "Bob"}}

    # A client event from A reaches B's subscriber, with the sender's user id.
    await js.send("trigger", client="ann", channel="presence-room", event="client-hi",
                  data={"text": "hi bob"})
    got = await js.expect(type="bound", client="bob", channel="presence-room",
                          event="client-hi")
    assert got["data"] == {"text": "hi bob"} and got["metadata"] == {"user_id": "ann"}

    users = await call(cluster.sdk_a.users_info, "presence-room")
    assert sorted(u["id"] for u in users["users"]) == ["ann", "bob"]
    await cluster.sink.events.wait_for(lambda e: e["name"] == "member_added", count=2)

    # A dies without a word: B finds out and Ann leaves, announced once.
    await cluster.a.kill()
    removed = await js.expect(type="event", client="bob", event="pusher:member_removed")
    assert removed["data"] == {"id": "ann", "info": {"name": "Ann"}}
    await cluster.sink.events.wait_for(lambda e: e["name"] == "member_removed")
    users = await call(cluster.sdk_b.users_info, "presence-room")
    assert users == {"users": [{"id": "bob"}]}
    info = await call(cluster.sdk_b.channel_info, "presence-room", ["user_count"])
    assert info == {"occupied": True, "user_count": 1}

    # Bob leaves: the channel is vacated, once. Every webhook went out exactly once.
    await js.send("unsubscribe", client="bob", channel="presence-room")
    await cluster.sink.events.wait_for(lambda e: e["name"] == "channel_vacated")
    await cluster.b.wait_webhooks()
    # (Webhooks from two processes reach the endpoint in no set order.)
    assert sorted((e["name"], e.get("user_id", "")) for e in cluster.sink.events) == [
        ("channel_occupied", ""), ("channel_vacated", ""), ("client_event", "ann"),
        ("member_added", "ann"), ("member_added", "bob"), ("member_removed", "ann"),
        ("member_removed", "bob")]


async def test_watchlists_across_processes_and_a_dead_process_users_go_offline(
        cluster: Cluster, js: PusherJs) -> None:
    await js.connected("ann", on(cluster.a.port), user="ann")
    await js.send("signin", client="ann")
    await js.expect(type="signin_done", client="ann")
    await js.connected("bob", on(cluster.b.port), user="bob", watchlist="ann")
    await js.send("signin", client="bob")
    await js.expect(type="signin_done", client="bob")
    # Ann (signed in on A) is online for Bob on B: in his first state, or announced.
    online = await js.expect(type="watchlist", client="bob", event="online")
    assert online["data"] == {"name": "online", "user_ids": ["ann"]}
    await cluster.a.kill()
    offline = await js.expect(type="watchlist", client="bob", event="offline")
    assert offline["data"] == {"name": "offline", "user_ids": ["ann"]}
    assert len(js.seen(type="watchlist", client="bob")) == 2
