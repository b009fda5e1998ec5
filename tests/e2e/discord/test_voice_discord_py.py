"""discord.py's own VoiceClient against the Discord twin's voice server.

``await channel.connect()`` goes the whole way Discord's voice goes: op 4 on the main
gateway, VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE back, the voice gateway over TLS
(``wss://127.0.0.1:<port>/?v=8``, trusted because the driver pointed discord.py here),
IP discovery over UDP, SELECT_PROTOCOL, and audio sealed with the key the twin gave.
What the bot played is read back from ``twin.voice``, and decoded with libopus.
"""

from __future__ import annotations

import array
import asyncio
import ctypes.util
import io
import json
import math
from collections.abc import AsyncIterator, Iterator

import discord
import pytest

from wiretwin.discord.model import ChannelType, Guild
from wiretwin.discord.twin import DiscordTwin
from wiretwin.discord.voice import opus
from wiretwin.discord.voice.codes import XCHACHA20, Speaking
from wiretwin.drivers.discord_py_attach import attach
from wiretwin.drivers.discord_voice import discord_voice_client

LISTENER = 4242


def _world(twin: DiscordTwin) -> tuple[Guild, int, int]:
    model = twin.model
    guild = model.create_guild("Karaoke", model.application.owner.id)
    model.add_member(guild, model.bot.id)
    stage = model.create_channel(guild, "Stage", ChannelType.GUILD_VOICE)
    lobby = model.create_channel(guild, "Lobby", ChannelType.GUILD_VOICE)
    model.add_user("listener", user_id=LISTENER)
    model.add_member(guild, LISTENER)
    model.set_voice(guild, LISTENER, stage.id)
    return guild, stage.id, lobby.id


def tone(seconds: float, hz: float = 440.0) -> bytes:
    """``seconds`` of a sine as discord.PCMAudio reads it: 48 kHz, 16-bit, stereo."""
    samples = array.array("h")
    for n in range(int(48_000 * seconds)):
        value = int(8000 * math.sin(2 * math.pi * hz * n / 48_000))
        samples.extend((value, value))
    return samples.tobytes()


class PreparedOpus(discord.AudioSource):
    """Opus packets made without libopus: each a TOC byte saying "one 20 ms CELT frame,
    stereo" and a body (the twin reads lengths from the TOC byte; it never decodes)."""

    def __init__(self, frames: int) -> None:
        self._frames: Iterator[bytes] = iter(
            [bytes([0xFC]) + bytes([n % 251]) * 40 for n in range(frames)])

    def read(self) -> bytes:
        return next(self._frames, b"")

    def is_opus(self) -> bool:
        return True


@pytest.fixture
async def bot(twin: DiscordTwin) -> AsyncIterator[discord.Client]:
    twin.call(_world, twin)
    async with discord_voice_client(twin, discord.Client) as client:
        yield client


def _guild(twin: DiscordTwin) -> Guild:
    (guild,) = twin.model.guilds.values()
    return guild


async def _play(vc: discord.VoiceClient, source: discord.AudioSource) -> None:
    done = asyncio.get_running_loop().create_future()

    def settle(error: Exception | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(None)

    def after(error: Exception | None) -> None:
        vc.loop.call_soon_threadsafe(settle, error)

    vc.play(source, after=after)
    await asyncio.wait_for(done, 10)


async def test_connect_play_and_leave(twin: DiscordTwin, bot: discord.Client) -> None:
    guild = _guild(twin)
    stage_id = next(c for c in guild.channels if twin.model.channels[c].name == "Stage")
    channel = bot.get_channel(stage_id)
    assert isinstance(channel, discord.VoiceChannel)

    vc: discord.VoiceClient = await channel.connect(timeout=10)
    assert vc.is_connected()
    assert vc.endpoint == twin.voice.endpoint
    assert vc.mode == XCHACHA20  # the first offered mode discord.py supports
    (live,) = twin.voice.sessions
    assert (live.guild_id, live.channel_id, live.ssrc) == (guild.id, stage_id, vc.ssrc)

    await _play(vc, PreparedOpus(50))
    played = await twin.voice.wait_for_silence(channel)
    assert played.frames == 55 and played.silence_frames == 5  # discord.py's 5 at the end
    assert played.seconds == pytest.approx(1.0)
    assert played.silence_seconds == pytest.approx(0.1)
    assert played.undecryptable == 0
    assert [c.speaking for c in played.speaking] == [
        Speaking.NONE, Speaking.MICROPHONE, Speaking.NONE]
    assert played.opus[0] == bytes([0xFC]) + bytes(40)

    await vc.disconnect()
    ended = await twin.voice.wait_for_end(guild)
    assert ended.close_code in (1000, 4014)
    assert twin.voice.sessions == []
    assert twin.model.bot.id not in guild.voice_states
    assert twin.voice.played(guild).frames == 55  # kept after the connection ended


@pytest.fixture
def libopus() -> None:
    """discord.py encodes PCM with libopus (its own binding) and the twin decodes it
    with libopus (wiretwin's): both need it (Debian: libopus0, which `make test`
    installs)."""
    found = ctypes.util.find_library("opus")
    if found is None or not opus.available():
        pytest.skip(opus.ABSENT)
    if not discord.opus.is_loaded():
        discord.opus.load_opus(found)


@pytest.mark.usefixtures("libopus")
async def test_pcm_is_encoded_by_libopus_and_heard(twin: DiscordTwin,
                                                   bot: discord.Client) -> None:
    guild = _guild(twin)
    channel = next(c for c in bot.get_guild(guild.id).voice_channels  # type: ignore[union-attr]
                   if c.name == "Stage")
    vc: discord.VoiceClient = await channel.connect(timeout=10)
    heard = asyncio.ensure_future(twin.voice.wait_for_audio(1.0, guild, timeout=10))
    await _play(vc, discord.PCMAudio(io.BytesIO(tone(1.0))))
    played = await heard
    assert played.seconds == pytest.approx(1.0)
    assert played.frames - played.silence_frames == 50
    await vc.disconnect()


@pytest.mark.usefixtures("libopus")
async def test_the_tone_played_is_decoded_and_measured(twin: DiscordTwin,
                                                       bot: discord.Client) -> None:
    """"The bot played about 3 s of a 440 Hz tone in Stage, not silence": discord.py
    encodes the PCM with libopus, the twin decodes the Opus frames it kept."""
    guild = _guild(twin)
    stage, lobby = (next(c for c in bot.get_guild(guild.id).voice_channels  # type: ignore[union-attr]
                         if c.name == name) for name in ("Stage", "Lobby"))
    vc: discord.VoiceClient = await stage.connect(timeout=10)
    await _play(vc, discord.PCMAudio(io.BytesIO(tone(3.0))))
    played = await twin.voice.wait_for_silence(stage, timeout=10)

    audio = played.audio()
    assert (audio.frames, audio.dropped, audio.concealed) == (155, 0, 0)
    assert audio.seconds == pytest.approx(3.1)  # the tone, then discord.py's 5 silences
    assert audio.audible_seconds() == pytest.approx(3.0, abs=0.04)
    assert audio.frequency() == pytest.approx(440.0, rel=0.01)
    assert audio.rms == pytest.approx(8000 / 32768 / math.sqrt(2) * math.sqrt(3 / 3.1),
                                      rel=0.05)
    assert audio.peak == pytest.approx(8000 / 32768, rel=0.1)
    assert played.pcm() == audio.pcm  # decoded anew from the same frames
    (rec,) = played.connections
    assert rec.audio().pcm == audio.pcm  # one voice connection: one decoder
    assert twin.voice.played(lobby).audio().pcm == b""  # nothing went to the Lobby
    await vc.disconnect()


async def test_members_in_the_channel_are_announced(twin: DiscordTwin,
                                                    bot: discord.Client) -> None:
    guild = _guild(twin)
    stage, lobby = (next(c for c in guild.channels if twin.model.channels[c].name == name)
                    for name in ("Stage", "Lobby"))
    channel = bot.get_channel(stage)
    assert isinstance(channel, discord.VoiceChannel)
    vc: discord.VoiceClient = await channel.connect(timeout=10)
    twin.call(twin.model.set_voice, guild, LISTENER, lobby)  # the listener walks out
    twin.call(twin.model.set_voice, guild, LISTENER, stage)  # and back in
    sent = await twin.journal.wait_for(
        lambda e: e.kind == "frame" and e.direction == "out"
        and e.event in ("CLIENTS_CONNECT", "CLIENT_DISCONNECT"), count=3)
    payloads = [json.loads(e.data or "") for e in sent]
    assert [(p["op"], p["d"], p["seq"]) for p in payloads] == [
        (11, {"user_ids": [str(LISTENER)]}, 0), (13, {"user_id": str(LISTENER)}, 1),
        (11, {"user_ids": [str(LISTENER)]}, 2)]
    await vc.disconnect()


async def test_moving_channels_is_a_new_voice_connection(twin: DiscordTwin,
                                                        bot: discord.Client) -> None:
    guild = _guild(twin)
    stage, lobby = (next(c for c in guild.channels if twin.model.channels[c].name == name)
                    for name in ("Stage", "Lobby"))
    channel = bot.get_channel(stage)
    assert isinstance(channel, discord.VoiceChannel)
    vc: discord.VoiceClient = await channel.connect(timeout=10)
    first = twin.voice.sessions[0]
    await vc.move_to(bot.get_channel(lobby), timeout=10)
    second = await twin.voice.wait_for_connection(lobby)
    assert second.ssrc != first.ssrc and vc.is_connected()
    await _play(vc, PreparedOpus(10))
    assert (await twin.voice.wait_for_silence(lobby)).frames == 15
    assert twin.voice.played(stage).frames == 0
    await vc.disconnect()


async def test_deleting_the_channel_terminates_the_call(twin: DiscordTwin,
                                                         bot: discord.Client) -> None:
    guild = _guild(twin)
    stage = next(c for c in guild.channels if twin.model.channels[c].name == "Stage")
    channel = bot.get_channel(stage)
    assert isinstance(channel, discord.VoiceChannel)
    vc: discord.VoiceClient = await channel.connect(timeout=10)
    assert bot.user is not None
    me = bot.user.id
    left = asyncio.ensure_future(bot.wait_for(
        "voice_state_update", timeout=10,
        check=lambda member, before, after: member.id == me and after.channel is None))

    twin.call(twin.model.delete_channel, twin.model.channels[stage])
    ended = await twin.voice.wait_for_end(guild)
    assert ended.close_code == 4022  # Discord's "call terminated", not a plain 4014
    await left
    assert guild.voice_states == {}  # the listener was put out of the channel too
    gone = [json.loads(e.data or "") for e in twin.journal
            if e.kind == "frame" and e.direction == "out" and e.event == "VOICE_STATE_UPDATE"]
    assert {(p["d"]["user_id"], p["d"]["channel_id"]) for p in gone[-2:]} == {
        (str(LISTENER), None), (str(me), None)}
    assert not vc.is_connected()


@pytest.mark.parametrize("twin", ["loop"], indirect=True)
async def test_an_attached_bot_connects_too(twin: DiscordTwin) -> None:
    guild, stage, _ = _world(twin)
    client = discord.Client(intents=discord.Intents.default())
    attachment = attach(twin, client, in_process=True)
    try:
        channel = client.get_channel(stage)
        assert isinstance(channel, discord.VoiceChannel)
        vc: discord.VoiceClient = await channel.connect(timeout=10)
        await _play(vc, PreparedOpus(5))
        assert (await twin.voice.wait_for_silence(guild)).frames == 10
        await vc.disconnect()
    finally:
        await attachment.close()
