"""The Discord REST rate-limit table: which routes Discord buckets (and the headers they
carry), how a request names its bucket, and that buckets stay bounded however many ids
clients name."""

from __future__ import annotations

from wiretwin.discord.http.ratelimits import (
    RATE_LIMIT_HEADERS,
    UNBUCKETED,
    RateLimits,
    bucket_key,
)
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


CALLBACK = "/interactions/{interaction_id}/{token}/callback"
FOLLOWUP = "/webhooks/{application_id}/{token}"


def test_only_interaction_callbacks_are_unbucketed() -> None:
    assert set(UNBUCKETED) == {("POST", CALLBACK)}
    limits = RateLimits(VirtualClock(start=1000.0))
    assert not limits.bucketed("POST", CALLBACK)
    for method, template in [("POST", "/channels/{channel_id}/messages"),
                             ("POST", FOLLOWUP), ("PATCH", FOLLOWUP + "/messages/@original"),
                             ("POST", "/webhooks/{webhook_id}/{token}"),
                             ("GET", "/users/@me")]:
        assert limits.bucketed(method, template), (method, template)


def test_a_callback_gets_no_headers_and_no_limit() -> None:
    limits = RateLimits(VirtualClock(start=1000.0), default_limit=2)
    for n in range(120):
        key = bucket_key("POST", CALLBACK, {"interaction_id": str(n), "token": "t"})
        assert limits.hit(CALLBACK, key, "POST") == ({}, None)
    assert limits.buckets == {}  # nothing kept per callback


def test_a_limit_set_on_a_callback_answers_429_without_bucket_headers() -> None:
    limits = RateLimits(VirtualClock(start=1000.0))
    limits.overrides[CALLBACK] = (1, 5.0)
    key = bucket_key("POST", CALLBACK, {"interaction_id": "1", "token": "t"})
    assert limits.hit(CALLBACK, key, "POST") == ({}, None)
    assert limits.hit(CALLBACK, key, "POST") == ({}, 5.0)


def test_bucketed_routes_carry_every_header() -> None:
    limits = RateLimits(VirtualClock(start=1000.0))
    template = "/channels/{channel_id}/messages"
    headers, retry = limits.hit(template, bucket_key("POST", template, {"channel_id": "9"}),
                                "POST")
    assert retry is None and set(headers) == set(RATE_LIMIT_HEADERS)
    assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"],
            headers["X-RateLimit-Reset"], headers["X-RateLimit-Reset-After"]) == (
        "50", "49", "1001.000", "1.000")


def test_bucket_keys_follow_discords_top_level_resources() -> None:
    # Channels, guilds, and webhooks (id, or id + token): followups are webhook executions
    # whose id is the application's, so each interaction token has its own bucket.
    assert bucket_key("GET", "/channels/{channel_id}/messages/{message_id}",
                      {"channel_id": "1", "message_id": "2"}) == (
        "/channels/{channel_id}/messages/{message_id}|1|GET")
    assert bucket_key("POST", FOLLOWUP, {"application_id": "5", "token": "abc"}) == (
        f"{FOLLOWUP}|5,abc|POST")
    assert bucket_key("PATCH", "/webhooks/{webhook_id}/{token}",
                      {"webhook_id": "7", "token": "x"}) == (
        "/webhooks/{webhook_id}/{token}|7,x|PATCH")
    assert bucket_key("GET", "/webhooks/{webhook_id}", {"webhook_id": "7"}) == (
        "/webhooks/{webhook_id}|7|GET")
    # The application id is no top-level resource of the command routes.
    assert bucket_key("PUT", "/applications/{application_id}/guilds/{guild_id}/commands",
                      {"application_id": "5", "guild_id": "3"}) == (
        "/applications/{application_id}/guilds/{guild_id}/commands|3|PUT")


def test_followups_of_different_interactions_do_not_share_a_bucket() -> None:
    limits = RateLimits(VirtualClock(start=1000.0), default_limit=1)
    first = bucket_key("POST", FOLLOWUP, {"application_id": "5", "token": "a"})
    second = bucket_key("POST", FOLLOWUP, {"application_id": "5", "token": "b"})
    assert limits.hit(FOLLOWUP, first, "POST")[1] is None
    assert limits.hit(FOLLOWUP, first, "POST")[1] == 1.0
    headers, retry = limits.hit(FOLLOWUP, second, "POST")
    assert retry is None and headers["X-RateLimit-Remaining"] == "0"


def test_a_twin_without_rate_limits_sends_no_headers_and_limits_only_overrides() -> None:
    limits = RateLimits(VirtualClock(start=1000.0), enabled=False)
    route, key = "/channels/{channel_id}/messages", "t|1|POST"
    assert not limits.bucketed("POST", route)
    assert all(limits.hit(route, key, "POST") == ({}, None) for _ in range(200))
    limits.overrides[route] = (1, 5.0)  # a test provoking a 429 still can
    assert limits.hit(route, "t|2|POST", "POST") == ({}, None)
    headers, retry = limits.hit(route, "t|2|POST", "POST")
    assert headers == {} and retry == 5.0
