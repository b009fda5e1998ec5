"""Discord's per-route rate limits on the twin's clock: which routes are bucketed, how a
request's bucket is named, and the ``X-RateLimit-*`` headers it answers with.

Discord (docs, "Rate Limits"): per-route limits "may include the HTTP method" and
"account for top-level resources within the path": channels (``channel_id``), guilds
(``guild_id``) and webhooks (``webhook_id``, or ``webhook_id + webhook_token``). So a
bucket here is one per method, route template and major parameters; the
``X-RateLimit-Bucket`` value names the route only ("non-inclusive of top-level
resources"). Interaction followups (``/webhooks/{application_id}/{token}``) are webhook
executions whose webhook id is the application's: each interaction token has its own
bucket, as hikari (major params ``webhook`` + ``token``), discord.js (major id
``/webhooks/{id}/{token}``) and discord.py (a lock per ``webhook_id, webhook_token``)
key them.

Routes Discord does not bucket answer without any ``X-RateLimit-*`` header and are not
limited (unless a test sets a limit on one, which then answers 429 with ``retry_after``
and still no bucket headers):

=========================================================  ==================================
route                                                      why it is not bucketed
=========================================================  ==================================
``POST /interactions/{interaction_id}/{token}/callback``   Discord's docs: "Interaction
                                                           endpoints are not bound to the
                                                           bot's Global Rate Limit"; hikari's
                                                           route table marks it
                                                           ``has_ratelimits=False`` and logs
                                                           an ERROR ("Received an unexpected
                                                           bucket header") when an answer
                                                           carries one; discord.js sends it
                                                           through its burst handler, which
                                                           keeps no bucket.
=========================================================  ==================================

(hikari also marks ``POST /oauth2/token`` and ``/oauth2/token/revoke`` unbucketed; the
twin does not model them.) Every other route keeps its bucket: the clients above expect
headers on them, and the followup routes above are bucketed per token.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...runtime.clock import Clock

#: (method, template) of the routes Discord answers without bucket headers (see above).
UNBUCKETED: frozenset[tuple[str, str]] = frozenset({
    ("POST", "/interactions/{interaction_id}/{token}/callback"),
})

#: Path parameters that make a route's major parameters (Discord's top-level resources).
#: A webhook's ``token`` is one too when it follows its id; ``application_id`` is one
#: only as the webhook id of interaction followups (``{application_id}/{token}``).
_MAJOR = re.compile(
    r"\{(channel_id|guild_id|webhook_id)\}(/\{token\})?|\{(application_id)\}(/\{token\})")

#: The ``X-RateLimit-*`` headers a bucketed answer carries.
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                      "X-RateLimit-Reset-After", "X-RateLimit-Bucket")


@functools.cache
def _major_names(template: str) -> tuple[str, ...]:
    """The path parameters of ``template`` that name its bucket, in order."""
    names: list[str] = []
    for match in _MAJOR.finditer(template):
        names.append(match.group(1) or match.group(3))
        if match.group(2) or match.group(4):
            names.append("token")
    return tuple(names)


def bucket_key(method: str, template: str, params: Mapping[str, str]) -> str:
    """``template|major ids|method``: one bucket per route (method and template) and
    major parameters, e.g. one per channel, or one per interaction token."""
    majors = ",".join(params.get(name, "") for name in _major_names(template))
    return f"{template}|{majors}|{method}"


@dataclass
class Bucket:
    limit: int
    reset_after: float
    remaining: int
    resets_at: float


@dataclass
class RateLimits:
    """Per-route buckets on the twin's clock (generous by default; tests tighten them)."""

    clock: Clock
    default_limit: int = 50
    default_reset_after: float = 1.0
    #: route template -> (limit, reset_after), e.g. set by ``set_rate_limit``.
    overrides: dict[str, tuple[int, float]] = field(default_factory=dict)
    buckets: dict[str, Bucket] = field(default_factory=dict)
    #: Buckets kept at most: past it, those whose window is over go (a client naming a
    #: new channel id in every request must not grow the twin without end), then, if
    #: still full, the oldest.
    max_buckets: int = 10_000
    #: (method, template) answered without bucket headers and not limited by default.
    unbucketed: frozenset[tuple[str, str]] = UNBUCKETED
    #: False: every route is as an unbucketed one (no headers, limited only by an
    #: override), for worlds that model no rate limits (dpytest's).
    enabled: bool = True

    def bucketed(self, method: str, template: str) -> bool:
        """Whether Discord answers this route with ``X-RateLimit-*`` headers."""
        return self.enabled and (method, template) not in self.unbucketed

    def hit(self, template: str, key: str, method: str = ""
            ) -> tuple[dict[str, str], float | None]:
        """Headers for this request, and ``retry_after`` when it is over the limit.

        ``key`` (see :func:`bucket_key`) names the bucket. An unbucketed route gets no
        headers and no limit, unless an override limits it (a test provoking a 429)."""
        bucketed = self.bucketed(method, template)
        if bucketed:
            limit, reset_after = self.overrides.get(
                template, (self.default_limit, self.default_reset_after))
        elif template in self.overrides:
            limit, reset_after = self.overrides[template]
        else:
            return {}, None
        now = self.clock.time()
        bucket = self.buckets.get(key)
        if bucket is None or now >= bucket.resets_at or bucket.limit != limit:
            if bucket is None and len(self.buckets) >= self.max_buckets:
                self._prune(now)
            bucket = self.buckets[key] = Bucket(limit, reset_after, limit, now + reset_after)
        retry: float | None = None
        if bucket.remaining <= 0:
            retry = max(0.001, bucket.resets_at - now)
        else:
            bucket.remaining -= 1
        if not bucketed:
            return {}, retry
        bucket_id = f"{zlib.crc32(f'{method} {template}'.encode()):08x}"  # stable
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(bucket.remaining),
            "X-RateLimit-Reset": f"{bucket.resets_at:.3f}",
            "X-RateLimit-Reset-After": f"{max(0.0, bucket.resets_at - now):.3f}",
            "X-RateLimit-Bucket": bucket_id,
        }
        return headers, retry

    def _prune(self, now: float) -> None:
        for key in [k for k, b in self.buckets.items() if now >= b.resets_at]:
            del self.buckets[key]
        while len(self.buckets) >= self.max_buckets:
            del self.buckets[next(iter(self.buckets))]


__all__ = ["RATE_LIMIT_HEADERS", "UNBUCKETED", "Bucket", "RateLimits", "bucket_key"]
