"""The Lavalink twin in the voice channel: a music bot on both twins is heard there.

wavelink 3.5.2 and discord.py 2.7.1, unpatched: discord.py is logged in to a Discord twin
and joins voice with ``channel.connect(cls=wavelink.Player)``; wavelink hands the voice
state to the Lavalink twin, which (as a real node does) connects to the Discord twin's
voice server as the bot, says it speaks while a track plays and sends its audio as the
playback clock moves. The Discord twin's ``twin.voice`` is what the test reads; every
wait wakes on an event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import wavelink

from wiretwin.discord.twin import DiscordTwin
from wiretwin.discord.voice import Played, Speaking, opus
from wiretwin.drivers.discord_voice import discord_voice_client, move_bot, voice_guild
from wiretwin.drivers.wavelink import WavelinkClient, close_pool, connect_node, connect_player
from wiretwin.lavalink import LavalinkTwin
from wiretwin.lavalink.voice_media import TONE_HZ
from wiretwin.runtime.clock import VirtualClock

GUILD = 710000000000000001
CHANNEL = 710000000000000002
OTHER = 710000000000000003
LISTENER = 710000000000000777
RICK = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.fixture
async def discord_twin() -> AsyncIterator[DiscordTwin]:
    async with DiscordTwin() as running:
        guild = voice_guild(running, GUILD, {CHANNEL: "Music", OTHER: "Elsewhere"})
        running.model.add_user("listener", user_id=LISTENER)
        running.model.add_member(guild, LISTENER)
        yield running


def turns_on(played: Played) -> int:
    return sum(1 for change in played.speaking if change.speaking)


async def test_a_wavelink_bot_is_heard_in_the_voice_channel(
        twin: LavalinkTwin, clock: VirtualClock, discord_twin: DiscordTwin) -> None:
    voice = discord_twin.voice
    bot = discord_twin.model.bot.id
    async with discord_voice_client(discord_twin, WavelinkClient) as client:
        try:
            await discord_twin.backend.change_voice_state(LISTENER, CHANNEL)  # a member joins
            await connect_node(client, twin)
            player = await connect_player(client, GUILD, CHANNEL)
            (track,) = (await wavelink.Playable.search(RICK))[:1]
            await player.play(track)

            # The node, not discord.py, is the bot's voice connection in the channel.
            recording = await voice.wait_for_connection(CHANNEL)
            assert (recording.user_id, recording.guild_id) == (bot, GUILD)
            await voice.wait_for(lambda p: p.spoke, CHANNEL)
            await clock.advance(2)
            played = await voice.wait_for_audio(2.0, CHANNEL)
            assert played.undecryptable == 0 and recording.unannounced == 0

            await player.pause(True)
            played = await voice.wait_for_silence(CHANNEL)
            assert recording.speaking == Speaking.NONE and played.silence_frames == 5
            await clock.advance(5)  # paused: no audio is owed

            await player.pause(False)
            await voice.wait_for(lambda p: turns_on(p) == 2, CHANNEL)
            await clock.advance(1)
            played = await voice.wait_for_audio(3.0, CHANNEL)
            assert played.seconds == 3.0

            await player.stop()
            played = await voice.wait_for_silence(CHANNEL)
            assert played.silence_frames == 10 and played.seconds == 3.0
            if opus.available():  # what the node sent sounds: its fixed tone
                audio = played.audio()
                assert (audio.frames, audio.concealed) == (160, 0)
                assert audio.audible_seconds() == pytest.approx(3.0, abs=0.05)
                assert audio.frequency() == pytest.approx(TONE_HZ, rel=0.01)

            await player.disconnect()
            ended = await voice.wait_for_end(CHANNEL)
            assert ended is recording and voice.sessions == []
            assert len(voice.played(CHANNEL).connections) == 1
        finally:
            await close_pool()



async def test_a_moved_bot_is_heard_in_its_new_channel(
        twin: LavalinkTwin, clock: VirtualClock, discord_twin: DiscordTwin) -> None:
    """A moderator moves the bot: wavelink hands the node the new voice server, and the
    node leaves the old voice connection for one in the new channel."""
    voice = discord_twin.voice
    async with discord_voice_client(discord_twin, WavelinkClient) as client:
        try:
            await connect_node(client, twin)
            player = await connect_player(client, GUILD, CHANNEL)
            (track,) = (await wavelink.Playable.search(RICK))[:1]
            await player.play(track)
            await voice.wait_for(lambda p: p.spoke, CHANNEL)
            await clock.advance(1)
            await voice.wait_for_audio(1.0, CHANNEL)

            move_bot(discord_twin, GUILD, OTHER)
            moved = await voice.wait_for_connection(OTHER)
            await voice.wait_for(lambda p: p.spoke, OTHER)
            old = await voice.wait_for_end(CHANNEL)
            assert old is not moved and voice.sessions == [moved]
            assert twin.player(GUILD).voice["channelId"] == str(OTHER)
            await clock.advance(1)
            played = await voice.wait_for_audio(1.0, OTHER)
            assert played.connections == (moved,)
            assert voice.played(CHANNEL).seconds == 1.0
        finally:
            await close_pool()
