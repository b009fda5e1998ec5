"""Snowflake ids, made the way Discord makes them (time, worker, process, increment).

Ids come from the twin's clock, so they sort by creation time and a virtual clock gives
repeatable ids; serialized as strings everywhere, as Discord does.
"""

from __future__ import annotations

from ..runtime.clock import Clock

DISCORD_EPOCH_MS = 1_420_070_400_000


def snowflake_time_ms(snowflake: int) -> int:
    return (snowflake >> 22) + DISCORD_EPOCH_MS


class Snowflakes:
    def __init__(self, clock: Clock, worker: int = 1, process: int = 0) -> None:
        self._clock = clock
        self._prefix = (worker & 0x1F) << 17 | (process & 0x1F) << 12
        self._last = 0
        #: Ids chosen by a test (``reserve``): never made here.
        self._reserved: set[int] = set()
        #: The id the next call hands out instead of making one (``hand_out``).
        self._handed: int | None = None

    def next(self) -> int:
        if self._handed is not None:
            chosen, self._handed = self._handed, None
            return chosen
        ms = int(self._clock.time() * 1000) - DISCORD_EPOCH_MS
        candidate = max(ms, 0) << 22 | self._prefix
        # Same millisecond (or a clock standing still): the increment takes over.
        snowflake = max(candidate, self._last + 1)
        while snowflake in self._reserved:
            snowflake += 1
        self._last = snowflake
        return snowflake

    def hand_out(self, chosen: int | None) -> None:
        """The next :meth:`next` returns ``chosen`` (None: made ids again); reserve it too
        so that no later id repeats it."""
        self._handed = chosen
        if chosen is not None:
            self.reserve(chosen)

    def reserve(self, chosen: int) -> None:
        """An id a test chose for something: :meth:`next` never hands it out."""
        self._reserved.add(chosen)

    def follow(self, highest: int) -> None:
        """Make every id from now on sort after ``highest`` (ids restored from a snapshot
        whose clock ran ahead of this one)."""
        self._last = max(self._last, highest)


__all__ = ["DISCORD_EPOCH_MS", "Snowflakes", "snowflake_time_ms"]
