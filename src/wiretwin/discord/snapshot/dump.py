"""The twin's state as flat JSON lists (one entry builder per kind of object)."""

from __future__ import annotations

import base64
from typing import Any

from ..model import (
    Channel,
    DiscordModel,
    Guild,
    Member,
    Message,
    Role,
    User,
)
from ..model.entities import iso
from .common import FORMAT

# -- snapshot ---------------------------------------------------------------------------


def snapshot(model: DiscordModel) -> dict[str, Any]:
    """The whole state of ``model`` as plain JSON (see the module docstring)."""
    app = model.application
    roles: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    bans: list[dict[str, Any]] = []
    voice: list[dict[str, Any]] = []
    channels: list[dict[str, Any]] = []
    for guild in model.guilds.values():
        gid = str(guild.id)
        roles += [_role_entry(role) for role in guild.roles.values()]
        members += [_member_entry(m) for m in guild.members.values()]
        bans += [{"guild": gid, "user": str(u), "reason": reason}
                 for u, reason in guild.bans.items()]
        voice += [{"guild": gid, "user": str(u), "channel": str(c)}
                  for u, c in guild.voice_states.items()]
        channels += [_channel_entry(model.channels[c]) for c in guild.channels
                     if c in model.channels]
    channels += [_channel_entry(c) for c in model.channels.values() if c.guild_id is None]
    channels += [_channel_entry(c) for c in model.channels.values() if c.thread is not None]
    messages = [_message_entry(m) for entry in channels
                for m in model.messages.get(int(entry["id"]), {}).values()]
    return {
        "format": FORMAT,
        "application": {
            "id": str(app.id), "name": app.name, "description": app.description,
            "flags": app.flags, "verify_key": app.verify_key, "token": app.token,
            "bot": str(app.bot.id), "owner": str(app.owner.id),
        },
        "users": [_user_entry(u) for u in model.users.values()],
        "guilds": [_guild_entry(g) for g in model.guilds.values()],
        "roles": roles,
        "channels": channels,
        "members": members,
        "bans": bans,
        "voice_states": voice,
        "messages": messages,
        "commands": [dict(c) for c in model.app_commands.values()],
        "webhooks": [{"id": str(h.id), "channel": str(h.channel_id), "name": h.name,
                      "token": h.token, "creator": str(h.creator_id), "avatar": h.avatar}
                     for h in model.webhooks.values()],
        "command_permissions": [{"guild": str(g), "target": str(t), "permissions": list(p)}
                                for (g, t), p in model.command_permissions.items()],
    }


def _sid(value: int | None) -> str | None:
    return None if value is None else str(value)


def _user_entry(user: User) -> dict[str, Any]:
    return {"id": str(user.id), "username": user.username,
            "discriminator": user.discriminator, "global_name": user.global_name,
            "avatar": user.avatar, "bot": user.bot, "system": user.system,
            "public_flags": user.public_flags}


def _guild_entry(guild: Guild) -> dict[str, Any]:
    return {"id": str(guild.id), "name": guild.name, "owner": str(guild.owner_id),
            "created_at": iso(guild.created_ms), "description": guild.description,
            "icon": guild.icon, "afk_channel": _sid(guild.afk_channel_id),
            "system_channel": _sid(guild.system_channel_id),
            "verification_level": guild.verification_level,
            "preferred_locale": guild.preferred_locale}


def _role_entry(role: Role) -> dict[str, Any]:
    return {"guild": str(role.guild_id), "id": str(role.id), "name": role.name,
            "permissions": str(role.permissions), "position": role.position,
            "color": role.color, "hoist": role.hoist, "mentionable": role.mentionable,
            "managed": role.managed}


def _channel_entry(channel: Channel) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": str(channel.id), "type": int(channel.type)}
    if channel.is_dm:
        entry["recipients"] = [str(u) for u in channel.recipients]
    else:
        entry.update({
            "guild": _sid(channel.guild_id), "name": channel.name,
            "position": channel.position, "parent": _sid(channel.parent_id),
            "topic": channel.topic, "nsfw": channel.nsfw,
            "rate_limit_per_user": channel.rate_limit_per_user,
            "bitrate": channel.bitrate, "user_limit": channel.user_limit,
            "overwrites": [{"id": str(o.id), "type": o.type, "allow": str(o.allow),
                            "deny": str(o.deny)} for o in channel.overwrites.values()],
        })
    info = channel.thread
    if info is not None:
        entry.pop("overwrites")
        entry.pop("position")
        entry["thread"] = {
            "owner": str(info.owner_id), "created": iso(info.created_ms),
            "archive_timestamp": iso(info.archive_ms),
            "auto_archive_duration": info.auto_archive_duration, "archived": info.archived,
            "locked": info.locked, "invitable": info.invitable,
            "members": [{"user": str(u), "joined_at": iso(ms)}
                        for u, ms in info.members.items()],
            "message_count": info.message_count,
            "total_message_sent": info.total_message_sent,
            "applied_tags": [str(t) for t in info.applied_tags]}
    entry["last_message_id"] = _sid(channel.last_message_id)
    return entry


def _member_entry(member: Member) -> dict[str, Any]:
    return {"guild": str(member.guild_id), "user": str(member.user_id),
            "joined_at": iso(member.joined_at), "nick": member.nick,
            "roles": [str(r) for r in member.roles], "deaf": member.deaf,
            "mute": member.mute, "pending": member.pending,
            "communication_disabled_until": iso(member.timeout_until)
            if member.timeout_until is not None else None}


def _message_entry(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.id), "channel": str(message.channel_id),
        "author": str(message.author_id), "content": message.content,
        "type": message.type, "tts": message.tts, "embeds": list(message.embeds),
        "attachments": [{"id": str(a.id), "filename": a.filename, "size": a.size,
                         "content_type": a.content_type, "description": a.description,
                         "data": base64.b64encode(a.data).decode("ascii")}
                        for a in message.attachments],
        "mentions": [str(u) for u in message.mentions],
        "mention_roles": [str(r) for r in message.mention_roles],
        "mention_everyone": message.mention_everyone,
        "reactions": [{"emoji": dict(r.emoji), "users": [str(u) for u in r.users]}
                      for r in message.reactions.values()],
        "pinned": message.pinned,
        "edited_timestamp": iso(message.edited_ms) if message.edited_ms else None,
        "reference": message.reference, "nonce": message.nonce,
        "components": list(message.components), "flags": message.flags,
        "webhook_id": _sid(message.webhook_id),
        "interaction": message.interaction,
    }
