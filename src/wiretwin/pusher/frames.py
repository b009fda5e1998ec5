"""Every frame the Pusher twin sends, built and serialized in exactly one place.

Protocol rule (double encoding): the server sends ``data`` as a JSON-encoded *string*,
except in ``pusher:error``, whose ``data`` is an object. A :class:`Frame` keeps the
decoded pieces for recorders and encodes itself to text and websocket bytes once, however
many sockets it goes to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..runtime import jsonio
from ..runtime.wire import encode_text


def dumps(value: Any) -> str:
    """Compact JSON, as Pusher writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(slots=True, eq=False)
class Frame:
    event: str
    #: The wire value of ``data``: a string (already encoded), an object for errors, or None.
    data: str | dict[str, Any] | None = None
    channel: str | None = None
    user_id: str | None = None
    _text: str | None = field(default=None, repr=False)
    _wire: bytes | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self._text is None:
            out: dict[str, Any] = {"event": self.event}
            if self.channel is not None:
                out["channel"] = self.channel
            if self.data is not None:
                out["data"] = self.data
            if self.user_id is not None:
                out["user_id"] = self.user_id
            self._text = dumps(out)
        return self._text

    @property
    def wire(self) -> bytes:
        """The websocket frame bytes (unmasked text frame)."""
        if self._wire is None:
            self._wire = encode_text(self.text)
        return self._wire

    def forget_wire(self) -> None:
        """Drop the cached websocket bytes once the frame went out: recorders keep frames,
        and the text is all they need (``wire`` is rebuilt if asked for again)."""
        self._wire = None

    def decoded(self) -> Any:
        """``data`` with the double encoding undone (what a client library hands its app)."""
        if isinstance(self.data, str):
            try:
                return jsonio.loads(self.data)
            except jsonio.JSONError:
                return self.data
        return self.data


def connection_established(socket_id: str, activity_timeout: int) -> Frame:
    return Frame(
        "pusher:connection_established",
        dumps({"socket_id": socket_id, "activity_timeout": activity_timeout}),
    )


def error(message: str, code: int | None = None) -> Frame:
    return Frame("pusher:error", {"code": code, "message": message})


def ping() -> Frame:
    return Frame("pusher:ping", "{}")


def pong() -> Frame:
    return Frame("pusher:pong", "{}")


def subscription_succeeded(channel: str, presence: dict[str, Any] | None = None) -> Frame:
    data = dumps({"presence": presence}) if presence is not None else "{}"
    return Frame("pusher_internal:subscription_succeeded", data, channel)


def member_added(channel: str, user_id: str, user_info: Any) -> Frame:
    payload: dict[str, Any] = {"user_id": user_id}
    if user_info is not None:
        payload["user_info"] = user_info
    return Frame("pusher_internal:member_added", dumps(payload), channel)


def member_removed(channel: str, user_id: str) -> Frame:
    return Frame("pusher_internal:member_removed", dumps({"user_id": user_id}), channel)


def subscription_count(channel: str, count: int) -> Frame:
    return Frame(
        "pusher_internal:subscription_count", dumps({"subscription_count": count}), channel
    )


def cache_miss(channel: str) -> Frame:
    return Frame("pusher:cache_miss", None, channel)


def channel_event(channel: str, event: str, data: str, user_id: str | None = None) -> Frame:
    return Frame(event, data, channel, user_id)


def signin_success(user_data: str) -> Frame:
    # The protocol page shows this data as an object, not double-encoded.
    return Frame("pusher:signin_success", {"user_data": user_data})


def watchlist_events(events: list[dict[str, Any]]) -> Frame:
    return Frame("pusher_internal:watchlist_events", dumps({"events": events}))


__all__ = [
    "Frame",
    "cache_miss",
    "channel_event",
    "connection_established",
    "dumps",
    "error",
    "member_added",
    "member_removed",
    "ping",
    "pong",
    "signin_success",
    "subscription_count",
    "subscription_succeeded",
    "watchlist_events",
]
