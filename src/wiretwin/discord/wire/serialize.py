"""Discord's objects as Discord sends them: the one JSON serializer per model object.

REST answers, gateway dispatches, webhooks and snapshots all build an object's JSON
here (the model's ``to_json`` methods delegate to these functions), so payloads cannot
drift apart and a new field is added in one place. Shapes carry every field discord.py,
its forks and hikari read (hikari's deserializers are the strictest); ids are strings,
timestamps ISO 8601.

The model's classes are imported for type checking only: the model uses this module to
build its dispatches, so importing the model here would make a cycle. What a function
needs beyond its object (the users to show an author, the bot's id for ``me``) is passed
in by the caller that has it; a channel's type is told by its ``ChannelType`` member's
name (``channel.type.name``), the enum itself being the model's.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model.entities import (
        Application,
        Attachment,
        Channel,
        Emoji,
        Guild,
        Member,
        Message,
        Overwrite,
        Poll,
        Reaction,
        Role,
        ScheduledEvent,
        Sticker,
        ThreadInfo,
        User,
        Webhook,
    )


#: ``message_reference.type`` of a forward (0 is a reply's).
FORWARD = 1


def iso(ms: float) -> str:
    """Epoch milliseconds as Discord writes a timestamp (ISO 8601, microseconds, UTC)."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="microseconds")


def sid(value: int | None) -> str | None:
    """An optional snowflake as Discord sends it: a string, or null."""
    return None if value is None else str(value)


def user_json(user: User) -> dict[str, Any]:
    return {"id": str(user.id), "username": user.username,
            "discriminator": user.discriminator, "global_name": user.global_name,
            "avatar": user.avatar, "bot": user.bot, "system": user.system,
            "public_flags": user.public_flags, "flags": user.public_flags,
            "banner": None, "accent_color": None, "avatar_decoration_data": None}


def application_json(app: Application) -> dict[str, Any]:
    return {"id": str(app.id), "name": app.name, "icon": None,
            "description": app.description, "bot_public": True,
            "bot_require_code_grant": False, "owner": user_json(app.owner),
            "verify_key": app.verify_key, "flags": app.flags, "team": None,
            "summary": "", "bot": user_json(app.bot), "rpc_origins": [],
            "terms_of_service_url": None, "privacy_policy_url": None,
            "guild_id": None, "primary_sku_id": None, "slug": None, "cover_image": None,
            "tags": [], "install_params": None, "custom_install_url": None,
            "integration_types_config": {}, "approximate_guild_count": 0,
            "approximate_user_install_count": 0, "redirect_uris": [],
            "interactions_endpoint_url": None}


def role_json(role: Role) -> dict[str, Any]:
    return {"id": str(role.id), "name": role.name, "color": role.color,
            "colors": {"primary_color": role.color, "secondary_color": None,
                       "tertiary_color": None},
            "hoist": role.hoist, "icon": None, "unicode_emoji": None,
            "position": role.position, "permissions": str(role.permissions),
            "managed": role.managed, "mentionable": role.mentionable, "flags": 0,
            "description": None}


def overwrite_json(overwrite: Overwrite) -> dict[str, Any]:
    return {"id": str(overwrite.id), "type": overwrite.type,
            "allow": str(overwrite.allow), "deny": str(overwrite.deny)}


def thread_member_json(info: ThreadInfo, thread_id: int, user_id: int) -> dict[str, Any]:
    """A thread member object (``GET /channels/{id}/thread-members``, a thread's
    ``member``)."""
    return {"id": str(thread_id), "user_id": str(user_id),
            "join_timestamp": iso(info.members[user_id]), "flags": 0}


def channel_json(channel: Channel, users: dict[int, User] | None = None
                 ) -> dict[str, Any]:
    """A channel; a DM's ``recipients`` are those of its users found in ``users``."""
    data: dict[str, Any] = {"id": str(channel.id), "type": int(channel.type),
                            "last_message_id": sid(channel.last_message_id), "flags": 0}
    if channel.is_dm:
        data["recipients"] = [user_json(users[u]) for u in channel.recipients
                              if users and u in users]
        return data
    if channel.thread is not None:
        return _thread_json(channel, channel.thread, data)
    data.update({
        "guild_id": sid(channel.guild_id), "name": channel.name,
        "position": channel.position, "parent_id": sid(channel.parent_id),
        "nsfw": channel.nsfw,
        "permission_overwrites": [overwrite_json(o) for o in channel.overwrites.values()],
        "rate_limit_per_user": channel.rate_limit_per_user,
    })
    if channel.is_voice:
        data.update({"bitrate": channel.bitrate, "user_limit": channel.user_limit,
                     "rtc_region": None, "video_quality_mode": 1,
                     "status": channel.status})
    elif channel.type.name != "GUILD_CATEGORY":
        data["topic"] = channel.topic
    return data


def _thread_json(channel: Channel, info: ThreadInfo, data: dict[str, Any]
                 ) -> dict[str, Any]:
    data.update({
        "guild_id": sid(channel.guild_id), "name": channel.name,
        "parent_id": sid(channel.parent_id), "owner_id": str(info.owner_id),
        "rate_limit_per_user": channel.rate_limit_per_user,
        "message_count": info.message_count, "member_count": len(info.members),
        "total_message_sent": info.total_message_sent,
        "applied_tags": [str(t) for t in info.applied_tags],
        "thread_metadata": {
            "archived": info.archived, "locked": info.locked,
            "auto_archive_duration": info.auto_archive_duration,
            "archive_timestamp": iso(info.archive_ms),
            "create_timestamp": iso(info.created_ms)},
    })
    if channel.type.name == "PRIVATE_THREAD":
        data["thread_metadata"]["invitable"] = info.invitable
    return data


def webhook_json(hook: Webhook, users: dict[int, User], *, with_token: bool = True,
                 with_user: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(hook.id), "type": 1, "guild_id": str(hook.guild_id),
        "channel_id": str(hook.channel_id), "name": hook.name, "avatar": hook.avatar,
        "application_id": None}
    if with_token:
        data["token"] = hook.token
    if with_user and hook.creator_id in users:
        data["user"] = user_json(users[hook.creator_id])
    return data


def webhook_author_json(hook: Webhook, username: str | None = None,
                        avatar: str | None = None) -> dict[str, Any]:
    """The author a webhook's message shows: the webhook, or the execution's override."""
    return {"id": str(hook.id), "username": username or hook.name,
            "discriminator": "0000", "global_name": None, "avatar": avatar or hook.avatar,
            "bot": True, "public_flags": 0, "flags": 0}


def member_json(member: Member, user: User | None, *, with_user: bool = True
                ) -> dict[str, Any]:
    """A guild member; ``user`` embedded unless ``with_user`` is False (or it is None)."""
    data: dict[str, Any] = {
        "nick": member.nick, "roles": [str(r) for r in member.roles],
        "joined_at": iso(member.joined_at), "premium_since": None, "deaf": member.deaf,
        "mute": member.mute, "pending": member.pending, "flags": 0, "avatar": None,
        "banner": None,
        "communication_disabled_until": iso(member.timeout_until)
        if member.timeout_until else None,
        "avatar_decoration_data": None,
    }
    if with_user and user is not None:
        data["user"] = user_json(user)
    return data


def voice_state_json(guild_id: int, user_id: int, channel_id: int,
                     member: dict[str, Any]) -> dict[str, Any]:
    """A member's voice state; ``member`` is their member object (:func:`member_json`)."""
    return {"guild_id": str(guild_id), "channel_id": str(channel_id),
            "user_id": str(user_id), "session_id": f"voice-{user_id}", "deaf": False,
            "mute": False, "self_deaf": False, "self_mute": False, "self_stream": False,
            "self_video": False, "suppress": False, "request_to_speak_timestamp": None,
            "member": member}


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    """An attachment; a voice message's has ``duration_secs`` and ``waveform``."""
    data: dict[str, Any] = {
        "id": str(attachment.id), "filename": attachment.filename, "size": attachment.size,
        "url": attachment.url, "proxy_url": attachment.url,
        "content_type": attachment.content_type, "description": attachment.description,
        "ephemeral": False, "flags": 0, "height": None, "width": None}
    if attachment.duration_secs is not None:
        data["duration_secs"] = attachment.duration_secs
    if attachment.waveform is not None:
        data["waveform"] = attachment.waveform
    return data


def poll_json(poll: Poll, me: int) -> dict[str, Any]:
    """A poll as ``me`` (the bot) sees it: ``results`` counts the answers someone voted
    for (Discord leaves an answer nobody chose out), ``me_voted`` whether ``me`` did."""
    counts = [{"id": answer_id, "count": len(voters), "me_voted": me in voters}
              for answer_id in poll.answer_ids()
              if (voters := poll.votes.get(answer_id))]
    return {"question": {"text": poll.question},
            "answers": [{"answer_id": a["answer_id"], "poll_media": dict(a["poll_media"])}
                        for a in poll.answers],
            "expiry": iso(poll.expiry_ms), "allow_multiselect": poll.allow_multiselect,
            "layout_type": poll.layout_type,
            "results": {"is_finalized": poll.finalized, "answer_counts": counts}}


def reaction_json(reaction: Reaction, me: int) -> dict[str, Any]:
    """A message's reaction as ``me`` (the bot) sees it: ``me`` says whether it reacted."""
    return {"emoji": dict(reaction.emoji), "count": len(reaction.users),
            "me": me in reaction.users,
            "count_details": {"burst": 0, "normal": len(reaction.users)},
            "me_burst": False, "burst_me": False, "burst_count": 0, "burst_colors": []}


def message_json(message: Message, users: dict[int, User], *, me: int,
                 member: dict[str, Any] | None = None,
                 referenced: dict[str, Any] | None = None,
                 content_visible: bool = True) -> dict[str, Any]:
    """A message; ``member`` is its author's member object in a guild, ``referenced``
    the message it replies to, ``content_visible`` False without MESSAGE_CONTENT (which
    empties content, embeds, attachments and components, and leaves the poll out)."""
    data: dict[str, Any] = {
        "id": str(message.id), "channel_id": str(message.channel_id),
        "type": message.type,
        "author": (dict(message.webhook_author) if message.webhook_author is not None
                   else user_json(users[message.author_id])),
        "content": message.content if content_visible else "",
        "timestamp": iso(message.created_ms),
        "edited_timestamp": iso(message.edited_ms) if message.edited_ms else None,
        "tts": message.tts, "mention_everyone": message.mention_everyone,
        "mentions": [user_json(users[u]) for u in message.mentions if u in users],
        "mention_roles": [str(r) for r in message.mention_roles],
        "attachments": [attachment_json(a) for a in message.attachments]
        if content_visible else [],
        "embeds": list(message.embeds) if content_visible else [],
        "components": list(message.components) if content_visible else [],
        "pinned": message.pinned, "flags": message.flags,
    }
    if message.reactions:
        data["reactions"] = [reaction_json(r, me) for r in message.reactions.values()]
    if message.guild_id is not None:
        data["guild_id"] = str(message.guild_id)
    if member is not None:
        data["member"] = member
    if message.nonce is not None:
        data["nonce"] = message.nonce
    if message.reference is not None:
        data["message_reference"] = message.reference
        if message.reference.get("type") != FORWARD:  # a forward carries snapshots
            data["referenced_message"] = referenced
    if message.snapshots:
        data["message_snapshots"] = [
            {"message": snapshot if content_visible else withheld_snapshot(snapshot)}
            for snapshot in message.snapshots]
    if message.webhook_id is not None:
        data["webhook_id"] = str(message.webhook_id)
    if message.interaction is not None:
        data["application_id"] = str(message.webhook_id)
        data["interaction_metadata"] = message.interaction
    if message.poll is not None and content_visible:  # left out, not emptied
        data["poll"] = poll_json(message.poll, me)
    return data


def snapshot_json(message: Message, users: dict[int, User]) -> dict[str, Any]:
    """The forwarded message a forward's ``message_snapshots`` shows: Discord's subset of
    its fields (no author, no id), taken when it is forwarded."""
    return {
        "type": message.type, "content": message.content,
        "embeds": list(message.embeds),
        "attachments": [attachment_json(a) for a in message.attachments],
        "timestamp": iso(message.created_ms),
        "edited_timestamp": iso(message.edited_ms) if message.edited_ms else None,
        "flags": message.flags,
        "mentions": [user_json(users[u]) for u in message.mentions if u in users],
        "mention_roles": [str(r) for r in message.mention_roles],
        "stickers": [], "sticker_items": [], "components": list(message.components)}


def withheld_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot as an app without MESSAGE_CONTENT sees it."""
    return {**snapshot, "content": "", "embeds": [], "attachments": [], "components": []}


def emoji_json(emoji: Emoji, creator: User | None = None) -> dict[str, Any]:
    """A custom emoji; ``creator`` adds ``user`` (who made it), which Discord shows to
    those who may manage it."""
    data: dict[str, Any] = {
        "id": str(emoji.id), "name": emoji.name, "roles": [str(r) for r in emoji.roles],
        "require_colons": True, "managed": False, "animated": emoji.animated,
        "available": emoji.available}
    if creator is not None:
        data["user"] = user_json(creator)
    return data


def sticker_json(sticker: Sticker, creator: User | None = None) -> dict[str, Any]:
    """A guild sticker; ``creator`` adds ``user`` (who uploaded it)."""
    data: dict[str, Any] = {
        "id": str(sticker.id), "name": sticker.name, "tags": sticker.tags, "type": 2,
        "format_type": sticker.format_type, "description": sticker.description,
        "available": sticker.available, "guild_id": str(sticker.guild_id)}
    if creator is not None:
        data["user"] = user_json(creator)
    return data


def scheduled_event_cover(event: ScheduledEvent) -> str | None:
    """A scheduled event's cover image hash (of its bytes), or None without one."""
    return hashlib.md5(event.image, usedforsecurity=False).hexdigest() if event.image else None


def scheduled_event_json(event: ScheduledEvent, creator: User | None = None, *,
                         user_count: bool = False) -> dict[str, Any]:
    """A guild scheduled event; ``creator`` adds the creating user, ``user_count`` the
    number of subscribers."""
    data: dict[str, Any] = {
        "id": str(event.id), "guild_id": str(event.guild_id),
        "channel_id": sid(event.channel_id), "creator_id": str(event.creator_id),
        "name": event.name, "description": event.description,
        "scheduled_start_time": iso(event.start_ms),
        "scheduled_end_time": None if event.end_ms is None else iso(event.end_ms),
        "privacy_level": 2, "status": event.status, "entity_type": event.entity_type,
        "entity_id": None,
        "entity_metadata": None if event.location is None else {"location": event.location},
        "image": scheduled_event_cover(event), "recurrence_rule": event.recurrence_rule}
    if creator is not None:
        data["creator"] = user_json(creator)
    if user_count:
        data["user_count"] = len(event.subscribers)
    return data


def guild_json(guild: Guild, *, member_count: bool = False) -> dict[str, Any]:
    """A guild's own fields and roles (``member_count``: the approximate counts
    ``GET /guilds/{id}?with_counts=true`` adds)."""
    data: dict[str, Any] = {
        "id": str(guild.id), "name": guild.name, "icon": guild.icon, "icon_hash": None,
        "splash": None, "discovery_splash": None, "owner_id": str(guild.owner_id),
        "region": "deprecated", "afk_channel_id": sid(guild.afk_channel_id),
        "afk_timeout": 300, "widget_enabled": False, "widget_channel_id": None,
        "verification_level": guild.verification_level,
        "default_message_notifications": 0, "explicit_content_filter": 0,
        "roles": [role_json(r) for r in sorted(guild.roles.values(),
                                               key=lambda r: r.position)],
        "emojis": [emoji_json(e) for e in guild.emojis.values()],
        "stickers": [sticker_json(s) for s in guild.stickers.values()],
        "features": [], "mfa_level": 0,
        "application_id": None, "system_channel_id": sid(guild.system_channel_id),
        "system_channel_flags": 0, "rules_channel_id": None, "max_presences": None,
        "max_members": 500000, "vanity_url_code": None, "description": guild.description,
        "banner": None, "premium_tier": 0, "premium_subscription_count": 0,
        "preferred_locale": guild.preferred_locale, "public_updates_channel_id": None,
        "max_video_channel_users": 25, "max_stage_video_channel_users": 50,
        "nsfw_level": 0, "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None, "incidents_data": None,
    }
    if member_count:
        data["approximate_member_count"] = len(guild.members)
        data["approximate_presence_count"] = 0
    return data


def user_guild_json(guild: Guild, *, owner: bool, permissions: int) -> dict[str, Any]:
    """A guild as ``GET /users/@me/guilds`` lists it: a partial guild with the current
    user's ``owner`` flag and permissions."""
    return {"id": str(guild.id), "name": guild.name, "icon": guild.icon, "banner": None,
            "owner": owner, "permissions": str(permissions), "features": []}


def interaction_guild_json(guild: Guild) -> dict[str, Any]:
    """The partial guild an interaction carries (``guild``)."""
    return {"id": str(guild.id), "locale": "en-US", "features": []}


def guild_create_json(guild: Guild, *, joined_at: str, voice_states: list[dict[str, Any]],
                      members: list[dict[str, Any]], channels: list[dict[str, Any]],
                      threads: list[dict[str, Any]],
                      scheduled_events: list[dict[str, Any]] | None = None
                      ) -> dict[str, Any]:
    """GUILD_CREATE's data: the guild with the bot's join time and the serialized
    voice states, members, channels, active threads and scheduled events the caller
    chose to send."""
    data = guild_json(guild)
    data.update({
        "joined_at": joined_at,
        "large": len(guild.members) > 250, "unavailable": False,
        "member_count": len(guild.members),
        "voice_states": voice_states, "members": members, "channels": channels,
        "threads": threads, "presences": [], "stage_instances": [],
        "guild_scheduled_events": scheduled_events or [], "soundboard_sounds": [],
        "embedded_activities": [],
    })
    return data


def command_permissions_json(application_id: int, guild_id: int, target_id: int,
                             permissions: list[dict[str, Any]]) -> dict[str, Any]:
    """A command's (or the app-wide, ``target_id`` = application id) permission
    overrides in a guild."""
    return {"id": str(target_id), "application_id": str(application_id),
            "guild_id": str(guild_id), "permissions": list(permissions)}
