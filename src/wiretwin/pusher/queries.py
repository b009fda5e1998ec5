"""What the HTTP API and the test-control API ask about channels: occupied channels,
their subscription and user counts, presence user ids, a cache channel's last event.

The numbers are this process's, or the cluster's when the caller passes them as
``counts`` (read from Redis when the twin is scaled out, :mod:`.cluster`); the rules on
what may be asked are the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..runtime.clock import Clock
from .apps import App
from .channels import ChannelKind, channel_type, invalid_channel_name
from .errors import ApiError, shown
from .limits import check_attribute
from .state import AppState, CachedEvent


@dataclass(frozen=True, slots=True)
class ChannelCount:
    """A channel's numbers as the HTTP API reports them (cluster-wide, when given by the
    peers instead of read from this process's state)."""

    subscription_count: int
    user_count: int


class ChannelQueries:
    """The query half of :class:`~wiretwin.pusher.model.PusherModel`."""

    clock: Clock

    def state(self, app: App) -> AppState:
        raise NotImplementedError

    def _cached(self, state: AppState, name: str) -> CachedEvent | None:
        raise NotImplementedError

    def counts(self, app: App) -> dict[str, ChannelCount]:
        """This process's occupied channels and their numbers."""
        return {
            name: ChannelCount(channel.subscription_count,
                               len(channel.roster) if channel.roster else 0)
            for name, channel in self.state(app).channels.items() if channel.occupied
        }

    def channel_attributes(self, app: App, name: str, attrs: Iterable[str],
                           counts: Mapping[str, ChannelCount] | None = None
                           ) -> dict[str, Any]:
        """``counts``: the cluster's numbers (default: this process's)."""
        state = self.state(app)
        if counts is None:
            counts = self.counts(app)
        count = counts.get(name)
        out: dict[str, Any] = {}
        for attr in attrs:
            if attr == "user_count":
                out["user_count"] = count.user_count if count else 0
            elif attr == "subscription_count":
                out["subscription_count"] = count.subscription_count if count else 0
            elif attr == "cache":
                cached = self._cached(state, name)
                if cached is not None:
                    out["cache"] = {
                        "data": cached.data,
                        "ttl": max(0, round(cached.expires - self.clock.monotonic())),
                    }
        return out

    def channel_info(self, app: App, name: str, attrs: list[str],
                     counts: Mapping[str, ChannelCount] | None = None) -> dict[str, Any]:
        problem = invalid_channel_name(name)
        if problem is not None:
            raise ApiError(400, f"Invalid channel name: {problem}")
        for attr in attrs:
            if attr not in ("user_count", "subscription_count", "cache"):
                raise ApiError(400, f"Invalid info attribute: {shown(attr, 64)}")
            check_attribute(app, name, attr)
        if counts is None:
            counts = self.counts(app)
        out: dict[str, Any] = {"occupied": name in counts}
        out.update(self.channel_attributes(app, name, attrs, counts))
        return out

    def channels(self, app: App, prefix: str, attrs: list[str],
                 counts: Mapping[str, ChannelCount] | None = None) -> dict[str, Any]:
        for attr in attrs:
            if attr != "user_count":
                raise ApiError(400, "Invalid info attribute for the channels list: "
                               f"{shown(attr, 64)}")
            if not prefix.startswith("presence-"):
                raise ApiError(
                    400,
                    "user_count may only be requested for presence channels - please supply "
                    "filter_by_prefix begining with presence-",
                )
        if counts is None:
            counts = self.counts(app)
        return {
            name: self.channel_attributes(app, name, attrs, counts)
            for name in sorted(counts)
            if name.startswith(prefix)
            and channel_type(name).kind is not ChannelKind.SERVER_TO_USER
        }

    def check_users(self, name: str) -> None:
        """Raise :class:`ApiError` unless ``name`` is a presence channel's name."""
        problem = invalid_channel_name(name)
        if problem is not None:
            raise ApiError(400, f"Invalid channel name: {problem}")
        if not channel_type(name).presence:
            raise ApiError(400, "Users can only be retrieved for presence channels")

    def users(self, app: App, name: str) -> list[str]:
        self.check_users(name)
        channel = self.state(app).channels.get(name)
        return list(channel.roster.members) if channel and channel.roster else []


__all__ = ["ChannelCount", "ChannelQueries"]
