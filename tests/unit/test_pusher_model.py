"""The Pusher model's rules, without sockets: operations in, effects out."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from wiretwin.pusher.apps import App
from wiretwin.pusher.auth import sign_channel, sign_user
from wiretwin.pusher.errors import ApiError, CloseCode, PusherError
from wiretwin.pusher.limits import PublishRequest
from wiretwin.pusher.model import Connection, PusherModel
from wiretwin.pusher.wire import Frame


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def time(self) -> float:
        return 1_700_000_000.0 + self.now

    def monotonic(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> Any:
        raise AssertionError("the model sets no timers")

    def expect(self, key: Hashable) -> None:
        raise AssertionError("the model expects no replies")

    def fulfil(self, key: Hashable) -> None:
        raise AssertionError("the model expects no replies")


@dataclass
class Recorded:
    frames: list[tuple[str, Frame]] = field(default_factory=list)
    closes: list[tuple[str, int]] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)

    def deliver(self, socket_ids: Iterable[str], frame: Frame) -> None:
        self.frames.extend((s, frame) for s in socket_ids)

    def close(self, socket_id: str, code: int, message: str, error_first: bool) -> None:
        self.closes.append((socket_id, code))

    def webhook(self, app: App, event: dict[str, Any]) -> None:
        self.hooks.append(event)

    def client_event(self, app: App, socket_id: str, channel: str, event: str, data: str,
                     user_id: str | None) -> None:
        pass  # the same facts reach the client_event webhook, asserted there

    def to(self, conn: Connection) -> list[Frame]:
        return [f for s, f in self.frames if s == conn.socket_id]

    def events_to(self, conn: Connection) -> list[str]:
        return [f.event for f in self.to(conn)]


APP = App(id="1", key="key", secret="secret")


@pytest.fixture
def world() -> tuple[PusherModel, Recorded, ManualClock]:
    effects = Recorded()
    clock = ManualClock()
    return PusherModel([APP], effects, clock, random.Random(7)), effects, clock


def _presence(model: PusherModel, conn: Connection, channel: str, user_id: str,
              info: Any = None) -> None:
    data = json.dumps({"user_id": user_id, "user_info": info})
    model.subscribe(conn, {"channel": channel, "channel_data": data,
                           "auth": sign_channel("key", "secret", conn.socket_id, channel, data)})


def test_socket_ids_are_seeded_and_unique() -> None:
    a = PusherModel([APP], Recorded(), ManualClock(), random.Random(1))
    b = PusherModel([App(id="1", key="key", secret="secret")], Recorded(), ManualClock(),
                    random.Random(1))
    ids_a = [a.connect(APP, 7).socket_id for _ in range(50)]
    ids_b = [b.connect(b.app_by_id("1") or APP, 7).socket_id for _ in range(50)]
    assert ids_a == ids_b
    assert len(set(ids_a)) == 50


def test_public_subscribe_occupies_and_unsubscribe_vacates(world: Any) -> None:
    model, fx, _ = world
    conn = model.connect(APP, 7)
    model.subscribe(conn, {"channel": "news", "auth": ""})
    assert fx.events_to(conn) == ["pusher_internal:subscription_succeeded"]
    model.unsubscribe(conn, {"channel": "news"})
    assert [h["name"] for h in fx.hooks] == ["channel_occupied", "channel_vacated"]
    assert model.channels(APP, "", []) == {}


def test_private_subscription_with_a_bad_signature_changes_nothing(world: Any) -> None:
    model, fx, _ = world
    conn = model.connect(APP, 7)
    with pytest.raises(PusherError, match=rf"^Invalid signature: Expected HMAC SHA256 hex "
                       rf"digest of {conn.socket_id}:private-x, but got key:bad$"):
        model.subscribe(conn, {"channel": "private-x", "auth": "key:bad"})
    assert conn.channels == set() and fx.hooks == []


def test_presence_roster_counts_a_user_once_across_sockets(world: Any) -> None:
    model, fx, _ = world
    alice1, alice2, bob = (model.connect(APP, 7) for _ in range(3))
    _presence(model, bob, "presence-room", "bob")
    _presence(model, alice1, "presence-room", "alice", {"n": 1})
    _presence(model, alice2, "presence-room", "alice", {"n": 1})
    added = [f for f in fx.to(bob) if f.event == "pusher_internal:member_added"]
    assert [f.decoded() for f in added] == [{"user_id": "alice", "user_info": {"n": 1}}]
    assert fx.to(alice2)[-1].decoded() == {"presence": {
        "ids": ["bob", "alice"], "hash": {"bob": None, "alice": {"n": 1}}, "count": 2}}
    assert model.channel_info(APP, "presence-room", ["user_count"])["user_count"] == 2
    model.disconnect(alice1)
    assert "pusher_internal:member_removed" not in fx.events_to(bob)
    model.disconnect(alice2)
    assert fx.to(bob)[-1].decoded() == {"user_id": "alice"}
    # member_added/removed go to the others only.
    assert "pusher_internal:member_added" not in fx.events_to(alice1)


def test_presence_requires_channel_data(world: Any) -> None:
    model, _, _ = world
    conn = model.connect(APP, 7)
    auth = sign_channel("key", "secret", conn.socket_id, "presence-x")
    with pytest.raises(PusherError, match="requires channel_data"):
        model.subscribe(conn, {"channel": "presence-x", "auth": auth})


def test_presence_cap_refuses_the_101st_user_but_not_a_known_one(world: Any) -> None:
    model, _, _ = world
    for i in range(100):
        model.add_member(APP, "presence-big", f"u{i}", None)
    newcomer = model.connect(APP, 7)
    with pytest.raises(PusherError, match="limited to 100 members"):
        _presence(model, newcomer, "presence-big", "u100")
    _presence(model, newcomer, "presence-big", "u5")  # already a member: fine
    assert len(model.users(APP, "presence-big")) == 100


def test_numeric_presence_user_ids_become_strings(world: Any) -> None:
    model, _, _ = world
    conn = model.connect(APP, 7)
    data = '{"user_id":10,"user_info":{"name":"Mr. Channels"}}'
    model.subscribe(conn, {"channel": "presence-n", "channel_data": data,
                           "auth": sign_channel("key", "secret", conn.socket_id,
                                                "presence-n", data)})
    assert model.users(APP, "presence-n") == ["10"]


def test_client_events_rules(world: Any) -> None:
    model, fx, clock = world
    a, b = model.connect(APP, 7), model.connect(APP, 7)
    for conn, user in ((a, "a"), (b, "b")):
        _presence(model, conn, "presence-chat", user)
    model.client_event(a, {"event": "client-hi", "channel": "presence-chat", "data": {"x": 1}},
                       7)
    relayed = fx.to(b)[-1]
    assert (relayed.event, relayed.user_id, relayed.decoded()) == ("client-hi", "a", {"x": 1})
    assert "client-hi" not in fx.events_to(a)  # not echoed
    assert fx.hooks[-1] == {"name": "client_event", "channel": "presence-chat",
                            "event": "client-hi", "data": '{"x":1}',
                            "socket_id": a.socket_id, "user_id": "a"}
    with pytest.raises(PusherError, match="must be subscribed"):
        model.client_event(a, {"event": "client-hi", "channel": "private-other"}, 2)
    model.subscribe(a, {"channel": "public", "auth": ""})
    with pytest.raises(PusherError, match="only supported on private and presence"):
        model.client_event(a, {"event": "client-hi", "channel": "public"}, 2)
    for _ in range(9):
        model.client_event(a, {"event": "client-x", "channel": "presence-chat"}, 2)
    with pytest.raises(PusherError) as caught:
        model.client_event(a, {"event": "client-x", "channel": "presence-chat"}, 2)
    assert caught.value.code == CloseCode.CLIENT_EVENT_RATE_LIMIT
    clock.now += 1.0
    model.client_event(a, {"event": "client-x", "channel": "presence-chat"}, 2)


def test_client_events_disabled_per_app() -> None:
    app = App(id="2", key="k2", secret="s2", client_events=False)
    model = PusherModel([app], Recorded(), ManualClock(), random.Random(0))
    conn = model.connect(app, 7)
    model.subscribe(conn, {"channel": "private-a",
                           "auth": sign_channel("k2", "s2", conn.socket_id, "private-a")})
    with pytest.raises(PusherError, match="enable this feature"):
        model.client_event(conn, {"event": "client-a", "channel": "private-a"}, 2)


def test_publish_excludes_the_socket_and_fills_the_cache(world: Any) -> None:
    model, fx, clock = world
    a, b = model.connect(APP, 7), model.connect(APP, 7)
    for conn in (a, b):
        model.subscribe(conn, {"channel": "cache-prices", "auth": ""})
    assert fx.events_to(a)[-1] == "pusher:cache_miss"
    assert [h["name"] for h in fx.hooks].count("cache_miss") == 2
    model.publish(APP, PublishRequest("tick", '{"p":1}', ["cache-prices"], a.socket_id))
    assert fx.events_to(b)[-1] == "tick" and fx.events_to(a)[-1] == "pusher:cache_miss"
    late = model.connect(APP, 7)
    model.subscribe(late, {"channel": "cache-prices", "auth": ""})
    assert fx.events_to(late) == ["pusher_internal:subscription_succeeded", "tick"]
    assert model.channel_info(APP, "cache-prices", ["cache"])["cache"] == {
        "data": '{"p":1}', "ttl": 1800}
    clock.now += 1801
    later = model.connect(APP, 7)
    model.subscribe(later, {"channel": "cache-prices", "auth": ""})
    assert fx.events_to(later)[-1] == "pusher:cache_miss"


@pytest.mark.parametrize(("request_", "status", "message"), [
    (PublishRequest("e", "{}", [f"c{i}" for i in range(101)]), 400, "Too many channels"),
    (PublishRequest("e", "x" * 10241, ["c"]), 413, "exceeds the allowed maximum (10240"),
    (PublishRequest("e", "{}", ["bad channel"]), 400, "Invalid channel name"),
    (PublishRequest("e", "{}", ["private-encrypted-a", "b"]), 400, "encrypted"),
    (PublishRequest("e", "{}", ["a"], socket_id="nope"), 400, "Invalid socket id"),
    (PublishRequest("e", "{}", ["a"], info=["user_count"]), 400, "presence channel"),
])
def test_publish_checks(world: Any, request_: PublishRequest, status: int,
                        message: str) -> None:
    model, _, _ = world
    with pytest.raises(ApiError) as caught:
        model.check_publish(APP, request_)
    assert caught.value.status == status and message in caught.value.message


def test_channels_listing_needs_a_presence_prefix_for_user_count(world: Any) -> None:
    model, _, _ = world
    with pytest.raises(ApiError, match="begining with presence-"):
        model.channels(APP, "private-", ["user_count"])
    model.add_member(APP, "presence-a", "1", None)
    assert model.channels(APP, "presence-", ["user_count"]) == {"presence-a": {"user_count": 1}}


def test_signin_watchlist_and_terminate(world: Any) -> None:
    model, fx, _ = world
    watcher, target = model.connect(APP, 7), model.connect(APP, 7)
    data = json.dumps({"id": "w", "watchlist": ["t"] + [f"x{i}" for i in range(100)]})
    model.signin(watcher, {"user_data": data,
                           "auth": sign_user("key", "secret", watcher.socket_id, data)})
    assert fx.events_to(watcher) == ["pusher:signin_success", "pusher:error"]
    assert fx.to(watcher)[1].data == {
        "code": 4302,
        "message": "Watchlist limit exceeded. Only the first 100 user IDs are accepted."}
    tdata = '{"id":"t"}'
    model.signin(target, {"user_data": tdata,
                          "auth": sign_user("key", "secret", target.socket_id, tdata)})
    assert fx.to(watcher)[-1].decoded() == {"events": [{"name": "online", "user_ids": ["t"]}]}
    with pytest.raises(PusherError, match="already signed in"):
        model.signin(target, {"user_data": tdata, "auth": "x"})
    assert model.terminate_user_connections(APP, "t") == 1
    assert fx.closes == [(target.socket_id, CloseCode.UNAUTHORIZED)]
    model.disconnect(target)
    assert fx.to(watcher)[-1].decoded() == {"events": [{"name": "offline", "user_ids": ["t"]}]}


def test_server_to_user_channel_is_for_its_user_only(world: Any) -> None:
    model, _, _ = world
    conn = model.connect(APP, 7)
    with pytest.raises(PusherError, match="only the signed-in user"):
        model.subscribe(conn, {"channel": "#server-to-user-42", "auth": ""})
    data = '{"id":"42"}'
    model.signin(conn, {"user_data": data,
                        "auth": sign_user("key", "secret", conn.socket_id, data)})
    model.subscribe(conn, {"channel": "#server-to-user-42", "auth": ""})
    assert "#server-to-user-42" in conn.channels
    assert model.channels(APP, "", []) == {}  # not listed by the HTTP API


def test_the_cache_keeps_at_most_max_cached_channels_dropping_the_least_recent() -> None:
    app = App(id="1", key="key", secret="secret", max_cached_channels=3)
    clock = ManualClock()
    model = PusherModel([app], Recorded(), clock, random.Random(7))
    for name in ("cache-a", "cache-b", "cache-c"):
        model.publish(app, PublishRequest("tick", name, [name]))
    model.publish(app, PublishRequest("tick", "again", ["cache-a"]))  # a is now the newest
    model.publish(app, PublishRequest("tick", "d", ["cache-d"]))
    assert list(model.state(app).cache) == ["cache-c", "cache-a", "cache-d"]
    assert model.channel_info(app, "cache-b", ["cache"]) == {"occupied": False}


def test_expired_cache_entries_go_before_live_ones() -> None:
    app = App(id="1", key="key", secret="secret", max_cached_channels=2, cache_ttl=10)
    clock = ManualClock()
    model = PusherModel([app], Recorded(), clock, random.Random(7))
    model.publish(app, PublishRequest("tick", "old", ["cache-old"]))
    clock.now += 5
    model.publish(app, PublishRequest("tick", "mid", ["cache-mid"]))
    clock.now += 6  # cache-old has expired, cache-mid has not
    model.publish(app, PublishRequest("tick", "new", ["cache-new"]))
    assert list(model.state(app).cache) == ["cache-mid", "cache-new"]
