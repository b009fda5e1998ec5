"""The voice link's packets and pacing (pure): what the Discord twin's voice server opens,
and how many frames a stretch of the playback clock owes."""

from __future__ import annotations

import pytest

from wiretwin.discord.voice.rtp import decryptor, discovery_response, opus_samples, read_rtp
from wiretwin.lavalink.voice_media import (
    AES256_GCM,
    MAX_BURST,
    OPUS_FRAME,
    XCHACHA20,
    Pacer,
    RtpStream,
    choose_mode,
    discovery_request,
    read_discovery,
    sealer,
)


@pytest.mark.parametrize("mode", [AES256_GCM, XCHACHA20])
def test_packets_open_with_the_voice_servers_reader(mode: str) -> None:
    key = bytes(range(32))
    stream = RtpStream(1234, sealer(mode, key))
    opened = decryptor(mode, key)
    for expected in range(3):
        packet = read_rtp(stream.packet(OPUS_FRAME))
        assert (packet.sequence, packet.timestamp, packet.ssrc) == (
            expected, 960 * expected, 1234)
        assert packet.payload_type == 0x78 and opened(packet) == OPUS_FRAME
    assert opus_samples(OPUS_FRAME) == 960  # 20 ms, as the twin counts it


def test_the_counters_wrap() -> None:
    stream = RtpStream(1, sealer(AES256_GCM, bytes(32)), sequence=0xFFFF,
                       timestamp=0xFFFFFFFF - 100, counter=0xFFFFFFFF)
    stream.packet(OPUS_FRAME)
    assert (stream.sequence, stream.timestamp, stream.counter) == (0, 859, 0)


def test_discovery_round_trip() -> None:
    request = discovery_request(99)
    assert len(request) == 74 and request[:8] == bytes.fromhex("0001004600000063")
    assert read_discovery(discovery_response(99, "127.0.0.1", 50123), 99) == (
        "127.0.0.1", 50123)
    assert read_discovery(discovery_response(98, "127.0.0.1", 50123), 99) is None
    assert read_discovery(request, 99) is None  # a request is no answer
    assert read_discovery(b"\x81\xcb\x00\x01" + bytes(4), 99) is None  # an RTCP BYE


def test_modes_are_chosen_from_what_is_offered() -> None:
    assert choose_mode([XCHACHA20, AES256_GCM]) == AES256_GCM
    assert choose_mode([XCHACHA20]) == XCHACHA20
    assert choose_mode(["xsalsa20_poly1305"]) is None
    assert choose_mode("aead_aes256_gcm_rtpsize") is None


def test_the_pacer_owes_one_frame_per_20_ms_of_clock() -> None:
    pacer = Pacer()
    assert pacer.due(5.0) == 0  # not started
    pacer.start(10.0)
    assert pacer.due(10.019) == 0
    assert pacer.due(10.02) == 1
    assert pacer.due(10.02) == 0
    assert pacer.due(11.0) == 49
    # a timer set with next_frame fires a hair early and still counts that frame
    wait = pacer.next_frame(11.0)
    assert 0.0199 < wait < 0.02 and pacer.due(11.0 + wait) == 1
    assert pacer.due(11.0 + 60.0) == MAX_BURST  # a jump: at most a burst, the rest dropped
    assert pacer.dropped == 3000 - 1 - MAX_BURST
    pacer.stop()
    assert pacer.due(100.0) == 0 and not pacer.running
