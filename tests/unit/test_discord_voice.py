"""The voice server's pure parts: packets, Opus lengths, payload readers, bounded
recordings."""

from __future__ import annotations

import pytest

from wiretwin.discord.protocol.frames import Closed
from wiretwin.discord.voice import frames as F
from wiretwin.discord.voice.codes import AES256_GCM, XCHACHA20
from wiretwin.discord.voice.recording import RecordingLimits, VoiceRecording
from wiretwin.discord.voice.rtp import (
    SILENCE,
    PacketError,
    decryptor,
    discovery_response,
    encryptor,
    opus_samples,
    read_discovery,
    read_rtp,
    rtcp_bye,
    rtp_header,
)


def test_ip_discovery_round_trip() -> None:
    request = (1).to_bytes(2) + (70).to_bytes(2) + (1234).to_bytes(4) + bytes(66)
    found = read_discovery(request)
    assert found is not None and found.ssrc == 1234
    answer = discovery_response(1234, "127.0.0.1", 50000)
    assert len(answer) == 74 and answer[:8] == b"\x00\x02\x00\x46\x00\x00\x04\xd2"
    assert answer[8:18] == b"127.0.0.1\x00" and answer[-2:] == (50000).to_bytes(2)
    assert read_discovery(answer) is None and read_discovery(request[:73]) is None


@pytest.mark.parametrize("mode", [AES256_GCM, XCHACHA20])
def test_sealed_packets_open_with_their_key_only(mode: str) -> None:
    key, frame = bytes(range(32)), b"\xfc" + b"opus" * 10
    packet = encryptor(mode, key)(rtp_header(7, 6720, 99), frame, 3)
    parsed = read_rtp(packet)
    assert (parsed.sequence, parsed.timestamp, parsed.ssrc) == (7, 6720, 99)
    assert parsed.payload_type == 0x78 and parsed.nonce == (3).to_bytes(4)
    assert decryptor(mode, key)(parsed) == frame
    with pytest.raises(Exception):  # noqa: B017,PT011 (each library has its own error)
        decryptor(mode, bytes(32))(parsed)


def test_rtp_that_cannot_be_rtp() -> None:
    with pytest.raises(PacketError):
        read_rtp(b"\x80\x78")
    with pytest.raises(PacketError):
        read_rtp(b"\x40" + bytes(40))  # version 1
    with pytest.raises(PacketError):
        read_rtp(rtp_header(1, 1, 1) + bytes(8))  # no room for a tag
    assert rtcp_bye(5) == b"\x81\xcb\x00\x01\x00\x00\x00\x05"


@pytest.mark.parametrize(("frame", "samples"), [
    (SILENCE, 960), (b"\xfc\x00", 960), (b"\x78", 960), (b"\x08", 960),
    (b"\x18", 2880), (b"\xfd\x00", 1920), (b"\xe3\x03", 360), (b"\xfb", 0), (b"", 0),
])
def test_opus_lengths_come_from_the_toc_byte(frame: bytes, samples: int) -> None:
    assert opus_samples(frame) == samples


def test_payload_readers() -> None:
    with pytest.raises(Closed) as bad:
        F.payload([1])
    assert bad.value.code == 4002
    assert F.heartbeat(5).nonce == 5
    assert F.heartbeat({"t": 1, "seq_ack": 3}).seq_ack == 3
    with pytest.raises(Closed) as bad:
        F.heartbeat({"t": "1"})
    assert bad.value.code == 4020
    assert F.speaking({"speaking": True, "ssrc": 1}).speaking == 1
    assert F.identify({"server_id": 1, "user_id": "2", "session_id": "s", "token": "t"}
                      ).max_dave_protocol_version == 0
    with pytest.raises(Closed) as bad:
        F.select_protocol({"protocol": "udp", "data": {"address": "a", "port": 0,
                                                       "mode": XCHACHA20}})
    assert bad.value.code == 4020


def test_a_recording_keeps_counts_whole_and_frames_bounded() -> None:
    rec = VoiceRecording(1, 2, 3, 4, RecordingLimits(frames=10, frame_bytes=1000,
                                                     speaking_changes=2))
    for n in range(100):
        rec.frame(b"\xfc" + bytes([n]) * 10)
    for flags in (1, 0, 1):
        rec.speak(0.0, flags, 4)
    rec.frame(SILENCE)
    assert rec.frames == 101 and rec.seconds == pytest.approx(2.0)
    assert rec.silence_frames == 1 and rec.trailing_silence == 1
    assert len(rec.opus) == 10 and rec.opus_dropped == 91 and rec.opus[-1] == SILENCE
    assert [int(c.speaking) for c in rec.speaking_changes] == [0, 1]
    assert rec.unannounced == 100  # audio before any speaking update
