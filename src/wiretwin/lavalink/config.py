"""The Lavalink node's settings (its ``application.yml``, and the twin's bounds), and
their JSON form in snapshots and worlds (``[lavalink.config]``).

Kept apart from the model so the snapshot, the twin and the model read one definition,
and a world file's unknown setting is refused by name.
"""

from __future__ import annotations

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
    if "disabled_filters" in values:
        values["disabled_filters"] = frozenset(values["disabled_filters"])
    if "source_managers" in values:
        values["source_managers"] = tuple(values["source_managers"])
    if "plugins" in values:
        values["plugins"] = tuple(tuple(p) for p in values["plugins"])
    return LavalinkConfig(**values)


__all__ = ["LavalinkConfig", "config_from_json", "config_to_json"]
