"""Pusher apps: credentials, feature flags and limits, as the dashboard would set them."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

_APP_ID = re.compile(r"\A[0-9]+\Z")


@dataclass
class App:
    """One Pusher Channels app.

    The id must be digits: pusher-http-python refuses anything else. Limits default to
    what Pusher's multi-tenant clusters enforce.
    """

    id: str
    key: str
    secret: str
    name: str = ""
    #: A disabled app refuses connections (4003) and HTTP calls (403).
    enabled: bool = True
    #: "Enable client events" in the dashboard; off means client events get a pusher:error.
    client_events: bool = True
    #: Opt-in ``subscription_count`` (WS event and HTTP attribute).
    subscription_count: bool = False
    #: Webhook endpoints; every enabled event goes to each of them.
    webhooks: list[str] = field(default_factory=list)
    #: Seconds a connection may stay silent before the server pings it.
    activity_timeout: int = 120
    #: Seconds to wait for the answer to a server ping before closing with 4201.
    pong_timeout: float = 30
    #: Connections the app accepts at once (4004 past it); None for no limit.
    max_connections: int | None = None
    max_presence_members: int = 100
    max_presence_user_info_bytes: int = 1024
    max_event_bytes: int = 10 * 1024
    max_channels_per_event: int = 100
    max_batch_events: int = 10
    client_events_per_second: int = 10
    #: Seconds a cache channel keeps its last event.
    cache_ttl: int = 30 * 60
    #: Cache channels whose last event the twin keeps at once (a bound of the twin's,
    #: not Pusher's: past it the least recently published channel is forgotten early).
    max_cached_channels: int = 1000

    def __post_init__(self) -> None:
        self.id = str(self.id)
        if not _APP_ID.match(self.id):
            raise ValueError(f"Pusher app ids are digits (pusher-http-python insists): {self.id!r}")
        if not self.key or not self.secret:
            raise ValueError("a Pusher app needs a key and a secret")
        if not isinstance(self.key, str) or not isinstance(self.secret, str):
            raise ValueError("a Pusher app's key and secret are strings")
        self._check()

    def _check(self) -> None:
        """Each setting of the right type and in range (a world file or a snapshot may say
        anything): a zero activity timeout would ping as fast as the client answers."""
        if not isinstance(self.name, str):
            raise ValueError(f"app {self.id}: name is a string")
        for flag in ("enabled", "client_events", "subscription_count"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"app {self.id}: {flag} is true or false")
        if not isinstance(self.webhooks, list) or not all(
                isinstance(url, str) for url in self.webhooks):
            raise ValueError(f"app {self.id}: webhooks is a list of URLs")
        for name, least in _INT_SETTINGS.items():
            value = getattr(self, name)
            if name == "max_connections" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"app {self.id}: {name} is a whole number from {least}, "
                                 f"not {value!r}")
        pong = self.pong_timeout
        if isinstance(pong, bool) or not isinstance(pong, int | float) or not 0 < pong < 1e9:
            raise ValueError(f"app {self.id}: pong_timeout is a number of seconds above 0, "
                             f"not {pong!r}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> App:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown Pusher app setting(s): {', '.join(unknown)}")
        return cls(**data)


#: Whole-number settings and the least each may be.
_INT_SETTINGS = {
    "activity_timeout": 1, "max_connections": 0, "max_presence_members": 1,
    "max_presence_user_info_bytes": 0, "max_event_bytes": 0, "max_channels_per_event": 1,
    "max_batch_events": 1, "client_events_per_second": 0, "cache_ttl": 0,
    "max_cached_channels": 0,
}


def default_app() -> App:
    """The app every twin has unless told otherwise: works with every client as is."""
    return App(id="1", key="app-key", secret="app-secret", name="wiretwin")


__all__ = ["App", "default_app"]
