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
- **rosters**: each node's presence members, which the other nodes read when it joins (or
  comes back), so that their replicas of every presence roster are whole. Rosters are
  replicas, so ``subscription_succeeded``, ``member_added``/``member_removed`` and the
  presence member limit are answered at once from memory; the HTTP API's channel queries
  read the counts.

Joining and coming back are one procedure (:meth:`RedisPeers._join`): subscribe to the bus
(holding back what arrives meanwhile), write this node's whole share of the state at once
(:data:`~.cluster_scripts.RESYNC`, which applies the difference with what Redis held of
it), then read the other nodes' rosters, who is online and the cache channels
(:mod:`.cluster_sync`).

Losing Redis: the node serves its own clients alone (nothing is queued for Redis: what it
would have told the cluster is counted and dropped; its own state stays in its model) and
tries again after a bounded, jittered exponential delay (:class:`~wiretwin.runtime.backoff.
Backoff`). Back, it writes its share again: if Redis kept the cluster's state, the
difference is news and its webhooks go out once; if Redis lost it (another *epoch*),
every node is writing back what it held, and nothing is announced again. A node keeps the
members of other nodes that have not come back yet for a grace period (twice the longest
reconnect delay, plus a sweep), then lets them go.

A node is alive while Redis has a client connection named after it. Every node sweeps now
and then (:attr:`RedisPeers.sweep_interval`) for nodes in the node set with no connection:
the first to see one takes back everything it held (its presence members leave, with their
webhooks) and tells the others. A process killed outright is gone as soon as Redis has
noticed its closed connections; a node that comes back after that simply joins again.
After coming back itself, a node waits the grace period before sweeping: the others may be
reconnecting too. Node ids are random, or given; socket ids are drawn from the twin's seed
and the node id, so they differ across nodes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..runtime.backoff import Backoff
from ..runtime.resp import RedisAddress, RedisConnection, RedisConnectionError, RedisError
from . import cluster_scripts
from .apps import App
from .cluster_link import ClusterLink
from .cluster_messages import ClusterMessages, Webhook
from .cluster_sync import (
    dumps,
    own_share,
    read_roster,
    replica_nodes,
    sync_cache,
    sync_online,
    sync_replica,
)
from .model import ChannelCount, PusherModel

log = logging.getLogger("wiretwin.pusher.cluster")

#: Redis keys and the bus channel all start with this.
DEFAULT_PREFIX = "wiretwin:pusher:"
#: Client connection names: ``wiretwin-pusher-<node>``.
CLIENT_NAME = "wiretwin-pusher-"
NODE_NAME = re.compile(r"\A[A-Za-z0-9_.-]{1,64}\Z")
US = "\x1f"
SCRIPTS = {"membership": cluster_scripts.MEMBERSHIP, "signed": cluster_scripts.SIGNED,
           "gone": cluster_scripts.GONE, "counts": cluster_scripts.COUNTS,
           "resync": cluster_scripts.RESYNC}


class NodeNameTaken(OSError):
    """Another running twin has this twin's node name."""


class RedisPeers(ClusterMessages):
    """The other nodes of a cluster, reached through Redis (the model's ``peers``)."""

    shares_membership = True

    def __init__(self, url: str, *, node: str | None = None, sweep_interval: float = 1.0,
                 prefix: str = DEFAULT_PREFIX, reconnect: tuple[float, float] = (0.1, 5.0),
                 max_pending: int = 100_000, reply_timeout: float = 5.0,
                 seed: int = 0) -> None:
        """``url``: ``redis://host:port/db`` (``?prefix=...`` sets the key prefix, by
        default ``wiretwin:pusher:``). ``node``: this process's name in the cluster
        (letters, digits, ``_ . -``; default: random at each start). ``sweep_interval``:
        seconds between looks for dead nodes. ``reconnect``: the first and the longest
        delay, in seconds, between attempts to reach Redis again once it is lost.
        ``max_pending``: how many commands may wait for Redis's answers (past it, or
        past ``reply_timeout`` seconds without an answer, Redis is taken as lost).
        ``seed``: for the reconnect delays' jitter (with the node id)."""
        if node is not None and not NODE_NAME.match(node):
            raise ValueError(f"cluster node name {node!r}: use letters, digits, _ . - "
                             "(at most 64)")
        self._delays = Backoff(*reconnect, random.Random(seed))  # (checks the delays)
        #: The Redis URL, its password (if any) masked: what messages show.
        self.url = re.sub(r"//:?[^@/]*@", "//***@", url) if "@" in url else url
        self.address = RedisAddress.parse(url)
        # ?prefix=...: clusters sharing one Redis database keep apart by key prefix.
        self.prefix = parse_qs(urlsplit(url).query).get("prefix", [prefix])[0]
        self.sweep_interval = sweep_interval
        self.reconnect = reconnect
        self.max_pending = max_pending
        self.reply_timeout = reply_timeout
        self.seed = seed
        self._node_name = node
        self.node = node or ""
        #: The link to Redis: its state, outages, and a way to wait for it.
        self.link = ClusterLink()
        self._model: PusherModel | None = None
        self._webhook: Webhook | None = None
        self._commands: RedisConnection | None = None
        self._bus: RedisConnection | None = None
        self._sha: dict[str, str] = {}
        self._active = False
        self._broken = False
        self._stopping = False
        self._backlog: list[str] | None = None
        self._inflight: set[asyncio.Future[Any]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.TimerHandle | None = None
        self._sweeping: asyncio.Task[list[str]] | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        #: The Redis data this node last saw (see :data:`~.cluster_scripts.RESYNC`).
        self._epoch = ""
        #: The other nodes as last seen in the node set.
        self._known: set[str] = set()
        #: Nodes not back yet after Redis lost the cluster's state -> until when (loop
        #: time) their members are kept.
        self._waiting: dict[str, float] = {}
        #: No sweeping before this (loop time): after coming back, the others may be
        #: reconnecting too.
        self._hold_until = 0.0
        #: (id, address) of connections lost, closed on Redis's side when back.
        self._old_clients: list[tuple[str, str]] = []
        #: Called (in the home loop) when the connection to Redis is lost.
        self.on_lost: Callable[[], None] | None = None
        #: App id -> users signed in anywhere in the cluster (a replica, from the bus).
        self._online: dict[str, set[str]] = {}

    def attach(self, model: PusherModel, webhook: Webhook) -> None:
        self._model = model
        self._webhook = webhook
        self.link.now = model.clock.time

    @property
    def active(self) -> bool:
        return self._active

    @property
    def model(self) -> PusherModel:
        assert self._model is not None, "RedisPeers.attach() first"
        return self._model

    @property
    def grace(self) -> float:
        """How long other nodes may take to come back after an outage (seconds)."""
        return 2 * self.reconnect[1] + self.sweep_interval

    def status(self) -> dict[str, Any]:
        """What ``GET /_wiretwin/pusher/cluster`` answers: this node, the link's state
        (:class:`~.cluster_link.ClusterLink`), and how many commands wait for Redis."""
        pending = self._commands.pending if self._commands is not None else 0
        return {"node": self.node, "url": self.url, **self.link.to_json(),
                "pending": pending}

    # -- start and stop ----------------------------------------------------------------

    async def start(self) -> None:
        """Join the cluster (in the twin's home loop, once its server listens)."""
        self.node = self._node_name or secrets.token_hex(6)
        self._delays.rng.seed(f"{self.seed}/{self.node}")
        self._stopping = False
        self._epoch = ""
        self._known.clear()
        self._hold_until = 0.0
        try:
            await self._join(first=True)
        except NodeNameTaken:
            await self._close_connections()
            raise
        except (RedisError, OSError) as exc:
            await self._close_connections()
            raise OSError(f"cannot join the Pusher cluster at {self.url}: {exc}") from exc
        except BaseException:
            await self._close_connections()
            raise
        await self.sweep()
        self._arm_sweeper()

    async def _join(self, first: bool) -> None:
        """Connect, write this node's share, read everyone else's (see the module
        docstring). Raises what went wrong, connections left to close."""
        name = CLIENT_NAME + self.node
        self._broken = False
        self._commands = commands = RedisConnection(
            self.address, name=name, on_lost=self._lost, max_pending=self.max_pending)
        self._bus = bus = RedisConnection(
            self.address, name=name, on_message=self._on_message, on_lost=self._lost,
            max_pending=self.max_pending)
        await commands.open(self.reply_timeout)
        if first and self._node_name is not None and (await self._names()).count(
                self.node) > 1:
            raise NodeNameTaken(f"a Pusher twin called {self.node!r} is already in the "
                                f"cluster at {self.url}")
        for client_id, addr in self._old_clients:
            # What the lost connections wrote and Redis has not read yet must not follow
            # this node's new share (a Redis that hung, then went on).
            with contextlib.suppress(RedisError):
                await self._call("CLIENT", "KILL", "ID", client_id, "ADDR", addr)
        self._old_clients = []
        await bus.open(self.reply_timeout)
        for key, text in SCRIPTS.items():
            self._sha[key] = await self._call("SCRIPT", "LOAD", text)
        self._backlog = []
        async with asyncio.timeout(self.reply_timeout):
            await bus.call("SUBSCRIBE", self.prefix + "bus")
        # The share and the changes after it reach Redis in this order (one connection).
        share = own_share(self.model, self.node)
        resync = commands.send("EVALSHA", self._sha["resync"], 0, self.prefix, self.node,
                               self._epoch, secrets.token_hex(8), *share.script_args())
        self._active = True
        async with asyncio.timeout(self.reply_timeout):
            epoch, news, *hooks = await resync
        self._epoch = epoch
        for hook in zip(*[iter(hooks)] * 5, strict=True):
            self._hook_from_script(*hook)
        await self._read_cluster(first, lost=not news)
        if self._broken or not (commands.connected and bus.connected):
            raise RedisConnectionError("the connection to Redis broke while joining")
        self._drain()
        self.link.set("up")

    async def _read_cluster(self, first: bool, lost: bool) -> None:
        """The other nodes' members, who is online, the cache channels. ``lost``: Redis
        lost the cluster's state; nodes not back yet keep their members for a while."""
        model, now = self.model, asyncio.get_running_loop().time()
        nodes = set(await self._call("SMEMBERS", self.prefix + "nodes")) - {self.node}
        if lost:
            for node in (self._known | replica_nodes(model)) - nodes:
                self._waiting.setdefault(node, now + self.grace)
        for node in sorted(nodes):
            self._waiting.pop(node, None)
            sync_replica(model, node, await read_roster(self._call, self.prefix, node))
        for node in sorted(replica_nodes(model) - nodes - set(self._waiting)):
            model.remote_gone(node)  # it left, or was taken for dead, while this one was away
        self._known = nodes
        await self._sync_online()
        await sync_cache(self._call, model, self.prefix)
        if not first:
            self._hold_until = now + self.grace

    async def _sync_online(self) -> None:
        for app_id, state in self.model.states.items():
            users = await self._call("HKEYS", f"{self.prefix}online:{app_id}")
            sync_online(self.model, self._online, state.app, users, keep=bool(self._waiting))

    async def stop(self) -> None:
        """Leave the cluster: what this node held is taken back (its presence members
        leave everywhere, with their webhooks), then the connections close."""
        self._stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for task in (self._reconnecting, *self._tasks):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (self._reconnecting, self._sweeping, *self._tasks)
                               if t is not None), return_exceptions=True)
        if self._active:
            try:
                await self.settle()
                await self._gone(self.node)
            except (RedisError, TimeoutError) as exc:
                log.warning("leaving the Pusher cluster: %s", exc)
        self._active = False
        await self._close_connections()
        self._forget_remote()
        self._online.clear()
        self._waiting.clear()
        self._old_clients.clear()
        self.link.set("stopped")

    async def _close_connections(self) -> None:
        self._active = False
        for conn in (self._bus, self._commands):
            if conn is not None:
                if conn.client_id is not None and conn.client_addr is not None:
                    self._old_clients.append((conn.client_id, conn.client_addr))
                await conn.close()
        self._old_clients = self._old_clients[-8:]
        self._bus = self._commands = None
        self._backlog = None

    def _forget_remote(self) -> None:
        """Drop every other node's members from the rosters (this node left)."""
        for state in list(self.model.states.values()):
            for name, channel in list(state.channels.items()):
                if channel.roster is None:
                    continue
                for member in list(channel.roster.members.values()):
                    for key in [k for k in member.sockets if "/" in k]:
                        self.model.remote_leave(state.app, name, member.user_id, key)

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until Redis answered every change sent so far (and the webhooks they
        decided are queued)."""
        async with asyncio.timeout(timeout):
            while self._inflight:
                await asyncio.gather(*list(self._inflight), return_exceptions=True)

    # -- losing Redis and coming back -----------------------------------------------------

    def _lost(self) -> None:
        """A connection to Redis is gone (called by either)."""
        self._active = False
        self._broken = True
        if not self.link.up or self._stopping:
            return  # (joining: the join fails and is tried again)
        errors = [c.error for c in (self._commands, self._bus) if c is not None and c.error]
        self.link.set("down")
        self.link.error = str(errors[0]) if errors else "connection lost"
        log.error("the connection to Redis (%s) was lost (%s): this Pusher twin serves its "
                  "own clients alone, shares nothing with the cluster until Redis is back, "
                  "and tries to reconnect", self.url, self.link.error)
        for task in self._tasks:
            task.cancel()
        self._reconnecting = asyncio.get_running_loop().create_task(
            self._reconnect(), name="wiretwin-pusher-reconnect")
        if self.on_lost is not None:
            self.on_lost()

    async def _reconnect(self) -> None:
        await self._close_connections()
        self._delays.reset()
        while not self._stopping:
            await asyncio.sleep(self._delays.next())  # a delay between attempts
            try:
                await self._join(first=False)
            except (RedisError, OSError) as exc:
                await self._close_connections()
                self.link.failed_attempts += 1
                self.link.error = str(exc) or type(exc).__name__
                log.debug("reconnecting to Redis (%s): %s", self.url, self.link.error)
                continue
            except Exception:
                await self._close_connections()
                log.exception("reconnecting to Redis (%s)", self.url)
                continue
            self._reconnecting = None
            log.warning("back in the Pusher cluster at %s after %d attempt(s); %d change(s) "
                        "made here meanwhile were not shared (this twin's subscriptions and "
                        "members are written back; events are not)", self.url,
                        self.link.failed_attempts + 1, self.link.unshared)
            self._arm_sweeper()
            return

    async def _call(self, *args: str | int) -> Any:
        """One command on the commands connection, answered within ``reply_timeout``
        (else Redis is taken as lost)."""
        commands = self._commands
        if commands is None:
            raise RedisConnectionError("not connected to Redis")
        future = commands.send(*args)
        try:
            async with asyncio.timeout(self.reply_timeout):
                return await future
        except TimeoutError:
            commands.abort(f"Redis did not answer within {self.reply_timeout} s")
            raise RedisConnectionError(
                f"Redis did not answer within {self.reply_timeout} s") from None

    # -- dead nodes ---------------------------------------------------------------------

    def _arm_sweeper(self) -> None:
        if self._stopping:
            return
        loop = asyncio.get_running_loop()

        def due() -> None:
            self._sweeper = None
            if not self._active:
                return  # (coming back arms it again)
            self._sweeping = loop.create_task(self.sweep(), name="wiretwin-pusher-sweep")
            self._sweeping.add_done_callback(lambda _: self._arm_sweeper())

        if self._sweeper is not None:
            self._sweeper.cancel()
        self._sweeper = loop.call_later(self.sweep_interval, due)

    async def _names(self) -> list[str]:
        """The node ids of every Redis connection of a cluster twin (two per twin)."""
        listing = await self._call("CLIENT", "LIST")
        names = []
        for line in listing.splitlines():
            for field in line.split(" "):
                if field.startswith("name=" + CLIENT_NAME):
                    names.append(field[len("name=" + CLIENT_NAME):])
        return names

    async def sweep(self) -> list[str]:
        """Take back what dead nodes held; their ids. Nodes that have not come back
        within the grace period after Redis lost the cluster's state are let go too."""
        if not self._active or self._commands is None:
            return []
        now = asyncio.get_running_loop().time()
        expired = sorted(node for node, until in self._waiting.items() if until <= now)
        for node in expired:
            del self._waiting[node]
            self.model.remote_gone(node)
        try:
            if expired and not self._waiting:
                await self._sync_online()
            nodes = await self._call("SMEMBERS", self.prefix + "nodes")
            self._known = set(nodes) - {self.node}
            if now < self._hold_until:
                return expired
            alive = set(await self._names())
            dead = [n for n in nodes if n not in alive and n != self.node]
            for node in dead:
                await self._gone(node)
        except RedisError as exc:
            if not isinstance(exc, RedisConnectionError):
                log.warning("looking for dead Pusher cluster nodes: %s", exc)
            return expired
        return expired + dead

    async def _gone(self, node: str) -> None:
        message = dumps({"n": self.node, "t": "gone", "g": node})
        result = await self._call("EVALSHA", self._sha["gone"], 0, self.prefix, node,
                                  message)
        if node != self.node:
            self._known.discard(node)
            self.model.remote_gone(node)
        for name, app_id, channel, user_id in zip(*[iter(result)] * 4, strict=True):
            self._hook_from_script(name, app_id, channel, user_id, 0)

    # -- cluster-wide queries -------------------------------------------------------------

    async def counts(self, app: App, channels: list[str] | None = None
                     ) -> dict[str, ChannelCount]:
        """The occupied channels among ``channels`` (default: all), cluster-wide (this
        node's, while Redis is away)."""
        if channels is not None and not channels:
            return {}
        if self._active and self._commands is not None:
            try:
                result = await self._call("EVALSHA", self._sha["counts"], 0, self.prefix,
                                          app.id, *(channels or []))
            except RedisError as exc:
                self._query_refused(exc)
            else:
                return {name: ChannelCount(int(subs), int(users))
                        for name, subs, users in zip(*[iter(result)] * 3, strict=True)}
        return self.model.counts(app)

    async def users(self, app: App, channel: str) -> list[str]:
        """A presence channel's user ids, cluster-wide (this node's, while Redis is
        away)."""
        if self._active and self._commands is not None:
            try:
                ids: list[str] = await self._call(
                    "HKEYS", f"{self.prefix}users:{app.id}{US}{channel}")
            except RedisError as exc:
                self._query_refused(exc)
            else:
                return ids
        return self.model.users(app, channel)

    def _query_refused(self, exc: RedisError) -> None:
        """A query Redis answered with an error (e.g. its scripts flushed): answered from
        this node's own state, and Redis taken as lost, as for a refused change (coming
        back loads the scripts again)."""
        if not isinstance(exc, RedisConnectionError) and self._commands is not None:
            self._commands.abort(f"Redis refused a query: {exc}")



__all__ = ["DEFAULT_PREFIX", "NodeNameTaken", "RedisPeers"]
