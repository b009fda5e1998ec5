"""Lavalink's request bodies, read as the node reads them: ``PlayerUpdate`` (PATCH of a
player, with its track, filters and voice state), ``SessionUpdate``, the encoded tracks of
``POST /v4/decodetracks`` and the route planner's address.

Each reader turns client JSON into a frozen request object, or raises the node's
refusal; the kotlinx and Spring primitives they use live in :mod:`.kotlinx`. Fields a
body leaves out are :data:`~.kotlinx.OMITTED`, so the model can tell "absent" from
``null``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .kotlinx import (
    OMITTED,
    Omitted,
    Reader,
    Unreadable,
    read_boolean,
    read_double,
    read_float,
    read_int,
    read_long,
    read_object,
    read_string,
    refusal,
    start_array,
    start_object,
)


@dataclass(frozen=True)
class VoiceUpdate:
    token: str
    endpoint: str
    session_id: str
    channel_id: str | None


@dataclass(frozen=True)
class TrackUpdate:
    encoded: str | Omitted | None = OMITTED
    identifier: str | Omitted = OMITTED
    user_data: dict[str, Any] | Omitted = OMITTED


@dataclass(frozen=True)
class Filters:
    """A ``filters`` object: its known filters kept as sent (the player reports them
    back; unknown keys are skipped, as kotlinx skips them), with the equalizer bands read
    (a band index past 0-14 fails when the chain is built)."""

    raw: dict[str, Any]
    bands: tuple[int, ...] = ()


@dataclass(frozen=True)
class PlayerUpdate:
    encoded_track: str | Omitted | None = OMITTED
    identifier: str | Omitted = OMITTED
    track: TrackUpdate | Omitted = OMITTED
    position: int | Omitted = OMITTED
    end_time: int | Omitted | None = OMITTED
    volume: int | Omitted = OMITTED
    paused: bool | Omitted = OMITTED
    filters: Filters | Omitted = OMITTED
    voice: VoiceUpdate | Omitted = OMITTED


def read_voice(data: Any, path: str, *, with_channel: bool) -> VoiceUpdate:
    """``VoiceState``: three strings, and from 4.2.0 a ``channelId`` that may be null but
    must be there (it has no default)."""
    r = Reader(data, path, "VoiceState")
    token = r.field("token", read_string, required=True)
    endpoint = r.field("endpoint", read_string, required=True)
    session_id = r.field("sessionId", read_string, required=True)
    channel: Any = None
    if with_channel:
        channel = r.field("channelId", read_string, nullable=True, required=True)
    return VoiceUpdate(token, endpoint, session_id, channel)


def _read_band(data: Any, path: str) -> int:
    r = Reader(data, path, "Band")
    band: int = r.field("band", read_int, required=True)
    r.field("gain", read_float)
    return band


#: Each built-in filter's fields: True for a Double, False for a Float.
FILTER_FIELDS: dict[str, dict[str, bool]] = {
    "karaoke": {"level": False, "monoLevel": False, "filterBand": False,
                "filterWidth": False},
    "timescale": {"speed": True, "pitch": True, "rate": True},
    "tremolo": {"frequency": False, "depth": False},
    "vibrato": {"frequency": False, "depth": False},
    "distortion": {k: False for k in ("sinOffset", "sinScale", "cosOffset", "cosScale",
                                      "tanOffset", "tanScale", "offset", "scale")},
    "rotation": {"rotationHz": True},
    "channelMix": {k: False for k in ("leftToLeft", "leftToRight", "rightToLeft",
                                      "rightToRight")},
    "lowPass": {"smoothing": False},
}


def read_filters(data: Any, path: str = "$.filters") -> Filters:
    """``Filters``: the server does no range checks (a timescale speed of 0 or a volume
    of 5,000 are accepted), only types."""
    r = Reader(data, path, "Filters")
    bands: list[int] = []
    for key in r.data:
        if key == "volume":
            r.field("volume", read_float)
        elif key == "equalizer":
            def equalizer(value: Any, where: str = f"{path}.equalizer") -> None:
                for i, band in enumerate(start_array(value)):
                    bands.append(_read_band(band, f"{where}[{i}]"))
            r.field("equalizer", equalizer)
        elif key in FILTER_FIELDS:
            def one(value: Any, name: str = key) -> None:
                f = Reader(value, f"{path}.{name}", name.capitalize())
                for field_name, double in FILTER_FIELDS[name].items():
                    f.field(field_name, read_double if double else read_float)
            r.field(key, one, nullable=True)
        elif key == "pluginFilters":
            r.field(key, start_object)
    known = {"volume", "equalizer", "pluginFilters", *FILTER_FIELDS}
    return Filters({k: v for k, v in r.data.items() if k in known}, tuple(bands))


def read_player_update(data: Any, *, with_channel: bool) -> PlayerUpdate:
    """``PlayerUpdate`` (PATCH player); ``with_channel``: the version wants
    ``voice.channelId`` (4.2.0 on)."""
    r = Reader(data)
    values: dict[str, Any] = {}
    fields: dict[str, tuple[str, Callable[[Any], Any], bool]] = {
        "encodedTrack": ("encoded_track", read_string, True),
        "identifier": ("identifier", read_string, False),
        "track": ("track", _read_track, False),
        "position": ("position", read_long, False),
        "endTime": ("end_time", read_long, True),
        "volume": ("volume", read_int, False),
        "paused": ("paused", read_boolean, False),
        "filters": ("filters", read_filters, False),
        "voice": ("voice", lambda v: read_voice(v, "$.voice", with_channel=with_channel),
                  False),
    }
    for key in r.data:  # kotlinx reads the keys in the order they come
        if key in fields:
            name, reader, nullable = fields[key]
            values[name] = r.field(key, reader, nullable=nullable)
    return PlayerUpdate(**values)


def _read_track(data: Any) -> TrackUpdate:
    r = Reader(data, "$.track", "PlayerUpdateTrack")
    values: dict[str, Any] = {}
    for key in r.data:
        if key == "encoded":
            values["encoded"] = r.field(key, read_string, nullable=True)
        elif key == "identifier":
            values["identifier"] = r.field(key, read_string)
        elif key == "userData":
            values["user_data"] = r.field(key, read_object)
    return TrackUpdate(**values)


@dataclass(frozen=True)
class SessionUpdate:
    resuming: bool | Omitted = OMITTED
    timeout: int | Omitted = OMITTED


def read_session_update(data: Any) -> SessionUpdate:
    r = Reader(data, "$", "SessionUpdate")
    resuming = r.field("resuming", read_boolean)
    timeout = r.field("timeout", read_long)
    return SessionUpdate(resuming, timeout)


def read_encoded_tracks(data: Any) -> list[str]:
    """``EncodedTracks``: a JSON array of strings (no nulls)."""
    try:
        items = start_array(data)
    except Unreadable as exc:
        raise refusal(exc, "$") from None
    out: list[str] = []
    for i, item in enumerate(items):
        try:
            out.append(read_string(item))
        except Unreadable as exc:
            raise refusal(exc, f"$[{i}]") from None
    return out


def read_free_address(data: Any) -> str:
    """``RoutePlannerFreeAddress``: ``{"address": "..."}``."""
    address: str = Reader(data, "$", "RoutePlannerFreeAddress").field(
        "address", read_string, required=True)
    return address


__all__ = [
    "FILTER_FIELDS",
    "Filters",
    "PlayerUpdate",
    "SessionUpdate",
    "TrackUpdate",
    "VoiceUpdate",
    "read_encoded_tracks",
    "read_filters",
    "read_free_address",
    "read_player_update",
    "read_session_update",
    "read_voice",
]
