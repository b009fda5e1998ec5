"""What the Pusher model keeps: apps' connections, channels, users and cache, and the
interface through which the model's decisions leave it (:class:`Effects`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .apps import App
from .channels import ChannelType
from .presence import PresenceRoster
from .wire import Frame


class Effects(Protocol):
    """Where the model's consequences go (the twin: sockets, webhooks, recorders)."""

    def deliver(self, socket_ids: Iterable[str], frame: Frame) -> None: ...

    def close(self, socket_id: str, code: int, message: str, error_first: bool) -> None: ...

    def webhook(self, app: App, event: dict[str, Any]) -> None: ...

    def client_event(self, app: App, socket_id: str, channel: str, event: str, data: str,
                     user_id: str | None) -> None:
        """A client event was accepted and relayed (for recorders)."""
        ...


class Peers(Protocol):
    """The other processes serving the same apps (scale-out over Redis), as the model sees
    them: what it tells them, and whether they decide the membership webhooks. One
    process alone has none (:class:`NoPeers`)."""

    #: True when channel_occupied/vacated and member_added/removed webhooks are decided
    #: cluster-wide (by the peers), not by this process's model.
    shares_membership: bool

    def published(self, app: App, channel: str, event: str, data: str,
                  socket_id: str | None) -> None:
        """An event was published to ``channel`` here (HTTP API or test-control API)."""
        ...

    def client_event(self, app: App, channel: str, event: str, data: str,
                     user_id: str | None, socket_id: str) -> None:
        """A client event was relayed to this process's subscribers."""
        ...

    def terminated(self, app: App, user_id: str) -> None:
        """The user's connections were terminated here; the peers close theirs."""
        ...

    def joined(self, app: App, channel: str, socket_id: str | None, user_id: str | None,
               user_info: Any) -> None:
        """A socket (or a socketless presence member: ``socket_id`` None) joined."""
        ...

    def left(self, app: App, channel: str, socket_id: str | None,
             user_id: str | None) -> None:
        """A socket (or a socketless presence member) left the channel."""
        ...

    def signed(self, app: App, user_id: str, delta: int) -> None:
        """A connection signed in as ``user_id`` (``delta`` 1) or went (-1)."""
        ...

    def online(self, app: App, user_id: str) -> bool:
        """Whether ``user_id`` is signed in through another process."""
        ...


class NoPeers:
    """A process on its own: the model decides everything itself."""

    shares_membership = False

    def published(self, app: App, channel: str, event: str, data: str,
                  socket_id: str | None) -> None:
        pass

    def client_event(self, app: App, channel: str, event: str, data: str,
                     user_id: str | None, socket_id: str) -> None:
        pass

    def terminated(self, app: App, user_id: str) -> None:
        pass

    def joined(self, app: App, channel: str, socket_id: str | None, user_id: str | None,
               user_info: Any) -> None:
        pass

    def left(self, app: App, channel: str, socket_id: str | None,
             user_id: str | None) -> None:
        pass

    def signed(self, app: App, user_id: str, delta: int) -> None:
        pass

    def online(self, app: App, user_id: str) -> bool:
        return False


@dataclass
class User:
    """A connection's signed-in user (``pusher:signin``)."""

    id: str
    user_data: str
    info: Any = None
    watchlist: list[str] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Connection:
    socket_id: str
    app: App
    protocol: int
    channels: set[str] = field(default_factory=set)
    user: User | None = None
    #: When this connection's recent client events were sent (made at its first one).
    client_event_times: deque[float] | None = None
    open: bool = True


@dataclass(slots=True)
class Channel:
    name: str
    type: ChannelType
    #: socket id -> the presence user id it joined as (None off presence channels).
    subscribers: dict[str, str | None] = field(default_factory=dict)
    roster: PresenceRoster | None = None

    @property
    def occupied(self) -> bool:
        return bool(self.subscribers) or bool(self.roster)

    @property
    def subscription_count(self) -> int:
        return len(self.subscribers)


@dataclass
class CachedEvent:
    event: str
    data: str
    expires: float


class AppState:
    def __init__(self, app: App) -> None:
        self.app = app
        self.connections: dict[str, Connection] = {}
        self.channels: dict[str, Channel] = {}
        #: Signed-in user id -> its connections.
        self.users: dict[str, set[str]] = {}
        self.cache: dict[str, CachedEvent] = {}


def user_id_of(value: object) -> str | None:
    """Presence user ids may be strings or numbers on the wire; they are keyed as strings."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str) and value:
        return value
    return None


__all__ = [
    "AppState",
    "CachedEvent",
    "Channel",
    "Connection",
    "Effects",
    "NoPeers",
    "Peers",
    "User",
    "user_id_of",
]
