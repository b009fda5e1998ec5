"""Custom emojis: a guild's (developers/resources/emoji) and the application's own.

A guild emoji needs CREATE_GUILD_EXPRESSIONS to make; its maker may rename or delete it
with CREATE_ or MANAGE_GUILD_EXPRESSIONS, anyone else with MANAGE_GUILD_EXPRESSIONS.
Every change sends GUILD_EMOJIS_UPDATE with the guild's whole list (the
GUILD_EXPRESSIONS intent). A name is 2 to 32 letters, digits or underscores; the image
is image data (``data:image/png;base64,...``: PNG, JPEG, GIF, WebP or AVIF) of at most
256 KiB; a guild without boosts holds 50 static and 50 animated emojis. An application
holds up to 2,000 of its own, which no event announces.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from ..errors import DiscordError, unknown
from ..permissions import Permission
from .base import ModelBase, form_error
from .entities import Emoji, Guild

MAX_IMAGE = 256 * 1024
#: Emoji slots of a guild with no boosts, per kind (static, animated).
GUILD_SLOTS = 50
APPLICATION_SLOTS = 2000
_NAME = re.compile(r"[A-Za-z0-9_]{2,32}")
_IMAGE = re.compile(r"data:(image/(?:png|jpeg|jpg|gif|webp|avif));base64,(.*)", re.DOTALL)


def read_image(value: Any, key: str = "image") -> tuple[bytes, str]:
    """Discord's image data: the bytes and their content type, or its form error."""
    found = _IMAGE.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise form_error(key, "IMAGE_INVALID", "Invalid image data")
    try:
        data = base64.b64decode(found.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise form_error(key, "IMAGE_INVALID", "Invalid image data") from None
    if len(data) > MAX_IMAGE:
        raise form_error(key, "BINARY_TYPE_MAX_SIZE", "File cannot be larger than 256.0 kb.")
    kind = found.group(1).replace("image/jpg", "image/jpeg")
    return data, kind


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not 2 <= len(name) <= 32:
        raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 32 in length.")
    if _NAME.fullmatch(name) is None:
        raise form_error("name", "STRING_TYPE_REGEX",
                         "String value did not match validation regex.")
    return name


def max_emojis(limit: int) -> DiscordError:
    return DiscordError(400, 30008, f"Maximum number of emojis reached ({limit})")


class EmojiOps(ModelBase):
    # -- guild emojis ---------------------------------------------------------------------

    def emoji(self, guild: Guild, emoji_id: int) -> Emoji:
        found = guild.emojis.get(emoji_id)
        if found is None:
            raise unknown("Emoji", 10014)
        return found

    def create_emoji(self, guild: Guild, creator_id: int, name: Any, image: bytes,
                     content_type: str, roles: list[int] | None = None, *,
                     emoji_id: int | None = None, check: bool = True) -> Emoji:
        """``creator_id`` adds an emoji (GUILD_EMOJIS_UPDATE); ``check``: Discord's
        permission (CREATE_GUILD_EXPRESSIONS) and slot checks (a world being built
        skips the permission only)."""
        if check:
            self.require_guild(guild, creator_id, Permission.CREATE_GUILD_EXPRESSIONS)
        name = check_name(name)
        self._check_roles(guild, roles or [])
        animated = content_type == "image/gif"
        if sum(1 for e in guild.emojis.values() if e.animated == animated) >= GUILD_SLOTS:
            raise max_emojis(GUILD_SLOTS)
        emoji = Emoji(emoji_id if emoji_id is not None else self.ids.next(), name, guild.id,
                      creator_id, image, content_type, list(roles or []), animated)
        guild.emojis[emoji.id] = emoji
        self._emojis_changed(guild)
        return emoji

    def modify_emoji(self, guild: Guild, emoji: Emoji, user_id: int,
                     changes: dict[str, Any]) -> Emoji:
        self._may_change(guild, emoji, user_id)
        name = check_name(changes["name"]) if "name" in changes else emoji.name
        roles = emoji.roles
        if "roles" in changes:
            roles = [int(r) for r in changes["roles"] or []]
            self._check_roles(guild, roles)
        emoji.name, emoji.roles = name, roles
        self._emojis_changed(guild)
        return emoji

    def delete_emoji(self, guild: Guild, emoji: Emoji, user_id: int) -> None:
        self._may_change(guild, emoji, user_id)
        del guild.emojis[emoji.id]
        self._emojis_changed(guild)

    def emoji_json(self, emoji: Emoji, viewer: int) -> dict[str, Any]:
        """An emoji as ``viewer`` reads it over REST: with its creator for those who may
        manage it (MANAGE_GUILD_EXPRESSIONS, or its maker with CREATE_)."""
        if emoji.guild_id is None:
            return emoji.to_json(self.users.get(emoji.creator_id))
        perms = self.guild_permissions(self.guilds[emoji.guild_id], viewer)
        shown = perms & Permission.MANAGE_GUILD_EXPRESSIONS or (
            perms & Permission.CREATE_GUILD_EXPRESSIONS and emoji.creator_id == viewer)
        return emoji.to_json(self.users.get(emoji.creator_id) if shown else None)

    def _may_change(self, guild: Guild, emoji: Emoji, user_id: int) -> None:
        """Its maker with CREATE_ or MANAGE_GUILD_EXPRESSIONS, anyone with MANAGE_."""
        if user_id not in guild.members:
            raise unknown("Guild", 10004)
        allowed = Permission.MANAGE_GUILD_EXPRESSIONS
        if emoji.creator_id == user_id:
            allowed |= Permission.CREATE_GUILD_EXPRESSIONS
        if not self.guild_permissions(guild, user_id) & allowed:
            self.require_guild(guild, user_id, Permission.MANAGE_GUILD_EXPRESSIONS)

    def _check_roles(self, guild: Guild, roles: list[int]) -> None:
        for role in roles:
            if role not in guild.roles:
                raise form_error("roles", "INVALID_ROLE", f"Role {role} is not valid.")

    def _emojis_changed(self, guild: Guild) -> None:
        self.effects.dispatch("GUILD_EMOJIS_UPDATE", {
            "guild_id": str(guild.id),
            "emojis": [e.to_json() for e in guild.emojis.values()]}, guild_id=guild.id)

    # -- the application's emojis ---------------------------------------------------------

    def app_emoji(self, emoji_id: int) -> Emoji:
        found = self.app_emojis.get(emoji_id)
        if found is None:
            raise unknown("Emoji", 10014)
        return found

    def create_app_emoji(self, name: Any, image: bytes, content_type: str, *,
                         emoji_id: int | None = None) -> Emoji:
        name = check_name(name)
        if any(e.name == name for e in self.app_emojis.values()):
            raise form_error("name", "APPLICATION_EMOJI_NAME_ALREADY_TAKEN",
                             "Emoji name already taken.")
        if len(self.app_emojis) >= APPLICATION_SLOTS:
            raise max_emojis(APPLICATION_SLOTS)
        emoji = Emoji(emoji_id if emoji_id is not None else self.ids.next(), name, None,
                      self.bot.id, image, content_type, [], content_type == "image/gif")
        self.app_emojis[emoji.id] = emoji
        return emoji

    def rename_app_emoji(self, emoji: Emoji, name: Any) -> str:
        checked = check_name(name)
        if any(e.name == checked and e.id != emoji.id for e in self.app_emojis.values()):
            raise form_error("name", "APPLICATION_EMOJI_NAME_ALREADY_TAKEN",
                             "Emoji name already taken.")
        return checked


__all__ = ["APPLICATION_SLOTS", "GUILD_SLOTS", "MAX_IMAGE", "EmojiOps", "check_name",
           "max_emojis", "read_image"]
