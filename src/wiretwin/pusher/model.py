"""Pusher Channels state and rules, with no I/O.

Theory of operation
-------------------
The model owns apps, connections, channels, presence rosters, signed-in users, watchlists
and the cache of cache channels. Protocol adapters call one method per thing a client or
the HTTP API asks for (``subscribe``, ``client_event``, ``publish``...). A method either
raises (:class:`PusherError` for a ``pusher:error`` answer, :class:`CloseConnection` to end
a connection, :class:`ApiError` for an HTTP status) and changes nothing, or applies the
change and reports its consequences through :class:`Effects`: frames to deliver to sockets,
connections to close, webhooks to send. The twin implements ``Effects`` with real sockets;
the test-control API calls the same methods, so there is no second path around the rules.

Time comes only from the :class:`~wiretwin.runtime.clock.Clock` (rate-limit windows, cache
TTLs); randomness only from the twin's seeded generator (socket ids).
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..runtime.clock import Clock
from . import frames
from .apps import App
from .auth import auth_matches, channel_string_to_sign, sign_channel, sign_user
from .channels import (
    SERVER_TO_USER_PREFIX,
    ChannelKind,
    ChannelType,
    channel_type,
    invalid_channel_name,
)
from .errors import CloseCode, CloseConnection, PusherError
from .frames import Frame, dumps
from .presence import PresenceRoster

MAX_WATCHLIST = 100
MAX_USER_ID = 128


class ApiError(Exception):
    """An HTTP API request broke a rule; answered with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Effects(Protocol):
    """Where the model's consequences go (the twin: sockets, webhooks, recorders)."""

    def deliver(self, socket_ids: Iterable[str], frame: Frame) -> None: ...

    def close(self, socket_id: str, code: int, message: str, error_first: bool) -> None: ...

    def webhook(self, app: App, event: dict[str, Any]) -> None: ...

    def client_event(self, app: App, socket_id: str, channel: str, event: str, data: str,
                     user_id: str | None) -> None:
        """A client event was accepted and relayed (for recorders)."""
        ...


@dataclass
class User:
    """A connection's signed-in user (``pusher:signin``)."""

    id: str
    user_data: str
    info: Any = None
    watchlist: list[str] = field(default_factory=list)


@dataclass(eq=False)
class Connection:
    socket_id: str
    app: App
    protocol: int
    channels: set[str] = field(default_factory=set)
    user: User | None = None
    client_event_times: deque[float] = field(default_factory=deque)
    open: bool = True


@dataclass
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


@dataclass
class PublishRequest:
    """One event from ``POST events`` or one entry of ``POST batch_events``."""

    name: str
    data: str
    channels: list[str]
    socket_id: str | None = None
    info: list[str] = field(default_factory=list)


class AppState:
    def __init__(self, app: App) -> None:
        self.app = app
        self.connections: dict[str, Connection] = {}
        self.channels: dict[str, Channel] = {}
        #: Signed-in user id -> its connections.
        self.users: dict[str, set[str]] = {}
        self.cache: dict[str, CachedEvent] = {}


def _user_id(value: object) -> str | None:
    """Presence user ids may be strings or numbers on the wire; they are keyed as strings."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str) and value:
        return value
    return None


class PusherModel:
    def __init__(self, apps: Iterable[App], effects: Effects, clock: Clock,
                 rng: random.Random) -> None:
        self.effects = effects
        self.clock = clock
        self.rng = rng
        self.states: dict[str, AppState] = {}
        self._by_key: dict[str, AppState] = {}
        for app in apps:
            self.add_app(app)
        #: socket id -> its app's state, for every open connection.
        self._socket_app: dict[str, AppState] = {}

    # -- apps -----------------------------------------------------------------------

    def add_app(self, app: App) -> None:
        if app.id in self.states or app.key in self._by_key:
            raise ValueError(f"an app with id {app.id} or key {app.key} already exists")
        state = AppState(app)
        self.states[app.id] = state
        self._by_key[app.key] = state

    def app_by_key(self, key: str) -> App | None:
        state = self._by_key.get(key)
        return state.app if state else None

    def app_by_id(self, app_id: str) -> App | None:
        state = self.states.get(app_id)
        return state.app if state else None

    def state(self, app: App) -> AppState:
        return self.states[app.id]

    # -- connections ----------------------------------------------------------------

    def connect(self, app: App, protocol: int) -> Connection:
        state = self.state(app)
        if not app.enabled:
            raise CloseConnection(CloseCode.APP_DISABLED, "Application disabled")
        if app.max_connections is not None and len(state.connections) >= app.max_connections:
            raise CloseConnection(
                CloseCode.OVER_CONNECTION_QUOTA, "Application is over connection quota"
            )
        socket_id = self._new_socket_id()
        conn = Connection(socket_id, app, protocol)
        state.connections[socket_id] = conn
        self._socket_app[socket_id] = state
        return conn

    def _new_socket_id(self) -> str:
        while True:
            socket_id = f"{self.rng.randrange(10**8, 10**9)}.{self.rng.randrange(10**8, 10**9)}"
            if socket_id not in self._socket_app:
                return socket_id

    def connection(self, socket_id: str) -> Connection | None:
        state = self._socket_app.get(socket_id)
        return state.connections.get(socket_id) if state else None

    def disconnect(self, conn: Connection) -> None:
        """The socket is gone: leave every channel, sign the user out."""
        if not conn.open:
            return
        conn.open = False
        state = self.state(conn.app)
        for name in list(conn.channels):
            self._leave(state, conn, name)
        if conn.user is not None:
            self._sign_out(state, conn)
        state.connections.pop(conn.socket_id, None)
        self._socket_app.pop(conn.socket_id, None)

    def close(self, conn: Connection, code: int, message: str, *, error_first: bool) -> None:
        """Ask the transport to close ``conn`` (its :meth:`disconnect` follows)."""
        self.effects.close(conn.socket_id, code, message, error_first)

    # -- subscriptions --------------------------------------------------------------

    def subscribe(self, conn: Connection, data: object) -> None:
        if not isinstance(data, dict):
            raise PusherError("Invalid subscription: data must be an object with a channel")
        name = data.get("channel")
        problem = invalid_channel_name(name)
        if problem is not None:
            raise PusherError(f"Invalid channel name: {problem}")
        assert isinstance(name, str)
        if name in conn.channels:
            raise PusherError(f"Existing subscription to channel {name}")
        ctype = channel_type(name)
        user_id: str | None = None
        user_info: Any = None
        if ctype.kind is ChannelKind.SERVER_TO_USER:
            if conn.user is None or name != SERVER_TO_USER_PREFIX + conn.user.id:
                raise PusherError(
                    f"Cannot subscribe to {name}: only the signed-in user "
                    f"{conn.user.id if conn.user else '(none)'} may subscribe to "
                    "their own server-to-user channel",
                    CloseCode.UNAUTHORIZED,
                )
        elif ctype.needs_auth:
            channel_data = data.get("channel_data")
            if ctype.presence and not isinstance(channel_data, str):
                raise PusherError(
                    f"Presence channel {name} requires channel_data: the JSON string "
                    "your auth endpoint returned with the signature"
                )
            signed_data = channel_data if ctype.presence else None
            assert signed_data is None or isinstance(signed_data, str)
            expected = sign_channel(conn.app.key, conn.app.secret, conn.socket_id, name,
                                    signed_data)
            given = data.get("auth")
            if not auth_matches(expected, given):
                raise PusherError(self._bad_signature(conn, name, signed_data, given))
            if ctype.presence:
                assert isinstance(signed_data, str)
                user_id, user_info = self._presence_member(conn.app, name, signed_data)
        state = self.state(conn.app)
        channel = state.channels.get(name)
        if ctype.presence and channel is not None and channel.roster is not None:
            roster = channel.roster
            if user_id not in roster and len(roster) >= conn.app.max_presence_members:
                raise PusherError(
                    f"Cannot subscribe to {name}: presence channels are limited to "
                    f"{conn.app.max_presence_members} members",
                    CloseCode.OVER_CAPACITY,
                )
        channel = self._channel(state, name)
        was_occupied = channel.occupied
        channel.subscribers[conn.socket_id] = user_id
        conn.channels.add(name)
        if not was_occupied:
            self.effects.webhook(conn.app, {"name": "channel_occupied", "channel": name})
        if channel.roster is not None:
            assert user_id is not None
            is_new = channel.roster.join(user_id, user_info, conn.socket_id)
            self.effects.deliver(
                [conn.socket_id], frames.subscription_succeeded(name, channel.roster.payload())
            )
            if is_new:
                self._member_added(conn.app, channel, user_id, user_info, exclude=conn.socket_id)
        else:
            self.effects.deliver([conn.socket_id], frames.subscription_succeeded(name))
            self._subscription_count_changed(conn.app, channel)
        if ctype.cache:
            self._replay_cache(state, conn, name)

    def _bad_signature(self, conn: Connection, name: str, channel_data: str | None,
                       given: object) -> str:
        to_sign = channel_string_to_sign(conn.socket_id, name, channel_data)
        if not isinstance(given, str) or not given:
            return (f"Auth value for subscription to {name} is missing or not a string: "
                    f"expected {conn.app.key}:<HMAC SHA256 hex digest of {to_sign}>")
        key, _, _ = given.partition(":")
        if key != conn.app.key:
            return f"Invalid key in subscription auth data: '{key}'"
        return (f"Invalid signature: Expected HMAC SHA256 hex digest of {to_sign}, "
                f"but got {given}")

    def _presence_member(self, app: App, name: str, channel_data: str) -> tuple[str, Any]:
        try:
            parsed = json.loads(channel_data)
        except ValueError:
            raise PusherError(
                f"Invalid channel_data for {name}: not JSON ({channel_data[:80]!r})"
            ) from None
        if not isinstance(parsed, dict):
            raise PusherError(f"Invalid channel_data for {name}: must be a JSON object")
        user_id = _user_id(parsed.get("user_id"))
        if user_id is None:
            raise PusherError(
                f"Invalid channel_data for {name}: user_id must be a non-empty string or number"
            )
        if len(user_id) > MAX_USER_ID:
            raise PusherError(
                f"Invalid channel_data for {name}: user_id longer than {MAX_USER_ID} characters"
            )
        info = parsed.get("user_info")
        size = len(dumps(info).encode()) if info is not None else 0
        if size > app.max_presence_user_info_bytes:
            raise PusherError(
                f"Invalid channel_data for {name}: user_info is {size} bytes, "
                f"over the {app.max_presence_user_info_bytes}-byte limit"
            )
        return user_id, info

    def _channel(self, state: AppState, name: str) -> Channel:
        channel = state.channels.get(name)
        if channel is None:
            ctype = channel_type(name)
            channel = Channel(name, ctype, roster=PresenceRoster() if ctype.presence else None)
            state.channels[name] = channel
        return channel

    def unsubscribe(self, conn: Connection, data: object) -> None:
        name = data.get("channel") if isinstance(data, dict) else None
        if not isinstance(name, str) or name not in conn.channels:
            return  # Pusher ignores unsubscribing from what you are not subscribed to.
        self._leave(self.state(conn.app), conn, name)

    def _leave(self, state: AppState, conn: Connection, name: str) -> None:
        conn.channels.discard(name)
        channel = state.channels.get(name)
        if channel is None or conn.socket_id not in channel.subscribers:
            return
        user_id = channel.subscribers.pop(conn.socket_id)
        if channel.roster is not None and user_id is not None:
            if channel.roster.leave(user_id, conn.socket_id):
                self._member_removed(conn.app, channel, user_id)
        else:
            self._subscription_count_changed(conn.app, channel)
        self._maybe_vacate(state, channel)

    def _maybe_vacate(self, state: AppState, channel: Channel) -> None:
        if channel.occupied:
            return
        del state.channels[channel.name]
        self.effects.webhook(state.app, {"name": "channel_vacated", "channel": channel.name})

    def _member_added(self, app: App, channel: Channel, user_id: str, info: Any,
                      exclude: str | None) -> None:
        others = [s for s in channel.subscribers if s != exclude]
        if others:
            self.effects.deliver(others, frames.member_added(channel.name, user_id, info))
        self.effects.webhook(
            app, {"name": "member_added", "channel": channel.name, "user_id": user_id}
        )

    def _member_removed(self, app: App, channel: Channel, user_id: str) -> None:
        if channel.subscribers:
            self.effects.deliver(
                list(channel.subscribers), frames.member_removed(channel.name, user_id)
            )
        self.effects.webhook(
            app, {"name": "member_removed", "channel": channel.name, "user_id": user_id}
        )

    def _subscription_count_changed(self, app: App, channel: Channel) -> None:
        if not app.subscription_count:
            return
        count = channel.subscription_count
        if channel.subscribers:
            self.effects.deliver(
                list(channel.subscribers), frames.subscription_count(channel.name, count)
            )
        self.effects.webhook(app, {
            "name": "subscription_count", "channel": channel.name, "subscription_count": count,
        })

    def _replay_cache(self, state: AppState, conn: Connection, name: str) -> None:
        cached = self._cached(state, name)
        if cached is not None:
            self.effects.deliver(
                [conn.socket_id], frames.channel_event(name, cached.event, cached.data)
            )
        else:
            self.effects.deliver([conn.socket_id], frames.cache_miss(name))
            self.effects.webhook(conn.app, {"name": "cache_miss", "channel": name})

    def _cached(self, state: AppState, name: str) -> CachedEvent | None:
        cached = state.cache.get(name)
        if cached is not None and cached.expires <= self.clock.monotonic():
            del state.cache[name]
            return None
        return cached

    # -- presence members without sockets (test-control API) -------------------------

    def add_member(self, app: App, name: str, user_id: str, user_info: Any) -> bool:
        """Put a user in a presence channel's roster with no socket; True if new."""
        if not channel_type(name).presence or invalid_channel_name(name):
            raise ValueError(f"{name!r} is not a presence channel name")
        state = self.state(app)
        channel = self._channel(state, name)
        assert channel.roster is not None
        was_occupied = channel.occupied
        is_new = channel.roster.join(user_id, user_info, None)
        if not was_occupied:
            self.effects.webhook(app, {"name": "channel_occupied", "channel": name})
        if is_new:
            self._member_added(app, channel, user_id, user_info, exclude=None)
        return is_new

    def remove_member(self, app: App, name: str, user_id: str) -> bool:
        """Take a socketless member out again; True if the user left the channel."""
        state = self.state(app)
        channel = state.channels.get(name)
        if channel is None or channel.roster is None:
            return False
        gone = channel.roster.leave(user_id, None)
        if gone:
            self._member_removed(app, channel, user_id)
        self._maybe_vacate(state, channel)
        return gone

    # -- client events --------------------------------------------------------------

    def client_event(self, conn: Connection, message: dict[str, Any], size: int) -> None:
        event = message.get("event")
        name = message.get("channel")
        assert isinstance(event, str)
        if not isinstance(name, str) or name not in conn.channels:
            raise PusherError(
                f"Client event rejected - you must be subscribed to the channel "
                f"({name!r}) to send events to it"
            )
        ctype = channel_type(name)
        if not ctype.accepts_client_events:
            raise PusherError(
                "Client event rejected - only supported on private and presence channels"
            )
        if not conn.app.client_events:
            raise PusherError(
                "To send client events, you must enable this feature in the Settings page "
                "of your dashboard."
            )
        if size > conn.app.max_event_bytes:
            raise PusherError(_too_large(conn.app))
        now = self.clock.monotonic()
        times = conn.client_event_times
        while times and now - times[0] >= 1.0:
            times.popleft()
        if len(times) >= conn.app.client_events_per_second:
            raise PusherError(
                f"Client event rejected due to rate limit ({conn.app.client_events_per_second} "
                "per second per connection)",
                CloseCode.CLIENT_EVENT_RATE_LIMIT,
            )
        times.append(now)
        raw = message.get("data")
        data = raw if isinstance(raw, str) else dumps(raw)
        state = self.state(conn.app)
        channel = state.channels[name]
        user_id = channel.subscribers.get(conn.socket_id) if ctype.presence else None
        others = [s for s in channel.subscribers if s != conn.socket_id]
        if others:
            self.effects.deliver(others, frames.channel_event(name, event, data, user_id))
        self.effects.client_event(conn.app, conn.socket_id, name, event, data, user_id)
        hook: dict[str, Any] = {
            "name": "client_event", "channel": name, "event": event, "data": data,
            "socket_id": conn.socket_id,
        }
        if user_id is not None:
            hook["user_id"] = user_id
        self.effects.webhook(conn.app, hook)

    # -- users ----------------------------------------------------------------------

    def signin(self, conn: Connection, data: object) -> None:
        if not isinstance(data, dict):
            raise PusherError("Invalid signin: data must be an object with auth and user_data")
        if conn.user is not None:
            raise PusherError(
                f"Connection is already signed in as user {conn.user.id}", CloseCode.UNAUTHORIZED
            )
        user_data = data.get("user_data")
        if not isinstance(user_data, str):
            raise PusherError("Invalid signin: user_data must be a JSON string",
                              CloseCode.UNAUTHORIZED)
        expected = sign_user(conn.app.key, conn.app.secret, conn.socket_id, user_data)
        given = data.get("auth")
        if not auth_matches(expected, given):
            raise PusherError(
                f"Invalid signature: Expected HMAC SHA256 hex digest of "
                f"{conn.socket_id}::user::{user_data}, but got {given}",
                CloseCode.UNAUTHORIZED,
            )
        try:
            parsed = json.loads(user_data)
        except ValueError:
            raise PusherError("Invalid signin: user_data is not JSON",
                              CloseCode.UNAUTHORIZED) from None
        uid = parsed.get("id") if isinstance(parsed, dict) else None
        if not isinstance(uid, str) or not uid:
            raise PusherError("Invalid signin: user_data must have an id that is a "
                              "non-empty string", CloseCode.UNAUTHORIZED)
        raw_watchlist = parsed.get("watchlist") or []
        if not isinstance(raw_watchlist, list):
            raise PusherError("Invalid signin: watchlist must be an array of user ids",
                              CloseCode.UNAUTHORIZED)
        watchlist = [w for w in (_user_id(x) for x in raw_watchlist) if w is not None]
        user = User(uid, user_data, parsed.get("user_info"), watchlist[:MAX_WATCHLIST])
        state = self.state(conn.app)
        conn.user = user
        sockets = state.users.setdefault(uid, set())
        first = not sockets
        sockets.add(conn.socket_id)
        self.effects.deliver([conn.socket_id], frames.signin_success(user_data))
        if len(watchlist) > MAX_WATCHLIST:
            self.effects.deliver([conn.socket_id], frames.error(
                f"Watchlist limit exceeded. Only the first {MAX_WATCHLIST} user IDs are "
                "accepted.", CloseCode.WATCHLIST_LIMIT))
        online = [w for w in user.watchlist if state.users.get(w)]
        if online:
            self.effects.deliver([conn.socket_id], frames.watchlist_events(
                [{"name": "online", "user_ids": online}]))
        if first:
            self._notify_watchers(state, uid, "online")

    def _sign_out(self, state: AppState, conn: Connection) -> None:
        assert conn.user is not None
        uid = conn.user.id
        sockets = state.users.get(uid)
        if sockets is None:
            return
        sockets.discard(conn.socket_id)
        if not sockets:
            del state.users[uid]
            self._notify_watchers(state, uid, "offline")

    def _notify_watchers(self, state: AppState, uid: str, what: str) -> None:
        watchers = [
            c.socket_id for c in state.connections.values()
            if c.open and c.user is not None and uid in c.user.watchlist
        ]
        if watchers:
            self.effects.deliver(watchers, frames.watchlist_events(
                [{"name": what, "user_ids": [uid]}]))

    def terminate_user_connections(self, app: App, user_id: str) -> int:
        """Close every connection signed in as ``user_id``; how many there were."""
        sockets = list(self.state(app).users.get(user_id, ()))
        for socket_id in sockets:
            self.effects.close(socket_id, CloseCode.UNAUTHORIZED,
                               "Connection terminated by the server", False)
        return len(sockets)

    # -- publishing (HTTP API) ---------------------------------------------------------

    def check_publish(self, app: App, request: PublishRequest) -> None:
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
            raise ApiError(413, _too_large(app))
        if request.socket_id is not None and not _valid_socket_id(request.socket_id):
            raise ApiError(400, f"Invalid socket id: {request.socket_id!r}")
        for attr in request.info:
            if attr not in ("user_count", "subscription_count"):
                raise ApiError(400, f"Invalid info attribute: {attr}")
            for name in request.channels:
                self._check_attribute(app, name, attr)

    def _check_attribute(self, app: App, name: str, attr: str) -> None:
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

    def publish(self, app: App, request: PublishRequest) -> dict[str, Any]:
        """Deliver one event (already checked); returns its ``info`` attributes per channel."""
        state = self.state(app)
        for name in request.channels:
            frame = frames.channel_event(name, request.name, request.data)
            channel = state.channels.get(name)
            if channel is not None and channel.subscribers:
                subs = channel.subscribers
                if request.socket_id is not None and request.socket_id in subs:
                    targets: Iterable[str] = [s for s in subs if s != request.socket_id]
                else:
                    targets = subs.keys()
                self.effects.deliver(targets, frame)
            if channel_type(name).cache:
                state.cache[name] = CachedEvent(
                    request.name, request.data, self.clock.monotonic() + app.cache_ttl
                )
        if not request.info:
            return {}
        return {name: self.channel_attributes(app, name, request.info)
                for name in request.channels}

    # -- queries (HTTP API and test-control API) --------------------------------------

    def channel_attributes(self, app: App, name: str, attrs: Iterable[str]) -> dict[str, Any]:
        state = self.state(app)
        channel = state.channels.get(name)
        out: dict[str, Any] = {}
        for attr in attrs:
            if attr == "user_count":
                out["user_count"] = len(channel.roster) if channel and channel.roster else 0
            elif attr == "subscription_count":
                out["subscription_count"] = channel.subscription_count if channel else 0
            elif attr == "cache":
                cached = self._cached(state, name)
                if cached is not None:
                    out["cache"] = {
                        "data": cached.data,
                        "ttl": max(0, round(cached.expires - self.clock.monotonic())),
                    }
        return out

    def channel_info(self, app: App, name: str, attrs: list[str]) -> dict[str, Any]:
        problem = invalid_channel_name(name)
        if problem is not None:
            raise ApiError(400, f"Invalid channel name: {problem}")
        for attr in attrs:
            if attr not in ("user_count", "subscription_count", "cache"):
                raise ApiError(400, f"Invalid info attribute: {attr}")
            self._check_attribute(app, name, attr)
        channel = self.state(app).channels.get(name)
        out: dict[str, Any] = {"occupied": bool(channel and channel.occupied)}
        out.update(self.channel_attributes(app, name, attrs))
        return out

    def channels(self, app: App, prefix: str, attrs: list[str]) -> dict[str, Any]:
        for attr in attrs:
            if attr != "user_count":
                raise ApiError(400, f"Invalid info attribute for the channels list: {attr}")
            if not prefix.startswith("presence-"):
                raise ApiError(
                    400,
                    "user_count may only be requested for presence channels - please supply "
                    "filter_by_prefix begining with presence-",
                )
        return {
            name: self.channel_attributes(app, name, attrs)
            for name, channel in sorted(self.state(app).channels.items())
            if name.startswith(prefix) and channel.occupied
            and channel.type.kind is not ChannelKind.SERVER_TO_USER
        }

    def users(self, app: App, name: str) -> list[str]:
        problem = invalid_channel_name(name)
        if problem is not None:
            raise ApiError(400, f"Invalid channel name: {problem}")
        if not channel_type(name).presence:
            raise ApiError(400, "Users can only be retrieved for presence channels")
        channel = self.state(app).channels.get(name)
        return list(channel.roster.members) if channel and channel.roster else []


def _too_large(app: App) -> str:
    return (
        f"The data content of this event exceeds the allowed maximum ({app.max_event_bytes} "
        "bytes). See https://pusher.com/docs/channels/server_api/http-api#publishing-events "
        "for more info"
    )


def _valid_socket_id(value: str) -> bool:
    left, dot, right = value.partition(".")
    return bool(dot) and left.isdigit() and right.isdigit()


__all__ = [
    "ApiError",
    "AppState",
    "CachedEvent",
    "Channel",
    "Connection",
    "Effects",
    "PublishRequest",
    "PusherModel",
    "User",
]
