"""The twin's state as flat JSON lists: each object's entry is its serializer's output
under the snapshot's names, plus the state only a snapshot keeps (:mod:`.schema`)."""

from __future__ import annotations

import base64
from typing import Any

from ..model import (
    Application,
    Attachment,
    Channel,
    DiscordModel,
    Emoji,
    Guild,
    GuildRules,
    Member,
    Message,
    Poll,
    Reaction,
    Role,
    ScheduledEvent,
    Sticker,
    User,
    Webhook,
)
from ..wire import serialize
from ..wire.serialize import iso
from .common import FORMAT
from .schema import (
    APPLICATION,
    ATTACHMENT,
    CHANNEL,
    EMOJI,
    GUILD,
    MEMBER,
    MESSAGE,
    POLL,
    REACTION,
    ROLE,
    SCHEDULED_EVENT,
    STICKER,
    THREAD,
    USER,
    WEBHOOK,
)

# -- snapshot ---------------------------------------------------------------------------


def snapshot(model: DiscordModel) -> dict[str, Any]:
    """The whole state of ``model`` as plain JSON (see the package docstring)."""
    roles: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    bans: list[dict[str, Any]] = []
    voice: list[dict[str, Any]] = []
    channels: list[dict[str, Any]] = []
    for guild in model.guilds.values():
        gid = str(guild.id)
        roles += [role_entry(role) for role in guild.roles.values()]
        members += [member_entry(m) for m in guild.members.values()]
        bans += [{"guild": gid, "user": str(u), "reason": reason}
                 for u, reason in guild.bans.items()]
        voice += [{"guild": gid, "user": str(u), "channel": str(c)}
                  for u, c in guild.voice_states.items()]
        channels += [channel_entry(model.channels[c]) for c in guild.channels
                     if c in model.channels]
    channels += [channel_entry(c) for c in model.channels.values() if c.guild_id is None]
    channels += [channel_entry(c) for c in model.channels.values() if c.thread is not None]
    messages = [message_entry(m, model.users, me=model.bot.id) for entry in channels
                for m in model.messages.get(int(entry["id"]), {}).values()]
    return {
        "format": FORMAT,
        "application": application_entry(model.application),
        "users": [user_entry(u) for u in model.users.values()],
        "guilds": [guild_entry(g) for g in model.guilds.values()],
        "roles": roles,
        "channels": channels,
        "members": members,
        "bans": bans,
        "voice_states": voice,
        "messages": messages,
        "commands": [dict(c) for c in model.app_commands.values()],
        "webhooks": [webhook_entry(h) for h in model.webhooks.values()],
        "emojis": [emoji_entry(e) for g in model.guilds.values() for e in g.emojis.values()]
        + [emoji_entry(e) for e in model.app_emojis.values()],
        "stickers": [sticker_entry(s) for g in model.guilds.values()
                     for s in g.stickers.values()],
        "scheduled_events": [scheduled_event_entry(e) for g in model.guilds.values()
                             for e in g.scheduled_events.values()],
        "command_permissions": [{"guild": str(g), "target": str(t), "permissions": list(p)}
                                for (g, t), p in model.command_permissions.items()],
    }


def user_entry(user: User) -> dict[str, Any]:
    return USER.entry(serialize.user_json(user), {})


def application_entry(app: Application) -> dict[str, Any]:
    return APPLICATION.entry(serialize.application_json(app), {
        "token": app.token, "bot": str(app.bot.id), "owner": str(app.owner.id)})


def guild_entry(guild: Guild) -> dict[str, Any]:
    private = {"created_at": iso(guild.created_ms)}
    if guild.rules is not GuildRules.DISCORD:
        private["rules"] = guild.rules.value
    return GUILD.entry(serialize.guild_json(guild), private)


def emoji_entry(emoji: Emoji) -> dict[str, Any]:
    private: dict[str, Any] = {"creator": str(emoji.creator_id),
                               "image": base64.b64encode(emoji.image).decode("ascii"),
                               "image_type": emoji.content_type}
    if emoji.guild_id is not None:
        private["guild"] = str(emoji.guild_id)
    return EMOJI.entry(serialize.emoji_json(emoji), private)


def sticker_entry(sticker: Sticker) -> dict[str, Any]:
    return STICKER.entry(serialize.sticker_json(sticker), {
        "creator": str(sticker.creator_id),
        "file": base64.b64encode(sticker.image).decode("ascii")})


def scheduled_event_entry(event: ScheduledEvent) -> dict[str, Any]:
    return SCHEDULED_EVENT.entry(serialize.scheduled_event_json(event), {
        "subscribers": [str(u) for u in event.subscribers],
        "cover": base64.b64encode(event.image).decode("ascii")})


def role_entry(role: Role) -> dict[str, Any]:
    return ROLE.entry(serialize.role_json(role), {"guild": str(role.guild_id)})


def channel_entry(channel: Channel) -> dict[str, Any]:
    """A channel's entry; DM recipients as ids (the JSON without ``users`` has none)."""
    if channel.is_dm:
        return CHANNEL.entry(serialize.channel_json(channel),
                             {"recipients": [str(u) for u in channel.recipients]})
    private: dict[str, Any] = {"topic": channel.topic, "nsfw": channel.nsfw,
                               "bitrate": channel.bitrate, "user_limit": channel.user_limit}
    if channel.voice_start_ms is not None:
        private["voice_start"] = iso(channel.voice_start_ms)
    data = serialize.channel_json(channel)
    info = channel.thread
    if info is not None:
        private["thread"] = THREAD.entry(data, {
            "invitable": info.invitable,
            "members": [{"user": str(u), "joined_at": iso(ms)}
                        for u, ms in info.members.items()]})
    return CHANNEL.entry(data, private)


def member_entry(member: Member) -> dict[str, Any]:
    entry = MEMBER.entry(serialize.member_json(member, None, with_user=False), {
        "guild": str(member.guild_id), "user": str(member.user_id)})
    # As snapshots always wrote it: a timeout at the epoch itself (0 ms) is kept too.
    if member.timeout_until is not None:
        entry["communication_disabled_until"] = iso(member.timeout_until)
    return entry


def attachment_entry(attachment: Attachment) -> dict[str, Any]:
    return ATTACHMENT.entry(serialize.attachment_json(attachment), {
        "data": base64.b64encode(attachment.data).decode("ascii")})


def reaction_entry(reaction: Reaction, me: int) -> dict[str, Any]:
    return REACTION.entry(serialize.reaction_json(reaction, me), {
        "users": [str(u) for u in reaction.users]})


def message_entry(message: Message, users: dict[int, User], *, me: int
                  ) -> dict[str, Any]:
    """A message's entry; ``users`` and ``me`` are what its JSON needs (the author)."""
    private: dict[str, Any] = {
        "author": str(message.author_id),
        "attachments": [attachment_entry(a) for a in message.attachments],
        "mentions": [str(u) for u in message.mentions],
        "reactions": [reaction_entry(r, me) for r in message.reactions.values()]}
    if message.webhook_author is not None:
        private["webhook_author"] = dict(message.webhook_author)
    if message.poll is not None:
        private["poll"] = poll_entry(message.poll, me)
    if message.pinned_ms is not None:
        private["pinned_at"] = iso(message.pinned_ms)
    return MESSAGE.entry(serialize.message_json(message, users, me=me), private)


def poll_entry(poll: Poll, me: int) -> dict[str, Any]:
    return POLL.entry(serialize.poll_json(poll, me), {
        "votes": [{"answer": answer, "users": [str(u) for u in voters]}
                  for answer, voters in poll.votes.items() if voters]})


def webhook_entry(hook: Webhook) -> dict[str, Any]:
    return WEBHOOK.entry(serialize.webhook_json(hook, {}, with_user=False), {
        "creator": str(hook.creator_id)})


__all__ = ["snapshot"]
