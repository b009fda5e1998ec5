"""One snapshot schema per object, stated against the serializer's output.

A snapshot entry is the object's JSON as :mod:`wiretwin.discord.wire.serialize` builds
it, under the snapshot's names (``owner`` for ``owner_id``, ``parent`` for
``parent_id``: the format users already saved), plus the state only a snapshot keeps
(the bot token, who reacted, an attachment's bytes), named here with why. Each
:class:`Schema` says, for one object:

* ``shared``: entry key -> the serializer's key (a dotted path for a nested one) whose
  value it takes as is; dump copies these from the serializer's output, so a field the
  serializer shows is saved the way clients see it;
* ``private``: entry keys the serializer does not send, and why;
* ``unsaved``: the serializer's keys an entry leaves out, and why (constants, values
  derived from other fields, objects saved in their own list);
* ``fields``: the model dataclass's field -> the entry key that holds it, and
  ``elsewhere``: fields held outside the entry (another list, derived), or not kept.

``tests/unit/test_discord_snapshot_coverage.py`` holds every object to its schema: every
key of the serializer's output is shared or unsaved, every dataclass field is in
``fields`` or ``elsewhere``, and a fully populated object comes back from a snapshot
with the same fields and the same JSON. A new field then fails that test until it is
saved, or listed here with the reason it is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The serializer's constants: the same value for every object, nothing to save.
_CONSTANT = "a constant of the serializer"


@dataclass(frozen=True)
class Schema:
    """How one kind of object's snapshot entry relates to its JSON and its model class."""

    #: The entry's keys in the order a snapshot writes them.
    keys: tuple[str, ...]
    shared: Mapping[str, str]
    private: Mapping[str, str]
    unsaved: Mapping[str, str]
    fields: Mapping[str, str]
    elsewhere: Mapping[str, str] = field(default_factory=dict)
    #: Shared keys the serializer leaves out when their value is null: the entry then
    #: says null (every other absent shared key is left out of the entry too).
    nullable: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if set(self.keys) != set(self.shared) | set(self.private) \
                or set(self.shared) & set(self.private):
            raise ValueError("a schema's keys are its shared and its private keys")

    def entry(self, serialized: Mapping[str, Any], private: Mapping[str, Any]
              ) -> dict[str, Any]:
        """The snapshot entry: shared keys from ``serialized`` (the serializer's output),
        private ones from ``private``, in the schema's order."""
        unknown = set(private) - set(self.private)
        if unknown:
            raise KeyError(f"not private keys of this schema: {sorted(unknown)}")
        entry: dict[str, Any] = {}
        for key in self.keys:
            if key in private:
                entry[key] = private[key]
            elif key in self.shared:
                found, value = lookup(serialized, self.shared[key])
                if found:
                    entry[key] = value
                elif key in self.nullable:
                    entry[key] = None
        return entry

    def optional(self, *required: str) -> tuple[str, ...]:
        """The entry's keys a snapshot (or a world) may leave out: all but ``required``;
        parsing refuses any other key."""
        return tuple(k for k in self.keys if k not in required)


def lookup(data: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """(found, value) of a dotted ``path`` in ``data``."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


USER = Schema(
    keys=("id", "username", "discriminator", "global_name", "avatar", "bot", "system",
          "public_flags"),
    shared={k: k for k in ("id", "username", "discriminator", "global_name", "avatar",
                           "bot", "system", "public_flags")},
    private={},
    unsaved={"flags": "the same as public_flags", "banner": _CONSTANT,
             "accent_color": _CONSTANT, "avatar_decoration_data": _CONSTANT},
    fields={k: k for k in ("id", "username", "discriminator", "global_name", "avatar",
                           "bot", "system", "public_flags")},
)

APPLICATION = Schema(
    keys=("id", "name", "description", "flags", "verify_key", "token", "bot", "owner"),
    shared={k: k for k in ("id", "name", "description", "flags", "verify_key")},
    private={"token": "the bot's token: Discord never shows it in the application",
             "bot": "the bot user's id (the JSON embeds the user, saved in users)",
             "owner": "the owner's id (the JSON embeds the user, saved in users)"},
    unsaved={**dict.fromkeys(
        ("icon", "bot_public", "bot_require_code_grant", "team", "summary", "rpc_origins",
         "terms_of_service_url", "privacy_policy_url", "guild_id", "primary_sku_id",
         "slug", "cover_image", "tags", "install_params", "custom_install_url",
         "integration_types_config", "approximate_guild_count",
         "approximate_user_install_count", "redirect_uris", "interactions_endpoint_url"),
        _CONSTANT),
        "bot": "saved as the private key bot (an id)",
        "owner": "saved as the private key owner (an id)"},
    fields={k: k for k in ("id", "name", "bot", "owner", "token", "description", "flags",
                           "verify_key")},
)

GUILD = Schema(
    keys=("id", "name", "owner", "created_at", "description", "icon", "afk_channel",
          "system_channel", "verification_level", "preferred_locale", "rules"),
    shared={"id": "id", "name": "name", "owner": "owner_id", "description": "description",
            "icon": "icon", "afk_channel": "afk_channel_id",
            "system_channel": "system_channel_id",
            "verification_level": "verification_level",
            "preferred_locale": "preferred_locale"},
    private={"created_at": "when the guild was made (the JSON has no such field)",
             "rules": "which rules bind the bot (\"dpytest\" in a dpytest world; left "
                      "out for Discord's)"},
    unsaved={**dict.fromkeys(
        ("icon_hash", "splash", "discovery_splash", "region", "afk_timeout",
         "widget_enabled", "widget_channel_id", "default_message_notifications",
         "explicit_content_filter", "features", "mfa_level",
         "application_id", "system_channel_flags", "rules_channel_id", "max_presences",
         "max_members", "vanity_url_code", "banner", "premium_tier",
         "premium_subscription_count", "public_updates_channel_id",
         "max_video_channel_users", "max_stage_video_channel_users", "nsfw_level",
         "premium_progress_bar_enabled", "safety_alerts_channel_id", "incidents_data"),
        _CONSTANT),
        "roles": "saved in the snapshot's roles list",
        "emojis": "saved in the snapshot's emojis list",
        "stickers": "saved in the snapshot's stickers list"},
    fields={"id": "id", "name": "name", "owner_id": "owner", "created_ms": "created_at",
            "description": "description", "icon": "icon",
            "afk_channel_id": "afk_channel", "system_channel_id": "system_channel",
            "verification_level": "verification_level",
            "preferred_locale": "preferred_locale", "rules": "rules"},
    elsewhere={"roles": "the roles list", "channels": "the channels list (its order)",
               "members": "the members list", "bans": "the bans list",
               "voice_states": "the voice_states list", "emojis": "the emojis list",
               "stickers": "the stickers list",
               "scheduled_events": "the scheduled_events list"},
)

ROLE = Schema(
    keys=("guild", "id", "name", "permissions", "position", "color", "hoist",
          "mentionable", "managed"),
    shared={k: k for k in ("id", "name", "permissions", "position", "color", "hoist",
                           "mentionable", "managed")},
    private={"guild": "the role's guild (the JSON is always inside its guild)"},
    unsaved={"colors": "made from color", "icon": _CONSTANT, "unicode_emoji": _CONSTANT,
             "flags": _CONSTANT, "description": _CONSTANT},
    fields={"id": "id", "guild_id": "guild", "name": "name", "permissions": "permissions",
            "position": "position", "color": "color", "hoist": "hoist",
            "mentionable": "mentionable", "managed": "managed"},
)

OVERWRITE = Schema(
    keys=("id", "type", "allow", "deny"),
    shared={k: k for k in ("id", "type", "allow", "deny")},
    private={},
    unsaved={},
    fields={k: k for k in ("id", "type", "allow", "deny")},
)

#: A channel's entry; which keys it has depends on its type, as the JSON's do: a DM has
#: recipients, a thread its thread entry (:data:`THREAD`) and no position or overwrites.
CHANNEL = Schema(
    keys=("id", "type", "recipients", "guild", "name", "position", "parent", "topic",
          "nsfw", "rate_limit_per_user", "bitrate", "user_limit", "status",
          "voice_start", "overwrites", "thread", "last_message_id"),
    shared={"id": "id", "type": "type", "guild": "guild_id", "name": "name",
            "position": "position", "parent": "parent_id",
            "rate_limit_per_user": "rate_limit_per_user",
            "overwrites": "permission_overwrites", "last_message_id": "last_message_id",
            "status": "status"},
    private={"voice_start": "when a voice channel's first member joined (null: empty)",
             "recipients": "a DM's users' ids (the JSON embeds the users)",
             "topic": "the JSON shows it for text-like channels only; saved for all",
             "nsfw": "the JSON shows it for non-thread guild channels only; saved for all",
             "bitrate": "the JSON shows it for voice channels only; saved for all",
             "user_limit": "the JSON shows it for voice channels only; saved for all",
             "thread": "a thread's own state (see THREAD)"},
    unsaved={"flags": _CONSTANT, "rtc_region": _CONSTANT,
             "video_quality_mode": _CONSTANT,
             "recipients": "saved as the private key recipients (ids)",
             "topic": "saved as the private key topic", "nsfw": "saved as the private key nsfw",
             "bitrate": "saved as the private key bitrate",
             "user_limit": "saved as the private key user_limit",
             "owner_id": "saved in the thread entry", "message_count": "in the thread entry",
             "member_count": "made from the thread's members",
             "total_message_sent": "in the thread entry",
             "applied_tags": "in the thread entry",
             "thread_metadata": "in the thread entry"},
    fields={"id": "id", "type": "type", "name": "name", "guild_id": "guild",
            "position": "position", "parent_id": "parent", "topic": "topic",
            "nsfw": "nsfw", "overwrites": "overwrites",
            "last_message_id": "last_message_id",
            "rate_limit_per_user": "rate_limit_per_user", "bitrate": "bitrate",
            "user_limit": "user_limit", "recipients": "recipients", "thread": "thread",
            "status": "status", "voice_start_ms": "voice_start"},
)

#: Channel fields a thread's entry leaves out, as its JSON does: a thread has no
#: position or overwrites of its own (its parent's apply); read back it gets the defaults.
THREAD_CHANNEL_UNSAVED = {"position": "a thread has no position of its own",
                          "overwrites": "a thread has no overwrites; its parent's apply"}

#: A thread's ``thread`` entry, from its channel's JSON.
THREAD = Schema(
    keys=("owner", "created", "archive_timestamp", "auto_archive_duration", "archived",
          "locked", "invitable", "members", "message_count", "total_message_sent",
          "applied_tags"),
    shared={"owner": "owner_id", "created": "thread_metadata.create_timestamp",
            "archive_timestamp": "thread_metadata.archive_timestamp",
            "auto_archive_duration": "thread_metadata.auto_archive_duration",
            "archived": "thread_metadata.archived", "locked": "thread_metadata.locked",
            "message_count": "message_count", "total_message_sent": "total_message_sent",
            "applied_tags": "applied_tags"},
    private={"invitable": "the JSON shows it for private threads only; saved for all",
             "members": "who joined and when (the JSON shows a count)"},
    unsaved={},  # the channel's keys: see CHANNEL.unsaved
    fields={"owner_id": "owner", "created_ms": "created", "archive_ms": "archive_timestamp",
            "auto_archive_duration": "auto_archive_duration", "archived": "archived",
            "locked": "locked", "invitable": "invitable", "members": "members",
            "message_count": "message_count", "total_message_sent": "total_message_sent",
            "applied_tags": "applied_tags"},
)

MEMBER = Schema(
    keys=("guild", "user", "joined_at", "nick", "roles", "deaf", "mute", "pending",
          "communication_disabled_until"),
    shared={k: k for k in ("joined_at", "nick", "roles", "deaf", "mute", "pending",
                           "communication_disabled_until")},
    private={"guild": "the member's guild (the JSON is always inside its guild)",
             "user": "the user's id (the JSON embeds the user, saved in users)"},
    unsaved={"premium_since": _CONSTANT, "flags": _CONSTANT, "avatar": _CONSTANT,
             "banner": _CONSTANT, "avatar_decoration_data": _CONSTANT,
             "user": "saved as the private key user (an id)"},
    fields={"user_id": "user", "guild_id": "guild", "joined_at": "joined_at",
            "nick": "nick", "roles": "roles", "deaf": "deaf", "mute": "mute",
            "pending": "pending", "timeout_until": "communication_disabled_until"},
)

ATTACHMENT = Schema(
    keys=("id", "filename", "size", "content_type", "description", "duration_secs",
          "waveform", "data"),
    shared={k: k for k in ("id", "filename", "size", "content_type", "description",
                           "duration_secs", "waveform")},
    private={"data": "the file's bytes, base64 (the JSON links to them)"},
    unsaved={"url": "made from the twin's address when restored",
             "proxy_url": "made from the twin's address when restored",
             "ephemeral": _CONSTANT, "flags": _CONSTANT, "height": _CONSTANT,
             "width": _CONSTANT},
    fields={"id": "id", "filename": "filename", "size": "size",
            "content_type": "content_type", "data": "data", "description": "description",
            "duration_secs": "duration_secs", "waveform": "waveform"},
    elsewhere={"url": "made from the twin's address when restored",
               # Not kept: a restore gives back every file's bytes, so none is expired.
               "expired": "not kept (a restored attachment has its bytes)"},
)

REACTION = Schema(
    keys=("emoji", "users"),
    shared={"emoji": "emoji"},
    private={"users": "who reacted (the JSON shows a count, and whether the bot did)"},
    unsaved={"count": "made from users", "me": "made from users",
             "count_details": "made from users", "me_burst": _CONSTANT,
             "burst_me": _CONSTANT, "burst_count": _CONSTANT, "burst_colors": _CONSTANT},
    fields={"emoji": "emoji", "users": "users"},
)

#: A message's ``poll`` entry, from its JSON's ``poll``.
POLL = Schema(
    keys=("question", "answers", "expiry", "allow_multiselect", "layout_type", "finalized",
          "votes"),
    shared={"question": "question.text", "answers": "answers", "expiry": "expiry",
            "allow_multiselect": "allow_multiselect", "layout_type": "layout_type",
            "finalized": "results.is_finalized"},
    private={"votes": "who voted for each answer, ``[{answer, users}]`` (the JSON shows "
                      "counts, and whether the bot voted)"},
    unsaved={},  # results: its answer counts are made from votes
    fields={"question": "question", "answers": "answers", "expiry_ms": "expiry",
            "allow_multiselect": "allow_multiselect", "layout_type": "layout_type",
            "votes": "votes", "finalized": "finalized"},
)

MESSAGE = Schema(
    keys=("id", "channel", "author", "content", "type", "tts", "embeds", "attachments",
          "mentions", "mention_roles", "mention_everyone", "reactions", "pinned",
          "edited_timestamp", "reference", "nonce", "components", "flags", "webhook_id",
          "interaction", "webhook_author", "poll", "pinned_at", "message_snapshots"),
    shared={"id": "id", "channel": "channel_id", "content": "content", "type": "type",
            "tts": "tts", "embeds": "embeds", "mention_roles": "mention_roles",
            "mention_everyone": "mention_everyone", "pinned": "pinned",
            "edited_timestamp": "edited_timestamp", "reference": "message_reference",
            "nonce": "nonce", "components": "components", "flags": "flags",
            "webhook_id": "webhook_id", "interaction": "interaction_metadata",
            "message_snapshots": "message_snapshots"},
    private={"author": "the author's id (the JSON embeds the user, saved in users)",
             "attachments": "each with its bytes (see ATTACHMENT)",
             "mentions": "the mentioned users' ids (the JSON embeds the users)",
             "reactions": "who reacted (see REACTION)",
             "webhook_author": "a webhook's message: the author its JSON shows (the "
                               "webhook's name and avatar as sent), left out otherwise",
             "poll": "its poll and who voted (see POLL), left out when it has none",
             "pinned_at": "when it was pinned (the pins list shows it; the message "
                          "does not), left out when it is not"},
    unsaved={"author": "saved as the private key author (an id)",
             "timestamp": "made from the message's id (a snowflake carries its time)",
             "mentions": "saved as the private key mentions (ids)",
             "attachments": "saved as the private key attachments",
             "reactions": "saved as the private key reactions",
             "guild_id": "the channel's guild", "member": "the author's member entry",
             "referenced_message": "the message the reference names",
             "application_id": "made from webhook_id", "thread": "the thread's channel",
             "poll": "saved as the private key poll (with who voted)"},
    fields={"id": "id", "channel_id": "channel", "author_id": "author",
            "content": "content", "type": "type", "tts": "tts", "embeds": "embeds",
            "attachments": "attachments", "mentions": "mentions",
            "mention_roles": "mention_roles", "mention_everyone": "mention_everyone",
            "reactions": "reactions", "pinned": "pinned", "edited_ms": "edited_timestamp",
            "reference": "reference", "nonce": "nonce", "components": "components",
            "flags": "flags", "webhook_id": "webhook_id", "interaction": "interaction",
            "webhook_author": "webhook_author", "poll": "poll", "pinned_ms": "pinned_at",
            "snapshots": "message_snapshots"},
    elsewhere={"guild_id": "its channel's guild"},
    nullable=frozenset({"reference", "nonce", "webhook_id", "interaction"}),
)

WEBHOOK = Schema(
    keys=("id", "channel", "name", "token", "creator", "avatar"),
    shared={"id": "id", "channel": "channel_id", "name": "name", "token": "token",
            "avatar": "avatar"},
    private={"creator": "the creator's id (the JSON embeds the user, saved in users)"},
    unsaved={"type": _CONSTANT, "application_id": _CONSTANT,
             "guild_id": "the channel's guild", "user": "saved as the private key creator"},
    fields={"id": "id", "channel_id": "channel", "name": "name", "token": "token",
            "creator_id": "creator", "avatar": "avatar"},
    elsewhere={"guild_id": "its channel's guild"},
)

EMOJI = Schema(
    keys=("guild", "id", "name", "roles", "animated", "available", "creator", "image",
          "image_type"),
    shared={k: k for k in ("id", "name", "roles", "animated", "available")},
    private={"guild": "the emoji's guild (left out: the application's own emoji)",
             "creator": "who made it, by id (the JSON embeds the user, saved in users)",
             "image": "its image, base64 (what the twin's CDN serves)",
             "image_type": "its image's content type"},
    unsaved={"require_colons": _CONSTANT, "managed": _CONSTANT,
             "user": "saved as the private key creator"},
    fields={"id": "id", "name": "name", "guild_id": "guild", "creator_id": "creator",
            "image": "image", "content_type": "image_type", "roles": "roles",
            "animated": "animated", "available": "available"},
)

STICKER = Schema(
    keys=("guild", "id", "name", "description", "tags", "format_type", "available",
          "creator", "file"),
    shared={k: k for k in ("id", "name", "description", "tags", "format_type", "available")}
    | {"guild": "guild_id"},
    private={"creator": "who uploaded it, by id (the JSON embeds the user, saved in users)",
             "file": "its file, base64 (what the twin's CDN serves)"},
    unsaved={"type": _CONSTANT, "user": "saved as the private key creator"},
    fields={"id": "id", "name": "name", "guild_id": "guild", "creator_id": "creator",
            "format_type": "format_type", "image": "file", "description": "description",
            "tags": "tags", "available": "available"},
    nullable=frozenset({"description"}),
)

SCHEDULED_EVENT = Schema(
    keys=("guild", "id", "name", "creator", "entity_type", "channel", "status",
          "scheduled_start_time", "scheduled_end_time", "description", "location",
          "recurrence_rule", "subscribers", "cover"),
    shared={k: k for k in ("id", "name", "entity_type", "status", "scheduled_start_time",
                           "scheduled_end_time", "description", "recurrence_rule")}
    | {"guild": "guild_id", "creator": "creator_id", "channel": "channel_id",
       "location": "entity_metadata.location"},
    private={"subscribers": "the users interested in it, by id (the JSON counts them)",
             "cover": "its cover image, base64 (the JSON has its hash)"},
    unsaved={"privacy_level": _CONSTANT, "entity_id": _CONSTANT,
             "creator": "saved as creator (the user is saved in users)",
             "user_count": "how many subscribers there are",
             "image": "the hash of cover"},
    fields={"id": "id", "guild_id": "guild", "name": "name", "creator_id": "creator",
            "entity_type": "entity_type", "start_ms": "scheduled_start_time",
            "channel_id": "channel", "end_ms": "scheduled_end_time",
            "description": "description", "location": "location", "status": "status",
            "image": "cover", "recurrence_rule": "recurrence_rule",
            "subscribers": "subscribers"},
)

#: Every schema by the model class it describes.
SCHEMAS: dict[str, Schema] = {
    "User": USER, "Application": APPLICATION, "Guild": GUILD, "Role": ROLE,
    "Overwrite": OVERWRITE, "Channel": CHANNEL, "ThreadInfo": THREAD, "Member": MEMBER,
    "Attachment": ATTACHMENT, "Reaction": REACTION, "Poll": POLL, "Message": MESSAGE,
    "Webhook": WEBHOOK, "Emoji": EMOJI, "Sticker": STICKER,
    "ScheduledEvent": SCHEDULED_EVENT,
}
