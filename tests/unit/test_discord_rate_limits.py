"""The Discord REST rate-limit buckets stay bounded however many ids clients name."""

from __future__ import annotations

from wiretwin.discord.http.app import RateLimits
from wiretwin.runtime.clock import VirtualClock


async def test_buckets_past_the_cap_drop_expired_windows_then_the_oldest() -> None:
    clock = VirtualClock(start=1000.0)
    limits = RateLimits(clock, max_buckets=3)
    for channel in ("a", "b", "c"):
        limits.hit("/channels/{channel_id}", f"t|{channel}|GET", "GET")
    await clock.advance(0.5)
    limits.hit("/channels/{channel_id}", "t|b|GET", "GET")  # still in its window
    limits.hit("/channels/{channel_id}", "t|d|GET", "GET")  # full: the oldest goes
    assert list(limits.buckets) == ["t|b|GET", "t|c|GET", "t|d|GET"]
    await clock.advance(1.0)  # every window is over: all go to make room
    limits.hit("/channels/{channel_id}", "t|e|GET", "GET")
    assert list(limits.buckets) == ["t|e|GET"]
    headers, retry = limits.hit("/channels/{channel_id}", "t|e|GET", "GET")
    assert (headers["X-RateLimit-Remaining"], retry) == ("48", None)
