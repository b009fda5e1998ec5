"""One ``clock.advance`` across a whole queue: each next track starts the instant the
last one ended, because the clock lets the client (lavalink.py, in the test's loop) ask
for it before moving on (see ``wiretwin.runtime.clock._settle``)."""

from __future__ import annotations

import pytest
from lavalink import QueueEndEvent, TrackEndEvent, TrackStartEvent

from wiretwin.discord import DiscordTwin
from wiretwin.drivers.discord_voice import voice_guild
from wiretwin.drivers.lavalink_py import connect, join_voice
from wiretwin.lavalink import LavalinkTwin
from wiretwin.runtime.clock import VirtualClock

GUILD, VOICE_CHANNEL = 1, 2


@pytest.mark.parametrize("voice_links", [True, False], ids=["voice-link", "no-voice-link"])
async def test_a_queue_plays_to_its_end_in_one_advance(voice_links: bool) -> None:
    clock = VirtualClock()
    async with DiscordTwin() as discord, LavalinkTwin(clock=clock) as node:
        node.voice_links.enabled = voice_links
        voice_guild(discord, GUILD, {VOICE_CHANNEL: "Music"})
        songs = [node.mock_factory.create_mock_track(title, "Wire Band", length)
                 for title, length in (("Intro", 30_000), ("Middle", 20_000),
                                       ("Outro", 45_000))]
        conn = await connect(node, discord)
        try:
            player = await join_voice(conn, guild_id=GUILD, channel_id=VOICE_CHANNEL)
            for song in songs:
                player.add((await conn.client.get_tracks(song.uri)).tracks[0])
            await player.play()
            await conn.events.wait_for(TrackStartEvent)
            started = clock.monotonic()
            await clock.advance(95)  # 30 + 20 + 45 seconds: the queue, exactly
            await conn.events.wait_for(QueueEndEvent)
            ended = [(e.track.title, e.reason) for e in conn.events.of(TrackEndEvent)]
            assert ended == [("Intro", "finished"), ("Middle", "finished"),
                             ("Outro", "finished")]
            assert clock.monotonic() - started == 95
            starts = [e.twin_time for e in node.journal.frames(event="TrackStartEvent")]
            assert [round(t - starts[0], 3) for t in starts] == [0, 30, 50]
        finally:
            await conn.close()
