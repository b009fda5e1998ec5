"""Presence rosters: who is in a presence channel, keyed by user id.

A user with two sockets (two tabs) is one member: ``member_added`` goes out when the
user's first socket joins and ``member_removed`` when the last one leaves. Members added
from the test API have no socket at all (``virtual``); they count like anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Member:
    user_id: str
    user_info: Any
    sockets: set[str] = field(default_factory=set)
    #: Added from the test-control API, without a socket.
    virtual: bool = False

    @property
    def present(self) -> bool:
        return self.virtual or bool(self.sockets)


class PresenceRoster:
    def __init__(self) -> None:
        self.members: dict[str, Member] = {}

    def __len__(self) -> int:
        return len(self.members)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self.members

    def join(self, user_id: str, user_info: Any, socket_id: str | None) -> bool:
        """Add a socket (or a virtual presence) for ``user_id``; True if the user is new."""
        member = self.members.get(user_id)
        is_new = member is None
        if member is None:
            member = self.members[user_id] = Member(user_id, user_info)
        if socket_id is None:
            member.virtual = True
        else:
            member.sockets.add(socket_id)
        return is_new

    def leave(self, user_id: str, socket_id: str | None) -> bool:
        """Remove a socket (or the virtual presence); True if the user is gone."""
        member = self.members.get(user_id)
        if member is None:
            return False
        if socket_id is None:
            member.virtual = False
        else:
            member.sockets.discard(socket_id)
        if member.present:
            return False
        del self.members[user_id]
        return True

    def payload(self) -> dict[str, Any]:
        """The ``presence`` object of ``subscription_succeeded``."""
        return {
            "ids": list(self.members),
            "hash": {uid: m.user_info for uid, m in self.members.items()},
            "count": len(self.members),
        }


__all__ = ["Member", "PresenceRoster"]
