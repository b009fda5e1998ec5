"""Reading the application's commands, webhooks, command permissions and emojis of a
snapshot."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

from ..model import DiscordError, Emoji, ScheduledEvent, Sticker, Webhook
from ..wire.commands import check_command
from .common import SnapshotError
from .reader import Entry, State, guild_of
from .schema import EMOJI, SCHEDULED_EVENT, STICKER, WEBHOOK, Schema


def read_command_permissions(state: State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        e = Entry(raw, f"command_permissions[{index}]", ("guild", "target"),
                   ("permissions",))
        guild = guild_of(state, e)
        target = e.id("target")
        if target != state.application.id and target not in state.commands:
            raise e.fail("target", f"{str(target)!r} is neither a command nor the "
                                   "application")
        overrides = []
        for o_index, o_raw in enumerate(e.array("permissions")):
            o = Entry(o_raw, f"{e.where}.permissions[{o_index}]", ("id", "type"),
                       ("permission",))
            kind = o.number("type")
            if kind not in (1, 2, 3):
                raise o.fail("type", "must be 1 (role), 2 (user) or 3 (channel)")
            overrides.append({"id": str(o.id("id")), "type": kind,
                              "permission": o.flag("permission")})
        state.command_permissions[(guild.id, target)] = overrides


def read_webhooks(state: State, entries: list[Any]) -> None:
    for index, raw in enumerate(entries):
        required = ("id", "channel", "name", "token", "creator")
        e = Entry(raw, f"webhooks[{index}]", required, WEBHOOK.optional(*required))
        hook_id = e.id("id")
        if hook_id in state.webhooks:
            raise e.fail("id", f"{str(hook_id)!r} is used twice")
        channel = state.channels.get(e.id("channel"))
        if channel is None or channel.guild_id is None or channel.thread is not None:
            raise e.fail("channel", f"{str(e.id('channel'))!r}: no guild channel with that id")
        creator = e.id("creator")
        if creator not in state.users:
            raise e.fail("creator", f"{str(creator)!r} is not in users")
        state.webhooks[hook_id] = Webhook(hook_id, channel.guild_id, channel.id,
                                          e.text("name"), e.text("token"), creator,
                                          e.opt_text("avatar"))


def _expressions(state: State, entries: list[Any], key: str, required: tuple[str, ...],
                 schema: Schema, file_key: str) -> Iterator[tuple[Entry, int, int, bytes]]:
    """Each emoji, sticker or scheduled event entry, checked: (entry, id, creator,
    file bytes)."""
    seen: set[int] = set()
    for index, raw in enumerate(entries):
        e = Entry(raw, f"{key}[{index}]", required, schema.optional(*required))
        made_id = e.id("id")
        if made_id in seen:
            raise e.fail("id", f"{str(made_id)!r} is used twice")
        seen.add(made_id)
        creator = e.id("creator")
        if creator not in state.users:
            raise e.fail("creator", f"{str(creator)!r} is not in users")
        try:
            data = base64.b64decode(e.text(file_key, ""), validate=True)
        except (binascii.Error, ValueError):
            raise e.fail(file_key, "must be base64") from None
        yield e, made_id, creator, data


def read_emojis(state: State, entries: list[Any]) -> None:
    """Guild emojis into their guild; without ``guild``, the application's own."""
    for e, emoji_id, creator, image in _expressions(state, entries, "emojis",
                                                    ("id", "name", "creator"), EMOJI, "image"):
        guild = guild_of(state, e) if e.data.get("guild") is not None else None
        roles = e.ids("roles")
        if guild is not None:
            for role in roles:
                if role not in guild.roles:
                    raise e.fail("roles", f"{str(role)!r}: no role with that id in the guild")
        emoji = Emoji(emoji_id, e.text("name"), guild.id if guild else None, creator, image,
                      e.text("image_type", "image/png"), roles, e.flag("animated"),
                      e.flag("available", True))
        if guild is not None:
            guild.emojis[emoji_id] = emoji
        else:
            state.app_emojis[emoji_id] = emoji


def read_stickers(state: State, entries: list[Any]) -> None:
    for e, sticker_id, creator, data in _expressions(
            state, entries, "stickers", ("guild", "id", "name", "creator"), STICKER, "file"):
        guild = guild_of(state, e)
        guild.stickers[sticker_id] = Sticker(
            sticker_id, e.text("name"), guild.id, creator, e.number("format_type", 1), data,
            e.opt_text("description"), e.text("tags", ""), e.flag("available", True))


def read_scheduled_events(state: State, entries: list[Any]) -> None:
    required = ("guild", "id", "name", "creator", "entity_type", "scheduled_start_time")
    for e, event_id, creator, cover in _expressions(
            state, entries, "scheduled_events", required, SCHEDULED_EVENT, "cover"):
        guild = guild_of(state, e)
        channel_id = e.opt_id("channel")
        if channel_id is not None and channel_id not in guild.channels:
            raise e.fail("channel", f"{str(channel_id)!r}: no channel with that id in the "
                                    f"guild")
        subscribers = e.ids("subscribers")
        for user_id in subscribers:
            if user_id not in state.users:
                raise e.fail("subscribers", f"{str(user_id)!r} is not in users")
        rule = e.data.get("recurrence_rule")
        if rule is not None and not isinstance(rule, dict):
            raise e.fail("recurrence_rule", "must be an object or null")
        guild.scheduled_events[event_id] = ScheduledEvent(
            event_id, guild.id, e.text("name"), creator, e.number("entity_type"),
            e.time("scheduled_start_time") or 0.0, channel_id, e.time("scheduled_end_time"),
            e.opt_text("description"), e.opt_text("location"), e.number("status", 1),
            cover, rule, subscribers)


def read_commands(state: State, entries: list[Any]) -> None:
    """Application commands as the REST API returns them, checked by Discord's rules."""
    names: set[tuple[int | None, int, str]] = set()
    for index, raw in enumerate(entries):
        where = f"commands[{index}]"
        e = Entry(raw, where, ("id", "name"), (
            "type", "application_id", "version", "guild_id", "name_localizations",
            "description", "description_localizations", "options",
            "default_member_permissions", "dm_permission", "nsfw", "integration_types",
            "contexts"))
        command_id = e.id("id")
        if command_id in state.commands:
            raise e.fail("id", f"{str(command_id)!r} is used twice")
        guild_id = e.opt_id("guild_id")
        if guild_id is not None and guild_id not in state.guilds:
            raise e.fail("guild_id", f"{str(guild_id)!r} is not a guild")
        try:
            fields = check_command({k: v for k, v in raw.items() if k not in (
                "id", "application_id", "version", "guild_id")})
        except DiscordError as exc:
            raise SnapshotError(f"{where}: Discord would refuse it: {exc.errors}") from None
        key = (guild_id, fields["type"], fields["name"])
        if key in names:
            raise e.fail("name", f"{fields['name']!r} is used twice (same type and scope)")
        names.add(key)
        command: dict[str, Any] = {
            "id": str(command_id), "application_id": str(state.application.id),
            "version": str(e.opt_id("version") or command_id), **fields}
        if guild_id is not None:
            command.pop("dm_permission", None)
            command["guild_id"] = str(guild_id)
        state.commands[command_id] = command
