"""What a cluster node (:mod:`.cluster`) writes to Redis and reads back when it joins or
comes back after losing Redis: its own share of the cluster's state, taken from its
model, and its replicas of the other nodes' presence members and of cache channels.

A node's share is what :data:`~.cluster_scripts.RESYNC` writes: counts (``o``, ``s``,
``u``, ``w`` fields, as kept in ``P node: node``) and presence members (``P roster:
node``). The model is the truth for it: whatever was changed while Redis was away is in
the model, and goes to Redis as the difference from what Redis held.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .apps import App
from .model import PusherModel

US = "\x1f"

#: Sends one Redis command and returns its reply.
Call = Callable[..., Awaitable[Any]]
#: A member in a replica: (app id, channel, member key).
Place = tuple[str, str, str]


def member_key(node: str, socket_id: str | None, user_id: str | None) -> str:
    """How the cluster knows a presence: ``node/socket id``, or ``node/*user id`` for a
    member without a socket."""
    return f"{node}/{socket_id}" if socket_id is not None else f"{node}/*{user_id or ''}"


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Share:
    """One node's part of the cluster's state."""

    counts: dict[str, int] = field(default_factory=dict)
    roster: dict[str, str] = field(default_factory=dict)

    def add(self, *parts: str) -> None:
        name = US.join(parts)
        self.counts[name] = self.counts.get(name, 0) + 1

    def script_args(self) -> list[str | int]:
        """The share as :data:`~.cluster_scripts.RESYNC` takes it (after the epochs)."""
        args: list[str | int] = [len(self.counts)]
        for name in sorted(self.counts):
            args += [name, self.counts[name]]
        for name in sorted(self.roster):
            args += [name, self.roster[name]]
        return args


def own_share(model: PusherModel, node: str) -> Share:
    """What this node holds now, counted as its ``joined``/``signed`` calls count it."""
    share = Share()
    for app_id, state in model.states.items():
        for name, channel in state.channels.items():
            roster = channel.roster
            for socket_id, user_id in channel.subscribers.items():
                share.add("o", app_id, name)
                share.add("s", app_id, name)
                if user_id is not None:
                    share.add("u", app_id, name, user_id)
                    member = roster.members.get(user_id) if roster is not None else None
                    info = member.user_info if member is not None else None
                    place = US.join((app_id, name, member_key(node, socket_id, user_id)))
                    share.roster[place] = dumps([user_id, info])
            if roster is None:
                continue
            for member in roster.members.values():
                if member.virtual:
                    share.add("o", app_id, name)
                    share.add("u", app_id, name, member.user_id)
                    place = US.join((app_id, name, member_key(node, None, member.user_id)))
                    share.roster[place] = dumps([member.user_id, member.user_info])
        for user_id, sockets in state.users.items():
            for _ in sockets:
                share.add("w", app_id, user_id)
    return share


def replica(model: PusherModel, node: str) -> dict[Place, str]:
    """Where this model holds ``node``'s presence members: place -> user id."""
    prefix = node + "/"
    out: dict[Place, str] = {}
    for app_id, state in model.states.items():
        for name, channel in state.channels.items():
            if channel.roster is None:
                continue
            for member in channel.roster.members.values():
                for key in member.sockets:
                    if key.startswith(prefix):
                        out[(app_id, name, key)] = member.user_id
    return out


def replica_nodes(model: PusherModel) -> set[str]:
    """The other nodes this model holds presence members of."""
    return {key.partition("/")[0]
            for state in model.states.values()
            for channel in state.channels.values() if channel.roster is not None
            for member in channel.roster.members.values()
            for key in member.sockets if "/" in key}


async def read_roster(call: Call, prefix: str, node: str) -> dict[Place, tuple[str, Any]]:
    """``node``'s presence members as Redis holds them: place -> (user id, user info)."""
    entries = await call("HGETALL", f"{prefix}roster:{node}")
    out: dict[Place, tuple[str, Any]] = {}
    for name, value in zip(entries[::2], entries[1::2], strict=True):
        app_id, channel, key = name.split(US, 2)
        user_id, info = json.loads(value)
        out[(app_id, channel, key)] = (user_id, info)
    return out


def sync_replica(model: PusherModel, node: str,
                 members: dict[Place, tuple[str, Any]]) -> None:
    """Make this model's replica of ``node``'s members ``members``: who is new joins
    (announced to this node's subscribers), who is no longer there leaves. Joins come
    first, so a member who only changed sockets is not announced as leaving."""
    held = replica(model, node)
    for (app_id, channel, key), (user_id, info) in members.items():
        app = model.app_by_id(app_id)
        if app is not None and held.get((app_id, channel, key)) != user_id:
            model.remote_join(app, channel, user_id, info, key)
    for (app_id, channel, key), user_id in held.items():
        app = model.app_by_id(app_id)
        if app is not None and members.get((app_id, channel, key), ("",))[0] != user_id:
            model.remote_leave(app, channel, user_id, key)


def sync_online(model: PusherModel, online: dict[str, set[str]], app: App,
                now: Iterable[str], keep: bool) -> None:
    """Make ``online[app.id]`` (who is signed in anywhere) ``now`` (with what it held too,
    if ``keep``), telling this node's watchers of every user who came or went."""
    held = online.setdefault(app.id, set())
    wanted = set(now) | (held if keep else set())
    for user_id in sorted(wanted - held):
        held.add(user_id)
        model.watched_user(app, user_id, "online")
    for user_id in sorted(held - wanted):
        held.discard(user_id)
        model.watched_user(app, user_id, "offline")


async def sync_cache(call: Call, model: PusherModel, prefix: str) -> None:
    """Cache channels' last events, both ways: the newer of this node's and Redis's wins
    (the one with more time to live left, the apps' TTLs being the same everywhere)."""
    now = model.clock.monotonic()
    for state in model.states.values():
        app = state.app
        index = f"{prefix}caches:{app.id}"
        held: set[str] = set()
        for channel in await call("SMEMBERS", index):
            key = f"{prefix}cache:{app.id}{US}{channel}"
            value, ttl = await call("GET", key), await call("PTTL", key)
            if value is None or ttl <= 0:
                await call("SREM", index, channel)
                continue
            held.add(channel)
            event, data = json.loads(value)
            mine = state.cache.get(channel)
            if mine is None or mine.expires - now < ttl / 1000 - 0.05:
                state.cache.pop(channel, None)
                model.cache_restore(app, channel, event, data, ttl / 1000)
            elif mine.expires - now > ttl / 1000 + 0.05:
                held.discard(channel)  # this node's is newer: Redis gets it below
        for channel, cached in list(state.cache.items()):
            left = cached.expires - now
            if channel not in held and left > 0:
                key = f"{prefix}cache:{app.id}{US}{channel}"
                await call("SET", key, dumps([cached.event, cached.data]), "PX",
                           max(1, int(left * 1000)))
                await call("SADD", index, channel)


__all__ = ["Share", "member_key", "own_share", "read_roster", "replica", "replica_nodes",
           "sync_cache", "sync_online", "sync_replica"]
