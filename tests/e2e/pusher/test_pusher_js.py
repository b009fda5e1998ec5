"""The real pusher-js 8.6.0 (Node build) against a running twin, end to end.

Each test starts one ``node js/driver.mjs`` process that hosts any number of named pusher-js
clients, sends it commands on stdin and waits on the JSON lines it prints (one per thing
pusher-js reported). Channel and user auth go through a real auth endpoint: a small aiohttp
app in the test's loop that answers with the ``pusher`` SDK's ``authenticate`` and
``authenticate_user``. Server events are published with the SDK over the twin's HTTP API.

Nothing sleeps: every wait is on a printed line or on the twin's recorder. Where a test
checks that something did *not* arrive (an echo of one's own client event), it waits for a
later "fence" event on the same socket instead: a socket receives frames in order, so
anything sent before the fence was printed before it.
"""

from __future__ import annotations

import pusher
import pytest

from wiretwin.pusher import App, PusherTwin

from .pusher_js import MASTER_KEY, TIMEOUT, AuthEndpoint, PusherJs, call

# -- scenarios ------------------------------------------------------------------------


async def test_connect_and_receive_on_public_private_encrypted_and_cache_channels(
    pusher_twin: PusherTwin, js: PusherJs, auth: AuthEndpoint, sdk: pusher.Pusher
) -> None:
    socket_a = await js.connected("a")
    assert pusher_twin.socket_ids() == [socket_a]
    await pusher_twin.recorder.wait_for_delivery(socket_a, event="pusher:connection_established",
                                                 timeout=TIMEOUT)

    channels = ["orders", "private-orders", "private-encrypted-vault", "cache-prices",
                "private-encrypted-cache-vault"]
    for channel in channels:
        await js.subscribed("a", channel)
    for channel in ("cache-prices", "private-encrypted-cache-vault"):
        await js.expect(type="event", client="a", channel=channel, event="pusher:cache_miss")
    assert pusher_twin.subscriptions(socket_a) == set(channels)

    # pusher-js asked the auth endpoint (form-encoded) for the three private channels only.
    assert sorted(r["channel_name"] for r in auth.channel_requests) == [
        "private-encrypted-cache-vault", "private-encrypted-vault", "private-orders"]
    assert {r["socket_id"] for r in auth.channel_requests} == {socket_a}
    assert auth.content_types == {"application/x-www-form-urlencoded"}

    await call(sdk.trigger, "orders", "order-created", {"id": 1})
    await call(sdk.trigger, "private-orders", "order-paid", {"id": 2, "total": "9.99"})
    # The SDK seals these with the channel's shared secret; pusher-js opens them.
    await call(sdk.trigger, "private-encrypted-vault", "sealed", {"secret": "plaintext-42"})
    await call(sdk.trigger, "cache-prices", "tick", {"price": 10})
    await call(sdk.trigger, "private-encrypted-cache-vault", "sealed-tick", {"price": 11})

    got = await js.expect(type="event", client="a", channel="orders", event="order-created")
    assert got["data"] == {"id": 1}
    got = await js.expect(type="event", client="a", channel="private-orders", event="order-paid")
    assert got["data"] == {"id": 2, "total": "9.99"}
    got = await js.expect(type="event", client="a", channel="private-encrypted-vault",
                          event="sealed")
    assert got["data"] == {"secret": "plaintext-42"}
    got = await js.expect(type="event", client="a", channel="cache-prices", event="tick")
    assert got["data"] == {"price": 10}
    got = await js.expect(type="event", client="a", channel="private-encrypted-cache-vault",
                          event="sealed-tick")
    assert got["data"] == {"price": 11}

    # The twin only relayed ciphertext: the plaintext never crossed it.
    sealed = pusher_twin.recorder.assert_triggered("private-encrypted-vault", "sealed")
    assert set(sealed.decoded) == {"nonce", "ciphertext"}
    assert "plaintext-42" not in sealed.data
    assert sealed.decrypt(MASTER_KEY) == {"secret": "plaintext-42"}

    # A second client subscribing to the cache channels gets the last events replayed
    # (decrypted, for the encrypted one) and no cache miss.
    socket_b = await js.connected("b")
    for channel in ("cache-prices", "private-encrypted-cache-vault"):
        await js.subscribed("b", channel)
    got = await js.expect(type="event", client="b", channel="cache-prices", event="tick")
    assert got["data"] == {"price": 10}
    got = await js.expect(type="event", client="b", channel="private-encrypted-cache-vault",
                          event="sealed-tick")
    assert got["data"] == {"price": 11}
    assert js.seen(type="event", client="b", event="pusher:cache_miss") == []
    assert pusher_twin.recorder.delivered(socket_b, event="pusher:cache_miss") == []

    # subscription_count is opt-in: this app did not opt in.
    assert js.seen(event="pusher:subscription_count") == []


async def test_presence_members_and_client_events_between_two_clients(
    pusher_twin: PusherTwin, js: PusherJs, sdk: pusher.Pusher
) -> None:
    socket_a = await js.connected("a", user="alice")
    socket_b = await js.connected("b", user="bob")

    joined = await js.subscribed("a", "presence-room", bind=["client-hello"])
    assert joined["data"]["count"] == 1
    assert joined["data"]["me"] == {"id": "alice", "info": {"name": "Alice"}}
    assert joined["data"]["members"] == {"alice": {"name": "Alice"}}

    joined = await js.subscribed("b", "presence-room", bind=["client-hello"])
    assert joined["data"]["count"] == 2
    assert joined["data"]["me"] == {"id": "bob", "info": {"name": "Bob"}}
    assert joined["data"]["members"] == {"alice": {"name": "Alice"}, "bob": {"name": "Bob"}}
    added = await js.expect(type="event", client="a", channel="presence-room",
                            event="pusher:member_added")
    assert added["data"] == {"id": "bob", "info": {"name": "Bob"}}
    assert pusher_twin.members("presence-room") == {"alice": {"name": "Alice"},
                                                    "bob": {"name": "Bob"}}

    await js.subscribed("a", "private-chat", bind=["client-typing"])
    await js.subscribed("b", "private-chat", bind=["client-typing"])

    # A client event on a private channel reaches the other client, without user_id.
    await js.send("trigger", client="a", channel="private-chat", event="client-typing",
                  data={"text": "hi bob"})
    assert (await js.expect(type="triggered", client="a"))["ok"] is True
    got = await js.expect(type="bound", client="b", channel="private-chat",
                          event="client-typing")
    assert got["data"] == {"text": "hi bob"}
    assert got["metadata"] == {}

    # ... and on a presence channel, with the sender's user_id in the metadata argument.
    await js.send("trigger", client="b", channel="presence-room", event="client-hello",
                  data={"text": "hi alice"})
    assert (await js.expect(type="triggered", client="b"))["ok"] is True
    got = await js.expect(type="bound", client="a", channel="presence-room",
                          event="client-hello")
    assert got["data"] == {"text": "hi alice"}
    assert got["metadata"] == {"user_id": "bob"}

    relayed = await pusher_twin.recorder.client_events.wait_for(lambda e: True, count=2,
                                                               timeout=TIMEOUT)
    assert [(e.socket_id, e.channel, e.event, e.user_id) for e in relayed] == [
        (socket_a, "private-chat", "client-typing", None),
        (socket_b, "presence-room", "client-hello", "bob"),
    ]

    # Neither client got its own event back: a later server event (the fence) arrived on
    # both channels at both clients, and nothing echoed came before it.
    await call(sdk.trigger, ["private-chat", "presence-room"], "fence", {})
    for client in ("a", "b"):
        for channel in ("private-chat", "presence-room"):
            await js.expect(type="event", client=client, channel=channel, event="fence")
    assert js.seen(type="event", client="a", event="client-typing") == []
    assert js.seen(type="event", client="b", event="client-hello") == []
    # member_added went to the others only (Bob's own join was never announced to him).
    assert js.seen(type="event", client="b", event="pusher:member_added") == []
    assert pusher_twin.recorder.delivered(socket_a, event="client-typing") == []
    assert pusher_twin.recorder.delivered(socket_b, event="client-hello") == []

    # Bob leaves: Alice sees member_removed and her roster shrinks.
    await js.send("unsubscribe", client="b", channel="presence-room")
    removed = await js.expect(type="event", client="a", channel="presence-room",
                              event="pusher:member_removed")
    assert removed["data"] == {"id": "bob", "info": {"name": "Bob"}}
    await js.send("members", client="a", channel="presence-room")
    roster = await js.expect(type="members", client="a")
    assert roster["count"] == 1
    assert roster["members"] == {"alice": {"name": "Alice"}}
    assert pusher_twin.members("presence-room") == {"alice": {"name": "Alice"}}


async def test_signin_server_to_user_events_and_watchlist(
    pusher_twin: PusherTwin, js: PusherJs, auth: AuthEndpoint, sdk: pusher.Pusher
) -> None:
    socket_a = await js.connected("a", user="alice", watchlist="bob,carol")
    await js.send("signin", client="a")
    done = await js.expect(type="signin_done", client="a")
    assert done["user_data"]["id"] == "alice"
    assert done["user_data"]["watchlist"] == ["bob", "carol"]
    assert [r["socket_id"] for r in auth.user_requests] == [socket_a]
    assert "channel_name" not in auth.user_requests[0]
    # After signin_success pusher-js subscribes to the user's server-to-user channel.
    await pusher_twin.recorder.wait_for_delivery(
        socket_a, channel="#server-to-user-alice", event="pusher_internal:subscription_succeeded",
        timeout=TIMEOUT)

    await call(sdk.send_to_user, "alice", "notice", {"text": "hello alice"})
    got = await js.expect(type="user_event", client="a", event="notice")
    assert got["data"] == {"text": "hello alice"}

    # Bob signs in on another connection: Alice's watchlist reports him online.
    socket_b = await js.connected("b", user="bob")
    await js.send("signin", client="b")
    assert (await js.expect(type="signin_done", client="b"))["user_data"]["id"] == "bob"
    online = await js.expect(type="watchlist", client="a", event="online")
    assert online["data"] == {"name": "online", "user_ids": ["bob"]}
    await pusher_twin.recorder.wait_for_delivery(
        socket_b, channel="#server-to-user-bob", event="pusher_internal:subscription_succeeded",
        timeout=TIMEOUT)

    # A server-to-user event reaches that user only.
    await call(sdk.send_to_user, "bob", "notice", {"text": "hello bob"})
    got = await js.expect(type="user_event", client="b", event="notice")
    assert got["data"] == {"text": "hello bob"}
    assert pusher_twin.recorder.delivered(socket_a, channel="#server-to-user-bob") == []
    assert js.seen(type="user_event", client="a", data={"text": "hello bob"}) == []

    # Bob goes away: offline.
    await js.send("disconnect", client="b")
    offline = await js.expect(type="watchlist", client="a", event="offline")
    assert offline["data"] == {"name": "offline", "user_ids": ["bob"]}
    assert js.seen(type="watchlist", client="b") == []


@pytest.mark.pusher_twin(apps=[App(id="7", key="count-key", secret="count-secret",
                                   subscription_count=True)])
async def test_subscription_count(pusher_twin: PusherTwin, js: PusherJs,
                                  sdk: pusher.Pusher) -> None:
    await js.connected("a", user="alice")
    await js.connected("b", user="bob")

    await js.subscribed("a", "counted")
    got = await js.expect(type="event", client="a", channel="counted",
                          event="pusher:subscription_count")
    assert got["data"] == {"subscription_count": 1}

    await js.subscribed("b", "counted")
    for client in ("a", "b"):
        got = await js.expect(type="event", client=client, channel="counted",
                              event="pusher:subscription_count")
        assert got["data"] == {"subscription_count": 2}

    await js.send("unsubscribe", client="b", channel="counted")
    got = await js.expect(type="event", client="a", channel="counted",
                          event="pusher:subscription_count")
    assert got["data"] == {"subscription_count": 1}

    # Private channels count too; presence channels never get the event.
    await js.subscribed("a", "private-counted")
    got = await js.expect(type="event", client="a", channel="private-counted",
                          event="pusher:subscription_count")
    assert got["data"] == {"subscription_count": 1}
    await js.subscribed("a", "presence-counted")
    await call(sdk.trigger, "presence-counted", "fence", {})
    await js.expect(type="event", client="a", channel="presence-counted", event="fence")
    assert js.seen(channel="presence-counted", event="pusher:subscription_count") == []
