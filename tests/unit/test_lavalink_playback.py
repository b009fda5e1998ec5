"""Playback and sessions on a virtual clock, through the pure model (no sockets).

Operations go in (``update_player``, ``destroy_player``, ``detach``/``resume``...); what
the model sends comes out through a recording Effects double, and time moves only when a
test advances the clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from wiretwin.lavalink.catalogue import Catalogue, default_catalogue
from wiretwin.lavalink.config import LavalinkConfig
from wiretwin.lavalink.model import LavalinkError, LavalinkModel, Session
from wiretwin.lavalink.tracks import Track
from wiretwin.runtime.clock import VirtualClock

EPOCH = 1_700_000_000.0
GUILD = "817327181659111454"
VOICE = {"token": "tok", "endpoint": "us-east.discord.media", "sessionId": "vs",
         "channelId": "123"}
RICK = "dQw4w9WgXcQ"  # 212 000 ms in the default catalogue


@dataclass
class Recorded:
    sent: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)

    def send(self, session_id: str, message: dict[str, Any], label: str) -> None:
        self.sent.append((session_id, message, label))

    def take(self) -> list[dict[str, Any]]:
        """Everything sent since the last take."""
        out = [m for _, m, _ in self.sent]
        self.sent.clear()
        return out

    def labels(self) -> list[str]:
        return [label for _, _, label in self.sent]


@dataclass
class World:
    model: LavalinkModel
    fx: Recorded
    clock: VirtualClock
    session: Session

    @property
    def sid(self) -> str:
        return self.session.id

    def patch(self, body: dict[str, Any], guild: str = GUILD, *,
              no_replace: bool = False) -> dict[str, Any]:
        return self.model.update_player(self.sid, guild, body, no_replace)

    def play(self, identifier: str = RICK, guild: str = GUILD, *, voice: bool = True,
             **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"track": {"identifier": identifier}, **extra}
        if voice:
            body["voice"] = VOICE
        return self.patch(body, guild)

    def position(self, guild: str = GUILD) -> int:
        return self.model.player(self.sid, guild).position

    def track(self, identifier: str) -> Track:
        found: Track = self.model.catalogue.load(identifier).data
        return found


def _events(messages: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Events (type, and reason for TrackEnd) and other ops, in order."""
    out: list[tuple[str, ...]] = []
    for m in messages:
        if m["op"] == "event":
            out.append((m["type"], m["reason"]) if m["type"] == "TrackEndEvent"
                       else (m["type"],))
        else:
            out.append((m["op"],))
    return out


def _make(version: str = "4.2.2", catalogue: Catalogue | None = None,
          **config: Any) -> World:
    fx = Recorded()
    clock = VirtualClock(EPOCH)
    model = LavalinkModel(fx, clock, catalogue or default_catalogue(0),
                          LavalinkConfig(version=version, **config), random.Random(0))
    session = model.open_session("1234", "test/1.0")
    model.announce(session)
    fx.take()
    return World(model, fx, clock, session)


@pytest.fixture
async def world() -> World:
    return _make()  # async: the clock's timers need the test's running loop


@pytest.fixture
async def stream_world() -> World:
    cat = default_catalogue(0)
    cat.add(cat.make_track("Radio", "Station", source="http", is_stream=True, key="radio"))
    return _make(catalogue=cat)


# -- position -------------------------------------------------------------------------


async def test_position_advances_only_with_voice(world: World) -> None:
    world.play(voice=False)
    await world.clock.advance(10)
    assert world.position() == 0
    world.patch({"voice": VOICE})
    await world.clock.advance(10)
    assert world.position() == 10_000
    await world.clock.advance(0.25)
    assert world.position() == 10_250


async def test_pausing_freezes_the_position_and_unpausing_resumes_it(world: World) -> None:
    world.play()
    await world.clock.advance(20)
    world.patch({"paused": True})
    await world.clock.advance(300)
    assert world.position() == 20_000
    assert world.model.player(world.sid, GUILD).paused
    world.patch({"paused": False})
    await world.clock.advance(5)
    assert world.position() == 25_000


async def test_a_track_started_paused_does_not_advance(world: World) -> None:
    world.play(paused=True)
    await world.clock.advance(30)
    assert world.position() == 0
    assert world.patch({})["paused"] is True


async def test_seek_moves_the_position_and_sends_a_player_update(world: World) -> None:
    world.play()
    await world.clock.advance(3)
    world.fx.take()
    world.patch({"position": 100_000})
    sent = world.fx.take()
    assert [m["op"] for m in sent] == ["playerUpdate"]
    assert sent[0]["state"]["position"] == 100_000
    await world.clock.advance(2)
    assert world.position() == 102_000


async def test_seek_while_paused_stays_paused(world: World) -> None:
    world.play(paused=True)
    world.patch({"position": "60000"})  # quoted numerics, as pomice sends them
    await world.clock.advance(10)
    assert world.position() == 60_000


async def test_seek_without_a_track_is_ignored(world: World) -> None:
    world.patch({"voice": VOICE})
    world.fx.take()
    body = world.patch({"position": 5000})
    assert body["track"] is None and body["state"]["position"] == 0
    assert world.fx.take() == []


async def test_start_position_applies_to_the_new_track(world: World) -> None:
    body = world.play(position=200_000)
    assert body["state"]["position"] == 200_000
    assert body["track"]["info"]["position"] == 200_000


# -- track end ------------------------------------------------------------------------


async def test_a_track_finishes_at_its_length(world: World) -> None:
    world.play()
    world.fx.take()
    await world.clock.advance(211.999)
    assert "TrackEndEvent" not in [m.get("type") for m in world.fx.take()]
    await world.clock.advance(0.001)
    (end,) = [m for m in world.fx.take() if m.get("type") == "TrackEndEvent"]
    assert end["reason"] == "finished" and end["guildId"] == GUILD
    assert end["track"]["info"]["position"] == 212_000
    assert end["track"]["info"]["identifier"] == RICK
    assert world.model.player(world.sid, GUILD).track is None
    assert world.position() == 0


async def test_time_spent_without_voice_does_not_count(world: World) -> None:
    world.play(voice=False)
    await world.clock.advance(50)  # under the cleanup threshold
    world.patch({"voice": VOICE})
    world.fx.take()
    await world.clock.advance(211.9)
    assert all(m.get("type") != "TrackEndEvent" for m in world.fx.take())
    await world.clock.advance(0.1)
    assert ("TrackEndEvent", "finished") in _events(world.fx.take())


async def test_end_time_finishes_with_reason_finished(world: World) -> None:
    world.play(endTime=30_000)
    world.fx.take()
    await world.clock.advance(29.5)
    assert all(m.get("type") != "TrackEndEvent" for m in world.fx.take())
    await world.clock.advance(0.5)
    (end,) = [m for m in world.fx.take() if m.get("type") == "TrackEndEvent"]
    assert end["reason"] == "finished"
    assert end["track"]["info"]["position"] == 30_000


async def test_end_time_can_be_set_and_moved_but_null_keeps_it(world: World) -> None:
    """``endTime: null`` without a new track changes nothing: PlayerRestHandler only
    sets a marker for a non-null value (``takeIfPresent { ... }?.let``)."""
    world.play()
    world.patch({"endTime": 10_000})
    world.patch({"endTime": "20000"})
    await world.clock.advance(15)
    assert world.model.player(world.sid, GUILD).track is not None
    world.patch({"endTime": None})
    assert world.model.player(world.sid, GUILD).end_time == 20_000
    await world.clock.advance(5)
    assert world.model.player(world.sid, GUILD).track is None


async def test_a_new_track_with_a_null_end_time_plays_to_its_end(world: World) -> None:
    world.play(endTime=10_000)
    world.play(endTime=None)
    assert world.model.player(world.sid, GUILD).end_time is None


async def test_an_end_time_already_passed_finishes_at_once(world: World) -> None:
    world.play()
    await world.clock.advance(40)
    world.fx.take()
    world.patch({"endTime": 10_000})
    await world.clock.advance(0)
    assert ("TrackEndEvent", "finished") in _events(world.fx.take())


@pytest.mark.parametrize("end_time", [0, -5, "0"])
async def test_end_time_must_be_positive(world: World, end_time: Any) -> None:
    with pytest.raises(LavalinkError, match=r"^End time must be greater than 0$") as err:
        world.play(endTime=end_time)
    assert err.value.status == 400
    assert world.session.players == {} and world.fx.take() == []


async def test_playing_over_a_track_replaces_it_end_before_start(world: World) -> None:
    world.play()
    await world.clock.advance(12)
    world.fx.take()
    other = world.model.catalogue.load("ytsearch:other").data[0]
    world.patch({"track": {"encoded": other.encoded}})
    sent = world.fx.take()
    assert _events(sent) == [("TrackEndEvent", "replaced"), ("TrackStartEvent",),
                             ("playerUpdate",)]
    assert sent[0]["track"]["info"]["identifier"] == RICK
    assert sent[0]["track"]["info"]["position"] == 12_000
    assert sent[1]["track"]["encoded"] == other.encoded
    assert sent[2]["state"]["position"] == 0


async def test_no_replace_keeps_the_playing_track_and_sends_nothing(world: World) -> None:
    world.play()
    world.fx.take()
    body = world.patch({"track": {"identifier": "ytsearch:x"}}, no_replace=True)
    assert body["track"]["info"]["identifier"] == RICK
    assert world.fx.take() == []


async def test_no_replace_answers_before_loading_but_applies_volume_and_filters(
        world: World) -> None:
    world.play()
    world.fx.take()
    body = world.patch({"track": {"encoded": "undecodable"}, "volume": 30, "paused": True,
                        "position": 90_000, "filters": {"volume": 0.8}}, no_replace=True)
    assert body["track"]["info"]["identifier"] == RICK
    assert (body["volume"], body["paused"], body["filters"]) == (30, False, {"volume": 0.8})
    assert body["state"]["position"] == 0
    assert [m["op"] for m in world.fx.take()] == ["playerUpdate"]  # for the filters
    world.patch({"encodedTrack": None}, no_replace=True)
    assert world.model.player(world.sid, GUILD).track is not None


async def test_no_replace_plays_when_nothing_is_playing(world: World) -> None:
    body = world.patch({"track": {"identifier": RICK}, "voice": VOICE}, no_replace=True)
    assert body["track"]["info"]["identifier"] == RICK


async def test_a_null_track_stops_it(world: World) -> None:
    world.play()
    await world.clock.advance(1)
    world.fx.take()
    body = world.patch({"track": {"encoded": None}})
    assert body["track"] is None
    assert _events(world.fx.take()) == [("TrackEndEvent", "stopped")]
    world.play()
    world.fx.take()
    world.patch({"encodedTrack": None})  # the deprecated form mafic sends
    assert _events(world.fx.take()) == [("TrackEndEvent", "stopped")]


async def test_destroy_removes_the_player_then_sends_track_end_stopped(world: World) -> None:
    world.play()
    world.fx.take()
    seen: list[bool] = []
    original = world.fx.send

    def send(session_id: str, message: dict[str, Any], label: str) -> None:
        seen.append(GUILD in world.session.players)
        original(session_id, message, label)

    world.fx.send = send  # type: ignore[method-assign]
    world.model.destroy_player(world.sid, GUILD)
    assert _events(world.fx.take()) == [("TrackEndEvent", "stopped")]
    assert seen == [False]
    with pytest.raises(LavalinkError, match="Player not found"):
        world.model.player(world.sid, GUILD)
    world.model.destroy_player(world.sid, "999")  # unknown player: no error, nothing sent
    assert world.fx.take() == []
    await world.clock.advance(600)
    assert [m["op"] for m in world.fx.take()] == ["stats"] * 10


async def test_without_voice_a_track_is_cleaned_up_after_60_seconds(world: World) -> None:
    world.play(voice=False)
    world.fx.take()
    await world.clock.advance(59.9)
    assert all(m.get("type") != "TrackEndEvent" for m in world.fx.take())
    await world.clock.advance(0.1)
    ends = [m for m in world.fx.take() if m.get("type") == "TrackEndEvent"]
    assert [e["reason"] for e in ends] == ["cleanup"]
    assert ends[0]["track"]["info"]["position"] == 0


async def test_losing_voice_starts_the_cleanup_countdown(world: World) -> None:
    world.play()
    await world.clock.advance(30)
    world.fx.take()
    world.model.close_voice(world.sid, GUILD, 4014, "Disconnected.", True)
    sent = world.fx.take()
    assert _events(sent) == [("WebSocketClosedEvent",), ("playerUpdate",)]
    assert sent[0] | {"guildId": GUILD} == {"op": "event", "type": "WebSocketClosedEvent",
                                            "guildId": GUILD, "code": 4014,
                                            "reason": "Disconnected.", "byRemote": True}
    assert sent[1]["state"]["connected"] is False and sent[1]["state"]["ping"] == -1
    await world.clock.advance(59)
    assert world.position() == 30_000
    await world.clock.advance(1)
    assert ("TrackEndEvent", "cleanup") in _events(world.fx.take())


async def test_voice_back_in_time_cancels_the_cleanup(world: World) -> None:
    world.play(voice=False)
    await world.clock.advance(59)
    world.patch({"voice": VOICE})
    world.fx.take()
    await world.clock.advance(120)
    assert all(m.get("type") != "TrackEndEvent" for m in world.fx.take())
    assert world.position() == 120_000


async def test_a_paused_player_with_voice_is_not_cleaned_up(world: World) -> None:
    world.play(paused=True)
    await world.clock.advance(3600)
    assert world.model.player(world.sid, GUILD).track is not None


async def test_streams_never_end(stream_world: World) -> None:
    w = stream_world
    w.play("https://radio.example/radio.mp3")
    w.fx.take()
    await w.clock.advance(10 * 3600)
    assert all(m.get("type") != "TrackEndEvent" for m in w.fx.take())
    assert w.position() == 36_000_000
    body = w.patch({})
    assert body["track"]["info"]["isStream"] is True
    assert body["track"]["info"]["isSeekable"] is False


async def test_exception_then_track_end_load_failed(world: World) -> None:
    world.play()
    world.fx.take()
    world.model.inject_exception(world.sid, GUILD, "Broken stream", "suspicious")
    sent = world.fx.take()
    assert _events(sent) == [("TrackExceptionEvent",), ("TrackEndEvent", "loadFailed")]
    assert sent[0]["exception"]["message"] == "Broken stream"
    assert sent[0]["exception"]["severity"] == "suspicious"


async def test_stuck_reports_the_threshold_and_keeps_playing(world: World) -> None:
    world.play()
    world.fx.take()
    world.model.inject_stuck(world.sid, GUILD)
    sent = world.fx.take()
    assert _events(sent) == [("TrackStuckEvent",), ("playerUpdate",)]
    assert sent[0]["thresholdMs"] == 10_000
    assert world.model.player(world.sid, GUILD).track is not None


# -- cadence --------------------------------------------------------------------------


async def test_player_updates_every_interval_while_a_track_is_loaded(world: World) -> None:
    world.play()
    sent = world.fx.take()
    assert _events(sent) == [("playerUpdate",), ("TrackStartEvent",), ("playerUpdate",)]
    await world.clock.advance(60)
    updates = [m for m in world.fx.take() if m["op"] == "playerUpdate"]
    assert [u["state"]["position"] for u in updates] == list(range(5000, 60_001, 5000))
    assert [u["state"]["time"] for u in updates] == [
        int((EPOCH + 5 * i) * 1000) for i in range(1, 13)]
    assert all(u["state"]["connected"] and u["state"]["ping"] >= 0 for u in updates)


async def test_an_idle_player_gets_no_periodic_updates(world: World) -> None:
    world.patch({"voice": VOICE, "volume": 50})
    world.fx.take()
    await world.clock.advance(119)  # stats only at 60
    assert [m["op"] for m in world.fx.take()] == ["stats"]


async def test_updates_stop_when_the_track_ends(world: World) -> None:
    world.play(endTime=12_000)
    world.fx.take()
    await world.clock.advance(100)
    ops = _events(world.fx.take())
    assert ops == [("playerUpdate",), ("playerUpdate",), ("TrackEndEvent", "finished"),
                   ("stats",)]


async def test_a_paused_player_keeps_getting_frozen_updates(world: World) -> None:
    world.play()
    await world.clock.advance(7)
    world.patch({"paused": True})
    world.fx.take()
    await world.clock.advance(20)
    positions = [m["state"]["position"] for m in world.fx.take() if m["op"] == "playerUpdate"]
    assert positions == [7000] * 4


async def test_custom_update_interval() -> None:
    w = _make(player_update_interval=1.0)
    w.play()
    w.fx.take()
    await w.clock.advance(10)
    assert w.fx.labels().count("playerUpdate") == 10


async def test_filters_replace_the_chain_and_send_an_update(world: World) -> None:
    world.play()
    world.patch({"filters": {"volume": 0.5, "timescale": {"speed": 1.2}}})
    world.fx.take()
    body = world.patch({"filters": {"karaoke": {"level": 1}}})
    assert body["filters"] == {"karaoke": {"level": 1}}
    assert [m["op"] for m in world.fx.take()] == ["playerUpdate"]


async def test_volume_is_clamped(world: World) -> None:
    assert world.patch({"volume": 5000})["volume"] == 1000
    assert world.patch({"volume": -3})["volume"] == 0
    assert world.patch({"volume": "70"})["volume"] == 70


async def test_stats_at_connect_and_every_60_seconds() -> None:
    w = _make()
    w.model.announce(w.model.open_session("99", None))  # a second session
    first = [m for _, m, _ in w.fx.sent]
    assert [m["op"] for m in first] == ["ready", "stats"]
    w.fx.take()
    w.play()
    w.fx.take()
    await w.clock.advance(180)
    stats = [m for m in w.fx.take() if m["op"] == "stats"]
    assert len(stats) == 6  # 3 per session
    assert {s["players"] for s in stats} == {1} and {s["playingPlayers"] for s in stats} == {1}
    assert stats[0]["frameStats"] == {"sent": 3000, "nulled": 0, "deficit": 0}
    assert [s["uptime"] for s in stats[::2]] == [60_000, 120_000, 180_000]


async def test_stats_frame_stats_is_null_when_nobody_plays(world: World) -> None:
    world.play(paused=True)
    world.fx.take()
    await world.clock.advance(60)
    (stats,) = [m for m in world.fx.take() if m["op"] == "stats"]
    assert stats["frameStats"] is None and stats["players"] == 1
    assert stats["playingPlayers"] == 0
    rest = world.model.stats(websocket=False)
    assert "frameStats" not in rest and "op" not in rest


# -- sessions and resuming -------------------------------------------------------------


async def test_ready_then_stats_on_announce() -> None:
    fx = Recorded()
    clock = VirtualClock(EPOCH)
    model = LavalinkModel(fx, clock, Catalogue(), LavalinkConfig(), random.Random(1))
    session = model.open_session("1", None)
    model.announce(session)
    ready, stats = fx.take()
    assert ready == {"op": "ready", "resumed": False, "sessionId": session.id}
    assert len(session.id) == 16 and session.id.isalnum() and session.id.islower()
    assert stats["op"] == "stats" and stats["players"] == 0


async def test_session_ids_are_seeded() -> None:
    ids = []
    for _ in range(2):
        model = LavalinkModel(Recorded(), VirtualClock(EPOCH), Catalogue(), LavalinkConfig(),
                              random.Random(42))
        ids.append([model.open_session("1", None).id for _ in range(5)])
    assert ids[0] == ids[1] and len(set(ids[0])) == 5


async def test_a_session_that_is_not_resumable_ends_with_its_socket(world: World) -> None:
    world.play()
    world.fx.take()
    world.model.detach(world.session)
    assert world.sid not in world.model.sessions
    assert world.fx.take() == []  # the TrackEnd went into the void
    with pytest.raises(LavalinkError, match="Session not found") as err:
        world.model.player(world.sid, GUILD)
    assert err.value.status == 404


async def test_update_session_sets_resuming_and_timeout(world: World) -> None:
    assert world.model.update_session(world.sid, {}) == {"resuming": False, "timeout": 60}
    assert world.model.update_session(world.sid, {"resuming": "TRUE", "timeout": "30"}) == {
        "resuming": True, "timeout": 30}
    for refused in ({"timeout": None}, {"resuming": "yes"}, {"timeout": 1.5},
                    {"resuming": 1}):
        with pytest.raises(LavalinkError, match=r"^Bad Request$") as err:
            world.model.update_session(world.sid, refused)
        assert err.value.status == 400
    # no range check: a negative timeout is taken (the session ends as soon as it drops)
    assert world.model.update_session(world.sid, {"timeout": -1}) == {
        "resuming": True, "timeout": -1}
    # Kotlin's Duration saturates: past ~4.6e15 s the timeout reads back as Long.MAX
    assert world.model.update_session(world.sid, {"timeout": 10**16})["timeout"] == 2**63 - 1
    assert world.model.update_session(world.sid, {"timeout": "1e3"})["timeout"] == 1000


async def test_a_paused_session_queues_and_replays_ready_queue_then_updates(world: World
                                                                           ) -> None:
    world.model.update_session(world.sid, {"resuming": True, "timeout": 60})
    world.play(endTime=10_000)
    second = world.model.catalogue.load("ytsearch:second").data[0]
    world.patch({"track": {"encoded": second.encoded}, "voice": VOICE}, guild="2")
    world.fx.take()
    world.model.detach(world.session)
    assert world.model.resumable(world.sid) is world.session
    await world.clock.advance(30)  # track ends while nobody listens
    assert world.fx.take() == []
    queued = [m for m, _ in world.session.queue]
    assert ("TrackEndEvent", "finished") in _events(queued)
    world.model.resume(world.session)
    replay = world.fx.take()
    assert replay[0] == {"op": "ready", "resumed": True, "sessionId": world.sid}
    assert replay[1:1 + len(queued)] == queued
    tail = replay[1 + len(queued):]
    assert [m["op"] for m in tail] == ["playerUpdate", "playerUpdate", "stats"]
    assert [m["guildId"] for m in tail[:2]] == [GUILD, "2"]
    assert tail[1]["state"]["position"] == 30_000  # players kept playing
    assert world.session.queue == []
    await world.clock.advance(60)
    assert world.sid in world.model.sessions  # the expiry was cancelled


async def test_a_paused_session_expires_and_destroys_its_players(world: World) -> None:
    world.model.update_session(world.sid, {"resuming": True, "timeout": 10})
    world.play()
    world.fx.take()
    world.model.detach(world.session)
    await world.clock.advance(9.9)
    assert world.model.resumable(world.sid) is world.session
    await world.clock.advance(0.1)
    assert world.sid not in world.model.sessions
    assert world.model.resumable(world.sid) is None
    assert world.session.players == {}
    assert world.fx.take() == []
    assert world.model.counts() == (0, 0)


async def test_stats_stop_while_paused(world: World) -> None:
    world.model.update_session(world.sid, {"resuming": True, "timeout": 600})
    world.model.detach(world.session)
    await world.clock.advance(300)
    assert [m for m, _ in world.session.queue if m["op"] == "stats"] == []


# -- versions -------------------------------------------------------------------------


async def test_4_2_requires_a_voice_channel_id() -> None:
    w = _make("4.2.2")
    for voice in ({**VOICE, "channelId": None}, {**VOICE, "channelId": " "}):
        with pytest.raises(LavalinkError) as err:
            w.patch({"voice": voice})
        assert err.value.status == 400
        assert err.value.message == ("token, endpoint, sessionId and channelId must be "
                                     "provided in voice state")
    # channelId has no default in 4.2's VoiceState: leaving it out is a kotlinx refusal
    no_channel = {k: v for k, v in VOICE.items() if k != "channelId"}
    with pytest.raises(LavalinkError, match=r"^Bad Request$"):
        w.patch({"voice": no_channel})
    assert w.session.players == {}
    # Koe takes ``channelId!!.toLong()``: a channel that is no number fails there (500)
    with pytest.raises(LavalinkError) as err:
        w.patch({"voice": {**VOICE, "channelId": "general"}})
    assert (err.value.status, err.value.message) == (
        500, 'Request processing failed: java.lang.NumberFormatException: For input '
             'string: "general"')
    assert w.patch({"voice": {**VOICE, "channelId": "0123"}})["voice"]["channelId"] == "123"


async def test_4_0_accepts_voice_without_a_channel_id() -> None:
    w = _make("4.0.8")
    body = w.patch({"voice": {k: v for k, v in VOICE.items() if k != "channelId"}})
    assert body["voice"] == {"token": "tok", "endpoint": "us-east.discord.media",
                             "sessionId": "vs", "channelId": None}
    assert body["state"]["connected"] is True
    with pytest.raises(LavalinkError, match=r"^token, endpoint and sessionId must be "
                                            r"provided in voice state$"):
        w.patch({"voice": {**VOICE, "token": ""}})


async def test_cause_stack_trace_arrived_in_4_1() -> None:
    for version, present in (("4.0.8", False), ("4.1.0", True), ("4.2.2", True)):
        w = _make(version)
        w.play()
        w.fx.take()
        w.model.inject_exception(w.sid, GUILD, "boom")
        exception = w.fx.take()[0]["exception"]
        assert ("causeStackTrace" in exception) is present, version
        assert exception["cause"] == "com.sedmelluq.discord.lavaplayer.tools.FriendlyException"


async def test_plugin_info_and_user_data_are_omitted_when_empty_before_4_0_2() -> None:
    for version, present in (("4.0.0", False), ("4.0.1", False), ("4.0.2", True),
                             ("4.2.2", True)):
        w = _make(version)
        w.play()
        start = next(m for m in w.fx.take() if m.get("type") == "TrackStartEvent")
        assert ("pluginInfo" in start["track"]) is present, version
        assert ("userData" in start["track"]) is present, version
    old = _make("4.0.1")
    body = old.patch({"track": {"identifier": RICK, "userData": {"a": 1}}})
    assert body["track"]["userData"] == {"a": 1} and "pluginInfo" not in body["track"]


async def test_user_data_travels_with_the_track_and_can_be_replaced(world: World) -> None:
    world.play(track={"identifier": RICK, "userData": {"requester": 1}})
    start = next(m for m in world.fx.take() if m.get("type") == "TrackStartEvent")
    assert start["track"]["userData"] == {"requester": 1}
    assert world.patch({"track": {"userData": {"requester": 2}}})["track"]["userData"] == {
        "requester": 2}
    # a top-level userData is not a PlayerUpdate field: ignored
    assert world.patch({"userData": {"requester": 3}})["track"]["userData"] == {
        "requester": 2}


async def test_player_state_time_is_the_clock_wall_time(world: World) -> None:
    await world.clock.advance(12.345)
    body = world.play()
    assert body["state"]["time"] == int((EPOCH + 12.345) * 1000)


async def test_rejected_patches_change_nothing(world: World) -> None:
    """Refusals before the player is touched: unreadable fields (kotlinx, 400 "Bad
    Request") and PlayerRestHandler's own checks."""
    world.play()
    world.fx.take()
    before = world.patch({})
    cases: list[tuple[dict[str, Any], str]] = [
        ({"track": {"encoded": "x", "identifier": "y"}}, "Cannot specify both encoded"),
        ({"track": {"encoded": None}, "encodedTrack": None}, "Cannot specify both track"),
        ({"volume": "loud"}, "Bad Request"),
        ({"volume": 2**31}, "Bad Request"),
        ({"volume": 1.5}, "Bad Request"),
        ({"paused": "yes"}, "Bad Request"),
        ({"paused": None}, "Bad Request"),
        ({"position": True}, "Bad Request"),
        ({"track": None}, "Bad Request"),
        ({"track": {"userData": []}}, "Bad Request"),
        ({"filters": {"volume": "loud"}}, "Bad Request"),
        ({"voice": {**VOICE, "token": 5}}, "Bad Request"),
        ({"voice": {"token": "t", "endpoint": "e", "sessionId": "s"}}, "Bad Request"),
    ]
    for body, message in cases:
        with pytest.raises(LavalinkError, match=f"^{message}") as err:
            world.patch(body)
        assert err.value.status == 400, body
    assert world.patch({}) == before
    assert world.fx.take() == []


async def test_a_failing_new_track_keeps_what_was_applied_before_it(world: World) -> None:
    """Lavalink applies voice, volume and filters, and unpauses, before it decodes or
    loads the new track; a track that fails leaves those in place."""
    world.play()
    world.patch({"paused": True})
    world.fx.take()
    for body, status in (({"track": {"identifier": "nothing at all"}, "volume": 50}, 400),
                         ({"track": {"encoded": "garbage"}, "volume": 60}, 500)):
        with pytest.raises(LavalinkError) as err:
            world.patch(body)
        assert err.value.status == status
    player = world.model.player(world.sid, GUILD)
    assert (player.volume, player.paused) == (60, False)
    assert player.track is not None and player.track.identifier == RICK


async def test_an_equalizer_band_past_14_is_the_nodes_500(world: World) -> None:
    world.play()
    with pytest.raises(LavalinkError) as err:
        world.patch({"volume": 70, "filters": {"equalizer": [{"band": 15, "gain": 0.1}]}})
    assert (err.value.status, err.value.message) == (
        500, "Request processing failed: java.lang.ArrayIndexOutOfBoundsException: "
             "Index 15 out of bounds for length 15")
    assert world.model.player(world.sid, GUILD).volume == 70  # applied before the filters
    assert world.model.player(world.sid, GUILD).filters == {}


# -- many players ---------------------------------------------------------------------


async def test_players_started_together_share_one_update_timer(stream_world: World) -> None:
    w = stream_world
    radio = w.track("https://radio.example/radio.mp3").encoded
    guilds = [str(100 + i) for i in range(50)]
    for guild in guilds:
        w.patch({"track": {"encoded": radio}, "voice": VOICE}, guild)
    assert w.clock.pending == 2  # stats, and one playerUpdate timer for all 50 streams
    w.fx.take()
    await w.clock.advance(5)
    updates = [m["guildId"] for m in w.fx.take() if m["op"] == "playerUpdate"]
    assert updates == guilds  # in the order the players started
    w.model.destroy_player(w.sid, guilds[0])
    w.patch({"track": {"encoded": None}}, guilds[1])
    w.fx.take()
    await w.clock.advance(5)
    assert [m["guildId"] for m in w.fx.take() if m["op"] == "playerUpdate"] == guilds[2:]
    for guild in guilds[2:]:
        w.model.destroy_player(w.sid, guild)
    assert w.clock.pending == 1  # only stats left


async def test_players_started_apart_keep_their_own_cadence(world: World) -> None:
    world.play(guild="1")
    await world.clock.advance(2)
    world.play(guild="2")
    world.fx.take()
    await world.clock.advance(10)
    sent = [(m["guildId"], m["state"]["time"]) for m in world.fx.take()
            if m["op"] == "playerUpdate"]
    t0 = int(EPOCH * 1000)
    assert sent == [("1", t0 + 5000), ("2", t0 + 7000), ("1", t0 + 10_000),
                    ("2", t0 + 12_000)]
