"""The scenarios as a server SDK runs them: the SDK signs, publishes and queries; the
websocket side is wiretwin's own test client (:class:`~wiretwin.pusher.client.PusherTestClient`),
which subscribes with the SDK's signatures and reports what arrived.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from wiretwin.pusher.client import PusherTestClient

from .harness import TIMEOUT, PusherCase, decrypt


class PusherServerSdk(Protocol):
    """What a server SDK's driver does for the scenarios."""

    async def trigger(self, channels: list[str], event: str, data: Any) -> None: ...

    async def trigger_batch(self, events: list[dict[str, Any]]) -> None:
        """``events``: ``{"channel", "name", "data"}`` each (data: a JSON-able value)."""

    async def authorize_channel(self, socket_id: str, channel: str,
                                member: dict[str, Any] | None = None) -> dict[str, Any]:
        """The auth endpoint's answer: ``auth`` (and ``channel_data``, ``shared_secret``)."""

    async def authenticate_user(self, socket_id: str, user: dict[str, Any]
                                ) -> dict[str, Any]:
        """The user-auth endpoint's answer: ``auth`` and ``user_data``."""

    async def send_to_user(self, user_id: str, event: str, data: Any) -> None: ...

    async def channels(self, prefix: str, info: list[str]) -> dict[str, Any]:
        """GET /channels: the answer's body."""

    async def channel(self, channel: str, info: list[str]) -> dict[str, Any]:
        """GET /channels/{name}: the answer's body."""

    async def users(self, channel: str) -> list[str]:
        """GET /channels/{name}/users: the user ids."""


Body = Callable[[PusherCase, PusherServerSdk], Awaitable[None]]


async def _client(case: PusherCase) -> PusherTestClient:
    return await case.test_client()


async def _subscribe(sdk: PusherServerSdk, client: PusherTestClient, channel: str,
                     member: dict[str, Any] | None = None) -> dict[str, Any]:
    assert client.socket_id is not None
    auth = await sdk.authorize_channel(client.socket_id, channel, member)
    await client.subscribe(channel, auth=auth["auth"], channel_data=auth.get("channel_data"),
                           timeout=TIMEOUT)
    return auth


async def _received(client: PusherTestClient, channel: str, event: str) -> Any:
    return (await client.wait_for(event, channel=channel, timeout=TIMEOUT))[0].data


async def subscribe_private(case: PusherCase, sdk: PusherServerSdk) -> None:
    client = await _client(case)
    await _subscribe(sdk, client, "private-orders")
    await sdk.trigger(["private-orders"], "greeting", {"hello": "private"})
    assert await _received(client, "private-orders", "greeting") == {"hello": "private"}


async def subscribe_presence(case: PusherCase, sdk: PusherServerSdk) -> None:
    channel = "presence-room"
    alice, bob = await _client(case), await _client(case)
    await _subscribe(sdk, alice, channel, {"user_id": "alice", "user_info": {"name": "Alice"}})
    await _subscribe(sdk, bob, channel, {"user_id": "bob", "user_info": {"name": "Bob"}})
    joined = await _received(alice, channel, "pusher_internal:member_added")
    assert joined == {"user_id": "bob", "user_info": {"name": "Bob"}}, joined
    (welcome,) = bob.received("pusher_internal:subscription_succeeded", channel=channel)
    assert welcome.data["presence"]["hash"] == {"alice": {"name": "Alice"},
                                                "bob": {"name": "Bob"}}, welcome.data


async def subscribe_encrypted(case: PusherCase, sdk: PusherServerSdk) -> None:
    channel = "private-encrypted-vault"
    client = await _client(case)
    auth = await _subscribe(sdk, client, channel)
    assert auth.get("shared_secret"), f"no shared_secret in {auth}"
    await sdk.trigger([channel], "sealed", {"secret": "plaintext-42"})
    sealed = await _received(client, channel, "sealed")
    assert "plaintext-42" not in json.dumps(sealed), "the SDK sent plaintext"
    assert decrypt(auth["shared_secret"], sealed) == {"secret": "plaintext-42"}


async def server_trigger(case: PusherCase, sdk: PusherServerSdk) -> None:
    client = await _client(case)
    for channel in ("news", "sport"):
        await client.subscribe(channel, timeout=TIMEOUT)
    await sdk.trigger(["news", "sport"], "headline", {"n": 1})
    assert await _received(client, "news", "headline") == {"n": 1}
    assert await _received(client, "sport", "headline") == {"n": 1}


async def batch_trigger(case: PusherCase, sdk: PusherServerSdk) -> None:
    client = await _client(case)
    await client.subscribe("news", timeout=TIMEOUT)
    await _subscribe(sdk, client, "private-orders")
    await sdk.trigger_batch([
        {"channel": "news", "name": "first", "data": {"i": 1}},
        {"channel": "private-orders", "name": "second", "data": {"i": 2}},
        {"channel": "news", "name": "third", "data": {"i": 3}},
    ])
    await client.wait_for("third", channel="news", timeout=TIMEOUT)
    got = [(m.event, m.data) for m in client.received()
           if m.event in ("first", "second", "third")]
    assert got == [("first", {"i": 1}), ("second", {"i": 2}), ("third", {"i": 3})], got


async def user_events(case: PusherCase, sdk: PusherServerSdk) -> None:
    client = await _client(case)
    assert client.socket_id is not None
    signed = await sdk.authenticate_user(client.socket_id,
                                         {"id": "alice", "user_info": {"name": "Alice"}})
    await client.send({"event": "pusher:signin",
                       "data": {"auth": signed["auth"], "user_data": signed["user_data"]}})
    reply = (await client.messages.wait_for(
        lambda m: m.event in ("pusher:signin_success", "pusher:error"), timeout=TIMEOUT))[0]
    assert reply.event == "pusher:signin_success", f"sign-in refused: {reply.data}"
    # What a client library does next: subscribe to the user's own channel.
    await client.subscribe("#server-to-user-alice", timeout=TIMEOUT)
    await sdk.send_to_user("alice", "notice", {"text": "hi alice"})
    got = (await client.wait_for("notice", timeout=TIMEOUT))[0]
    assert got.channel == "#server-to-user-alice" and got.data == {"text": "hi alice"}, got


async def cache_channel(case: PusherCase, sdk: PusherServerSdk) -> None:
    await sdk.trigger(["cache-prices"], "tick", {"price": 10})
    await sdk.trigger(["cache-prices"], "tick", {"price": 11})
    client = await _client(case)
    await client.subscribe("cache-prices", timeout=TIMEOUT)
    assert await _received(client, "cache-prices", "tick") == {"price": 11}


async def channel_info(case: PusherCase, sdk: PusherServerSdk) -> None:
    alice, bob = await _client(case), await _client(case)
    await alice.subscribe("news", timeout=TIMEOUT)
    for client, user in ((alice, "alice"), (bob, "bob")):
        await _subscribe(sdk, client, "presence-room", {"user_id": user, "user_info": {}})
    listed = await sdk.channels("presence-", ["user_count"])
    assert listed == {"channels": {"presence-room": {"user_count": 2}}}, listed
    everything = await sdk.channels("", [])
    assert set(everything["channels"]) == {"news", "presence-room"}, everything
    news = await sdk.channel("news", [])
    assert news.get("occupied") is True, news
    room = await sdk.channel("presence-room", ["user_count"])
    assert room.get("occupied") is True and room.get("user_count") == 2, room
    assert sorted(await sdk.users("presence-room")) == ["alice", "bob"]


SERVER_SCENARIOS: dict[str, Body] = {
    "subscribe-private": subscribe_private,
    "subscribe-presence": subscribe_presence,
    "subscribe-encrypted": subscribe_encrypted,
    "server-trigger": server_trigger,
    "batch-trigger": batch_trigger,
    "user-events": user_events,
    "cache-channel": cache_channel,
    "channel-info": channel_info,
}

__all__ = ["SERVER_SCENARIOS", "PusherServerSdk"]
