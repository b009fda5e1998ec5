"""The real wavelink 3.5.2 (with discord.py 2.7.1) against a running Lavalink twin.

Nothing of wavelink is patched: its Node connects over a real websocket, its Player joins
a voice channel through ``channel.connect(cls=wavelink.Player)`` (discord.py is logged in
to a Discord twin, which answers op 4 the way Discord does, see
:mod:`wiretwin.drivers.wavelink`) and talks REST to the Lavalink twin. Protocol time
(track ends, playerUpdate and stats schedules, fault latencies) runs on a VirtualClock
moved by the test; tests synchronise on what wavelink dispatched
(``client.wavelink_events``) and on the twins' journals, never on sleeps.

``wavelink.Pool`` is a class-level singleton: the ``client`` fixture checks that it starts
empty and empties it (closing nodes, their sessions and wavelink's orphan tasks) before the
twin stops.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
import wavelink

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_voice import move_bot, voice_guild, voice_requests
from wiretwin.drivers.wavelink import (
    WavelinkClient,
    close_pool,
    connect_node,
    connect_player,
    wavelink_client,
)
from wiretwin.lavalink import LavalinkTwin, Playlist, Track
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import Disconnect, Drop, LatencySpike, RefuseHandshake, Scope
from wiretwin.runtime.journal import Entry
from wiretwin.runtime.waiters import WaitableLog

#: Every test runs in the module's loop, where the module's Discord twin serves.
pytestmark = pytest.mark.asyncio(loop_scope="module")

GUILD = 700000000000000001
CHANNEL = 700000000000000002
OTHER_CHANNEL = 700000000000000003
RICK = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
UNAVAILABLE = "https://www.youtube.com/watch?v=unavailable0"
PLAYER_PATH = f"/v4/sessions/*/players/{GUILD}"
#: What wavelink sends for "no filters": ``Filters()()`` keeps its flat 15-band equalizer.
DEFAULT_FILTERS = {"equalizer": [{"band": band, "gain": 0.0} for band in range(15)]}


# -- fixtures -----------------------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="module")
async def discord_twin(shared_discord: DiscordTwin) -> DiscordTwin:
    """The Discord the bot is on, as built for each test: a guild with two voice
    channels."""
    shared_discord.reset()
    voice_guild(shared_discord, GUILD, {CHANNEL: "Music", OTHER_CHANNEL: "Elsewhere"})
    return shared_discord


@pytest_asyncio.fixture(loop_scope="module")
async def twin(clock: VirtualClock) -> AsyncIterator[LavalinkTwin]:
    """A Lavalink twin in the module's loop, on :func:`clock`."""
    async with LavalinkTwin(clock=clock) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def client(twin: LavalinkTwin, discord_twin: DiscordTwin
                 ) -> AsyncIterator[WavelinkClient]:
    """discord.py logged in to the Discord twin; the wavelink Pool is emptied before the
    twins stop."""
    assert wavelink.Pool.nodes == {}, "a previous test leaked nodes into wavelink.Pool"
    async with wavelink_client(discord_twin) as bot:
        try:
            yield bot
        finally:
            await close_pool()
    assert wavelink.Pool.nodes == {}


def bot_id(client: WavelinkClient) -> int:
    assert client.user is not None
    return client.user.id


def bot_left(client: WavelinkClient) -> asyncio.Future[Any]:
    """The client's next ``voice_state_update`` where the bot has no channel."""
    return asyncio.ensure_future(client.wait_for(
        "voice_state_update", timeout=5,
        check=lambda member, before, after: member.id == bot_id(client)
        and after.channel is None))


@pytest_asyncio.fixture(loop_scope="module")
async def node(client: WavelinkClient, twin: LavalinkTwin) -> wavelink.Node:
    return await connect_node(client, twin)


@pytest_asyncio.fixture(loop_scope="module")
async def player(client: WavelinkClient, node: wavelink.Node) -> wavelink.Player:
    return await connect_player(client, GUILD, CHANNEL)


# -- helpers ------------------------------------------------------------------------------


async def playable(identifier: str) -> wavelink.Playable:
    found = await wavelink.Playable.search(identifier)
    assert isinstance(found, list) and len(found) == 1
    return found[0]


async def new_tracks(twin: LavalinkTwin, *lengths: int) -> list[wavelink.Playable]:
    """Tracks of the given lengths in the twin's catalogue, loaded the way a bot does."""
    made = [twin.mock_factory.create_mock_track(length=length) for length in lengths]
    return [await playable(track.uri or track.identifier) for track in made]


def last_seq(twin: LavalinkTwin) -> int:
    entries = list(twin.journal)
    return entries[-1].seq if entries else 0


def player_patches(twin: LavalinkTwin, after: int = 0) -> list[dict[str, Any]]:
    """Bodies of the PATCHes wavelink sent for the test guild's player, with the query."""
    out = []
    for entry in twin.journal.http(method="PATCH"):
        path = entry.detail["path"]
        if entry.seq > after and path.endswith(f"/players/{GUILD}"):
            body = json.loads(entry.detail["request_body"])
            out.append({"body": body, "query": entry.detail["query"],
                        "status": entry.detail["status"]})
    return out


def is_http(method: str, suffix: str) -> Any:
    def check(entry: Entry) -> bool:
        return (entry.kind == "http" and entry.detail.get("method") == method
                and str(entry.detail.get("path", "")).endswith(suffix))
    return check


def fault_fired(name: str) -> Any:
    def check(entry: Entry) -> bool:
        return entry.kind == "fault" and entry.event == name
    return check


async def start(client: WavelinkClient, player: wavelink.Player,
                track: wavelink.Playable, **kwargs: Any) -> None:
    """Play ``track`` and wait for its TrackStartEvent."""
    mark = client.wavelink_events.mark()
    await player.play(track, **kwargs)
    # (Lavalink re-encodes a track with its position: compare identities, as wavelink does)
    await client.wavelink_events.next("track_start", lambda p: p.track == track, after=mark)


class LogWaiter(logging.Handler):
    """Log records of one logger, waitable (wavelink reports some decisions only there)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: WaitableLog[logging.LogRecord] = WaitableLog(lambda r: r.getMessage())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def player_log() -> Iterator[LogWaiter]:
    logger = logging.getLogger("wavelink.player")
    waiter = LogWaiter()
    level = logger.level
    logger.addHandler(waiter)
    logger.setLevel(logging.DEBUG)
    try:
        yield waiter
    finally:
        logger.removeHandler(waiter)
        logger.setLevel(level)


# -- connecting ---------------------------------------------------------------------------


async def test_pool_connect_handshake_and_ready_handler(
        client: WavelinkClient, twin: LavalinkTwin) -> None:
    node = await connect_node(client, twin, identifier="wiretwin-node")

    assert wavelink.Pool.get_node() is node
    assert node.status is wavelink.NodeStatus.CONNECTED
    assert twin.sessions() == [node.session_id]
    opened = [e for e in twin.journal.connections() if e.event == "open" and "headers" in
              e.detail]
    assert len(opened) == 1
    headers = opened[0].detail["headers"]
    assert headers["Authorization"] == "youshallnotpass"
    assert headers["User-Id"] == str(bot_id(client))
    assert headers["Client-Name"] == "Wavelink/3.5.2"
    assert "Session-Id" not in headers
    # The ready handler: PATCH the session for resuming (60 s), then GET /v4/info.
    calls = [(e.detail["method"], e.detail["path"]) for e in twin.journal.http()]
    assert calls == [("PATCH", f"/v4/sessions/{node.session_id}"), ("GET", "/v4/info")]
    patch = twin.journal.http(method="PATCH")[0]
    assert json.loads(patch.detail["request_body"]) == {"resuming": True, "timeout": 60}
    assert json.loads(patch.detail["response_body"]) == {"resuming": True, "timeout": 60}
    assert twin.journal.http(path="/v4/info")[0].detail["status"] == 200
    assert node._spotify_enabled  # read from /v4/info sourceManagers
    ready = client.wavelink_events.payloads("node_ready")
    assert [(p.node, p.resumed, p.session_id) for p in ready] == [
        (node, False, node.session_id)]
    stats = await client.wavelink_events.next("stats_update")
    assert (stats.players, stats.playing, stats.frames) == (0, 0, None)

    info = await node.fetch_info()
    assert info.version.semver == "4.2.2"
    assert "youtube" in info.source_managers
    assert await node.fetch_version() == "4.2.2"


async def test_wrong_password_is_refused(client: WavelinkClient, twin: LavalinkTwin) -> None:
    settings = {"uri": twin.http_url(), "password": "not-the-password"}
    with pytest.raises(wavelink.NodeException, match="did not accept"):
        await connect_node(client, settings)
    assert wavelink.Pool.nodes == {}
    refused = twin.journal.http(path="/v4/websocket")
    assert [e.detail["status"] for e in refused] == [401]
    assert twin.sessions() == []


async def test_resume_timeout_zero_means_a_fresh_session_after_a_drop(
        client: WavelinkClient, twin: LavalinkTwin) -> None:
    node = await connect_node(client, twin, resume_timeout=0)
    assert twin.journal.http(method="PATCH") == []  # resuming never switched on
    player = await connect_player(client, GUILD, CHANNEL)
    await start(client, player, await playable(RICK))
    old = node.session_id
    mark = client.wavelink_events.mark()

    twin.drop_connection()

    ready = await client.wavelink_events.next("node_ready", after=mark)
    assert ready.resumed is False
    assert ready.session_id != old and node.session_id == ready.session_id
    # wavelink offered the old id; the twin had already shut that session down with its
    # players, as Lavalink does for a session that was not resumable.
    opened = [e.detail["headers"] for e in twin.journal.connections()
              if e.event == "open" and "headers" in e.detail]
    assert opened[-1].get("Session-Id") == old
    assert twin.sessions() == [ready.session_id]
    assert twin.players() == []
    assert [e.name for e in client.wavelink_events.events(after=mark)][:2] == [
        "node_disconnected", "node_ready"]


# -- loading tracks -----------------------------------------------------------------------


async def test_search_a_track_url(node: wavelink.Node, twin: LavalinkTwin) -> None:
    tracks = await wavelink.Playable.search(RICK)

    assert isinstance(tracks, list) and len(tracks) == 1
    track = tracks[0]
    expected: Track = twin.catalogue.tracks[RICK]
    assert track.encoded == expected.encoded
    assert (track.identifier, track.title, track.author, track.length) == (
        "dQw4w9WgXcQ", "Rick Astley - Never Gonna Give You Up", "RickAstleyVEVO", 212000)
    assert (track.uri, track.source, track.is_seekable, track.is_stream, track.position) == (
        RICK, "youtube", True, False, 0)
    assert track.artwork == "https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg"
    assert dict(track.extras) == {}
    loads = twin.journal.http(path="/v4/loadtracks")
    assert [e.detail["query"] for e in loads] == [{"identifier": RICK}]


async def test_search_a_playlist_url(node: wavelink.Node, twin: LavalinkTwin) -> None:
    mix: Playlist = next(iter(twin.catalogue.playlists.values()))

    found = await wavelink.Playable.search(mix.url)
    assert isinstance(found, wavelink.Playlist)
    assert (found.name, found.selected, len(found)) == (mix.name, -1, len(mix.tracks))
    assert [t.encoded for t in found.tracks] == [t.encoded for t in mix.tracks]
    assert {(t.playlist.name, t.playlist.tracks) for t in found.tracks
            if t.playlist is not None} == {(mix.name, len(mix.tracks))}

    second = mix.tracks[1]
    selected = await wavelink.Playable.search(f"{mix.url}&v={second.identifier}")
    assert isinstance(selected, wavelink.Playlist)
    assert selected.selected == 1


@pytest.mark.parametrize(("source", "prefix"), [
    (wavelink.TrackSource.YouTubeMusic, "ytmsearch"),
    (wavelink.TrackSource.YouTube, "ytsearch"),
    (wavelink.TrackSource.SoundCloud, "scsearch"),
    ("spsearch", "spsearch"),
])
async def test_search_with_each_prefix(node: wavelink.Node, twin: LavalinkTwin,
                                       source: wavelink.TrackSource | str,
                                       prefix: str) -> None:
    found = await wavelink.Playable.search("midnight city", source=source)

    assert isinstance(found, list)
    expected = twin.catalogue.load(f"{prefix}:midnight city")
    assert expected.load_type == "search"
    assert [t.encoded for t in found] == [t.encoded for t in expected.data]
    assert len(found) == 5
    sources = {"ytmsearch": "youtube", "ytsearch": "youtube", "scsearch": "soundcloud",
               "spsearch": "spotify"}
    assert {t.source for t in found} == {sources[prefix]}
    query = twin.journal.http(path="/v4/loadtracks")[-1].detail["query"]
    assert query == {"identifier": f"{prefix}:midnight city"}


async def test_search_registered_results(node: wavelink.Node, twin: LavalinkTwin) -> None:
    results = twin.mock_factory.create_mock_search_results("test query", count=3)

    found = await wavelink.Playable.search("test query", source=wavelink.TrackSource.YouTube)
    assert isinstance(found, list)
    assert [t.title for t in found] == [t.title for t in results]


async def test_search_empty_results(node: wavelink.Node, twin: LavalinkTwin) -> None:
    twin.catalogue.add_search("nothing at all", [])

    assert await wavelink.Playable.search("https://example.com/not-in-the-catalogue") == []
    assert await wavelink.Playable.search("nothing at all",
                                          source=wavelink.TrackSource.YouTube) == []
    bodies = [json.loads(e.detail["response_body"])
              for e in twin.journal.http(path="/v4/loadtracks")]
    assert bodies == [{"loadType": "empty", "data": None}] * 2


async def test_search_error_raises_load_exception(node: wavelink.Node) -> None:
    with pytest.raises(wavelink.LavalinkLoadException) as caught:
        await wavelink.Playable.search(UNAVAILABLE)

    assert caught.value.error == "This video is unavailable"
    assert caught.value.severity == "common"
    assert caught.value.cause == "com.sedmelluq.discord.lavaplayer.tools.FriendlyException"


async def test_rest_error_raises_lavalink_exception(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin) -> None:
    good = await playable(RICK)
    broken = wavelink.Playable({**good.raw_data, "encoded": "QAAAjQIAJVJp"})

    with pytest.raises(wavelink.LavalinkException) as caught:
        await player.play(broken)

    # the message ends inside its title: lavaplayer's readUTF hits the end (EOFException),
    # which Lavalink does not handle: a 500
    assert caught.value.status == 500
    assert caught.value.error == "Internal Server Error"
    assert caught.value.path.endswith(f"/players/{GUILD}")
    assert player.current is None  # wavelink rolled its state back
    assert twin.player(GUILD).track is None


# -- voice and playback -------------------------------------------------------------------


async def test_join_sends_voice_to_the_twin(client: WavelinkClient, node: wavelink.Node,
                                            twin: LavalinkTwin,
                                            discord_twin: DiscordTwin) -> None:
    player = await connect_player(client, GUILD, CHANNEL)

    assert player.connected and player.guild is not None and player.guild.id == GUILD
    assert player.channel.id == CHANNEL
    assert node.players == {GUILD: player}
    assert client.voice_clients == [player]
    assert player.guild.me.voice is not None and player.guild.me.voice.channel == player.channel
    requests = voice_requests(discord_twin)
    assert [(r.guild_id, r.channel_id) for r in requests] == [(GUILD, CHANNEL)]
    [voice] = player_patches(twin)
    assert voice["body"] == {"voice": {
        "sessionId": f"voice-{bot_id(client)}", "token": f"voice-token-{GUILD}-1",
        "endpoint": discord_twin.voice.endpoint, "channelId": str(CHANNEL)}}
    assert voice["query"] == {"noReplace": "True"}
    view = twin.player(GUILD)
    assert view.connected and view.voice["channelId"] == str(CHANNEL)
    update = await client.wavelink_events.next("player_update")
    assert (update.player, update.connected, update.position) == (player, True, 0)


async def test_move_to_another_channel_and_out(
        client: WavelinkClient, node: wavelink.Node, player: wavelink.Player,
        twin: LavalinkTwin, discord_twin: DiscordTwin) -> None:
    elsewhere = client.get_channel(OTHER_CHANNEL)
    assert isinstance(elsewhere, discord.VoiceChannel)
    [track] = await new_tracks(twin, 200_000)
    await start(client, player, track)
    after = last_seq(twin)

    await player.move_to(elsewhere)

    [voice] = player_patches(twin, after)
    assert voice["body"]["voice"]["channelId"] == str(OTHER_CHANNEL)
    assert twin.player(GUILD).voice["channelId"] == str(OTHER_CHANNEL)
    assert twin.player(GUILD).track is not None  # playback survives the move
    assert player.channel == elsewhere and player.connected
    guild = player.guild
    assert guild is not None and guild.me.voice is not None
    assert guild.me.voice.channel == elsewhere

    await player.move_to(None)  # leaving: Discord's answer makes wavelink destroy it

    await twin.journal.wait_for(is_http("DELETE", f"/players/{GUILD}"))
    assert twin.players() == [] and node.players == {}
    assert [(r.guild_id, r.channel_id) for r in voice_requests(discord_twin)] == [
        (GUILD, CHANNEL), (GUILD, OTHER_CHANNEL), (GUILD, None)]


async def test_play_sends_the_full_patch_and_gets_track_start(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin) -> None:
    track = await playable(RICK)
    track.extras = {"requester": 42}
    after = last_seq(twin)

    await start(client, player, track)

    [patch] = player_patches(twin, after)
    assert patch["query"] == {"noReplace": "False"}
    assert patch["body"] == {"track": {"encoded": track.encoded,
                                       "userData": {"requester": 42}},
                             "volume": 100, "position": 0, "endTime": None,
                             "paused": False, "filters": DEFAULT_FILTERS}
    assert patch["status"] == 200
    started = client.wavelink_events.payloads("track_start")[-1]
    assert started.player is player and started.track == track
    assert dict(started.track.extras) == {"requester": 42}
    assert player.current == track and player.playing
    view = twin.player(GUILD)
    assert view.track is not None and view.track.encoded == track.encoded
    assert view.track.user_data == {"requester": 42}
    assert not view.paused and view.volume == 100
    assert list(player.queue.history or []) == [track]


async def test_track_ends_on_the_virtual_clock(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin,
        clock: VirtualClock) -> None:
    [track] = await new_tracks(twin, 30_000)
    await start(client, player, track)
    mark = client.wavelink_events.mark()

    await clock.advance(29)
    updates = await client.wavelink_events.wait("player_update", after=mark, count=5)
    assert [u.position for u in updates] == [5000, 10000, 15000, 20000, 25000]
    assert client.wavelink_events.events("track_end", after=mark) == []
    assert player.current == track

    await clock.advance(1)
    ended = await client.wavelink_events.next("track_end", after=mark)
    assert (ended.reason, ended.track, ended.player) == ("finished", track, player)
    assert ended.track.position == 30_000
    assert player.current is None and not player.playing


async def test_start_and_end_positions(client: WavelinkClient, player: wavelink.Player,
                                       twin: LavalinkTwin, clock: VirtualClock) -> None:
    [track] = await new_tracks(twin, 120_000)
    await start(client, player, track, start=10_000, end=25_000)
    view = twin.player(GUILD)
    assert (view.position, view.end_time) == (10_000, 25_000)
    mark = client.wavelink_events.mark()

    await clock.advance(15)

    ended = await client.wavelink_events.next("track_end", after=mark)
    assert ended.reason == "finished"  # an end marker ends the track as "finished"
    assert ended.track.position == 25_000


async def test_play_over_a_track_replaces_it(client: WavelinkClient, player: wavelink.Player,
                                             twin: LavalinkTwin) -> None:
    first, second = await new_tracks(twin, 200_000, 200_000)
    await start(client, player, first)
    mark = client.wavelink_events.mark()

    await start(client, player, second)

    ends = client.wavelink_events.payloads("track_end", after=mark)
    assert [(e.reason, e.track) for e in ends] == [("replaced", first)]
    names = [e.name for e in client.wavelink_events.events(after=mark)
             if e.name in ("track_end", "track_start")]
    assert names == ["track_end", "track_start"]
    assert player.current == second
    assert twin.player(GUILD).track.encoded == second.encoded  # type: ignore[union-attr]


async def test_play_with_replace_false_keeps_the_current_track(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin) -> None:
    first, second = await new_tracks(twin, 200_000, 200_000)
    await start(client, player, first)
    after = last_seq(twin)

    await player.play(second, replace=False)

    [patch] = player_patches(twin, after)
    assert patch["query"] == {"noReplace": "True"}
    assert twin.player(GUILD).track.encoded == first.encoded  # type: ignore[union-attr]
    assert twin.journal.frames(direction="out", event="TrackStartEvent",
                               match=second.encoded) == []
    assert player.current == first


async def test_pause_and_resume(client: WavelinkClient, player: wavelink.Player,
                                twin: LavalinkTwin, clock: VirtualClock) -> None:
    [track] = await new_tracks(twin, 300_000)
    await start(client, player, track)
    await clock.advance(10)
    await player.pause(True)
    assert player.paused and twin.player(GUILD).paused
    mark = client.wavelink_events.mark()

    await clock.advance(30)  # a paused player keeps getting updates, frozen
    updates = await client.wavelink_events.wait("player_update", after=mark, count=6)
    assert {u.position for u in updates} == {10_000}
    assert player.position == 10_000
    assert twin.player(GUILD).position == 10_000

    await player.pause(False)
    assert not player.paused and not twin.player(GUILD).paused
    mark = client.wavelink_events.mark()
    await clock.advance(5)
    [update] = await client.wavelink_events.wait("player_update", after=mark)
    assert update.position == 15_000
    assert [p["body"] for p in player_patches(twin)][-2:] == [{"paused": True},
                                                              {"paused": False}]


async def test_seek(client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin,
                    clock: VirtualClock) -> None:
    [track] = await new_tracks(twin, 300_000)
    await start(client, player, track)
    mark = client.wavelink_events.mark()

    await player.seek(120_000)

    update = await client.wavelink_events.next("player_update", after=mark)
    assert update.position == 120_000  # Lavalink sends an update on seek
    assert twin.player(GUILD).position == 120_000
    assert player_patches(twin)[-1]["body"] == {"position": 120_000}
    mark = client.wavelink_events.mark()
    await clock.advance(180)
    ended = await client.wavelink_events.next("track_end", after=mark)
    assert ended.reason == "finished"


async def test_volume(client: WavelinkClient, player: wavelink.Player,
                      twin: LavalinkTwin) -> None:
    await player.set_volume(35)
    assert (player.volume, twin.player(GUILD).volume) == (35, 35)

    await player.set_volume(1500)  # wavelink clamps before sending
    assert (player.volume, twin.player(GUILD).volume) == (1000, 1000)
    assert [p["body"] for p in player_patches(twin)][-2:] == [{"volume": 35},
                                                              {"volume": 1000}]

    [track] = await new_tracks(twin, 100_000)
    await start(client, player, track, volume=70)
    assert twin.player(GUILD).volume == 70


async def test_filters(client: WavelinkClient, player: wavelink.Player,
                       twin: LavalinkTwin) -> None:
    [track] = await new_tracks(twin, 300_000)
    await start(client, player, track)
    filters = wavelink.Filters()
    filters.timescale.set(speed=1.25, pitch=1.1, rate=1.0)
    filters.equalizer.set(bands=[{"band": 0, "gain": 0.25}, {"band": 14, "gain": -0.1}])
    filters.karaoke.set(level=0.8, mono_level=1.0, filter_band=220.0, filter_width=100.0)
    filters.volume = 0.5
    mark = client.wavelink_events.mark()

    await player.set_filters(filters)

    applied: dict[str, Any] = twin.player(GUILD).filters
    assert applied["timescale"] == {"speed": 1.25, "pitch": 1.1, "rate": 1.0}
    assert applied["volume"] == 0.5
    assert applied["equalizer"][0] == {"band": 0, "gain": 0.25}
    assert applied["equalizer"][14] == {"band": 14, "gain": -0.1}
    assert applied["karaoke"] == {"level": 0.8, "monoLevel": 1.0, "filterBand": 220.0,
                                  "filterWidth": 100.0}
    assert applied == dict(filters())
    await client.wavelink_events.next("player_update", after=mark)  # sent on a change
    assert player.filters is filters

    await player.set_filters()  # reset: wavelink sends its flat equalizer
    assert twin.player(GUILD).filters == DEFAULT_FILTERS
    assert player_patches(twin)[-1]["body"] == {"filters": DEFAULT_FILTERS}

    nightcore = wavelink.Filters.from_filters(
        timescale=wavelink.Timescale({"speed": 1.2, "pitch": 1.2}))
    [other] = await new_tracks(twin, 100_000)
    await start(client, player, other, filters=nightcore)
    assert twin.player(GUILD).filters == {**DEFAULT_FILTERS,
                                          "timescale": {"speed": 1.2, "pitch": 1.2}}


# -- queue and autoplay -------------------------------------------------------------------


async def test_track_end_plays_the_next_queued_track(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin,
        clock: VirtualClock) -> None:
    first, second, third = await new_tracks(twin, 20_000, 40_000, 60_000)
    player.autoplay = wavelink.AutoPlayMode.partial
    player.queue.put([second, third])
    await start(client, player, first)
    mark = client.wavelink_events.mark()

    await clock.advance(20)
    started = await client.wavelink_events.next("track_start", after=mark)
    assert started.track == second
    ended = client.wavelink_events.payloads("track_end", after=mark)
    assert [(e.reason, e.track) for e in ended] == [("finished", first)]
    assert twin.player(GUILD).track.encoded == second.encoded  # type: ignore[union-attr]

    mark = client.wavelink_events.mark()
    await clock.advance(40)
    started = await client.wavelink_events.next("track_start", after=mark)
    assert started.track == third
    assert player.queue.is_empty
    assert list(player.queue.history or []) == [first, second, third]


async def test_queue_loop_replays_the_track(client: WavelinkClient, player: wavelink.Player,
                                            twin: LavalinkTwin, clock: VirtualClock) -> None:
    [track] = await new_tracks(twin, 15_000)
    player.autoplay = wavelink.AutoPlayMode.partial
    player.queue.mode = wavelink.QueueMode.loop
    await start(client, player, track)

    for _ in range(2):
        mark = client.wavelink_events.mark()
        await clock.advance(15)
        started = await client.wavelink_events.next("track_start", after=mark)
        assert started.track == track
        assert [e.reason for e in client.wavelink_events.payloads("track_end", after=mark)
                ] == ["finished"]


async def test_autoplay_recommends_from_the_youtube_music_mix(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin,
        clock: VirtualClock) -> None:
    [seed] = await new_tracks(twin, 30_000)
    # wavelink asks for the YouTube Music radio of the track (its own URL recipe).
    mix_url = (f"https://music.youtube.com/watch?v={seed.identifier}8"
               f"&list=RD{seed.identifier}")
    mix = twin.catalogue.make_playlist("Mix", 4)
    twin.catalogue.add_playlist(Playlist(mix.name, mix.tracks, mix_url))
    player.autoplay = wavelink.AutoPlayMode.enabled
    await start(client, player, seed)
    mark = client.wavelink_events.mark()

    await clock.advance(30)

    started = await client.wavelink_events.next("track_start", after=mark)
    assert started.track.encoded in {t.encoded for t in mix.tracks}
    assert player.current == started.track and player.current.recommended
    loads = [e.detail["query"]["identifier"] for e in twin.journal.http(path="/v4/loadtracks")]
    assert mix_url in loads
    assert len(player.auto_queue) == 3


async def test_skip_plays_next_and_stop_ends_playback(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin) -> None:
    first, second = await new_tracks(twin, 200_000, 200_000)
    player.autoplay = wavelink.AutoPlayMode.partial
    player.queue.put(second)
    await start(client, player, first)
    mark = client.wavelink_events.mark()

    skipped = await player.skip()

    assert skipped == first
    started = await client.wavelink_events.next("track_start", after=mark)
    assert started.track == second
    ends = client.wavelink_events.payloads("track_end", after=mark)
    assert [(e.reason, e.track) for e in ends] == [("stopped", first)]
    assert player_patches(twin)[-2]["body"] == {"track": {"encoded": None}}

    mark = client.wavelink_events.mark()
    assert await player.stop() == second
    ended = await client.wavelink_events.next("track_end", after=mark)
    assert (ended.reason, ended.track) == ("stopped", second)
    assert player.current is None
    assert twin.player(GUILD).track is None


async def test_disconnect_destroys_the_player(
        client: WavelinkClient, node: wavelink.Node, player: wavelink.Player,
        twin: LavalinkTwin, discord_twin: DiscordTwin) -> None:
    [track] = await new_tracks(twin, 200_000)
    await start(client, player, track)
    mark = client.wavelink_events.mark()
    guild = player.guild
    assert guild is not None
    left = bot_left(client)

    await player.disconnect()
    await left  # the Discord twin's answer to the op 4 leave

    deleted = twin.journal.http(method="DELETE")
    assert [(e.detail["path"], e.detail["status"]) for e in deleted] == [
        (f"/v4/sessions/{node.session_id}/players/{GUILD}", 204)]
    assert twin.players() == []
    assert node.players == {} and client.voice_clients == []
    assert voice_requests(discord_twin)[-1].channel_id is None
    assert guild.me.voice is None
    # Lavalink stops the track after removing the player: the end arrives for a guild
    # wavelink no longer has a player for.
    ended = await client.wavelink_events.next("track_end", after=mark)
    assert (ended.reason, ended.player) == ("stopped", None)


async def test_pool_close_dispatches_node_closed(
        client: WavelinkClient, node: wavelink.Node, player: wavelink.Player,
        twin: LavalinkTwin) -> None:
    mark = client.wavelink_events.mark()

    await close_pool()

    closed = client.wavelink_events.events("node_closed", after=mark)
    assert len(closed) == 1 and closed[0].args == (node, [player])
    assert wavelink.Pool.nodes == {}
    assert twin.players() == []
    assert twin.journal.http(method="DELETE")[0].detail["status"] == 204


async def test_stats_follow_the_players(client: WavelinkClient, node: wavelink.Node,
                                        player: wavelink.Player, twin: LavalinkTwin,
                                        clock: VirtualClock) -> None:
    [track] = await new_tracks(twin, 300_000)
    await start(client, player, track)
    mark = client.wavelink_events.mark()

    await clock.advance(60)

    stats = await client.wavelink_events.next("stats_update", after=mark)
    assert (stats.players, stats.playing) == (1, 1)
    assert stats.frames is not None and stats.frames.sent == 3000
    assert node._total_player_count == 1


async def test_fetch_player_state_from_the_node(
        client: WavelinkClient, node: wavelink.Node, player: wavelink.Player,
        twin: LavalinkTwin, clock: VirtualClock) -> None:
    [track] = await new_tracks(twin, 300_000)
    await start(client, player, track, volume=80)
    await player.set_filters(wavelink.Filters.from_filters(
        timescale=wavelink.Timescale({"speed": 1.5})))
    await clock.advance(42)
    await player.pause(True)
    await clock.advance(10)

    info = await node.fetch_player_info(GUILD)
    assert info is not None
    assert info.guild_id == GUILD and info.track == track
    assert info.track is not None and info.track.position == 42_000
    assert (info.volume, info.paused) == (80, True)
    assert (info.state.position, info.state.connected) == (42_000, True)
    assert info.voice_state.channel_id == str(CHANNEL)
    assert info.voice_state.token == f"voice-token-{GUILD}-1"
    assert info.filters.timescale.payload == {"speed": 1.5}
    assert [p.guild_id for p in await node.fetch_players()] == [GUILD]
    assert await node.fetch_player_info(GUILD + 1) is None  # a 404 to wavelink

    stats = await node.fetch_stats()
    assert (stats.players, stats.playing, stats.frames) == (1, 0, None)
    assert stats.uptime == 52_000


async def test_an_empty_channel_makes_the_player_inactive(
        client: WavelinkClient, node: wavelink.Node, twin: LavalinkTwin,
        clock: VirtualClock) -> None:
    player = await connect_player(client, GUILD, CHANNEL)
    assert [m.id for m in player.channel.members] == [bot_id(client)]
    player.inactive_channel_tokens = 1
    [track] = await new_tracks(twin, 10_000)
    await start(client, player, track)
    mark = client.wavelink_events.mark()

    await clock.advance(10)

    inactive = await client.wavelink_events.next("inactive_player", after=mark)
    assert inactive is player


async def test_listeners_keep_the_player_active(
        client: WavelinkClient, node: wavelink.Node, twin: LavalinkTwin,
        discord_twin: DiscordTwin, clock: VirtualClock) -> None:
    listener = 700000000000000099
    model = discord_twin.model
    guild = model.guilds[GUILD]
    model.add_user("listener", user_id=listener)
    model.add_member(guild, listener)
    seated = asyncio.ensure_future(client.wait_for(
        "voice_state_update", check=lambda member, before, after: member.id == listener,
        timeout=5))
    model.set_voice(guild, listener, CHANNEL)  # a human sits in the channel
    await seated
    player = await connect_player(client, GUILD, CHANNEL)
    assert sorted(m.id for m in player.channel.members) == sorted([bot_id(client), listener])
    player.inactive_channel_tokens = 1
    [track] = await new_tracks(twin, 10_000)
    await start(client, player, track)
    mark = client.wavelink_events.mark()

    await clock.advance(10)

    # wavelink decides on the end event, before anything else runs: nothing fired.
    await client.wavelink_events.next("track_end", after=mark)
    assert client.wavelink_events.events("inactive_player", after=mark) == []


# -- what a node reports on its own --------------------------------------------------------


async def test_track_exception_then_next_track(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin) -> None:
    first, second = await new_tracks(twin, 200_000, 200_000)
    player.autoplay = wavelink.AutoPlayMode.partial
    player.queue.put(second)
    await start(client, player, first)
    mark = client.wavelink_events.mark()

    twin.inject_exception(GUILD, "Something broke while decoding", "fault")

    failed = await client.wavelink_events.next("track_exception", after=mark)
    assert failed.player is player and failed.track == first
    assert failed.exception["message"] == "Something broke while decoding"
    assert failed.exception["severity"] == "fault"
    started = await client.wavelink_events.next("track_start", after=mark)
    assert started.track == second
    ends = client.wavelink_events.payloads("track_end", after=mark)
    assert [(e.reason, e.track) for e in ends] == [("loadFailed", first)]


async def test_consecutive_failures_stop_autoplay(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin,
        player_log: LogWaiter) -> None:
    tracks = await new_tracks(twin, 200_000, 200_000, 200_000, 200_000, 200_000)
    player.autoplay = wavelink.AutoPlayMode.partial
    player.queue.put(tracks[1:])
    await start(client, player, tracks[0])

    for failing, following in itertools.pairwise(tracks[:4]):
        mark = client.wavelink_events.mark()
        twin.inject_exception(GUILD)
        started = await client.wavelink_events.next("track_start", after=mark)
        assert (failing, started.track) == (failing, following)

    after = last_seq(twin)
    twin.inject_exception(GUILD)  # the fourth failure in a row
    await player_log.records.wait_for(
        lambda r: "too many consecutive errors" in r.getMessage())
    assert player.current is None
    assert list(player.queue) == [tracks[4]]  # not played
    assert player_patches(twin, after) == []
    assert twin.player(GUILD).track is None


async def test_track_stuck_is_reported_and_playback_goes_on(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin) -> None:
    [track] = await new_tracks(twin, 200_000)
    await start(client, player, track)
    mark = client.wavelink_events.mark()

    twin.inject_stuck(GUILD, 12_000)

    stuck = await client.wavelink_events.next("track_stuck", after=mark)
    assert (stuck.player, stuck.track, stuck.threshold) == (player, track, 12_000)
    await client.wavelink_events.next("player_update", after=mark)
    assert player.current == track
    assert twin.player(GUILD).track is not None


async def test_voice_socket_closed_4006_keeps_the_player(
        client: WavelinkClient, node: wavelink.Node, player: wavelink.Player,
        twin: LavalinkTwin, discord_twin: DiscordTwin) -> None:
    mark = client.wavelink_events.mark()

    twin.close_voice(GUILD, 4006, "Session is no longer valid.", by_remote=True)

    closed = await client.wavelink_events.next("websocket_closed", after=mark)
    assert closed.player is player
    assert closed.code is wavelink.DiscordVoiceCloseType.SESSION_INVALID
    assert (closed.reason, closed.by_remote) == ("Session is no longer valid.", True)
    update = await client.wavelink_events.next("player_update", after=mark)
    assert update.connected is False and update.ping == -1
    assert not twin.player(GUILD).connected
    assert node.players == {GUILD: player} and player.connected

    # Discord hands out a new voice server; the player sends it on and is connected again.
    after = last_seq(twin)
    move_bot(discord_twin, GUILD, CHANNEL)
    await twin.journal.wait_for(lambda e: is_http("PATCH", f"/players/{GUILD}")(e)
                                and e.seq > after)
    [voice] = player_patches(twin, after)
    assert voice["body"]["voice"]["token"] == f"voice-token-{GUILD}-2"
    assert twin.player(GUILD).connected


async def test_voice_socket_closed_4014_marks_the_player_disconnected(
        client: WavelinkClient, node: wavelink.Node, player: wavelink.Player,
        twin: LavalinkTwin) -> None:
    [track] = await new_tracks(twin, 200_000)
    await start(client, player, track)
    mark = client.wavelink_events.mark()

    twin.close_voice(GUILD, 4014, "Disconnected.", by_remote=True)

    closed = await client.wavelink_events.next("websocket_closed", after=mark)
    assert closed.code is wavelink.DiscordVoiceCloseType.DISCONNECTED
    # wavelink waits 1 s for a move; without one, the player stays, disconnected (the
    # destroy comes from Discord's VOICE_STATE_UPDATE: see test_kicked_from_the_channel).
    assert not player.connected and not player.playing
    assert node.players == {GUILD: player}
    assert twin.player(GUILD).track is not None and not twin.player(GUILD).connected


async def test_voice_socket_closed_4014_then_moved_keeps_the_player(
        client: WavelinkClient, node: wavelink.Node, player: wavelink.Player,
        twin: LavalinkTwin, discord_twin: DiscordTwin) -> None:
    [track] = await new_tracks(twin, 200_000)
    await start(client, player, track)
    mark = client.wavelink_events.mark()

    twin.close_voice(GUILD, 4014, "Disconnected.", by_remote=True)
    await client.wavelink_events.next("websocket_closed", after=mark)
    assert not player.connected
    after = last_seq(twin)
    move_bot(discord_twin, GUILD, OTHER_CHANNEL)  # moved by a moderator

    await twin.journal.wait_for(lambda e: is_http("PATCH", f"/players/{GUILD}")(e)
                                and e.seq > after)
    assert player.connected and player.channel.id == OTHER_CHANNEL
    view = twin.player(GUILD)
    assert view.connected and view.voice["channelId"] == str(OTHER_CHANNEL)
    [other] = await new_tracks(twin, 100_000)
    await start(client, player, other)
    assert twin.journal.http(method="DELETE") == []
    assert node.players == {GUILD: player}


async def test_kicked_from_the_channel(client: WavelinkClient, node: wavelink.Node,
                                       player: wavelink.Player, twin: LavalinkTwin,
                                       discord_twin: DiscordTwin) -> None:
    [track] = await new_tracks(twin, 200_000)
    await start(client, player, track)
    mark = client.wavelink_events.mark()

    # What Discord and Lavalink both report when a moderator disconnects the bot.
    twin.close_voice(GUILD, 4014, "Disconnected.", by_remote=True)
    move_bot(discord_twin, GUILD, None)

    await twin.journal.wait_for(is_http("DELETE", f"/players/{GUILD}"))
    assert node.players == {}
    assert twin.players() == []
    closed = await client.wavelink_events.next("websocket_closed", after=mark)
    assert closed.by_remote is True


# -- resuming and the seed's faults --------------------------------------------------------


class HandshakeHeaders:
    """The response headers of every websocket upgrade wavelink's session made."""

    def __init__(self) -> None:
        #: (status, Session-Resumed header) of each upgrade answer.
        self.seen: list[tuple[int, str | None]] = []
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_end.append(self._end)

    async def _end(self, session: aiohttp.ClientSession, context: SimpleNamespace,
                   params: aiohttp.TraceRequestEndParams) -> None:
        if params.url.path == "/v4/websocket":
            self.seen.append((params.response.status,
                              params.response.headers.get("Session-Resumed")))


@pytest_asyncio.fixture(loop_scope="module")
async def traced(client: WavelinkClient, twin: LavalinkTwin
                 ) -> tuple[wavelink.Node, HandshakeHeaders]:
    headers = HandshakeHeaders()
    session = aiohttp.ClientSession(trace_configs=[headers.trace])
    node = await connect_node(client, twin, session=session)  # closed by close_pool
    return node, headers


async def assert_resumed(client: WavelinkClient, twin: LavalinkTwin, node: wavelink.Node,
                         headers: HandshakeHeaders, session_id: str, mark: int,
                         timeout: float = 5.0) -> None:
    ready = await client.wavelink_events.next("node_ready", after=mark, timeout=timeout)
    assert (ready.resumed, ready.session_id) == (True, session_id)
    assert node.session_id == session_id and twin.sessions() == [session_id]
    upgraded = [resumed for status, resumed in headers.seen if status == 101]
    assert upgraded == ["false", "true"]
    opened = [e.detail["headers"] for e in twin.journal.connections()
              if e.event == "open" and "headers" in e.detail]
    assert opened[-1]["Session-Id"] == session_id
    names = [e.name for e in client.wavelink_events.events(after=mark)]
    assert names.index("node_disconnected") < names.index("node_ready")


async def test_resume_after_a_dropped_connection(
        client: WavelinkClient, twin: LavalinkTwin, clock: VirtualClock,
        traced: tuple[wavelink.Node, HandshakeHeaders]) -> None:
    node, headers = traced
    player = await connect_player(client, GUILD, CHANNEL)
    first, second = await new_tracks(twin, 60_000, 60_000)
    player.autoplay = wavelink.AutoPlayMode.partial
    player.queue.put(second)
    await start(client, player, first)
    await clock.advance(10)
    session_id = node.session_id
    assert session_id is not None
    mark = client.wavelink_events.mark()

    twin.drop_connection()

    await assert_resumed(client, twin, node, headers, session_id, mark)
    # The resume ends with the player's state; the player is wavelink's same object.
    update = await client.wavelink_events.next("player_update", after=mark)
    assert update.player is player and update.position == 10_000
    assert node.players == {GUILD: player}
    # ...and playback carries on: the end comes on time and the queue moves.
    mark = client.wavelink_events.mark()
    await clock.advance(50)
    started = await client.wavelink_events.next("track_start", after=mark)
    assert started.track == second


async def test_events_while_disconnected_are_replayed_on_resume(
        client: WavelinkClient, twin: LavalinkTwin, clock: VirtualClock,
        traced: tuple[wavelink.Node, HandshakeHeaders]) -> None:
    node, headers = traced
    player = await connect_player(client, GUILD, CHANNEL)
    first, second = await new_tracks(twin, 30_000, 60_000)
    player.autoplay = wavelink.AutoPlayMode.partial
    player.queue.put(second)
    await start(client, player, first)
    session_id = node.session_id
    assert session_id is not None
    mark = client.wavelink_events.mark()
    # The first reconnect is refused, so wavelink backs off (real time, up to 2 s).
    twin.faults.add(RefuseHandshake(name="refuse", status=503, times=1))

    twin.drop_connection()
    await twin.journal.wait_for(fault_fired("refuse"))
    await twin.journal.wait_for(lambda e: e.kind == "connection" and e.event == "close")
    await clock.advance(30)  # the track ends while the session is paused

    await assert_resumed(client, twin, node, headers, session_id, mark, timeout=10)
    ended = await client.wavelink_events.next("track_end", after=mark)
    assert (ended.reason, ended.track) == ("finished", first)
    started = await client.wavelink_events.next("track_start", after=mark)
    assert started.track == second
    names = [e.name for e in client.wavelink_events.events(after=mark)]
    assert names.index("node_ready") < names.index("track_end")


async def test_seed_packet_loss_drops_player_updates(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin,
        clock: VirtualClock) -> None:
    [track] = await new_tracks(twin, 600_000)
    await start(client, player, track)
    await client.wavelink_events.next("player_update",
                                      lambda u: u.position == 0 and u.connected)
    mark, after = client.wavelink_events.mark(), last_seq(twin)
    loss = twin.faults.add(Drop(name="packet_loss", probability=0.5,
                                scope=Scope(event="playerUpdate", direction="out")))

    await clock.advance(60)
    twin.faults.remove(loss)
    await player.seek(300_000)  # a marker after the lossy stretch
    await client.wavelink_events.next("player_update", lambda u: u.position == 300_000,
                                      after=mark)

    dropped = twin.journal.faults("packet_loss")
    sent = [json.loads(e.data or "")["state"]["position"]
            for e in twin.journal.frames(direction="out", event="playerUpdate")
            if e.seq > after]
    assert len(dropped) + len(sent) == 13  # twelve ticks and the seek's update
    assert 1 <= len(dropped) <= 11
    received = [u.position for u in client.wavelink_events.payloads("player_update",
                                                                    after=mark)]
    assert received == sent  # wavelink saw exactly what was not lost, in order
    assert player.current == track and twin.player(GUILD).position == 300_000


async def test_seed_latency_spike_delays_frames_in_order(
        client: WavelinkClient, player: wavelink.Player, twin: LavalinkTwin,
        clock: VirtualClock) -> None:
    [track] = await new_tracks(twin, 200_000)
    mark = client.wavelink_events.mark()
    twin.faults.add(LatencySpike(name="latency_spike", probability=1.0, ms=50,
                                 multiplier=10, times=1,
                                 scope=Scope(event="TrackStartEvent")))

    await player.play(track)

    [spike] = twin.journal.faults("latency_spike")
    assert spike.detail == {"action": "delay", "frame": "TrackStartEvent", "seconds": 0.5}
    # Held on the twin's clock: nothing after it has gone out either.
    assert twin.journal.frames(direction="out", event="TrackStartEvent") == []
    assert client.wavelink_events.events("track_start", after=mark) == []

    await clock.advance(0.5)

    started = await client.wavelink_events.next("track_start", after=mark)
    assert started.track == track
    update = await client.wavelink_events.next("player_update", after=mark)
    assert update.position == 0  # the state as it was when the update was emitted
    names = [e.name for e in client.wavelink_events.events(after=mark)]
    # wavelink's play sends filters, and Lavalink applies them (with a playerUpdate)
    # before it plays: that update was not held; the one after TrackStart was
    assert names == ["player_update", "track_start", "player_update"]


async def test_seed_latency_spike_on_rest(client: WavelinkClient, player: wavelink.Player,
                                          twin: LavalinkTwin, clock: VirtualClock) -> None:
    twin.faults.add(LatencySpike(name="rest_spike", probability=1.0, ms=50, multiplier=10,
                                 times=1, scope=Scope(route=PLAYER_PATH)))

    volume = asyncio.create_task(player.set_volume(42))
    await twin.journal.wait_for(fault_fired("rest_spike"))
    assert not volume.done()  # the answer waits for the twin's clock
    assert twin.player(GUILD).volume == 100

    await clock.advance(0.5)
    await asyncio.wait_for(volume, 5)
    assert player.volume == 42 and twin.player(GUILD).volume == 42


async def test_seed_connection_drop_resumes(
        client: WavelinkClient, twin: LavalinkTwin, clock: VirtualClock,
        traced: tuple[wavelink.Node, HandshakeHeaders]) -> None:
    node, headers = traced
    player = await connect_player(client, GUILD, CHANNEL)
    first, second = await new_tracks(twin, 30_000, 30_000)
    player.autoplay = wavelink.AutoPlayMode.partial
    player.queue.put(second)
    await start(client, player, first)
    session_id = node.session_id
    assert session_id is not None
    mark = client.wavelink_events.mark()
    twin.faults.add(Disconnect(name="connection_drop", reset=True, times=1,
                               scope=Scope(event="playerUpdate", direction="out")))

    await clock.advance(5)  # the next playerUpdate becomes a TCP reset

    [drop] = twin.journal.faults("connection_drop")
    assert drop.detail["action"] == "reset"
    await assert_resumed(client, twin, node, headers, session_id, mark)
    mark = client.wavelink_events.mark()
    await clock.advance(25)
    started = await client.wavelink_events.next("track_start", after=mark)
    assert started.track == second
    assert node.players == {GUILD: player}


async def test_a_close_frame_stops_wavelink_for_good(
        client: WavelinkClient, node: wavelink.Node, player: wavelink.Player,
        twin: LavalinkTwin, clock: VirtualClock) -> None:
    """wavelink 3.5.2 reconnects only on CLOSED/CLOSING: a close frame (Lavalink's 1001
    on shutdown, or any coded close) reaches ``message.json()`` as a CLOSE message whose
    data is the close code, and its keep-alive task dies with a TypeError."""
    [track] = await new_tracks(twin, 200_000)
    await start(client, player, track)
    twin.faults.add(Disconnect(name="closed", code=1011, times=1,
                               scope=Scope(event="playerUpdate", direction="out")))

    await clock.advance(5)

    assert node._websocket is not None and node._websocket.keep_alive_task is not None
    with pytest.raises(TypeError, match="JSON object must be str"):
        await asyncio.wait_for(node._websocket.keep_alive_task, 5)
    assert not node._websocket.is_connected()
    assert node.status is wavelink.NodeStatus.CONNECTED  # and it never finds out
    closes = [e for e in twin.journal.connections() if e.event == "close"]
    assert [e.detail["code"] for e in closes] == [1011]
