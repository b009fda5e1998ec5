"""Delays between attempts to reach Redis again: doubling, capped, jittered by a seed."""

from __future__ import annotations

import random

import pytest

from wiretwin.runtime.backoff import Backoff


def test_delays_double_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    backoff = Backoff(0.1, 1.0, random.Random(3))
    delays = [backoff.next() for _ in range(8)]
    for delay, ceiling in zip(delays, [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0], strict=True):
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(delays)) == 8  # jittered
    backoff.reset()
    assert backoff.next() <= 0.1


def test_the_same_seed_waits_the_same() -> None:
    def delays(seed: str) -> list[float]:
        backoff = Backoff(0.5, 30.0, random.Random(seed))
        return [backoff.next() for _ in range(100)]

    assert delays("0/a") == delays("0/a")
    assert delays("0/a") != delays("0/b")
    assert max(delays("0/a")) <= 30.0


def test_delays_must_make_sense() -> None:
    with pytest.raises(ValueError, match="first"):
        Backoff(2.0, 1.0, random.Random(0))
    with pytest.raises(ValueError, match="first"):
        Backoff(0.0, 1.0, random.Random(0))
