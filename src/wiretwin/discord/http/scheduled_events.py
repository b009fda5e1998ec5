"""Guild scheduled event routes (``/guilds/{guild}/scheduled-events``): bodies read here
into typed fields, every rule in :mod:`..model.scheduled_events`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..model.emojis import read_image
from ..wire.fields import Form
from ..wire.params import query, query_flag, read_json, snowflake_arg
from .access import GuildResourceRoutes
from .app import Routes, json_response


def _routes() -> Routes:
    g = "/guilds/{guild_id}/scheduled-events"
    e = g + "/{event_id}"
    return (
        ("GET", g, "list_events"),
        ("POST", g, "create_event"),
        ("GET", e, "get_event"),
        ("PATCH", e, "modify_event"),
        ("DELETE", e, "delete_event"),
        ("GET", e + "/users", "event_users"),
    )


_ROUTES = _routes()


def read_event(body: Any, *, creating: bool) -> dict[str, Any]:
    """A create or modify body as the model's fields (only those sent; null where a
    field may be cleared), or 400 50035 naming every bad field."""
    form = Form(body)
    out: dict[str, Any] = {}
    name = form.string("name", 1, 100, required=creating)
    form.choice("privacy_level", (2,), required=creating)
    start = form.timestamp_ms("scheduled_start_time", required=creating)
    end = form.timestamp_ms("scheduled_end_time")
    description = form.string("description", 0 if not creating else 1, 1000)
    entity_type = form.choice("entity_type", (1, 2, 3), required=creating)
    channel_id = form.snowflake("channel_id")
    metadata = form.object("entity_metadata")
    location = metadata.string("location", 1, 100) if metadata is not None else None
    image = form.string("image")
    rule = form.object("recurrence_rule")
    status = None if creating else form.choice("status", (1, 2, 3, 4))
    form.check()
    given = {"name": name, "start_ms": start, "entity_type": entity_type, "status": status}
    out.update({k: v for k, v in given.items() if v is not None})
    for key, field, value in (("end_ms", "scheduled_end_time", end),
                              ("description", "description", description or None),
                              ("channel_id", "channel_id", channel_id),
                              ("location", "entity_metadata", location),
                              ("recurrence_rule", "recurrence_rule",
                               dict(rule.data) if rule is not None else None)):
        if form.has(field):
            out[key] = value
    if form.has("image"):
        out["image"] = read_image(image)[0] if image is not None else b""
    return out


class ScheduledEventRoutes(GuildResourceRoutes):
    ROUTES = _ROUTES

    async def list_events(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        counted = query_flag(request, "with_user_count")
        return [self.model.scheduled_event_json(e, user_count=counted)
                for e in self.model.visible_events(guild, self.me)]

    async def get_event(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        counted = query_flag(request, "with_user_count")
        event = self.model.seen_event(guild, snowflake_arg(request, "event_id"), self.me)
        return self.model.scheduled_event_json(event, user_count=counted)

    async def create_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        fields = read_event(await read_json(request), creating=True)
        event = self.model.create_scheduled_event(guild, self.me, fields)
        return json_response(self.model.scheduled_event_json(event), 200)

    async def modify_event(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        event = self.model.seen_event(guild, snowflake_arg(request, "event_id"), self.me)
        fields = read_event(await read_json(request), creating=False)
        return self.model.scheduled_event_json(
            self.model.modify_scheduled_event(guild, event, self.me, fields))

    async def delete_event(self, request: web.Request) -> None:
        guild = self._guild(request)
        event = self.model.seen_event(guild, snowflake_arg(request, "event_id"), self.me)
        self.model.delete_scheduled_event(guild, event, self.me)

    async def event_users(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        event = self.model.seen_event(guild, snowflake_arg(request, "event_id"), self.me)
        params = query(request)
        limit = params.integer("limit", 1, 100)
        before = params.snowflake("before")
        after = params.snowflake("after")
        with_member = params.boolean("with_member")
        params.check()
        return self.model.event_users(guild, event, limit=limit or 100, before=before,
                                      after=after, with_member=bool(with_member))


__all__ = ["ScheduledEventRoutes", "read_event"]
