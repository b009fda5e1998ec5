"""What a cluster node (:mod:`.cluster`) says on the cluster's bus and scripts for each
change its model makes, and what it does with what the other nodes say: the messages of
the scale-out over Redis, one direction each half.

Outgoing, a change is sent at once when the link to Redis is up, and counted (not queued)
when it is down: coming back writes this node's whole share again, so nothing piles up
while Redis is away. Incoming, messages are applied to this node's own sockets, except
while the node reads state from Redis (joining, or a node coming back): then they are held
back (up to ``max_pending``) and applied after, in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from ..runtime.resp import RedisConnection, RedisConnectionError, RedisError
from .apps import App
from .channels import channel_type
from .cluster_link import ClusterLink
from .cluster_sync import dumps, member_key, read_roster, sync_replica
from .limits import PublishRequest
from .model import PusherModel

log = logging.getLogger("wiretwin.pusher.cluster")

US = "\x1f"

Webhook = Callable[[App, dict[str, Any]], None]


class ClusterMessages:
    """The message half of :class:`~wiretwin.pusher.cluster.RedisPeers`."""

    node: str
    prefix: str
    max_pending: int
    link: ClusterLink
    _webhook: Webhook | None
    _active: bool
    _commands: RedisConnection | None
    _bus: RedisConnection | None
    _sha: dict[str, str]
    _backlog: list[str] | None
    _inflight: set[asyncio.Future[Any]]
    _tasks: set[asyncio.Task[None]]
    _online: dict[str, set[str]]
    _known: set[str]
    _waiting: dict[str, float]

    @property
    def model(self) -> PusherModel:
        raise NotImplementedError

    async def _call(self, *args: str | int) -> Any:
        raise NotImplementedError

    async def _sync_online(self) -> None:
        raise NotImplementedError

    # -- what the model tells the peers ---------------------------------------------------

    def _sendable(self) -> RedisConnection | None:
        """The commands connection, or None (and the change counted as not shared)."""
        if self._active and self._commands is not None:
            return self._commands
        if self.link.state == "down":
            self.link.unshared += 1
        return None

    def _send(self, message: dict[str, Any]) -> None:
        commands = self._sendable()
        if commands is None:
            return
        message["n"] = self.node
        self._track(commands.send("PUBLISH", self.prefix + "bus", dumps(message)))

    def _track(self, future: asyncio.Future[Any]) -> asyncio.Future[Any]:
        """Keep ``future`` (a change just sent on the commands connection) until Redis
        answers it; a change Redis refuses is taken as losing Redis (:meth:`_refused`)."""
        self._inflight.add(future)
        future.add_done_callback(self._inflight.discard)
        commands = self._commands
        future.add_done_callback(lambda done: self._refused(done, commands))
        return future

    def _refused(self, done: asyncio.Future[Any], commands: RedisConnection | None) -> None:
        """Redis answered a change with an error (out of memory under ``noeviction``, a
        script flushed, a read-only replica): the cluster's state no longer holds this
        node's share, and nothing would ever put it back. So it is taken as losing Redis:
        the node serves its own clients alone and, once Redis takes its writes again,
        writes its whole share back (as after any outage)."""
        if done.cancelled():
            return
        exc = done.exception()
        if exc is None or isinstance(exc, RedisConnectionError):
            return
        if commands is not None and commands is self._commands and commands.connected:
            commands.abort(f"Redis refused a change: {exc}")

    def published(self, app: App, channel: str, event: str, data: str,
                  socket_id: str | None) -> None:
        self._send({"t": "pub", "a": app.id, "c": channel, "e": event, "d": data,
                    "s": socket_id})
        if self._active and self._commands is not None and channel_type(channel).cache:
            # A cache channel's last event, for twins that join later (expiring with it).
            key = f"{self.prefix}cache:{app.id}{US}{channel}"
            self._track(self._commands.send("SET", key, dumps([event, data]), "PX",
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
        commands = self._sendable()
        if commands is None:
            return
        key = member_key(self.node, socket_id, user_id)
        message = ""
        if user_id is not None:
            message = dumps({"n": self.node, "t": "join" if delta > 0 else "leave",
                             "a": app.id, "c": channel, "u": user_id, "i": user_info,
                             "k": key})
        # Off presence channels, a socket's change is a new subscription count (the
        # script tells every node, this one included, in the cluster's order).
        counted = (app.subscription_count and socket_id is not None and user_id is None)
        future = self._track(commands.send(
            "EVALSHA", self._sha["membership"], 0, self.prefix, self.node, app.id, channel,
            delta, 1 if socket_id is not None else 0, user_id or "", key,
            dumps([user_id, user_info]), message, 1 if counted else 0))

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
        commands = self._sendable()
        if commands is not None:
            self._track(commands.send("EVALSHA", self._sha["signed"], 0, self.prefix,
                                      self.node, app.id, user_id, delta))

    def online(self, app: App, user_id: str) -> bool:
        return user_id in self._online.get(app.id, ())

    def _send_webhook(self, app: App, event: dict[str, Any]) -> None:
        if self._webhook is not None:
            self._webhook(app, event)

    def _hook_from_script(self, name: str, app_id: str, channel: str, user_id: str,
                          count: int) -> None:
        app = self.model.app_by_id(app_id)
        if app is None or (name == "subscription_count" and not app.subscription_count):
            return
        event: dict[str, Any] = {"name": name, "channel": channel}
        if user_id:
            event["user_id"] = user_id
        if name == "subscription_count":
            event["subscription_count"] = count
        self._send_webhook(app, event)

    # -- what the peers tell this node ----------------------------------------------------

    def _on_message(self, channel: str, text: str) -> None:
        if self._backlog is None:
            self._apply(text)
        elif len(self._backlog) < self.max_pending:
            self._backlog.append(text)
        elif self._bus is not None:
            self._bus.abort("too many cluster messages waiting while joining")

    def _drain(self) -> None:
        """Apply what was held back; a node coming back among it holds the rest again,
        until its members are read."""
        backlog, self._backlog = self._backlog or [], None
        for i, text in enumerate(backlog):
            self._apply(text)
            if self._backlog is not None:
                self._backlog[:0] = backlog[i + 1:]
                return

    def _apply(self, text: str) -> None:
        try:
            message = json.loads(text)
            kind = message["t"]
            if message.get("n") == self.node:
                return  # (count messages have no sender: every node applies them)
            if kind == "gone":
                self._known.discard(message["g"])
                self._waiting.pop(message["g"], None)
                self.model.remote_gone(message["g"])
                return
            if kind == "back":
                self._peer_back(message["n"], bool(message["r"]))
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
                if app.subscription_count:
                    model.subscription_counted(app, message["c"], message["x"])
            elif kind in ("online", "offline"):
                online = self._online.setdefault(app.id, set())
                if (message["u"] in online) != (kind == "online"):
                    if kind == "online":
                        online.add(message["u"])
                    else:
                        online.discard(message["u"])
                    model.watched_user(app, message["u"], kind)
        except Exception:
            log.exception("could not apply a message from the Pusher cluster: %.200s", text)

    def _peer_back(self, node: str, news: bool) -> None:
        """Another node joined or came back: read its members (and, if Redis had lost
        the cluster's state, who is online), holding back the bus meanwhile."""
        self._waiting.pop(node, None)
        self._known.add(node)
        self._backlog = []

        async def read() -> None:
            try:
                sync_replica(self.model, node,
                             await read_roster(self._call, self.prefix, node))
                if not news:
                    await self._sync_online()
            except RedisError as exc:
                # (If the link is down, coming back reads everything again.)
                log.debug("reading the members of Pusher cluster node %s: %s", node, exc)
            self._drain()

        task = asyncio.get_running_loop().create_task(read(), name="wiretwin-pusher-peer")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


__all__ = ["ClusterMessages", "Webhook"]
