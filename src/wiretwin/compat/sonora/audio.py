"""Sonora's filters (as Lavalink v4 ``filters`` payloads) and its autoplay engine."""

from __future__ import annotations

import random
from collections import deque
from typing import Any, Protocol

#: Lavalink's equalizer: 15 bands, gains from -0.25 (muted) to 1.0 (doubled).
BANDS = 15
_GAIN_RANGE = (-0.25, 1.0)
#: ``bass_boost(level)``: gains for the three lowest bands.
BASS_LEVELS = {"low": (0.1, 0.08, 0.04), "medium": (0.2, 0.15, 0.08),
               "high": (0.35, 0.25, 0.12)}


class Filter(Protocol):
    """Anything ``Filters.set_filter`` takes: a key in Lavalink's filters object."""

    key: str

    def payload(self) -> Any: ...


class Equalizer:
    """Lavalink's equalizer filter: ``set_band(band, gain)``, bands 0-14."""

    key = "equalizer"

    def __init__(self, gains: dict[int, float] | None = None) -> None:
        self.gains: dict[int, float] = {}
        for band, gain in (gains or {}).items():
            self.set_band(band, gain)

    def set_band(self, band: int, gain: float) -> Equalizer:
        if not 0 <= band < BANDS:
            raise ValueError(f"equalizer band {band} is not 0-{BANDS - 1}")
        low, high = _GAIN_RANGE
        if not low <= gain <= high:
            raise ValueError(f"equalizer gain {gain} is not between {low} and {high}")
        self.gains[band] = float(gain)
        return self

    def payload(self) -> list[dict[str, Any]]:
        return [{"band": b, "gain": g} for b, g in sorted(self.gains.items())]


class Timescale:
    """Lavalink's timescale filter (speed, pitch, rate; each above 0)."""

    key = "timescale"

    def __init__(self, speed: float = 1.0, pitch: float = 1.0, rate: float = 1.0) -> None:
        for name, value in (("speed", speed), ("pitch", pitch), ("rate", rate)):
            if value <= 0:
                raise ValueError(f"timescale {name} must be above 0, not {value}")
        self.speed, self.pitch, self.rate = speed, pitch, rate

    def payload(self) -> dict[str, float]:
        return {"speed": self.speed, "pitch": self.pitch, "rate": self.rate}


class Filters:
    """A player's filters, built up here and sent with ``await player.set_filters()``."""

    def __init__(self) -> None:
        self._filters: dict[str, Filter] = {}
        self.volume: float | None = None

    def set_filter(self, filter_: Filter) -> Filters:
        self._filters[filter_.key] = filter_
        return self

    def remove_filter(self, key: str) -> Filters:
        self._filters.pop(key, None)
        return self

    def reset(self) -> Filters:
        self._filters.clear()
        self.volume = None
        return self

    def bass_boost(self, level: str = "medium") -> Filters:
        """Raise the three lowest equalizer bands (``"low"``, ``"medium"``, ``"high"``)."""
        if level not in BASS_LEVELS:
            raise ValueError(f"bass boost level {level!r} is not one of {list(BASS_LEVELS)}")
        current = self._filters.get("equalizer")
        eq = current if isinstance(current, Equalizer) else Equalizer()
        for band, gain in enumerate(BASS_LEVELS[level]):
            eq.set_band(band, gain)
        return self.set_filter(eq)

    def nightcore(self, factor: float = 1.25) -> Filters:
        """Faster and higher: timescale speed and pitch at ``factor``."""
        return self.set_filter(Timescale(speed=factor, pitch=factor))

    def payload(self) -> dict[str, Any]:
        """The ``filters`` object of a Lavalink v4 player PATCH."""
        out: dict[str, Any] = {key: f.payload() for key, f in self._filters.items()}
        if self.volume is not None:
            out["volume"] = self.volume
        return out


class TrackLike(Protocol):
    @property
    def author(self) -> str: ...

    @property
    def identifier(self) -> str: ...


STRATEGIES = ("similar_artist", "random", "history")


class AutoplayEngine:
    """Picks what plays next when a guild's queue runs dry.

    ``configure({"enabled", "strategy", "max_history"})``; strategies:
    ``"similar_artist"`` (the current track's author), ``"random"`` (any candidate) and
    ``"history"`` (replays the least recent). Candidates come from the node's catalogue
    (``SonoraPlayer.autoplay_next`` searches it); what was played recently is skipped.
    """

    def __init__(self, guild_id: int, *, seed: int = 0) -> None:
        self.guild_id = guild_id
        self.enabled = False
        self.strategy = "similar_artist"
        self.max_history = 20
        self.history: deque[Any] = deque(maxlen=self.max_history)
        self._rng = random.Random(f"sonora-autoplay:{guild_id}:{seed}")

    def configure(self, options: dict[str, Any]) -> AutoplayEngine:
        unknown = set(options) - {"enabled", "strategy", "max_history"}
        if unknown:
            raise ValueError(f"unknown autoplay option(s): {', '.join(sorted(unknown))}")
        if "strategy" in options and options["strategy"] not in STRATEGIES:
            raise ValueError(f"autoplay strategy {options['strategy']!r} is not one of "
                             f"{list(STRATEGIES)}")
        self.enabled = bool(options.get("enabled", self.enabled))
        self.strategy = str(options.get("strategy", self.strategy))
        max_history = int(options.get("max_history", self.max_history))
        if max_history < 1:
            raise ValueError("max_history must be at least 1")
        if max_history != self.max_history:
            self.max_history = max_history
            self.history = deque(self.history, maxlen=max_history)
        return self

    def remember(self, track: Any) -> None:
        self.history.append(track)

    def query_for(self, current: TrackLike | None) -> str:
        """What to search the catalogue for (Lavalink's ``ytsearch:`` prefix)."""
        if self.strategy == "similar_artist" and current is not None:
            return f"ytsearch:{current.author}"
        return "ytsearch:autoplay"

    def choose(self, candidates: list[Any]) -> Any | None:
        """A candidate that was not played recently, by the strategy."""
        played = {getattr(t, "identifier", None) for t in self.history}
        fresh = [c for c in candidates if getattr(c, "identifier", None) not in played]
        if self.strategy == "history":
            return self.history[0] if self.history else (fresh[0] if fresh else None)
        if not fresh:
            return None
        return fresh[0] if self.strategy == "similar_artist" else self._rng.choice(fresh)


__all__ = ["BASS_LEVELS", "AutoplayEngine", "Equalizer", "Filter", "Filters", "Timescale"]
