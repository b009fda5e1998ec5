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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> App:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown Pusher app setting(s): {', '.join(unknown)}")
        return cls(**data)


def default_app() -> App:
    """The app every twin has unless told otherwise: works with every client as is."""
    return App(id="1", key="app-key", secret="app-secret", name="wiretwin")


__all__ = ["App", "default_app"]
