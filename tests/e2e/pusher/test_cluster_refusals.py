"""Pusher twins in a Redis cluster whose Redis answers with errors instead of going away:
out of memory under ``noeviction`` (writes refused), or its scripts flushed. Either way
the cluster's state stops holding what the twin has, so the twin takes it as losing
Redis: it serves its own clients alone, says why in its link state, and once Redis takes
its writes again writes its whole share back, so the cluster's counts and rosters are
whole again. No sleeping: the tests wait for link states and frames.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.redis_server import RedisServer
from wiretwin.pusher import PusherTwin
from wiretwin.pusher.model import ChannelCount

from .hook_sink import HookSink, Twins, cluster_twins, private_redis, serving_hook_sink
from .test_cluster_outage import redis_command

__all__ = ["private_redis"]


@pytest.fixture
async def twins(redis: RedisServer) -> AsyncIterator[Twins]:
    sink: HookSink
    async with serving_hook_sink() as sink, cluster_twins(
            redis.url, sink, cluster_reconnect=(0.01, 0.1)) as make:
        yield make


def link(twin: PusherTwin) -> dict[str, object]:
    assert twin.cluster is not None
    return twin.cluster.status()


async def test_a_change_redis_refuses_for_memory_is_written_back_once_it_has_room(
        redis: RedisServer, twins: Twins) -> None:
    a, b = await twins(cluster_node="a"), await twins(cluster_node="b")
    watcher = await b.connect()
    await watcher.subscribe("presence-room", user_id="b1")
    await redis_command(redis, "CONFIG", "SET", "maxmemory-policy", "noeviction")
    await redis_command(redis, "CONFIG", "SET", "maxmemory", "1")
    client = await a.connect()
    await client.subscribe("presence-room", user_id="a1")  # answered by a at once
    await client.subscribe("orders")
    await a.wait_cluster("down")
    assert "OOM" in str(link(a)["error"])
    await redis_command(redis, "CONFIG", "SET", "maxmemory", "0")
    await a.wait_cluster("up")
    await watcher.wait_for("pusher_internal:member_added", channel="presence-room")
    counts = await b.cluster_counts(b.app)
    assert counts == {"presence-room": ChannelCount(2, 2), "orders": ChannelCount(1, 0)}
    await client.close()
    await watcher.close()


async def test_flushed_scripts_are_loaded_again_and_queries_answered_meanwhile(
        redis: RedisServer, twins: Twins) -> None:
    a, b = await twins(cluster_node="a"), await twins(cluster_node="b")
    watcher = await b.connect()
    await watcher.subscribe("presence-room", user_id="b1")
    await redis_command(redis, "SCRIPT", "FLUSH")
    # The query's script is gone: answered from a's own state, not an error.
    # The query's script is gone: answered from a's own state (b's member in its
    # replica of the roster), not an error; and a reconnects to load its scripts again.
    assert await a.cluster_counts(a.app) == {"presence-room": ChannelCount(0, 1)}
    assert "NOSCRIPT" in str(link(a)["error"])
    await a.wait_cluster("up")
    client = await a.connect()
    await client.subscribe("presence-room", user_id="a1")
    await watcher.wait_for("pusher_internal:member_added", channel="presence-room")
    assert link(a)["outages"] == 1
    await client.close()
    await watcher.close()
