"""What the HTTP API accepts: one event request and the limits it must keep.

Checked before anything is published, so an event (or a whole batch) either goes out
complete or not at all. The texts are Pusher's where Pusher's are known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .apps import App
from .channels import ChannelKind, channel_type, invalid_channel_name
from .errors import ApiError, shown


@dataclass
class PublishRequest:
    """One event from ``POST events`` or one entry of ``POST batch_events``."""

    name: str
    data: str
    channels: list[str]
    socket_id: str | None = None
    info: list[str] = field(default_factory=list)


def check_publish(app: App, request: PublishRequest) -> None:
    """Raise :class:`ApiError` if ``request`` breaks a rule; change nothing."""
    if not request.name:
        raise ApiError(400, "Missing event name (name)")
    if len(request.name) > 200:
        raise ApiError(400, "Event name too long: the maximum is 200 characters")
    if not request.channels:
        raise ApiError(400, "Missing channels: give channels (an array) or channel")
    if len(request.channels) > app.max_channels_per_event:
        raise ApiError(
            400,
            f"Too many channels: {len(request.channels)} given, an event may go to at "
            f"most {app.max_channels_per_event}",
        )
    for name in request.channels:
        problem = invalid_channel_name(name)
        if problem is not None:
            raise ApiError(400, f"Invalid channel name: {problem}")
    encrypted = [c for c in request.channels
                 if channel_type(c).kind is ChannelKind.ENCRYPTED]
    if encrypted and len(request.channels) > 1:
        raise ApiError(
            400, "Cannot trigger to multiple channels when one is an encrypted channel"
        )
    size = len(request.data.encode())
    if size > app.max_event_bytes:
        raise ApiError(413, too_large(app))
    if request.socket_id is not None and not valid_socket_id(request.socket_id):
        raise ApiError(400, f"Invalid socket id: {shown(request.socket_id, 64)!r}")
    for attr in request.info:
        if attr not in ("user_count", "subscription_count"):
            raise ApiError(400, f"Invalid info attribute: {shown(attr, 64)}")
        for name in request.channels:
            check_attribute(app, name, attr)

def check_attribute(app: App, name: str, attr: str) -> None:
    """Raise :class:`ApiError` if ``attr`` cannot be asked of channel ``name``."""
    presence = channel_type(name).presence
    if attr == "user_count" and not presence:
        raise ApiError(
            400, "Cannot retrieve the user count unless the channel is a presence channel"
        )
    if attr == "subscription_count":
        if presence:
            raise ApiError(
                400, f"subscription_count is not available for presence channels ({name})"
            )
        if not app.subscription_count:
            raise ApiError(
                400, "subscription_count is not enabled for this app: turn it on in the "
                "app settings (App(subscription_count=True))"
            )
    if attr == "cache" and not channel_type(name).cache:
        raise ApiError(400, f"cache is only available for cache channels ({name})")


def too_large(app: App) -> str:
    return (
        f"The data content of this event exceeds the allowed maximum ({app.max_event_bytes} "
        "bytes). See https://pusher.com/docs/channels/server_api/http-api#publishing-events "
        "for more info"
    )


#: ``123.456``: ASCII digits only (``str.isdigit`` takes superscripts too).
_SOCKET_ID = re.compile(r"\A[0-9]+\.[0-9]+\Z")


def valid_socket_id(value: str) -> bool:
    return _SOCKET_ID.match(value) is not None


__all__ = ["PublishRequest", "check_attribute", "check_publish", "too_large", "valid_socket_id"]
