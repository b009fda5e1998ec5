"""dpytest's factories: Discord-shaped payload dicts, as pure functions.

``make_*_dict`` build a payload from plain values (a user, a role, a channel, a message,
an attachment, a guild) and ``dict_from_object`` turns a discord.py object back into the
payload it came from; ``make_id`` hands out snowflakes. The dicts are what discord.py's
constructors take, so ``discord.Message(state=backend.get_state(), channel=channel,
data=make_message_dict(channel, author))`` builds a message the bot can read.

Shapes follow Discord's API (v10), keys as dpytest names them; two things differ from
dpytest's own dicts, both in Discord's favour: timestamps are ISO 8601 strings (dpytest
wrote epoch seconds, which discord.py cannot parse back), and a message's ``member`` is
the author's member object (roles, join date, nick), not a copy of the user. Ids stay
integers, as dpytest gives them (discord.py reads integers and strings alike).

Nothing here touches a twin: the dicts describe objects, they do not create them (for
that, the backend and the twin's control API).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, Protocol

import discord

from ...discord.snowflake import Snowflakes
from ...runtime.clock import RealClock

JsonDict = dict[str, Any]

log = logging.getLogger("wiretwin.compat.dpytest")

#: How many ids make_id has handed out (dpytest's counter; read it, do not set it).
generated_ids: int = 0
_snowflakes = Snowflakes(RealClock(), worker=1, process=0)


def make_id() -> int:
    """A new snowflake: now, worker 1, process 0, and an increment (ids only grow)."""
    global generated_ids
    generated_ids += 1
    return _snowflakes.next()


def _id(id_num: int) -> int:
    return id_num if id_num >= 0 else make_id()


def _iso(value: str | float | dt.datetime | None) -> str | None:
    """A timestamp as Discord writes it: ISO 8601 (epoch seconds and datetimes too)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return dt.datetime.fromtimestamp(value, tz=dt.UTC).isoformat()


def _optional(out: JsonDict, given: Mapping[str, Any], keys: Iterable[str]) -> JsonDict:
    """``out`` with the ``keys`` of ``given`` that are set (not None)."""
    for key in keys:
        if given.get(key) is not None:
            out[key] = given[key]
    return out


def _unknown(where: str, given: Mapping[str, Any], known: Iterable[str]) -> None:
    """Fields Discord's object does not have are left out, with a log line (dpytest
    printed a warning and went on; a suite passing one keeps working)."""
    extra = sorted(set(given) - set(known))
    if extra:
        log.warning("%s(): left out fields a Discord payload does not have: %s", where,
                    ", ".join(extra))


# -- from plain values ----------------------------------------------------------------

_USER_OPTIONAL = ("bot", "system", "mfa_enabled", "locale", "verified", "email",
                  "premium_type", "public_flags", "global_name", "banner", "accent_color")


def discriminator(discrim: Any) -> str:
    """dpytest's ``discrim`` as the user's discriminator: an int as four digits, anything
    else as its text (dpytest kept what it was given, whatever it was)."""
    if isinstance(discrim, int) and not isinstance(discrim, bool):
        return f"{discrim:04}"
    return str(discrim)


def make_user_dict(username: str, discrim: str | int, avatar: str | None,
                   id_num: int = -1, flags: int = 0, **kwargs: Any) -> JsonDict:
    """A user: ``discrim`` 1..9999 (int or four digits), ``avatar`` an image hash."""
    if isinstance(discrim, int):
        if not 0 < discrim < 10000:
            raise ValueError(f"a discriminator is 1..9999, not {discrim}")
        discrim = f"{discrim:04}"
    elif not (len(discrim) == 4 and discrim.isdigit() and discrim != "0000"):
        raise ValueError(f"a discriminator is four digits, 0001..9999, not {discrim!r}")
    _unknown("make_user_dict", kwargs, _USER_OPTIONAL)
    out: JsonDict = {"id": _id(id_num), "username": username, "discriminator": discrim,
                     "global_name": None, "avatar": avatar, "flags": flags}
    return _optional(out, kwargs, _USER_OPTIONAL)


_MEMBER_OPTIONAL = ("avatar", "nick", "premium_since", "pending", "permissions",
                    "communication_disabled_until", "avatar_decoration_data")


def make_member_dict(*args: Any, **kwargs: Any) -> JsonDict:
    """A guild member with its user: ``(user, roles, joined=None, deaf=False, mute=False,
    flags=0, **optional)`` (dpytest master), or 0.7's ``(guild, user, roles, ...)``, which
    also gives ``guild_id``. ``roles`` are role ids (never @everyone's)."""
    guild: discord.Guild | None = None
    if args and isinstance(args[0], discord.Guild):
        guild, args = args[0], args[1:]
    elif "guild" in kwargs:
        guild = kwargs.pop("guild")
    return _member_dict(guild, *args, **kwargs)


def _member_dict(guild: discord.Guild | None, user: discord.abc.User, roles: list[int],
                 joined: str | float | dt.datetime | None = None, deaf: bool = False,
                 mute: bool = False, flags: int = 0, **kwargs: Any) -> JsonDict:
    kwargs.pop("voice", None)  # 0.7's flag, which Discord's member object does not have
    _unknown("make_member_dict", kwargs, _MEMBER_OPTIONAL)
    out: JsonDict = {"user": _user_dict(user), "roles": [int(r) for r in roles],
                     "joined_at": _iso(joined), "deaf": deaf, "mute": mute, "flags": flags}
    if guild is not None:
        out["guild_id"] = guild.id
    return _optional(out, kwargs, _MEMBER_OPTIONAL)


def make_role_dict(name: str, id_num: int = -1, colour: int = 0, color: int | None = None,
                   colors: Mapping[str, int | None] | None = None, hoist: bool = False,
                   position: int = -1, permissions: str | int = "104324161",
                   managed: bool = False, mentionable: bool = False,
                   flags: int = 0) -> JsonDict:
    """A role (``colour`` or ``color``, not both; ``permissions`` a bit set, default
    dpytest's @everyone: view, send, read history, react, embed, attach...)."""
    if color is not None:
        if colour:
            raise ValueError("give 'colour' or 'color', not both")
        colour = color
    return {"id": _id(id_num), "name": name, "color": colour,
            "colors": dict(colors) if colors is not None else {
                "primary_color": colour, "secondary_color": None, "tertiary_color": None},
            "hoist": hoist, "position": position, "permissions": str(permissions),
            "managed": managed, "mentionable": mentionable, "flags": flags}


_CHANNEL_OPTIONAL = ("guild_id", "position", "permission_overwrites", "name", "topic",
                     "nsfw", "last_message_id", "bitrate", "user_limit",
                     "rate_limit_per_user", "recipients", "icon", "owner_id",
                     "application_id", "parent_id", "last_pin_timestamp", "flags")


def make_channel_dict(ctype: Literal[0, 1, 2, 3, 4] | int, id_num: int = -1,
                      **kwargs: Any) -> JsonDict:
    """A channel of Discord type ``ctype`` (0 text, 1 DM, 2 voice, 3 group DM,
    4 category) with the given fields."""
    _unknown("make_channel_dict", kwargs, _CHANNEL_OPTIONAL)
    out: JsonDict = {"id": _id(id_num), "name": "", "type": int(ctype)}
    return _optional(out, kwargs, _CHANNEL_OPTIONAL)


def make_text_channel_dict(name: str, id_num: int = -1, **kwargs: Any) -> JsonDict:
    return make_channel_dict(discord.ChannelType.text.value, id_num, name=name, **kwargs)


def make_category_channel_dict(name: str, id_num: int = -1, **kwargs: Any) -> JsonDict:
    return make_channel_dict(discord.ChannelType.category.value, id_num, name=name,
                             **kwargs)


def make_voice_channel_dict(name: str, id_num: int = -1, **kwargs: Any) -> JsonDict:
    """A voice channel (Discord always sends its ``bitrate`` and ``user_limit``: 64 kbps
    and no limit unless given)."""
    kwargs.setdefault("bitrate", 64000)
    kwargs.setdefault("user_limit", 0)
    return make_channel_dict(discord.ChannelType.voice.value, id_num, name=name, **kwargs)


def make_emoji_dict(name: str = "emoji", id_num: int = -1, *, roles: list[int] | None = None,
                    require_colons: bool = True, managed: bool = False,
                    animated: bool = False, available: bool = True) -> JsonDict:
    """A guild emoji (dpytest 0.7.0 had this name with no body: here, Discord's payload,
    as ``discord.Emoji(guild=guild, state=state, data=...)`` reads it)."""
    return {"id": _id(id_num), "name": name, "roles": list(roles or []),
            "require_colons": require_colons, "managed": managed, "animated": animated,
            "available": available}


def make_dm_channel_dict(user: discord.abc.User, id_num: int = -1,
                         **kwargs: Any) -> JsonDict:
    return make_channel_dict(discord.ChannelType.private.value, id_num,
                             recipients=[_user_dict(user)], **kwargs)


_MESSAGE_OPTIONAL = ("guild_id", "member", "reactions", "nonce", "webhook_id", "activity",
                     "application", "poll", "message_reference", "flags", "components",
                     "sticker_items")


def make_message_dict(channel: Any, author: discord.abc.User, id_num: int = -1,
                      content: str = "", timestamp: str | float | None = None,
                      edited_timestamp: str | float | None = None, tts: bool = False,
                      mention_everyone: bool = False,
                      mentions: list[discord.abc.User] | None = None,
                      mention_roles: list[Any] | None = None,
                      mention_channels: list[Any] | None = None,
                      attachments: list[discord.Attachment] | None = None,
                      embeds: list[discord.Embed] | None = None, pinned: bool = False,
                      type: int = 0, **kwargs: Any) -> JsonDict:
    """A message by ``author`` (a user, or a member: then with its ``member`` object) in
    ``channel`` (a guild channel adds ``guild_id``); ``timestamp`` defaults to the id's."""
    _unknown("make_message_dict", kwargs, _MESSAGE_OPTIONAL)
    id_num = _id(id_num)
    extra = dict(kwargs)
    guild = getattr(channel, "guild", None)
    if isinstance(guild, discord.Guild):
        extra.setdefault("guild_id", guild.id)
    if isinstance(author, discord.Member):
        extra.setdefault("member", _partial_member(author))
    out: JsonDict = {
        "id": id_num, "channel_id": channel.id, "author": _user_dict(author),
        "content": content if content is not None else "",
        "timestamp": _iso(timestamp) or discord.utils.snowflake_time(id_num).isoformat(),
        "edited_timestamp": _iso(edited_timestamp), "tts": tts,
        "mention_everyone": mention_everyone,
        "mentions": [user_with_member(u) for u in mentions or []],
        "mention_roles": [getattr(r, "id", r) for r in mention_roles or []],
        "mention_channels": [_channel_mention(c) for c in mention_channels or []],
        "attachments": [dict_from_object(a) for a in attachments or []],
        "embeds": [e.to_dict() for e in embeds or []],
        "pinned": pinned, "type": type,
    }
    return _optional(out, extra, _MESSAGE_OPTIONAL)


def make_attachment_dict(filename: str, size: int, url: str, proxy_url: str,
                         id_num: int = -1, height: int | None = None,
                         width: int | None = None,
                         content_type: str | None = "txt") -> JsonDict:
    """A message attachment (``height``/``width`` for images)."""
    out: JsonDict = {"id": _id(id_num), "filename": filename, "size": size, "url": url,
                     "proxy_url": proxy_url, "height": height, "width": width}
    if content_type is not None:
        out["content_type"] = content_type
    return out


_GUILD_OPTIONAL = ("owner", "permissions", "widget_enabled", "widget_channel_id",
                   "joined_at", "large", "unavailable", "member_count", "voice_states",
                   "members", "channels", "threads", "presences", "embed_enabled",
                   "embed_channel_id")


def make_guild_dict(name: str, owner_id: int, roles: list[JsonDict], id_num: int = -1,
                    emojis: list[JsonDict] | None = None, icon: str | None = None,
                    splash: str | None = None, region: str = "en_north",
                    afk_channel_id: int | None = None, afk_timeout: int = 600,
                    verification_level: Literal[0, 1, 2, 3, 4] = 0,
                    default_message_notifications: Literal[0, 1] = 0,
                    explicit_content_filter: Literal[0, 1, 2] = 0,
                    features: list[str] | None = None, mfa_level: Literal[0, 1] = 0,
                    application_id: int | None = None,
                    system_channel_id: int | None = None, **kwargs: Any) -> JsonDict:
    """A guild, as GUILD_CREATE sends it (``kwargs``: ``members``, ``channels``...)."""
    _unknown("make_guild_dict", kwargs, _GUILD_OPTIONAL)
    out: JsonDict = {
        "id": _id(id_num), "name": name, "icon": icon, "splash": splash,
        "discovery_splash": None, "owner_id": owner_id, "region": region,
        "afk_channel_id": afk_channel_id, "afk_timeout": afk_timeout,
        "verification_level": verification_level,
        "default_message_notifications": default_message_notifications,
        "explicit_content_filter": explicit_content_filter, "roles": list(roles),
        "emojis": list(emojis or []), "stickers": [], "features": list(features or []),
        "mfa_level": mfa_level, "application_id": application_id,
        "system_channel_id": system_channel_id, "system_channel_flags": 0,
        "rules_channel_id": None, "public_updates_channel_id": None,
        "vanity_url_code": None, "description": None, "banner": None, "premium_tier": 0,
        "preferred_locale": "en-US", "nsfw_level": 0, "incidents_data": None,
        "members": [], "stage_instances": [], "guild_scheduled_events": [],
    }
    return _optional(out, kwargs, _GUILD_OPTIONAL)


# -- from discord.py objects ------------------------------------------------------------

def _asset(asset: discord.Asset | None) -> str | None:
    return asset.key if asset is not None else None


def _user_dict(given: discord.abc.User) -> JsonDict:
    user: Any = getattr(given, "_user", given)  # a Member's user
    out: JsonDict = {"id": user.id, "username": user.name,
                     "discriminator": user.discriminator,
                     "global_name": user.global_name, "avatar": _asset(user.avatar),
                     "bot": user.bot, "system": user.system,
                     "public_flags": user.public_flags.value}
    return out


def _partial_member(member: discord.Member) -> JsonDict:
    """A member without its user, as a message's ``member`` carries it."""
    out: JsonDict = {
        "roles": [r.id for r in member.roles if not r.is_default()],
        "joined_at": _iso(member.joined_at),
        "deaf": bool(member.voice and member.voice.deaf),
        "mute": bool(member.voice and member.voice.mute),
        "flags": member.flags.value, "pending": member.pending,
    }
    return _optional(out, {"nick": member.nick,
                           "premium_since": _iso(member.premium_since),
                           "communication_disabled_until": _iso(member.timed_out_until),
                           "avatar": _asset(member.guild_avatar)},
                     ("nick", "premium_since", "communication_disabled_until", "avatar"))


def user_with_member(user: discord.abc.User) -> JsonDict:
    """A user, with its ``member`` object when it is a guild member (as mentions are)."""
    out = _user_dict(user)
    if isinstance(user, discord.Member):
        out["member"] = _partial_member(user)
    return out


def _channel_mention(channel: Any) -> JsonDict:
    guild = getattr(channel, "guild", None)
    return {"id": channel.id, "type": channel.type.value,
            "guild_id": guild.id if guild is not None else 0,
            "name": getattr(channel, "name", None) or ""}


class DictFromObject(Protocol):
    """The type of :func:`dict_from_object` (dpytest's name for it): called with a
    discord.py object (and ``guild=`` or ``target=`` where they apply) it returns the
    object's payload; ``register`` teaches it another type."""

    def __call__(self, obj: Any, /, **kwargs: Any) -> Any: ...

    def register(self, cls: Any, func: Any = None) -> Any: ...


@functools.singledispatch
def dict_from_object(obj: object, **_kwargs: Any) -> Any:
    """The payload a discord.py object would come from (users, members, roles,
    channels, messages, attachments, emojis, guilds, overwrites with ``target=``)."""
    raise TypeError(f"no payload for a {type(obj).__name__}")


@dict_from_object.register
def _(user: discord.user.BaseUser) -> JsonDict:
    return _user_dict(user)


@dict_from_object.register
def _(member: discord.Member, *, guild: bool = False) -> JsonDict:
    out = {"user": _user_dict(member), **_partial_member(member)}
    if guild:  # the GUILD_MEMBER_UPDATE shape
        out["guild_id"] = member.guild.id
    return out


@dict_from_object.register
def _(role: discord.Role) -> JsonDict:
    return make_role_dict(role.name, role.id, colour=role.colour.value, hoist=role.hoist,
                          position=role.position, permissions=role.permissions.value,
                          managed=role.managed, mentionable=role.mentionable,
                          flags=role.flags.value)


def _guild_channel(channel: discord.abc.GuildChannel, **extra: Any) -> JsonDict:
    return make_channel_dict(
        channel.type.value, channel.id, name=channel.name, guild_id=channel.guild.id,
        position=channel.position, parent_id=channel.category_id,
        permission_overwrites=[dict_from_object(o, target=t)
                               for t, o in channel.overwrites.items()],
        **extra)


@dict_from_object.register
def _(channel: discord.TextChannel) -> JsonDict:
    return _guild_channel(channel, nsfw=channel.nsfw, topic=channel.topic,
                          rate_limit_per_user=channel.slowmode_delay,
                          last_message_id=channel.last_message_id)


@dict_from_object.register
def _(channel: discord.VoiceChannel) -> JsonDict:
    return _guild_channel(channel, nsfw=channel.nsfw, bitrate=channel.bitrate,
                          user_limit=channel.user_limit)


@dict_from_object.register
def _(channel: discord.CategoryChannel) -> JsonDict:
    return _guild_channel(channel, nsfw=channel.nsfw)


@dict_from_object.register
def _(channel: discord.DMChannel) -> JsonDict:
    return make_channel_dict(discord.ChannelType.private.value, channel.id,
                             recipients=[_user_dict(u) for u in channel.recipients],
                             last_message_id=getattr(channel, "last_message_id", None))


@dict_from_object.register
def _(message: discord.Message) -> JsonDict:
    out = make_message_dict(
        message.channel, message.author, message.id, content=message.content,
        timestamp=message.created_at.isoformat(),
        edited_timestamp=_iso(message.edited_at), tts=message.tts,
        mention_everyone=message.mention_everyone, mentions=list(message.mentions),
        mention_roles=[r.id for r in message.role_mentions],
        mention_channels=list(message.channel_mentions),
        attachments=list(message.attachments), embeds=list(message.embeds),
        pinned=message.pinned, type=message.type.value)
    if message.nonce is not None:
        out["nonce"] = message.nonce
    return out


@dict_from_object.register
def _(attachment: discord.Attachment) -> JsonDict:
    return make_attachment_dict(attachment.filename, attachment.size, attachment.url,
                                attachment.proxy_url, attachment.id,
                                height=attachment.height, width=attachment.width,
                                content_type=attachment.content_type)


@dict_from_object.register
def _(emoji: discord.Emoji) -> JsonDict:
    return make_emoji_dict(emoji.name, emoji.id, roles=[r.id for r in emoji.roles],
                           require_colons=emoji.require_colons, managed=emoji.managed,
                           animated=emoji.animated, available=emoji.available)


@dict_from_object.register
def _(guild: discord.Guild) -> JsonDict:
    return make_guild_dict(
        guild.name, guild.owner_id or 0, [dict_from_object(r) for r in guild.roles],
        guild.id, emojis=[dict_from_object(e) for e in guild.emojis],
        icon=_asset(guild.icon), splash=_asset(guild.splash),
        afk_channel_id=guild.afk_channel.id if guild.afk_channel else None,
        afk_timeout=guild.afk_timeout,
        verification_level=guild.verification_level.value,
        default_message_notifications=guild.default_notifications.value,
        explicit_content_filter=guild.explicit_content_filter.value,
        features=list(guild.features), mfa_level=guild.mfa_level.value,
        system_channel_id=guild.system_channel.id if guild.system_channel else None,
        member_count=guild.member_count)


@dict_from_object.register
def _(overwrite: discord.PermissionOverwrite, *, target: Any) -> JsonDict:
    allow, deny = overwrite.pair()
    return {"id": target.id, "type": 0 if isinstance(target, discord.Role) else 1,
            "allow": str(allow.value), "deny": str(deny.value)}


# -- dpytest 0.7's names for dict_from_object ---------------------------------------------

def _named(kind: str) -> Callable[[Any], JsonDict]:
    def convert(obj: Any) -> JsonDict:
        result: JsonDict = dict_from_object(obj)
        return result
    convert.__name__ = convert.__qualname__ = f"dict_from_{kind}"
    convert.__doc__ = f"dpytest 0.7's name for ``dict_from_object`` on a {kind}."
    return convert


dict_from_user = _named("user")
dict_from_member = _named("member")
dict_from_role = _named("role")
dict_from_channel = _named("channel")
dict_from_message = _named("message")
dict_from_attachment = _named("attachment")
dict_from_emoji = _named("emoji")
dict_from_guild = _named("guild")


def dict_from_overwrite(target: discord.Member | discord.Role | discord.Object,
                        overwrite: discord.PermissionOverwrite) -> JsonDict:
    """dpytest 0.7's overwrite payload (target first)."""
    result: JsonDict = dict_from_object(overwrite, target=target)
    return result


__all__ = ["DictFromObject", "dict_from_attachment", "dict_from_channel", "dict_from_emoji",
           "dict_from_guild", "dict_from_member", "dict_from_message", "dict_from_object",
           "dict_from_overwrite", "dict_from_role", "dict_from_user", "generated_ids", "log",
           "make_attachment_dict", "make_category_channel_dict", "make_channel_dict",
           "make_dm_channel_dict", "make_emoji_dict", "make_guild_dict", "make_id",
           "make_member_dict", "make_message_dict", "make_role_dict",
           "make_text_channel_dict", "make_user_dict", "make_voice_channel_dict",
           "user_with_member"]
