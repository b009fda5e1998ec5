"""The real lavalink.py 5.11.1 against a running LavalinkTwin, over real sockets.

lavalink.py is driven as a bot drives it: ``lavalink.Client(user_id)``, ``add_node(...)``,
a join through discord.py logged in to a Discord twin, whose two voice dispatches reach
``voice_update_handler`` (see :mod:`wiretwin.drivers.lavalink_py`), then ``get_tracks``,
``player.add``, ``player.play()``... Protocol time runs on a :class:`VirtualClock`: a track ends, an
``endTime`` hits, playerUpdates tick and a voiceless track is cleaned up only when the test
advances it. Tests synchronise on lavalink.py's own events (:class:`EventLog`) and on the
twin's journal, and assert on both sides: what the client believes and what the twin holds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import lavalink
import pytest
import pytest_asyncio
from lavalink import (
    Equalizer,
    IncomingWebSocketMessage,
    Karaoke,
    LoadType,
    NodeChangedEvent,
    NodeDisconnectedEvent,
    PlayerUpdateEvent,
    QueueEndEvent,
    RequestError,
    Severity,
    Timescale,
    TrackEndEvent,
    TrackExceptionEvent,
    TrackStartEvent,
    TrackStuckEvent,
    WebSocketClosedEvent,
)
from lavalink.server import EndReason

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_voice import move_bot, voice_guild
from wiretwin.drivers.lavalink_py import (
    CLIENT_NAME,
    DEFAULT_USER_ID,
    Connection,
    SyntheticVoice,
    close_client,
    connect,
    enable_resuming,
    join_voice,
    wait_ready,
)
from wiretwin.lavalink import LavalinkTwin, Track
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import Disconnect, Drop, LatencySpike, Scope

GUILD = 424242424242424242
CHANNEL = 515151515151515151


#: Every test runs in the module's loop, where the module's Discord twin serves.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module")
async def twin(clock: VirtualClock) -> AsyncIterator[LavalinkTwin]:
    """A Lavalink twin in the module's loop, on :func:`clock`."""
    async with LavalinkTwin(clock=clock) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def discord_twin(shared_discord: DiscordTwin) -> DiscordTwin:
    """The Discord the bot is on, as built for each test: a guild with a voice channel."""
    shared_discord.reset()
    voice_guild(shared_discord, GUILD, {CHANNEL: "Music"})
    return shared_discord


@pytest_asyncio.fixture(loop_scope="module")
async def conn(twin: LavalinkTwin, discord_twin: DiscordTwin) -> AsyncIterator[Connection]:
    connection = await connect(twin, discord_twin)
    try:
        yield connection
    finally:
        await connection.close()


# -- helpers -------------------------------------------------------------------------------


def mock(twin: LavalinkTwin, title: str, length: int, **kwargs: Any) -> Track:
    """A track in the twin's catalogue (loadable by identifier and URL)."""
    return twin.mock_factory.create_mock_track(title, "Wire Band", length, **kwargs)


async def load(conn: Connection, identifier: str) -> Any:
    """One track, through lavalink.py's ``get_tracks`` (``/v4/loadtracks``)."""
    result = await conn.client.get_tracks(identifier)
    assert result.load_type == LoadType.TRACK, result
    return result.tracks[0]


async def started(conn: Connection, title: str, *, since: int) -> Any:
    """lavalink.py's TrackStartEvent for ``title`` (after ``since``)."""
    (event,) = await conn.events.wait_for(TrackStartEvent, lambda e: e.track.title == title,
                                          since=since)
    return event


def out_frames(twin: LavalinkTwin, *, after: int = 0, op: str | None = None,
               kind: str | None = None) -> list[dict[str, Any]]:
    """What the twin sent over websockets (as JSON), from journal entry ``after`` on."""
    frames = []
    for entry in twin.journal.frames(direction="out"):
        data = entry.json
        if entry.seq <= after or not isinstance(data, dict):
            continue
        if (op is None or data.get("op") == op) and (kind is None or data.get("type") == kind):
            frames.append(data)
    return frames


def last_seq(twin: LavalinkTwin) -> int:
    entries = twin.journal.entries()
    return entries[-1].seq if entries else 0


def patches(twin: LavalinkTwin, *, after: int = 0) -> list[dict[str, Any]]:
    """Bodies of the player PATCHes the client sent (from journal entry ``after`` on)."""
    return [json.loads(e.detail["request_body"]) for e in twin.journal.http(method="PATCH")
            if e.seq > after and "/players/" in e.detail["path"]]


def at(position: int) -> Callable[[Any], bool]:
    """Matches a PlayerUpdateEvent reporting ``position``."""
    return lambda event: bool(event.position == position)


async def playing(conn: Connection, twin: LavalinkTwin, title: str = "Main Theme",
                  length: int = 180_000) -> tuple[Any, Track]:
    """A player in GUILD with voice, playing a fresh catalogue track."""
    track = mock(twin, title, length)
    player = await join_voice(conn, GUILD, CHANNEL)
    mark = conn.events.mark()
    await player.play(await load(conn, track.uri or ""))
    await started(conn, title, since=mark)
    return player, track


# -- connecting -----------------------------------------------------------------------------


async def test_connects_ready_with_stats_and_rest(twin: LavalinkTwin, clock: VirtualClock,
                                                  conn: Connection) -> None:
    assert conn.ready.resumed is False
    assert twin.sessions() == [conn.session_id]
    opened = [e for e in twin.journal.connections() if e.event == "open" and "headers" in
              e.detail]
    headers = opened[0].detail["headers"]
    assert conn.discord is not None and conn.discord.user is not None
    assert headers["User-Id"] == str(conn.discord.user.id)  # the bot's on Discord
    assert headers["Client-Name"] == CLIENT_NAME == "Lavalink.py/5.11.1"
    assert "Session-Id" not in headers
    (upgrade,) = await conn.handshakes.wait_for(1)
    assert (upgrade["Session-Resumed"], upgrade["Lavalink-Api-Version"]) == ("false", "4")

    # stats at connect (Lavalink's task has no initial delay): lavalink.py keeps them
    await conn.events.wait_for(IncomingWebSocketMessage, lambda e: e.data["op"] == "stats")
    stats = conn.node.stats
    assert (stats.is_fake, stats.players, stats.playing_players, stats.uptime) == (
        False, 0, 0, 0)
    assert stats.frames_sent == 0  # frameStats is null with nobody playing

    await playing(conn, twin)
    mark = conn.events.mark()
    await clock.advance(60)  # ...and every minute
    await conn.events.wait_for(IncomingWebSocketMessage, lambda e: e.data["op"] == "stats",
                               since=mark)
    stats = conn.node.stats
    assert (stats.players, stats.playing_players, stats.uptime, stats.frames_sent) == (
        1, 1, 60_000, 3000)
    assert conn.node.available and conn.node.penalty < 9e30  # a usable node

    assert await conn.node.get_version() == "4.2.2"
    info = await conn.node.get_info()
    assert info["version"]["semver"] == "4.2.2" and "youtube" in info["sourceManagers"]
    rest_stats = await conn.node.get_stats()
    assert rest_stats["players"] == 1 and "frameStats" not in rest_stats


async def test_wrong_password_stops_reconnecting(twin: LavalinkTwin) -> None:
    client = lavalink.Client(DEFAULT_USER_ID)
    try:
        settings = {**twin.settings()["lavalink_py"], "password": "wrong"}
        node = client.add_node(**settings)
        task = node._transport._connection_task
        await task  # a 401 at the upgrade ends the connection task: no retry
        assert not node.available and node.session_id is None
        assert twin.sessions() == []
        with pytest.raises(lavalink.AuthenticationError):
            await node.get_version()  # REST: the twin's 403 for a wrong password
        assert twin.journal.http(path="/version")[0].detail["status"] == 403
    finally:
        await close_client(client)


# -- loading --------------------------------------------------------------------------------


async def test_load_types(twin: LavalinkTwin, conn: Connection) -> None:
    client = conn.client
    by_id = await client.get_tracks("dQw4w9WgXcQ")
    assert by_id.load_type == LoadType.TRACK
    assert by_id.tracks[0].title == "Rick Astley - Never Gonna Give You Up"
    assert by_id.tracks[0].duration == 212_000

    song = mock(twin, "Wire Song", 123_000)
    by_url = await client.get_tracks(song.uri)
    assert by_url.load_type == LoadType.TRACK
    loaded = by_url.tracks[0]
    assert (loaded.identifier, loaded.title, loaded.author, loaded.duration) == (
        song.identifier, "Wire Song", "Wire Band", 123_000)
    assert loaded.track == song.encoded
    # lavalink.py's own decoder reads the twin's encoding, and the twin decodes it back
    decoded = lavalink.decode_track(loaded.track)
    assert (decoded.title, decoded.identifier, decoded.uri) == (song.title, song.identifier,
                                                                song.uri)
    assert (await conn.node.decode_track(loaded.track)).title == "Wire Song"

    mix = twin.mock_factory.create_mock_playlist("Road Trip", 4)
    playlist = await client.get_tracks(mix.url)
    assert playlist.load_type == LoadType.PLAYLIST
    assert (playlist.playlist_info.name, playlist.playlist_info.selected_track) == (
        "Road Trip", -1)
    assert [t.identifier for t in playlist.tracks] == [t.identifier for t in mix.tracks]
    assert playlist.selected_track is None
    chosen = mix.tracks[2]
    selected = await client.get_tracks(f"{mix.url}&v={chosen.identifier}")
    assert selected.playlist_info.selected_track == 2
    assert selected.selected_track.identifier == chosen.identifier

    youtube = await client.get_tracks("ytsearch:lofi beats")
    assert youtube.load_type == LoadType.SEARCH and len(youtube.tracks) == 5
    assert {t.source_name for t in youtube.tracks} == {"youtube"}
    again = await client.get_tracks("ytsearch:lofi beats")
    assert [t.track for t in again.tracks] == [t.track for t in youtube.tracks]
    wanted = twin.mock_factory.create_mock_search_results("night drive", 3, prefix="scsearch")
    soundcloud = await client.get_tracks("scsearch:night drive")
    assert soundcloud.load_type == LoadType.SEARCH
    assert [t.track for t in soundcloud.tracks] == [t.encoded for t in wanted]
    assert {t.source_name for t in soundcloud.tracks} == {"soundcloud"}

    empty = await client.get_tracks("https://example.com/nothing-here")
    assert (empty.load_type, list(empty.tracks)) == (LoadType.EMPTY, [])

    twin.catalogue.add_failure("https://www.youtube.com/watch?v=private0001",
                               "This video is private", "suspicious")
    failed = await client.get_tracks("https://www.youtube.com/watch?v=private0001")
    assert failed.load_type == LoadType.ERROR
    assert (failed.error.message, failed.error.severity) == ("This video is private",
                                                             Severity.SUSPICIOUS)
    assert failed.error.cause.endswith("FriendlyException")
    loads = twin.journal.http(method="GET", path="/v4/loadtracks")
    # load failures and empty results are 200s too, not HTTP errors
    assert [e.detail["status"] for e in loads] == [200] * 9


# -- playing --------------------------------------------------------------------------------


async def test_voice_play_pause_seek_and_volume(twin: LavalinkTwin, clock: VirtualClock,
                                                conn: Connection,
                                                discord_twin: DiscordTwin) -> None:
    player = await join_voice(conn, GUILD, CHANNEL)
    view = twin.player(GUILD)
    assert view.connected and view.track is None
    assert view.voice == {"token": f"voice-token-{GUILD}-1",
                          "endpoint": discord_twin.voice.endpoint,
                          "sessionId": f"voice-{discord_twin.model.bot.id}",
                          "channelId": str(CHANNEL)}
    assert player.is_connected and player.channel_id == CHANNEL

    track = mock(twin, "Long Song", 300_000)
    mark = conn.events.mark()
    await player.play(await load(conn, track.uri or ""))
    await started(conn, "Long Song", since=mark)
    assert player.current.identifier == track.identifier and player.is_playing
    assert twin.player(GUILD).track.identifier == track.identifier  # type: ignore[union-attr]

    # playerUpdate every 5 s while a track is loaded, each a step further
    for step in (1, 2, 3):
        seq = last_seq(twin)
        await clock.advance(5)
        (frame,) = out_frames(twin, after=seq, op="playerUpdate")
        assert frame["state"]["position"] == step * 5000 == twin.player(GUILD).position
        (update,) = await conn.events.wait_for(PlayerUpdateEvent, at(step * 5000))
        assert update.connected is True and update.ping >= 0

    await player.set_pause(True)
    assert player.paused and twin.player(GUILD).paused
    seq = last_seq(twin)
    await clock.advance(10)  # paused players keep getting updates, frozen
    sent = out_frames(twin, after=seq, op="playerUpdate")
    assert [f["state"]["position"] for f in sent] == [15_000, 15_000]
    await conn.events.wait_for(PlayerUpdateEvent, lambda e: e.position == 15_000, count=3)
    assert twin.player(GUILD).position == 15_000 and player.position == 15_000
    await player.set_pause(False)
    await clock.advance(3)
    assert twin.player(GUILD).position == 18_000 and not twin.player(GUILD).paused

    await player.seek(90_000)  # the twin answers a seek with a playerUpdate
    await conn.events.wait_for(PlayerUpdateEvent, lambda e: e.position == 90_000)
    assert twin.player(GUILD).position == 90_000
    assert patches(twin)[-1] == {"position": 90_000}

    await player.set_volume(250)
    assert player.volume == 250 == twin.player(GUILD).volume
    await player.set_volume(5000)  # lavalink.py clamps before sending
    assert player.volume == 1000 == twin.player(GUILD).volume
    assert patches(twin)[-1] == {"volume": 1000}
    # the twin clamps what reaches it unclamped (lavalink.py's raw request skips its checks)
    path = f"sessions/{conn.session_id}/players/{GUILD}"
    answer = await conn.node.request("PATCH", path, json={"volume": -40})
    assert answer["volume"] == 0 == twin.player(GUILD).volume
    answer = await conn.node.request("PATCH", path, json={"volume": 1500})
    assert answer["volume"] == 1000 == twin.player(GUILD).volume
    remote = await conn.node.get_player(GUILD)
    assert (remote["track"]["info"]["identifier"], remote["paused"], remote["volume"]) == (
        track.identifier, False, 1000)


async def test_filters_replace_the_chain(twin: LavalinkTwin, conn: Connection) -> None:
    player, _ = await playing(conn, twin)
    updates = len(out_frames(twin, op="playerUpdate"))

    bass = Equalizer()
    bass.update(bands=[(0, 0.3), (1, 0.2)])
    await player.set_filter(bass)
    applied = twin.player(GUILD).filters
    assert list(applied) == ["equalizer"]
    assert applied["equalizer"][:3] == [{"band": 0, "gain": 0.3}, {"band": 1, "gain": 0.2},
                                        {"band": 2, "gain": 0.0}]
    await player.set_filter(Timescale(speed=1.25))  # lavalink.py sends its whole chain
    assert sorted(twin.player(GUILD).filters) == ["equalizer", "timescale"]
    assert twin.player(GUILD).filters["timescale"] == {"speed": 1.25, "pitch": 1.0,
                                                       "rate": 1.0}

    await player.set_filter(Karaoke(level=0.8), replace=True)
    assert list(twin.player(GUILD).filters) == ["karaoke"]
    assert list(player.filters) == ["karaoke"]
    # the server replaces the chain with each PATCH: a direct node call drops karaoke
    await conn.node.update_player(GUILD, filters=[Timescale(pitch=0.9)])
    assert list(twin.player(GUILD).filters) == ["timescale"]
    await player.clear_filters()
    assert twin.player(GUILD).filters == {} and player.filters == {}
    assert patches(twin)[-1] == {"filters": {}}
    # every filters PATCH is followed by a playerUpdate
    assert len(out_frames(twin, op="playerUpdate")) == updates + 5


async def test_track_end_plays_next_from_the_queue(twin: LavalinkTwin, clock: VirtualClock,
                                                   conn: Connection) -> None:
    player = await join_voice(conn, GUILD, CHANNEL)
    tracks = [mock(twin, "First", 30_000), mock(twin, "Second", 45_000),
              mock(twin, "Third", 20_000)]
    for track in tracks:
        player.add(await load(conn, track.uri or ""), requester=7)
    mark = conn.events.mark()
    await player.play()
    await started(conn, "First", since=mark)
    assert [t.title for t in player.queue] == ["Second", "Third"]

    for ending, following, length in (("First", "Second", 30), ("Second", "Third", 45)):
        mark = conn.events.mark()
        await clock.advance(length)
        (end,) = await conn.events.wait_for(TrackEndEvent, since=mark)
        assert (end.track.title, end.reason) == (ending, EndReason.FINISHED)
        await started(conn, following, since=mark)
        assert player.current.title == following
        view = twin.player(GUILD)
        assert (view.track.title, view.position) == (following, 0)  # type: ignore[union-attr]

    mark = conn.events.mark()
    await clock.advance(20)
    await conn.events.wait_for(QueueEndEvent, since=mark)
    assert player.current is None and player.queue == []
    assert twin.player(GUILD).track is None
    assert patches(twin)[-1] == {"track": {"encoded": None}}  # play() on an empty queue
    ends = out_frames(twin, op="event", kind="TrackEndEvent")
    assert [(e["track"]["info"]["title"], e["reason"], e["track"]["info"]["position"])
            for e in ends] == [("First", "finished", 30_000), ("Second", "finished", 45_000),
                               ("Third", "finished", 20_000)]
    # an idle player gets no playerUpdates
    before = len(out_frames(twin, op="playerUpdate"))
    await clock.advance(30)
    assert len(out_frames(twin, op="playerUpdate")) == before


async def test_end_time_ends_the_track_as_finished(twin: LavalinkTwin, clock: VirtualClock,
                                                   conn: Connection) -> None:
    player = await join_voice(conn, GUILD, CHANNEL)
    clip = mock(twin, "Clip", 200_000)
    after = mock(twin, "After", 60_000)
    player.add(await load(conn, after.uri or ""))
    mark = conn.events.mark()
    await player.play(await load(conn, clip.uri or ""), start_time=5_000, end_time=20_000)
    await started(conn, "Clip", since=mark)
    assert patches(twin)[-1]["endTime"] == 20_000 and patches(twin)[-1]["position"] == 5_000
    view = twin.player(GUILD)
    assert (view.end_time, view.position) == (20_000, 5_000)

    await clock.advance(14)
    assert twin.player(GUILD).track is not None and twin.player(GUILD).position == 19_000
    mark = conn.events.mark()
    await clock.advance(1)
    (end,) = await conn.events.wait_for(TrackEndEvent, since=mark)
    assert (end.track.title, end.reason) == ("Clip", EndReason.FINISHED)
    await started(conn, "After", since=mark)  # finished may start the next: it does
    assert (twin.player(GUILD).track.title, twin.player(GUILD).end_time) == (  # type: ignore[union-attr]
        "After", None)
    (ended,) = out_frames(twin, op="event", kind="TrackEndEvent")
    assert ended["track"]["info"]["position"] == 20_000


async def test_stop_then_destroy(twin: LavalinkTwin, conn: Connection) -> None:
    player, _ = await playing(conn, twin)
    mark = conn.events.mark()
    await player.stop()
    (end,) = await conn.events.wait_for(TrackEndEvent, since=mark)
    assert end.reason == EndReason.STOPPED and player.current is None
    assert twin.player(GUILD).track is None

    again = mock(twin, "Encore", 90_000)
    mark = conn.events.mark()
    await player.play(await load(conn, again.uri or ""))
    await started(conn, "Encore", since=mark)
    mark = conn.events.mark()
    await player.destroy()
    assert conn.client.player_manager.get(GUILD) is None
    assert twin.players() == []
    with pytest.raises(RequestError) as missing:
        await conn.node.get_player(GUILD)
    assert (missing.value.status, missing.value.message) == (404, "Player not found")
    # Lavalink stops the track after removing the player: its TrackEndEvent still comes,
    # and lavalink.py, knowing no such player, drops it
    await conn.events.wait_for(IncomingWebSocketMessage,
                               lambda e: e.data.get("type") == "TrackEndEvent", since=mark)
    # (a later event's hook runs after any the TrackEndEvent would have set off)
    rejoined = await join_voice(conn, GUILD, CHANNEL)
    await conn.events.wait_for(PlayerUpdateEvent, lambda e: e.player is rejoined)
    assert conn.events.of(TrackEndEvent, since=mark) == []
    assert out_frames(twin, op="event", kind="TrackEndEvent")[-1]["reason"] == "stopped"


async def test_track_stuck_plays_the_next_track(twin: LavalinkTwin,
                                                conn: Connection) -> None:
    player, _ = await playing(conn, twin, "Stuck Song")
    player.add(await load(conn, mock(twin, "Rescue", 100_000).uri or ""))
    mark = conn.events.mark()
    twin.inject_stuck(GUILD, 2_500)
    (stuck,) = await conn.events.wait_for(TrackStuckEvent, since=mark)
    assert (stuck.track.title, stuck.threshold) == ("Stuck Song", 2_500)
    await started(conn, "Rescue", since=mark)  # lavalink.py plays next on TrackStuck
    (replaced,) = await conn.events.wait_for(TrackEndEvent, since=mark)
    assert replaced.reason == EndReason.REPLACED
    assert twin.player(GUILD).track.title == "Rescue"  # type: ignore[union-attr]
    assert [e["type"] for e in out_frames(twin, op="event")][-3:] == [
        "TrackStuckEvent", "TrackEndEvent", "TrackStartEvent"]


async def test_track_exception_plays_the_next_track(twin: LavalinkTwin,
                                                    conn: Connection) -> None:
    player, _ = await playing(conn, twin, "Broken Song")
    player.add(await load(conn, mock(twin, "Backup", 100_000).uri or ""))
    mark = conn.events.mark()
    twin.inject_exception(GUILD, "Decoder exploded", "fault")
    (failure,) = await conn.events.wait_for(TrackExceptionEvent, since=mark)
    assert (failure.track.title, failure.message, failure.severity) == (
        "Broken Song", "Decoder exploded", Severity.FAULT)
    assert "Decoder exploded" in failure.cause_stacktrace
    (end,) = await conn.events.wait_for(TrackEndEvent, since=mark)
    assert end.reason == EndReason.LOAD_FAILED
    await started(conn, "Backup", since=mark)
    assert twin.player(GUILD).track.title == "Backup"  # type: ignore[union-attr]


async def test_voice_socket_closed_then_cleanup(twin: LavalinkTwin, clock: VirtualClock,
                                                conn: Connection,
                                                discord_twin: DiscordTwin) -> None:
    player, _ = await playing(conn, twin, "Kicked")
    player.add(await load(conn, mock(twin, "Later", 100_000).uri or ""))
    await clock.advance(10)
    mark = conn.events.mark()
    twin.close_voice(GUILD, 4014, "Disconnected.", by_remote=True)
    (closed,) = await conn.events.wait_for(WebSocketClosedEvent, since=mark)
    assert (closed.code, closed.reason, closed.by_remote) == (4014, "Disconnected.", True)
    (update,) = await conn.events.wait_for(PlayerUpdateEvent, lambda e: not e.connected,
                                           since=mark)
    assert (update.position, update.ping) == (10_000, -1)
    assert not twin.player(GUILD).connected

    await clock.advance(59)  # no voice, no frames: the track stands still...
    assert twin.player(GUILD).position == 10_000 and twin.player(GUILD).track is not None
    await clock.advance(1)  # ...and a minute without voice ends it
    (end,) = await conn.events.wait_for(TrackEndEvent, since=mark)
    assert (end.track.title, end.reason) == ("Kicked", EndReason.CLEANUP)
    assert twin.player(GUILD).track is None
    assert [t.title for t in player.queue] == ["Later"]  # cleanup does not start the next

    # Discord hands out a new voice server: a new voice PATCH, and playback resumes
    seq = last_seq(twin)
    move_bot(discord_twin, GUILD, CHANNEL)
    await twin.journal.wait_for(lambda e: e.seq > seq and e.kind == "http"
                                and e.detail["method"] == "PATCH")
    assert twin.player(GUILD).connected
    assert twin.player(GUILD).voice["token"] == f"voice-token-{GUILD}-2"
    mark = conn.events.mark()
    await player.play()
    await started(conn, "Later", since=mark)
    await clock.advance(5)
    assert twin.player(GUILD).position == 5_000


# -- resuming ------------------------------------------------------------------------------


async def test_resumes_after_a_dropped_connection(twin: LavalinkTwin, clock: VirtualClock,
                                                  conn: Connection) -> None:
    player, track = await playing(conn, twin, "Keeps Going")
    await clock.advance(10)
    session = conn.session_id
    resumed = await enable_resuming(conn, timeout=60)
    assert (resumed.session_id, resumed.resumed) == (session, True)
    (_, upgrade) = await conn.handshakes.wait_for(2)
    assert upgrade["Session-Resumed"] == "true"
    assert twin.player(GUILD).position == 10_000  # the player never noticed

    mark, seq = conn.events.mark(), last_seq(twin)
    twin.drop_connection()
    # while the socket is gone: the voice connection drops too, and that is queued
    twin.close_voice(GUILD, 4006, "Session is no longer valid.")
    ready = await wait_ready(conn.events, conn.node, since=mark)
    assert (ready.session_id, ready.resumed) == (session, True)
    (_, _, upgrade) = await conn.handshakes.wait_for(3)
    assert upgrade["Session-Resumed"] == "true"
    reopened = [e for e in twin.journal.connections() if e.seq > seq and e.event == "open"
                and "headers" in e.detail]
    assert reopened[0].detail["headers"]["Session-Id"] == session
    await conn.events.wait_for(NodeDisconnectedEvent, lambda e: e.code == 1006, since=mark)

    # ready, the queued messages in order, one playerUpdate per player, then stats
    # (no playerUpdate is queued while paused: Lavalink's sendPlayerUpdate skips them)
    replay = out_frames(twin, after=seq)[:4]
    assert [(f["op"], f.get("type")) for f in replay] == [
        ("ready", None), ("event", "WebSocketClosedEvent"), ("playerUpdate", None),
        ("stats", None)]
    assert replay[1]["code"] == 4006 and replay[2]["state"]["connected"] is False
    (closed,) = await conn.events.wait_for(WebSocketClosedEvent, since=mark)
    assert closed.code == 4006 and closed.by_remote is True

    # lavalink.py then re-sends its player (voice and track, from where it was)
    await conn.events.wait_for(NodeChangedEvent, since=mark)
    view = twin.player(GUILD)
    assert (view.session_id, view.connected) == (session, True)
    assert view.track.identifier == track.identifier  # type: ignore[union-attr]
    assert view.position >= 10_000
    assert player.current.identifier == track.identifier
    assert twin.sessions() == [session]
    # and lavalink.py got every frame the twin sent, in order, across the three sockets
    sent = out_frames(twin)
    await conn.events.wait_for(IncomingWebSocketMessage, count=len(sent))
    assert conn.events.frames() == sent


async def test_reconnect_without_a_session_id_opens_a_new_session(
        twin: LavalinkTwin, clock: VirtualClock, conn: Connection) -> None:
    # lavalink.py builds its upgrade headers once per connection task: a node that
    # connected without a session id reconnects without one, so it does not resume
    await conn.node.update_session(resuming=True, timeout=30)
    _, track = await playing(conn, twin, "Moved")
    await clock.advance(10)
    old = conn.session_id
    mark, seq = conn.events.mark(), last_seq(twin)
    twin.drop_connection()
    ready = await wait_ready(conn.events, conn.node, since=mark)
    assert ready.resumed is False and ready.session_id != old
    (_, upgrade) = await conn.handshakes.wait_for(2)
    assert upgrade["Session-Resumed"] == "false"
    reopened = [e for e in twin.journal.connections() if e.seq > seq and e.event == "open"
                and "headers" in e.detail]
    assert "Session-Id" not in reopened[0].detail["headers"]

    await conn.events.wait_for(NodeChangedEvent, since=mark)  # players moved over
    moved = twin.player(GUILD, ready.session_id)
    assert moved.track.identifier == track.identifier and moved.connected  # type: ignore[union-attr]
    assert moved.position >= 10_000
    # the old session waits (paused, still playing) for a resume that never comes...
    paused = twin.player(GUILD, old)
    assert paused.position == 10_000 and sorted(twin.sessions()) == sorted([old,
                                                                            ready.session_id])
    await clock.advance(30)
    assert twin.sessions() == [ready.session_id]  # ...and ends with its timeout


async def test_restarted_bot_resumes_its_session(twin: LavalinkTwin, clock: VirtualClock,
                                                 discord_twin: DiscordTwin) -> None:
    first = await connect(twin, discord_twin)
    try:
        assert await first.node.update_session(resuming=True, timeout=120) == {
            "resuming": True, "timeout": 120}
        session = first.session_id
        _, track = await playing(first, twin, "Overnight", 30_000)
    finally:
        await first.close()  # the bot goes down (a clean 1000 close)
    seq = last_seq(twin)

    # the session is paused: players keep playing, and what they say is queued
    await clock.advance(12)
    twin.inject_stuck(GUILD, 1_000)
    await clock.advance(20)  # the track finishes meanwhile
    assert twin.player(GUILD).track is None
    assert out_frames(twin, after=seq) == []  # nothing went anywhere yet

    second = await connect(twin, discord_twin, session_id=session)
    try:
        assert (second.ready.session_id, second.ready.resumed) == (session, True)
        (upgrade,) = await second.handshakes.wait_for(1)
        assert upgrade["Session-Resumed"] == "true"
        await second.events.wait_for(IncomingWebSocketMessage,
                                     lambda e: e.data["op"] == "stats")
        got = second.events.frames()
        assert got == out_frames(twin, after=seq)  # in order, none lost
        kinds = [(f["op"], f.get("type")) for f in got]
        assert kinds[0] == ("ready", None) and kinds[-1] == ("stats", None)
        events = [k for _, k in kinds if k is not None]
        assert events == ["TrackStuckEvent", "TrackEndEvent"]
        stuck_at = kinds.index(("event", "TrackStuckEvent"))
        end_at = kinds.index(("event", "TrackEndEvent"))
        # events are queued, playerUpdates are not (sendPlayerUpdate skips a paused session)
        assert got[1:stuck_at] == []
        assert got[end_at]["reason"] == "finished"
        assert got[end_at]["track"]["info"]["identifier"] == track.identifier
        assert kinds[-2] == ("playerUpdate", None)  # the resume's own update

        players = await second.node.get_players()  # the player survived the restart
        assert [(p["guildId"], p["voice"]["channelId"]) for p in players] == [
            (str(GUILD), str(CHANNEL))]
        assert twin.player(GUILD).session_id == session
    finally:
        await second.close()


# -- the seed's faults ---------------------------------------------------------------------


async def test_packet_loss_loses_player_updates_not_playback(
        twin: LavalinkTwin, clock: VirtualClock, conn: Connection) -> None:
    player = await join_voice(conn, GUILD, CHANNEL)
    mark = conn.events.mark()
    await player.play(await load(conn, "dQw4w9WgXcQ"))
    await started(conn, "Rick Astley - Never Gonna Give You Up", since=mark)
    seq = last_seq(twin)
    loss = twin.faults.add(Drop(name="packet_loss", probability=0.05,
                                scope=Scope(event="playerUpdate")))

    mark = conn.events.mark()
    await clock.advance(200)
    dropped = len(twin.journal.faults("packet_loss"))
    delivered = out_frames(twin, after=seq, op="playerUpdate")
    assert dropped >= 1 and len(delivered) + dropped == 40
    updates = await conn.events.wait_for(PlayerUpdateEvent, lambda e: e.position > 0,
                                         count=len(delivered))
    assert [u.position for u in updates] == [f["state"]["position"] for f in delivered]
    lost = set(range(5_000, 200_001, 5_000)) - {u.position for u in updates}
    assert len(lost) == dropped  # exactly the dropped ones never reached lavalink.py

    # events are not lost: the track ends and the queue moves on
    player.add(await load(conn, mock(twin, "Next Up", 60_000).uri or ""))
    await clock.advance(12)
    (end,) = await conn.events.wait_for(TrackEndEvent, since=mark)
    assert end.reason == EndReason.FINISHED
    await started(conn, "Next Up", since=mark)
    twin.faults.remove(loss)
    assert twin.player(GUILD).track.title == "Next Up"  # type: ignore[union-attr]


async def test_latency_spike_on_rest_holds_the_answer_on_the_twin_clock(
        twin: LavalinkTwin, clock: VirtualClock, conn: Connection) -> None:
    player = await join_voice(conn, GUILD, CHANNEL)
    track = await load(conn, mock(twin, "Slow Start", 60_000).uri or "")
    twin.faults.add(LatencySpike(name="rest_spike", probability=1.0, times=1, ms=50,
                                 multiplier=20, scope=Scope(route="/v4/sessions/*")))
    mark = conn.events.mark()
    play = asyncio.create_task(player.play(track))
    (spike,) = await twin.journal.wait_for(lambda e: e.kind == "fault"
                                           and e.event == "rest_spike")
    assert spike.detail["seconds"] == 1.0
    assert not play.done() and twin.players()[0].track is None  # not applied yet
    await clock.advance(1)
    await play
    await started(conn, "Slow Start", since=mark)
    (start,) = twin.journal.frames(direction="out", event="TrackStartEvent")
    assert start.twin_time == pytest.approx(clock.time())


async def test_latency_spikes_delay_frames_in_order(twin: LavalinkTwin,
                                                    clock: VirtualClock,
                                                    conn: Connection) -> None:
    player = await join_voice(conn, GUILD, CHANNEL)
    titles = ["Spike One", "Spike Two", "Spike Three"]
    for title in titles:
        player.add(await load(conn, mock(twin, title, 60_000).uri or ""))
    # the seed's spikes (10% of frames, 10x 50 ms), plus one sure to hold a TrackEndEvent
    twin.faults.add(LatencySpike(name="latency_spike", probability=0.1, ms=50,
                                 multiplier=10, scope=Scope(direction="out")))
    twin.faults.add(LatencySpike(name="end_spike", probability=1.0, times=1, ms=50,
                                 multiplier=10, scope=Scope(event="TrackEndEvent")))
    mark = conn.events.mark()
    await player.play()
    held: list[int] = []
    for title in titles:
        await started(conn, title, since=mark)
        ends = len(out_frames(twin, kind="TrackEndEvent"))
        await clock.advance(60)
        # a delayed TrackEndEvent (and all behind it) goes out later on the twin's clock,
        # and lavalink.py only moves on once it has it
        steps = 0
        while len(out_frames(twin, kind="TrackEndEvent")) == ends:
            await clock.advance(0.5)
            steps += 1
        held.append(steps)
    await conn.events.wait_for(QueueEndEvent, since=mark)

    assert held[0] >= 1  # the first TrackEndEvent was held back
    assert len(twin.journal.faults("latency_spike")) >= 2
    starts = conn.events.of(TrackStartEvent, since=mark)
    assert [s.track.title for s in starts] == titles
    finished = conn.events.of(TrackEndEvent, since=mark)
    assert [(e.track.title, e.reason) for e in finished] == [(t, EndReason.FINISHED)
                                                              for t in titles]
    # nothing reordered: lavalink.py got exactly what the twin sent, in the same order
    sent = out_frames(twin)
    await conn.events.wait_for(IncomingWebSocketMessage, count=len(sent))
    assert conn.events.frames() == sent
    assert twin.player(GUILD).track is None


async def test_connection_drops_recover_with_the_player_moved(
        twin: LavalinkTwin, clock: VirtualClock, conn: Connection) -> None:
    player = await join_voice(conn, GUILD, CHANNEL)
    mark = conn.events.mark()
    await player.play(await load(conn, _stream_uri(twin)))
    await started(conn, "Lofi Radio 24/7", since=mark)
    twin.faults.add(Disconnect(name="connection_drop", probability=0.02, times=2,
                               scope=Scope(event="playerUpdate")))
    sessions = [conn.session_id]
    for _ in range(400):
        fired = len(twin.journal.faults("connection_drop"))
        if fired == 2:
            break
        mark = conn.events.mark()
        await clock.advance(5)
        if len(twin.journal.faults("connection_drop")) > fired:
            # lavalink.py reconnects (a new session) and moves its player there
            ready = await wait_ready(conn.events, conn.node, since=mark)
            assert ready.resumed is False
            await conn.events.wait_for(NodeChangedEvent, since=mark)
            sessions.append(ready.session_id)
    assert len(twin.journal.faults("connection_drop")) == 2 and len(set(sessions)) == 3
    drops = conn.events.of(NodeDisconnectedEvent)
    assert [d.code for d in drops] == [1011, 1011]
    assert twin.sessions() == [sessions[-1]]  # the dropped ones were not resumable
    view = twin.player(GUILD)
    assert view.connected and view.track.title == "Lofi Radio 24/7"  # type: ignore[union-attr]
    position = view.position
    await clock.advance(5)
    (update,) = await conn.events.wait_for(PlayerUpdateEvent,
                                           lambda e: e.position == position + 5_000)
    assert update.connected
    assert player.current.title == "Lofi Radio 24/7"


def _stream_uri(twin: LavalinkTwin) -> str:
    stream = next(t for t in twin.catalogue.tracks.values() if t.info.is_stream)
    return stream.uri or stream.identifier


async def test_synthetic_voice_matches_the_discord_helper() -> None:
    # the lavalink.py helpers build the gateway payloads without importing discord.py;
    # they must stay the ones wiretwin.drivers.voice builds
    from wiretwin.drivers.voice import DEFAULT_BOT_ID, VoiceSession

    assert DEFAULT_USER_ID == DEFAULT_BOT_ID
    assert SyntheticVoice(GUILD, CHANNEL).gateway_events() == VoiceSession(
        GUILD, CHANNEL).gateway_events()
