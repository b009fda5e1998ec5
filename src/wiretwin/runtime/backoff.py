"""Delays between attempts to reach something that went away: exponential, bounded, with
jitter drawn from a seeded generator (so a run with the same seed waits the same).

Each delay is drawn between half and all of ``first * 2**attempt``, capped at ``most``:
processes that lost the same server together do not all come back in the same instant,
and none waits longer than ``most`` seconds between two attempts.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, first: float, most: float, rng: random.Random) -> None:
        if not 0 < first <= most:
            raise ValueError(f"reconnect delays: need 0 < first ({first}) <= most ({most})")
        self.first = first
        self.most = most
        self.rng = rng
        #: Attempts since the last :meth:`reset`.
        self.attempts = 0

    def next(self) -> float:
        """The delay before the next attempt, in seconds."""
        ceiling = min(self.most, self.first * 2.0 ** min(self.attempts, 60))
        self.attempts += 1
        return ceiling / 2 + self.rng.random() * ceiling / 2

    def reset(self) -> None:
        """The thing answered again: the next delay starts from ``first``."""
        self.attempts = 0


__all__ = ["Backoff"]
