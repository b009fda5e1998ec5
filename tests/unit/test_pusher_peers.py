"""The Pusher model in a cluster, without sockets or Redis: what it tells its peers, and
what it does with what they tell it (the peers here record, and decide nothing)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from tests.unit.test_pusher_model import APP, ManualClock, Recorded, _presence
from wiretwin.pusher.apps import App
from wiretwin.pusher.auth import sign_user
from wiretwin.pusher.cluster_sync import US, own_share, replica, sync_replica
from wiretwin.pusher.limits import PublishRequest
from wiretwin.pusher.model import ChannelCount, PusherModel


@dataclass
class Told:
    shares_membership: bool = True
    said: list[tuple[Any, ...]] = field(default_factory=list)
    online_users: set[str] = field(default_factory=set)

    def published(self, app: App, channel: str, event: str, data: str,
                  socket_id: str | None) -> None:
        self.said.append(("published", channel, event, socket_id))

    def client_event(self, app: App, channel: str, event: str, data: str,
                     user_id: str | None, socket_id: str) -> None:
        self.said.append(("client_event", channel, event, user_id))

    def terminated(self, app: App, user_id: str) -> None:
        self.said.append(("terminated", user_id))

    def joined(self, app: App, channel: str, socket_id: str | None, user_id: str | None,
               user_info: Any) -> None:
        self.said.append(("joined", channel, socket_id, user_id))

    def left(self, app: App, channel: str, socket_id: str | None,
             user_id: str | None) -> None:
        self.said.append(("left", channel, socket_id, user_id))

    def signed(self, app: App, user_id: str, delta: int) -> None:
        self.said.append(("signed", user_id, delta))

    def online(self, app: App, user_id: str) -> bool:
        return user_id in self.online_users


def cluster_model() -> tuple[PusherModel, Recorded, Told]:
    effects, peers = Recorded(), Told()
    return PusherModel([APP], effects, ManualClock(), random.Random(7), peers), effects, peers


def test_membership_webhooks_are_left_to_the_peers_and_changes_told() -> None:
    model, fx, peers = cluster_model()
    conn = model.connect(APP, 7)
    model.subscribe(conn, {"channel": "news", "auth": ""})
    _presence(model, conn, "presence-room", "ann", {"n": 1})
    model.disconnect(conn)
    assert fx.hooks == []  # occupied, member_added, ... come from the peers' counts
    assert peers.said == [
        ("joined", "news", conn.socket_id, None),
        ("joined", "presence-room", conn.socket_id, "ann"),
        ("left", "news", conn.socket_id, None),
        ("left", "presence-room", conn.socket_id, "ann"),
    ]


def test_publishing_tells_the_peers_and_a_relayed_event_is_not_told_again() -> None:
    model, fx, peers = cluster_model()
    conn = model.connect(APP, 7)
    model.subscribe(conn, {"channel": "news", "auth": ""})
    model.publish(APP, PublishRequest("story", "{}", ["news"], "1.2"))
    model.publish(APP, PublishRequest("relayed", "{}", ["news"], None), relayed=True)
    assert [s for s in peers.said if s[0] == "published"] == [
        ("published", "news", "story", "1.2")]
    assert fx.events_to(conn)[-2:] == ["story", "relayed"]


def test_remote_members_are_announced_to_local_subscribers_once() -> None:
    model, fx, _ = cluster_model()
    conn = model.connect(APP, 7)
    _presence(model, conn, "presence-room", "ann")
    model.remote_join(APP, "presence-room", "bob", {"n": 2}, "b/1.1")
    model.remote_join(APP, "presence-room", "bob", {"n": 2}, "c/1.2")  # second socket
    assert fx.events_to(conn).count("pusher_internal:member_added") == 1
    assert model.users(APP, "presence-room") == ["ann", "bob"]
    model.remote_leave(APP, "presence-room", "bob", "b/1.1")
    assert "pusher_internal:member_removed" not in fx.events_to(conn)
    model.remote_gone("c")  # bob's other twin died
    assert fx.events_to(conn).count("pusher_internal:member_removed") == 1
    assert model.users(APP, "presence-room") == ["ann"]


def test_remote_members_alone_keep_a_channel_and_leave_it_vacated() -> None:
    model, _, _ = cluster_model()
    model.remote_join(APP, "presence-room", "bob", None, "b/1.1")
    assert model.counts(APP) == {"presence-room": ChannelCount(0, 1)}
    model.remote_gone("b")
    assert model.counts(APP) == {}


def test_cluster_counts_answer_the_queries() -> None:
    model, _, _ = cluster_model()
    counts = {"news": ChannelCount(5, 0), "presence-room": ChannelCount(3, 2)}
    assert model.channels(APP, "", [], counts) == {"news": {}, "presence-room": {}}
    assert model.channel_info(APP, "presence-room", ["user_count"], counts) == {
        "occupied": True, "user_count": 2}
    assert model.channel_info(APP, "gone", [], counts) == {"occupied": False}


def test_watchlists_ask_the_peers_who_is_online() -> None:
    model, fx, peers = cluster_model()
    peers.online_users.add("bob")
    conn = model.connect(APP, 7)
    data = json.dumps({"id": "ann", "watchlist": ["bob", "cat"]})
    model.signin(conn, {"user_data": data,
                        "auth": sign_user("key", "secret", conn.socket_id, data)})
    assert fx.to(conn)[-1].decoded() == {"events": [{"name": "online", "user_ids": ["bob"]}]}
    assert ("signed", "ann", 1) in peers.said
    model.watched_user(APP, "cat", "online")
    assert fx.to(conn)[-1].decoded() == {"events": [{"name": "online", "user_ids": ["cat"]}]}
    model.disconnect(conn)
    assert peers.said[-1] == ("signed", "ann", -1)


def test_a_nodes_share_counts_what_its_joined_and_signed_calls_count() -> None:
    model, _, _ = cluster_model()
    one, two = model.connect(APP, 7), model.connect(APP, 7)
    model.subscribe(one, {"channel": "news", "auth": ""})
    model.subscribe(two, {"channel": "news", "auth": ""})
    _presence(model, one, "presence-room", "ann", {"n": 1})
    _presence(model, two, "presence-room", "ann", {"n": 1})
    model.add_member(APP, "presence-room", "zed", None)
    model.add_member(APP, "presence-room", "bot", {"b": 1})
    data = json.dumps({"id": "ann"})
    model.signin(one, {"user_data": data,
                       "auth": sign_user("key", "secret", one.socket_id, data)})
    model.remote_join(APP, "presence-room", "bob", None, "other/1.1")  # not this node's
    share = own_share(model, "n1")
    assert share.counts == {
        f"o{US}1{US}news": 2, f"s{US}1{US}news": 2,
        f"o{US}1{US}presence-room": 4, f"s{US}1{US}presence-room": 2,
        f"u{US}1{US}presence-room{US}ann": 2, f"u{US}1{US}presence-room{US}zed": 1,
        f"u{US}1{US}presence-room{US}bot": 1, f"w{US}1{US}ann": 1}
    # One roster entry per presence: each socket, and each member without one.
    assert share.roster == {
        f"1{US}presence-room{US}n1/{one.socket_id}": '["ann",{"n":1}]',
        f"1{US}presence-room{US}n1/{two.socket_id}": '["ann",{"n":1}]',
        f"1{US}presence-room{US}n1/*zed": '["zed",null]',
        f"1{US}presence-room{US}n1/*bot": '["bot",{"b":1}]'}


def test_a_replica_follows_what_redis_holds_of_a_node_joins_first() -> None:
    model, fx, _ = cluster_model()
    conn = model.connect(APP, 7)
    _presence(model, conn, "presence-room", "ann")
    model.remote_join(APP, "presence-room", "bob", None, "b/1.1")
    model.remote_join(APP, "presence-room", "cat", None, "b/1.2")
    seen = len(fx.events_to(conn))
    # B came back: Bob is on another socket now, Cat left, Dan came.
    sync_replica(model, "b", {("1", "presence-room", "b/2.1"): ("bob", None),
                              ("1", "presence-room", "b/2.2"): ("dan", {"d": 1})})
    assert fx.events_to(conn)[seen:] == ["pusher_internal:member_added",
                                         "pusher_internal:member_removed"]
    assert sorted(model.users(APP, "presence-room")) == ["ann", "bob", "dan"]
    assert replica(model, "b") == {("1", "presence-room", "b/2.1"): "bob",
                                   ("1", "presence-room", "b/2.2"): "dan"}
    sync_replica(model, "b", {})
    assert model.users(APP, "presence-room") == ["ann"]
