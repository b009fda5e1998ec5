"""Pusher on the wire: every frame the twin sends, built and serialized in exactly one
place, and the typed reading of what clients send (websocket frames, HTTP API bodies).

Protocol rule (double encoding): the server sends ``data`` as a JSON-encoded *string*,
except in ``pusher:error``, whose ``data`` is an object. A :class:`Frame` keeps the
decoded pieces for recorders and encodes itself to text and websocket bytes once, however
many sockets it goes to.

Reading: every client text is parsed with :func:`jsonio.loads`, so nothing past this
module meets JSON nested deeper than 64, NaN, or a string that cannot be encoded again.
A frame that is not one JSON object with an ``event`` raises :class:`PusherError`; an HTTP
body that is not what the endpoint takes raises :class:`ApiError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..runtime import jsonio
from ..runtime.wire import encode_text
from .errors import ApiError, PusherError, shown
from .limits import PublishRequest


def dumps(value: Any) -> str:
    """Compact JSON, as Pusher writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def api_dumps(value: Any) -> str:
    """An HTTP API answer's body: compact JSON, non-ASCII escaped."""
    return json.dumps(value, separators=(",", ":"))


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


# -- reading what clients send -----------------------------------------------------------


def client_message(text: str) -> tuple[dict[str, Any], str]:
    """One client text frame: the JSON object and its ``event``; raise :class:`PusherError`."""
    try:
        message = jsonio.loads(text)
    except jsonio.JSONError as exc:
        raise PusherError(f"Invalid JSON message ({exc.reason}): {shown(text, 100)!r}") from None
    if not isinstance(message, dict):
        raise PusherError("Invalid message: a frame must be a JSON object with an event")
    event = message.get("event")
    if not isinstance(event, str) or not event:
        raise PusherError("Invalid message: missing event name")
    return message, event


def event_name(text: str) -> str | None:
    """The ``event`` of a client frame, for journals and fault scopes (None if unreadable)."""
    try:
        message = jsonio.loads(text)
    except jsonio.JSONError:
        return None
    event = message.get("event") if isinstance(message, dict) else None
    return event if isinstance(event, str) else None


def object_data(message: dict[str, Any]) -> object:
    """Client ``data`` is an object; some clients send it JSON-encoded, which is tolerated
    (read as strictly as the frame itself; a string that is no JSON stays a string)."""
    data = message.get("data")
    if isinstance(data, str):
        try:
            return jsonio.loads(data)
        except jsonio.JSONError:
            return data
    return data


def raw_data(message: dict[str, Any]) -> str:
    """A client event's ``data`` as it is relayed: the string sent, or the value encoded."""
    data = message.get("data")
    return data if isinstance(data, str) else dumps(data)


def json_object(body: bytes) -> dict[str, Any]:
    """An HTTP API request body, which must be one JSON object (empty means ``{}``)."""
    try:
        parsed = jsonio.loads(body or b"{}")
    except jsonio.JSONError as exc:
        raise ApiError(400, f"Invalid JSON body: {exc.reason}") from None
    if not isinstance(parsed, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return parsed


def attribute_list(value: str | None) -> list[str]:
    """A comma-separated ``info`` parameter as its attribute names."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def publish_request(item: dict[str, Any], *, batch: bool) -> PublishRequest:
    """One event of ``POST events`` or one entry of ``POST batch_events``, typed (the
    limits are checked later, by the model)."""
    name = item.get("name")
    if not isinstance(name, str):
        raise ApiError(400, "Expected name parameter to be a string")
    data = item.get("data")
    if not isinstance(data, str):
        raise ApiError(400, "data must be a string (JSON-encode objects before sending)")
    if batch or ("channel" in item and "channels" not in item):
        channel = item.get("channel")
        if not isinstance(channel, str):
            raise ApiError(400, "Missing required parameter: channel")
        channels = [channel]
    else:
        raw = item.get("channels")
        if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
            raise ApiError(400, "channels must be an array of channel names")
        channels = raw
    socket_id = item.get("socket_id")
    if socket_id is not None and not isinstance(socket_id, str):
        raise ApiError(400, "socket_id must be a string")
    info = item.get("info")
    if info is not None and not isinstance(info, str):
        raise ApiError(400, "info must be a comma-separated string of attributes")
    return PublishRequest(name, data, channels, socket_id, attribute_list(info))


__all__ = [
    "Frame",
    "api_dumps",
    "attribute_list",
    "cache_miss",
    "channel_event",
    "client_message",
    "connection_established",
    "dumps",
    "error",
    "event_name",
    "json_object",
    "member_added",
    "member_removed",
    "object_data",
    "ping",
    "pong",
    "publish_request",
    "raw_data",
    "signin_success",
    "subscription_count",
    "subscription_succeeded",
    "watchlist_events",
]
