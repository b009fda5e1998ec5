"""Snapshots, restore, reset and world files on a real twin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wiretwin.pusher import App, PusherTwin
from wiretwin.pusher.snapshot import SnapshotError
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import Drop
from wiretwin.runtime.worlds import default_world, read_world, write_world

APPS = [App(id="1", key="app-key", secret="app-secret"),
        App(id="42", key="other", secret="s", client_events=False, webhooks=[])]


async def test_state_round_trips_through_plain_json_into_another_twin() -> None:
    clock = VirtualClock()
    async with PusherTwin(APPS, clock=clock) as twin:
        client = await twin.connect()
        await client.subscribe("presence-room", user_id="ann", user_info={"name": "Ann"})
        twin.add_member("presence-room", "bot", {"name": "Bot"})
        twin.add_member("presence-other", 7, app="42")
        twin.trigger("cache-prices", "tick", {"p": 1})
        await clock.advance(100)
        saved = json.loads(json.dumps(twin.snapshot()))
        await client.close()
    assert saved["members"] == [
        {"app": "1", "channel": "presence-room", "user_id": "ann",
         "user_info": {"name": "Ann"}},
        {"app": "1", "channel": "presence-room", "user_id": "bot",
         "user_info": {"name": "Bot"}},
        {"app": "42", "channel": "presence-other", "user_id": "7"},
    ]
    assert saved["cache"] == [{"app": "1", "channel": "cache-prices", "event": "tick",
                               "data": '{"p":1}', "ttl": 1700.0}]
    async with PusherTwin(clock=VirtualClock()) as fresh:
        fresh.restore(saved)
        assert fresh.snapshot() == saved
        assert [a.id for a in fresh.apps] == ["1", "42"]
        assert fresh.channel_info("presence-room", ["user_count"]) == {
            "occupied": True, "user_count": 2}
        late = await fresh.connect()
        await late.subscribe("cache-prices")
        assert (await late.receive("tick")).data == {"p": 1}
        await late.close()


async def test_restore_tells_connected_clients_what_changed() -> None:
    async with PusherTwin() as twin:
        ann = await twin.connect()
        await ann.subscribe("presence-room", user_id="ann")
        twin.add_member("presence-room", "bot")
        await ann.receive("pusher_internal:member_added")
        before = twin.snapshot()
        twin.remove_member("presence-room", "bot")
        twin.add_member("presence-room", "carol")
        twin.restore(before)
        removed = await ann.receive("pusher_internal:member_removed")
        assert removed.data == {"user_id": "bot"}
        assert (await ann.receive("pusher_internal:member_added")).data["user_id"] == "carol"
        assert (await ann.receive("pusher_internal:member_removed")).data == {
            "user_id": "carol"}
        assert (await ann.receive("pusher_internal:member_added")).data["user_id"] == "bot"
        assert twin.members("presence-room") == {"ann": None, "bot": None}
        assert twin.snapshot() == before
        await ann.close()


async def test_reset_goes_back_to_the_start() -> None:
    async with PusherTwin() as twin:
        client = await twin.connect()
        await client.subscribe("presence-room", user_id="ann")
        twin.add_member("presence-room", "bot")
        twin.trigger("cache-x", "e", {})
        twin.faults.add(Drop(name="loss"))
        twin.reset()
        assert await client.wait_closed() == 4200
        assert twin.faults.all() == []
        assert twin.recorder.triggered_events == []
        await twin.journal.wait_for(lambda e: e.kind == "connection" and e.event == "close")
        assert twin.snapshot()["members"] == []
        assert twin.snapshot()["cache"] == []
        assert twin.channels_info() == {"channels": {}}
        await client.close()


@pytest.mark.parametrize(("snapshot", "message"), [
    ({"apps": []}, "at least one app"),
    ({"apps": [{"id": "x", "key": "k", "secret": "s"}]}, "digits"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}], "members": [{"app": "1"}]},
     r"members\[0\]: missing channel, user_id"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}],
      "members": [{"app": "9", "channel": "presence-a", "user_id": "u"}]}, "no app with id"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}],
      "members": [{"app": "1", "channel": "private-a", "user_id": "u"}]},
     "not a presence channel"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}], "colour": "red"}, "unknown"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s", "activity_timeout": 0}]},
     "activity_timeout is a whole number from 1, not 0"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s", "pong_timeout": "30"}]},
     "pong_timeout is a number of seconds above 0"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s", "max_presence_members": None}]},
     "max_presence_members is a whole number from 1"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s", "client_events": "no"}]},
     "client_events is true or false"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s", "webhooks": "http://h"}]},
     "webhooks is a list of URLs"),
    ({"format": 2, "apps": []}, "format"),
    ({"apps": [{"id": "1", "key": ["k"], "secret": "s"}]}, "strings"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}, {"id": "2", "key": "k",
                                                        "secret": "t"}]}, "one key"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}], "members": 5}, "members: expected"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}], "cache": {}}, "cache: expected"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}],
      "members": [{"app": "1", "channel": ["presence-a"], "user_id": "u"}]},
     "channel is a string"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}],
      "members": [{"app": "1", "channel": "presence-a", "user_id": [1]}]},
     "user_id is a string"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}],
      "cache": [{"app": "1", "channel": "cache-a", "event": "e", "data": "{}", "ttl": "9"}]},
     "ttl is a number"),
    ({"apps": [{"id": "1", "key": "k", "secret": "s"}],
      "cache": [{"app": "1", "channel": "cache-a", "event": 1, "data": "{}", "ttl": 9}]},
     "event and data are strings"),
])
def test_bad_snapshots_are_refused_with_where_and_why(snapshot: dict[str, object],
                                                      message: str) -> None:
    twin = PusherTwin()
    with pytest.raises(SnapshotError, match=message):
        twin.restore(snapshot)
    assert [a.id for a in twin.apps] == ["1"]  # nothing half-applied


def test_world_files_round_trip_in_toml_and_json(tmp_path: Path) -> None:
    twin = PusherTwin()
    twin.restore({"apps": [a.to_json() for a in APPS],
                  "members": [{"app": "1", "channel": "presence-lobby", "user_id": "bot"}]})
    world = {"pusher": twin.snapshot()}
    for name in ("world.toml", "world.json"):
        write_world(tmp_path / name, world)
        again = PusherTwin()
        again.restore(read_world(tmp_path / name)["pusher"])
        assert again.snapshot() == world["pusher"]
    assert "max_connections" not in (tmp_path / "world.toml").read_text()  # null: left out
    assert default_world()["pusher"]["apps"][0]["key"] == "app-key"


def test_apps_may_swap_keys_in_one_restore() -> None:
    twin = PusherTwin([App(id="1", key="a", secret="s1"), App(id="2", key="b", secret="s2")])
    saved = twin.snapshot()
    saved["apps"][0]["key"], saved["apps"][1]["key"] = "b", "a"
    twin.restore(saved)
    assert [(a.id, a.key) for a in twin.apps] == [("1", "b"), ("2", "a")]
    assert twin.find_app("a").id == "2" and twin.find_app("b").id == "1"
    saved["apps"][0]["key"] = "c"  # app 1 lets "b" go to a new app 3
    saved["apps"].append({"id": "3", "key": "b", "secret": "s3"})
    twin.restore(saved)
    assert twin.find_app("b").id == "3" and twin.find_app("c").id == "1"
    assert [(a["id"], a["key"]) for a in twin.snapshot()["apps"]] == [
        ("1", "c"), ("2", "a"), ("3", "b")]
