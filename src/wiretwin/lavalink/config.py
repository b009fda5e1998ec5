"""The Lavalink node's settings (its ``application.yml``, and the twin's bounds), and
their JSON form in snapshots and worlds (``[lavalink.config]``).

Kept apart from the model so the snapshot, the twin and the model read one definition,
and a world file's unknown setting is refused by name. A value of the wrong type or out
of range is refused when the config is built (``ValueError``), so a world file or a
snapshot restored over ``PUT /_wiretwin/snapshot`` cannot leave the node with an
interval of 0 (a timer due again the instant it fires: the clock would never get past
it) or a bound it cannot compare with.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from .catalogue import DEFAULT_MAX_GENERATED, SOURCE_MANAGERS


@dataclass
class LavalinkConfig:
    password: str = "youshallnotpass"
    version: str = "4.2.2"
    #: Seconds between ``playerUpdate`` frames while a track is loaded.
    player_update_interval: float = 5.0
    #: Seconds between ``stats`` frames (the first comes at connect).
    stats_interval: float = 60.0
    #: Seconds a track may go unpolled (no voice) before it ends with ``cleanup``.
    cleanup_threshold: float = 60.0
    #: ``thresholdMs`` reported by TrackStuckEvent.
    stuck_threshold_ms: int = 10_000
    disabled_filters: frozenset[str] = frozenset()
    source_managers: tuple[str, ...] = SOURCE_MANAGERS
    plugins: tuple[tuple[str, str], ...] = (("lavasrc-plugin", "4.3.0"),)
    # -- bounds on what clients can make the twin hold (a real node is bounded only by
    # its heap; past these the twin answers as a node out of heap would, or closes) --
    #: Largest websocket message read; past it the socket closes 1009, as Undertow does
    #: when a limit is set (Lavalink sets none, and ignores every message anyway).
    max_frame_bytes: int = 1024 * 1024
    #: Largest REST request body; past it 413.
    max_body_bytes: int = 4 * 1024 * 1024
    #: Players one session may hold; a PATCH making one more answers 500
    #: ``java.lang.OutOfMemoryError``.
    max_players_per_session: int = 10_000
    #: Resumable sessions kept paused at once; past it the longest-paused one ends.
    max_paused_sessions: int = 100
    #: Messages queued for a paused session; past it the oldest are dropped.
    max_resume_queue: int = 10_000
    #: Generated search results the catalogue keeps (least recently used go first;
    #: the same query generates the same tracks again).
    max_generated_searches: int = DEFAULT_MAX_GENERATED

    def __post_init__(self) -> None:
        for name in ("password", "version"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"Lavalink setting {name} is a string")
        for name in ("player_update_interval", "stats_interval"):
            _seconds(name, getattr(self, name), MIN_INTERVAL)
        _seconds("cleanup_threshold", self.cleanup_threshold, 0.0)
        for name in ("stuck_threshold_ms", "max_frame_bytes", "max_body_bytes",
                     "max_players_per_session", "max_paused_sessions", "max_resume_queue",
                     "max_generated_searches"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Lavalink setting {name} is a whole number from 0, "
                                 f"not {_show(value)}")
        if not all(isinstance(f, str) for f in self.disabled_filters):
            raise ValueError("Lavalink setting disabled_filters is a list of filter names")
        if not all(isinstance(m, str) for m in self.source_managers):
            raise ValueError("Lavalink setting source_managers is a list of names")
        if not all(isinstance(p, tuple) and len(p) == 2 and all(isinstance(x, str) for x in p)
                   for p in self.plugins):
            raise ValueError("Lavalink setting plugins is a list of [name, version] pairs")


#: The shortest ``player_update_interval`` and ``stats_interval``, in seconds (Lavalink
#: itself takes whole seconds; shorter ones make tests on the real clock quicker).
MIN_INTERVAL = 0.01


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _seconds(name: str, value: Any, least: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(
            value) or value < least:
        raise ValueError(f"Lavalink setting {name} is a number of seconds from {least:g}, "
                         f"not {_show(value)}")



def config_to_json(config: LavalinkConfig) -> dict[str, Any]:
    data = asdict(config)
    data["disabled_filters"] = sorted(config.disabled_filters)
    data["source_managers"] = list(config.source_managers)
    data["plugins"] = [list(p) for p in config.plugins]
    return data


def config_from_json(data: dict[str, Any]) -> LavalinkConfig:
    known = {f.name for f in fields(LavalinkConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown Lavalink setting(s): {', '.join(unknown)}")
    values = dict(data)
    for name in ("disabled_filters", "source_managers", "plugins"):
        if name in values and not isinstance(values[name], list | tuple):
            raise ValueError(f"Lavalink setting {name} is a list")
    if "disabled_filters" in values:
        if not all(isinstance(f, str) for f in values["disabled_filters"]):
            raise ValueError("Lavalink setting disabled_filters is a list of filter names")
        values["disabled_filters"] = frozenset(values["disabled_filters"])
    if "source_managers" in values:
        values["source_managers"] = tuple(values["source_managers"])
    if "plugins" in values:
        values["plugins"] = tuple(tuple(p) if isinstance(p, list | tuple) else p
                                  for p in values["plugins"])
    return LavalinkConfig(**values)


__all__ = ["MIN_INTERVAL", "LavalinkConfig", "config_from_json", "config_to_json"]
