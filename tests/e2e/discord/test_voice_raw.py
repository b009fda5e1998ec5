"""The voice gateway and UDP port driven by hand (aiohttp's websocket client and a UDP
socket): every close code a client can earn, bad bytes of every kind, the AES-256-GCM
mode discord.py does not use, RESUME, and a twin that keeps serving throughout."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from wiretwin.discord.model import ChannelType, Guild
from wiretwin.discord.model.members import voice_session_id
from wiretwin.discord.twin import DiscordTwin
from wiretwin.discord.voice.codes import AES256_GCM, XCHACHA20
from wiretwin.discord.voice.rtp import encryptor, rtp_header
from wiretwin.runtime.clock import VirtualClock

LISTENER = 777


@dataclass
class Seat:
    guild: Guild
    channel: int
    identify: dict[str, Any]


def _seat(twin: DiscordTwin) -> Seat:
    """The bot in a voice channel (as op 4 would put it), with what IDENTIFY needs."""
    model = twin.model
    guild = model.create_guild("Raw", model.application.owner.id)
    model.add_member(guild, model.bot.id)
    channel = model.create_channel(guild, "Voice", ChannelType.GUILD_VOICE)
    model.add_user("listener", user_id=LISTENER)
    model.add_member(guild, LISTENER)
    model.set_voice(guild, model.bot.id, channel.id)
    return Seat(guild, channel.id, {"server_id": str(guild.id), "user_id": str(model.bot.id),
                                    "session_id": voice_session_id(model.bot.id),
                                    "token": model.voice_token(guild.id),
                                    "max_dave_protocol_version": 1})


@pytest.fixture
async def twin() -> AsyncIterator[DiscordTwin]:
    async with DiscordTwin() as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def _dial(twin: DiscordTwin, session: aiohttp.ClientSession, query: str = "?v=8"
                ) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(f"wss://{twin.voice.endpoint}/{query}",
                                  ssl=twin.voice.client_ssl_context(), autoclose=False)
    return ws


async def _json(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=5)
    assert msg.type is aiohttp.WSMsgType.TEXT, msg
    data: dict[str, Any] = json.loads(msg.data)
    return data


async def _closed(ws: aiohttp.ClientWebSocketResponse) -> tuple[int, str]:
    """Read to the twin's close frame: its code and reason."""
    while True:
        msg = await ws.receive(timeout=5)
        if msg.type is aiohttp.WSMsgType.CLOSE:
            await ws.close()
            return msg.data, str(msg.extra)
        assert msg.type is aiohttp.WSMsgType.TEXT, msg


async def _ready(twin: DiscordTwin, session: aiohttp.ClientSession, seat: Seat
                 ) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    ws = await _dial(twin, session)
    hello = await _json(ws)
    assert hello == {"op": 8, "d": {"v": 8, "heartbeat_interval": 13750}}
    await ws.send_json({"op": 0, "d": seat.identify})
    ready = await _json(ws)
    assert ready["op"] == 2
    return ws, ready["d"]


class Udp(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put_nowait(data)


async def _udp(ready: dict[str, Any]) -> tuple[asyncio.DatagramTransport, Udp]:
    transport, protocol = await asyncio.get_running_loop().create_datagram_endpoint(
        Udp, remote_addr=(ready["ip"], ready["port"]))
    return transport, protocol


def _discovery(ssrc: int) -> bytes:
    return (1).to_bytes(2) + (70).to_bytes(2) + ssrc.to_bytes(4) + bytes(66)


@pytest.mark.parametrize(("frames", "code"), [
    (["not json"], 4002),
    (['{"op": "zero"}'], 4002),
    (["x" * 5000], 4002),
    (['{"op": 99, "d": {}}'], 4001),
    (['{"op": 1, "d": {}}'], 4003),
    (['{"op": 5, "d": {"speaking": 1}}'], 4003),
    (['{"op": 3, "d": "soon"}'], 4020),
    (['{"op": 0, "d": []}'], 4002),
    (['{"op": 0, "d": {"server_id": "1", "user_id": "2"}}'], 4002),
])
async def test_bad_frames_get_discords_close_codes(
        twin: DiscordTwin, session: aiohttp.ClientSession, frames: list[str], code: int
) -> None:
    twin.call(_seat, twin)
    ws = await _dial(twin, session)
    await _json(ws)  # HELLO
    for frame in frames:
        await ws.send_str(frame)
    assert (await _closed(ws))[0] == code


@pytest.mark.parametrize(("change", "code", "reason"), [
    ({"token": "stolen"}, 4004, "Authentication failed"),
    ({"session_id": "someone-else"}, 4004, "Authentication failed"),
    ({"user_id": "1234"}, 4004, "Authentication failed"),
    ({"server_id": "1"}, 4011, "Server not found"),
])
async def test_identify_is_checked_against_the_bots_voice_state(
        twin: DiscordTwin, session: aiohttp.ClientSession, change: dict[str, str],
        code: int, reason: str) -> None:
    seat = twin.call(_seat, twin)
    ws = await _dial(twin, session)
    await _json(ws)
    await ws.send_json({"op": 0, "d": {**seat.identify, **change}})
    assert await _closed(ws) == (code, reason)
    note = twin.journal.entries("note")[-1]
    assert note.event == "voice-refused" and note.detail["code"] == code


async def test_the_twin_serves_on_after_bad_input(twin: DiscordTwin,
                                                  session: aiohttp.ClientSession) -> None:
    seat = twin.call(_seat, twin)
    ws = await _dial(twin, session)
    await _json(ws)
    await ws.send_bytes(b"\x00\xff garbage")
    assert (await _closed(ws))[0] == 4002
    ws, ready = await _ready(twin, session, seat)
    await ws.send_json({"op": 0, "d": seat.identify})
    assert await _closed(ws) == (4005, "Already authenticated")
    ws, ready = await _ready(twin, session, seat)
    assert ready["modes"] == [AES256_GCM, XCHACHA20]
    await ws.send_json({"op": 1, "d": {"protocol": "webrtc", "data": "v=0"}})
    assert (await _closed(ws))[0] == 4012
    ws, _ = await _ready(twin, session, seat)
    await ws.send_json({"op": 1, "d": {"protocol": "udp", "data": {
        "address": "127.0.0.1", "port": 5000, "mode": "xsalsa20_poly1305"}}})
    assert await _closed(ws) == (4016, "Unknown encryption mode")
    assert (await _ready(twin, session, seat))[1]["ssrc"] > 0


async def test_leaving_voice_ends_the_session_and_the_token(
        twin: DiscordTwin, session: aiohttp.ClientSession) -> None:
    seat = twin.call(_seat, twin)
    ws, _ = await _ready(twin, session, seat)
    twin.call(twin.model.set_voice, seat.guild, twin.model.bot.id, None)
    assert await _closed(ws) == (4014, "Disconnected")
    ws = await _dial(twin, session)
    await _json(ws)
    await ws.send_json({"op": 0, "d": seat.identify})
    assert (await _closed(ws))[0] == 4006


async def test_dave_can_be_required(twin: DiscordTwin,
                                    session: aiohttp.ClientSession) -> None:
    seat = twin.call(_seat, twin)
    twin.voice.require_dave = True
    ws = await _dial(twin, session)
    await _json(ws)
    await ws.send_json({"op": 0, "d": {**seat.identify, "max_dave_protocol_version": 0}})
    assert await _closed(ws) == (4017, "E2EE/DAVE protocol required")
    ws, _ = await _ready(twin, session, seat)  # offering DAVE 1: answered with version 0
    await ws.send_json({"op": 1, "d": {"protocol": "udp", "data": {
        "address": "127.0.0.1", "port": 5000, "mode": XCHACHA20}}})
    described = await _json(ws)
    assert described["op"] == 4 and described["d"]["dave_protocol_version"] == 0


async def test_a_version_below_4_is_refused(twin: DiscordTwin,
                                            session: aiohttp.ClientSession) -> None:
    twin.call(_seat, twin)
    ws = await _dial(twin, session, "")
    assert (await _closed(ws))[0] == 4020


@pytest.mark.parametrize("mode", [AES256_GCM, XCHACHA20])
async def test_audio_in_either_mode_and_udp_junk(
        twin: DiscordTwin, session: aiohttp.ClientSession, mode: str) -> None:
    seat = twin.call(_seat, twin)
    ws, ready = await _ready(twin, session, seat)
    ssrc = ready["ssrc"]
    transport, udp = await _udp(ready)
    try:
        transport.sendto(_discovery(ssrc))
        answer = await asyncio.wait_for(udp.received.get(), 5)
        assert len(answer) == 74 and answer[:2] == b"\x00\x02"
        address = answer[8:answer.index(0, 8)].decode()
        port = int.from_bytes(answer[-2:])
        assert (address, port) == transport.get_extra_info("sockname")[:2]
        await ws.send_json({"op": 1, "d": {"protocol": "udp", "data": {
            "address": address, "port": port, "mode": mode}}})
        described = (await _json(ws))["d"]
        assert described["mode"] == mode and len(described["secret_key"]) == 32
        await ws.send_json({"op": 5, "d": {"speaking": 5, "delay": 0, "ssrc": ssrc}})
        seal = encryptor(mode, bytes(described["secret_key"]))
        frame = bytes([0xFC]) + os.urandom(30)
        for n in range(10):
            transport.sendto(seal(rtp_header(n, n * 960, ssrc), frame, n))
        # With an RTP header extension (X bit): its preamble stays in clear, its body
        # is sealed with the frame and comes off after opening.
        extended = bytearray(rtp_header(10, 9600, ssrc))
        extended[0] |= 0x10
        header = bytes(extended) + b"\xbe\xde\x00\x01"
        transport.sendto(seal(header, b"\x10\x20\x30\x40" + frame, 10))
        transport.sendto(os.urandom(3))                               # too short
        transport.sendto(seal(rtp_header(11, 0, ssrc + 1), frame, 11))  # unknown ssrc
        transport.sendto(rtp_header(12, 0, ssrc) + os.urandom(40))    # a bad seal
        played = await twin.voice.wait_for(
            lambda p: p.frames == 11 and p.undecryptable == 1, seat.guild)
        assert played.seconds == pytest.approx(0.22)
        assert played.opus[-1] == frame and played.packets == 12
        assert played.spoke
        assert twin.voice.gateway.udp.junk == 1
        assert twin.voice.gateway.udp.unknown_ssrc == 1
        ignored = [e for e in twin.journal.entries("note") if e.event == "voice-udp-ignored"]
        assert len(ignored) == 2
    finally:
        transport.close()
    await ws.close()


async def test_resume_replays_what_was_missed(twin: DiscordTwin,
                                              session: aiohttp.ClientSession) -> None:
    seat = twin.call(_seat, twin)
    ws, _ = await _ready(twin, session, seat)
    await ws.send_json({"op": 1, "d": {"protocol": "udp", "data": {
        "address": "127.0.0.1", "port": 5000, "mode": XCHACHA20}}})
    await _json(ws)  # SESSION_DESCRIPTION
    twin.voice.close(seat.guild)  # 4015: the voice server crashed, try resuming
    assert await _closed(ws) == (4015, "Voice server crashed")
    twin.call(twin.model.set_voice, seat.guild, LISTENER, seat.channel)  # while away
    resumed = await _dial(twin, session)
    await _json(resumed)
    await resumed.send_json({"op": 7, "d": {
        "server_id": seat.identify["server_id"], "session_id": seat.identify["session_id"],
        "token": seat.identify["token"], "seq_ack": -1}})
    assert await _json(resumed) == {"op": 11, "d": {"user_ids": [str(LISTENER)]}, "seq": 0}
    assert await _json(resumed) == {"op": 9, "d": None}
    await resumed.send_json({"op": 3, "d": {"t": 42, "seq_ack": 0}})
    assert await _json(resumed) == {"op": 6, "d": {"t": 42}}
    await resumed.close()
    ws = await _dial(twin, session)
    await _json(ws)
    await ws.send_json({"op": 7, "d": {
        "server_id": seat.identify["server_id"], "session_id": seat.identify["session_id"],
        "token": seat.identify["token"], "seq_ack": 0}})
    assert (await _closed(ws))[0] == 4006  # ended with the client's 1000


async def test_a_silent_connection_times_out(session: aiohttp.ClientSession) -> None:
    clock = VirtualClock(start=1_750_000_000.0)
    async with DiscordTwin(clock=clock) as twin:
        seat = twin.call(_seat, twin)
        ws, _ = await _ready(twin, session, seat)
        await clock.advance(13.75 * 1.5)
        assert await _closed(ws) == (4009, "Session timeout")
        await twin.journal.wait_for(lambda e: e.kind == "connection" and e.event == "close")
        assert twin.voice.sessions  # resumable for a while, then over
        await clock.advance(twin.voice.gateway.resume_window)
        recording = await twin.voice.wait_for_end(seat.guild)
        assert recording.close_code == 4009
