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

Alongside: :mod:`.state` (what is kept), :mod:`.users` (sign-in and watchlists),
:mod:`.limits` (what the HTTP API accepts), :mod:`.presence` (rosters),
:mod:`.channel_auth` (what a private or presence subscription must carry),
:mod:`.queries` (what the HTTP API asks), :mod:`.peering` (what the other processes of a
cluster tell, when the twin is scaled out over Redis: the model's ``peers``).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from ..runtime.clock import Clock
from . import users, wire
from .apps import App
from .channel_auth import check_channel_auth
from .channels import (
    SERVER_TO_USER_PREFIX,
    ChannelKind,
    channel_type,
    invalid_channel_name,
)
from .errors import CloseCode, CloseConnection, PusherError, shown
from .limits import PublishRequest, check_publish, too_large
from .peering import PeerUpdates
from .presence import PresenceRoster
from .queries import ChannelCount, ChannelQueries
from .state import (
    AppState,
    CachedEvent,
    Channel,
    Connection,
    Effects,
    NoPeers,
    Peers,
    User,
)


class PusherModel(ChannelQueries, PeerUpdates):
    def __init__(self, apps: Iterable[App], effects: Effects, clock: Clock,
                 rng: random.Random, peers: Peers | None = None) -> None:
        self.effects = effects
        #: Other processes serving the same apps (none unless scaled out over Redis).
        self.peers: Peers = peers if peers is not None else NoPeers()
        self.clock = clock
        self.rng = rng
        #: While connections are dropped by a reset: no webhooks for their leaving.
        self._quiet = False
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

    def update_apps(self, apps: list[App]) -> None:
        """Take each of ``apps``' settings onto the app with its id (connections keep
        pointing at it), as one change: a key may move from one of them to another (two
        apps swapping keys)."""
        moving = [app for app in apps if self.states[app.id].app.key != app.key]
        held = {self.states[app.id].app.key for app in moving}
        for app in moving:
            if app.key in self._by_key and app.key not in held:
                raise ValueError(f"an app with key {app.key} already exists")
        for app in moving:
            del self._by_key[self.states[app.id].app.key]
        for app in moving:
            self._by_key[app.key] = self.states[app.id]
        for app in apps:
            current = self.states[app.id].app
            for name, value in vars(app).items():
                setattr(current, name, value)

    def remove_app(self, app_id: str) -> None:
        """Forget an app (its connections must be closed first)."""
        state = self.states.pop(app_id)
        del self._by_key[state.app.key]

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
        state = self._socket_app.pop(conn.socket_id, None)
        if state is None or self.states.get(state.app.id) is not state:
            return  # its app was removed meanwhile: nothing left to leave
        for name in sorted(conn.channels):  # an order that does not hang on string hashing
            self._leave(state, conn, name)
        if conn.user is not None:
            users.sign_out(state, conn, self.effects, self.peers)
        state.connections.pop(conn.socket_id, None)

    def drop_connections(self) -> None:
        """A reset: every connection gone at once, as :meth:`disconnect` leaves each, but
        with no webhooks for their leaving (the next test's receiver would get them); the
        transport closes the sockets, and their own disconnects find nothing left to do."""
        self._quiet = True
        try:
            for state in list(self.states.values()):
                for conn in list(state.connections.values()):
                    self.disconnect(conn)
        finally:
            self._quiet = False

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
            user_id, user_info = check_channel_auth(conn, name, ctype.presence, data)
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
        self.peers.joined(conn.app, name, conn.socket_id, user_id, user_info)
        if not was_occupied:
            self._membership_webhook(conn.app, {"name": "channel_occupied", "channel": name})
        if channel.roster is not None:
            assert user_id is not None
            is_new = channel.roster.join(user_id, user_info, conn.socket_id)
            self.effects.deliver(
                [conn.socket_id], wire.subscription_succeeded(name, channel.roster.payload())
            )
            if is_new:
                self._member_added(conn.app, channel, user_id, user_info, exclude=conn.socket_id)
        else:
            self.effects.deliver([conn.socket_id], wire.subscription_succeeded(name))
            self._subscription_count_changed(conn.app, channel)
        if ctype.cache:
            self._replay_cache(state, conn, name)

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
        self.peers.left(conn.app, name, conn.socket_id, user_id)
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
        self._membership_webhook(state.app, {"name": "channel_vacated",
                                             "channel": channel.name})

    def _membership_webhook(self, app: App, event: dict[str, Any]) -> None:
        """Occupied/vacated and member webhooks: this model's to send, unless the peers
        decide them cluster-wide (then each goes out once per cluster, from them)."""
        if not self.peers.shares_membership and not self._quiet:
            self.effects.webhook(app, event)

    def _member_added(self, app: App, channel: Channel, user_id: str, info: Any,
                      exclude: str | None) -> None:
        others = [s for s in channel.subscribers if s != exclude]
        if others:
            self.effects.deliver(others, wire.member_added(channel.name, user_id, info))
        self._membership_webhook(
            app, {"name": "member_added", "channel": channel.name, "user_id": user_id}
        )

    def _member_removed(self, app: App, channel: Channel, user_id: str) -> None:
        if channel.subscribers:
            self.effects.deliver(
                list(channel.subscribers), wire.member_removed(channel.name, user_id)
            )
        self._membership_webhook(
            app, {"name": "member_removed", "channel": channel.name, "user_id": user_id}
        )

    def _subscription_count_changed(self, app: App, channel: Channel) -> None:
        if not app.subscription_count or self.peers.shares_membership:
            return  # (in a cluster, the count is the cluster's: see subscription_counted)
        count = channel.subscription_count
        if channel.subscribers:
            self.effects.deliver(
                list(channel.subscribers), wire.subscription_count(channel.name, count)
            )
        self.effects.webhook(app, {
            "name": "subscription_count", "channel": channel.name, "subscription_count": count,
        })

    def _replay_cache(self, state: AppState, conn: Connection, name: str) -> None:
        cached = self._cached(state, name)
        if cached is not None:
            self.effects.deliver(
                [conn.socket_id], wire.channel_event(name, cached.event, cached.data)
            )
        else:
            self.effects.deliver([conn.socket_id], wire.cache_miss(name))
            self.effects.webhook(conn.app, {"name": "cache_miss", "channel": name})

    def _cache_put(self, state: AppState, name: str, event: str, data: str) -> None:
        """Keep ``event`` as the channel's last one, within ``max_cached_channels``: past it
        the expired entries go, then the least recently published (the cache is in
        publishing order: an update moves its channel to the end)."""
        now = self.clock.monotonic()
        state.cache.pop(name, None)
        state.cache[name] = CachedEvent(event, data, now + state.app.cache_ttl)
        limit = state.app.max_cached_channels
        if len(state.cache) <= limit:
            return
        for key in [k for k, c in state.cache.items() if c.expires <= now]:
            del state.cache[key]
        while len(state.cache) > limit:
            del state.cache[next(iter(state.cache))]

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
        was_virtual = user_id in channel.roster and channel.roster.members[user_id].virtual
        is_new = channel.roster.join(user_id, user_info, None)
        if not was_virtual:
            self.peers.joined(app, name, None, user_id, user_info)
        if not was_occupied:
            self._membership_webhook(app, {"name": "channel_occupied", "channel": name})
        if is_new:
            self._member_added(app, channel, user_id, user_info, exclude=None)
        return is_new

    def remove_member(self, app: App, name: str, user_id: str) -> bool:
        """Take a socketless member out again; True if the user left the channel."""
        state = self.state(app)
        channel = state.channels.get(name)
        if channel is None or channel.roster is None:
            return False
        member = channel.roster.members.get(user_id)
        if member is not None and member.virtual:
            self.peers.left(app, name, None, user_id)
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
                f"({shown(repr(name), 200)}) to send events to it"
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
            raise PusherError(too_large(conn.app))
        now = self.clock.monotonic()
        times = conn.client_event_times
        if times is None:
            times = conn.client_event_times = deque()
        while times and now - times[0] >= 1.0:
            times.popleft()
        if len(times) >= conn.app.client_events_per_second:
            raise PusherError(
                f"Client event rejected due to rate limit ({conn.app.client_events_per_second} "
                "per second per connection)",
                CloseCode.CLIENT_EVENT_RATE_LIMIT,
            )
        times.append(now)
        data = wire.raw_data(message)
        state = self.state(conn.app)
        channel = state.channels[name]
        user_id = channel.subscribers.get(conn.socket_id) if ctype.presence else None
        others = [s for s in channel.subscribers if s != conn.socket_id]
        if others:
            self.effects.deliver(others, wire.channel_event(name, event, data, user_id))
        self.effects.client_event(conn.app, conn.socket_id, name, event, data, user_id)
        self.peers.client_event(conn.app, name, event, data, user_id, conn.socket_id)
        hook: dict[str, Any] = {
            "name": "client_event", "channel": name, "event": event, "data": data,
            "socket_id": conn.socket_id,
        }
        if user_id is not None:
            hook["user_id"] = user_id
        self.effects.webhook(conn.app, hook)

    # -- users ----------------------------------------------------------------------

    def signin(self, conn: Connection, data: object) -> None:
        users.signin(self.state(conn.app), conn, data, self.effects, self.peers)

    def terminate_user_connections(self, app: App, user_id: str, *,
                                   relayed: bool = False) -> int:
        """Close the user's connections here (and, unless ``relayed`` from a peer, tell
        the peers to close theirs); how many were here."""
        if not relayed:
            self.peers.terminated(app, user_id)
        return users.terminate_user_connections(self.state(app), user_id, self.effects)

    # -- publishing (HTTP API) ---------------------------------------------------------

    def check_publish(self, app: App, request: PublishRequest) -> None:
        """Raise :class:`ApiError` if ``request`` breaks a rule; change nothing."""
        check_publish(app, request)

    def publish(self, app: App, request: PublishRequest, *, relayed: bool = False,
                counts: Mapping[str, ChannelCount] | None = None) -> dict[str, Any]:
        """Deliver one event (already checked); returns its ``info`` attributes per channel
        (from ``counts`` when given). ``relayed``: published by another process, which
        told the others already."""
        state = self.state(app)
        for name in request.channels:
            if not relayed:
                self.peers.published(app, name, request.name, request.data,
                                     request.socket_id)
            frame = wire.channel_event(name, request.name, request.data)
            channel = state.channels.get(name)
            if channel is not None and channel.subscribers:
                subs = channel.subscribers
                if request.socket_id is not None and request.socket_id in subs:
                    targets: Iterable[str] = [s for s in subs if s != request.socket_id]
                else:
                    targets = subs.keys()
                self.effects.deliver(targets, frame)
            if channel_type(name).cache:
                self._cache_put(state, name, request.name, request.data)
        if not request.info:
            return {}
        return {name: self.channel_attributes(app, name, request.info, counts)
                for name in request.channels}


__all__ = [
    "AppState",
    "CachedEvent",
    "Channel",
    "ChannelCount",
    "Connection",
    "Effects",
    "PublishRequest",
    "PusherModel",
    "User",
]
