"""The small Redis client the Pusher twin scales out with, against a real redis-server."""

from __future__ import annotations

import asyncio

import pytest

from tests.redis_server import redis_server, redis_url
from wiretwin.runtime.resp import (
    RedisAddress,
    RedisConnection,
    RedisConnectionError,
    RedisError,
    encode_command,
)

__all__ = ["redis_server", "redis_url"]


def test_urls() -> None:
    assert RedisAddress.parse("redis://127.0.0.1:7000/3") == RedisAddress(
        "127.0.0.1", 7000, 3, None)
    assert RedisAddress.parse("redis://:s%40cret@example:6380") == RedisAddress(
        "example", 6380, 0, "s@cret")
    with pytest.raises(ValueError, match="redis:"):
        RedisAddress.parse("http://127.0.0.1/")


def test_commands_are_resp_arrays() -> None:
    assert encode_command(("SET", "k", 1)) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n"


async def test_commands_scripts_and_pubsub(redis_url: str) -> None:
    address = RedisAddress.parse(redis_url)
    got: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    conn = RedisConnection(address, name="wiretwin-test")
    sub = RedisConnection(address, on_message=lambda ch, msg: got.put_nowait((ch, msg)))
    await conn.open()
    await sub.open()
    try:
        # Sent without awaiting, answered in order.
        first = conn.send("SET", "k", "é")
        second = conn.send("GET", "k")
        assert await first == "OK"
        assert await second == "é"
        assert await conn.call("GET", "missing") is None
        assert await conn.call("HINCRBY", "h", "f", 2) == 2
        assert await conn.call("EVAL", "return {1, 'a', redis.call('GET', KEYS[1])}", 1,
                               "k") == [1, "a", "é"]
        with pytest.raises(RedisError, match="WRONGTYPE"):
            await conn.call("GET", "h")
        assert "name=wiretwin-test" in await conn.call("CLIENT", "LIST")
        await sub.call("SUBSCRIBE", "bus")
        assert await conn.call("PUBLISH", "bus", "hello") == 1
        assert await asyncio.wait_for(got.get(), 5) == ("bus", "hello")
    finally:
        await conn.close()
        await sub.close()
    with pytest.raises(RedisError):
        await conn.send("PING")


async def test_a_connection_with_too_many_unanswered_commands_is_lost_once(
        redis_url: str) -> None:
    lost: list[str] = []
    conn = RedisConnection(RedisAddress.parse(redis_url), max_pending=3,
                           on_lost=lambda: lost.append("lost"))
    await conn.open()
    try:
        assert conn.client_id is not None and conn.client_addr is not None
        # Written in one turn of the loop: nothing can be answered before the fourth.
        sent = [conn.send("PING") for _ in range(5)]
        assert lost == ["lost"] and not conn.connected and conn.pending == 0
        for future in sent:
            with pytest.raises(RedisConnectionError, match="3 commands unanswered"):
                await future
        with pytest.raises(RedisConnectionError):
            await conn.call("PING")
        assert lost == ["lost"]
    finally:
        await conn.close()


async def test_a_server_that_never_answers_fails_the_opening_in_time() -> None:
    hung_up = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # reads until the client hangs up, never answers
        writer.close()
        await writer.wait_closed()
        hung_up.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        conn = RedisConnection(RedisAddress.parse(f"redis://127.0.0.1:{port}"), name="x")
        with pytest.raises(TimeoutError):
            await conn.open(timeout=0.2)
        assert not conn.connected
        await asyncio.wait_for(hung_up.wait(), 5)  # the failed opening closed its socket
    finally:
        server.close()
        await server.wait_closed()
