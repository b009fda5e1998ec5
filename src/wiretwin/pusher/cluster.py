"""Several Pusher twins sharing their apps through Redis, as soketi, Laravel Reverb and
Sockudo scale out.

Theory of operation
-------------------
Every process (a *node*) keeps serving its own sockets with its own model. What crosses
processes goes through Redis:

- a **bus** (one pub/sub channel): events published through the HTTP API, client events,
  terminated users and presence joins/leaves are published there, and every other node
  applies them to its own sockets (a node ignores its own messages);
- **counts** (hashes changed by Lua scripts, :mod:`.cluster_scripts`): subscriptions and
  presence members per channel, cluster-wide. The script that takes a count from 0 to 1
  or back says so, and that node sends the webhook: occupied/vacated and member
  added/removed go out once per cluster;
- **rosters**: each node's presence members, which a starting node reads (after
  subscribing to the bus, holding back what arrives meanwhile) so that its replica of
  every presence roster is whole. Rosters are replicas, so ``subscription_succeeded``,
  ``member_added``/``member_removed`` and the presence member limit are answered at once
  from memory; the HTTP API's channel queries read the counts.

A node is alive while Redis has a client connection named after it. Every node sweeps now
and then (:attr:`RedisPeers.sweep_interval`) for nodes in the node set with no connection:
the first to see one takes back everything it held (its presence members leave, with their
webhooks) and tells the others. A process killed outright is gone as soon as Redis has
noticed its closed connections. Node ids are random, or given; socket ids are drawn from
the twin's seed and the node id, so they differ across nodes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..runtime.resp import RedisAddress, RedisConnection, RedisError
from . import cluster_scripts
from .apps import App
from .channels import channel_type
from .limits import PublishRequest
from .model import ChannelCount, PusherModel

log = logging.getLogger("wiretwin.pusher.cluster")

#: Redis keys and the bus channel all start with this.
DEFAULT_PREFIX = "wiretwin:pusher:"
#: Client connection names: ``wiretwin-pusher-<node>``.
CLIENT_NAME = "wiretwin-pusher-"
NODE_NAME = re.compile(r"\A[A-Za-z0-9_.-]{1,64}\Z")
US = "\x1f"

Webhook = Callable[[App, dict[str, Any]], None]


class RedisPeers:
    """The other nodes of a cluster, reached through Redis (the model's ``peers``)."""

    shares_membership = True

    def __init__(self, url: str, *, node: str | None = None, sweep_interval: float = 1.0,
                 prefix: str = DEFAULT_PREFIX) -> None:
        """``url``: ``redis://host:port/db`` (``?prefix=...`` sets the key prefix, by
        default ``wiretwin:pusher:``). ``node``: this process's name in the cluster
        (letters, digits, ``_ . -``; default: random at each start). ``sweep_interval``:
        seconds between looks for dead nodes."""
        if node is not None and not NODE_NAME.match(node):
            raise ValueError(f"cluster node name {node!r}: use letters, digits, _ . - "
                             "(at most 64)")
        #: The Redis URL, its password (if any) masked: what messages show.
        self.url = re.sub(r"//:?[^@/]*@", "//***@", url) if "@" in url else url
        self.address = RedisAddress.parse(url)
        # ?prefix=...: clusters sharing one Redis database keep apart by key prefix.
        self.prefix = parse_qs(urlsplit(url).query).get("prefix", [prefix])[0]
        self.sweep_interval = sweep_interval
        self._node_name = node
        self.node = node or ""
        self._model: PusherModel | None = None
        self._webhook: Webhook | None = None
        self._commands: RedisConnection | None = None
        self._bus: RedisConnection | None = None
        self._sha: dict[str, str] = {}
        self._active = False
        self._backlog: list[str] | None = None
        self._inflight: set[asyncio.Future[Any]] = set()
        self._sweeper: asyncio.TimerHandle | None = None
        self._sweeping: asyncio.Task[list[str]] | None = None
        #: Called (in the home loop) when the connection to Redis is lost.
        self.on_lost: Callable[[], None] | None = None
        #: App id -> users signed in anywhere in the cluster (a replica, from the bus).
        self._online: dict[str, set[str]] = {}

    def attach(self, model: PusherModel, webhook: Webhook) -> None:
        self._model = model
        self._webhook = webhook

    @property
    def active(self) -> bool:
        return self._active

    @property
    def model(self) -> PusherModel:
        assert self._model is not None, "RedisPeers.attach() first"
        return self._model

    # -- start and stop ----------------------------------------------------------------

    async def start(self) -> None:
        """Join the cluster (in the twin's home loop, once its server listens)."""
        self.node = self._node_name or secrets.token_hex(6)
        name = CLIENT_NAME + self.node
        self._commands = RedisConnection(self.address, name=name, on_lost=self._lost)
        self._bus = RedisConnection(self.address, name=name, on_message=self._on_message,
                                    on_lost=self._lost)
        try:
            await self._commands.open()
            if self._node_name is not None and (await self._names()).count(self.node) > 1:
                raise OSError(f"a Pusher twin called {self.node!r} is already in the "
                              f"cluster at {self.url}")
            await self._bus.open()
            for key, text in (("membership", cluster_scripts.MEMBERSHIP),
                              ("signed", cluster_scripts.SIGNED),
                              ("gone", cluster_scripts.GONE),
                              ("counts", cluster_scripts.COUNTS)):
                self._sha[key] = await self._commands.call("SCRIPT", "LOAD", text)
            self._backlog = []
            await self._bus.call("SUBSCRIBE", self.prefix + "bus")
            await self._commands.call("SADD", self.prefix + "nodes", self.node)
            await self._bootstrap()
            await self._bootstrap_cache()
            for app_id in self.model.states:
                self._online[app_id] = set(
                    await self._commands.call("HKEYS", f"{self.prefix}online:{app_id}"))
        except (RedisError, TimeoutError, ConnectionError) as exc:
            await self._close_connections()
            raise OSError(f"cannot join the Pusher cluster at {self.url}: {exc}") from exc
        except BaseException:
            await self._close_connections()
            raise
        self._active = True
        backlog, self._backlog = self._backlog, None
        for text in backlog:
            self._apply(text)
        self._announce_own()
        await self.sweep()
        self._arm_sweeper()

    async def _bootstrap(self) -> None:
        """Every other node's presence members into this node's rosters."""
        assert self._commands is not None
        for node in await self._commands.call("SMEMBERS", self.prefix + "nodes"):
            if node == self.node:
                continue
            entries = await self._commands.call("HGETALL", self.prefix + "roster:" + node)
            for field, value in zip(entries[::2], entries[1::2], strict=True):
                app_id, channel, key = field.split(US)
                user_id, info = json.loads(value)
                app = self.model.app_by_id(app_id)
                if app is not None:
                    self.model.remote_join(app, channel, user_id, info, key)

    async def _bootstrap_cache(self) -> None:
        """Cache channels' last events (and what is left of their time to live)."""
        assert self._commands is not None
        for state in self.model.states.values():
            app = state.app
            index = f"{self.prefix}caches:{app.id}"
            for channel in await self._commands.call("SMEMBERS", index):
                key = f"{self.prefix}cache:{app.id}{US}{channel}"
                value, ttl = await self._commands.call("GET", key), await self._commands.call(
                    "PTTL", key)
                if value is None or ttl <= 0:
                    await self._commands.call("SREM", index, channel)
                    continue
                event, data = json.loads(value)
                self.model.cache_restore(app, channel, event, data, ttl / 1000)

    def _announce_own(self) -> None:
        """What this node holds already joins the cluster's counts: socketless members
        (from a world), and connections that came while it was joining."""
        for state in self.model.states.values():
            for name, channel in state.channels.items():
                for socket_id, user_id in channel.subscribers.items():
                    info = None
                    if channel.roster is not None and user_id is not None:
                        member = channel.roster.members.get(user_id)
                        info = member.user_info if member is not None else None
                    self.joined(state.app, name, socket_id, user_id, info)
                if channel.roster is None:
                    continue
                for member in channel.roster.members.values():
                    if member.virtual:
                        self.joined(state.app, name, None, member.user_id, member.user_info)
            for conn in state.connections.values():
                if conn.user is not None:
                    self.signed(state.app, conn.user.id, 1)

    async def stop(self) -> None:
        """Leave the cluster: what this node held is taken back (its presence members
        leave everywhere, with their webhooks), then the connections close."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if self._sweeping is not None:
            await asyncio.gather(self._sweeping, return_exceptions=True)
        if self._active:
            await self.settle()
            try:
                await self._gone(self.node)
            except RedisError as exc:
                log.warning("leaving the Pusher cluster: %s", exc)
        self._active = False
        await self._close_connections()
        self._forget_remote()
        self._online.clear()

    async def _close_connections(self) -> None:
        for conn in (self._bus, self._commands):
            if conn is not None:
                await conn.close()
        self._bus = self._commands = None

    def _forget_remote(self) -> None:
        """Drop every other node's members from the rosters (this node left)."""
        for state in list(self.model.states.values()):
            for name, channel in list(state.channels.items()):
                if channel.roster is None:
                    continue
                for member in list(channel.roster.members.values()):
                    for key in [k for k in member.sockets if "/" in k]:
                        self.model.remote_leave(state.app, name, member.user_id, key)

    def _lost(self) -> None:
        if self._active:
            log.error("the connection to Redis (%s) was lost: this Pusher twin no longer "
                      "shares its apps with the cluster", self.url)
        self._active = False
        if self.on_lost is not None:
            self.on_lost()

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until Redis answered every change sent so far (and the webhooks they
        decided are queued)."""
        async with asyncio.timeout(timeout):
            while self._inflight:
                await asyncio.gather(*list(self._inflight), return_exceptions=True)

    # -- what the model tells the peers ---------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        if not self._active or self._commands is None:
            return
        message["n"] = self.node
        self._track(self._commands.send("PUBLISH", self.prefix + "bus", _dumps(message)))

    def _track(self, future: asyncio.Future[Any]) -> asyncio.Future[Any]:
        self._inflight.add(future)
        future.add_done_callback(self._inflight.discard)
        future.add_done_callback(_log_failure)
        return future

    def published(self, app: App, channel: str, event: str, data: str,
                  socket_id: str | None) -> None:
        self._send({"t": "pub", "a": app.id, "c": channel, "e": event, "d": data,
                    "s": socket_id})
        if self._active and self._commands is not None and channel_type(channel).cache:
            # A cache channel's last event, for twins that join later (expiring with it).
            key = f"{self.prefix}cache:{app.id}{US}{channel}"
            self._track(self._commands.send("SET", key, _dumps([event, data]), "PX",
                                            max(1, int(app.cache_ttl * 1000))))
            self._track(self._commands.send("SADD", f"{self.prefix}caches:{app.id}",
                                            channel))

    def client_event(self, app: App, channel: str, event: str, data: str,
                     user_id: str | None, socket_id: str) -> None:
        self._send({"t": "ce", "a": app.id, "c": channel, "e": event, "d": data,
                    "u": user_id})

    def terminated(self, app: App, user_id: str) -> None:
        self._send({"t": "term", "a": app.id, "u": user_id})

    def joined(self, app: App, channel: str, socket_id: str | None, user_id: str | None,
               user_info: Any) -> None:
        self._membership(app, channel, socket_id, user_id, user_info, 1)

    def left(self, app: App, channel: str, socket_id: str | None,
             user_id: str | None) -> None:
        self._membership(app, channel, socket_id, user_id, None, -1)

    def _membership(self, app: App, channel: str, socket_id: str | None,
                    user_id: str | None, user_info: Any, delta: int) -> None:
        if not self._active or self._commands is None:
            return
        key = f"{self.node}/{socket_id or '*'}"
        message = ""
        if user_id is not None:
            message = _dumps({"n": self.node, "t": "join" if delta > 0 else "leave",
                              "a": app.id, "c": channel, "u": user_id, "i": user_info,
                              "k": key})
        # Off presence channels, a socket's change is a new subscription count (the
        # script tells every node, this one included, in the cluster's order).
        counted = (app.subscription_count and socket_id is not None and user_id is None)
        future = self._track(self._commands.send(
            "EVALSHA", self._sha["membership"], 0, self.prefix, self.node, app.id, channel,
            delta, 1 if socket_id is not None else 0, user_id or "", key,
            _dumps([user_id, user_info]), message, 1 if counted else 0))

        def decided(done: asyncio.Future[Any]) -> None:
            if done.cancelled() or done.exception() is not None:
                return
            count, *names = done.result()
            # In the order one process sends them: occupied, members, the count, vacated.
            for name in names:
                if name != "channel_vacated":
                    event: dict[str, Any] = {"name": name, "channel": channel}
                    if name.startswith("member_"):
                        event["user_id"] = user_id
                    self._send_webhook(app, event)
            if counted:
                self._send_webhook(app, {"name": "subscription_count", "channel": channel,
                                         "subscription_count": count})
            if "channel_vacated" in names:
                self._send_webhook(app, {"name": "channel_vacated", "channel": channel})

        future.add_done_callback(decided)

    def signed(self, app: App, user_id: str, delta: int) -> None:
        if self._active and self._commands is not None:
            self._track(self._commands.send("EVALSHA", self._sha["signed"], 0, self.prefix,
                                            self.node, app.id, user_id, delta))

    def online(self, app: App, user_id: str) -> bool:
        return user_id in self._online.get(app.id, ())

    def _send_webhook(self, app: App, event: dict[str, Any]) -> None:
        if self._webhook is not None:
            self._webhook(app, event)

    # -- what the peers tell this node ----------------------------------------------------

    def _on_message(self, channel: str, text: str) -> None:
        if self._backlog is not None:
            self._backlog.append(text)
        else:
            self._apply(text)

    def _apply(self, text: str) -> None:
        try:
            message = json.loads(text)
            kind = message["t"]
            if message.get("n") == self.node:
                return  # (count messages have no sender: every node applies them)
            if kind == "gone":
                self.model.remote_gone(message["g"])
                return
            app = self.model.app_by_id(message["a"])
            if app is None:
                return  # an app this node does not serve
            model = self.model
            if kind == "pub":
                model.publish(app, PublishRequest(message["e"], message["d"], [message["c"]],
                                                  message["s"]), relayed=True)
            elif kind == "ce":
                model.relay_client_event(app, message["c"], message["e"], message["d"],
                                         message["u"])
            elif kind == "term":
                model.terminate_user_connections(app, message["u"], relayed=True)
            elif kind == "join":
                model.remote_join(app, message["c"], message["u"], message["i"], message["k"])
            elif kind == "leave":
                model.remote_leave(app, message["c"], message["u"], message["k"])
            elif kind == "count":
                model.subscription_counted(app, message["c"], message["x"])
            elif kind in ("online", "offline"):
                online = self._online.setdefault(app.id, set())
                if kind == "online":
                    online.add(message["u"])
                else:
                    online.discard(message["u"])
                model.watched_user(app, message["u"], kind)
        except Exception:
            log.exception("could not apply a message from the Pusher cluster: %.200s", text)

    # -- dead nodes ---------------------------------------------------------------------

    def _arm_sweeper(self) -> None:
        if not self._active:
            return
        loop = asyncio.get_running_loop()

        def due() -> None:
            if not self._active:
                return
            self._sweeping = loop.create_task(self.sweep(), name="wiretwin-pusher-sweep")
            self._sweeping.add_done_callback(lambda _: self._arm_sweeper())

        self._sweeper = loop.call_later(self.sweep_interval, due)

    async def _names(self) -> list[str]:
        """The node ids of every Redis connection of a cluster twin (two per twin)."""
        assert self._commands is not None
        listing = await self._commands.call("CLIENT", "LIST")
        names = []
        for line in listing.splitlines():
            for field in line.split(" "):
                if field.startswith("name=" + CLIENT_NAME):
                    names.append(field[len("name=" + CLIENT_NAME):])
        return names

    async def sweep(self) -> list[str]:
        """Take back what dead nodes held; their ids."""
        if not self._active or self._commands is None:
            return []
        try:
            nodes = await self._commands.call("SMEMBERS", self.prefix + "nodes")
            alive = set(await self._names())
            dead = [n for n in nodes if n not in alive and n != self.node]
            for node in dead:
                await self._gone(node)
        except RedisError as exc:
            log.warning("looking for dead Pusher cluster nodes: %s", exc)
            return []
        return dead

    async def _gone(self, node: str) -> None:
        assert self._commands is not None
        message = _dumps({"n": self.node, "t": "gone", "g": node})
        result = await self._commands.call("EVALSHA", self._sha["gone"], 0, self.prefix,
                                           node, message)
        if node != self.node:
            self.model.remote_gone(node)
        for name, app_id, channel, user_id in zip(*[iter(result)] * 4, strict=True):
            app = self.model.app_by_id(app_id)
            if app is None:
                continue
            event = {"name": name, "channel": channel}
            if user_id:
                event["user_id"] = user_id
            self._send_webhook(app, event)

    # -- cluster-wide queries -------------------------------------------------------------

    async def counts(self, app: App, channels: list[str] | None = None
                     ) -> dict[str, ChannelCount]:
        """The occupied channels among ``channels`` (default: all), cluster-wide."""
        if not self._active or self._commands is None:
            return self.model.counts(app)
        if channels is not None and not channels:
            return {}
        result = await self._commands.call("EVALSHA", self._sha["counts"], 0, self.prefix,
                                           app.id, *(channels or []))
        return {name: ChannelCount(int(subs), int(users))
                for name, subs, users in zip(*[iter(result)] * 3, strict=True)}

    async def users(self, app: App, channel: str) -> list[str]:
        """A presence channel's user ids, cluster-wide."""
        if not self._active or self._commands is None:
            return self.model.users(app, channel)
        ids: list[str] = await self._commands.call(
            "HKEYS", f"{self.prefix}users:{app.id}{US}{channel}")
        return ids


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("the Pusher cluster's Redis refused a change: %s", future.exception())


__all__ = ["DEFAULT_PREFIX", "RedisPeers"]
