"""What a client may set on a guild, channel, overwrite, role, member, thread or webhook,
read as Discord reads it.

Each ``read_*`` takes what the client sent (a JSON object, or the keyword arguments the
backend got) and returns only the fields it recognises, typed (ids as ints, permissions
as ints, booleans as booleans), raising Discord's 400 50035 with every bad field at its
path. The model applies the result and nothing else, so whatever a REST client, the
admin API or a test sends, what the model keeps has the types its serializers expect.

A field sent as ``null`` stays in the result as ``None`` only where Discord gives null a
meaning (no topic, no parent, no nickname, timeout lifted); elsewhere it is ignored.

Limits (Discord's reference for each route): names 1-100 (guilds 2-100, nicknames up to
32, role names up to 100), topics up to 1024 (4096 in forums), slow mode 0-21600 s,
bitrate from 8000, user limits 0-99 (stage channels 0-10000), positions from 0, colours
0-0xFFFFFF, thread tags up to 5, archive durations 60/1440/4320/10080 minutes.
"""

from __future__ import annotations

from typing import Any

from .fields import Form

#: Channel types a guild channel may be created as (text, voice, category,
#: announcement, stage, forum, media).
GUILD_CHANNEL_TYPES = (0, 2, 4, 5, 13, 15, 16)
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
OVERWRITE_TYPES = (0, 1)
_FORUMS = (15, 16)


def _given(out: dict[str, Any], form: Form, key: str, value: Any, *,
           nullable: bool = False) -> None:
    """Keep ``value`` under ``key`` when the client gave one (or null, if it means
    something for this field)."""
    if value is not None or (nullable and form.has(key) and form.raw(key) is None):
        out[key] = value


def read_overwrites(form: Form, key: str = "permission_overwrites"
                    ) -> list[tuple[int, int, int, int]] | None:
    """``permission_overwrites``: ``(id, type, allow, deny)`` each (type 0 role,
    1 member)."""
    items = form.objects(key, 0, 100)
    if items is None:
        return None
    out = []
    for item in items:
        target = item.snowflake("id", required=True)
        kind = item.choice("type", OVERWRITE_TYPES, required=True)
        allow = item.permissions("allow") or 0
        deny = item.permissions("deny") or 0
        if target is not None and kind is not None:
            out.append((target, kind, allow, deny))
    return out


def read_channel(data: Any, *, kind: int = 0, creating: bool = False) -> dict[str, Any]:
    """A guild channel's settings (``POST /guilds/{id}/channels``, ``PATCH
    /channels/{id}``): name, type, topic, nsfw, position, slow mode, bitrate, user limit,
    parent, overwrites. ``kind``: the channel's type, for type-dependent limits."""
    form = Form(data)
    out: dict[str, Any] = {}
    if creating:
        kind = form.choice("type", GUILD_CHANNEL_TYPES) or 0
        out["type"] = kind
    _given(out, form, "name", form.string("name", 1, 100, required=creating))
    _given(out, form, "topic", form.string("topic", 0, 4096 if kind in _FORUMS else 1024),
           nullable=True)
    _given(out, form, "nsfw", form.boolean("nsfw"))
    _given(out, form, "position", form.integer("position", 0))
    _given(out, form, "rate_limit_per_user", form.integer("rate_limit_per_user", 0, 21600))
    _given(out, form, "bitrate", form.integer("bitrate", 8000))
    _given(out, form, "user_limit", form.integer("user_limit", 0, 10000 if kind == 13
                                                 else 99))
    _given(out, form, "parent_id", form.snowflake("parent_id"), nullable=True)
    _given(out, form, "permission_overwrites", read_overwrites(form))
    form.check()
    return out


def read_overwrite(data: Any) -> tuple[int, int, int]:
    """``PUT /channels/{id}/permissions/{overwrite_id}``: (type, allow, deny)."""
    form = Form(data)
    kind = form.choice("type", OVERWRITE_TYPES, required=True)
    allow = form.permissions("allow")
    deny = form.permissions("deny")
    form.check()
    assert kind is not None
    return kind, allow or 0, deny or 0


def read_role(data: Any) -> dict[str, Any]:
    """A role's settings (create and modify): name, permissions, colour (``color``, or
    the ``colors`` object's ``primary_color``, which discord.py 2.6+ sends alone),
    hoist, mentionable."""
    form = Form(data)
    out: dict[str, Any] = {}
    _given(out, form, "name", form.string("name", 0, 100))
    _given(out, form, "permissions", form.permissions("permissions"))
    _given(out, form, "color", form.color("color"))
    colors = form.object("colors")
    if colors is not None:
        primary = colors.color("primary_color")
        colors.color("secondary_color")
        colors.color("tertiary_color")
        _given(out, form, "color", primary)
    _given(out, form, "hoist", form.boolean("hoist"))
    _given(out, form, "mentionable", form.boolean("mentionable"))
    form.check()
    return out


def read_member(data: Any) -> dict[str, Any]:
    """A member's settings (``PATCH /guilds/{id}/members/{user_id}``): nick (None
    resets it), roles (the full list), mute, deaf, voice channel (None disconnects),
    timeout end (an ISO 8601 timestamp, checked; None lifts it)."""
    form = Form(data)
    out: dict[str, Any] = {}
    if form.has("nick"):
        out["nick"] = form.string("nick", 0, 32) or None
    if form.has("roles"):
        out["roles"] = form.snowflakes("roles") or []
    _given(out, form, "mute", form.boolean("mute"))
    _given(out, form, "deaf", form.boolean("deaf"))
    _given(out, form, "channel_id", form.snowflake("channel_id"), nullable=True)
    if form.has("communication_disabled_until"):
        until = form.timestamp_ms("communication_disabled_until")
        out["communication_disabled_until"] = (None if until is None
                                               else form.raw("communication_disabled_until"))
    form.check()
    return out


def read_thread(data: Any) -> dict[str, Any]:
    """A thread's settings (``PATCH /channels/{thread_id}``): name, archived,
    auto_archive_duration, locked, invitable, slow mode, applied tags."""
    form = Form(data)
    out: dict[str, Any] = {}
    _given(out, form, "name", form.string("name", 1, 100))
    _given(out, form, "auto_archive_duration",
           form.choice("auto_archive_duration", ARCHIVE_DURATIONS))
    _given(out, form, "rate_limit_per_user", form.integer("rate_limit_per_user", 0, 21600))
    for key in ("archived", "locked", "invitable"):
        _given(out, form, key, form.boolean(key))
    _given(out, form, "applied_tags", form.snowflakes("applied_tags", 0, 5))
    form.check()
    return out


def read_new_thread(data: Any) -> dict[str, Any]:
    """``POST /channels/{id}[/messages/{id}]/threads``: name (required), type,
    auto_archive_duration, slow mode, invitable, applied_tags, and for a forum post its
    first ``message`` (an object, read by the message rules)."""
    form = Form(data)
    out: dict[str, Any] = {"name": form.string("name", 1, 100, required=True)}
    _given(out, form, "type", form.choice("type", (10, 11, 12)))
    _given(out, form, "auto_archive_duration",
           form.choice("auto_archive_duration", ARCHIVE_DURATIONS))
    _given(out, form, "rate_limit_per_user", form.integer("rate_limit_per_user", 0, 21600))
    _given(out, form, "invitable", form.boolean("invitable"))
    _given(out, form, "applied_tags", form.snowflakes("applied_tags", 0, 5))
    starter = form.object("message")
    if starter is not None:
        out["message"] = dict(starter.data)
    form.check()
    return out


def read_webhook(data: Any) -> dict[str, Any]:
    """A webhook's settings: name (checked by the model), avatar (image data; None
    removes it), channel."""
    form = Form(data)
    out: dict[str, Any] = {}
    if form.has("name"):
        out["name"] = form.raw("name")  # the model words its own refusal
    _given(out, form, "avatar", form.string("avatar", 0, 10 * 1024 * 1024), nullable=True)
    _given(out, form, "channel_id", form.snowflake("channel_id"))
    form.check()
    return out


def read_guild(data: Any) -> dict[str, Any]:
    """A guild's settings (``PATCH /guilds/{id}``) the twin keeps: name, description,
    system and AFK channels (None unsets them)."""
    form = Form(data)
    out: dict[str, Any] = {}
    _given(out, form, "name", form.string("name", 2, 100))
    _given(out, form, "description", form.string("description", 0, 120), nullable=True)
    for key in ("system_channel_id", "afk_channel_id"):
        _given(out, form, key, form.snowflake(key), nullable=True)
    form.check()
    return out


__all__ = ["ARCHIVE_DURATIONS", "GUILD_CHANNEL_TYPES", "OVERWRITE_TYPES", "read_channel",
           "read_guild", "read_member", "read_new_thread", "read_overwrite",
           "read_overwrites", "read_role", "read_thread", "read_webhook"]
