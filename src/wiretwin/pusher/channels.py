"""Channel names: what kind a channel is, and whether a name is allowed at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

#: Pusher's documented limit, prefix included.
MAX_CHANNEL_NAME = 164
SERVER_TO_USER_PREFIX = "#server-to-user-"
_NAME = re.compile(r"\A[A-Za-z0-9_\-=@,.;]+\Z")


class ChannelKind(Enum):
    PUBLIC = "public"
    PRIVATE = "private"
    ENCRYPTED = "private-encrypted"
    PRESENCE = "presence"
    SERVER_TO_USER = "server-to-user"


@dataclass(frozen=True, slots=True)
class ChannelType:
    kind: ChannelKind
    cache: bool

    @property
    def needs_auth(self) -> bool:
        return self.kind in (ChannelKind.PRIVATE, ChannelKind.ENCRYPTED, ChannelKind.PRESENCE)

    @property
    def presence(self) -> bool:
        return self.kind is ChannelKind.PRESENCE

    @property
    def accepts_client_events(self) -> bool:
        # Encrypted channels reject client events: the server cannot vouch for them.
        return self.kind in (ChannelKind.PRIVATE, ChannelKind.PRESENCE)


def channel_type(name: str) -> ChannelType:
    """Classify a channel by its prefix (validity is :func:`invalid_channel_name`'s job)."""
    if name.startswith(SERVER_TO_USER_PREFIX):
        return ChannelType(ChannelKind.SERVER_TO_USER, False)
    for prefix, kind in (
        ("private-encrypted-", ChannelKind.ENCRYPTED),
        ("private-", ChannelKind.PRIVATE),
        ("presence-", ChannelKind.PRESENCE),
    ):
        if name.startswith(prefix):
            return ChannelType(kind, name[len(prefix) :].startswith("cache-"))
    return ChannelType(ChannelKind.PUBLIC, name.startswith("cache-"))


def invalid_channel_name(name: object) -> str | None:
    """Why ``name`` is not a channel name, or None when it is one."""
    if not isinstance(name, str) or not name:
        return "channel name must be a non-empty string"
    if len(name) > MAX_CHANNEL_NAME:
        return f"channel name too long (max {MAX_CHANNEL_NAME} characters): {name[:40]}..."
    if name.startswith(SERVER_TO_USER_PREFIX):
        rest = name[len(SERVER_TO_USER_PREFIX) :]
        return None if rest else "server-to-user channel needs a user id"
    if not _NAME.match(name):
        return (
            f"invalid channel name {name!r}: only A-Z, a-z, 0-9 and _ - = @ , . ; are allowed"
        )
    return None


__all__ = [
    "MAX_CHANNEL_NAME",
    "SERVER_TO_USER_PREFIX",
    "ChannelKind",
    "ChannelType",
    "channel_type",
    "invalid_channel_name",
]
