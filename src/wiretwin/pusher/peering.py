"""What the other processes of a cluster tell a model (scale-out over Redis,
:mod:`.cluster`): events they published or relayed, their presence members coming and
going, the cluster's subscription counts, cache channels' last events. Each lands on this
process's own sockets only; nothing here is told back to the peers.
"""

from __future__ import annotations

from typing import Any

from ..runtime.clock import Clock
from . import users, wire
from .apps import App
from .channels import channel_type, invalid_channel_name
from .state import AppState, CachedEvent, Channel, Effects


class PeerUpdates:
    """The peer-facing half of :class:`~wiretwin.pusher.model.PusherModel`."""

    clock: Clock
    effects: Effects
    states: dict[str, AppState]

    def state(self, app: App) -> AppState:
        raise NotImplementedError

    def _channel(self, state: AppState, name: str) -> Channel:
        raise NotImplementedError

    def _member_added(self, app: App, channel: Channel, user_id: str, info: Any,
                      exclude: str | None) -> None:
        raise NotImplementedError

    def _member_removed(self, app: App, channel: Channel, user_id: str) -> None:
        raise NotImplementedError

    def _maybe_vacate(self, state: AppState, channel: Channel) -> None:
        raise NotImplementedError

    def relay_client_event(self, app: App, name: str, event: str, data: str,
                           user_id: str | None) -> None:
        """A client event another process accepted: to this process's subscribers."""
        channel = self.state(app).channels.get(name)
        if channel is not None and channel.subscribers:
            self.effects.deliver(list(channel.subscribers),
                                 wire.channel_event(name, event, data, user_id))

    def remote_join(self, app: App, name: str, user_id: str, user_info: Any,
                    key: str) -> None:
        """A presence member joined through another process (``key``: its socket there,
        as ``node/socket id``); its arrival is announced to this process's subscribers."""
        if not channel_type(name).presence or invalid_channel_name(name):
            return
        state = self.state(app)
        channel = self._channel(state, name)
        assert channel.roster is not None
        if channel.roster.join(user_id, user_info, key):
            self._member_added(app, channel, user_id, user_info, exclude=None)

    def remote_leave(self, app: App, name: str, user_id: str, key: str) -> None:
        """A presence member's socket on another process left (or its process died)."""
        state = self.state(app)
        channel = state.channels.get(name)
        if channel is None or channel.roster is None:
            return
        if channel.roster.leave(user_id, key):
            self._member_removed(app, channel, user_id)
        self._maybe_vacate(state, channel)

    def remote_gone(self, node: str) -> None:
        """Every presence of a process that stopped or died leaves (``node/`` keys)."""
        prefix = node + "/"
        for state in list(self.states.values()):
            for name, channel in list(state.channels.items()):
                if channel.roster is None:
                    continue
                for member in list(channel.roster.members.values()):
                    for key in [k for k in member.sockets if k.startswith(prefix)]:
                        self.remote_leave(state.app, name, member.user_id, key)

    def watched_user(self, app: App, user_id: str, what: str) -> None:
        """A user came ``online`` or went ``offline`` cluster-wide: to this process's
        watchers."""
        users.notify_watchers(self.state(app), user_id, what, self.effects)

    def subscription_counted(self, app: App, name: str, count: int) -> None:
        """A cluster's new subscription count for ``name``: to this process's subscribers."""
        channel = self.state(app).channels.get(name)
        if channel is not None and channel.subscribers:
            self.effects.deliver(list(channel.subscribers),
                                 wire.subscription_count(name, count))

    def cache_restore(self, app: App, name: str, event: str, data: str, ttl: float) -> None:
        """A cache channel's last event as another process kept it (``ttl`` seconds left)."""
        state = self.state(app)
        if name not in state.cache:
            state.cache[name] = CachedEvent(event, data, self.clock.monotonic() + ttl)


__all__ = ["PeerUpdates"]
