"""The Pusher twin's state as plain JSON, and back.

A snapshot holds what can be restored without sockets: the apps, every presence member
(socket-backed or not), and what cache channels hold. Its lists are flat so the same
structure reads well as a TOML world file::

    {"apps": [{"id": "1", "key": ..., ...}],
     "members": [{"app": "1", "channel": "presence-lobby", "user_id": "bot",
                  "user_info": {...}}],
     "cache": [{"app": "1", "channel": "cache-prices", "event": "tick",
                "data": "{...}", "ttl": 1800}]}

Restoring goes through the model's own operations, so connected clients hear what the
service would tell them: members that appear or disappear are announced with
``member_added``/``member_removed`` (and their webhooks), and channels become occupied or
vacated. Members held by live sockets stay: a live subscription is not the snapshot's to
undo. Connections, the recorder and the journal are history, not state, and are left alone.
"""

from __future__ import annotations

import math
from typing import Any

from ..runtime.clock import Clock
from .apps import App
from .channels import channel_type, invalid_channel_name
from .errors import CloseCode
from .model import PusherModel
from .state import CachedEvent

FORMAT = 1


def snapshot(model: PusherModel, clock: Clock) -> dict[str, Any]:
    now = clock.monotonic()
    members: list[dict[str, Any]] = []
    cache: list[dict[str, Any]] = []
    for app_id, state in model.states.items():
        for name in sorted(state.channels):
            roster = state.channels[name].roster
            if roster is None:
                continue
            for member in roster.members.values():
                if not member.virtual and all("/" in key for key in member.sockets):
                    continue  # present only through other twins of a cluster: theirs
                entry: dict[str, Any] = {"app": app_id, "channel": name,
                                         "user_id": member.user_id}
                if member.user_info is not None:
                    entry["user_info"] = member.user_info
                members.append(entry)
        for name in sorted(state.cache):
            cached = state.cache[name]
            ttl = cached.expires - now
            if ttl > 0:
                cache.append({"app": app_id, "channel": name, "event": cached.event,
                              "data": cached.data, "ttl": round(ttl, 3)})
    return {
        "format": FORMAT,
        "apps": [state.app.to_json() for state in model.states.values()],
        "members": members,
        "cache": cache,
    }


class SnapshotError(ValueError):
    """A snapshot (or world file) that cannot be restored; the message says where."""


def restore(model: PusherModel, clock: Clock, data: dict[str, Any]) -> None:
    """Make ``model`` match ``data`` (see the module docstring for what that means)."""
    apps, members, cache = _parse(data)
    _restore_apps(model, apps)
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in members:
        wanted.setdefault((entry["app"], entry["channel"]), {})[entry["user_id"]] = (
            entry.get("user_info"))
    for app_id, state in model.states.items():
        app = state.app
        for name, channel in list(state.channels.items()):
            if channel.roster is None:
                continue
            keep = wanted.get((app_id, name), {})
            for user_id, member in list(channel.roster.members.items()):
                if member.virtual and user_id not in keep:
                    model.remove_member(app, name, user_id)
        state.cache.clear()
    for (app_id, name), roster in wanted.items():
        app = model.states[app_id].app
        for user_id, info in roster.items():
            model.add_member(app, name, user_id, info)
    now = clock.monotonic()
    for entry in cache:
        model.states[entry["app"]].cache[entry["channel"]] = CachedEvent(
            entry["event"], entry["data"], now + float(entry["ttl"]))


def _restore_apps(model: PusherModel, apps: list[App]) -> None:
    wanted = {app.id: app for app in apps}
    for app_id in list(model.states):
        if app_id not in wanted:
            state = model.states[app_id]
            for socket_id in list(state.connections):
                model.effects.close(socket_id, CloseCode.APP_NOT_FOUND,
                                    "The app no longer exists", False)
            model.remove_app(app_id)
    model.update_apps([app for app in apps if app.id in model.states])
    for app in apps:
        if app.id not in model.states:
            model.add_app(app)


def _parse(data: dict[str, Any]) -> tuple[list[App], list[dict[str, Any]],
                                          list[dict[str, Any]]]:
    if not isinstance(data, dict):
        raise SnapshotError("a Pusher snapshot is an object with apps, members and cache")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise SnapshotError(f"unsupported Pusher snapshot format {fmt!r} (this is {FORMAT})")
    unknown = sorted(set(data) - {"format", "apps", "members", "cache"})
    if unknown:
        raise SnapshotError(f"unknown Pusher snapshot key(s): {', '.join(unknown)}")
    try:
        apps = [App.from_json(a) for a in data.get("apps", [])]
    except (TypeError, ValueError) as exc:
        raise SnapshotError(f"apps: {exc}") from None
    if not apps:
        raise SnapshotError("apps: a Pusher twin needs at least one app")
    ids = {a.id for a in apps}
    if len(ids) < len(apps) or len({a.key for a in apps}) < len(apps):
        raise SnapshotError("apps: two apps with one id or one key")
    members = _list(data, "members")
    for index, entry in enumerate(members):
        where = f"members[{index}]"
        _check(entry, where, ("app", "channel", "user_id"), ("user_info",), ids)
        if not isinstance(entry["user_id"], str | int) or isinstance(entry["user_id"], bool):
            raise SnapshotError(f"{where}: user_id is a string")
        if not channel_type(entry["channel"]).presence or invalid_channel_name(
                entry["channel"]):
            raise SnapshotError(f"{where}: {entry['channel']!r} is not a presence channel")
        entry["user_id"] = str(entry["user_id"])
    cache = _list(data, "cache")
    for index, entry in enumerate(cache):
        where = f"cache[{index}]"
        _check(entry, where, ("app", "channel", "event", "data", "ttl"), (), ids)
        if not channel_type(entry["channel"]).cache:
            raise SnapshotError(f"{where}: {entry['channel']!r} is not a cache channel")
        if not isinstance(entry["event"], str) or not isinstance(entry["data"], str):
            raise SnapshotError(f"{where}: event and data are strings")
        ttl = entry["ttl"]
        if not isinstance(ttl, int | float) or isinstance(ttl, bool) or not (
                0 <= ttl < math.inf):
            raise SnapshotError(f"{where}: ttl is a number of seconds")
    return apps, members, cache


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise SnapshotError(f"{key}: expected a list")
    return list(value)


def _check(entry: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...],
           ids: set[str]) -> None:
    if not isinstance(entry, dict):
        raise SnapshotError(f"{where}: expected an object")
    missing = [k for k in required if k not in entry]
    if missing:
        raise SnapshotError(f"{where}: missing {', '.join(missing)}")
    extra = sorted(set(entry) - set(required) - set(optional))
    if extra:
        raise SnapshotError(f"{where}: unknown key(s) {', '.join(extra)}")
    if not isinstance(entry["channel"], str):
        raise SnapshotError(f"{where}: channel is a string")
    entry["app"] = str(entry["app"])
    if entry["app"] not in ids:
        raise SnapshotError(f"{where}: no app with id {entry['app']!r}")


__all__ = ["FORMAT", "SnapshotError", "restore", "snapshot"]
