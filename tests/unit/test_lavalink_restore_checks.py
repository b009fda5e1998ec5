"""Snapshots and worlds are checked before they change anything: a Lavalink setting of
the wrong type or out of range (an interval its clock never gets past, a bound every later
request would trip over), a malformed catalogue or player is refused with SnapshotError
(400 over PUT /_wiretwin/snapshot), not a 500 or a half-restored node."""

from __future__ import annotations

from typing import Any

import pytest

from wiretwin.lavalink import LavalinkTwin
from wiretwin.lavalink.config import LavalinkConfig, config_from_json
from wiretwin.lavalink.snapshot import SnapshotError
from wiretwin.runtime.clock import VirtualClock


@pytest.mark.parametrize(("name", "value"), [
    ("player_update_interval", 0), ("player_update_interval", -1),
    ("player_update_interval", 1e-9), ("player_update_interval", "5"),
    ("player_update_interval", None), ("player_update_interval", True),
    ("stats_interval", 0), ("stats_interval", float("inf")),
    ("cleanup_threshold", -1), ("cleanup_threshold", float("nan")),
    ("max_players_per_session", "10"), ("max_players_per_session", 1.5),
    ("max_body_bytes", -1), ("max_resume_queue", None), ("stuck_threshold_ms", False),
    ("password", 1234), ("version", None),
    ("disabled_filters", [["karaoke"]]), ("disabled_filters", 5),
    ("source_managers", [1]), ("plugins", [["a"]]), ("plugins", "lavasrc"),
])
def test_a_setting_of_the_wrong_type_or_out_of_range_is_refused(name: str,
                                                                 value: Any) -> None:
    with pytest.raises(ValueError, match=name):
        config_from_json({name: value})
    with pytest.raises(SnapshotError):
        LavalinkTwin(world={"lavalink": {"config": {name: value}}})


def test_the_shortest_intervals_and_the_defaults_are_taken() -> None:
    config = config_from_json({"player_update_interval": 0.01, "stats_interval": 1,
                               "cleanup_threshold": 0, "max_players_per_session": 0})
    assert (config.player_update_interval, config.stats_interval) == (0.01, 1)
    assert LavalinkConfig() == config_from_json({})


def test_a_snapshot_with_a_bad_setting_is_refused_and_changes_nothing() -> None:
    twin = LavalinkTwin()
    before = twin.snapshot()
    bad = {**before, "config": {**before["config"], "password": "new",
                                "player_update_interval": 0}}
    with pytest.raises(SnapshotError, match="player_update_interval"):
        twin.restore(bad)
    assert twin.snapshot() == before
    assert twin.config.player_update_interval == 5.0


VOICE = {"token": "tok", "endpoint": "us-east.discord.media", "sessionId": "vs",
         "channelId": "1"}


@pytest.mark.parametrize(("where", "value"), [
    ("players", 5), ("players", [None]), ("players", [{"guild": "1"}]),
    ("players", [{"session": ["s"], "guild": "1"}]), ("catalogue", []),
    ("catalogue", {"tracks": 5}), ("catalogue", {"playlists": [{"name": "x"}]}),
    ("player.volume", "loud"), ("player.volume", {}), ("player.filters", []),
    ("player.paused", "yes"), ("player.track", "not a track"), ("player.position", "x"),
    ("player.end_time", [1]),
])
async def test_a_malformed_snapshot_is_refused_before_anything_changes(
        where: str, value: Any) -> None:
    async with LavalinkTwin(clock=VirtualClock(1_700_000_000.0)) as twin:  # positions hold
        session = twin.model.open_session("1234", "test/1.0")
        twin.model.update_player(session.id, "1", {
            "track": {"identifier": "dQw4w9WgXcQ"}, "voice": VOICE}, no_replace=False)
        good = twin.snapshot()
        bad: dict[str, Any] = {**good}
        if where.startswith("player."):
            bad["players"] = [{**good["players"][0], where[7:]: value}]
        else:
            bad[where] = value
        with pytest.raises(SnapshotError):
            twin.restore(bad)
        assert twin.snapshot() == good
