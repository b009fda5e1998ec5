"""The real pomice 2.11.1 (with discord.py 2.7.1) against a running Lavalink twin.

Everything goes over real sockets: pomice's aiohttp REST calls and its ``websockets``
connection. Discord is a Discord twin: the bot logs in to it, the guild and its voice
channels are in its world, and it answers pomice's op 4 with the voice dispatches
(:mod:`wiretwin.drivers.pomice`).

How these tests synchronise, without sleeping: protocol time is a :class:`VirtualClock`
that only ``clock.advance`` moves, and pomice reads it too (``pomice_clock``), so positions
are exact; pomice's dispatched events are awaited through :class:`PomiceEvents`, the states
it applies through :class:`TwinPlayer`, and the twin's side through ``journal.wait_for``.
pomice's reconnect backoff (a random 0-14 s ``asyncio.sleep``) is a :class:`ReconnectGate`
the test opens.

pomice facts these tests pin (read from its installed source):

* ``GET /version`` is parsed as text only when the answer is ``text/plain``; it sends a
  JSON ``{}`` body on every request, GET and DELETE included.
* Plays are ``PATCH`` with the deprecated ``encodedTrack``, ``position`` and ``endTime``
  as *strings*, and ``?noReplace=False``/``True``.
* ``voice.channelId`` is sent only when ``/version`` is at least 4.2.0 by pomice's own
  field-by-field comparison (so 4.0.0 and 4.1.0 get none, 4.0.8 does), and ``/version``
  is read at the first connect only, never on reconnect.
* On a closed websocket pomice destroys every player locally (no DELETE: the socket is
  gone), reconnects without ``Session-Id`` and so never resumes.
* Any status >= 300 is read as JSON for its ``message``: an empty-bodied error (Lavalink's
  401/403) crashes with ``aiohttp.ContentTypeError``.
* A playlist is indexed ``tracks[0]``: an empty one raises ``IndexError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import discord
import pomice
import pytest
import pytest_asyncio
from pomice.utils import LavalinkVersion

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_voice import (
    unanswered_voice,
    voice_guild,
    voice_requests,
    wait_voice_request,
)
from wiretwin.drivers.pomice import (
    PomiceEventRecord,
    PomiceRig,
    ReconnectGate,
    TwinPlayer,
    close_pool,
    create_node,
    dispatch_voice,
    node_settings,
    pomice_clock,
    pomice_node,
    ready_bot,
)
from wiretwin.drivers.voice import VoiceSession
from wiretwin.lavalink import LavalinkTwin, Playlist, Track
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import Disconnect, Drop, HttpError, LatencySpike, Scope
from wiretwin.runtime.journal import Entry

#: Every test runs in the module's loop, where the module's Discord twin serves.
pytestmark = pytest.mark.asyncio(loop_scope="module")

EPOCH = 1_700_000_000.0
EPOCH_MS = int(EPOCH * 1000)
GUILD = 400000000000000001
CHANNEL = 400000000000000002
PLAYERS = "/v4/sessions/*/players/*"


# -- fixtures -----------------------------------------------------------------------------


@pytest_asyncio.fixture(autouse=True, loop_scope="module")
async def _empty_pool() -> AsyncIterator[None]:
    """pomice's NodePool is class-level: every test starts and ends with it empty."""
    await close_pool()
    yield
    await close_pool()
    assert pomice.NodePool._nodes == {}


@pytest.fixture
def clock() -> Iterator[VirtualClock]:
    clock = VirtualClock(start=EPOCH)
    with pomice_clock(clock):
        yield clock


@pytest.fixture
def gate() -> Iterator[ReconnectGate]:
    with ReconnectGate().install() as gate:
        yield gate


@pytest_asyncio.fixture(loop_scope="module")
async def twin(clock: VirtualClock) -> AsyncIterator[LavalinkTwin]:
    async with LavalinkTwin(clock=clock, seed=3) as twin:
        yield twin


@contextlib.asynccontextmanager
async def discord_with_voice() -> AsyncIterator[DiscordTwin]:
    """A Discord twin with the guild, its voice channel and another one."""
    async with DiscordTwin() as running:
        seat(running)
        yield running


def seat(discord_twin: DiscordTwin) -> None:
    voice_guild(discord_twin, GUILD, {CHANNEL: "wiretwin voice", CHANNEL + 1: "elsewhere"})


@pytest_asyncio.fixture(loop_scope="module")
async def discord_twin(shared_discord: DiscordTwin) -> DiscordTwin:
    """The module's Discord twin as built for each test: the guild, its voice channel
    and another one."""
    shared_discord.reset()
    seat(shared_discord)
    return shared_discord


@pytest_asyncio.fixture(loop_scope="module")
async def rig(twin: LavalinkTwin, discord_twin: DiscordTwin,
              gate: ReconnectGate) -> AsyncIterator[PomiceRig]:
    async with pomice_node(twin, discord_twin) as rig:
        yield rig


def bot_id(rig: PomiceRig) -> int:
    assert rig.bot.user is not None
    return rig.bot.user.id


def asked_for(discord_twin: DiscordTwin) -> list[int | None]:
    """The channel of every op 4 the bot sent (None: leave)."""
    return [r.channel_id for r in voice_requests(discord_twin, GUILD)]


# -- helpers ------------------------------------------------------------------------------


def now_ms(clock: VirtualClock) -> int:
    return int(clock.time() * 1000)


def mock(twin: LavalinkTwin, title: str, length: int) -> Track:
    return twin.mock_factory.create_mock_track(title, "wiretwin", length)


async def load(rig: PomiceRig, track: Track) -> pomice.Track:
    found = await rig.node.get_tracks(track.uri or track.identifier, search_type=None)
    assert isinstance(found, list) and len(found) == 1
    loaded = found[0]
    assert isinstance(loaded, pomice.Track)
    return loaded


def patches(twin: LavalinkTwin, session_id: str | None = None) -> list[Entry]:
    return [e for e in twin.journal.http(method="PATCH")
            if e.detail["path"].startswith("/v4/sessions/")
            and "/players/" in e.detail["path"]
            and (session_id is None or f"/sessions/{session_id}/" in e.detail["path"])]


def body(entry: Entry) -> Any:
    return json.loads(entry.detail["request_body"])


async def playing(rig: PomiceRig, twin: LavalinkTwin, length: int = 200_000,
                  title: str = "Playing Song") -> tuple[TwinPlayer, pomice.Track]:
    """A connected player that has started a track (TrackStart handled by pomice)."""
    player = await rig.player(CHANNEL)
    track = await load(rig, mock(twin, title, length))
    await player.play(track)
    await rig.events.wait("track_start", about(track))
    return player, track


def about(track: pomice.Track) -> Callable[[PomiceEventRecord], bool]:
    """Matches track events (start, end...) about ``track``."""
    return lambda record: record.args[1] is track


async def on_twin(twin: LavalinkTwin, event: str, *, count: int = 1) -> list[Entry]:
    """Wait until the twin has sent ``count`` frames labelled ``event``."""
    return await twin.journal.wait_for(
        lambda e: e.kind == "frame" and e.direction == "out" and e.event == event,
        count=count)


# -- connecting -----------------------------------------------------------------------------


async def test_create_node_reads_text_version_and_opens_the_websocket(
        rig: PomiceRig, twin: LavalinkTwin) -> None:
    (version,) = twin.journal.http(method="GET", path="/version")
    assert version.detail["status"] == 200
    assert version.detail["response_headers"]["Content-Type"].startswith("text/plain")
    assert version.detail["response_body"] == "4.2.2"
    assert version.detail["request_body"] == "{}"  # pomice sends a JSON body on GET
    assert version.detail["request_headers"]["Authorization"] == "youshallnotpass"
    assert rig.node._version == LavalinkVersion(4, 2, 2)

    opened = next(e for e in twin.journal.connections() if e.event == "open"
                  and e.detail.get("path") == "/v4/websocket")
    headers = opened.detail["headers"]
    assert headers["Authorization"] == "youshallnotpass"
    assert headers["User-Id"] == str(bot_id(rig))
    assert headers["Client-Name"] == f"Pomice/{pomice.__version__}" == "Pomice/2.11.1"
    assert "Session-Id" not in headers  # pomice never asks to resume

    assert twin.sessions() == [rig.node._session_id]
    assert rig.node._available and rig.node.is_connected
    assert pomice.NodePool.get_node(identifier="wiretwin") is rig.node
    (stats,) = twin.journal.frames(direction="out", event="stats")
    assert rig.node.stats.players_total == stats.json["players"] == 0
    assert rig.node.stats.uptime == stats.json["uptime"]


async def test_create_node_with_the_twins_settings(twin: LavalinkTwin) -> None:
    """``create_node(bot=bot, **twin.settings()["pomice"])``, as ``wiretwin serve`` prints."""
    bot = await ready_bot()
    session = aiohttp.ClientSession()
    try:
        node = await pomice.NodePool.create_node(bot=bot, session=session,
                                                 **twin.settings()["pomice"])
        assert node._identifier == "wiretwin"
        assert node._version == LavalinkVersion(4, 2, 2)
    finally:
        await close_pool()
        await session.close()
        await bot.close()


async def test_a_wrong_password_crashes_pomice_on_the_empty_403(twin: LavalinkTwin) -> None:
    """Lavalink answers a wrong password with an empty 403; pomice reads every error as
    JSON, so it fails with a decode error rather than a pomice exception."""
    bot = await ready_bot()
    try:
        with pytest.raises(aiohttp.ContentTypeError):
            await create_node(bot, node_settings(twin, password="wrong"))
    finally:
        await bot.close()
    (refused,) = twin.journal.http(path="/version")
    assert refused.detail["status"] == 403
    assert not refused.detail["response_body"]  # empty, not JSON
    assert pomice.NodePool._nodes == {}
    assert twin.sessions() == []


# -- loading tracks -------------------------------------------------------------------------


async def test_get_tracks_track(rig: PomiceRig, twin: LavalinkTwin) -> None:
    result = await rig.node.get_tracks("dQw4w9WgXcQ", search_type=None)
    assert isinstance(result, list) and len(result) == 1
    track = result[0]
    expected = twin.catalogue.tracks["dQw4w9WgXcQ"]
    assert track.track_id == expected.encoded
    assert (track.title, track.author, track.length, track.identifier, track.uri) == (
        "Rick Astley - Never Gonna Give You Up", "RickAstleyVEVO", 212000, "dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert track.track_type is pomice.TrackType.YOUTUBE
    assert track.is_seekable and not track.is_stream
    (load_call,) = twin.journal.http(path="/v4/loadtracks")
    assert load_call.detail["query"] == {"identifier": "dQw4w9WgXcQ"}
    assert json.loads(load_call.detail["response_body"])["loadType"] == "track"


async def test_get_tracks_decodes_a_stream_by_its_url(rig: PomiceRig,
                                                        twin: LavalinkTwin) -> None:
    stream = next(t for t in twin.catalogue.tracks.values() if t.info.is_stream)
    found = await rig.node.get_tracks(stream.uri or "")
    assert isinstance(found, list)
    (track,) = found
    assert track.is_stream and not track.is_seekable
    assert track.track_type is pomice.TrackType.HTTP
    built = await rig.node.build_track(track.track_id)  # GET /v4/decodetrack
    assert (built.title, built.identifier, built.is_stream) == (
        stream.info.title, stream.info.identifier, True)
    assert twin.journal.http(path="/v4/decodetrack", status=200)


async def test_get_tracks_playlist(rig: PomiceRig, twin: LavalinkTwin) -> None:
    playlist = next(iter(twin.catalogue.playlists.values()))
    result = await rig.node.get_tracks(playlist.url)
    assert isinstance(result, pomice.Playlist)
    assert result.name == playlist.name == "wiretwin mix"
    assert result.track_count == len(playlist.tracks) == 5
    assert [t.track_id for t in result.tracks] == [t.encoded for t in playlist.tracks]
    assert result.playlist_type is pomice.PlaylistType.YOUTUBE
    assert result.selected_track is None

    chosen = playlist.tracks[2]
    selected = await rig.node.get_tracks(f"{playlist.url}&v={chosen.identifier}")
    assert isinstance(selected, pomice.Playlist)
    assert selected.selected_track is not None
    assert selected.selected_track.track_id == chosen.encoded


async def test_an_empty_playlist_breaks_pomice(rig: PomiceRig, twin: LavalinkTwin) -> None:
    """The twin answers an empty playlist as Lavalink does; pomice indexes tracks[0]."""
    url = "https://www.youtube.com/playlist?list=PLempty"
    twin.catalogue.add_playlist(Playlist("Nothing here", (), url))
    with pytest.raises(IndexError):
        await rig.node.get_tracks(url)
    (answer,) = twin.journal.http(path="/v4/loadtracks")
    assert json.loads(answer.detail["response_body"]) == {
        "loadType": "playlist",
        "data": {"info": {"name": "Nothing here", "selectedTrack": -1}, "pluginInfo": {},
                 "tracks": []}}


async def test_get_tracks_search(rig: PomiceRig, twin: LavalinkTwin) -> None:
    found = await rig.node.get_tracks("never gonna")  # pomice prefixes ytsearch:
    (call,) = twin.journal.http(path="/v4/loadtracks")
    assert call.detail["query"] == {"identifier": "ytsearch:never gonna"}
    assert isinstance(found, list)
    expected = twin.catalogue.search_results("ytsearch", "never gonna")  # seeded
    assert [t.track_id for t in found] == [t.encoded for t in expected]
    assert [t.title for t in found] == [t.info.title for t in expected]
    assert len(found) == 5
    assert all(t.track_type is pomice.TrackType.YOUTUBE for t in found)

    soundcloud = await rig.node.get_tracks("never gonna",
                                           search_type=pomice.SearchType.scsearch)
    assert isinstance(soundcloud, list) and len(soundcloud) == 5
    assert all(t.track_type is pomice.TrackType.SOUNDCLOUD for t in soundcloud)
    # the same query gives the same results (seeded)
    again = await rig.node.get_tracks("never gonna")
    assert isinstance(again, list)
    assert [t.track_id for t in again] == [t.track_id for t in found]


async def test_get_tracks_empty(rig: PomiceRig, twin: LavalinkTwin) -> None:
    assert await rig.node.get_tracks("nothing-by-this-name", search_type=None) is None
    twin.catalogue.add_search("silence", [])
    assert await rig.node.get_tracks("ytsearch:silence") is None
    answers = [json.loads(e.detail["response_body"])
               for e in twin.journal.http(path="/v4/loadtracks")]
    assert answers == [{"loadType": "empty", "data": None}] * 2


async def test_get_tracks_error(rig: PomiceRig, twin: LavalinkTwin) -> None:
    with pytest.raises(pomice.TrackLoadError,
                       match=r"^This video is unavailable \[common\]$"):
        await rig.node.get_tracks("https://www.youtube.com/watch?v=unavailable0")
    twin.catalogue.add_failure("https://example.com/broken.mp3", "Something broke", "fault")
    with pytest.raises(pomice.TrackLoadError, match=r"Something broke \[fault\]"):
        await rig.node.get_tracks("https://example.com/broken.mp3")
    assert [e.detail["status"] for e in twin.journal.http(path="/v4/loadtracks")] == [200, 200]


# -- voice and versions ---------------------------------------------------------------------


@pytest.mark.parametrize(("version", "sends_channel"), [
    ("4.0.0", False), ("4.1.0", False),
    # pomice's LavalinkVersion compares field by field (8 > 0), so 4.0.8 counts as >= 4.2.0
    ("4.0.8", True),
    ("4.2.2", True),
])
async def test_voice_update_follows_the_server_version(
        clock: VirtualClock, gate: ReconnectGate, discord_twin: DiscordTwin, version: str,
        sends_channel: bool) -> None:
    """pomice adds voice.channelId when /version is >= 4.2.0 by its own comparison; a
    4.0/4.1 twin accepts voice with or without it, 4.2 needs it."""
    async with LavalinkTwin(clock=clock, version=version) as twin, pomice_node(
            twin, discord_twin) as rig:
        assert str(rig.node._version) == str(LavalinkVersion(*map(int, version.split("."))))
        player = await rig.player(CHANNEL)
        (voice_patch,) = patches(twin)
        assert voice_patch.detail["status"] == 200
        sent = body(voice_patch)["voice"]
        assert sent["token"] == f"voice-token-{GUILD}-1"
        assert sent["sessionId"] == f"voice-{bot_id(rig)}"
        assert sent["endpoint"] == discord_twin.voice.endpoint
        assert ("channelId" in sent) is sends_channel
        view = twin.player(GUILD)
        assert view.connected
        # before 4.2 a voice state has no channelId: the key is ignored if sent
        assert view.voice["channelId"] == (str(CHANNEL) if version == "4.2.2" else None)
        assert player.is_connected
        assert (await player.wait_state()).connected


async def test_voice_through_the_on_socket_response_listener(
        rig: PomiceRig, twin: LavalinkTwin, discord_twin: DiscordTwin) -> None:
    """pomice's node listens to raw gateway dispatches and routes voice ones to players
    (discord.py 2 never feeds that listener: a bot forwarding raw dispatches would)."""
    with unanswered_voice(discord_twin):  # the gateway's own answer never comes
        player = await rig.player(CHANNEL, wait=False)
        await wait_voice_request(discord_twin)
    assert patches(twin) == []
    dispatch_voice(rig.bot, VoiceSession(GUILD, CHANNEL, bot_id(rig)))
    (patch,) = await twin.journal.wait_for(
        lambda e: e.kind == "http" and e.detail["method"] == "PATCH")
    assert body(patch)["voice"]["channelId"] == str(CHANNEL)
    await player.wait_state(lambda s: s.connected)
    assert twin.player(GUILD).connected
    assert asked_for(discord_twin) == [CHANNEL]


async def test_an_upgrade_under_pomice_breaks_its_voice_updates(
        clock: VirtualClock, gate: ReconnectGate, discord_twin: DiscordTwin) -> None:
    """pomice reads /version only at its first connect: a node upgraded from 4.1.0 to 4.2.2
    while pomice reconnects gets voice updates without channelId, which 4.2 refuses."""
    old = LavalinkTwin(clock=clock, version="4.1.0")
    await old.start()
    port = old.port
    try:
        await _upgrade_under(old, port, gate, discord_twin)
    finally:
        if old.running:
            await old.stop()


async def _upgrade_under(old: LavalinkTwin, port: int, gate: ReconnectGate,
                         discord_twin: DiscordTwin) -> None:
    assert isinstance(old.clock, VirtualClock)
    clock = old.clock
    async with pomice_node(old, discord_twin) as rig:
        await old.stop()  # Lavalink shutting down closes with 1001
        (closed,) = await old.journal.wait_for(
            lambda e: e.kind == "connection" and e.event == "close")
        assert closed.detail["code"] == 1001
        async with LavalinkTwin(clock=clock, version="4.2.2", port=port) as new:
            await gate.reconnect(rig.node)
            assert [e.detail["path"] for e in new.journal.http()] == []  # no /version
            assert rig.node._version == LavalinkVersion(4, 1, 0)
            # 4.2's VoiceState has a channelId with no default: kotlinx refuses the body
            # (MissingFieldException), and Spring answers a plain 400 "Bad Request";
            # pomice raises NodeRestException in its voice handler, which discord.py logs.
            player = await rig.player(CHANNEL, wait=False)
            (refused,) = await new.journal.wait_for(
                lambda e: e.kind == "http" and e.detail["method"] == "PATCH")
            assert refused.detail["status"] == 400
            assert json.loads(refused.detail["response_body"])["error"] == "Bad Request"
            assert new.players() == [] and player.states.snapshot() == []
            assert "channelId" not in body(refused)["voice"]


# -- playing ----------------------------------------------------------------------------------


async def test_play_sends_quoted_numerics_that_the_twin_accepts(
        rig: PomiceRig, twin: LavalinkTwin) -> None:
    player = await rig.player(CHANNEL)
    track = await load(rig, mock(twin, "Quoted", 180_000))
    await player.play(track, start=5_000, end=60_000)
    *_, play = patches(twin)
    assert play.detail["query"] == {"noReplace": "False"}
    assert body(play) == {"encodedTrack": track.track_id, "position": "5000",
                          "endTime": "60000"}
    assert play.detail["status"] == 200
    view = twin.player(GUILD)
    assert view.track is not None and view.track.encoded.startswith(track.track_id[:8])
    assert (view.position, view.end_time, view.paused) == (5_000, 60_000, False)

    (start,) = await rig.events.wait("track_start")
    assert start.args == (player, track)
    assert player.current is track and player.is_playing
    state = await player.wait_state(lambda s: s.position == 5_000)
    assert state.time == now_ms(rig_clock(twin))


def rig_clock(twin: LavalinkTwin) -> VirtualClock:
    assert isinstance(twin.clock, VirtualClock)
    return twin.clock


async def test_play_without_end_sends_a_null_end_time(rig: PomiceRig,
                                                      twin: LavalinkTwin) -> None:
    player = await rig.player(CHANNEL)
    track = await load(rig, mock(twin, "Open ended", 120_000))
    await player.play(track)
    *_, play = patches(twin)
    assert body(play) == {"encodedTrack": track.track_id, "position": "0", "endTime": None}
    assert twin.player(GUILD).end_time is None


async def test_position_follows_the_twin_clock(rig: PomiceRig, twin: LavalinkTwin,
                                               clock: VirtualClock) -> None:
    player, _ = await playing(rig, twin)
    assert player.position == 0
    await clock.advance(12.5)
    await player.wait_state(lambda s: s.time == EPOCH_MS + 10_000)
    assert twin.player(GUILD).position == 12_500
    assert player.position == 12_500  # the 10 s update, extrapolated on the same clock
    updates = [e.json["state"] for e in twin.journal.frames(direction="out",
                                                            event="playerUpdate")]
    assert [(u["time"] - EPOCH_MS, u["position"]) for u in updates[-2:]] == [
        (5_000, 5_000), (10_000, 10_000)]


async def test_end_time_ends_the_track_as_finished(rig: PomiceRig, twin: LavalinkTwin,
                                                   clock: VirtualClock) -> None:
    player = await rig.player(CHANNEL)
    track = await load(rig, mock(twin, "Cut short", 200_000))
    await player.play(track, end=10_000)
    await rig.events.wait("track_start")
    await clock.advance(9.9)
    assert rig.events.of("track_end") == [] and twin.player(GUILD).track is not None
    await clock.advance(0.1)
    (end,) = await rig.events.wait("track_end")
    assert end.args == (player, track, "finished")
    assert player.current is None and not player.is_playing
    assert twin.player(GUILD).track is None
    (frame,) = twin.journal.frames(direction="out", event="TrackEndEvent")
    assert frame.json["track"]["info"]["position"] == 10_000


async def test_pause_and_resume(rig: PomiceRig, twin: LavalinkTwin,
                                clock: VirtualClock) -> None:
    player, _ = await playing(rig, twin)
    await clock.advance(3)
    assert await player.set_pause(True) is True
    assert body(patches(twin)[-1]) == {"paused": True}
    assert twin.player(GUILD).paused and player.is_paused
    await clock.advance(10)  # paused players still get (frozen) updates
    frozen = await player.wait_state(lambda s: s.time == EPOCH_MS + 10_000)
    assert frozen.position == 3_000 == twin.player(GUILD).position
    assert player.position == 3_000

    assert await player.set_pause(False) is False
    assert not twin.player(GUILD).paused and not player.is_paused
    await clock.advance(7)  # updates at 15 and 20 s
    await player.wait_state(lambda s: s.time == EPOCH_MS + 20_000)
    assert twin.player(GUILD).position == 10_000 == player.position


async def test_seek(rig: PomiceRig, twin: LavalinkTwin, clock: VirtualClock) -> None:
    player, track = await playing(rig, twin, length=200_000)
    await clock.advance(1)
    await player.seek(90_000)
    assert body(patches(twin)[-1]) == {"position": 90_000}
    assert twin.player(GUILD).position == 90_000
    # Lavalink answers a seek with a playerUpdate
    await player.wait_state(lambda s: s.position == 90_000)
    assert player.position == 90_000
    await clock.advance(2)
    assert player.position == 92_000 == twin.player(GUILD).position

    sent = len(patches(twin))
    with pytest.raises(pomice.TrackInvalidPosition):
        await player.seek(track.length + 1)
    assert len(patches(twin)) == sent  # refused by pomice itself, nothing on the wire


async def test_volume(rig: PomiceRig, twin: LavalinkTwin) -> None:
    player = await rig.player(CHANNEL)
    assert await player.set_volume(250) == 250
    assert body(patches(twin)[-1]) == {"volume": 250}
    assert twin.player(GUILD).volume == 250
    assert player.volume == 250
    # Lavalink clamps to 0..1000; pomice keeps what it asked for (it ignores the answer)
    assert await player.set_volume(1500) == 1500
    assert json.loads(patches(twin)[-1].detail["response_body"])["volume"] == 1000
    assert twin.player(GUILD).volume == 1000


async def test_move_to_another_channel(rig: PomiceRig, twin: LavalinkTwin,
                                       discord_twin: DiscordTwin) -> None:
    player = await rig.player(CHANNEL)
    updates = len(player.states)
    elsewhere = rig.bot.get_channel(CHANNEL + 1)
    assert isinstance(elsewhere, discord.VoiceChannel)
    await player.move_to(elsewhere)
    assert body(patches(twin)[-1])["voice"]["channelId"] == str(CHANNEL + 1)
    assert twin.player(GUILD).voice["channelId"] == str(CHANNEL + 1)
    assert asked_for(discord_twin) == [CHANNEL, CHANNEL + 1]
    # a changed voice state is a new voice connection, which Lavalink reports
    await player.states.wait_for(lambda s: s.connected, count=updates + 1)


async def test_a_spotify_track_is_played_through_a_youtube_search(
        rig: PomiceRig, twin: LavalinkTwin) -> None:
    """pomice plays Spotify tracks by searching YouTube for their ISRC (taking result 0)."""
    player = await rig.player(CHANNEL)
    found = await rig.node.get_tracks("spsearch:midnight")
    assert isinstance(found, list) and found
    spotify = found[0]
    assert spotify.track_type is pomice.TrackType.SPOTIFY and spotify.isrc
    await player.play(spotify)
    *_, search = twin.journal.http(path="/v4/loadtracks")
    assert search.detail["query"] == {"identifier": f"ytsearch:{spotify.isrc}"}
    first = json.loads(search.detail["response_body"])["data"][0]
    assert body(patches(twin)[-1])["encodedTrack"] == first["encoded"]
    view = twin.player(GUILD)
    assert view.track is not None and view.track.info.source_name == "youtube"
    assert spotify.original is not None and spotify.original.track_id == first["encoded"]
    (start,) = await rig.events.wait("track_start")
    assert start.args == (player, spotify)


async def test_filters(rig: PomiceRig, twin: LavalinkTwin, clock: VirtualClock) -> None:
    player, _ = await playing(rig, twin)
    updates = len(twin.journal.frames(direction="out", event="playerUpdate"))
    timescale = pomice.Timescale(tag="speed", speed=1.25, pitch=1.1, rate=1.0)
    equalizer = pomice.Equalizer(tag="eq", levels=[(0, 0.25), (1, 0.15), (14, -0.1)])
    await player.add_filter(timescale)
    await player.add_filter(equalizer)
    assert equalizer.payload is not None
    combined = {**timescale.payload, **equalizer.payload}
    assert body(patches(twin)[-1]) == {"filters": combined}
    assert twin.player(GUILD).filters == combined
    assert twin.player(GUILD).filters["timescale"] == {"speed": 1.25, "pitch": 1.1,
                                                      "rate": 1.0}
    assert len(twin.player(GUILD).filters["equalizer"]) == 15
    # Lavalink sends a playerUpdate for every filters change
    await on_twin(twin, "playerUpdate", count=updates + 2)
    assert player.rate == 1.25

    await player.remove_filter("speed")
    assert twin.player(GUILD).filters == equalizer.payload
    await player.add_filter(pomice.Karaoke(tag="karaoke"), fast_apply=True)
    *_, filters_patch, seek_patch = patches(twin)
    assert set(body(filters_patch)["filters"]) == {"equalizer", "karaoke"}
    assert body(seek_patch) == {"position": 0}  # fast_apply seeks to where pomice thinks
    await player.reset_filters()
    assert body(patches(twin)[-1]) == {"filters": {}}
    assert twin.player(GUILD).filters == {}


async def test_a_queue_plays_on_at_track_end(rig: PomiceRig, twin: LavalinkTwin,
                                             clock: VirtualClock) -> None:
    player = await rig.player(CHANNEL)
    tracks = [await load(rig, mock(twin, f"Queued {i}", length))
              for i, length in enumerate((30_000, 20_000, 10_000))]
    queue = pomice.Queue()
    for track in tracks[1:]:
        queue.put(track)

    async def next_track(player: pomice.Player, track: pomice.Track, reason: str) -> None:
        if reason == "finished" and not queue.is_empty:
            await player.play(queue.get())

    rig.bot.add_listener(next_track, "on_pomice_track_end")
    await player.play(tracks[0])
    await rig.events.wait("track_start")
    for index, track in enumerate(tracks):
        await rig.events.wait("track_start", about(track))
        view = twin.player(GUILD)
        assert view.track is not None and view.track.identifier == track.identifier
        await clock.advance(track.length / 1000)
        (end,) = await rig.events.wait("track_end", about(track))
        assert end.args[2] == "finished"
        assert len(rig.events.of("track_end")) == index + 1
    assert queue.is_empty
    assert player.current is None and twin.player(GUILD).track is None
    assert [e.json["reason"] for e in twin.journal.frames(direction="out",
                                                          event="TrackEndEvent")] == [
        "finished"] * 3
    assert [r.args[1] for r in rig.events.of("track_start")] == tracks


async def test_playing_over_a_track_replaces_it_unless_no_replace(
        rig: PomiceRig, twin: LavalinkTwin) -> None:
    player, first = await playing(rig, twin, title="First")
    second = await load(rig, mock(twin, "Second", 100_000))
    await player.play(second, ignore_if_playing=True)
    assert patches(twin)[-1].detail["query"] == {"noReplace": "True"}
    view = twin.player(GUILD)
    assert view.track is not None and view.track.identifier == first.identifier

    await player.play(second)
    (end,) = await rig.events.wait("track_end")
    assert end.args[2] == "replaced"
    await rig.events.wait("track_start", about(second))
    view = twin.player(GUILD)
    assert view.track is not None and view.track.identifier == second.identifier
    assert player.current is second  # a replaced end does not clear pomice's current


async def test_stop(rig: PomiceRig, twin: LavalinkTwin) -> None:
    player, track = await playing(rig, twin)
    await player.stop()
    assert body(patches(twin)[-1]) == {"encodedTrack": None}
    (end,) = await rig.events.wait("track_end")
    assert end.args == (player, track, "stopped")
    assert player.current is None
    assert twin.player(GUILD).track is None


async def test_destroy(rig: PomiceRig, twin: LavalinkTwin,
                       discord_twin: DiscordTwin) -> None:
    player, _ = await playing(rig, twin)
    await player.destroy()
    (delete,) = twin.journal.http(method="DELETE")
    assert delete.detail["path"] == f"/v4/sessions/{rig.node._session_id}/players/{GUILD}"
    assert delete.detail["request_body"] == "{}"  # pomice sends a JSON body on DELETE
    assert delete.detail["status"] == 204 and not delete.detail["response_body"]
    assert twin.players() == []
    assert rig.node.players == {} and player.is_dead and not player.is_connected
    await wait_voice_request(discord_twin, lambda r: r.channel_id is None)
    assert asked_for(discord_twin) == [CHANNEL, None]
    # the TrackEnd(stopped) of a destroyed player goes nowhere pomice could use it
    assert rig.events.of("track_end") == []


# -- what the node reports on its own -------------------------------------------------------


async def test_track_exception(rig: PomiceRig, twin: LavalinkTwin) -> None:
    player, track = await playing(rig, twin)
    twin.inject_exception(GUILD, "Decoding failed", "suspicious")
    (failed,) = await rig.events.wait("track_exception")
    _, failed_track, exception = failed.args
    assert failed_track is track
    assert exception["message"] == "Decoding failed"
    assert exception["severity"] == "suspicious"
    assert exception["cause"].endswith("FriendlyException")
    assert "causeStackTrace" in exception  # since 4.1.0
    (end,) = await rig.events.wait("track_end")
    assert end.args == (player, track, "loadFailed")
    assert rig.events.names().index("track_exception") < rig.events.names().index(
        "track_end")
    assert player.current is None and twin.player(GUILD).track is None


async def test_track_stuck(rig: PomiceRig, twin: LavalinkTwin) -> None:
    player, track = await playing(rig, twin)
    twin.inject_stuck(GUILD, 5_000)
    (stuck,) = await rig.events.wait("track_stuck")
    assert stuck.args == (player, track, 5_000)
    assert player.current is track  # a stuck track is still the current one
    assert twin.player(GUILD).track is not None


async def test_voice_websocket_closed(rig: PomiceRig, twin: LavalinkTwin) -> None:
    player, _ = await playing(rig, twin)
    twin.close_voice(GUILD, 4014, "Disconnected.", by_remote=True)
    (closed,) = await rig.events.wait("websocket_closed")
    (payload,) = closed.args
    assert payload.code == 4014 and payload.by_remote is True
    assert payload.guild is rig.bot.get_guild(GUILD)
    await player.wait_state(lambda s: not s.connected)
    assert not player.is_connected and not player.is_playing
    assert not twin.player(GUILD).connected


# -- losing the node --------------------------------------------------------------------------


async def test_reconnect_after_a_dropped_connection(rig: PomiceRig, twin: LavalinkTwin,
                                                    gate: ReconnectGate,
                                                    clock: VirtualClock,
                                                    discord_twin: DiscordTwin) -> None:
    player, _ = await playing(rig, twin)
    old_session = rig.node._session_id
    twin.drop_connection()  # a TCP reset, no close frame
    await gate.wait_parked()
    await twin.journal.wait_for(lambda e: e.kind == "connection" and e.event == "close")
    # pomice destroyed its player locally: with the socket gone it sent no DELETE
    assert rig.node.players == {} and player.is_dead
    assert twin.journal.http(method="DELETE") == []
    await wait_voice_request(discord_twin, lambda r: r.channel_id is None)
    assert asked_for(discord_twin)[-1] is None
    # Lavalink shut the (non-resumable) session down with its players
    assert twin.sessions() == [] and twin.players() == []

    new_session = await gate.reconnect(rig.node)
    assert new_session != old_session and twin.sessions() == [new_session]
    opens = [e for e in twin.journal.connections() if e.event == "open"
             and e.detail.get("path") == "/v4/websocket"]
    assert len(opens) == 2 and "Session-Id" not in opens[1].detail["headers"]
    assert [e.detail["path"] for e in twin.journal.http(path="/version")] == ["/version"]

    # the application starts over on the new session
    again = await rig.player(CHANNEL)
    track = await load(rig, mock(twin, "After the drop", 60_000))
    await again.play(track)
    await rig.events.wait("track_start", about(track))
    assert patches(twin, new_session)[-1].detail["status"] == 200
    assert twin.player(GUILD).session_id == new_session


async def test_a_resume_key_does_not_make_pomice_resume(clock: VirtualClock,
                                                        twin: LavalinkTwin,
                                                        gate: ReconnectGate,
                                                        discord_twin: DiscordTwin) -> None:
    async with pomice_node(twin, discord_twin, resume_key="wiretwin",
                           resume_timeout=60) as rig:
        old_session = rig.node._session_id
        (configure,) = await twin.journal.wait_for(
            lambda e: e.kind == "http" and e.detail["path"] == f"/v4/sessions/{old_session}")
        assert body(configure) == {"timeout": 60, "resuming": True}
        await rig.player(CHANNEL)
        twin.drop_connection()
        new_session = await gate.reconnect(rig.node)
        # pomice sends no Session-Id: a new session, while the old one waits paused
        assert set(twin.sessions()) == {old_session, new_session}
        assert [p.session_id for p in twin.players()] == [old_session]
        await clock.advance(60)
        assert twin.sessions() == [new_session] and twin.players() == []


# -- REST errors ------------------------------------------------------------------------------


async def test_rest_errors_reach_pomice_with_the_twins_message(rig: PomiceRig,
                                                                twin: LavalinkTwin) -> None:
    player = await rig.player(CHANNEL)
    bogus = pomice.Track(track_id="bm90IGEgdHJhY2s=", info={"title": "bogus"},
                         track_type=pomice.TrackType.YOUTUBE)
    # base64 of "not a track": a message header, then readUTF runs off the end
    # (EOFException, no message), a 500 on Lavalink
    with pytest.raises(pomice.NodeRestException,
                       match="500 Internal Server Error: No message available"):
        await player.play(bogus)
    refused = patches(twin)[-1]
    assert refused.detail["status"] == 500
    error = json.loads(refused.detail["response_body"])
    assert error["status"] == 500 and error["error"] == "Internal Server Error"
    assert error["path"] == f"/v4/sessions/{rig.node._session_id}/players/{GUILD}"


async def test_injected_http_errors(rig: PomiceRig, twin: LavalinkTwin) -> None:
    """An injected 500 carries Lavalink's JSON error body, which pomice reports; an empty
    body (``body=""``) makes pomice crash on its JSON decode."""
    player = await rig.player(CHANNEL)
    twin.faults.add(HttpError(name="boom", status=500, times=1, scope=Scope(route=PLAYERS)))
    with pytest.raises(pomice.NodeRestException, match="500 Internal Server Error"):
        await player.set_volume(10)
    assert twin.player(GUILD).volume == 100
    twin.faults.add(HttpError(name="empty", status=503, body="", times=1,
                              scope=Scope(route=PLAYERS)))
    with pytest.raises(aiohttp.ContentTypeError):
        await player.set_volume(20)
    assert [f.detail["status"] for f in twin.journal.faults()] == [500, 503]
    assert await player.set_volume(30) == 30  # both spent: the node works again
    assert twin.player(GUILD).volume == 30


# -- the seed's faults: packet loss, latency spikes, connection drops ---------------------


async def test_packet_loss_of_player_updates(rig: PomiceRig, twin: LavalinkTwin,
                                             clock: VirtualClock) -> None:
    player, track = await playing(rig, twin, length=200_000)
    twin.faults.add(Drop(name="loss", probability=0.5, scope=Scope(event="playerUpdate")))
    for _ in range(12):
        await clock.advance(5)
    lost = twin.journal.faults("loss")
    delivered = [e.json["state"] for e in twin.journal.frames(direction="out",
                                                              event="playerUpdate")]
    assert 0 < len(lost) < 12
    assert len(lost) + len(delivered) == 12 + 2  # the play's own update and the voice one
    last = delivered[-1]
    await player.wait_state(lambda s: s.time == last["time"])
    assert [s.time for s in player.states] == [u["time"] for u in delivered]
    # whatever was lost, pomice extrapolates from the last update it got
    assert player.position == twin.player(GUILD).position == 60_000

    twin.faults.remove("loss")
    await clock.advance(140)
    (end,) = await rig.events.wait("track_end")
    assert end.args == (player, track, "finished")


async def test_packet_loss_is_the_same_for_the_same_seed(clock: VirtualClock,
                                                         gate: ReconnectGate) -> None:
    async def lost_updates() -> list[int]:
        async with discord_with_voice() as discord_twin, LavalinkTwin(
                clock=clock, seed=7) as twin, pomice_node(twin, discord_twin) as rig:
            await playing(rig, twin)
            twin.faults.add(Drop(name="loss", probability=0.3,
                                 scope=Scope(event="playerUpdate")))
            start = clock.monotonic()
            for _ in range(20):
                await clock.advance(5)
            return [round(e.twin_time - EPOCH - start) for e in twin.journal.faults("loss")]

    first = await lost_updates()
    assert first and first == await lost_updates()


async def test_latency_spike_on_rest(rig: PomiceRig, twin: LavalinkTwin,
                                     clock: VirtualClock) -> None:
    player = await rig.player(CHANNEL)
    twin.faults.add(LatencySpike(name="spike", probability=1.0, ms=50, multiplier=20,
                                 times=1, scope=Scope(route=PLAYERS)))
    pending = asyncio.create_task(player.set_volume(70))
    (fired,) = await twin.journal.wait_for(lambda e: e.kind == "fault")
    assert fired.detail == {"action": "delay", "method": "PATCH",
                            "path": f"/v4/sessions/{rig.node._session_id}/players/{GUILD}",
                            "seconds": 1.0}
    assert not pending.done()  # held on the twin's clock, which has not moved
    await clock.advance(1.0)
    assert await asyncio.wait_for(pending, 5) == 70
    assert twin.player(GUILD).volume == 70


async def test_latency_spike_on_events(rig: PomiceRig, twin: LavalinkTwin,
                                       clock: VirtualClock) -> None:
    player = await rig.player(CHANNEL)
    track = await load(rig, mock(twin, "Late start", 100_000))
    twin.faults.add(LatencySpike(name="spike", probability=1.0, ms=100, multiplier=10,
                                 times=1, scope=Scope(event="TrackStartEvent")))
    await player.play(track)
    (fired,) = await twin.journal.wait_for(lambda e: e.kind == "fault")
    assert fired.detail["frame"] == "TrackStartEvent" and fired.detail["seconds"] == 1.0
    assert twin.journal.frames(direction="out", event="TrackStartEvent") == []
    assert rig.events.of("track_start") == []
    await clock.advance(1.0)
    (start,) = await rig.events.wait("track_start")
    assert start.args == (player, track)
    # order is kept: the update sent after the event waited behind it
    out = [e.event for e in twin.journal.frames(direction="out")]
    assert out[-2:] == ["TrackStartEvent", "playerUpdate"]


@pytest.mark.parametrize("reset", [False, True], ids=["close-1011", "tcp-reset"])
async def test_connection_drop_fault_and_recovery(rig: PomiceRig, twin: LavalinkTwin,
                                                  gate: ReconnectGate, clock: VirtualClock,
                                                  reset: bool) -> None:
    player, _ = await playing(rig, twin)
    old_session = rig.node._session_id
    twin.faults.add(Disconnect(name="drop", code=1011, reset=reset, after=1, times=1,
                               scope=Scope(event="playerUpdate")))
    await clock.advance(5)  # the first periodic update goes through
    await player.wait_state(lambda s: s.time == EPOCH_MS + 5_000)
    await clock.advance(5)  # the second becomes the drop
    (fired,) = twin.journal.faults("drop")
    assert fired.detail["action"] == ("reset" if reset else "close")
    await gate.wait_parked()
    closed = await twin.journal.wait_for(
        lambda e: e.kind == "connection" and e.event == "close")
    if not reset:
        assert closed[0].detail["code"] == 1011
    assert rig.node.players == {} and player.is_dead
    assert twin.sessions() == []

    new_session = await gate.reconnect(rig.node)
    assert new_session != old_session
    again = await rig.player(CHANNEL)
    track = await load(rig, mock(twin, "Recovered", 30_000))
    await again.play(track)
    await rig.events.wait("track_start", about(track))
    await clock.advance(30)
    (end,) = await rig.events.wait("track_end", about(track))
    assert end.args[2] == "finished"
    drop = twin.faults.get("drop")
    assert drop is not None and drop.fired == 1 and drop.exhausted
