"""The scenarios as a websocket client library runs them.

Every client library's driver offers the same small API (:class:`PusherClient`), named
client instances being created per scenario; these functions say what each scenario
does with it and check what the library reported. Server events are published with the
real ``pusher`` SDK over the twin's HTTP API (:class:`~.harness.PusherCase`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from wiretwin.runtime.faults import Disconnect, Scope

from .harness import PusherCase


class PusherClient(Protocol):
    """What a client library's driver does for the scenarios (``client`` names an
    instance of the library, made by :meth:`connect`)."""

    async def connect(self, client: str, user: str = "") -> str:
        """A new connected instance (``user``: its presence and sign-in user id); its
        socket id."""

    async def subscribe(self, client: str, channel: str, events: tuple[str, ...] = ()
                        ) -> dict[str, Any]:
        """Subscribe and wait until the library says it succeeded; for a presence
        channel, the members it lists (user id to info). ``events`` come right after the
        subscription (a cache channel's last event, its cache miss): a library that binds
        by name must be listening for them before it subscribes."""

    async def event(self, client: str, channel: str, event: str) -> Any:
        """The next ``event`` on ``channel`` (its data, as the library hands it over,
        decrypted where the library decrypts)."""

    async def client_event(self, client: str, channel: str, event: str, data: Any) -> None:
        """Send a client event (``event`` starts with ``client-``)."""

    async def signin(self, client: str) -> None:
        """Sign in (user authentication) and wait until the library says it is done."""

    async def user_event(self, client: str, event: str) -> Any:
        """The next event sent to the signed-in user."""

    async def reconnected(self, client: str) -> str:
        """Wait for the next time the instance is connected; its socket id."""

    def saw(self, client: str, channel: str, event: str) -> bool:
        """Whether the instance has reported ``event`` on ``channel`` so far."""


Body = Callable[[PusherCase, PusherClient], Awaitable[None]]


def _name(data: Any) -> Any:
    return data.get("name") if isinstance(data, dict) else data


async def connect(case: PusherCase, lib: PusherClient) -> None:
    socket_id = await lib.connect("a")
    assert socket_id, "no socket id"
    assert case.twin.socket_ids() == [socket_id], (
        f"the twin has {case.twin.socket_ids()}, the library says {socket_id}")


async def _receive_on(case: PusherCase, lib: PusherClient, channel: str) -> str:
    socket_id = await lib.connect("a")
    await lib.subscribe("a", channel)
    assert case.twin.subscriptions(socket_id) == {channel}
    await case.trigger(channel, "greeting", {"hello": channel})
    got = await lib.event("a", channel, "greeting")
    assert got == {"hello": channel}, f"got {got!r}"
    return socket_id


async def subscribe_public(case: PusherCase, lib: PusherClient) -> None:
    await _receive_on(case, lib, "news")


async def subscribe_private(case: PusherCase, lib: PusherClient) -> None:
    await _receive_on(case, lib, "private-orders")


async def subscribe_presence(case: PusherCase, lib: PusherClient) -> None:
    channel = "presence-room"
    await lib.connect("a", user="alice")
    members = await lib.subscribe("a", channel)
    assert {k: _name(v) for k, v in members.items()} == {"alice": "Alice"}, members
    await lib.connect("b", user="bob")
    members = await lib.subscribe("b", channel)
    assert {k: _name(v) for k, v in members.items()} == {"alice": "Alice", "bob": "Bob"}, (
        members)
    joined = await lib.event("a", channel, "pusher:member_added")
    assert _name(joined) == "Bob", f"member_added: {joined!r}"


async def subscribe_encrypted(case: PusherCase, lib: PusherClient) -> None:
    await _receive_on(case, lib, "private-encrypted-vault")
    sealed = case.twin.recorder.assert_triggered("private-encrypted-vault", "greeting")
    assert "hello" not in sealed.data, "the twin relayed plaintext"


async def client_events(case: PusherCase, lib: PusherClient) -> None:
    channel = "private-chat"
    await lib.connect("a")
    await lib.subscribe("a", channel)
    await lib.connect("b")
    await lib.subscribe("b", channel)
    await lib.client_event("a", channel, "client-typing", {"who": "a"})
    got = await lib.event("b", channel, "client-typing")
    assert got == {"who": "a"}, f"got {got!r}"
    # A fence: a's socket gets frames in order, so an echo would have come before it.
    await case.trigger(channel, "fence", {})
    await lib.event("a", channel, "fence")
    assert not lib.saw("a", channel, "client-typing"), "the sender got its own event"


async def server_trigger(case: PusherCase, lib: PusherClient) -> None:
    await lib.connect("a")
    await lib.subscribe("a", "news")
    await lib.subscribe("a", "sport")
    await case.trigger(["news", "sport"], "headline", {"n": 1})
    assert await lib.event("a", "news", "headline") == {"n": 1}
    assert await lib.event("a", "sport", "headline") == {"n": 1}


async def batch_trigger(case: PusherCase, lib: PusherClient) -> None:
    await lib.connect("a")
    await lib.subscribe("a", "news")
    await lib.subscribe("a", "private-orders")
    await case.trigger_batch([
        {"channel": "news", "name": "first", "data": {"i": 1}},
        {"channel": "private-orders", "name": "second", "data": {"i": 2}},
        {"channel": "news", "name": "third", "data": {"i": 3}},
    ])
    assert await lib.event("a", "news", "first") == {"i": 1}
    assert await lib.event("a", "private-orders", "second") == {"i": 2}
    assert await lib.event("a", "news", "third") == {"i": 3}


async def user_events(case: PusherCase, lib: PusherClient) -> None:
    socket_id = await lib.connect("a", user="alice")
    await lib.signin("a")
    # After pusher:signin_success the library subscribes to the user's own channel;
    # an event sent before the twin confirmed it would (rightly) go nowhere.
    await case.subscribed(socket_id, "#server-to-user-alice")
    await case.send_to_user("alice", "notice", {"text": "hi alice"})
    got = await lib.user_event("a", "notice")
    assert got == {"text": "hi alice"}, f"got {got!r}"


async def cache_channel(case: PusherCase, lib: PusherClient) -> None:
    await lib.connect("a")
    await lib.subscribe("a", "cache-empty", events=("pusher:cache_miss",))
    await lib.event("a", "cache-empty", "pusher:cache_miss")
    await case.trigger("cache-prices", "tick", {"price": 10})
    await case.trigger("cache-prices", "tick", {"price": 11})
    await lib.subscribe("a", "cache-prices", events=("tick",))
    got = await lib.event("a", "cache-prices", "tick")
    assert got == {"price": 11}, f"the cached event was {got!r}"


async def _reconnect(case: PusherCase, lib: PusherClient, fault: Disconnect) -> None:
    first = await lib.connect("a")
    await lib.subscribe("a", "news")
    case.twin.faults.add(fault)
    await case.trigger("news", "kick", {})
    second = await lib.reconnected("a")
    assert second != first, "connected again with the old socket id"
    await case.subscribed(second, "news")
    await case.trigger("news", "after", {"back": True})
    assert await lib.event("a", "news", "after") == {"back": True}


async def reconnect_4200(case: PusherCase, lib: PusherClient) -> None:
    await _reconnect(case, lib, Disconnect(name="reconnect", code=4200, times=1,
                                           reason="Generic reconnect", scope=Scope(event="kick")))


async def reconnect_4201(case: PusherCase, lib: PusherClient) -> None:
    await _reconnect(case, lib, Disconnect(name="pong", code=4201, times=1,
                                           reason="Pong reply not received",
                                           scope=Scope(event="kick")))


async def reconnect_dropped(case: PusherCase, lib: PusherClient) -> None:
    await _reconnect(case, lib, Disconnect(name="drop", reset=True, times=1,
                                           scope=Scope(event="kick")))


CLIENT_SCENARIOS: dict[str, Body] = {
    "connect": connect,
    "subscribe-public": subscribe_public,
    "subscribe-private": subscribe_private,
    "subscribe-presence": subscribe_presence,
    "subscribe-encrypted": subscribe_encrypted,
    "client-events": client_events,
    "server-trigger": server_trigger,
    "batch-trigger": batch_trigger,
    "user-events": user_events,
    "cache-channel": cache_channel,
    "reconnect-4200": reconnect_4200,
    "reconnect-4201": reconnect_4201,
    "reconnect-dropped": reconnect_dropped,
}

__all__ = ["CLIENT_SCENARIOS", "PusherClient"]
