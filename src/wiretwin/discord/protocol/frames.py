"""What a gateway client may send: Discord's close codes and a typed reader per opcode.

Every reader takes an opcode's ``d`` as the client sent it (already decoded by
``jsonio``) and either returns a typed request or raises :class:`Closed` with the code
Discord answers with. Pure: no hub, no model, no clock, so each rule has a server-less
unit test.

Which code? Discord documents 4001 as "an invalid Gateway opcode **or an invalid payload
for an opcode**", and that is what it answers a payload with a missing or mistyped field
(discord-api-docs issues #452, #1372, #2226, #3854: op 3 and op 8 without a required
field close ``4001 Unknown opcode.``). 4002 is for a frame that is not a gateway payload
at all: not JSON, not an object, no integer ``op``, over 4096 bytes, compressed (#1785).
Where a refusal has a code of its own, that code wins: intents (4013, also when left
out: discord-api-docs #2114), shard (4010), token (4004).

Snowflakes are read as clients send them: discord.py sends JSON integers, hikari and
discord.js strings of digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import INVALID_INTENTS, INVALID_SHARD, UNKNOWN_OPCODE, Close

#: Presence statuses a client may set (gateway-events.mdx, "Status Types").
STATUSES = frozenset({"online", "dnd", "idle", "invisible", "offline"})
#: Activity types 0 Game .. 5 Competing.
ACTIVITY_TYPES = range(6)
#: Request Channel Info's fields (gateway-events.mdx).
CHANNEL_INFO_FIELDS = frozenset({"status", "voice_start_time"})
#: "Nonce can only be up to 32 bytes. If you send an invalid nonce it will be ignored and
#: the reply member_chunk(s) will not have a nonce set." (gateway-events.mdx)
NONCE_BYTES = 32
#: "Requesting user_ids will continue to be limited to returning 100 members"; asking for
#: more is not refused (discord.js #4313: 200 ids, the request never completes).
USER_IDS_MAX = 100
_SNOWFLAKE_MAX = 1 << 64


class Closed(Exception):
    """Close the connection with Discord's ``code`` and ``reason``; ``detail`` says, for
    the journal, what was wrong (Discord itself says no more than the reason)."""

    def __init__(self, close: Close, detail: str = "") -> None:
        code, reason = close
        super().__init__(f"{code} {reason} {detail}".rstrip())
        self.code = code
        self.reason = reason
        self.detail = detail


def invalid(detail: str) -> Closed:
    """An invalid payload for its opcode: 4001."""
    return Closed(UNKNOWN_OPCODE, detail)


def snowflake(value: Any) -> int | None:
    """A snowflake (a JSON integer or a string of ASCII digits, below 2**64), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < _SNOWFLAKE_MAX else None
    if isinstance(value, str) and 0 < len(value) <= 20 and value.isascii() \
            and value.isdigit():
        number = int(value)
        return number if number < _SNOWFLAKE_MAX else None
    return None


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _object(d: Any, what: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise invalid(f"{what}: d is not an object")
    return d


def _snowflake_field(d: dict[str, Any], key: str) -> int:
    value = snowflake(d.get(key))
    if value is None:
        raise invalid(f"d.{key} is not a snowflake")
    return value


def _optional_bool(d: dict[str, Any], key: str) -> bool | None:
    value = d.get(key)
    if value is not None and not isinstance(value, bool):
        raise invalid(f"d.{key} is not a boolean")
    return value


# -- op 1 ----------------------------------------------------------------------------------


def heartbeat(d: Any) -> int | None:
    """op 1: ``d`` is the last sequence number the client saw, or null."""
    if d is not None and not _int(d):
        raise invalid("heartbeat: d is neither an integer nor null")
    return None if d is None else int(d)


# -- op 2 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identify:
    token: str
    #: As sent: :func:`intents` and :func:`shard` judge them, after the token.
    intents: Any
    shard: Any
    compress: bool
    large_threshold: int


def identify(d: Any) -> Identify:
    """op 2. ``token`` a string, ``properties`` an object; the optional ``compress``
    (boolean), ``large_threshold`` (integer, kept within Discord's 50-250) and
    ``presence`` (an object: discord.py and hikari send their own legacy shapes, with
    ``game`` and a null ``status``, which Discord takes) may be null."""
    d = _object(d, "identify")
    if not isinstance(d.get("token"), str):
        raise invalid("d.token is not a string")
    if not isinstance(d.get("properties"), dict):
        raise invalid("d.properties is not an object")
    compress = _optional_bool(d, "compress")
    threshold = d.get("large_threshold")
    if threshold is not None and not _int(threshold):
        raise invalid("d.large_threshold is not an integer")
    presence = d.get("presence")
    if presence is not None and not isinstance(presence, dict):
        raise invalid("d.presence is not an object")
    return Identify(d["token"], d.get("intents"), d.get("shard"), bool(compress),
                    50 if threshold is None else max(50, min(250, threshold)))


def intents(value: Any, known: int) -> int:
    """IDENTIFY's intents: an integer of known bits; anything else (left out too) is
    4013."""
    if not _int(value) or value < 0 or value & ~known:
        raise Closed(INVALID_INTENTS, "d.intents")
    return int(value)


def shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's shard: ``[shard_id, num_shards]`` with ``0 <= shard_id < num_shards``,
    or left out (None); any other shape is 4010."""
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2 or not all(_int(x) for x in value)
            or not 0 <= value[0] < value[1]):
        raise Closed(INVALID_SHARD, "d.shard")
    return value[0], value[1]


# -- op 3 ----------------------------------------------------------------------------------


def _activity(value: Any, where: str) -> None:
    if (not isinstance(value, dict) or not isinstance(value.get("name"), str)
            or not _int(value.get("type")) or value["type"] not in ACTIVITY_TYPES):
        raise invalid(f"{where} is not an activity (name, type 0-5)")


def presence(d: Any) -> None:
    """op 3: ``since`` (null or a number: discord.py sends ``0.0``), ``status`` and
    ``activities`` are required (Discord closes 4001 without them: #2226, #3854); hikari
    sends the legacy ``game`` (one activity or null) instead of ``activities``, which
    Discord still takes. ``afk`` is an optional boolean."""
    d = _object(d, "presence")
    if "since" not in d:
        raise invalid("d.since is missing")
    since = d["since"]
    if since is not None and (isinstance(since, bool) or not isinstance(since, int | float)):
        raise invalid("d.since is neither a number nor null")
    status = d.get("status")
    if not isinstance(status, str) or status not in STATUSES:
        raise invalid("d.status is not a status")
    if "activities" in d:
        if not isinstance(d["activities"], list):
            raise invalid("d.activities is not an array")
        for index, activity in enumerate(d["activities"]):
            _activity(activity, f"d.activities[{index}]")
    elif "game" in d:
        if d["game"] is not None:
            _activity(d["game"], "d.game")
    else:
        raise invalid("d.activities is missing")
    _optional_bool(d, "afk")


# -- op 4 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceState:
    guild_id: int
    channel_id: int | None


def voice_state(d: Any) -> VoiceState:
    """op 4: ``guild_id`` a snowflake, ``channel_id`` a snowflake or null (to leave);
    ``self_mute``/``self_deaf`` booleans when given (hikari leaves them out)."""
    d = _object(d, "voice state")
    guild_id = _snowflake_field(d, "guild_id")
    if "channel_id" not in d:
        raise invalid("d.channel_id is missing")
    channel_id = None if d["channel_id"] is None else _snowflake_field(d, "channel_id")
    _optional_bool(d, "self_mute")
    _optional_bool(d, "self_deaf")
    return VoiceState(guild_id, channel_id)


# -- op 6 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resume:
    token: str
    session_id: str
    seq: int


def resume(d: Any) -> Resume:
    """op 6: ``token`` and ``session_id`` strings, ``seq`` an integer."""
    d = _object(d, "resume")
    for key in ("token", "session_id"):
        if not isinstance(d.get(key), str):
            raise invalid(f"d.{key} is not a string")
    if not _int(d.get("seq")):
        raise invalid("d.seq is not an integer")
    return Resume(d["token"], d["session_id"], d["seq"])


# -- op 8 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MembersRequest:
    guild_id: int
    #: None: a query. At most :data:`USER_IDS_MAX`, duplicates dropped.
    user_ids: tuple[int, ...] | None
    query: str
    limit: int
    presences: bool
    #: None when left out or invalid: Discord then sends the chunks without one.
    nonce: str | None

    @property
    def whole_list(self) -> bool:
        """``query: "", limit: 0``: every member (needs GUILD_MEMBERS)."""
        return self.user_ids is None and self.query == "" and self.limit == 0


def request_members(d: Any) -> MembersRequest:
    """op 8. ``guild_id`` a snowflake (an array of them is read as Discord has since
    2020: only its first guild is answered, discord-api-docs #2179/#2184); then either
    ``user_ids`` (a snowflake or an array of them) or ``query`` (a string) with ``limit``
    (an integer >= 0); ``presences`` a boolean. Neither ``query`` nor ``user_ids``: 4001
    (#1372)."""
    d = _object(d, "request guild members")
    raw_guild = d.get("guild_id")
    if isinstance(raw_guild, list):
        guilds = [snowflake(g) for g in raw_guild]
        if not guilds or None in guilds:
            raise invalid("d.guild_id is not a snowflake or an array of them")
        guild_id = guilds[0]
        assert guild_id is not None
    else:
        guild_id = _snowflake_field(d, "guild_id")
    user_ids: tuple[int, ...] | None = None
    raw_users = d.get("user_ids")
    if raw_users is not None:
        listed = raw_users if isinstance(raw_users, list) else [raw_users]
        ids = [snowflake(u) for u in listed]
        if None in ids:
            raise invalid("d.user_ids is not a snowflake or an array of them")
        user_ids = tuple(dict.fromkeys(u for u in ids if u is not None))[:USER_IDS_MAX]
    query = d.get("query")
    if query is not None and not isinstance(query, str):
        raise invalid("d.query is not a string")
    limit = d.get("limit")
    if limit is not None and (not _int(limit) or limit < 0):
        raise invalid("d.limit is not an integer >= 0")
    if user_ids is None:
        if query is None:
            raise invalid("neither d.query nor d.user_ids")
        if limit is None:
            raise invalid("d.limit is required with d.query")
    presences = _optional_bool(d, "presences")
    nonce = d.get("nonce")
    if not isinstance(nonce, str) or len(nonce.encode("utf-8", "replace")) > NONCE_BYTES:
        nonce = None
    return MembersRequest(guild_id, user_ids, query or "", limit or 0, bool(presences),
                          nonce)


# -- op 31 and op 43 ----------------------------------------------------------------------


def request_soundboard_sounds(d: Any) -> tuple[int, ...]:
    """op 31: ``guild_ids``, an array of snowflakes."""
    d = _object(d, "request soundboard sounds")
    raw = d.get("guild_ids")
    ids = [snowflake(g) for g in raw] if isinstance(raw, list) else [None]
    if None in ids:
        raise invalid("d.guild_ids is not an array of snowflakes")
    return tuple(dict.fromkeys(g for g in ids if g is not None))


@dataclass(frozen=True)
class ChannelInfoRequest:
    guild_id: int
    fields: tuple[str, ...]


def request_channel_info(d: Any) -> ChannelInfoRequest:
    """op 43: ``guild_id`` a snowflake, ``fields`` an array of ``status`` and
    ``voice_start_time``."""
    d = _object(d, "request channel info")
    guild_id = _snowflake_field(d, "guild_id")
    fields = d.get("fields")
    if not isinstance(fields, list) or not all(
            isinstance(f, str) and f in CHANNEL_INFO_FIELDS for f in fields):
        raise invalid("d.fields is not an array of status and voice_start_time")
    return ChannelInfoRequest(guild_id, tuple(dict.fromkeys(fields)))


__all__ = [
    "ChannelInfoRequest", "Closed", "Identify",
    "MembersRequest", "Resume", "VoiceState", "heartbeat", "identify", "intents",
    "invalid", "presence", "request_channel_info", "request_members",
    "request_soundboard_sounds", "resume", "shard", "snowflake", "voice_state",
]
