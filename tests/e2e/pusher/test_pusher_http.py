"""The real ``pusher`` SDK (pusher-http-python 3.3.4) against a running twin.

Every test goes over real sockets: the SDK's requests backend signs and POSTs to the
twin's HTTP API, ``PusherTestClient`` websockets receive what the twin delivers, and a
small aiohttp server in the test is the webhook endpoint. The twin runs in a background
thread, so async tests call the blocking SDK through ``asyncio.to_thread`` and keep their
own loop free to read the websockets.

Bad input is sent both through the SDK (where it lets the request out) and as raw signed
requests (where the SDK refuses client-side); each bad-input test ends by proving that
the bad event went nowhere and that the twin still serves a normal trigger.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pusher
import pytest
from aiohttp import web
from pusher.errors import PusherBadAuth, PusherBadRequest, PusherBadStatus, PusherForbidden
from pusher.http import POST, Request
from pusher.pusher_client import PusherClient

from wiretwin.pusher import App, PusherErrorReply, PusherTestClient, PusherTwin
from wiretwin.pusher.auth import body_md5, hmac_sha256_hex, sign_request
from wiretwin.pusher.recorder import PusherRecorder
from wiretwin.pusher.webhooks import WebhookSender
from wiretwin.runtime import TwinServer
from wiretwin.runtime.clock import Clock, VirtualClock

#: The default app's credentials, with the opt-in ``subscription_count`` turned on.
COUNTING_APP = App(id="1", key="app-key", secret="app-secret", subscription_count=True)
counting_twin = pytest.mark.pusher_twin(apps=[COUNTING_APP])

GUARD = "guard"


# -- helpers and fixtures ----------------------------------------------------------------


def make_sdk(twin: PusherTwin, **overrides: Any) -> Any:
    """A ``pusher.Pusher`` pointed at ``twin`` (credentials overridable for bad input)."""
    settings = dict(twin.settings()["pusher"])
    settings.update(overrides)
    return pusher.Pusher(**settings)


@pytest.fixture
def sdk(pusher_twin: PusherTwin) -> Any:
    return make_sdk(pusher_twin)


class Clients:
    """Opens ``PusherTestClient``s and closes them all when the test ends."""

    def __init__(self) -> None:
        self._opened: list[PusherTestClient] = []

    async def __call__(self, twin: PusherTwin) -> PusherTestClient:
        client = await twin.connect()
        self._opened.append(client)
        return client

    async def close(self) -> None:
        for client in self._opened:
            await client.close()


@pytest.fixture
async def clients() -> AsyncIterator[Clients]:
    opened = Clients()
    yield opened
    await opened.close()


async def subscribed(client: PusherTestClient, channel: str, **kwargs: Any) -> Any:
    """Subscribe and move ``client``'s read cursor past the success, so the next
    ``receive(channel=...)`` returns what comes *after* it. Returns the success data."""
    await client.subscribe(channel, **kwargs)
    reply = await client.receive("pusher_internal:subscription_succeeded", channel=channel)
    return reply.data


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking SDK call off the test's loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


async def assert_still_serving(sdk: Any, guard: PusherTestClient) -> None:
    """A normal trigger still works, and it is the *next* thing on the guard channel
    (so whatever bad request came before it delivered nothing there)."""
    assert await call(sdk.trigger, GUARD, "still-serving", {"ok": True}) == {}
    message = await guard.receive(channel=GUARD)
    assert (message.event, message.data) == ("still-serving", {"ok": True})


@pytest.fixture
async def guard(pusher_twin: PusherTwin, clients: Clients) -> PusherTestClient:
    client = await clients(pusher_twin)
    await subscribed(client, GUARD)
    return client


def trigger_with_info(twin: PusherTwin, channels: list[str], event: str, data: str,
                      info: str) -> Any:
    """``POST events`` with ``info``, signed and sent by the SDK's own request machinery.

    pusher-http-python 3.3.4's ``trigger`` has no ``info`` argument, so this builds the
    SDK's ``Request`` (same signing, same requests backend) with the documented body.
    """
    client = PusherClient(**twin.settings()["pusher"])
    request = Request(client, POST, f"/apps/{client.app_id}/events",
                      {"name": event, "channels": channels, "data": data, "info": info})
    return client.http.send_request(request)


@contextlib.asynccontextmanager
async def threaded_twin(*apps: App, clock: Clock | None = None) -> AsyncIterator[PusherTwin]:
    """A twin with custom apps in its own thread, started and stopped off the test loop."""
    twin = PusherTwin(apps=list(apps), clock=clock)
    await asyncio.to_thread(twin.start_in_thread)
    try:
        yield twin
    finally:
        await asyncio.to_thread(twin.stop_thread)


@dataclass
class RawResponse:
    status: int
    text: str
    params: dict[str, str]
    content_type: str


async def raw_request(
    twin: PusherTwin, method: str, path: str, body: bytes = b"", *,
    query: dict[str, str] | None = None, key: str | None = None,
    secret: str | None = None, timestamp: int | None = None, md5: str | None = None,
) -> RawResponse:
    """A request signed as Pusher documents it (``METHOD\\nPATH\\nQUERY``), with any part
    of the signing overridable to make it wrong on purpose."""
    app = twin.app
    params = {
        "auth_key": key if key is not None else app.key,
        "auth_timestamp": str(timestamp if timestamp is not None else int(twin.clock.time())),
        "auth_version": "1.0",
        "body_md5": md5 if md5 is not None else body_md5(body),
        **(query or {}),
    }
    params["auth_signature"] = sign_request(
        secret if secret is not None else app.secret, method, path, params
    )
    async with aiohttp.ClientSession() as session, session.request(
        method, twin.http_url(path), params=params, data=body,
        headers={"Content-Type": "application/json"},
    ) as response:
        return RawResponse(response.status, await response.text(), params,
                           response.content_type)


def event_body(channels: list[str], name: str = "bad-event", data: str = '{"bad":true}'
               ) -> bytes:
    return json.dumps({"name": name, "channels": channels, "data": data}).encode()


@dataclass
class Webhook:
    body: bytes
    headers: dict[str, str]


@dataclass
class WebhookSink:
    """The app's webhook endpoint: records raw POSTs, answers ``statuses`` then 200."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: asyncio.Queue[Webhook] = field(default_factory=asyncio.Queue)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.put_nowait(Webhook(await request.read(), dict(request.headers)))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def next(self, timeout: float = 5.0) -> Webhook:
        return await asyncio.wait_for(self.received.get(), timeout)


@pytest.fixture
async def webhook_sink() -> AsyncIterator[WebhookSink]:
    sink = WebhookSink()
    app = web.Application()
    app.router.add_post("/pusher/webhooks", sink.handle)
    server = TwinServer(app)  # wiretwin's own loopback server plays the app's endpoint
    await server.start()
    sink.url = server.http_url("/pusher/webhooks")
    yield sink
    await server.stop()


# -- trigger -----------------------------------------------------------------------------


async def test_trigger_single_channel(pusher_twin: PusherTwin, sdk: Any,
                                      clients: Clients) -> None:
    client = await clients(pusher_twin)
    await subscribed(client, "my-channel")

    assert await call(sdk.trigger, "my-channel", "my-event", {"message": "hello"}) == {}

    message = await client.receive(channel="my-channel")
    assert message.event == "my-event"
    assert message.data == {"message": "hello"}
    # The SDK JSON-encodes dict data; the twin relays that string, double-encoded.
    assert json.loads(message.raw)["data"] == '{"message": "hello"}'
    event = pusher_twin.recorder.assert_triggered("my-channel", "my-event", {"message": "hello"})
    assert event.source == "events"


async def test_trigger_string_data_is_relayed_as_is(pusher_twin: PusherTwin, sdk: Any,
                                                    clients: Clients) -> None:
    client = await clients(pusher_twin)
    await subscribed(client, "my-channel")

    await call(sdk.trigger, "my-channel", "plain", "not json at all")

    message = await client.receive(channel="my-channel")
    assert json.loads(message.raw) == {
        "event": "plain", "channel": "my-channel", "data": "not json at all",
    }


async def test_trigger_list_of_channels(pusher_twin: PusherTwin, sdk: Any,
                                        clients: Clients) -> None:
    first = await clients(pusher_twin)
    second = await clients(pusher_twin)
    both = await clients(pusher_twin)
    await subscribed(first, "news-1")
    await subscribed(second, "news-2")
    await subscribed(both, "news-1")
    await subscribed(both, "news-2")

    await call(sdk.trigger, ["news-1", "news-2", "nobody-here"], "headline", {"n": 1})

    assert (await first.receive(channel="news-1")).data == {"n": 1}
    assert (await second.receive(channel="news-2")).data == {"n": 1}
    got = {(await both.receive("headline")).channel for _ in range(2)}
    assert got == {"news-1", "news-2"}
    [event] = pusher_twin.recorder.events(name="headline")
    assert event.channels == ("news-1", "news-2", "nobody-here")


async def test_trigger_excludes_the_socket_id(pusher_twin: PusherTwin, sdk: Any,
                                              clients: Clients) -> None:
    sender = await clients(pusher_twin)
    other = await clients(pusher_twin)
    await subscribed(sender, "chat")
    await subscribed(other, "chat")
    assert sender.socket_id is not None

    await call(sdk.trigger, "chat", "said", {"n": 1}, socket_id=sender.socket_id)
    await call(sdk.trigger, "chat", "said", {"n": 2})

    assert (await other.receive(channel="chat")).data == {"n": 1}
    assert (await other.receive(channel="chat")).data == {"n": 2}
    # Frames on one socket keep their order: the sender's next event on the channel is
    # the second one, so the first never reached it.
    assert (await sender.receive(channel="chat")).data == {"n": 2}
    assert pusher_twin.recorder.events(name="said")[0].socket_id == sender.socket_id


async def test_trigger_socket_id_not_on_the_channel_excludes_no_one(
        pusher_twin: PusherTwin, sdk: Any, clients: Clients) -> None:
    """A socket id that is not subscribed to the channel excludes no one."""
    listener = await clients(pusher_twin)
    bystander = await clients(pusher_twin)
    await subscribed(listener, "chat")
    assert bystander.socket_id is not None

    await call(sdk.trigger, "chat", "said", "x", socket_id=bystander.socket_id)

    assert (await listener.receive(channel="chat")).event == "said"


async def test_trigger_with_info_user_count(pusher_twin: PusherTwin,
                                            clients: Clients) -> None:
    ann = await clients(pusher_twin)
    bob = await clients(pusher_twin)
    ann_again = await clients(pusher_twin)
    await subscribed(ann, "presence-room", user_id="ann")
    await subscribed(bob, "presence-room", user_id="bob")
    await subscribed(ann_again, "presence-room", user_id="ann")

    answer = await call(trigger_with_info, pusher_twin, ["presence-room", "presence-empty"],
                        "counted", '{"n":1}', "user_count")

    # A user with two connections counts once.
    assert answer == {"channels": {"presence-room": {"user_count": 2},
                                   "presence-empty": {"user_count": 0}}}
    assert (await bob.receive(channel="presence-room")).event == "counted"


@counting_twin
async def test_trigger_with_info_subscription_count(pusher_twin: PusherTwin,
                                                    clients: Clients) -> None:
    for _ in range(3):
        await subscribed(await clients(pusher_twin), "public-count")

    answer = await call(trigger_with_info, pusher_twin, ["public-count"], "counted", "{}",
                        "subscription_count")

    assert answer == {"channels": {"public-count": {"subscription_count": 3}}}


async def test_trigger_with_info_subscription_count_needs_the_app_setting(
        pusher_twin: PusherTwin, sdk: Any, guard: PusherTestClient) -> None:
    with pytest.raises(PusherBadRequest):
        await call(trigger_with_info, pusher_twin, [GUARD], "counted", "{}",
                   "subscription_count")
    await assert_still_serving(sdk, guard)


async def test_trigger_with_info_user_count_on_a_public_channel_is_refused(
        pusher_twin: PusherTwin, sdk: Any, guard: PusherTestClient) -> None:
    with pytest.raises(PusherBadRequest) as refused:
        await call(trigger_with_info, pusher_twin, [GUARD], "counted", "{}", "user_count")
    assert str(refused.value) == (
        "Cannot retrieve the user count unless the channel is a presence channel\n"
    )
    await assert_still_serving(sdk, guard)


# -- trigger_batch -----------------------------------------------------------------------


async def test_trigger_batch(pusher_twin: PusherTwin, sdk: Any, clients: Clients) -> None:
    client = await clients(pusher_twin)
    await subscribed(client, "batch-a")
    await subscribed(client, "batch-b")

    answer = await call(sdk.trigger_batch, [
        {"channel": "batch-a", "name": "one", "data": {"n": 1}},
        {"channel": "batch-b", "name": "two", "data": "two"},
        {"channel": "batch-a", "name": "three", "data": {"n": 3}},
    ])

    assert answer == {}
    received = [await client.receive() for _ in range(3)]
    assert [(m.channel, m.event, m.data) for m in received] == [
        ("batch-a", "one", {"n": 1}), ("batch-b", "two", "two"), ("batch-a", "three", {"n": 3}),
    ]
    assert [e.source for e in pusher_twin.recorder.triggered_events] == ["batch_events"] * 3


@counting_twin
async def test_trigger_batch_with_info(pusher_twin: PusherTwin, sdk: Any,
                                       clients: Clients) -> None:
    ann = await clients(pusher_twin)
    bob = await clients(pusher_twin)
    await subscribed(ann, "presence-team", user_id="ann")
    await subscribed(bob, "presence-team", user_id="bob")
    await subscribed(ann, "public-feed")

    answer = await call(sdk.trigger_batch, [
        {"channel": "presence-team", "name": "a", "data": "1", "info": "user_count"},
        {"channel": "public-feed", "name": "b", "data": "2", "info": "subscription_count"},
        {"channel": "public-feed", "name": "c", "data": "3"},
    ])

    # Index-aligned, an empty object where no info was asked for.
    assert answer == {"batch": [{"user_count": 2}, {"subscription_count": 1}, {}]}
    assert (await bob.receive("a")).data == 1


# -- channels_info / channel_info / users_info --------------------------------------------


async def test_channels_info_filter_by_prefix_and_user_count(
        pusher_twin: PusherTwin, sdk: Any, clients: Clients) -> None:
    ann = await clients(pusher_twin)
    bob = await clients(pusher_twin)
    await subscribed(ann, "presence-lobby", user_id="ann")
    await subscribed(bob, "presence-lobby", user_id="bob")
    await subscribed(bob, "presence-kitchen", user_id="bob")
    await subscribed(ann, "public-hall")
    await subscribed(ann, "private-office")

    assert await call(sdk.channels_info) == {"channels": {
        "presence-kitchen": {}, "presence-lobby": {}, "private-office": {}, "public-hall": {},
    }}
    assert await call(sdk.channels_info, "public-") == {"channels": {"public-hall": {}}}
    assert await call(sdk.channels_info, "presence-", ["user_count"]) == {"channels": {
        "presence-kitchen": {"user_count": 1}, "presence-lobby": {"user_count": 2},
    }}

    await ann.unsubscribe("public-hall")
    await subscribed(ann, "public-other")  # the unsubscribe is handled before this
    assert await call(sdk.channels_info, "public-") == {"channels": {"public-other": {}}}


async def test_channels_info_user_count_without_presence_prefix_is_400(
        pusher_twin: PusherTwin, sdk: Any, guard: PusherTestClient) -> None:
    for prefix in (None, "private-"):
        with pytest.raises(PusherBadRequest) as refused:
            await call(sdk.channels_info, prefix, ["user_count"])
        assert str(refused.value) == (
            "user_count may only be requested for presence channels - please supply "
            "filter_by_prefix begining with presence-\n"
        )
    await assert_still_serving(sdk, guard)


@counting_twin
async def test_channel_info(pusher_twin: PusherTwin, sdk: Any, clients: Clients) -> None:
    ann = await clients(pusher_twin)
    bob = await clients(pusher_twin)
    await subscribed(ann, "public-info")
    await subscribed(bob, "public-info")
    await subscribed(ann, "presence-info", user_id="ann")
    await subscribed(bob, "presence-info", user_id="bob")

    assert await call(sdk.channel_info, "public-empty") == {"occupied": False}
    assert await call(sdk.channel_info, "public-info") == {"occupied": True}
    assert await call(sdk.channel_info, "public-info", ["subscription_count"]) == {
        "occupied": True, "subscription_count": 2,
    }
    assert await call(sdk.channel_info, "presence-info", ["user_count"]) == {
        "occupied": True, "user_count": 2,
    }

    await bob.unsubscribe("public-info")
    await subscribed(bob, "public-sync")  # the unsubscribe is handled before this
    assert await call(sdk.channel_info, "public-info", ["subscription_count"]) == {
        "occupied": True, "subscription_count": 1,
    }


async def test_channel_info_user_count_on_non_presence_is_400(
        pusher_twin: PusherTwin, sdk: Any, guard: PusherTestClient) -> None:
    with pytest.raises(PusherBadRequest) as refused:
        await call(sdk.channel_info, GUARD, ["user_count"])
    assert str(refused.value) == (
        "Cannot retrieve the user count unless the channel is a presence channel\n"
    )
    await assert_still_serving(sdk, guard)


async def test_users_info(pusher_twin: PusherTwin, sdk: Any, clients: Clients) -> None:
    ann = await clients(pusher_twin)
    bob = await clients(pusher_twin)
    ann_again = await clients(pusher_twin)
    await subscribed(ann, "presence-users", user_id="ann")
    await subscribed(bob, "presence-users", user_id=7)
    await subscribed(ann_again, "presence-users", user_id="ann")

    answer = await call(sdk.users_info, "presence-users")

    assert sorted(answer["users"], key=lambda u: u["id"]) == [{"id": "7"}, {"id": "ann"}]
    assert await call(sdk.users_info, "presence-nobody") == {"users": []}


async def test_users_info_on_non_presence_is_400(pusher_twin: PusherTwin, sdk: Any,
                                                 guard: PusherTestClient) -> None:
    with pytest.raises(PusherBadRequest) as refused:
        await call(sdk.users_info, GUARD)
    assert str(refused.value) == "Users can only be retrieved for presence channels\n"
    await assert_still_serving(sdk, guard)


# -- authenticate / authenticate_user ------------------------------------------------------


async def test_authenticate_private_channel(pusher_twin: PusherTwin, sdk: Any,
                                            clients: Clients) -> None:
    client = await clients(pusher_twin)
    other = await clients(pusher_twin)
    assert client.socket_id is not None and other.socket_id is not None

    auth = sdk.authenticate(channel="private-secrets", socket_id=client.socket_id)
    assert set(auth) == {"auth"}

    await subscribed(client, "private-secrets", auth=auth["auth"])
    await call(sdk.trigger, "private-secrets", "psst", {"n": 1})
    assert (await client.receive(channel="private-secrets")).data == {"n": 1}

    # The same auth is bound to the socket id it was made for.
    with pytest.raises(PusherErrorReply) as refused:
        await other.subscribe("private-secrets", auth=auth["auth"])
    assert refused.value.message == (
        f"Invalid signature: Expected HMAC SHA256 hex digest of "
        f"{other.socket_id}:private-secrets, but got {auth['auth']}"
    )
    assert pusher_twin.subscriptions(other.socket_id) == set()


async def test_authenticate_presence_channel(pusher_twin: PusherTwin, sdk: Any,
                                             clients: Clients) -> None:
    ann = await clients(pusher_twin)
    ten = await clients(pusher_twin)
    assert ann.socket_id is not None and ten.socket_id is not None

    ann_auth = sdk.authenticate(channel="presence-club", socket_id=ann.socket_id,
                                custom_data={"user_id": "ann", "user_info": {"name": "Ann"}})
    # The SDK's json.dumps keeps its spaces; the twin must verify those bytes as sent.
    assert ann_auth["channel_data"] == '{"user_id": "ann", "user_info": {"name": "Ann"}}'
    joined = await subscribed(ann, "presence-club", auth=ann_auth["auth"],
                              channel_data=ann_auth["channel_data"])
    assert joined == {"presence": {"ids": ["ann"], "hash": {"ann": {"name": "Ann"}},
                                   "count": 1}}

    # A numeric user id (as in Pusher's own signing example) is keyed as a string.
    ten_auth = sdk.authenticate(channel="presence-club", socket_id=ten.socket_id,
                                custom_data={"user_id": 10, "user_info": {"name": "Mr. Ten"}})
    joined = await subscribed(ten, "presence-club", auth=ten_auth["auth"],
                              channel_data=ten_auth["channel_data"])
    assert joined["presence"]["count"] == 2
    assert joined["presence"]["hash"] == {"ann": {"name": "Ann"}, "10": {"name": "Mr. Ten"}}

    added = await ann.receive("pusher_internal:member_added", channel="presence-club")
    assert added.data == {"user_id": "10", "user_info": {"name": "Mr. Ten"}}
    assert pusher_twin.members("presence-club") == {
        "ann": {"name": "Ann"}, "10": {"name": "Mr. Ten"},
    }

    # channel_data is signed byte for byte: re-serialized, the same member is refused.
    late = await clients(pusher_twin)
    assert late.socket_id is not None
    late_auth = sdk.authenticate(channel="presence-club", socket_id=late.socket_id,
                                 custom_data={"user_id": "late"})
    with pytest.raises(PusherErrorReply):
        await late.subscribe("presence-club", auth=late_auth["auth"],
                             channel_data='{"user_id":"late"}')


async def test_authenticate_user_and_signin(pusher_twin: PusherTwin, sdk: Any,
                                            clients: Clients) -> None:
    client = await clients(pusher_twin)
    assert client.socket_id is not None

    auth = sdk.authenticate_user(client.socket_id, {"id": "u1", "user_info": {"name": "Ann"}})
    assert auth["user_data"] == '{"id": "u1", "user_info": {"name": "Ann"}}'
    await client.send({"event": "pusher:signin",
                       "data": {"auth": auth["auth"], "user_data": auth["user_data"]}})

    reply = await client.receive()
    assert reply.event == "pusher:signin_success"
    assert reply.data == {"user_data": auth["user_data"]}

    # The auth is bound to the socket: another connection cannot sign in with it.
    thief = await clients(pusher_twin)
    await thief.send({"event": "pusher:signin",
                      "data": {"auth": auth["auth"], "user_data": auth["user_data"]}})
    refused = await thief.receive()
    assert refused.event == "pusher:error"
    assert refused.data["code"] == 4009


async def test_send_to_user(pusher_twin: PusherTwin, sdk: Any, clients: Clients) -> None:
    ann = await clients(pusher_twin)
    bob = await clients(pusher_twin)
    assert ann.socket_id is not None
    auth = sdk.authenticate_user(ann.socket_id, {"id": "ann"})
    await ann.send({"event": "pusher:signin", "data": auth})
    assert (await ann.receive()).event == "pusher:signin_success"
    await bob.signin("bob")
    await subscribed(ann, "#server-to-user-ann")
    await subscribed(bob, "#server-to-user-bob")

    assert await call(sdk.send_to_user, "ann", "dm", {"text": "for ann"}) == {}
    await call(sdk.send_to_user, "bob", "dm", {"text": "for bob"})

    got = await ann.receive(channel="#server-to-user-ann")
    assert (got.event, got.data) == ("dm", {"text": "for ann"})
    got = await bob.receive(channel="#server-to-user-bob")
    assert (got.event, got.data) == ("dm", {"text": "for bob"})
    assert bob.received("dm") == [got]
    pusher_twin.recorder.assert_triggered("#server-to-user-ann", "dm", {"text": "for ann"})
    # Server-to-user channels are not listed among the app's channels.
    assert await call(sdk.channels_info) == {"channels": {}}


async def test_terminate_user_connections(pusher_twin: PusherTwin, sdk: Any,
                                          clients: Clients) -> None:
    phone = await clients(pusher_twin)
    laptop = await clients(pusher_twin)
    bob = await clients(pusher_twin)
    assert phone.socket_id is not None
    auth = sdk.authenticate_user(phone.socket_id, {"id": "ann"})
    await phone.send({"event": "pusher:signin", "data": auth})
    assert (await phone.receive()).event == "pusher:signin_success"
    await laptop.signin("ann")
    await bob.signin("bob")
    await subscribed(bob, "public-after")

    # The SDK posts to /users/ann/terminate_connections (no /apps/{id} prefix).
    assert await call(sdk.terminate_user_connections, "ann") == {}

    assert await phone.wait_closed() == 4009
    assert await laptop.wait_closed() == 4009
    await call(sdk.trigger, "public-after", "still-here", {})
    assert (await bob.receive(channel="public-after")).event == "still-here"
    assert not bob.closed.is_set()
    # Terminating a user with no connections is fine too.
    assert await call(sdk.terminate_user_connections, "nobody") == {}


async def test_terminate_user_connections_with_an_unknown_key_is_401(
        pusher_twin: PusherTwin, sdk: Any, guard: PusherTestClient) -> None:
    stranger = make_sdk(pusher_twin, key="not-a-key")
    with pytest.raises(PusherBadAuth) as refused:
        await call(stranger.terminate_user_connections, "ann")
    assert str(refused.value) == "Unknown auth_key\n"
    await assert_still_serving(sdk, guard)


# -- webhooks ------------------------------------------------------------------------------


async def test_validate_webhook_accepts_what_the_twin_sends(
        webhook_sink: WebhookSink, clients: Clients) -> None:
    app = App(id="4242", key="hook-key", secret="hook-secret", webhooks=[webhook_sink.url])
    async with threaded_twin(app) as twin:
        sdk = make_sdk(twin)
        ann = await clients(twin)
        bob = await clients(twin)
        await subscribed(ann, "presence-party", user_id="ann")
        await subscribed(bob, "presence-party", user_id="bob")
        await ann.trigger("presence-party", "client-wave", {"hi": 1})
        assert (await bob.receive("client-wave")).user_id == "ann"
        await bob.unsubscribe("presence-party")
        await ann.unsubscribe("presence-party")

        expected = [
            {"name": "channel_occupied", "channel": "presence-party"},
            {"name": "member_added", "channel": "presence-party", "user_id": "ann"},
            {"name": "member_added", "channel": "presence-party", "user_id": "bob"},
            {"name": "client_event", "channel": "presence-party", "event": "client-wave",
             "data": '{"hi":1}', "socket_id": ann.socket_id, "user_id": "ann"},
            {"name": "member_removed", "channel": "presence-party", "user_id": "bob"},
            {"name": "member_removed", "channel": "presence-party", "user_id": "ann"},
            {"name": "channel_vacated", "channel": "presence-party"},
        ]
        hooks = [await webhook_sink.next() for _ in expected]

        for hook, event in zip(hooks, expected, strict=True):
            assert hook.headers["Content-Type"].startswith("application/json")
            assert hook.headers["X-Pusher-Key"] == "hook-key"
            valid = sdk.validate_webhook(hook.headers["X-Pusher-Key"],
                                         hook.headers["X-Pusher-Signature"], hook.body)
            assert valid is not None, hook.body
            assert valid["events"] == [event]
            assert isinstance(valid["time_ms"], int)
            assert list(json.loads(hook.body)) == ["time_ms", "events"]

        # What the SDK would refuse: a changed body, another app's secret, another key.
        hook = hooks[1]
        signature = hook.headers["X-Pusher-Signature"]
        assert sdk.validate_webhook("hook-key", signature,
                                    hook.body.replace(b'"ann"', b'"eve"')) is None
        impostor = make_sdk(twin, secret="other-secret")
        assert impostor.validate_webhook("hook-key", signature, hook.body) is None
        assert sdk.validate_webhook("other-key", signature, hook.body) is None

        # Each attempt is recorded once its answer is read, just after the sink saw it.
        attempts = await twin.recorder.webhooks.wait_for(lambda a: True, count=len(expected))
        assert len(twin.recorder.webhooks) == len(expected)
        assert [a.attempt for a in attempts] == [1] * len(expected)
        assert all(a.ok for a in attempts)


async def test_webhook_is_retried_after_a_500(webhook_sink: WebhookSink,
                                              clients: Clients) -> None:
    webhook_sink.statuses = [500]
    app = App(id="4343", key="retry-key", secret="retry-secret", webhooks=[webhook_sink.url])
    clock = VirtualClock()
    async with threaded_twin(app, clock=clock) as twin:
        client = await clients(twin)
        await subscribed(client, "public-retry")

        first = await webhook_sink.next()
        await twin.recorder.webhooks.wait_for(lambda a: a.status == 500)
        # The retry is due on the twin's clock 1 s after the failure, not before.
        assert clock.next_due() == 1.0
        await clock.advance(0.9)
        assert webhook_sink.received.empty()
        await clock.advance(0.1)
        second = await webhook_sink.next()
        [delivered] = await twin.recorder.webhooks.wait_for(lambda a: a.ok)

        assert second.body == first.body
        assert second.headers["X-Pusher-Signature"] == first.headers["X-Pusher-Signature"]
        attempts = twin.recorder.webhooks.snapshot()
        assert [(a.attempt, a.status) for a in attempts] == [(1, 500), (2, 200)]
        assert delivered.events == [{"name": "channel_occupied", "channel": "public-retry"}]
        assert twin.recorder.webhook_events() == delivered.events
        valid = make_sdk(twin).validate_webhook(
            second.headers["X-Pusher-Key"], second.headers["X-Pusher-Signature"], second.body)
        assert valid is not None
        assert valid["events"] == delivered.events


async def test_wait_webhooks_returns_once_every_webhook_was_attempted(
        webhook_sink: WebhookSink, clients: Clients) -> None:
    webhook_sink.statuses = [500]
    app = App(id="4345", key="wait-key", secret="wait-secret", webhooks=[webhook_sink.url])
    clock = VirtualClock()
    async with threaded_twin(app, clock=clock) as twin:
        client = await clients(twin)
        await subscribed(client, "public-wait")
        await webhook_sink.next()
        await twin.recorder.webhooks.wait_for(lambda a: a.status == 500)
        # The retry waits on the twin's clock: the queue is not idle until it is sent.
        with pytest.raises(TimeoutError):
            await twin.wait_webhooks(timeout=0.05)
        await clock.advance(1)
        await twin.wait_webhooks()
        assert [a.status for a in twin.recorder.webhooks.snapshot()] == [500, 200]
        with pytest.warns(DeprecationWarning, match=r"wait_webhooks\(\)"):
            await twin.settle()


async def test_webhooks_waiting_for_one_endpoint_are_bounded(
        webhook_sink: WebhookSink) -> None:
    """An endpoint that keeps failing holds at most ``max_queued`` webhooks (each waiting
    for its retry); newer ones are recorded as not sent instead of queued without end."""
    webhook_sink.statuses = [500] * 10
    app = App(id="4344", key="bound-key", secret="bound-secret", webhooks=[webhook_sink.url])
    clock = VirtualClock()
    recorder = PusherRecorder()
    sender = WebhookSender(clock, recorder, max_queued=2)
    try:
        for n in range(4):
            sender.send(app, {"name": "channel_occupied", "channel": f"c{n}"})
        attempts = await recorder.webhooks.wait_for(lambda a: a.status == 500, count=2)
        assert [a.events[0]["channel"] for a in attempts] == ["c0", "c1"]
        dropped = [a for a in recorder.webhooks if a.attempt == 0]
        assert [(a.events[0]["channel"], a.error) for a in dropped] == [
            (f"c{n}", "not sent: 2 webhooks were already waiting for this endpoint")
            for n in (2, 3)]
        assert clock.next_due() == 1.0  # both kept ones wait for their retry
    finally:
        await sender.close()


# -- bad input: through the SDK ------------------------------------------------------------


async def test_wrong_secret_is_401_showing_the_string_to_sign(
        pusher_twin: PusherTwin, sdk: Any, guard: PusherTestClient) -> None:
    wrong = make_sdk(pusher_twin, secret="not-the-secret")
    with pytest.raises(PusherBadAuth) as refused:
        await call(wrong.trigger, GUARD, "bad-event", {"bad": True})

    text = str(refused.value)
    match = re.fullmatch(
        r'Invalid signature: you should have sent HmacSHA256Hex\("(.*)", your_secret_key\), '
        r'but you sent "([0-9a-f]{64})"\n', text,
    )
    assert match is not None, text
    escaped, sent = match.groups()
    assert escaped.startswith(
        "POST\\n/apps/1/events\\nauth_key=app-key&auth_timestamp="
    ), escaped
    # The quoted string-to-sign is exactly what the SDK signed: the wrong secret over it
    # gives what was sent.
    assert hmac_sha256_hex("not-the-secret", escaped.replace("\\n", "\n")) == sent
    assert pusher_twin.recorder.events(name="bad-event") == []
    await assert_still_serving(sdk, guard)


async def test_unknown_key_is_401(pusher_twin: PusherTwin, sdk: Any,
                                  guard: PusherTestClient) -> None:
    stranger = make_sdk(pusher_twin, key="not-a-key")
    with pytest.raises(PusherBadAuth) as refused:
        await call(stranger.trigger, GUARD, "bad-event", {})
    assert str(refused.value) == "Unknown auth_key\n"
    await assert_still_serving(sdk, guard)


async def test_unknown_app_id_is_404(pusher_twin: PusherTwin, sdk: Any,
                                     guard: PusherTestClient) -> None:
    lost = make_sdk(pusher_twin, app_id="999")
    with pytest.raises(PusherBadStatus) as refused:
        await call(lost.trigger, GUARD, "bad-event", {})
    assert str(refused.value).startswith("404: ")
    with pytest.raises(PusherBadStatus, match=r"^404: "):
        await call(lost.channels_info)
    await assert_still_serving(sdk, guard)


async def test_batch_of_eleven_is_400(pusher_twin: PusherTwin, sdk: Any,
                                      guard: PusherTestClient) -> None:
    batch = [{"channel": GUARD, "name": "bad-event", "data": str(i)} for i in range(11)]
    with pytest.raises(PusherBadRequest) as refused:
        await call(sdk.trigger_batch, batch)
    assert str(refused.value) == "Batch too large (11 > 10)\n"
    assert pusher_twin.recorder.triggered_events == []
    await assert_still_serving(sdk, guard)


async def test_batch_of_ten_is_accepted(pusher_twin: PusherTwin, sdk: Any,
                                        guard: PusherTestClient) -> None:
    batch = [{"channel": GUARD, "name": "ok", "data": str(i)} for i in range(10)]
    assert await call(sdk.trigger_batch, batch) == {}
    assert [(await guard.receive(channel=GUARD)).data for _ in range(10)] == list(range(10))


async def test_data_over_10kb_is_413(pusher_twin: PusherTwin, sdk: Any,
                                     guard: PusherTestClient) -> None:
    # The SDK only refuses past 30 KB itself, so this reaches the twin.
    with pytest.raises(PusherBadStatus) as refused:
        await call(sdk.trigger, GUARD, "bad-event", "x" * 10241)
    assert str(refused.value) == (
        "413: The data content of this event exceeds the allowed maximum (10240 bytes). "
        "See https://pusher.com/docs/channels/server_api/http-api#publishing-events "
        "for more info\n"
    )
    # Exactly 10 KB is allowed.
    await call(sdk.trigger, GUARD, "full", "y" * 10240)
    assert (await guard.receive(channel=GUARD)).data == "y" * 10240
    await assert_still_serving(sdk, guard)


async def test_channel_name_over_164_is_400(pusher_twin: PusherTwin, sdk: Any,
                                            guard: PusherTestClient) -> None:
    # pusher-http-python allows 200 characters; Pusher allows 164.
    with pytest.raises(PusherBadRequest, match=r"^Invalid channel name"):
        await call(sdk.trigger, [GUARD, "c" * 165], "bad-event", {})
    await call(sdk.trigger, "c" * 164, "ok", {})
    await assert_still_serving(sdk, guard)


# -- bad input: raw signed requests --------------------------------------------------------


async def test_raw_signed_request_is_accepted(pusher_twin: PusherTwin, sdk: Any,
                                              guard: PusherTestClient) -> None:
    """The raw signer below is right: with nothing broken, the twin accepts it."""
    response = await raw_request(pusher_twin, "POST", "/apps/1/events",
                                 event_body([GUARD], "raw-ok", '{"raw":1}'))
    assert (response.status, response.text) == (200, "{}")
    assert (await guard.receive(channel=GUARD)).event == "raw-ok"
    response = await raw_request(pusher_twin, "GET", "/apps/1/channels")
    assert json.loads(response.text) == {"channels": {GUARD: {}}}


async def test_raw_wrong_signature_is_401_with_the_exact_text(
        pusher_twin: PusherTwin, sdk: Any, guard: PusherTestClient) -> None:
    body = event_body([GUARD])
    response = await raw_request(pusher_twin, "POST", "/apps/1/events", body,
                                 secret="not-the-secret")
    p = response.params
    assert response.status == 401
    assert response.text == (
        'Invalid signature: you should have sent HmacSHA256Hex("POST\\n/apps/1/events\\n'
        f'auth_key=app-key&auth_timestamp={p["auth_timestamp"]}&auth_version=1.0&'
        f'body_md5={body_md5(body)}", your_secret_key), but you sent '
        f'"{p["auth_signature"]}"\n'
    )
    assert response.content_type == "text/plain"
    await assert_still_serving(sdk, guard)


@pytest.mark.parametrize("offset", [-700, 700], ids=["past", "future"])
async def test_raw_expired_timestamp_is_401(pusher_twin: PusherTwin, sdk: Any,
                                            guard: PusherTestClient, offset: int) -> None:
    timestamp = int(pusher_twin.clock.time()) + offset
    response = await raw_request(pusher_twin, "POST", "/apps/1/events", event_body([GUARD]),
                                 timestamp=timestamp)
    assert response.status == 401
    match = re.fullmatch(r"Timestamp expired: Given timestamp \((\S+)\) not within 600s of "
                         r"server time \((\S+)\)\n", response.text)
    assert match is not None, response.text
    given = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert match.group(1) == given
    datetime.strptime(match.group(2), "%Y-%m-%dT%H:%M:%SZ")  # a UTC time, same format
    await assert_still_serving(sdk, guard)


@dataclass(frozen=True)
class BadRequest:
    method: str
    path: str
    body: bytes
    status: int
    #: The exact body, or a prefix ending in "..." when Pusher's text is unknown.
    text: str
    overrides: dict[str, str] = field(default_factory=dict)


BAD_REQUESTS = {
    "body-md5-mismatch": BadRequest(
        "POST", "/apps/1/events", event_body([GUARD]), 401, "Invalid body_md5...",
        {"md5": body_md5(b"{}")},
    ),
    "unknown-app-id": BadRequest("POST", "/apps/999/events", event_body([GUARD]), 404, "..."),
    "unknown-key": BadRequest(
        "POST", "/apps/1/events", event_body([GUARD]), 401, "Unknown auth_key\n",
        {"key": "not-a-key"},
    ),
    "101-channels": BadRequest(
        "POST", "/apps/1/events",
        event_body([GUARD] + [f"ch-{i}" for i in range(100)]), 400, "...",
    ),
    "11-batch-events": BadRequest(
        "POST", "/apps/1/batch_events",
        json.dumps({"batch": [{"channel": GUARD, "name": "bad-event", "data": "{}"}] * 11})
        .encode(),
        400, "Batch too large (11 > 10)\n",
    ),
    "data-over-10kb": BadRequest(
        "POST", "/apps/1/events", event_body([GUARD], data="z" * 10241), 413,
        "The data content of this event exceeds the allowed maximum (10240 bytes). See "
        "https://pusher.com/docs/channels/server_api/http-api#publishing-events for more "
        "info\n",
    ),
    "invalid-json": BadRequest("POST", "/apps/1/events", b'{"name": "bad-event", ', 400, "..."),
    "invalid-channel-name": BadRequest(
        "POST", "/apps/1/events", event_body([GUARD, "bad channel!"]), 400,
        "Invalid channel name...",
    ),
    "name-not-a-string": BadRequest(
        "POST", "/apps/1/events",
        json.dumps({"name": 5, "channels": [GUARD], "data": "{}"}).encode(), 400,
        "Expected name parameter to be a string\n",
    ),
    "batch-item-with-channels": BadRequest(
        "POST", "/apps/1/batch_events",
        json.dumps({"batch": [{"channels": [GUARD], "name": "bad-event", "data": "{}"}]})
        .encode(),
        400, "Missing required parameter: channel\n",
    ),
    "channels-user-count-without-presence-prefix": BadRequest(
        "GET", "/apps/1/channels", b"", 400,
        "user_count may only be requested for presence channels - please supply "
        "filter_by_prefix begining with presence-\n",
        {"info": "user_count", "filter_by_prefix": "gua"},
    ),
}


@pytest.mark.parametrize("case", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
async def test_raw_bad_request(pusher_twin: PusherTwin, sdk: Any, guard: PusherTestClient,
                               case: BadRequest) -> None:
    query = {k: v for k, v in case.overrides.items() if k not in ("key", "md5")}
    response = await raw_request(pusher_twin, case.method, case.path, case.body, query=query,
                                 key=case.overrides.get("key"), md5=case.overrides.get("md5"))

    assert response.status == case.status, response.text
    # Plain text ending in one newline, as Pusher answers.
    assert response.content_type == "text/plain"
    assert response.text.endswith("\n") and not response.text.endswith("\n\n")
    if case.text.endswith("..."):
        assert response.text.startswith(case.text[:-3]), response.text
    else:
        assert response.text == case.text
    assert pusher_twin.recorder.triggered_events == []
    await assert_still_serving(sdk, guard)


async def test_disabled_app_is_403_and_the_other_apps_keep_working() -> None:
    async with threaded_twin(App(id="1", key="on", secret="s1"),
                             App(id="2", key="off", secret="s2", enabled=False)) as twin:
        disabled = pusher.Pusher(**twin.settings("2")["pusher"])
        with pytest.raises(PusherForbidden, match=r"^Application 2 is disabled"):
            await call(disabled.trigger, "a", "e", {})
        assert await call(pusher.Pusher(**twin.settings("1")["pusher"]).trigger,
                          "a", "e", {}) == {}


async def test_reset_forgets_connections_at_once_and_sends_no_webhooks_for_them(
        webhook_sink: WebhookSink) -> None:
    app = App(id="4344", key="reset-key", secret="reset-secret", webhooks=[webhook_sink.url])
    async with PusherTwin([app]) as twin:
        client = await twin.connect()
        await client.subscribe("presence-room", user_id="ann")
        seen: list[dict[str, Any]] = []
        while len(seen) < 2:  # channel_occupied and member_added, in one or two posts
            seen += json.loads((await webhook_sink.next()).body)["events"]
        twin.reset()
        # Gone at once, not when each client has answered the close.
        assert twin.socket_ids() == []
        assert twin.channels_info() == {"channels": {}}
        assert await client.wait_closed() == 4200
        await twin.journal.wait_for(lambda e: e.kind == "connection" and e.event == "close")
        later = await twin.connect()
        await later.subscribe("public-after")
        # The first webhook after the reset is the new channel's: none for ann's leaving.
        events = json.loads((await webhook_sink.next()).body)["events"]
        assert events == [{"name": "channel_occupied", "channel": "public-after"}]
        assert twin.recorder.webhook_events() == events
        await later.close()
