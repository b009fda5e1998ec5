"""The Lavalink console in Chromium, with the real lavalink.py playing on the twin: the
track's position moves in the page as the test moves the twin's virtual clock (and when
the clock panel moves it); pause and volume set from the console reach the player; the
search form shows what the catalogue answers."""

from __future__ import annotations

from typing import Any

from lavalink import LoadType, Timescale, TrackStartEvent

from wiretwin.drivers.lavalink_py import SyntheticVoice, connect, join_voice
from wiretwin.lavalink import LavalinkTwin
from wiretwin.runtime.clock import VirtualClock

from .browser import Browser, Page, assert_no_page_errors

GUILD = 424242424242424242
CHANNEL = 515151515151515151


async def position(page: Page) -> int:
    return int(await page.evaluate(
        "() => document.querySelector('[data-test=\"player-position\"]').dataset.ms"))


async def test_track_position_moves_with_the_clock(browser: Browser) -> None:
    clock = VirtualClock()
    async with LavalinkTwin(clock=clock) as twin:
        track = twin.mock_factory.create_mock_track("Main Theme", "Wire Band", 180_000)
        conn = await connect(twin)
        try:
            player: Any = await join_voice(conn.client, GUILD,
                                           voice=SyntheticVoice(GUILD, CHANNEL))
            result = await conn.client.get_tracks(track.uri or "")
            assert result.load_type == LoadType.TRACK
            mark = conn.events.mark()
            await player.play(result.tracks[0])
            await conn.events.wait_for(TrackStartEvent, since=mark)

            page = await browser.open(twin.http_url("/_wiretwin/ui"))
            await page.wait('[data-test="tab-lavalink"][data-ready="true"]')
            await page.wait('[data-test="player-track"]', text="Main Theme")
            await page.wait('[data-test="sessions-table"] td', text=conn.session_id)
            assert await position(page) == 0

            # The test moves the twin's clock: the page follows.
            await clock.advance(42)
            await page.until("""() => Number(document.querySelector(
                '[data-test="player-position"]').dataset.ms) === 42000""")
            assert await page.text('[data-test="player-position"]') == "0:42"

            # Pause and volume from the console, through the node's REST API.
            await page.click('[data-test="player-pause"]')
            await page.wait('[data-test="player-paused"]', text="paused")
            assert twin.player(GUILD).paused is True
            await page.fill('[data-test="player-volume-input"]', "55")
            await page.click('[data-test="player-volume-set"]')
            await page.wait('[data-test="player-volume"]', text="55%")
            assert twin.player(GUILD).volume == 55
            await page.click('[data-test="player-pause"]')
            await page.wait('[data-test="player-paused"]', text="playing")

            # The clock panel moves the same clock.
            await page.tab("clock")
            await page.wait('[data-test="clock-kind"]', text="virtual")
            before = clock.monotonic()
            await page.click('[data-test="clock-advance-10"]')
            await page.wait('[data-test="clock-result"]', text="advanced 10 s")
            assert clock.monotonic() == before + 10
            await page.screenshot("clock")
            await page.tab("lavalink")
            await page.until("""() => Number(document.querySelector(
                '[data-test="player-position"]').dataset.ms) === 52000""")
            assert twin.player(GUILD).position == 52_000

            # Search the catalogue.
            twin.mock_factory.create_mock_search_results("lofi beats", 3)
            await page.fill('[data-test="search-identifier"]', "ytsearch:lofi beats")
            await page.click('[data-test="search-submit"]')
            await page.wait('[data-test="search-load-type"]', text="loadType: search")
            assert await page.count('[data-test="search-results"] tbody tr') == 3

            # Filters the client sets show; so does a stop.
            await player.set_filter(Timescale(speed=1.25))
            await page.wait('[data-test="player-filters"]', text='"speed": 1.25')
            await page.screenshot("lavalink")
            await page.click('[data-test="player-stop"]')
            await page.wait('[data-test="player-track"]', text="Nothing playing")
            assert twin.player(GUILD).track is None
            await assert_no_page_errors(browser)
        finally:
            await conn.close()
