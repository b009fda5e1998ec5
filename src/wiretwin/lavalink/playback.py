"""A player's playback on the twin's clock.

Position is not ticked: it is computed. A player keeps a *base* position and, while its
track advances, the clock reading it advanced from; every state change first settles the
position, changes the state, then re-arms its timers. A track advances only while it is
loaded, not paused and its voice connection is up (lavaplayer only produces frames when
the voice connection polls for them), so it is exact at any clock reading, virtual or real.

Timers, all on the twin's :class:`~wiretwin.runtime.clock.Clock`:

* **end**: when the track reaches its length, or ``endTime`` (both end ``finished``);
  streams never end;
* **updates**: a ``playerUpdate`` every ``player_update_interval`` seconds from the moment
  a track starts until it ends (paused players keep getting them, frozen);
* **cleanup**: a track with no voice connection for ``cleanup_threshold`` seconds is
  stopped with ``cleanup``, as lavaplayer does when nobody polls its frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..runtime.clock import Clock, TimerHandle
from .tracks import Track


@dataclass
class VoiceState:
    token: str = ""
    endpoint: str = ""
    session_id: str = ""
    channel_id: str | None = None


class _Group:
    """The players whose next update is due at one clock reading, in the order they
    joined, and the timer that fires for them. ``interval`` is the interval all of them
    joined with (None once they differ): such a group moves on whole."""

    __slots__ = ("due", "handle", "interval", "members")

    def __init__(self, due: float, interval: float) -> None:
        self.due = due
        self.interval: float | None = interval
        self.members: dict[Player, None] = {}
        self.handle: TimerHandle | None = None


class UpdateTicker:
    """The ``playerUpdate`` schedules of many players, one clock timer per due instant.

    Players whose updates fall due at the same clock reading share one timer and fire in
    the order they joined it, as separate timers would. Without it every player would cost
    a timer per interval, and a virtual hour of 1,000 players 720,000 timer firings.

    With ``report``, the players due at one instant are reported together: they are
    rescheduled (a group whose players share an interval moves on as a whole, in one
    step, unless another group is already due then), then ``report`` gets them all, in
    order, to send their updates as one batch (the model does; see :meth:`Player.tick`
    for one player's share).
    """

    def __init__(self, clock: Clock,
                 report: Callable[[list[Player]], None] | None = None) -> None:
        self.clock = clock
        self.report = report
        self._groups: dict[float, _Group] = {}

    def schedule(self, player: Player, delay: float) -> _Group:
        """Tick ``player`` after ``delay``; returns its group (to cancel with)."""
        due = self.clock.monotonic() + delay
        group = self._groups.get(due)
        if group is None:
            group = self._arm(_Group(due, delay), delay)
        elif group.interval != delay:
            group.interval = None
        group.members[player] = None
        return group

    def cancel(self, player: Player, group: _Group) -> None:
        members = group.members
        members.pop(player, None)
        if not members and self._groups.get(group.due) is group:
            if group.handle is not None:
                group.handle.cancel()
            del self._groups[group.due]

    def _arm(self, group: _Group, delay: float) -> _Group:
        self._groups[group.due] = group
        group.handle = self.clock.call_later(delay, lambda: self._fire(group))
        return group

    def _fire(self, group: _Group) -> None:
        if self._groups.get(group.due) is not group:
            return
        del self._groups[group.due]
        group.handle = None
        members = group.members
        if self.report is None:
            while members:
                player = next(iter(members))
                del members[player]
                player._update_group = None
                player.tick()
            return
        players = list(members)
        interval = group.interval
        if interval is not None and players:
            due = self.clock.monotonic() + interval
            if due not in self._groups:  # the whole group moves on, each player in it
                group.due = due
                self._arm(group, interval)
                self.report(players)
                return
        members.clear()
        for player in players:
            player._update_group = None
            player._schedule_update()
        self.report(players)


class PlaybackListener(Protocol):
    """Told of a player's changes (its voice link, :mod:`.voice_link`): :meth:`sync`
    just before each change (the clock reading it happens at), :meth:`changed` just
    after it, :meth:`disposed` when the player is gone."""

    def sync(self) -> None: ...

    def changed(self) -> None: ...

    def disposed(self) -> None: ...


@dataclass
class PlayerCallbacks:
    """What a player's timers set off (the model decides what each means)."""

    finished: Callable[[Player], None]
    cleanup: Callable[[Player], None]
    update: Callable[[Player], None]
    #: Whose player it is (the model's session): a ticker's ``report`` sends the updates
    #: of players due together in runs with the same owner.
    owner: object = None


@dataclass(eq=False)
class Player:
    guild_id: str
    clock: Clock
    callbacks: PlayerCallbacks
    update_interval: float
    cleanup_threshold: float
    track: Track | None = None
    paused: bool = False
    volume: int = 100
    filters: dict[str, Any] = field(default_factory=dict)
    voice: VoiceState = field(default_factory=VoiceState)
    voice_connected: bool = False
    ping: int = -1
    end_time: int | None = None
    _base: int = 0
    _since: float | None = None
    _end_timer: TimerHandle | None = field(default=None, repr=False)
    _update_timer: TimerHandle | None = field(default=None, repr=False)
    _cleanup_timer: TimerHandle | None = field(default=None, repr=False)
    #: Shared update schedule (the model's); without one the player keeps its own timer.
    ticker: UpdateTicker | None = field(default=None, repr=False)
    _update_group: _Group | None = field(default=None, repr=False)
    #: What hears of every change (the voice link sending this player's audio), if any.
    listener: PlaybackListener | None = field(default=None, repr=False)

    # -- position -----------------------------------------------------------------------

    @property
    def advancing(self) -> bool:
        return self.track is not None and not self.paused and self.voice_connected

    @property
    def position(self) -> int:
        """Milliseconds into the current track (0 without one)."""
        return self.position_at(self.clock.monotonic())

    def position_at(self, now: float) -> int:
        """:attr:`position` at the clock reading ``now`` (one reading for many players)."""
        track, since = self.track, self._since
        if track is None:
            return 0
        position = self._base
        if since is not None:
            position += int((now - since) * 1000)
        info = track.info
        if not info.is_stream and position > info.length:
            position = info.length
        return position if position > 0 else 0

    def _settle(self) -> None:
        """Fold elapsed time into the base position; restart the count if still advancing."""
        if self.listener is not None:
            self.listener.sync()
        self._base = self.position
        self._since = self.clock.monotonic() if self.advancing else None

    def _rearm(self) -> None:
        self._since = self.clock.monotonic() if self.advancing else None
        self._cancel_end()
        if self.advancing and self.track is not None and not self.track.info.is_stream:
            stop_at = self.track.info.length
            if self.end_time is not None:
                stop_at = min(stop_at, self.end_time)
            remaining = max(0, stop_at - self._base) / 1000
            self._end_timer = self.clock.call_later(remaining, self._finished)
        if self.track is not None and not self.voice_connected:
            if self._cleanup_timer is None:
                self._cleanup_timer = self.clock.call_later(self.cleanup_threshold,
                                                            self._cleanup)
        elif self._cleanup_timer is not None:
            self._cleanup_timer.cancel()
            self._cleanup_timer = None
        if self.listener is not None:
            self.listener.changed()

    # -- changes (the model calls these) -----------------------------------------------

    def start(self, track: Track, position: int = 0, *, paused: bool = False,
              end_time: int | None = None) -> None:
        self._settle()
        self.track = track
        self._base = max(0, position)
        self.paused = paused
        self.end_time = end_time
        self._rearm()
        self._start_updates()

    def stop(self) -> Track | None:
        """Unload the track; the track as it ended (at its final position)."""
        if self.track is None:
            return None
        if self.listener is not None:
            self.listener.sync()
        ended = self.track.at(self.position)
        self.track = None
        self._base = 0
        self._since = None
        self.end_time = None
        self._cancel_all()
        if self.listener is not None:
            self.listener.changed()
        return ended

    def set_paused(self, paused: bool) -> None:
        self._settle()
        self.paused = paused
        self._rearm()

    def seek(self, position: int) -> None:
        if self.track is None:
            return
        self._settle()
        self._base = max(0, position)
        self._rearm()

    def set_end_time(self, end_time: int | None) -> None:
        self._settle()
        self.end_time = end_time
        self._rearm()

    def set_voice(self, connected: bool, ping: int = -1) -> None:
        self._settle()
        self.voice_connected = connected
        self.ping = ping if connected else -1
        self._rearm()

    def current(self) -> Track | None:
        """The track with its current position (as Lavalink re-encodes it)."""
        return self.track.at(self.position) if self.track is not None else None

    # -- timers -------------------------------------------------------------------------

    def _start_updates(self) -> None:
        # The model sends the first update itself, right after TrackStartEvent.
        self._cancel_updates()
        self._schedule_update()

    def _schedule_update(self) -> None:
        if self.ticker is not None:
            self._update_group = self.ticker.schedule(self, self.update_interval)
        else:
            self._update_timer = self.clock.call_later(self.update_interval, self.tick)

    def tick(self) -> None:
        """The ``playerUpdate`` timer fired: report the player and schedule the next."""
        self.reschedule_update()
        self.callbacks.update(self)

    def reschedule_update(self) -> None:
        """The first half of :meth:`tick`: the next update is due an interval from now
        (a ticker reporting many players at once reschedules each, then reports them)."""
        self._update_timer = None
        self._update_group = None
        self._schedule_update()

    def _cancel_updates(self) -> None:
        if self._update_timer is not None:
            self._update_timer.cancel()
            self._update_timer = None
        if self._update_group is not None and self.ticker is not None:
            self.ticker.cancel(self, self._update_group)
            self._update_group = None

    def _finished(self) -> None:
        self._end_timer = None
        self.callbacks.finished(self)

    def _cleanup(self) -> None:
        self._cleanup_timer = None
        self.callbacks.cleanup(self)

    def _cancel_end(self) -> None:
        if self._end_timer is not None:
            self._end_timer.cancel()
            self._end_timer = None

    def _cancel_all(self) -> None:
        self._cancel_end()
        self._cancel_updates()
        if self._cleanup_timer is not None:
            self._cleanup_timer.cancel()
            self._cleanup_timer = None

    def dispose(self) -> None:
        self._cancel_all()
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.disposed()


__all__ = ["PlaybackListener", "Player", "PlayerCallbacks", "UpdateTicker", "VoiceState"]
