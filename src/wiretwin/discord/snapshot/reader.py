"""Reading one snapshot entry, and the state a snapshot is read into.

:class:`Entry` checks an entry's keys and reads each value as its type, its errors naming
where the entry is (``channels[3]: parent ...``); :class:`State` holds what has been read
so far, so later lists can check what they name (a member's guild, a message's channel).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..model import Application, Channel, Emoji, Guild, Message, User, Webhook
from .common import EPOCH, SnapshotError


@dataclass
class State:
    application: Application
    users: dict[int, User]
    guilds: dict[int, Guild] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    messages: dict[int, dict[int, Message]] = field(default_factory=dict)
    dms: dict[frozenset[int], int] = field(default_factory=dict)
    commands: dict[int, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    command_permissions: dict[tuple[int, int], list[dict[str, Any]]] = field(
        default_factory=dict)
    app_emojis: dict[int, Emoji] = field(default_factory=dict)


class Entry:
    """One snapshot entry being read: typed getters whose errors say where."""

    def __init__(self, data: Any, where: str, required: tuple[str, ...],
                 optional: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            raise SnapshotError(f"{where}: expected an object (a table)")
        missing = [k for k in required if data.get(k) is None]
        if missing:
            raise SnapshotError(f"{where}: missing {', '.join(missing)}")
        extra = sorted(set(data) - set(required) - set(optional))
        if extra:
            raise SnapshotError(f"{where}: unknown key(s) {', '.join(extra)}")
        self.data = data
        self.where = where

    def fail(self, key: str, message: str) -> SnapshotError:
        return SnapshotError(f"{self.where}: {key} {message}")

    def id(self, key: str) -> int:
        value = self.data[key]
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 64:
            return value
        if isinstance(value, str) and value.isdigit() and int(value) < 1 << 64:
            return int(value)
        raise self.fail(key, f"must be a snowflake (digits), not {value!r}")

    def opt_id(self, key: str) -> int | None:
        return None if self.data.get(key) is None else self.id(key)

    def ids(self, key: str) -> list[int]:
        values = self.data.get(key) or []
        if not isinstance(values, list):
            raise self.fail(key, "must be a list of ids")
        out = []
        for index, value in enumerate(values):
            out.append(Entry({"id": value}, f"{self.where}.{key}[{index}]", ("id",),
                              ()).id("id"))
        return out

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {value!r}")
        return value

    def opt_text(self, key: str) -> str | None:
        return None if self.data.get(key) is None else self.text(key)

    def number(self, key: str, default: int = 0) -> int:
        value = self.data.get(key, default)
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise self.fail(key, f"must be an integer, not {value!r}")

    def bits(self, key: str) -> int:
        """Permission bits: an integer or a string of digits."""
        value = self.data.get(key, 0)
        if isinstance(value, str) and value.isdigit():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise self.fail(key, f"must be permission bits (digits), not {value!r}")

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def time(self, key: str) -> float | None:
        """Epoch milliseconds (to the microsecond) from an ISO 8601 string or datetime."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(key, f"is not an ISO 8601 time: {value!r}") from None
        if not isinstance(value, datetime):
            raise self.fail(key, f"must be an ISO 8601 time, not {value!r}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return ((value - EPOCH) // timedelta(microseconds=1)) / 1000

    def array(self, key: str) -> list[Any]:
        value = self.data.get(key) or []
        if not isinstance(value, list):
            raise self.fail(key, "must be a list")
        return value

    def objects(self, key: str) -> list[dict[str, Any]]:
        value = self.array(key)
        if not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "must be a list of objects")
        return [dict(v) for v in value]


def guild_of(state: State, e: Entry, key: str = "guild") -> Guild:
    """The guild the entry's ``key`` names, read before it (else the entry is refused)."""
    guild = state.guilds.get(e.id(key))
    if guild is None:
        raise e.fail(key, f"{str(e.id(key))!r}: no guild with that id")
    return guild


def member_of(state: State, e: Entry) -> tuple[Guild, int]:
    """The guild and the known user an entry about a guild's user names (``guild``,
    ``user``): members, bans and voice states."""
    guild = guild_of(state, e)
    user_id = e.id("user")
    if user_id not in state.users:
        raise e.fail("user", f"{str(user_id)!r} is not in users")
    return guild, user_id
