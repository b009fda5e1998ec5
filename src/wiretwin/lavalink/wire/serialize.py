"""Every JSON shape the Lavalink twin sends, built in one place: one function per object.

Tracks (:func:`track_info_json`, :func:`plugin_info_json`, :func:`track_object_json`),
playlists, load results and their failures, the voice state, websocket ops (``ready``,
``playerUpdate``, ``stats``, ``event``), the Player and session objects of the REST API,
``/v4/info``, and Spring's error bodies. Shapes follow Lavalink's protocol module:
nullable keys are present as ``null``; ``pluginInfo`` and ``userData`` are always
serialized (since 4.0.2; :func:`track_json` shapes a track for an older emulated version).

The objects serialized here are plain data (:mod:`..tracks`, :mod:`..catalogue`,
:mod:`..playback`) and are only named for their types, so those modules may keep a
``to_json`` that delegates here without an import cycle.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...runtime.jsonio import compact
from ..errors import Op

if TYPE_CHECKING:
    from ..catalogue import LoadFailure, LoadResult, Playlist
    from ..playback import Player, VoiceState
    from ..tracks import LavaSrcFields, Track, TrackInfo

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


def track_info_json(info: TrackInfo) -> dict[str, Any]:
    """A track's ``info``, keys in Lavalink's order."""
    return {
        "identifier": info.identifier, "isSeekable": info.is_seekable,
        "author": info.author, "length": info.length, "isStream": info.is_stream,
        "position": info.position, "title": info.title, "uri": info.uri,
        "sourceName": info.source_name, "artworkUrl": info.artwork_url,
        "isrc": info.isrc,
    }


def plugin_info_json(extra: LavaSrcFields | None) -> dict[str, Any]:
    """A track's ``pluginInfo``: LavaSrc's fields for its sources, else empty."""
    if extra is None:
        return {}
    return {"albumName": extra.album_name, "albumUrl": extra.album_url,
            "artistUrl": extra.artist_url, "artistArtworkUrl": extra.artist_artwork_url,
            "previewUrl": extra.preview_url, "isPreview": extra.is_preview}


def track_object_json(track: Track) -> dict[str, Any]:
    """Lavalink's Track object as 4.0.2 and later send it (``pluginInfo`` and
    ``userData`` always present)."""
    return {"encoded": track.encoded, "info": track_info_json(track.info),
            "pluginInfo": plugin_info_json(track.lavasrc),
            "userData": dict(track.user_data)}


def track_json(track: Track | None, version: Version) -> dict[str, Any] | None:
    """A track (or ``null``) as the emulated version sends it."""
    if track is None:
        return None
    data = track_object_json(track)
    if not version.at_least(4, 0, 2):  # before 4.0.2 empty extras were left out
        for key in ("pluginInfo", "userData"):
            if not data[key]:
                del data[key]
    return data


def playlist_json(playlist: Playlist) -> dict[str, Any]:
    """A ``playlist`` load result's data (the URL it loads from is not part of it)."""
    return {"info": {"name": playlist.name, "selectedTrack": playlist.selected_track},
            "pluginInfo": {}, "tracks": [track_object_json(t) for t in playlist.tracks]}


def load_failure_json(failure: LoadFailure, *, stack_trace: bool) -> dict[str, Any]:
    """An ``error`` load result's data; ``causeStackTrace`` from 4.1.0."""
    data: dict[str, Any] = {"message": failure.message, "severity": failure.severity,
                            "cause": failure.cause}
    if stack_trace:
        data["causeStackTrace"] = f"{failure.cause}: {failure.message}\n"
    return data


def load_result_body(result: LoadResult, *, stack_trace: bool) -> dict[str, Any]:
    """A load result with every track in the 4.0.2+ shape (see :func:`load_result_json`
    for the emulated version's)."""
    data: Any
    if result.load_type == "track":
        data = track_object_json(result.data)
    elif result.load_type == "playlist":
        data = playlist_json(result.data)
    elif result.load_type == "search":
        data = [track_object_json(t) for t in result.data]
    elif result.load_type == "error":
        data = load_failure_json(result.data, stack_trace=stack_trace)
    else:
        data = None
    return {"loadType": result.load_type, "data": data}


def load_result_json(result: LoadResult, version: Version) -> dict[str, Any]:
    """``/v4/loadtracks``: the result, with ``causeStackTrace`` from 4.1.0 and its tracks
    shaped as :func:`track_json` shapes them for the emulated version."""
    body = load_result_body(result, stack_trace=version.at_least(4, 1, 0))
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


def voice_json(voice: VoiceState) -> dict[str, Any]:
    """A player's ``voice`` (``channelId`` since 4.2.0, null when not given)."""
    return {"token": voice.token, "endpoint": voice.endpoint, "sessionId": voice.session_id,
            "channelId": voice.channel_id}


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
        "voice": voice_json(player.voice),
        "filters": dict(player.filters),
    }


def session_json(resuming: bool, timeout: int) -> dict[str, Any]:
    """The REST Session object (``PATCH /v4/sessions/{id}`` answers with it)."""
    return {"resuming": resuming, "timeout": timeout}


def ready(session_id: str, resumed: bool) -> dict[str, Any]:
    return {"op": Op.READY, "resumed": resumed, "sessionId": session_id}


def player_update(player: Player, now_ms: int) -> dict[str, Any]:
    return {"op": Op.PLAYER_UPDATE, "guildId": player.guild_id,
            "state": player_state(player, now_ms)}


def player_update_text(player: Player, now_ms: int) -> str:
    """:func:`player_update` as the compact JSON text the twin sends (what
    :func:`~wiretwin.runtime.jsonio.compact` makes of it, byte for byte)."""
    return player_updates_text([player], now_ms)[0]


_UPDATE_HEAD = '{"op":"playerUpdate","guildId":"'
_CONNECTED = ',"connected":true,"ping":'
_DISCONNECTED = ',"connected":false,"ping":'


def player_updates_text(players: Iterable[Player], now_ms: int) -> list[str]:
    """:func:`player_update_text` of each of ``players``, written straight from the fixed
    shape (a node sends one per playing player every few seconds). A batch with a guild
    id that is not a snowflake's digits, or a player with a value of an unexpected type,
    goes the long way through :func:`~wiretwin.runtime.jsonio.compact`."""
    players = list(players)
    guilds = [player.guild_id for player in players]
    try:
        digits = "".join(guilds)
    except TypeError:
        digits = ""
    if type(now_ms) is not int or not (digits.isdigit() and digits.isascii()):
        return [compact(player_update(player, now_ms)) for player in players]
    middle = f'","state":{{"time":{now_ms},"position":'
    clock = players[0].clock
    now = clock.monotonic()  # one reading for all (they fell due together)
    out: list[str] = []
    add = out.append
    for player, guild in zip(players, guilds, strict=True):
        ping, connected = player.ping, player.voice_connected
        if type(ping) is int and type(connected) is bool:
            position = player.position_at(now) if player.clock is clock else player.position
            add(f"{_UPDATE_HEAD}{guild}{middle}{position}"
                f"{_CONNECTED if connected else _DISCONNECTED}{ping}}}}}")
        else:
            add(compact(player_update(player, now_ms)))
    return out


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
    "load_failure_json",
    "load_result_body",
    "load_result_json",
    "player_json",
    "player_state",
    "player_update",
    "playlist_json",
    "plugin_info_json",
    "ready",
    "session_json",
    "stats",
    "track_info_json",
    "track_json",
    "track_object_json",
    "voice_json",
]
