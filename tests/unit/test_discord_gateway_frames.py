"""The gateway's payload readers and replay bounds, without a server.

The close code each bad payload gets, end to end, is tested in
tests/e2e/discord/test_gateway_raw.py; these pin what the readers make of the payloads
they accept, and how the replay buffer and the paused log forget.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from wiretwin.discord.protocol import frames as F
from wiretwin.discord.protocol.replay import (
    GatewayLimits,
    Missed,
    PausedLog,
    ReplayBuffer,
    dispatch_text,
    json_text,
)


@pytest.mark.parametrize(("value", "expected"), [
    (0, 0), (123, 123), ("123", 123), ((1 << 64) - 1, (1 << 64) - 1),
    (str((1 << 64) - 1), (1 << 64) - 1),
    (1 << 64, None), (str(1 << 64), None), (-1, None), ("-1", None), ("", None),
    ("12a", None), (" 12", None), ("\u0661\u0662", None), ("\u00b2", None),
    ("1" * 21, None), (1.0, None), (True, None), (None, None), ([1], None), ({}, None),
])
def test_snowflakes_are_integers_or_ascii_digit_strings(value: Any,
                                                        expected: int | None) -> None:
    assert F.snowflake(value) == expected


def test_identify_keeps_large_threshold_within_discords_range() -> None:
    base = {"token": "t", "properties": {}, "intents": 1}
    assert F.identify(base).large_threshold == 50
    assert F.identify({**base, "large_threshold": 10}).large_threshold == 50
    assert F.identify({**base, "large_threshold": 900}).large_threshold == 250
    assert F.identify({**base, "large_threshold": None, "compress": None}).compress is False
    assert F.identify({**base, "compress": True}).compress is True


def test_intents_and_shards() -> None:
    assert F.intents(513, known=0xFFFF) == 513
    for bad in (None, "513", True, -1, 1 << 20):
        with pytest.raises(F.Closed) as refused:
            F.intents(bad, known=0xFFFF)
        assert refused.value.code == 4013
    assert F.shard(None) is None
    assert F.shard([1, 3]) == (1, 3)
    shards: list[Any] = [[3, 3], [0, 0], [-1, 2], [0], "0,1", [0, 1.0], [True, 2]]
    for shard in shards:
        with pytest.raises(F.Closed) as refused:
            F.shard(shard)
        assert refused.value.code == 4010


def test_member_requests_read_as_discord_reads_them() -> None:
    request = F.request_members({"guild_id": ["5", "6"], "user_ids": ["1", 2, "1"],
                                 "nonce": "abc", "presences": True})
    assert (request.guild_id, request.user_ids, request.nonce, request.presences) == (
        5, (1, 2), "abc", True)
    assert not request.whole_list
    single = F.request_members({"guild_id": 5, "user_ids": "7"})
    assert single.user_ids == (7,)
    many = F.request_members({"guild_id": 5, "user_ids": [str(n) for n in range(1, 151)]})
    assert many.user_ids == tuple(range(1, 101))
    everyone = F.request_members({"guild_id": "5", "query": "", "limit": 0})
    assert everyone.whole_list and everyone.user_ids is None
    assert not F.request_members({"guild_id": "5", "query": "", "limit": 3}).whole_list
    # The documented nonce rule: a string of at most 32 bytes, else left out.
    for nonce, kept in (("x" * 32, "x" * 32), ("x" * 33, None), ("é" * 16, "é" * 16),
                        ("é" * 17, None), (7, None), (None, None)):
        assert F.request_members({"guild_id": 5, "user_ids": [1],
                                  "nonce": nonce}).nonce == kept


def test_presence_takes_the_clients_shapes() -> None:
    F.presence({"activities": [], "afk": False, "since": 0.0, "status": "online"})
    F.presence({"since": None, "afk": False, "game": None, "status": "invisible"})
    F.presence({"since": 5, "game": {"name": "x", "type": 1, "url": None},
                "status": "dnd"})
    with pytest.raises(F.Closed) as refused:
        F.presence({"since": None, "status": "online"})
    assert (refused.value.code, refused.value.detail) == (4001, "d.activities is missing")


def _limits(events: int = 100, size: int = 1000) -> GatewayLimits:
    return GatewayLimits(replay_events=events, replay_bytes=size)


def test_the_replay_buffer_forgets_oldest_first_by_count_and_by_bytes() -> None:
    buffer = ReplayBuffer(_limits(events=3))
    for seq in range(1, 6):
        buffer.append(seq, "E", {}, 10)
    assert [s for s, _, _ in buffer.after(0)] == [3, 4, 5]
    assert buffer.dropped_through == 2
    assert buffer.can_replay(2) and not buffer.can_replay(1)
    sized = ReplayBuffer(_limits(size=100))
    for seq, size in enumerate((40, 40, 40, 150), start=1):
        sized.append(seq, "E", {}, size)
    # The 150-byte dispatch alone is over the limit: nothing is held, nothing replayable
    # but from the newest seq.
    assert (list(sized.after(0)), sized.bytes, sized.dropped_through) == ([], 0, 4)
    assert sized.can_replay(4) and not sized.can_replay(3)


def test_the_paused_log_keeps_positions_and_forgets() -> None:
    log = PausedLog(_limits(events=3))
    never = Missed(lambda session: None, 1)
    start = log.end
    for _ in range(2):
        log.append(never)
    assert log.since(start) == [never, never]
    assert log.since(start + 2) == []
    for _ in range(2):
        log.append(never)  # 4 appended, 3 kept
    assert log.since(start) is None
    assert log.since(start + 1) == [never] * 3
    log.forget_before(start + 3)
    assert (log.start, len(log.entries), log.bytes) == (start + 3, 1, 1)
    log.forget_before(log.end)
    assert (log.since(log.end), log.bytes) == ([], 0)


@pytest.mark.parametrize("data", [
    {}, {"content": "caf\u00e9 \u2028 \"quoted\" \\ \U0001f600", "n": -3, "x": 2.5},
    {"nested": [None, True, False, {"id": "1"}], "empty": []},
])
def test_a_dispatch_encoded_from_its_body_is_the_frame_encoded_whole(
        data: dict[str, Any]) -> None:
    for event, seq in (("MESSAGE_CREATE", 1), ("GUILD_CREATE", 10**12)):
        whole = json.dumps({"op": 0, "t": event, "s": seq, "d": data}, separators=(",", ":"))
        assert dispatch_text(event, seq, json_text(data)) == whole
