"""The Lavalink matrix's scenarios: written once, run against every client library.

Each scenario drives the library through its driver (:mod:`.driver`: connect, load,
join voice, play, pause...) and judges two things: what the library reported (its own
events, as the driver hands them on) and what the twin holds (the player as the node
applied it). Time moves only on the twin's virtual clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..core import Scenario
from .driver import LavalinkDriver
from .harness import GUILD, LavalinkCase

SERVICE = "lavalink"

SCENARIOS = [
    Scenario("connect", "Connect",
             "Open /v4/websocket with the bot's user id and get ready with a session id; "
             "the library's session is the one the node holds."),
    Scenario("load-track", "Load a track",
             "GET /v4/loadtracks for a track's URL: loadType track, its title."),
    Scenario("load-search", "Load a search",
             "A ytsearch: query: loadType search, the results in order."),
    Scenario("load-playlist", "Load a playlist",
             "A playlist URL: loadType playlist, its name and its tracks."),
    Scenario("load-error", "Load an error and nothing",
             "A track that fails to load: loadType error with the message; a URL that finds "
             "nothing: loadType empty."),
    Scenario("play", "Play",
             "Join a voice channel (the bot's voice state and voice server handed to the "
             "library), load and play a track: the library reports the track started, the "
             "node plays it with the voice connection."),
    Scenario("pause-resume", "Pause and resume",
             "Pause: the node's position stands still while the clock moves; resume: it "
             "moves again."),
    Scenario("seek", "Seek", "Seek to 90 s: the node's position is there."),
    Scenario("volume", "Volume", "Set the volume to 250: the node applies it."),
    Scenario("filters", "Filters",
             "Set a timescale (speed 1.25) through the library's filter API: the node "
             "applies it."),
    Scenario("track-end-next", "Track end and the next track",
             "Two tracks in the library's own queue (the driver's when the library has "
             "none): the first ends as finished on the clock, the library reports it, and "
             "the second starts on its own."),
    Scenario("player-update", "Player updates",
             "playerUpdate every 5 s of the twin's virtual clock: the library reports "
             "positions 5000 and 10000 as the node sent them."),
    Scenario("resume", "Node drop and resume",
             "With session resuming on, the node's socket drops: the library reconnects "
             "with its Session-Id, the node resumes the session (same id, the player still "
             "playing), and the library's next command reaches that player."),
]

Body = Callable[[LavalinkCase, LavalinkDriver], Awaitable[None]]


async def connect(case: LavalinkCase, d: LavalinkDriver) -> None:
    sid = d.session_id
    assert sid, "the library has no session id"
    assert sid in case.twin.sessions(), f"{sid} is not a session of the node"
    late = getattr(d, "late_ready", None)
    assert late is None, late
    # the library saw ready with that id
    await d.expect(type="ready", session_id=sid)


async def load_track(case: LavalinkCase, d: LavalinkDriver) -> None:
    track = case.mock("Wire Song", 123_000)
    got = await d.load(track.uri or "")
    assert (got["loadType"], got["titles"]) == ("track", ["Wire Song"]), got


async def load_search(case: LavalinkCase, d: LavalinkDriver) -> None:
    wanted = case.twin.mock_factory.create_mock_search_results("night drive", 3)
    got = await d.load("ytsearch:night drive")
    assert (got["loadType"], got["titles"]) == ("search", [t.title for t in wanted]), got


async def load_playlist(case: LavalinkCase, d: LavalinkDriver) -> None:
    mix = case.twin.mock_factory.create_mock_playlist("Road Trip", 4)
    got = await d.load(mix.url)
    assert (got["loadType"], got["playlist"], got["titles"]) == (
        "playlist", "Road Trip", [t.title for t in mix.tracks]), got


async def load_error(case: LavalinkCase, d: LavalinkDriver) -> None:
    url = "https://www.youtube.com/watch?v=private0001"
    case.twin.catalogue.add_failure(url, "This video is private", "suspicious")
    got = await d.load(url)
    assert (got["loadType"], got["error"]) == ("error", "This video is private"), got
    empty = await d.load("https://example.com/nothing-here")
    assert (empty["loadType"], empty["titles"]) == ("empty", []), empty


async def play(case: LavalinkCase, d: LavalinkDriver) -> None:
    await case.playing(d, "Main Theme")
    view = case.twin.player(GUILD, d.session_id)
    assert view.connected, "the node's player has no voice connection"
    assert view.track is not None and view.track.title == "Main Theme", view.track


async def pause_resume(case: LavalinkCase, d: LavalinkDriver) -> None:
    await case.playing(d, "Pause Me")
    await case.clock.advance(4)
    mark = case.twin.journal.mark()
    await d.pause(True)
    await case.applied(mark, "paused")
    view = case.twin.player(GUILD, d.session_id)
    assert view.paused and view.position == 4000, (view.paused, view.position)
    await case.clock.advance(10)
    assert case.twin.player(GUILD, d.session_id).position == 4000
    mark = case.twin.journal.mark()
    await d.pause(False)
    await case.applied(mark, "paused")
    assert not case.twin.player(GUILD, d.session_id).paused
    await case.clock.advance(3)
    assert case.twin.player(GUILD, d.session_id).position == 7000


async def seek(case: LavalinkCase, d: LavalinkDriver) -> None:
    await case.playing(d, "Seek Me", 300_000)
    mark = case.twin.journal.mark()
    await d.seek(90_000)
    await case.applied(mark, "position")
    assert case.twin.player(GUILD, d.session_id).position == 90_000


async def volume(case: LavalinkCase, d: LavalinkDriver) -> None:
    await case.playing(d, "Loud")
    mark = case.twin.journal.mark()
    await d.volume(250)
    await case.applied(mark, "volume")
    assert case.twin.player(GUILD, d.session_id).volume == 250


async def filters(case: LavalinkCase, d: LavalinkDriver) -> None:
    await case.playing(d, "Faster")
    mark = case.twin.journal.mark()
    await d.timescale(1.25)
    await case.applied(mark, "filters")
    applied = case.twin.player(GUILD, d.session_id).filters
    assert applied.get("timescale", {}).get("speed") == 1.25, applied


async def track_end_next(case: LavalinkCase, d: LavalinkDriver) -> None:
    first, second = case.mock("First", 20_000), case.mock("Second", 30_000)
    await case.join(d)
    await d.queue(GUILD, [first.uri or "", second.uri or ""])
    await d.expect(type="start", title="First")
    await case.clock.advance(20)
    end = await d.expect(type="end", title="First")
    assert end["reason"] == "finished", end
    await d.expect(type="start", title="Second")
    view = case.twin.player(GUILD, d.session_id)
    assert view.track is not None and view.track.title == "Second", view.track


async def player_update(case: LavalinkCase, d: LavalinkDriver) -> None:
    await case.playing(d, "Ticking")
    for position in (5000, 10_000):
        await case.clock.advance(5)
        await d.expect(type="update", position=position)


async def resume(case: LavalinkCase, d: LavalinkDriver) -> None:
    await d.enable_resuming()
    sid = d.session_id
    await case.playing(d, "Keeps Going")
    await case.clock.advance(10)
    mark = case.twin.journal.mark()
    case.twin.drop_connection()
    ready = await d.reconnected(case, mark)
    assert ready["session_id"] == sid, ready
    assert case.twin.sessions() == [sid], case.twin.sessions()
    view = case.twin.player(GUILD, sid)
    assert view.track is not None and view.track.title == "Keeps Going", view.track
    mark = case.twin.journal.mark()
    await d.pause(True)
    await case.applied(mark, "paused")
    assert case.twin.player(GUILD, sid).paused, "the pause did not reach the resumed player"


BODIES: dict[str, Body] = {
    "connect": connect, "load-track": load_track, "load-search": load_search,
    "load-playlist": load_playlist, "load-error": load_error, "play": play,
    "pause-resume": pause_resume, "seek": seek, "volume": volume, "filters": filters,
    "track-end-next": track_end_next, "player-update": player_update, "resume": resume,
}
