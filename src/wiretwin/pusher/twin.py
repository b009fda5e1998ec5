"""The Pusher Channels twin: one server, its model, and the test-control API.

Websocket clients connect to ``ws://127.0.0.1:{port}/app/{key}``; the HTTP API answers at
``http://127.0.0.1:{port}/apps/{app_id}/...`` on the same port, as soketi does. Control
methods may be called from any thread: they hop into the twin's home loop and run the very
model operations the wire runs (rule 4: control goes through the front door).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from ..runtime.admin import AdminRoute
from ..runtime.base import Twin
from ..runtime.clock import Clock
from ..runtime.journal import DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_LIMIT
from ..runtime.threads import await_in_loop
from ..runtime.wire import WireSocket, plain_error
from ..runtime.worlds import world_table
from .admin import PusherAdmin
from .apps import App, default_app
from .auth import sign_channel, sign_user
from .client import PusherTestClient
from .cluster import RedisPeers
from .cluster_link import LinkState
from .errors import ApiError, CloseCode
from .http import PusherHttpApi
from .limits import PublishRequest
from .model import ChannelCount, PusherModel
from .recorder import DEFAULT_BYTES, DEFAULT_LIMIT, ClientEvent, PusherRecorder, TriggeredEvent
from .settings import client_settings
from .snapshot import restore, snapshot
from .webhooks import WebhookSender
from .websocket import PusherSockets
from .wire import Frame, dumps

log = logging.getLogger("wiretwin.pusher")


class PusherTwin(Twin):
    """An offline Pusher Channels: websocket protocol 4-7 and the HTTP API."""

    service = "pusher"
    heartbeat_events = frozenset({"pusher:ping", "pusher:pong", "ws:pong"})
    #: Pusher's "generic reconnect immediately", after a ``pusher:error`` saying so.
    internal_close = (int(CloseCode.GENERIC_RECONNECT), "Internal error; please reconnect")

    def __init__(
        self,
        apps: Sequence[App] | None = None,
        *,
        world: str | Path | Mapping[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        clock: Clock | None = None,
        journal_limit: int = DEFAULT_JOURNAL_LIMIT,
        journal_bytes: int = DEFAULT_JOURNAL_BYTES,
        admin_token: str | None = None,
        recorder_limit: int | None = DEFAULT_LIMIT,
        recorder_bytes: int | None = DEFAULT_BYTES,
        cluster: str | None = None,
        cluster_node: str | None = None,
        cluster_sweep: float = 1.0,
        cluster_reconnect: tuple[float, float] = (0.1, 5.0),
        cluster_pending: int = 100_000,
    ) -> None:
        """``world``: where to start and what :meth:`reset` returns to, as for the other
        twins (a world file's path, a whole world, or a Pusher snapshot; see
        :func:`~wiretwin.runtime.worlds.world_table`). Its ``[pusher]`` table names the
        apps, so it cannot be given with ``apps``; a world without one starts from
        ``apps`` (by default :func:`default_app`).

        ``cluster``: a ``redis://host:port/db`` URL to share the apps with every other
        Pusher twin given the same one (scale-out over Redis; see the Pusher guide).
        ``cluster_node`` names this twin in the cluster (default: random at each start);
        ``cluster_sweep`` is how often, in seconds, it looks for twins that died.
        ``cluster_reconnect``: the first and the longest delay, in seconds, between
        attempts to reach Redis again after losing it (doubling, with jitter drawn from
        ``seed``). ``cluster_pending``: how many changes may wait for Redis's answers;
        past that (a Redis that hangs), Redis is taken as lost."""
        self._peers = (RedisPeers(cluster, node=cluster_node, sweep_interval=cluster_sweep,
                                  reconnect=cluster_reconnect, max_pending=cluster_pending,
                                  seed=seed)
                       if cluster is not None else None)
        #: A snapshot (a world's ``[pusher]`` table) to start from instead of ``apps``.
        self._world = world_table(world, "pusher")
        if self._world is not None and apps:
            raise ValueError("give PusherTwin apps or a world with a [pusher] table, not both")
        self._apps = list(apps) if apps else [default_app()]
        self._recorder_bounds = (recorder_limit, recorder_bytes)
        super().__init__(host=host, port=port, seed=seed, clock=clock,
                         journal_limit=journal_limit, journal_bytes=journal_bytes,
                         admin_token=admin_token)

    def _setup(self) -> None:
        self.recorder = PusherRecorder(*self._recorder_bounds)
        self.webhooks = WebhookSender(self.clock, self.recorder)
        self.model = PusherModel(self._apps, self, self.clock, self.random, self._peers)
        if self._peers is not None:
            self._peers.attach(self.model, self.webhooks.send)
        self.sockets = PusherSockets(self.model, self.server, self.wire)
        self.http_api = PusherHttpApi(self.model, self.recorder, self.clock, self._peers)
        if self._world is not None:
            restore(self.model, self.clock, self._world)
        #: What reset() goes back to: the built state (with its world, if given one).
        self._initial = snapshot(self.model, self.clock)

    def _snapshot(self) -> dict[str, Any]:
        return snapshot(self.model, self.clock)

    def _restore(self, data: dict[str, Any]) -> None:
        restore(self.model, self.clock, data)

    def _reset(self, disconnect: bool) -> None:
        if disconnect:
            self.sockets.close_all(CloseCode.GENERIC_RECONNECT, "Reset")
            self.model.drop_connections()  # gone now, not when each close completes
        restore(self.model, self.clock, self._initial)
        self.recorder.clear()

    def _admin_routes(self) -> list[AdminRoute]:
        return PusherAdmin(self).routes()

    def _routes(self) -> list[web.RouteDef]:
        # Last, any method on a path without a route: Pusher's 404 (or, for an upgrade,
        # 4005).
        return [*self.sockets.routes(), *self.http_api.routes(),
                web.route("*", "/{tail:.*}", self._fallback)]

    async def _fallback(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.sockets.refuse_path(request)
        return self._http_error(request, 404, None)

    def _http_error(self, request: web.Request | None, status: int, message: str | None
                    ) -> web.Response:
        """Pusher's plain-text refusal. A path without a route is ``404 NOT FOUND``, as the
        API answers it (pusher/pusher-js issue #592: ``body: '404 NOT FOUND\\n'``); other
        statuses with nothing to add are the status line."""
        if message is None and status == 404:
            message = "404 NOT FOUND"
        return plain_error(request, status, message)

    async def _on_start(self) -> None:
        if self._peers is not None:
            await self._peers.start()
            # Socket ids differ across the cluster's twins, even with the same seed.
            self.model.rng = random.Random(f"{self.seed}/{self._peers.node}")

    async def _on_stop(self) -> None:
        self.sockets.close_all(CloseCode.GENERIC_RECONNECT, "Server shutting down")
        if self._peers is not None:
            await self._peers.stop()
            # What leaving the cluster decided (members gone, channels vacated) goes out
            # before the sender closes, if the endpoints answer soon.
            with contextlib.suppress(TimeoutError):
                await self.webhooks.wait_idle(1.0)
        await self.webhooks.close()

    # -- scale-out over Redis -----------------------------------------------------------

    @property
    def cluster(self) -> RedisPeers | None:
        """This twin's link to the other twins sharing its apps through Redis (None when
        it runs alone)."""
        return self._peers

    async def cluster_sweep(self) -> list[str]:
        """Look for cluster twins that died now (it happens every ``cluster_sweep``
        seconds anyway): their presence members leave. Returns their node ids. For a
        grace period after this twin came back from losing Redis, only twins that did
        not come back after Redis lost its data are let go (the others may be
        reconnecting too)."""
        if self._peers is None:
            return []
        return await await_in_loop(self.loop, self._peers.sweep())

    async def wait_cluster(self, state: LinkState = "up", timeout: float = 10.0) -> None:
        """Wait until this twin's link to Redis is ``state``: ``"up"`` (sharing its apps
        with the cluster), ``"down"`` (Redis lost; reconnecting) or ``"stopped"``.
        TimeoutError after ``timeout`` seconds; ValueError for a twin not in a cluster."""
        if self._peers is None:
            raise ValueError("this Pusher twin is not in a cluster (give it cluster=...)")
        await await_in_loop(self.loop, self._peers.link.wait(state, timeout))

    async def cluster_counts(self, app: App, channels: list[str] | None = None
                             ) -> dict[str, ChannelCount] | None:
        """In the home loop: the cluster's numbers for ``channels`` (default: every
        occupied one), or None when this twin runs alone."""
        if self._peers is None or not self._peers.active:
            return None
        return await self._peers.counts(app, channels)

    def _cluster_counts(self, app: App) -> dict[str, ChannelCount] | None:
        """The cluster's channel numbers, when this twin is in a cluster and the caller
        is not in its home loop (which cannot block on Redis); else None (this twin's)."""
        peers, loop = self._peers, self.home_loop
        if peers is None or not peers.active or loop is None:
            return None
        try:
            if asyncio.get_running_loop() is loop:
                return None
        except RuntimeError:
            pass
        return asyncio.run_coroutine_threadsafe(peers.counts(app), loop).result(30)

    # -- Effects (what the model asks the wire to do) ----------------------------------

    def deliver(self, socket_ids: Iterable[str], frame: Frame) -> None:
        sockets = self.sockets.sockets
        socks = [sock for socket_id in socket_ids
                 if (sock := sockets.get(socket_id)) is not None]
        sent = WireSocket.send_to_each(socks, frame.text, frame.wire, event=frame.event)
        frame.forget_wire()
        if sent:
            # A socket is known by its Pusher socket id once open (WireSocket.rename).
            self.recorder.record_deliveries([sock.id for sock in sent], frame)

    def close(self, socket_id: str, code: int, message: str, error_first: bool) -> None:
        self.sockets.close(socket_id, code, message, error_first=error_first)

    def webhook(self, app: App, event: dict[str, Any]) -> None:
        self.webhooks.send(app, event)

    def client_event(self, app: App, socket_id: str, channel: str, event: str, data: str,
                     user_id: str | None) -> None:
        self.recorder.client_events.append(ClientEvent(socket_id, channel, event, data,
                                                       user_id))

    # -- apps and settings ------------------------------------------------------------

    @property
    def apps(self) -> list[App]:
        return [state.app for state in self.model.states.values()]

    @property
    def app(self) -> App:
        """The first (by default the only) app."""
        return next(iter(self.model.states.values())).app

    def find_app(self, app: App | str | None) -> App:
        """An app by id or key (``None``: the first app); KeyError when there is none."""
        if app is None:
            return self.app
        if isinstance(app, App):
            return app
        found = self.model.app_by_id(app) or self.model.app_by_key(app)
        if found is None:
            raise KeyError(f"no app with id or key {app!r}")
        return found

    def settings(self, app: App | str | None = None) -> dict[str, Any]:
        """Ready-to-use settings for pusher-http-python, pusher-js and Pysher."""
        return client_settings(self.find_app(app), host=self.host, port=self.port)

    # -- signing helpers (what an app's auth endpoint computes) -------------------------

    def sign_channel(self, socket_id: str, channel: str, channel_data: str | None = None,
                     app: App | str | None = None) -> str:
        a = self.find_app(app)
        return sign_channel(a.key, a.secret, socket_id, channel, channel_data)

    def sign_user(self, socket_id: str, user_data: str, app: App | str | None = None) -> str:
        a = self.find_app(app)
        return sign_user(a.key, a.secret, socket_id, user_data)

    # -- test-control API -------------------------------------------------------------

    def trigger(self, channels: str | Sequence[str], event: str, data: Any, *,
                socket_id: str | None = None, app: App | str | None = None) -> None:
        """Publish as ``POST events`` would (same checks), without signing a request."""
        names = [channels] if isinstance(channels, str) else list(channels)
        payload = data if isinstance(data, str) else dumps(data)
        a = self.find_app(app)
        request = PublishRequest(event, payload, names, socket_id)

        def run() -> None:
            self.model.check_publish(a, request)
            self.model.publish(a, request)
            self.recorder.triggered.append(
                TriggeredEvent(a.id, event, tuple(names), payload, socket_id, "test"))

        self.call(run)

    def channels_info(self, prefix: str = "", attributes: Sequence[str] = (),
                      app: App | str | None = None) -> dict[str, Any]:
        """The body ``GET /apps/{id}/channels`` answers with."""
        a = self.find_app(app)
        counts = self._cluster_counts(a)
        return self.call(lambda: {"channels": self.model.channels(a, prefix, list(attributes),
                                                                  counts)})

    def channel_info(self, channel: str, attributes: Sequence[str] = (),
                     app: App | str | None = None) -> dict[str, Any]:
        a = self.find_app(app)
        counts = self._cluster_counts(a)
        return self.call(self.model.channel_info, a, channel, list(attributes), counts)

    def users_info(self, channel: str, app: App | str | None = None) -> dict[str, Any]:
        a = self.find_app(app)
        return self.call(lambda: {"users": [{"id": u} for u in self.model.users(a, channel)]})

    def members(self, channel: str, app: App | str | None = None) -> dict[str, Any]:
        """Presence roster of ``channel``: user id -> user_info."""
        a = self.find_app(app)

        def read() -> dict[str, Any]:
            ch = self.model.state(a).channels.get(channel)
            if ch is None or ch.roster is None:
                return {}
            return {uid: m.user_info for uid, m in ch.roster.members.items()}

        return self.call(read)

    def add_member(self, channel: str, user_id: str | int, user_info: Any = None, *,
                   app: App | str | None = None) -> bool:
        """Put a user in a presence channel without a socket (rosters of any size)."""
        a = self.find_app(app)
        return self.call(self.model.add_member, a, channel, str(user_id), user_info)

    def add_members(self, channel: str, members: Iterable[tuple[str | int, Any]], *,
                    app: App | str | None = None) -> None:
        for user_id, info in members:
            self.add_member(channel, user_id, info, app=app)

    def remove_member(self, channel: str, user_id: str | int, *,
                      app: App | str | None = None) -> bool:
        a = self.find_app(app)
        return self.call(self.model.remove_member, a, channel, str(user_id))

    def socket_ids(self, app: App | str | None = None) -> list[str]:
        a = self.find_app(app)
        return self.call(lambda: list(self.model.state(a).connections))

    def subscriptions(self, socket_id: str) -> set[str]:
        def read() -> set[str]:
            conn = self.model.connection(socket_id)
            return set(conn.channels) if conn else set()

        return self.call(read)

    def disconnect(self, socket_id: str, code: int = CloseCode.GENERIC_RECONNECT,
                   message: str = "Disconnected by the test", *, error_first: bool = False
                   ) -> None:
        """Close one connection with ``code`` (with a ``pusher:error`` first, if asked)."""
        self.call(lambda: self.sockets.close(socket_id, code, message, error_first=error_first))

    def disconnect_all(self, code: int = CloseCode.GENERIC_RECONNECT,
                       message: str = "Disconnected by the test", *,
                       error_first: bool = False) -> None:
        self.call(lambda: self.sockets.close_all(code, message, error_first=error_first))

    def terminate_user_connections(self, user_id: str, app: App | str | None = None) -> int:
        a = self.find_app(app)
        return self.call(self.model.terminate_user_connections, a, user_id)

    async def connect(self, *, app: App | str | None = None, protocol: int = 7,
                      timeout: float = 5.0) -> PusherTestClient:
        """A connected :class:`PusherTestClient` (a real websocket, in the caller's loop)."""
        a = self.find_app(app)
        client = PusherTestClient(self.ws_url(), a, protocol=protocol)
        await client.connect(timeout=timeout)
        return client

    async def wait_webhooks(self, timeout: float = 5.0) -> None:
        """Wait until every queued webhook was attempted (retries included); in a
        cluster, first until Redis answered every change this twin sent (it decides the
        membership webhooks)."""
        if self._peers is not None:
            await await_in_loop(self.loop, self._peers.settle(timeout))
        await await_in_loop(self.loop, self.webhooks.wait_idle(timeout))

    async def settle(self, timeout: float = 5.0) -> None:
        """The old name of :meth:`wait_webhooks` (``settle`` is the Discord twin's wait for
        a bot to finish answering)."""
        warnings.warn("PusherTwin.settle() is now PusherTwin.wait_webhooks()",
                      DeprecationWarning, stacklevel=2)
        await self.wait_webhooks(timeout)


__all__ = ["ApiError", "PusherTwin"]
