"""Pusher twins in a Redis cluster losing Redis and getting it back: a private
``redis-server`` per test, stopped and started again on its port (empty), frozen
(SIGSTOP, as a server that hangs), or closed to one twin (a password set while that
twin's connections are cut, so only it cannot come back until the password goes).

No sleeping: the tests wait for the twins' link state (``wait_cluster``), for frames and
webhooks. After a twin comes back, an event published through each twin is a marker:
once it reached the other twin's client, that twin has applied everything the cluster
said before it (Redis and each socket keep order).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pusher
import pytest
from aiohttp import ClientSession

from tests.redis_server import RedisServer
from wiretwin.pusher import PusherTwin
from wiretwin.pusher.client import PusherTestClient
from wiretwin.pusher.cluster_link import LinkState
from wiretwin.pusher.model import ChannelCount
from wiretwin.runtime.resp import RedisAddress, RedisConnection

from .hook_sink import (
    Clients,
    HookSink,
    Twins,
    clients_fixture,
    cluster_twins,
    private_redis,
    sink_fixture,
)
from .pusher_js import call

__all__ = ["clients_fixture", "private_redis", "sink_fixture"]

CLUSTER_LOG = "wiretwin.pusher.cluster"


@pytest.fixture
async def twins(redis: RedisServer, sink: HookSink) -> AsyncIterator[Twins]:
    async with cluster_twins(redis.url, sink, cluster_reconnect=(0.01, 0.1)) as make:
        yield make


async def both(state: LinkState, *twins: PusherTwin) -> None:
    for twin in twins:
        await twin.wait_cluster(state)


async def restart(redis: RedisServer, *twins: PusherTwin) -> None:
    """Stop Redis, then start it again on its port, empty; wait until every twin is back."""
    redis.stop()
    await both("down", *twins)
    redis.start(same_port=True)
    await both("up", *twins)


async def crossed(a: PusherTwin, on_a: PusherTestClient, b: PusherTwin,
                  on_b: PusherTestClient, channel: str = "news") -> None:
    """A marker published through each twin reached the other twin's client."""
    mark = len(on_b.received("marker")), len(on_a.received("marker"))
    a.trigger(channel, "marker", {})
    b.trigger(channel, "marker", {})
    await on_b.wait_for("marker", count=mark[0] + 2)
    await on_a.wait_for("marker", count=mark[1] + 2)


async def redis_command(redis: RedisServer, *args: str) -> Any:
    conn = RedisConnection(RedisAddress.parse(redis.url))
    await conn.open()
    try:
        return await conn.call(*args)
    finally:
        await conn.close()


async def shut_out(redis: RedisServer, node: str) -> None:
    """Only ``node`` loses Redis: a password (the others' connections stay signed in),
    and ``node``'s connections cut."""
    conn = RedisConnection(RedisAddress.parse(redis.url))
    await conn.open()
    try:
        listing = await conn.call("CLIENT", "LIST")
        await conn.call("CONFIG", "SET", "requirepass", "let-me-in")
        for line in listing.splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            if fields.get("name") == f"wiretwin-pusher-{node}":
                await conn.call("CLIENT", "KILL", "ID", fields["id"])
    finally:
        await conn.close()


async def let_in(redis: RedisServer) -> None:
    conn = RedisConnection(RedisAddress.parse(redis.url.replace("//", "//:let-me-in@")))
    await conn.open()
    try:
        await conn.call("CONFIG", "SET", "requirepass", "")
    finally:
        await conn.close()


def hooks(sink: HookSink) -> list[tuple[str, str, str]]:
    return sorted((e["name"], e["channel"], e.get("user_id", "")) for e in sink.events
                  if e["name"] != "subscription_count")


async def test_a_twin_serves_alone_while_redis_is_away_and_shares_again_once_back(
        redis: RedisServer, twins: Twins, clients: Clients) -> None:
    a, b = await twins(), await twins()
    on_a, on_b = await clients(a), await clients(b)
    await on_a.subscribe("news")
    await on_b.subscribe("news")
    redis.stop()
    await both("down", a, b)
    # Alone, A still delivers to its own clients, subscribes and keeps presence rosters.
    a.trigger("news", "alone", {"n": 1})
    await on_a.wait_for("alone")
    ann, cat = await clients(a), await clients(a)
    await ann.subscribe("presence-room", user_id="ann")
    await cat.subscribe("presence-room", user_id="cat")
    [added] = await ann.wait_for("pusher_internal:member_added")
    assert added.data == {"user_id": "cat"}
    assert a.channel_info("news", ["subscription_count"]) == {
        "occupied": True, "subscription_count": 1}  # this twin's own, while alone
    async with ClientSession() as http, http.get(
            a.http_url("/_wiretwin/pusher/cluster")) as response:
        status = await response.json()
    assert status["link"] == "down" and status["outages"] == 1
    assert status["unshared"] >= 3 and status["pending"] == 0

    redis.start(same_port=True)
    await both("up", a, b)
    # Together again: A's events reach B's subscriber, and B sees A's presence members.
    a.trigger("news", "together", {"n": 2})
    [together] = await on_b.wait_for("together")
    assert together.data == {"n": 2}
    assert on_b.received("alone") == []  # published while Redis was away: A's alone
    await crossed(a, on_a, b, on_b)
    assert sorted(b.members("presence-room")) == ["ann", "cat"]
    assert await b.cluster_counts(b.app) == {"news": ChannelCount(2, 0),
                                             "presence-room": ChannelCount(2, 2)}
    status = a.cluster.status() if a.cluster is not None else {}
    assert status["link"] == "up" and status["reconnects"] == 1 and status["error"] is None


async def test_presence_rosters_and_counts_come_back_after_redis_restarts_empty(
        redis: RedisServer, twins: Twins, clients: Clients, sink: HookSink) -> None:
    a, b = await twins(), await twins()
    ann, bob = await clients(a), await clients(b)
    await ann.subscribe("presence-lobby", user_id="ann", user_info={"name": "Ann"})
    await bob.subscribe("presence-lobby", user_id="bob", user_info={"name": "Bob"})
    b.add_member("presence-lobby", "zed", {"name": "Zed"})  # a member with no socket
    on_a, on_b = await clients(a), await clients(b)
    await on_a.subscribe("news")
    await on_b.subscribe("news")
    await crossed(a, on_a, b, on_b)
    await a.wait_webhooks()
    await b.wait_webhooks()
    before = hooks(sink)
    assert before == [("channel_occupied", "news", ""),
                      ("channel_occupied", "presence-lobby", ""),
                      ("member_added", "presence-lobby", "ann"),
                      ("member_added", "presence-lobby", "bob"),
                      ("member_added", "presence-lobby", "zed")]

    await restart(redis, a, b)
    await crossed(a, on_a, b, on_b)
    for twin in (a, b):  # the HTTP API, through the pusher SDK, on each twin
        sdk = pusher.Pusher(**twin.settings()["pusher"])
        users = await call(sdk.users_info, "presence-lobby")
        assert sorted(u["id"] for u in users["users"]) == ["ann", "bob", "zed"]
        info = await call(sdk.channel_info, "presence-lobby", ["user_count"])
        assert info == {"occupied": True, "user_count": 3}
        info = await call(sdk.channel_info, "news", ["subscription_count"])
        assert info == {"occupied": True, "subscription_count": 2}
        assert sorted(twin.members("presence-lobby")) == ["ann", "bob", "zed"]
    # Nothing was announced again: the endpoint knew every channel and member already.
    await a.wait_webhooks()
    await b.wait_webhooks()
    assert hooks(sink) == before
    assert bob.received("pusher_internal:member_removed") == []

    # The counts are whole again: Ann leaving is news once, the channel stays occupied.
    await ann.unsubscribe("presence-lobby")
    [removed] = await bob.wait_for("pusher_internal:member_removed")
    assert removed.data == {"user_id": "ann"}
    await a.wait_webhooks()
    assert hooks(sink) == sorted([*before, ("member_removed", "presence-lobby", "ann")])


async def test_what_changed_while_one_twin_was_shut_out_is_announced_once(
        redis: RedisServer, twins: Twins, clients: Clients, sink: HookSink) -> None:
    # B does not sweep: A is not taken for dead, and comes back to its own share.
    a, b = await twins(cluster_node="a"), await twins(cluster_node="b", cluster_sweep=3600)
    bob = await clients(b)
    await bob.subscribe("presence-room", user_id="bob")
    ann, solo = await clients(a), await clients(a)
    await ann.subscribe("presence-room", user_id="ann")
    await bob.wait_for("pusher_internal:member_added")
    await solo.subscribe("solo")
    await a.wait_webhooks()
    await b.wait_webhooks()
    before = hooks(sink)

    await shut_out(redis, "a")
    await a.wait_cluster("down")
    await solo.unsubscribe("solo")  # the channel is vacated: nobody can say so yet
    await ann.unsubscribe("presence-room")
    carl = await clients(a)
    await carl.subscribe("presence-room", user_id="carl")
    await a.wait_webhooks()
    assert hooks(sink) == before
    await let_in(redis)
    await a.wait_cluster("up")

    # B's subscriber hears who came and went; each change went out once.
    await bob.wait_for("pusher_internal:member_added", count=2)
    await bob.wait_for("pusher_internal:member_removed")
    await crossed(a, carl, b, bob, "presence-room")
    assert [m.data["user_id"] for m in bob.received("pusher_internal:member_added")] == [
        "ann", "carl"]
    assert [m.data for m in bob.received("pusher_internal:member_removed")] == [
        {"user_id": "ann"}]
    await a.wait_webhooks()
    assert hooks(sink) == sorted([*before, ("channel_vacated", "solo", ""),
                                  ("member_added", "presence-room", "carl"),
                                  ("member_removed", "presence-room", "ann")])
    assert await b.cluster_counts(b.app) == {"presence-room": ChannelCount(2, 2)}


async def test_a_twin_taken_for_dead_while_shut_out_joins_again(
        redis: RedisServer, twins: Twins, clients: Clients, sink: HookSink) -> None:
    a, b = await twins(cluster_node="a"), await twins(cluster_node="b", cluster_sweep=0.05)
    ann, bob = await clients(a), await clients(b)
    await bob.subscribe("presence-room", user_id="bob")
    await ann.subscribe("presence-room", user_id="ann")
    await bob.wait_for("pusher_internal:member_added")
    await a.wait_webhooks()
    await shut_out(redis, "a")
    # B cannot tell A from a dead twin: Ann leaves, everywhere but on A.
    [removed] = await bob.wait_for("pusher_internal:member_removed")
    assert removed.data == {"user_id": "ann"}
    assert sorted(a.members("presence-room")) == ["ann", "bob"]
    await let_in(redis)
    await a.wait_cluster("up")
    [_, added] = await bob.wait_for("pusher_internal:member_added", count=2)
    assert added.data == {"user_id": "ann"}
    await crossed(a, ann, b, bob, "presence-room")
    assert sorted(b.members("presence-room")) == ["ann", "bob"]
    assert await a.cluster_counts(a.app) == {"presence-room": ChannelCount(2, 2)}
    await a.wait_webhooks()
    await b.wait_webhooks()
    assert [(e["name"], e.get("user_id")) for e in sink.events
            if e.get("user_id") == "ann"] == [("member_added", "ann"),
                                               ("member_removed", "ann"),
                                               ("member_added", "ann")]


async def test_nothing_piles_up_while_redis_is_away_and_the_outage_is_logged_once(
        redis: RedisServer, twins: Twins, clients: Clients,
        caplog: pytest.LogCaptureFixture) -> None:
    a = await twins()
    on_a = await clients(a)
    await on_a.subscribe("news")
    caplog.set_level(logging.DEBUG, CLUSTER_LOG)
    redis.stop()
    await a.wait_cluster("down")
    for n in range(3000):
        a.trigger("news", "tick", {"n": n})
    await on_a.wait_for("tick", count=3000)
    assert a.cluster is not None
    status = a.cluster.status()
    assert status["unshared"] == 3000 and status["pending"] == 0
    redis.start(same_port=True)
    await a.wait_cluster("up")
    said = [r for r in caplog.records if r.name == CLUSTER_LOG and r.levelno >= logging.INFO]
    assert [r.levelname for r in said] == ["ERROR", "WARNING"]
    assert "was lost" in said[0].getMessage()
    assert "3000 change(s) made here meanwhile were not shared" in said[1].getMessage()


async def test_a_redis_that_hangs_is_let_go_past_the_pending_bound_and_caught_up_after(
        redis: RedisServer, twins: Twins, clients: Clients) -> None:
    a = await twins(cluster_pending=200)
    on_a, late = await clients(a), await clients(a)
    await on_a.subscribe("news")
    await a.wait_webhooks()
    redis.pause()
    await late.subscribe("extra")  # written to a Redis that does not read
    for n in range(500):
        a.trigger("news", "tick", {"n": n})
    await a.wait_cluster("down")  # at the 201st command waiting for an answer
    status = a.cluster.status() if a.cluster is not None else {}
    assert status["pending"] == 0 and status["unshared"] == 300  # (the rest: nothing kept)
    await on_a.wait_for("tick", count=500)
    redis.resume()
    await a.wait_cluster("up")
    await a.wait_webhooks()
    assert await a.cluster_counts(a.app) == {"news": ChannelCount(1, 0),
                                             "extra": ChannelCount(1, 0)}


async def test_a_redis_that_kept_its_data_gets_no_change_twice(
        redis: RedisServer, twins: Twins, clients: Clients, sink: HookSink) -> None:
    # No sweeping: the twins come back one after the other, each finding the other's
    # share as Redis saved it.
    a, b = await twins(cluster_sweep=3600), await twins(cluster_sweep=3600)
    ann, bob = await clients(a), await clients(b)
    await ann.subscribe("presence-room", user_id="ann")
    await bob.subscribe("news")
    await a.wait_webhooks()
    await b.wait_webhooks()
    before = hooks(sink)
    redis.stop(save=True)
    await both("down", a, b)
    redis.start(same_port=True)
    await both("up", a, b)
    await a.wait_webhooks()
    await b.wait_webhooks()
    assert hooks(sink) == before
    assert await a.cluster_counts(a.app) == {"news": ChannelCount(1, 0),
                                             "presence-room": ChannelCount(1, 1)}


async def test_a_twin_that_does_not_come_back_is_let_go_after_the_grace_period(
        redis: RedisServer, twins: Twins, clients: Clients) -> None:
    a, b = await twins(cluster_sweep=0.05), await twins(cluster_sweep=0.05)
    ann, bob = await clients(a), await clients(b)
    await ann.subscribe("presence-room", user_id="ann")
    await bob.subscribe("presence-room", user_id="bob")
    await ann.wait_for("pusher_internal:member_added")
    redis.stop()
    await both("down", a, b)
    await b.stop()  # while Redis is away: it cannot say goodbye
    redis.start(same_port=True)
    await a.wait_cluster("up")
    # Redis lost everything: A cannot tell B is gone until B has had time to come back.
    assert sorted(a.members("presence-room")) == ["ann", "bob"]
    [removed] = await ann.wait_for("pusher_internal:member_removed")
    assert removed.data == {"user_id": "bob"}
    assert await a.cluster_counts(a.app) == {"presence-room": ChannelCount(1, 1)}


async def test_a_named_twin_started_again_after_dying_replaces_what_it_held(
        redis: RedisServer, twins: Twins, clients: Clients, sink: HookSink) -> None:
    # B does not sweep: what A held is still in Redis when A starts again.
    old = await twins(cluster_node="a")
    b = await twins(cluster_node="b", cluster_sweep=3600)
    bob = await clients(b)
    await bob.subscribe("presence-room", user_id="bob")
    ann = await clients(old)
    await ann.subscribe("presence-room", user_id="ann")
    await bob.wait_for("pusher_internal:member_added")
    await old.wait_webhooks()
    await shut_out(redis, "a")
    await old.wait_cluster("down")
    await old.stop()  # gone without a word
    await let_in(redis)
    new = await twins(cluster_node="a")
    [removed] = await bob.wait_for("pusher_internal:member_removed")
    assert removed.data == {"user_id": "ann"}
    await new.wait_webhooks()
    assert [(e["name"], e.get("user_id")) for e in sink.events
            if e.get("user_id") == "ann"] == [("member_added", "ann"),
                                               ("member_removed", "ann")]
    assert await new.cluster_counts(new.app) == {"presence-room": ChannelCount(1, 1)}
