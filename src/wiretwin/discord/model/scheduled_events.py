"""Guild scheduled events (developers/resources/guild-scheduled-event), held to the
permission rules Discord enforces on bots since 2026-02-23.

Making an event needs CREATE_EVENTS (MANAGE_EVENTS alone no longer does); its maker edits
or deletes it with CREATE_ or MANAGE_EVENTS, anyone else with MANAGE_EVENTS. For a VOICE
or STAGE_INSTANCE event these are computed in its channel, with what the channel itself
asks (VOICE: VIEW_CHANNEL and CONNECT; STAGE_INSTANCE: MANAGE_CHANNELS, MUTE_MEMBERS and
MOVE_MEMBERS); for an EXTERNAL event they are guild-wide. Seeing a channel's event needs
VIEW_CHANNEL there. Field rules by entity type: STAGE_INSTANCE and VOICE need a channel
of their kind (``entity_metadata`` is discarded), EXTERNAL needs ``channel_id`` null, a
``location`` and an end time. Status moves SCHEDULED -> ACTIVE -> COMPLETED or
SCHEDULED -> CANCELED; a finished event (COMPLETED, CANCELED) takes no change (180000).
A guild holds at most 100 events that are SCHEDULED or ACTIVE (30038).

Dispatches (the GUILD_SCHEDULED_EVENTS intent): GUILD_SCHEDULED_EVENT_CREATE / _UPDATE /
_DELETE with the event (``user_count`` included), GUILD_SCHEDULED_EVENT_USER_ADD /
_REMOVE when a user subscribes or unsubscribes. ``recurrence_rule`` is kept and echoed;
nothing recurs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..errors import DiscordError, unknown
from ..permissions import Permission
from .base import ModelBase, form_error
from .entities import Channel, ChannelType, Guild, ScheduledEvent

STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
#: Where each status may go next (COMPLETED and CANCELED are final).
TRANSITIONS: dict[int, frozenset[int]] = {
    SCHEDULED: frozenset({SCHEDULED, ACTIVE, CANCELED}),
    ACTIVE: frozenset({ACTIVE, COMPLETED}),
}
#: Events a guild may hold that are SCHEDULED or ACTIVE.
MAX_UNFINISHED = 100
#: What each entity type's channel must be.
CHANNEL_KIND = {STAGE_INSTANCE: ChannelType.GUILD_STAGE_VOICE, VOICE: ChannelType.GUILD_VOICE}
#: What the channel of each entity type asks beyond the events permission.
CHANNEL_NEEDS: dict[int, tuple[Permission, ...]] = {
    STAGE_INSTANCE: (Permission.MANAGE_CHANNELS, Permission.MUTE_MEMBERS,
                     Permission.MOVE_MEMBERS),
    VOICE: (Permission.VIEW_CHANNEL, Permission.CONNECT),
}
#: The fields a change may set (the routes read them from the body, typed).
FIELDS = ("name", "description", "start_ms", "end_ms", "entity_type", "channel_id",
          "location", "image", "recurrence_rule", "status")


def finished() -> DiscordError:
    return DiscordError(400, 180000, "Cannot update a finished event")


def visible_events(model: ModelBase, guild: Guild, user_id: int) -> list[ScheduledEvent]:
    """The events ``user_id`` may see: EXTERNAL ones, and those whose channel it may
    view."""
    out = []
    for event in guild.scheduled_events.values():
        channel: Channel | None = (None if event.channel_id is None
                                   else model.channels.get(event.channel_id))
        if event.channel_id is None or (channel is not None and model.permissions(
                channel, user_id) & Permission.VIEW_CHANNEL):
            out.append(event)
    return out


def events_json(model: ModelBase, guild: Guild, user_id: int) -> list[dict[str, Any]]:
    """GUILD_CREATE's ``guild_scheduled_events``: those ``user_id`` may see, counted."""
    return [e.to_json(model.users.get(e.creator_id), user_count=True)
            for e in visible_events(model, guild, user_id)]


class ScheduledEventOps(ModelBase):
    def scheduled_event(self, guild: Guild, event_id: int) -> ScheduledEvent:
        found = guild.scheduled_events.get(event_id)
        if found is None:
            raise unknown("Guild Scheduled Event", 10070)
        return found

    def visible_events(self, guild: Guild, user_id: int) -> list[ScheduledEvent]:
        return visible_events(self, guild, user_id)

    def seen_event(self, guild: Guild, event_id: int, user_id: int) -> ScheduledEvent:
        """An event ``user_id`` asks for: 404 10070 unknown, 403 50001 if its channel is
        hidden from them."""
        event = self.scheduled_event(guild, event_id)
        if event.channel_id is not None:
            self.require(self.channel(event.channel_id), user_id)
        return event

    def create_scheduled_event(self, guild: Guild, creator_id: int, fields: dict[str, Any],
                               *, event_id: int | None = None, check: bool = True
                               ) -> ScheduledEvent:
        """``creator_id`` makes an event from typed ``fields`` (:data:`FIELDS`: name,
        start_ms and entity_type required); ``check``: Discord's permission checks (a
        world being built skips them, not the field rules)."""
        event = ScheduledEvent(0, guild.id, fields["name"], creator_id,
                               fields["entity_type"], fields["start_ms"])
        self._apply(event, fields)
        event.status = SCHEDULED if check else fields.get("status", SCHEDULED)
        self._check_shape(guild, event, start_changed=check)
        if check:
            self._may_act(guild, event, creator_id, creating=True)
        unfinished = sum(1 for e in guild.scheduled_events.values()
                         if e.status in (SCHEDULED, ACTIVE))
        if unfinished >= MAX_UNFINISHED:
            raise DiscordError(400, 30038, f"Maximum number of uncompleted guild scheduled "
                                           f"events reached ({MAX_UNFINISHED})")
        event.id = event_id if event_id is not None else self.ids.next()
        guild.scheduled_events[event.id] = event
        self._event_changed("GUILD_SCHEDULED_EVENT_CREATE", event)
        return event

    def modify_scheduled_event(self, guild: Guild, event: ScheduledEvent, user_id: int,
                               changes: dict[str, Any]) -> ScheduledEvent:
        """Edit, start, end or cancel (``status``) an event, as ``user_id``."""
        self._may_act(guild, event, user_id, creating=False)
        if event.status not in TRANSITIONS:
            raise finished()
        status = changes.get("status")
        if status is not None and status not in TRANSITIONS[event.status]:
            raise form_error("status", "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                             "Invalid Guild Scheduled Event Status Transition")
        after = replace(event, subscribers=event.subscribers)
        if changes.get("entity_type", event.entity_type) != EXTERNAL:
            changes = {k: v for k, v in changes.items() if k != "location"}
        self._apply(after, changes)
        self._check_shape(guild, after, start_changed="start_ms" in changes
                          and after.status == SCHEDULED)
        if (after.entity_type, after.channel_id) != (event.entity_type, event.channel_id):
            self._may_act(guild, after, user_id, creating=False)
        for name in FIELDS:
            setattr(event, name, getattr(after, name))
        self._event_changed("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return event

    def delete_scheduled_event(self, guild: Guild, event: ScheduledEvent, user_id: int
                               ) -> None:
        self._may_act(guild, event, user_id, creating=False)
        del guild.scheduled_events[event.id]
        self._event_changed("GUILD_SCHEDULED_EVENT_DELETE", event)

    def subscribe(self, event: ScheduledEvent, user_id: int) -> bool:
        """``user_id`` marks itself interested (GUILD_SCHEDULED_EVENT_USER_ADD); False if
        it already was. A member who may see the event, while it is not finished."""
        guild = self.guild(event.guild_id)
        self.member(guild, user_id)
        self.seen_event(guild, event.id, user_id)
        if event.status not in TRANSITIONS:
            raise finished()
        if user_id in event.subscribers:
            return False
        event.subscribers.append(user_id)
        self._subscription("GUILD_SCHEDULED_EVENT_USER_ADD", event, user_id)
        return True

    def unsubscribe(self, event: ScheduledEvent, user_id: int) -> bool:
        """``user_id`` is no longer interested (GUILD_SCHEDULED_EVENT_USER_REMOVE); False
        if it was not."""
        if user_id not in event.subscribers:
            return False
        event.subscribers.remove(user_id)
        self._subscription("GUILD_SCHEDULED_EVENT_USER_REMOVE", event, user_id)
        return True

    def event_users(self, guild: Guild, event: ScheduledEvent, *, limit: int = 100,
                    before: int | None = None, after: int | None = None,
                    with_member: bool = False) -> list[dict[str, Any]]:
        """Get Guild Scheduled Event Users: ascending by user id; ``before`` (which wins
        over ``after``) gives the ``limit`` users just below it."""
        ids = sorted(event.subscribers)
        if before is not None:
            ids = [u for u in ids if u < before][-limit:]
        else:
            ids = [u for u in ids if after is None or u > after][:limit]
        out = []
        for user_id in ids:
            entry: dict[str, Any] = {"guild_scheduled_event_id": str(event.id),
                                     "user": self.user(user_id).to_json()}
            if with_member and user_id in guild.members:
                entry["member"] = self.member_json(guild, user_id, with_user=False)
            out.append(entry)
        return out

    def scheduled_event_json(self, event: ScheduledEvent, *, user_count: bool = False
                             ) -> dict[str, Any]:
        return event.to_json(self.users.get(event.creator_id), user_count=user_count)

    # -- rules --------------------------------------------------------------------------

    def _apply(self, event: ScheduledEvent, fields: dict[str, Any]) -> None:
        for name in FIELDS:
            if name in fields:
                setattr(event, name, fields[name] if name != "image"
                        else fields[name] or b"")

    def _check_shape(self, guild: Guild, event: ScheduledEvent, *, start_changed: bool
                     ) -> None:
        """The field requirements by entity type, and times that make sense."""
        if event.entity_type == EXTERNAL:
            if event.channel_id is not None:
                raise form_error("channel_id", "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED",
                                 "An external event cannot have a channel.")
            if event.location is None:
                raise form_error(("entity_type", "location"), "BASE_TYPE_REQUIRED",
                                 "This field is required")
            if event.end_ms is None:
                raise form_error("scheduled_end_time", "BASE_TYPE_REQUIRED",
                                 "This field is required")
        else:
            event.location = None
            if event.channel_id is None:
                raise form_error("channel_id", "BASE_TYPE_REQUIRED", "This field is required")
            channel = self.channel(event.channel_id)
            if channel.guild_id != guild.id:
                raise unknown("Channel", 10003)
            if channel.type != CHANNEL_KIND[event.entity_type]:
                raise form_error("channel_id", "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL_TYPE",
                                 "The channel's type does not match the entity type.")
        if start_changed and event.start_ms < self.now_ms:
            raise form_error("scheduled_start_time", "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                             "Cannot schedule event in the past.")
        if event.end_ms is not None and event.end_ms <= event.start_ms:
            raise form_error("scheduled_end_time",
                             "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                             "Cannot schedule event to end before starting.")

    def _may_act(self, guild: Guild, event: ScheduledEvent, user_id: int, *,
                 creating: bool) -> None:
        """CREATE_EVENTS to create; its maker CREATE_ or MANAGE_EVENTS, anyone else
        MANAGE_EVENTS to change; in the event's channel with what it asks, or guild-wide
        for an EXTERNAL event (403 50013, 50001 without VIEW_CHANNEL)."""
        allowed = Permission.CREATE_EVENTS if creating else Permission.MANAGE_EVENTS
        if not creating and event.creator_id == user_id:
            allowed |= Permission.CREATE_EVENTS
        needed = Permission.CREATE_EVENTS if creating else Permission.MANAGE_EVENTS
        if event.channel_id is None:
            if not self.guild_permissions(guild, user_id) & allowed:
                self.require_guild(guild, user_id, needed)
            self.require_guild(guild, user_id)
            return
        channel = self.channel(event.channel_id)
        self.require(channel, user_id)
        if not self.permissions(channel, user_id) & allowed:
            raise self._refused(channel, user_id, needed)
        self.require(channel, user_id, *CHANNEL_NEEDS[event.entity_type])

    def _event_changed(self, name: str, event: ScheduledEvent) -> None:
        self.effects.dispatch(name, self.scheduled_event_json(event, user_count=True),
                              guild_id=event.guild_id)

    def _subscription(self, name: str, event: ScheduledEvent, user_id: int) -> None:
        self.effects.dispatch(name, {"guild_scheduled_event_id": str(event.id),
                                     "user_id": str(user_id),
                                     "guild_id": str(event.guild_id)},
                              guild_id=event.guild_id)


__all__ = ["ACTIVE", "CANCELED", "COMPLETED", "EXTERNAL", "FIELDS", "MAX_UNFINISHED",
           "SCHEDULED", "STAGE_INSTANCE", "VOICE", "ScheduledEventOps", "events_json",
           "finished", "visible_events"]
