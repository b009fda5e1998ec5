"""The Lavalink twin's state as plain JSON, and back.

A snapshot holds the node's settings (version, password, intervals...), its catalogue
(tracks by their encoded form, playlists, registered searches and failures) and every
player of every session (track, position, paused, volume, filters, end time)::

    {"format": 1, "config": {...},
     "catalogue": {"tracks": ["QAAA..."], "playlists": [{"name", "url", "tracks": [...]}],
                   "searches": [{"query": "ytsearch:lofi", "tracks": [...]}],
                   "failures": [{"identifier", "message", "severity"}]},
     "players": [{"session", "guild", "track", "position", "paused", "volume",
                  "filters", "end_time"}]}

Restoring the players goes through the same PATCH and DELETE operations the REST API
runs, so connected clients get the events Lavalink would send (``TrackStartEvent``,
``TrackEndEvent``, ``playerUpdate``). Players of sessions that no longer exist cannot come
back (a session is a client's connection) and are skipped.
"""

from __future__ import annotations

from typing import Any

from .catalogue import Catalogue, LoadFailure, Playlist
from .config import config_from_json, config_to_json
from .errors import LavalinkError
from .model import LavalinkModel
from .tracks import decode_track
from .wire import Version, read_player_update

FORMAT = 1


class SnapshotError(ValueError):
    """A snapshot (or world file) that cannot be restored; the message says where."""


def snapshot(model: LavalinkModel) -> dict[str, Any]:
    cat = model.catalogue
    tracks: list[str] = []
    for track in cat.tracks.values():
        encoded = track.encoded
        if encoded not in tracks:
            tracks.append(encoded)
    players = []
    for session in model.sessions.values():
        for player in session.players.values():
            players.append({
                "session": session.id, "guild": player.guild_id,
                "track": player.track.encoded if player.track else None,
                "position": player.position, "paused": player.paused,
                "volume": player.volume, "filters": dict(player.filters),
                "end_time": player.end_time,
            })
    return {
        "format": FORMAT,
        "config": config_to_json(model.config),
        "catalogue": {
            "tracks": tracks,
            "playlists": [{"name": p.name, "url": p.url,
                           "tracks": [t.encoded for t in p.tracks]}
                          for p in cat.playlists.values()],
            "searches": [{"query": q, "tracks": [t.encoded for t in ts]}
                         for q, ts in cat.searches.items()],
            "failures": [{"identifier": i, "message": f.message, "severity": f.severity}
                         for i, f in cat.failures.items()],
        },
        "players": players,
    }


def restore(model: LavalinkModel, data: dict[str, Any]) -> None:
    if not isinstance(data, dict):
        raise SnapshotError("a Lavalink snapshot is an object")
    if data.get("format", FORMAT) != FORMAT:
        raise SnapshotError(f"unsupported Lavalink snapshot format {data.get('format')!r}")
    unknown = sorted(set(data) - {"format", "config", "catalogue", "players"})
    if unknown:
        raise SnapshotError(f"unknown Lavalink snapshot key(s): {', '.join(unknown)}")
    try:
        config = config_from_json(data["config"]) if "config" in data else model.config
        version = Version.parse(config.version)
        catalogue = _catalogue(data["catalogue"], model.catalogue.seed) if (
            "catalogue" in data) else model.catalogue
        wanted = _players(data.get("players", []))
        for entry in wanted.values():  # refused here, before anything has changed
            body = _player_body(entry)
            if isinstance(entry.get("track"), str):
                decode_track(entry["track"])
                body["track"] = {"encoded": entry["track"]}
            read_player_update(body, with_channel=False)
    except KeyError as exc:
        raise SnapshotError(f"a catalogue entry has no {exc}") from None
    except AttributeError:
        raise SnapshotError("the catalogue and its entries are objects") from None
    except (TypeError, ValueError) as exc:
        raise SnapshotError(str(exc)) from None
    except LavalinkError as exc:
        raise SnapshotError(f"a player the PATCH route would refuse: {exc.message}") from None
    model.config = config
    model.version = version
    model.catalogue.tracks = catalogue.tracks  # the same object, so sockets' views follow
    model.catalogue.playlists = catalogue.playlists
    model.catalogue.searches = catalogue.searches
    model.catalogue.failures = catalogue.failures
    model.catalogue.forget_generated()
    for session in list(model.sessions.values()):
        for guild in list(session.players):
            if (session.id, guild) not in wanted:
                model.destroy_player(session.id, guild)
    for (session_id, guild), entry in wanted.items():
        if session_id not in model.sessions:
            continue
        body = _player_body(entry)
        current = model.sessions[session_id].players.get(guild)
        encoded = entry.get("track")
        if encoded is None:
            if current is not None and current.track is not None:
                body["track"] = {"encoded": None}
        elif current is None or current.track is None or current.track.encoded != encoded:
            body["track"] = {"encoded": encoded}
        try:
            model.update_player(session_id, guild, body, no_replace=False)
        except LavalinkError as exc:
            raise SnapshotError(f"player {guild}: {exc.message}") from None


def _player_body(entry: dict[str, Any]) -> dict[str, Any]:
    """The PATCH body a snapshot's player entry makes (its track aside)."""
    body: dict[str, Any] = {"volume": entry.get("volume", 100),
                            "filters": entry.get("filters", {}),
                            "paused": entry.get("paused", False)}
    if entry.get("track") is not None:
        body["position"] = entry.get("position", 0)
    if entry.get("end_time") is not None:
        body["endTime"] = entry["end_time"]
    return body


def _players(data: Any) -> dict[tuple[str, str], dict[str, Any]]:
    if not isinstance(data, list) or not all(
            isinstance(p, dict) and isinstance(p.get("session"), str)
            and isinstance(p.get("guild"), str | int) for p in data):
        raise ValueError("players is a list of objects with a session id and a guild id")
    return {(p["session"], str(p["guild"])): p for p in data}


def _catalogue(data: dict[str, Any], seed: int) -> Catalogue:
    cat = Catalogue(seed)
    for encoded in data.get("tracks", []):
        cat.add(decode_track(encoded))
    for entry in data.get("playlists", []):
        cat.add_playlist(Playlist(entry["name"],
                                  tuple(decode_track(t) for t in entry["tracks"]),
                                  entry["url"]))
    for entry in data.get("searches", []):
        prefix, _, query = entry["query"].partition(":")
        cat.add_search(query, [decode_track(t) for t in entry["tracks"]], prefix)
    for entry in data.get("failures", []):
        cat.failures[entry["identifier"]] = LoadFailure(entry["message"],
                                                        entry.get("severity", "common"))
    return cat


__all__ = ["FORMAT", "SnapshotError", "restore", "snapshot"]
