"""Pusher twins sharing their apps through a real Redis (scale-out): two twins in this
event loop, each on its own port, and the twin's own websocket test client.

"Exactly once" without sleeping: after the event under test, a marker event is sent the
same way from the same place; once the marker has arrived, so has any copy of the event
(Redis and each socket keep order), so the count can be asserted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession

from tests.redis_server import RedisServer, redis_server, redis_url
from wiretwin.pusher import PusherTwin
from wiretwin.pusher.client import PusherTestClient
from wiretwin.pusher.model import ChannelCount

from .hook_sink import HookSink, Twins, clients_fixture, cluster_twins, sink_fixture

__all__ = ["clients_fixture", "redis_server", "redis_url", "sink_fixture"]



@pytest.fixture
async def twins(redis_url: str, sink: HookSink) -> AsyncIterator[Twins]:
    async with cluster_twins(redis_url, sink) as make:
        yield make


async def handled(client: PusherTestClient) -> None:
    """Wait until the twin has handled every frame ``client`` sent (ping, then pong)."""
    mark = len(client.received("pusher:pong"))
    await client.send({"event": "pusher:ping", "data": {}})
    await client.wait_for("pusher:pong", count=mark + 1)


async def settle(*twins: PusherTwin) -> None:
    """Every change the twins sent was answered by Redis, and its webhooks sent."""
    for twin in twins:
        await twin.wait_webhooks()


async def test_http_events_reach_every_twin_once(twins: Twins, clients: Any) -> None:
    a, b = await twins(), await twins()
    on_a, on_b = await clients(a), await clients(b)
    await on_a.subscribe("news")
    await on_b.subscribe("news")
    b_only = await clients(b)
    await b_only.subscribe("news")
    # Published on A with B's socket excluded (socket_id of a connection on the other twin).
    a.trigger("news", "story", {"n": 1}, socket_id=b_only.socket_id)
    a.trigger("news", "marker", {})
    for client in (on_a, on_b, b_only):
        await client.wait_for("marker", channel="news")
    assert len(on_a.received("story")) == 1
    assert len(on_b.received("story")) == 1
    assert b_only.received("story") == []
    assert on_b.received("story")[0].data == {"n": 1}


async def test_client_events_cross_twins(twins: Twins, clients: Any) -> None:
    a, b = await twins(), await twins()
    sender, here, there = await clients(a), await clients(a), await clients(b)
    for client in (sender, here, there):
        await client.subscribe("private-room")
    await sender.trigger("private-room", "client-typing", {"who": "ann"})
    await sender.trigger("private-room", "client-marker", {})
    for client in (here, there):
        await client.wait_for("client-marker")
        assert [m.data for m in client.received("client-typing")] == [
            {"who": "ann"}]
    assert sender.received("client-typing") == []


async def test_user_messages_and_termination_cross_twins(twins: Twins, clients: Any
                                                         ) -> None:
    a, b = await twins(), await twins()
    ann_a, ann_b = await clients(a), await clients(b)
    for client in (ann_a, ann_b):
        await client.signin("ann")
        await client.subscribe("#server-to-user-ann")
    a.trigger("#server-to-user-ann", "hello", {"to": "ann"})
    for client in (ann_a, ann_b):
        await client.wait_for("hello")
    assert a.terminate_user_connections("ann") == 1  # the one on this twin
    assert await ann_a.wait_closed() == 4009
    assert await ann_b.wait_closed() == 4009


async def test_presence_is_cluster_wide(twins: Twins, clients: Any, sink: HookSink
                                        ) -> None:
    a, b = await twins(), await twins()
    ann, bob = await clients(a), await clients(b)
    await ann.subscribe("presence-lobby", user_id="ann", user_info={"name": "Ann"})
    joined = await bob.subscribe("presence-lobby", user_id="bob", user_info={"name": "Bob"})
    assert joined is not None
    roster = joined.data["presence"]
    if "ann" not in roster["ids"]:
        # Ann's arrival may still have been on its way to B: then it is announced.
        await bob.wait_for("pusher_internal:member_added")
    else:
        assert roster["hash"]["ann"] == {"name": "Ann"}
    [added] = await ann.wait_for("pusher_internal:member_added")
    assert added.data == {"user_id": "bob", "user_info": {"name": "Bob"}}
    # Ann again, through B: not announced a second time anywhere.
    ann_again = await clients(b)
    await ann_again.subscribe("presence-lobby", user_id="ann", user_info={"name": "Ann"})
    await handled(ann_again)
    await settle(a, b)
    assert await a.cluster_counts(a.app, ["presence-lobby"]) == {
        "presence-lobby": ChannelCount(3, 2)}
    assert sorted(a.members("presence-lobby")) == ["ann", "bob"]
    # Ann leaves A; she is still there through B: no member_removed yet.
    await ann.unsubscribe("presence-lobby")
    await handled(ann)
    await ann_again.unsubscribe("presence-lobby")
    [removed] = await bob.wait_for("pusher_internal:member_removed")
    assert removed.data == {"user_id": "ann"}
    assert len(bob.received("pusher_internal:member_removed")) == 1
    await settle(a, b)
    # (Two twins' webhooks reach the endpoint in no set order.)
    assert sorted(e["user_id"] for e in sink.named("member_added")) == ["ann", "bob"]
    assert [e["user_id"] for e in sink.named("member_removed")] == ["ann"]
    assert len(sink.named("channel_occupied")) == 1
    assert sink.named("channel_vacated") == []
    await bob.unsubscribe("presence-lobby")
    await sink.events.wait_for(lambda e: e["name"] == "channel_vacated")
    await settle(a, b)
    assert sorted(e["name"] for e in sink.events) == [
        "channel_occupied", "channel_vacated", "member_added", "member_added",
        "member_removed", "member_removed"]


async def test_channel_queries_are_cluster_wide(twins: Twins, clients: Any) -> None:
    a, b = await twins(), await twins()
    one, two, three = await clients(a), await clients(b), await clients(b)
    await one.subscribe("news")
    await two.subscribe("news")
    await three.subscribe("presence-room", user_id="zed")
    # Both subscribers hear the cluster's count (pusher_internal:subscription_count).
    for client in (one, two):
        await client.messages.wait_for(
            lambda m: m.event == "pusher_internal:subscription_count"
            and m.data == {"subscription_count": 2})
    await settle(a, b)
    async with ClientSession() as http:
        for twin in (a, b):  # the admin API answers with the cluster's numbers
            admin = twin.http_url("/_wiretwin/pusher/channels")
            async with http.get(admin) as response:
                assert await response.json() == {"channels": {"news": {}, "presence-room": {}}}
            async with http.get(admin + "/news", params={"info": "subscription_count"}
                                ) as response:
                assert await response.json() == {"occupied": True, "subscription_count": 2}
            async with http.get(admin + "/presence-room", params={"info": "user_count"}
                                ) as response:
                assert await response.json() == {"occupied": True, "user_count": 1,
                                                 "members": {"zed": None}}


async def test_a_twin_that_joins_later_knows_the_cluster(twins: Twins, clients: Any
                                                         ) -> None:
    a = await twins()
    ann = await clients(a)
    await ann.subscribe("presence-lobby", user_id="ann")
    a.trigger("cache-scores", "score", {"home": 1})
    await settle(a)
    b = await twins()  # starts after: reads the rosters and the cache from Redis
    bob = await clients(b)
    joined = await bob.subscribe("presence-lobby", user_id="bob")
    assert joined is not None and joined.data["presence"]["ids"] == ["ann", "bob"]
    await bob.subscribe("cache-scores")
    [cached] = await bob.wait_for("score", channel="cache-scores")
    assert cached.data == {"home": 1}
    # B stops cleanly: Bob leaves at once, everywhere.
    await b.stop()
    [removed] = await ann.wait_for("pusher_internal:member_removed")
    assert removed.data == {"user_id": "bob"}
    assert a.members("presence-lobby") == {"ann": None}


async def test_a_snapshot_holds_only_this_twins_members(twins: Twins, clients: Any) -> None:
    a, b = await twins(), await twins()
    b.add_member("presence-lobby", "zed", {"name": "Zed"})
    ann = await clients(a)
    joined = await ann.subscribe("presence-lobby", user_id="ann")
    if joined is not None and "zed" not in joined.data["presence"]["ids"]:
        await ann.wait_for("pusher_internal:member_added")
    # Zed is B's (socketless) member; A's snapshot holds only who joined through A.
    assert [m["user_id"] for m in a.snapshot()["members"]] == ["ann"]
    assert [m["user_id"] for m in b.snapshot()["members"]] == ["zed"]


async def test_watchlists_see_users_on_every_twin(twins: Twins, clients: Any) -> None:
    a, b = await twins(), await twins()
    ann, bob = await clients(a), await clients(b)
    await ann.signin("ann", watchlist=["bob"])
    await bob.signin("bob")
    [online] = await ann.wait_for("pusher_internal:watchlist_events")
    assert online.data == {"events": [{"name": "online", "user_ids": ["bob"]}]}
    # Signing in on B with Ann (on A) watched: she is online, once (in the first state
    # sent, or announced right after if her sign-in was still on its way to B).
    await settle(a)
    cat = await clients(b)
    await cat.signin("cat", watchlist=["ann"])
    [state] = await cat.wait_for("pusher_internal:watchlist_events")
    assert state.data == {"events": [{"name": "online", "user_ids": ["ann"]}]}
    # A second connection of Bob's, on A: he is online already, nobody is told again.
    bob_again = await clients(a)
    await bob_again.signin("bob")
    # (Redis counts Bob's second connection before his first goes: the two twins' writes
    # could otherwise reach Redis in either order.)
    await settle(a)
    await bob.close()
    await bob_again.close()
    [_, offline] = await ann.wait_for("pusher_internal:watchlist_events", count=2)
    assert offline.data == {"events": [{"name": "offline", "user_ids": ["bob"]}]}
    assert len(ann.received("pusher_internal:watchlist_events")) == 2


async def test_a_twin_whose_redis_goes_away_keeps_serving_alone(clients: Any) -> None:
    server = RedisServer()
    server.start()
    try:
        twin = PusherTwin(cluster=server.url)
        await twin.start()
        try:
            client = await clients(twin)
            await client.subscribe("news")
            lost = asyncio.Event()
            assert twin.cluster is not None
            twin.cluster.on_lost = lost.set
            server.stop()
            await asyncio.wait_for(lost.wait(), 10)
            assert not twin.cluster.active
            twin.trigger("news", "still-here", {})
            await client.wait_for("still-here")
            assert twin.channel_info("news") == {"occupied": True}
        finally:
            await twin.stop()
    finally:
        server.stop()
