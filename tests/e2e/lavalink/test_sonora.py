"""The Sonora client (``wiretwin.compat.sonora``) against the Lavalink twin: what it
sends is what the node holds, on an ephemeral port and a virtual clock."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from wiretwin.compat.sonora import (
    Equalizer,
    QueueFull,
    SonoraClient,
    SonoraError,
    SonoraPlayer,
)
from wiretwin.lavalink import LavalinkTwin
from wiretwin.runtime.clock import VirtualClock

GUILD = 4242


@pytest.fixture
async def node() -> AsyncIterator[tuple[LavalinkTwin, VirtualClock, SonoraPlayer]]:
    clock = VirtualClock(start=1_750_000_000.0)
    async with LavalinkTwin(password="pw", clock=clock) as twin:
        client = SonoraClient([{"host": "127.0.0.1", "port": twin.port, "password": "pw"}])
        await client.start()
        try:
            yield twin, clock, await client.get_player(GUILD)
        finally:
            await client.close()


async def test_playback_controls_reach_the_node(
        node: tuple[LavalinkTwin, VirtualClock, SonoraPlayer]) -> None:
    twin, _, player = node
    track = twin.mock_factory.create_mock_track("Song", "Band", 180_000)
    await player.play(track)
    assert player.current_track is not None and player.current_track.title == "Song"
    assert twin.player(GUILD).track == track
    await player.pause()
    assert player.paused and twin.player(GUILD).paused
    await player.resume()
    await player.set_volume(250)
    await player.seek(30_000)
    view = twin.player(GUILD)
    assert (view.paused, view.volume, view.position) == (False, 250, 30_000)
    await player.stop()
    assert player.current_track is None and twin.player(GUILD).track is None
    with pytest.raises(ValueError, match="needs a track"):
        await player.play(None)
    # "not-a-track" is no base64 for Java's decoder: Lavalink's unhandled 500
    with pytest.raises(SonoraError, match=r"500: Request processing failed: java\.lang\."
                                          r"IllegalArgumentException: Illegal base64 "
                                          r"character 2d"):
        await player.play("not-a-track")


async def test_queue_limit_shuffle_and_skip(
        node: tuple[LavalinkTwin, VirtualClock, SonoraPlayer]) -> None:
    twin, _, player = node
    factory = twin.mock_factory
    tracks = [factory.create_mock_track(f"T{i}", "Same" if i < 3 else f"A{i}")
              for i in range(6)]
    for track in tracks:
        await player.queue.add(track)
    await player.queue.smart_shuffle()
    shuffled = player.queue.upcoming
    assert sorted(t.title for t in shuffled) == sorted(t.title for t in tracks)
    authors = [t.author for t in shuffled]
    assert all(a != b or a != "Same" for a, b in itertools.pairwise(authors))
    for expected in shuffled:
        await player.skip()
        assert twin.player(GUILD).track == expected
    await player.skip()  # nothing left: it stops
    assert twin.player(GUILD).track is None
    player.queue.limit = 1
    await player.queue.add(tracks[0])
    with pytest.raises(QueueFull):
        await player.queue.add(tracks[1])


async def test_filters_are_sent_as_lavalink_filters(
        node: tuple[LavalinkTwin, VirtualClock, SonoraPlayer]) -> None:
    twin, _, player = node
    await player.play(twin.mock_factory.create_mock_track())
    player.filters.bass_boost("high").nightcore()
    await player.set_filters()
    filters = twin.player(GUILD).filters
    assert filters["equalizer"] == [{"band": 0, "gain": 0.35}, {"band": 1, "gain": 0.25},
                                    {"band": 2, "gain": 0.12}]
    assert filters["timescale"] == {"speed": 1.25, "pitch": 1.25, "rate": 1.0}
    with pytest.raises(ValueError, match="band 15"):
        Equalizer().set_band(15, 0.1)
    with pytest.raises(ValueError, match="bass boost level"):
        player.filters.bass_boost("extreme")


async def test_a_finished_track_moves_on_to_the_queue_then_autoplay(
        node: tuple[LavalinkTwin, VirtualClock, SonoraPlayer]) -> None:
    twin, clock, player = node
    factory = twin.mock_factory
    first = factory.create_mock_track("First", "Artist", 1_000)
    second = factory.create_mock_track("Second", "Artist", 1_000)
    # Lavalink plays only with a voice connection (what a bot gets from Discord).
    await player.connect_voice("voice-session", "voice-token", "voice.example:443", 777)
    await player.play(first)
    await player.queue.add(second)
    patches = len(twin.journal.http(method="PATCH"))
    await clock.advance(1.5)  # "First" ends: TrackEndEvent finished, the client moves on
    await twin.journal.wait_for(lambda e: e.kind == "http" and e.detail.get("method")
                                == "PATCH", count=patches + 1)
    playing = twin.player(GUILD).track
    assert playing is not None and playing.identifier == second.identifier
    assert playing.info.position == 500  # it started the instant "First" ended

    player.autoplay.configure({"enabled": True, "strategy": "similar_artist",
                               "max_history": 5})
    await player.skip()  # the queue is empty: autoplay picks from the catalogue
    picked = twin.player(GUILD).track
    assert picked is not None and picked not in (first, second)
    assert player.current_track is not None
    assert player.current_track.identifier not in {first.identifier, second.identifier}
