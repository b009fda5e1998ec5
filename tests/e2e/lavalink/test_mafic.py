"""The real mafic 2.11.0 (with discord.py 2.7.1) against a running Lavalink twin.

:mod:`wiretwin.drivers.mafic` logs discord.py in to a Discord twin whose world has the
guild and its voice channel; the Discord twin answers op 4 as Discord does, so
``channel.connect(cls=mafic.Player)`` goes through discord.py and mafic exactly as in a
bot. Protocol time is a :class:`VirtualClock`; mafic's
position arithmetic reads it too (:func:`follow_clock`). Tests wait on mafic's dispatches
(``RecordingClient.next_event``), on the states its players took
(``RecordingPlayer.wait_state``) and on the twin's journal, never on real time, except for
mafic's own reconnect backoff (up to 2 real seconds, inside the client).
"""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

import mafic
import pytest
import pytest_asyncio

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_voice import (
    unanswered_voice,
    voice_requests,
    wait_voice_request,
)
from wiretwin.drivers.mafic import (
    MaficBot,
    RecordingPlayer,
    follow_clock,
)
from wiretwin.lavalink import LavalinkTwin
from wiretwin.lavalink.config import LavalinkConfig
from wiretwin.lavalink.tracks import Track
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import Disconnect, Drop, LatencySpike, Scope
from wiretwin.runtime.journal import Entry
from wiretwin.runtime.looptime import LoopTime

pytestmark = [
    # Every test runs in the module's loop, where the module's Discord twin serves.
    pytest.mark.asyncio(loop_scope="module"),
    # Every 4.x minor > 0 (the twin's default 4.2.2) warns; test_version_* checks it.
    pytest.mark.filterwarnings("ignore::mafic.UnsupportedVersionWarning"),
    # mafic passes ws_connect(timeout=<float>), which aiohttp deprecates.
    pytest.mark.filterwarnings("ignore:parameter 'timeout':DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The .warn. method is deprecated:DeprecationWarning"),
]

PLAYER_PATH = "/v4/sessions/{}/players/{}"


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest_asyncio.fixture(loop_scope="module")
async def twin(clock: VirtualClock) -> AsyncIterator[LavalinkTwin]:
    async with LavalinkTwin(clock=clock, seed=3) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def discord_twin(shared_discord: DiscordTwin) -> DiscordTwin:
    """The module's Discord twin, as built for each test (MaficBot seats the bot)."""
    shared_discord.reset()
    return shared_discord


@pytest_asyncio.fixture(loop_scope="module")
async def bot(twin: LavalinkTwin, discord_twin: DiscordTwin,
              clock: VirtualClock) -> AsyncIterator[MaficBot]:
    with follow_clock(clock):
        async with MaficBot.start(twin, discord_twin) as started:
            yield started


@pytest_asyncio.fixture(loop_scope="module")
async def player(bot: MaficBot) -> RecordingPlayer:
    connected: RecordingPlayer = await bot.connect()
    return connected


# -- helpers ------------------------------------------------------------------------------


def now_ms(clock: VirtualClock) -> int:
    return int(clock.time() * 1000)


def short_track(twin: LavalinkTwin, title: str, length: int = 10_000) -> Track:
    return twin.mock_factory.create_mock_track(title, "wiretwin", length)


async def load(player: RecordingPlayer, track: Track) -> mafic.Track:
    assert track.uri is not None
    found = await player.fetch_tracks(track.uri)
    assert isinstance(found, list) and len(found) == 1
    loaded: mafic.Track = found[0]
    return loaded


def patches(twin: LavalinkTwin, bot: MaficBot) -> list[dict[str, Any]]:
    """Bodies of the player PATCHes mafic sent, in order."""
    path = PLAYER_PATH.format(bot.node.session_id, bot.guild.id)
    return [json.loads(e.detail["request_body"]) for e in twin.journal.http(
        method="PATCH", path=path)]


def last_patch(twin: LavalinkTwin, bot: MaficBot) -> Entry:
    path = PLAYER_PATH.format(bot.node.session_id, bot.guild.id)
    return twin.journal.http(method="PATCH", path=path)[-1]


def out_events(twin: LavalinkTwin, kind: str) -> list[Entry]:
    return twin.journal.frames(direction="out", event=kind)


async def playing(bot: MaficBot, twin: LavalinkTwin, title: str = "Opening",
                  length: int = 10_000) -> tuple[RecordingPlayer, mafic.Track]:
    player: RecordingPlayer = await bot.connect()
    track = await load(player, short_track(twin, title, length))
    await player.play(track)
    start = await bot.client.next_event("track_start")
    assert start.track.identifier == track.identifier
    return player, track


def frame_is(kind: str) -> Callable[[Entry], bool]:
    return lambda e: e.kind == "frame" and e.direction == "out" and e.event == kind


# -- connecting ---------------------------------------------------------------------------


async def test_create_node_handshake(twin: LavalinkTwin, bot: MaficBot) -> None:
    node = bot.node
    assert node.available and node.version == 4
    assert node.session_id == twin.sessions()[0]
    assert await bot.client.next_event("node_ready") is node

    http = twin.journal.http()
    # GET /version first (unprefixed, authorized, answered as text/plain), then v4 paths.
    assert http[0].detail["path"] == "/version"
    assert http[0].detail["request_headers"]["Authorization"] == "youshallnotpass"
    assert http[0].detail["response_headers"]["Content-Type"].startswith("text/plain")
    assert http[0].detail["response_body"] == "4.2.2"
    assert [(e.detail["method"], e.detail["path"]) for e in http[1:3]] == [
        ("PATCH", f"/v4/sessions/{node.session_id}"),
        ("GET", f"/v4/sessions/{node.session_id}/players"),
    ]
    assert json.loads(http[1].detail["request_body"]) == {"resuming": True, "timeout": 60}
    assert http[2].detail["response_body"] == "[]"

    opened = twin.journal.connections()[0]
    headers = opened.detail["headers"]
    assert opened.detail["path"] == "/v4/websocket"
    assert headers["Client-Name"] == f"Mafic/{mafic.__version__}"
    assert headers["User-Id"] == str(bot.client.user.id)  # type: ignore[union-attr]
    assert headers["Session-Id"] == ""  # always sent, empty without a session to resume
    ready = out_events(twin, "ready")[0].json
    assert ready == {"op": "ready", "resumed": False, "sessionId": node.session_id}

    # The stats frame Lavalink sends at connect reaches mafic.
    assert await bot.client.next_event("node_stats") is node
    assert node.stats is not None and node.stats.player_count == 0


async def test_player_connect_sends_voice_and_waits_for_player_update(
    twin: LavalinkTwin, bot: MaficBot
) -> None:
    player: RecordingPlayer = await bot.connect()
    assert isinstance(player, mafic.Player) and player.connected
    assert bot.guild.voice_client is player
    # discord.py asked the gateway to join; the Discord twin answered as Discord does.
    assert [(r.guild_id, r.channel_id, r.self_mute, r.self_deaf)
            for r in voice_requests(bot.discord_twin)] == [
        (bot.guild.id, bot.channel.id, False, False)]
    session_id = f"voice-{bot.discord_twin.model.bot.id}"
    assert patches(twin, bot) == [{"voice": {
        "sessionId": session_id, "endpoint": bot.discord_twin.voice.endpoint,
        "token": f"voice-token-{bot.guild.id}-1", "channelId": str(bot.channel.id)}}]
    # Player.connect returned only after the playerUpdate that followed the voice PATCH.
    states = player.states.snapshot()
    assert states and states[0]["connected"] is True
    view = twin.player(bot.guild.id)
    assert view.connected and view.voice["channelId"] == str(bot.channel.id)
    assert view.voice["sessionId"] == session_id


# -- loading ------------------------------------------------------------------------------


async def test_fetch_tracks_track(twin: LavalinkTwin, player: RecordingPlayer) -> None:
    tracks = await player.fetch_tracks("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert isinstance(tracks, list) and len(tracks) == 1
    track = tracks[0]
    assert (track.identifier, track.title, track.length) == (
        "dQw4w9WgXcQ", "Rick Astley - Never Gonna Give You Up", 212000)
    assert track.source == "youtube" and track.seekable and not track.stream
    assert track.artwork_url == "https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg"
    # A URL goes as it is; no search prefix.
    assert twin.journal.http(path="/v4/loadtracks")[-1].detail["query"] == {
        "identifier": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}
    # mafic's decode routes give the same track back.
    decoded = await player.node.decode_track(track.id)
    assert (decoded.identifier, decoded.title) == (track.identifier, track.title)
    both = await player.node.decode_tracks([track.id, track.id])
    assert [t.identifier for t in both] == ["dQw4w9WgXcQ", "dQw4w9WgXcQ"]


async def test_fetch_tracks_playlist(twin: LavalinkTwin, player: RecordingPlayer) -> None:
    listed = twin.mock_factory.create_mock_playlist("Road trip", 4)
    second = listed.tracks[1].identifier
    result = await player.fetch_tracks(f"{listed.url}&v={second}")
    assert isinstance(result, mafic.Playlist)
    assert result.name == "Road trip" and result.selected_track == 1
    assert [t.identifier for t in result.tracks] == [t.identifier for t in listed.tracks]
    assert result.plugin_info == {}


async def test_fetch_tracks_search(twin: LavalinkTwin, player: RecordingPlayer) -> None:
    results = twin.mock_factory.create_mock_search_results("night drive", 3)
    found = await player.fetch_tracks("night drive")
    assert isinstance(found, list)
    assert [t.identifier for t in found] == [t.identifier for t in results]
    assert twin.journal.http(path="/v4/loadtracks")[-1].detail["query"] == {
        "identifier": "ytsearch:night drive"}
    sc = await player.fetch_tracks("night drive", search_type=mafic.SearchType.SOUNDCLOUD)
    assert isinstance(sc, list) and sc and all(t.source == "soundcloud" for t in sc)


async def test_fetch_tracks_empty(twin: LavalinkTwin, player: RecordingPlayer) -> None:
    twin.catalogue.add_search("nothing at all", [])
    assert await player.fetch_tracks("nothing at all") == []
    assert await player.fetch_tracks("https://example.com/not-in-the-catalogue") == []
    bodies = [json.loads(e.detail["response_body"])
              for e in twin.journal.http(path="/v4/loadtracks")]
    assert bodies == [{"loadType": "empty", "data": None}] * 2


async def test_fetch_tracks_error_raises(twin: LavalinkTwin, player: RecordingPlayer) -> None:
    twin.catalogue.add_failure("https://www.youtube.com/watch?v=blocked0000",
                               "This video is blocked in your country", "suspicious")
    with pytest.raises(mafic.TrackLoadException) as caught:
        await player.fetch_tracks("https://www.youtube.com/watch?v=blocked0000")
    assert caught.value.message == "This video is blocked in your country"
    assert caught.value.severity == "suspicious"
    assert caught.value.cause.endswith("FriendlyException")


async def test_rest_errors_map_to_mafic_exceptions(twin: LavalinkTwin,
                                                   player: RecordingPlayer) -> None:
    with pytest.raises(mafic.HTTPNotFound) as missing:
        await player.node.fetch_player(999)
    assert json.loads(missing.value.message)["message"] == "Player not found"
    with pytest.raises(mafic.HTTPBadRequest) as bad:
        await player.node.update(guild_id=bot_guild(player), track="ytsearch:two results")
    assert "Cannot play a playlist or search result" in bad.value.message
    # mafic's fetch_plugins calls /v4/plugins, which Lavalink v4 does not have.
    with pytest.raises(mafic.HTTPException) as plugins:
        await player.node.fetch_plugins()
    assert plugins.value.status == 404


def bot_guild(player: RecordingPlayer) -> int:
    guild_id: int = player.guild.id
    return guild_id


# -- playing ------------------------------------------------------------------------------


async def test_play_sends_deprecated_encoded_track(twin: LavalinkTwin, bot: MaficBot,
                                                   clock: VirtualClock) -> None:
    player: RecordingPlayer = await bot.connect()
    track = await load(player, short_track(twin, "First light", 60_000))
    await player.play(track, volume=80)

    sent = last_patch(twin, bot)
    assert sent.detail["query"] == {"noReplace": "False"}
    assert json.loads(sent.detail["request_body"]) == {"encodedTrack": track.id, "volume": 80}
    assert sent.detail["status"] == 200

    start = await bot.client.next_event("track_start")
    assert start.track.identifier == track.identifier and start.player is player
    assert player.current is not None and player.current.identifier == track.identifier
    view = twin.player(bot.guild.id)
    assert view.track is not None and view.track.identifier == track.identifier
    assert view.volume == 80 and not view.paused

    # Position runs on the twin's clock; mafic extrapolates it from state.time.
    await clock.advance(10)  # playerUpdates every 5 s while a track is loaded
    state = await player.wait_time(now_ms(clock))
    assert state["position"] == 10_000 and player.position == 10_000
    await clock.advance(2)  # no update in between: mafic extrapolates from state.time
    assert twin.player(bot.guild.id).position == 12_000
    assert player.position == 12_000


async def test_position_without_follow_clock_lags_the_virtual_clock(
    twin: LavalinkTwin, clock: VirtualClock
) -> None:
    """Why the fixtures use follow_clock: mafic compares the machine's time.time() with
    state.time, which a virtual clock moved ahead, so its position falls behind."""
    async with MaficBot.start(twin) as bot:
        player, _ = await playing(bot, twin, "Skewed", 120_000)
        await clock.advance(30)
        state = await player.wait_time(now_ms(clock))
        assert state["position"] == twin.player(bot.guild.id).position == 30_000
        assert player.position < 30_000  # behind by the 30 s nobody waited for
        with follow_clock(clock):
            assert player.position == 30_000


async def test_play_no_replace_keeps_current(twin: LavalinkTwin, bot: MaficBot) -> None:
    player, first = await playing(bot, twin, "Keeper", 60_000)
    second = await load(player, short_track(twin, "Intruder"))
    await player.play(second, replace=False)
    assert last_patch(twin, bot).detail["query"] == {"noReplace": "True"}
    view = twin.player(bot.guild.id)
    assert view.track is not None and view.track.identifier == first.identifier
    assert out_events(twin, "TrackEndEvent") == []


async def test_pause_resume_seek(twin: LavalinkTwin, bot: MaficBot,
                                 clock: VirtualClock) -> None:
    player, _ = await playing(bot, twin, "Pausable", 120_000)
    await clock.advance(4)
    await player.pause()
    assert player.paused and twin.player(bot.guild.id).paused
    assert patches(twin, bot)[-1] == {"paused": True}

    # Paused players keep getting updates (every 5 s from the start), position frozen.
    await clock.advance(11)
    state = await player.wait_time(now_ms(clock))
    assert state["position"] == 4_000 and twin.player(bot.guild.id).position == 4_000

    await player.resume()
    assert not player.paused and patches(twin, bot)[-1] == {"paused": False}
    await clock.advance(1)
    assert twin.player(bot.guild.id).position == 5_000

    await player.seek(90_000)
    assert patches(twin, bot)[-1] == {"position": 90_000}
    state = await player.wait_state(lambda s: s["position"] == 90_000)
    assert state["time"] == now_ms(clock)
    assert player.position == 90_000 and twin.player(bot.guild.id).position == 90_000


async def test_volume(twin: LavalinkTwin, bot: MaficBot) -> None:
    player, _ = await playing(bot, twin, "Loud")
    await player.set_volume(150)
    assert patches(twin, bot)[-1] == {"volume": 150}
    assert twin.player(bot.guild.id).volume == 150
    await player.set_volume(5000)  # Lavalink clamps to 0..1000
    assert twin.player(bot.guild.id).volume == 1000
    fetched = await player.node.fetch_player(bot.guild.id)
    assert fetched["volume"] == 1000


async def test_filters(twin: LavalinkTwin, bot: MaficBot, clock: VirtualClock) -> None:
    player, _ = await playing(bot, twin, "Filtered", 60_000)
    updates_before = len(out_events(twin, "playerUpdate"))
    await player.add_filter(mafic.Filter(timescale=mafic.Timescale(speed=1.25, pitch=1.0)),
                            label="speed")
    await player.add_filter(mafic.Filter(equalizer=[(0, 0.2), (1, 0.1)]), label="bass")
    view = twin.player(bot.guild.id)
    assert view.filters["timescale"] == {"speed": 1.25, "pitch": 1.0}
    assert view.filters["equalizer"][:2] == [{"band": 0, "gain": 0.2},
                                            {"band": 1, "gain": 0.1}]
    # Each filters PATCH replaces the chain and is followed by a playerUpdate.
    assert len(out_events(twin, "playerUpdate")) == updates_before + 2
    assert await player.has_filter("speed")

    await player.remove_filter("speed")
    assert "timescale" not in twin.player(bot.guild.id).filters
    await player.clear_filters()
    assert patches(twin, bot)[-1] == {"filters": {}}
    assert twin.player(bot.guild.id).filters == {}


async def test_disabled_filter_is_a_bad_request(clock: VirtualClock) -> None:
    config = LavalinkConfig(disabled_filters=frozenset({"karaoke"}))
    async with LavalinkTwin(clock=clock, config=config) as twin, MaficBot.start(twin) as bot:
        player: RecordingPlayer = await bot.connect()
        with pytest.raises(mafic.HTTPBadRequest) as bad:
            await player.add_filter(mafic.Filter(karaoke=mafic.Karaoke(level=0.5)),
                                    label="karaoke")
        assert "Following filters are disabled in the config: karaoke" in bad.value.message
        assert twin.player(bot.guild.id).filters == {}


async def test_track_end_then_next(twin: LavalinkTwin, bot: MaficBot,
                                   clock: VirtualClock) -> None:
    player, first = await playing(bot, twin, "Side A", 10_000)
    queue = [await load(player, short_track(twin, "Side B", 20_000))]

    await clock.advance(10)
    ended = await bot.client.next_event("track_end")
    assert ended.reason is mafic.EndReason.FINISHED
    assert ended.track.identifier == first.identifier
    assert ended.track.position == 10_000  # Lavalink re-encodes at the final position
    assert player.current is None

    await player.play(queue.pop(0))  # what a bot does on track_end
    started = await bot.client.next_event("track_start")
    assert started.track.title == "Side B"
    view = twin.player(bot.guild.id)
    assert view.track is not None and view.track.title == "Side B" and view.position == 0

    # endTime: the track stops there, and the reason still reads "finished".
    third = await load(player, short_track(twin, "Side C", 60_000))
    await player.play(third, start_time=5_000, end_time=8_000)
    assert patches(twin, bot)[-1] == {"encodedTrack": third.id, "position": 5_000,
                                      "endTime": 8_000}
    replaced = await bot.client.next_event("track_end")
    assert replaced.reason is mafic.EndReason.REPLACED and replaced.track.title == "Side B"
    await bot.client.next_event("track_start")
    await clock.advance(3)
    ended = await bot.client.next_event("track_end")
    assert ended.reason is mafic.EndReason.FINISHED and ended.track.title == "Side C"
    assert twin.player(bot.guild.id).track is None


async def test_replaced_end_arriving_late_clears_current(twin: LavalinkTwin, bot: MaficBot,
                                                         clock: VirtualClock) -> None:
    """mafic 2.11 keeps ``current`` on TrackEnd only for the v3 reason "REPLACED"; v4
    says "replaced". When the TrackEnd lands after the PATCH answer (delayed here), the
    new track's ``current`` is wiped although the node plays it."""
    player, _ = await playing(bot, twin, "Old", 60_000)
    new = await load(player, short_track(twin, "New", 60_000))
    twin.faults.add(LatencySpike(name="late", probability=1.0, ms=100, multiplier=10,
                                 times=1, scope=Scope(event="TrackEndEvent")))
    await player.play(new)
    assert player.current is not None and player.current.title == "New"
    await clock.advance(1)
    ended = await bot.client.next_event("track_end")
    assert ended.reason is mafic.EndReason.REPLACED and ended.track.title == "Old"
    started = await bot.client.next_event("track_start")
    assert started.track.title == "New"
    assert player.current is None  # mafic's quirk
    view = twin.player(bot.guild.id)
    assert view.track is not None and view.track.title == "New"


async def test_stop(twin: LavalinkTwin, bot: MaficBot) -> None:
    player, track = await playing(bot, twin, "Stoppable", 60_000)
    await player.stop()
    assert patches(twin, bot)[-1] == {"encodedTrack": None}
    assert last_patch(twin, bot).detail["query"] == {"noReplace": "False"}
    ended = await bot.client.next_event("track_end")
    assert ended.reason is mafic.EndReason.STOPPED
    assert ended.track.identifier == track.identifier
    assert twin.player(bot.guild.id).track is None and player.current is None


async def test_disconnect_destroys_player(twin: LavalinkTwin, bot: MaficBot) -> None:
    player, _ = await playing(bot, twin, "Last song", 60_000)
    await player.disconnect()
    deleted = twin.journal.http(method="DELETE")
    assert [e.detail["path"] for e in deleted] == [
        PLAYER_PATH.format(bot.node.session_id, bot.guild.id)]
    assert deleted[0].detail["status"] == 204
    assert twin.players() == []
    await wait_voice_request(bot.discord_twin, lambda r: r.channel_id is None)  # left the channel
    assert bot.guild.voice_client is None and bot.node.get_player(bot.guild.id) is None
    # Lavalink stops the track after removing the player: the TrackEnd goes out anyway.
    await twin.journal.wait_for(frame_is("TrackEndEvent"))


# -- what the node reports on its own -----------------------------------------------------


async def test_track_exception(twin: LavalinkTwin, bot: MaficBot) -> None:
    player, track = await playing(bot, twin, "Fragile", 60_000)
    twin.inject_exception(bot.guild.id, "Something broke while decoding", "fault")
    failed = await bot.client.next_event("track_exception")
    assert failed.player is player and failed.track.identifier == track.identifier
    assert failed.exception["message"] == "Something broke while decoding"
    assert failed.exception["severity"] == "fault"
    ended = await bot.client.next_event("track_end")
    assert ended.reason is mafic.EndReason.LOAD_FAILED
    assert twin.player(bot.guild.id).track is None


async def test_track_stuck(twin: LavalinkTwin, bot: MaficBot) -> None:
    player, track = await playing(bot, twin, "Sticky", 60_000)
    twin.inject_stuck(bot.guild.id, 12_345)
    stuck = await bot.client.next_event("track_stuck")
    assert stuck.threshold_ms == 12_345 and stuck.track.identifier == track.identifier
    assert stuck.player is player
    # The track stays loaded: mafic leaves it to the bot to skip.
    view = twin.player(bot.guild.id)
    assert view.track is not None and view.track.identifier == track.identifier


@pytest.mark.parametrize(("code", "by_remote"), [(4006, False), (4014, True)])
async def test_websocket_closed(twin: LavalinkTwin, bot: MaficBot, clock: VirtualClock,
                                code: int, by_remote: bool) -> None:
    player, _ = await playing(bot, twin, "Cut off", 60_000)
    await clock.advance(2)
    twin.close_voice(bot.guild.id, code, "Disconnected.", by_remote)
    closed = await bot.client.next_event("websocket_closed")
    assert (closed.code, closed.reason, closed.by_discord) == (code, "Disconnected.", by_remote)
    assert closed.player is player
    state = await player.wait_state(lambda s: s["connected"] is False)
    assert state["ping"] == -1 and not player.connected
    # Without a voice connection the track does not advance.
    await clock.advance(5)
    assert twin.player(bot.guild.id).position == 2_000


# -- resuming -----------------------------------------------------------------------------


async def test_resume_after_restart_with_session_id(twin: LavalinkTwin,
                                                    clock: VirtualClock) -> None:
    """A bot that stored node.session_id and comes back with resuming_session_id gets its
    session, its players and the events it missed."""
    with follow_clock(clock):
        async with MaficBot.start(twin) as first:
            player, track = await playing(first, twin, "Survivor", 30_000)
            await clock.advance(5)
            session_id = first.node.session_id
            twin.drop_connection()  # the bot's process dies with its socket
            await first.client.next_event("node_unavailable")
            await first.close(destroy_players=False)

        # Paused, not gone: the track plays on, its events are queued.
        assert twin.sessions() == [session_id]
        await clock.advance(25)  # the track finishes while nobody listens
        assert out_events(twin, "TrackEndEvent") == []

        async with MaficBot.start(twin, in_voice=True,
                                  resuming_session_id=session_id) as second:
            assert second.node.session_id == session_id
            opened = twin.journal.connections()[-2]
            assert opened.detail["headers"]["Session-Id"] == session_id
            ready = out_events(twin, "ready")[-1].json
            assert ready == {"op": "ready", "resumed": True, "sessionId": session_id}
            # Resumed: no second PATCH of the session.
            assert len(twin.journal.http(method="PATCH",
                                         path=f"/v4/sessions/{session_id}")) == 1
            # sync_players rebuilt the player from GET players and the guild cache.
            assert second.node.get_player(second.guild.id) is second.player
            resumed = second.player
            assert isinstance(resumed, RecordingPlayer) and resumed is not player
            ended = await second.client.next_event("track_end")
            assert ended.reason is mafic.EndReason.FINISHED
            assert ended.track.identifier == track.identifier
            await resumed.wait_state(lambda s: s["connected"] is True)
            assert resumed.connected and twin.player(second.guild.id).connected

            # It is a working player again.
            again = await load(resumed, short_track(twin, "Encore"))
            await resumed.play(again)
            started = await second.client.next_event("track_start")
            assert started.track.title == "Encore"


async def test_dropped_connection_reconnects_with_a_new_session(
    twin: LavalinkTwin, bot: MaficBot, clock: VirtualClock
) -> None:
    """mafic 2.11 reconnects on its own, but with the Session-Id it was created with
    (empty): it gets a new session, and sync_players tears its players down."""
    player, _ = await playing(bot, twin, "Interrupted", 60_000)
    old = bot.node.session_id
    twin.drop_connection()
    await bot.client.next_event("node_unavailable", timeout=10)
    assert await bot.client.next_event("node_ready", timeout=10) is bot.node  # first one
    assert await bot.client.next_event("node_ready", timeout=10) is bot.node
    new = bot.node.session_id
    assert new != old and bot.node.available

    opened = [e for e in twin.journal.connections() if e.event == "open"
              and "headers" in e.detail]
    assert [e.detail["headers"]["Session-Id"] for e in opened] == ["", ""]
    # GET /version is not asked again.
    assert len(twin.journal.http(path="/version")) == 1
    # The old session waits, paused, with its player; mafic destroyed its copy.
    assert set(twin.sessions()) == {old, new}
    assert twin.player(bot.guild.id, session_id=old).track is not None
    await twin.journal.wait_for(lambda e: e.kind == "http" and e.detail["method"] == "DELETE")
    assert bot.guild.voice_client is None and not player.connected
    await wait_voice_request(bot.discord_twin, lambda r: r.channel_id is None)

    # Recovery: the bot joins again and plays on the new session.
    await recover(bot, twin)
    # The abandoned session expires after its resume timeout.
    await clock.advance(60)
    assert twin.sessions() == [new]


async def recover(bot: MaficBot, twin: LavalinkTwin) -> None:
    player: RecordingPlayer = await bot.connect()
    track = await load(player, short_track(twin, "Back on air", 60_000))
    await player.play(track)
    started = await bot.client.next_event("track_start")
    assert started.track.identifier == track.identifier
    view = twin.player(bot.guild.id, session_id=bot.node.session_id)
    assert view.track is not None and view.track.identifier == track.identifier


# -- versions -----------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "warns", "stack_trace"), [
    ("4.0.8", False, False),
    ("4.2.2", True, True),
])
@pytest.mark.filterwarnings("default::mafic.UnsupportedVersionWarning")
async def test_version_branching(clock: VirtualClock, version: str, warns: bool,
                                 stack_trace: bool) -> None:
    async with LavalinkTwin(clock=clock, version=version) as twin:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async with MaficBot.start(twin) as bot:
                unsupported = [w for w in caught
                               if issubclass(w.category, mafic.UnsupportedVersionWarning)]
                assert bool(unsupported) is warns
                assert bot.node.version == 4
                assert twin.journal.http(path="/version")[0].detail["response_body"] == version
                # mafic sends voice.channelId whatever the version; both accept it.
                player, _ = await playing(bot, twin, "Versioned", 60_000)
                assert patches(twin, bot)[0]["voice"]["channelId"] == str(bot.channel.id)
                twin.inject_exception(bot.guild.id, "boom")
                failed = await bot.client.next_event("track_exception")
                # causeStackTrace arrived in Lavalink 4.1.0.
                assert ("causeStackTrace" in failed.exception) is stack_trace
                assert player.connected


# -- the seed's faults: packet_loss, latency_spike, connection_drop ------------------------


async def connect_on_loop_time(bot: MaficBot, *, timeout: float) -> RecordingPlayer:
    """``bot.connect(timeout=...)`` with the timeout counted in loop time that moves only
    while the loop is idle: it expires once every frame in flight has been handled, never
    because a loaded machine was slow (a real 0.5 s could run out before the drop)."""
    with LoopTime() as looptime:
        player: RecordingPlayer = await looptime.run_until(bot.connect(timeout=timeout))
        return player


async def test_packet_loss_of_the_voice_player_update_times_out_connect(
    twin: LavalinkTwin, bot: MaficBot
) -> None:
    """Player.connect waits for a playerUpdate; lose it and connect times out. mafic
    cleans up (DELETE, leave the channel); joining again works."""
    twin.faults.add(Drop(name="loss", scope=Scope(event="playerUpdate"), times=1))
    with pytest.raises(asyncio.TimeoutError):
        await connect_on_loop_time(bot, timeout=0.5)
    assert [e.detail["action"] for e in twin.journal.faults("loss")] == ["drop"]
    assert bot.guild.voice_client is None
    # mafic's connect() disconnects on timeout, then discord.py's channel.connect() does
    # it again: two DELETEs, the second for a player that is gone (204 all the same).
    assert [e.detail["status"] for e in twin.journal.http(method="DELETE")] == [204, 204]
    assert twin.players() == []
    await wait_voice_request(bot.discord_twin, lambda r: r.channel_id is None)

    await recover(bot, twin)


async def test_an_unanswered_voice_join_times_out_connect(
    twin: LavalinkTwin, bot: MaficBot
) -> None:
    """Discord never answers the op 4 (lost on its way in): no voice reaches mafic, so
    Player.connect times out without a voice PATCH; joining again works."""
    with unanswered_voice(bot.discord_twin), pytest.raises(asyncio.TimeoutError):
        await connect_on_loop_time(bot, timeout=0.5)
    requests = voice_requests(bot.discord_twin)
    assert [r.channel_id for r in requests][:1] == [bot.channel.id]  # sent, unanswered
    assert bot.discord_twin.journal.faults("unanswered-voice")
    assert patches(twin, bot) == [] and bot.guild.voice_client is None
    assert bot.discord_twin.model.guilds[bot.guild.id].voice_states == {}

    await recover(bot, twin)


async def test_packet_loss_of_player_updates(twin: LavalinkTwin, bot: MaficBot,
                                             clock: VirtualClock) -> None:
    """Seeded loss of half the playerUpdates: mafic extrapolates over the gaps and any
    update that arrives puts it right."""
    player, _ = await playing(bot, twin, "Lossy", 300_000)
    twin.faults.add(Drop(name="loss", probability=0.5, scope=Scope(event="playerUpdate")))
    for _ in range(12):
        await clock.advance(5)
    lost = len(twin.journal.faults("loss"))
    assert 0 < lost < 12
    twin.faults.remove("loss")
    await clock.advance(5)
    await player.wait_time(now_ms(clock))
    assert player.position == twin.player(bot.guild.id).position == 65_000
    # The same seed and traffic lose the same frames.
    assert lost == 7


async def test_latency_spike_holds_events_in_order(twin: LavalinkTwin, bot: MaficBot,
                                                   clock: VirtualClock) -> None:
    player: RecordingPlayer = await bot.connect()
    track = await load(player, short_track(twin, "Delayed", 60_000))
    twin.faults.add(LatencySpike(name="spike", probability=1.0, ms=100, multiplier=20,
                                 times=1, scope=Scope(event="TrackStartEvent")))
    await player.play(track)
    spike = twin.journal.faults("spike")
    assert [(e.detail["action"], e.detail["seconds"]) for e in spike] == [("delay", 2.0)]
    # Held back on the twin's clock, and the playerUpdate behind it too (order kept).
    assert out_events(twin, "TrackStartEvent") == []
    sent_before = len(out_events(twin, "playerUpdate"))
    assert bot.client.pending("track_start") == 0

    await clock.advance(2)
    started = await bot.client.next_event("track_start")
    assert started.track.identifier == track.identifier
    frames = [e.event for e in twin.journal.frames(direction="out")]
    start_at = frames.index("TrackStartEvent")
    assert frames[start_at + 1] == "playerUpdate"
    assert len(out_events(twin, "playerUpdate")) == sent_before + 1


async def test_latency_spike_on_rest(twin: LavalinkTwin, player: RecordingPlayer,
                                     clock: VirtualClock) -> None:
    twin.faults.add(LatencySpike(name="slow", probability=1.0, ms=500, multiplier=10,
                                 times=1, scope=Scope(route="/v4/loadtracks")))
    pending = asyncio.create_task(player.fetch_tracks("slow search"))
    await twin.journal.wait_for(lambda e: e.kind == "fault" and e.event == "slow")
    await asyncio.sleep(0)
    assert not pending.done()  # the answer waits on the twin's clock
    await clock.advance(5)
    found = await asyncio.wait_for(pending, 5)
    assert isinstance(found, list) and len(found) == 5
    # Only once: the next search is answered at once.
    assert isinstance(await player.fetch_tracks("quick search"), list)


async def test_connection_reset_fault(twin: LavalinkTwin, bot: MaficBot) -> None:
    """A TCP reset instead of the TrackStartEvent: mafic reconnects on its own (with a new
    session), its player is gone; the bot joins again and plays on."""
    twin.faults.add(Disconnect(name="drop", reset=True, times=1,
                               scope=Scope(event="TrackStartEvent")))
    player: RecordingPlayer = await bot.connect()
    track = await load(player, short_track(twin, "Doomed", 60_000))
    old = bot.node.session_id
    await player.play(track)
    assert [e.detail["action"] for e in twin.journal.faults("drop")] == ["reset"]
    await bot.client.next_event("node_unavailable", timeout=10)
    await bot.client.next_event("node_ready")
    await bot.client.next_event("node_ready", timeout=10)
    assert bot.node.available and bot.node.session_id not in (None, old)
    assert bot.client.pending("track_start") == 0  # it never arrived
    await recover(bot, twin)


async def test_connection_close_fault_kills_mafic_listener(
    twin: LavalinkTwin, bot: MaficBot, clock: VirtualClock
) -> None:
    """A close frame (1011) instead of the TrackStartEvent. mafic 2.11 only handles
    CLOSED: aiohttp first hands it the CLOSE message, whose data (the code) mafic parses
    as JSON, so its listener dies. The node still says it is available and never
    reconnects. A bot recovers by making a new node that resumes the session."""
    twin.faults.add(Disconnect(name="drop", code=1011, times=1,
                               scope=Scope(event="TrackStartEvent")))
    player: RecordingPlayer = await bot.connect()
    track = await load(player, short_track(twin, "Doomed", 60_000))
    old = bot.node.session_id
    await player.play(track)
    assert [(e.detail["action"], e.detail["code"]) for e in twin.journal.faults("drop")] == [
        ("close", 1011)]
    closed = await twin.journal.wait_for(
        lambda e: e.kind == "connection" and e.event == "close")
    assert closed[0].detail["code"] == 1011
    listener = bot.node._ws_task
    assert listener is not None
    with pytest.raises((TypeError, ValueError)):  # orjson or json on a non-str
        await asyncio.wait_for(listener, 5)
    assert bot.node.available and "node_unavailable" not in bot.client.dispatched

    # The session is paused on the twin (mafic asked for resuming): resume it.
    assert twin.sessions() == [old]
    await bot.replace_node(resuming_session_id=old)
    assert bot.node.session_id == old
    resumed = bot.player
    assert isinstance(resumed, RecordingPlayer) and resumed is not player
    assert resumed.current is not None and resumed.current.identifier == track.identifier
    await resumed.wait_state(lambda s: s["connected"] is True)
    await clock.advance(60)
    ended = await bot.client.next_event("track_end")
    assert ended.reason is mafic.EndReason.FINISHED
    assert ended.track.identifier == track.identifier


async def test_seed_fault_profile(clock: VirtualClock) -> None:
    """Seed 003's weather (5% packet loss, 10% latency spikes, 2% connection drops) on
    the twin's frames while protocol time passes, over an evening of tracks. The bot does
    what a mafic bot does: plays the next track on track_end and, when its node comes
    back after a drop, joins again and restarts the track it lost. Every track gets
    played to its end; the same seed gives the same weather."""
    # On the bot's current connection only: mafic's reconnect (after a real-time backoff)
    # must not meet weather meant for the one that dropped.
    weather: tuple[Callable[[str], Any], ...] = (
        lambda sid: Drop(name="packet_loss", probability=0.05,
                         scope=Scope(event="playerUpdate", connection=sid)),
        lambda sid: LatencySpike(name="latency_spike", probability=0.1, ms=50, multiplier=10,
                                 scope=Scope(connection=sid)),
        lambda sid: Disconnect(name="connection_drop", probability=0.02, reset=True,
                               scope=Scope(connection=sid)),
    )
    async with LavalinkTwin(clock=clock, seed=3) as twin:
        with follow_clock(clock):
            async with MaficBot.start(twin) as bot:
                await bot.client.next_event("node_ready")
                tracks = [short_track(twin, f"Evening {n}", 45_000) for n in range(8)]
                finished: list[str] = []
                restarts = 0
                for wanted in tracks:
                    while True:
                        player = bot.player or await bot.connect()
                        await player.play(await load(player, wanted))
                        drops = len(twin.journal.faults("connection_drop"))
                        ended = await _play_out(twin, bot, clock, weather, drops)
                        if ended is not None:
                            assert ended.reason is mafic.EndReason.FINISHED
                            finished.append(ended.track.title)
                            break
                        restarts += 1  # the node came back on a new session; again
                fired = {name: len(twin.journal.faults(name)) for name in
                         ("packet_loss", "latency_spike", "connection_drop")}
    assert finished == [t.title for t in tracks]
    assert all(fired.values()) and restarts == fired["connection_drop"]
    assert fired == {"packet_loss": 1, "latency_spike": 9, "connection_drop": 2}


async def _play_out(twin: LavalinkTwin, bot: MaficBot, clock: VirtualClock,
                    weather: tuple[Callable[[str], Any], ...], drops: int) -> Any:
    """Advance in 5 s steps under the weather until the track ends (mafic's track_end),
    or the connection drops (None, once mafic is back on a new session)."""
    def finished() -> int:
        return sum(1 for e in out_events(twin, "TrackEndEvent")
                   if e.json["reason"] == "finished")

    before = finished()
    while True:
        session_id = bot.node.session_id
        assert session_id is not None
        with twin.faults.apply(*(make(session_id) for make in weather)):
            await clock.advance(5)
        if len(twin.journal.faults("connection_drop")) > drops:
            await bot.client.next_event("node_ready", timeout=10)
            assert bot.guild.voice_client is None  # sync_players tore it down
            bot.client.drain("track_end")
            return None
        if finished() > before:
            return await bot.client.next_event("track_end")
