"""Scheduled events in the world a bot lives in: making one as a world's user would
have, and users marking themselves interested or not (what the bot hears as
GUILD_SCHEDULED_EVENT_USER_ADD / _REMOVE, with the GUILD_SCHEDULED_EVENTS intent).
The rules are the model's (:mod:`wiretwin.discord.model.scheduled_events`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..coerce import BackendError, id_of
from ..model import Guild, ScheduledEvent
from ..model.entities import ChannelType
from ..model.scheduled_events import EXTERNAL, STAGE_INSTANCE, VOICE
from .base import BackendBase

#: A world's event starts an hour from now unless told otherwise.
_HOUR_MS = 3_600_000


def _ms(value: Any) -> float:
    """A time as epoch ms: an aware ``datetime``, or a number of epoch ms."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise BackendError("a scheduled event's time must be an aware datetime")
        return value.timestamp() * 1000
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise BackendError(f"a time is an aware datetime or epoch ms, not {value!r}")


class ScheduledEventActions(BackendBase):
    async def make_scheduled_event(
        self, name: str, guild: Any, *, channel: Any = None, location: str | None = None,
        start: Any = None, end: Any = None, description: str | None = None,
        creator: Any = None, status: int = 1, recurrence_rule: dict[str, Any] | None = None,
        event_id: int | None = None,
    ) -> ScheduledEvent:
        """A scheduled event in ``guild`` (GUILD_SCHEDULED_EVENT_CREATE): in ``channel``
        (a voice or stage channel: a VOICE or STAGE_INSTANCE event) or at ``location``
        (EXTERNAL; ``end`` required). ``start``/``end``: aware datetimes or epoch ms (by
        default an hour from now); ``creator``: who made it (the guild's owner by
        default); ``status``: 1 SCHEDULED, 2 ACTIVE, 3 COMPLETED, 4 CANCELED. Discord's
        field rules apply, its permission checks do not (a world's past)."""

        def build() -> ScheduledEvent:
            self._claim(event_id, "scheduled event")
            where = self._guild(guild)
            maker = (self._user(creator).id if creator is not None
                     else where.owner_id if where.owner_id in self.model.users
                     else self.model.bot.id)
            fields: dict[str, Any] = {
                "name": name, "description": description, "status": status,
                "start_ms": self.model.now_ms + _HOUR_MS if start is None else _ms(start),
                "end_ms": None if end is None else _ms(end),
                "recurrence_rule": recurrence_rule}
            if channel is not None:
                place = self._channel(channel)
                fields["channel_id"] = place.id
                fields["entity_type"] = (STAGE_INSTANCE if place.type
                                         == ChannelType.GUILD_STAGE_VOICE else VOICE)
            elif location is not None:
                fields.update(entity_type=EXTERNAL, location=location)
            else:
                raise BackendError("a scheduled event needs a channel= or a location=")
            return self.model.create_scheduled_event(where, maker, fields,
                                                     event_id=event_id, check=False)

        return await self._run(build)

    async def subscribe_event(self, event: Any, user: Any) -> bool:
        """``user`` marks itself interested in ``event``
        (GUILD_SCHEDULED_EVENT_USER_ADD); False if it already was. The user must be a
        member who can see the event, and the event not finished."""

        def act() -> bool:
            return self.model.subscribe(self._event(event), self._user(user).id)

        return await self._run(act)

    async def unsubscribe_event(self, event: Any, user: Any) -> bool:
        """``user`` is no longer interested (GUILD_SCHEDULED_EVENT_USER_REMOVE); False if
        it was not."""

        def act() -> bool:
            return self.model.unsubscribe(self._event(event), self._user(user).id)

        return await self._run(act)

    def _event(self, obj: Any) -> ScheduledEvent:
        if isinstance(obj, ScheduledEvent):
            return obj
        wanted = id_of(obj, "scheduled event")
        guilds: list[Guild] = list(self.model.guilds.values())
        for guild in guilds:
            if wanted in guild.scheduled_events:
                return guild.scheduled_events[wanted]
        raise BackendError(f"no scheduled event {obj!r} in the twin")


__all__ = ["ScheduledEventActions"]
