"""Every JSON shape the Lavalink twin sends, built in one place.

Websocket ops (``ready``, ``playerUpdate``, ``stats``, ``event``), the Player and session
objects of the REST API, load results, ``/v4/info``, and Spring's error bodies. Shapes
follow Lavalink's protocol module: nullable keys are present as ``null``; ``pluginInfo``
and ``userData`` are always serialized (since 4.0.2).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..catalogue import LoadResult
from ..errors import Op
from ..playback import Player
from ..tracks import Track

#: Lavalink's ten built-in filters, in /v4/info order.
BUILTIN_FILTERS = ("volume", "equalizer", "karaoke", "timescale", "tremolo", "vibrato",
                   "distortion", "rotation", "channelMix", "lowPass")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    pre_release: str | None = None

    @classmethod
    def parse(cls, text: str) -> Version:
        core, _, pre = text.partition("-")
        parts = core.split(".")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise ValueError(f"a Lavalink version looks like 4.2.2, not {text!r}")
        return cls(int(parts[0]), int(parts[1]), int(parts[2]), pre or None)

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{self.pre_release}" if self.pre_release else core

    def at_least(self, major: int, minor: int, patch: int = 0) -> bool:
        return (self.major, self.minor, self.patch) >= (major, minor, patch)


def track_json(track: Track | None, version: Version) -> dict[str, Any] | None:
    if track is None:
        return None
    data = track.to_json()
    if not version.at_least(4, 0, 2):  # before 4.0.2 empty extras were left out
        for key in ("pluginInfo", "userData"):
            if not data[key]:
                del data[key]
    return data


def load_result_json(result: LoadResult, version: Version) -> dict[str, Any]:
    """``/v4/loadtracks``: the result, with ``causeStackTrace`` from 4.1.0 and its tracks
    shaped as :func:`track_json` shapes them for the emulated version."""
    body = result.to_json(stack_trace=version.at_least(4, 1, 0))
    if result.load_type in ("track", "playlist", "search"):
        body["data"] = _versioned_tracks(body["data"], version)
    return body


def _versioned_tracks(data: Any, version: Version) -> Any:
    """Apply the emulated version's serialization to the tracks inside a load result."""
    if version.at_least(4, 0, 2):
        return data

    def strip(track: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in track.items() if k not in ("pluginInfo", "userData") or v}

    if isinstance(data, list):
        return [strip(t) for t in data]
    if isinstance(data, dict) and "tracks" in data:
        return {**data, "tracks": [strip(t) for t in data["tracks"]]}
    return strip(data)


def player_state(player: Player, now_ms: int) -> dict[str, Any]:
    return {"time": now_ms, "position": player.position,
            "connected": player.voice_connected, "ping": player.ping}


def player_json(player: Player, now_ms: int, version: Version) -> dict[str, Any]:
    return {
        "guildId": player.guild_id,
        "track": track_json(player.current(), version),
        "volume": player.volume,
        "paused": player.paused,
        "state": player_state(player, now_ms),
        "voice": player.voice.to_json(),
        "filters": dict(player.filters),
    }


def ready(session_id: str, resumed: bool) -> dict[str, Any]:
    return {"op": Op.READY, "resumed": resumed, "sessionId": session_id}


def player_update(player: Player, now_ms: int) -> dict[str, Any]:
    return {"op": Op.PLAYER_UPDATE, "guildId": player.guild_id,
            "state": player_state(player, now_ms)}


def event(kind: str, guild_id: str, **fields: Any) -> dict[str, Any]:
    return {"op": Op.EVENT, "type": kind, "guildId": guild_id, **fields}


def exception_json(message: str | None, severity: str, cause: str,
                   version: Version) -> dict[str, Any]:
    data: dict[str, Any] = {"message": message, "severity": severity, "cause": cause}
    if version.at_least(4, 1, 0):
        data["causeStackTrace"] = f"{cause}: {message}\n\tat wiretwin.lavalink (twin)\n"
    return data


def stats(players: int, playing: int, uptime_ms: int, *, websocket: bool) -> dict[str, Any]:
    """``stats``: counts over every session; ``frameStats`` only on the websocket (null when
    nobody plays, as on Lavalink)."""
    cores = os.cpu_count() or 1
    allocated = 268_435_456
    used = 67_108_864 + players * 1_048_576
    out: dict[str, Any] = {
        "players": players, "playingPlayers": playing, "uptime": uptime_ms,
        "memory": {"free": allocated - used, "used": used, "allocated": allocated,
                   "reservable": 4_294_967_296},
        "cpu": {"cores": cores, "systemLoad": 0.05, "lavalinkLoad": 0.01},
    }
    if websocket:
        out = {"op": Op.STATS, **out,
               "frameStats": {"sent": 3000, "nulled": 0, "deficit": 0} if playing else None}
    return out


def info(version: Version, sources: tuple[str, ...], filters: tuple[str, ...],
         plugins: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "version": {"semver": str(version), "major": version.major, "minor": version.minor,
                    "patch": version.patch, "preRelease": version.pre_release,
                    "build": None},
        "buildTime": 1_700_000_000_000,
        "git": {"branch": "wiretwin", "commit": "0000000", "commitTime": 1_700_000_000_000},
        "jvm": "wiretwin (no JVM)",
        "lavaplayer": "2.2.4",
        "sourceManagers": list(sources),
        "filters": list(filters),
        "plugins": plugins,
    }


def error_body(status: int, reason: str, message: str, path: str, now_ms: int,
               trace: str | None) -> dict[str, Any]:
    """Spring Boot's default error object, keys in its order (``trace``, the start of the
    Java stack trace, only when asked for)."""
    body: dict[str, Any] = {"timestamp": now_ms, "status": status, "error": reason}
    if trace is not None:
        body["trace"] = trace
    body["message"] = message
    body["path"] = path
    return body


def error_page(now_ms: int) -> dict[str, Any]:
    """Spring Boot's ``/error`` asked for directly: no error to describe (status 999)."""
    return {"timestamp": now_ms, "status": 999, "error": "None",
            "message": "No message available"}


__all__ = [
    "BUILTIN_FILTERS",
    "Version",
    "error_body",
    "error_page",
    "event",
    "exception_json",
    "info",
    "load_result_json",
    "player_json",
    "player_state",
    "player_update",
    "ready",
    "stats",
    "track_json",
]
