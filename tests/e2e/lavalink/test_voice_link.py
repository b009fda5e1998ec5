"""The Lavalink twin's voice link against a Discord twin's voice server, directly.

The Lavalink side is the pure model on a virtual clock with the twin's real
:class:`~wiretwin.lavalink.voice_link.VoiceLinks` (no Lavalink REST, no client library);
the Discord side is a real Discord twin with the bot seated in a voice channel, whose
``twin.voice`` sees what the link sends. Every wait wakes on an event.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from wiretwin.discord.model import ChannelType, Guild
from wiretwin.discord.model.members import voice_session_id
from wiretwin.discord.twin import DiscordTwin
from wiretwin.discord.voice import Speaking
from wiretwin.discord.voice.tls import VoiceCertificate
from wiretwin.lavalink.catalogue import default_catalogue
from wiretwin.lavalink.config import LavalinkConfig
from wiretwin.lavalink.model import LavalinkModel, Session
from wiretwin.lavalink.playback import Player
from wiretwin.lavalink.voice_link import VoiceLink, VoiceLinks
from wiretwin.lavalink.voice_media import AES256_GCM, OPUS_FRAME, SILENCE
from wiretwin.runtime import voice_trust
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.journal import Entry, Journal

RICK = "dQw4w9WgXcQ"  # 212 000 ms in the default catalogue


@dataclass
class Sent:
    messages: list[dict[str, Any]] = field(default_factory=list)

    def send(self, session_id: str, message: dict[str, Any], label: str) -> None:
        self.messages.append(message)


@dataclass
class Node:
    """A Lavalink model with the twin's voice links, and what it sent its client."""

    model: LavalinkModel
    links: VoiceLinks
    clock: VirtualClock
    journal: Journal
    sent: Sent
    session: Session
    closed: asyncio.Queue[tuple[Player, int]]

    def play(self, discord: DiscordTwin, guild: Guild, channel: int,
             **extra: Any) -> Player:
        bot = discord.model.bot.id
        self.model.update_player(self.session.id, str(guild.id), {
            "voice": {"token": discord.model.voice_token(guild.id),
                      "endpoint": discord.voice.endpoint,
                      "sessionId": voice_session_id(bot), "channelId": str(channel)},
            "track": {"identifier": RICK}, **extra}, no_replace=False)
        return self.session.players[str(guild.id)]

    def notes(self, name: str) -> list[Entry]:
        return [e for e in self.journal if e.kind == "note" and e.event == name]


@pytest.fixture
async def discord() -> AsyncIterator[DiscordTwin]:
    async with DiscordTwin() as running:
        yield running


@pytest.fixture(name="seat")
async def seat_fixture(discord: DiscordTwin) -> tuple[Guild, int]:
    return await seat(discord)


async def seat(discord: DiscordTwin) -> tuple[Guild, int]:
    """The bot in a voice channel, as op 4 would put it (in the loop: the voice server
    starts serving when the seat first asks for its endpoint)."""
    model = discord.model
    guild = model.create_guild("Voice", model.application.owner.id)
    model.add_member(guild, model.bot.id)
    channel = model.create_channel(guild, "Music", ChannelType.GUILD_VOICE)
    model.set_voice(guild, model.bot.id, channel.id)
    return guild, channel.id


@pytest.fixture
async def node(discord: DiscordTwin) -> AsyncIterator[Node]:
    clock = VirtualClock()
    journal = Journal("lavalink", clock)
    sent = Sent()
    model = LavalinkModel(sent, clock, default_catalogue(0), LavalinkConfig(),
                          random.Random(0))
    closed: asyncio.Queue[tuple[Player, int]] = asyncio.Queue()

    def on_closed(session_id: str, player: Player, code: int, reason: str) -> None:
        model.close_voice(session_id, player.guild_id, code, reason, True)
        closed.put_nowait((player, code))

    links = VoiceLinks(clock, journal, on_closed)
    model.voice_links = links
    session = model.open_session(str(discord.model.bot.id), "voice-link-test")
    model.announce(session)
    yield Node(model, links, clock, journal, sent, session, closed)
    await links.aclose()


def _link(player: Player) -> VoiceLink:
    assert isinstance(player.listener, VoiceLink)
    return player.listener


async def test_the_link_joins_speaks_plays_pauses_and_leaves(
        discord: DiscordTwin, seat: tuple[Guild, int], node: Node) -> None:
    guild, channel = seat
    voice = discord.voice
    player = node.play(discord, guild, channel)
    recording = await voice.wait_for_connection(guild.id)
    assert (recording.user_id, recording.channel_id) == (discord.model.bot.id, channel)
    await voice.wait_for(lambda p: p.spoke, guild.id)

    await node.clock.advance(1.0)
    played = await voice.wait_for_audio(1.0, guild.id)
    assert (played.packets, played.frames, played.undecryptable) == (50, 50, 0)
    assert recording.mode == AES256_GCM and recording.unannounced == 0
    assert set(played.opus) == {OPUS_FRAME}

    node.model.update_player(node.session.id, str(guild.id), {"paused": True},
                             no_replace=False)
    played = await voice.wait_for_silence(guild.id)
    assert played.silence_frames == 5 and recording.speaking == Speaking.NONE
    assert played.opus[-5:] == [SILENCE] * 5

    await node.clock.advance(2.0)  # paused: nothing is owed
    node.model.update_player(node.session.id, str(guild.id), {"paused": False},
                             no_replace=False)
    await voice.wait_for(lambda p: sum(1 for c in p.speaking if c.speaking) == 2, guild.id)
    await node.clock.advance(0.5)
    played = await voice.wait_for_audio(1.5, guild.id)
    assert played.frames == 50 + 5 + 25 and len(played.connections) == 1

    link = _link(player)
    node.model.destroy_player(node.session.id, str(guild.id))
    ended = await voice.wait_for_end(guild.id)
    assert ended is recording and ended.close_code == 1000
    assert ended.silence_frames == 10 and ended.seconds == 1.5
    await link.task
    assert node.links.live == {} and link.pacer.dropped == 0


async def test_a_track_that_ends_sends_its_last_frames_then_silence(
        discord: DiscordTwin, seat: tuple[Guild, int], node: Node) -> None:
    guild, channel = seat
    node.play(discord, guild, channel, position=211_000)  # one second left
    await discord.voice.wait_for(lambda p: p.spoke, guild.id)
    await node.clock.advance(3.0)
    played = await discord.voice.wait_for_silence(guild.id)
    assert (played.seconds, played.silence_frames) == (1.0, 5)
    assert [m["reason"] for m in node.sent.messages if m.get("type") == "TrackEndEvent"] \
        == ["finished"]


async def test_a_resumable_close_is_resumed_on_the_same_connection(
        discord: DiscordTwin, seat: tuple[Guild, int], node: Node) -> None:
    guild, channel = seat
    node.play(discord, guild, channel)
    await discord.voice.wait_for(lambda p: p.spoke, guild.id)
    await node.clock.advance(0.2)
    await discord.voice.wait_for_audio(0.2, guild.id)

    discord.voice.close(guild.id)  # 4015: "try resuming"
    # RESUMED, then the link says it speaks again
    await discord.voice.wait_for(lambda p: sum(1 for c in p.speaking if c.speaking) == 2,
                                 guild.id)
    await node.clock.advance(0.2)
    played = await discord.voice.wait_for_audio(0.4, guild.id)
    assert len(played.connections) == 1 and played.connections[0].active
    assert [e.detail["code"] for e in node.notes("voice-link-resume")] == [4015]


async def test_a_close_that_ends_the_link_is_journaled_and_told_if_asked(
        discord: DiscordTwin, seat: tuple[Guild, int], node: Node) -> None:
    guild, channel = seat
    player = node.play(discord, guild, channel)
    await discord.voice.wait_for_connection(guild.id)
    discord.voice.close(guild.id, 4022)  # call terminated: not resumable
    (closed,) = await node.journal.wait_for(
        lambda e: e.kind == "note" and e.event == "voice-link-closed")
    assert (closed.detail["code"], closed.detail["told"]) == (4022, True)
    assert player.voice_connected and player.listener is None  # not told by default

    node.links.tell_players = True
    player = node.play(discord, guild, channel, volume=90)  # same voice: no new link
    assert player.listener is None
    node.model.close_voice(node.session.id, str(guild.id))  # the injected close
    node.sent.messages.clear()
    player = node.play(discord, guild, channel)  # connected again: a new link
    await discord.voice.wait_for(lambda p: len(p.connections) == 2 and p.spoke, guild.id)
    discord.voice.close(guild.id, 4014)
    told, code = await node.closed.get()
    assert told is player and code == 4014 and not player.voice_connected
    (event,) = [m for m in node.sent.messages if m.get("type") == "WebSocketClosedEvent"]
    assert (event["code"], event["byRemote"]) == (4014, True)


async def test_an_endpoint_not_served_here_is_not_dialled(
        discord: DiscordTwin, seat: tuple[Guild, int], node: Node) -> None:
    guild, channel = seat
    node.model.update_player(node.session.id, str(guild.id), {
        "voice": {"token": "tok", "endpoint": "us-east1234.discord.media:443",
                  "sessionId": "vs", "channelId": str(channel)},
        "track": {"identifier": RICK}}, no_replace=False)
    player = node.session.players[str(guild.id)]
    assert player.voice_connected and player.listener is None
    (skipped,) = node.notes("voice-link-skipped")
    assert skipped.detail["endpoint"] == "us-east1234.discord.media:443"

    node.links.enabled = False  # not even a served endpoint is dialled
    player = node.play(discord, guild, channel)
    assert player.voice_connected and player.listener is None
    assert len(node.notes("voice-link-skipped")) == 1 and not node.notes("voice-link-dial")

    endpoint = discord.voice.endpoint
    assert voice_trust.authority(f"wss://{endpoint}/?v=8") is not None
    await discord.stop()
    assert voice_trust.authority(endpoint) is None


async def test_bad_frames_from_a_voice_server_are_noted_and_skipped(node: Node) -> None:
    """A voice gateway that sends nonsense (a real TLS server, trusted as a Discord twin's
    would be): the link notes each bad frame, lives on, and ends on the server's close."""
    junk = ["not json", "[]", '{"op": 2, "d": "x"}', '{"op": 2, "d": {"ssrc": 1}}',
            '{"op": 4, "d": {"secret_key": "no", "mode": "x"}}', '{"d": 1}']
    identified: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def gateway(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 8, "d": {"v": 8, "heartbeat_interval": "soon"}})
        message = await ws.receive()
        assert message.type is WSMsgType.TEXT
        identified.set_result(message.json())
        for text in junk:
            await ws.send_str(text)
        await ws.send_bytes(b"\x19binary")
        await ws.close(code=4004, message=b"Authentication failed")
        return ws

    certificate = VoiceCertificate.generate()
    app = web.Application()
    app.router.add_get("/", gateway)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=certificate.server_context())
    await site.start()
    port = runner.addresses[0][1]
    endpoint = f"127.0.0.1:{port}"
    voice_trust.register(endpoint, certificate.ca_pem)
    try:
        node.model.update_player(node.session.id, "42", {"voice": {
            "token": "tok", "endpoint": endpoint, "sessionId": "vs", "channelId": "7"}},
            no_replace=False)
        (closed,) = await node.journal.wait_for(
            lambda e: e.kind == "note" and e.event == "voice-link-closed")
        assert closed.detail["code"] == 4004
        assert len(node.notes("voice-link-bad-frame")) == len(junk)
        assert (await identified)["d"] == {
            "server_id": "42", "user_id": node.session.user_id, "session_id": "vs",
            "token": "tok", "max_dave_protocol_version": 0}
        assert node.session.players["42"].listener is None
    finally:
        voice_trust.unregister(endpoint)
        await runner.cleanup()



async def test_on_a_shared_virtual_clock_the_heartbeats_keep_the_connection(
        discord: DiscordTwin, node: Node) -> None:
    """Both twins on one virtual clock: the link heartbeats on it, and the clock waits for
    each heartbeat's answer, so an hour advanced is not a 4009 (no heartbeat)."""
    async with DiscordTwin(clock=node.clock) as shared:
        guild, channel = await seat(shared)
        node.session = node.model.open_session(str(shared.model.bot.id), "shared-clock")
        node.model.announce(node.session)
        player = node.play(shared, guild, channel)
        recording = await shared.voice.wait_for_connection(guild.id)
        await shared.voice.wait_for(lambda p: p.spoke, guild.id)
        node.model.update_player(node.session.id, str(guild.id), {"paused": True},
                                 no_replace=False)
        await shared.voice.wait_for_silence(guild.id)
        await node.clock.advance(3600)  # paused: heartbeats only
        assert recording.active and _link(player).ready
        node.model.update_player(node.session.id, str(guild.id), {"paused": False},
                                 no_replace=False)
        await shared.voice.wait_for(lambda p: len(p.speaking) == 3, guild.id)
        await node.clock.advance(30)
        played = await shared.voice.wait_for_audio(30.0, guild.id)
        assert recording.active and played.seconds == 30.0
        assert [e for e in shared.journal if e.kind == "note"
                and e.event == "voice-refused"] == []
