"""Guild stickers (developers/resources/sticker).

Uploading one needs CREATE_GUILD_EXPRESSIONS; its uploader edits or deletes it with
CREATE_ or MANAGE_GUILD_EXPRESSIONS, anyone else with MANAGE_GUILD_EXPRESSIONS. A name
is 2 to 30 characters, a description empty or 2 to 100, tags at most 200; the file a
PNG, APNG or GIF of at most 512 KiB (Lottie only in verified or partnered guilds, which
the twin's are not); a guild without boosts holds 5. Every change sends
GUILD_STICKERS_UPDATE with the guild's whole list (the GUILD_EXPRESSIONS intent).
"""

from __future__ import annotations

from typing import Any

from ..errors import DiscordError, unknown
from ..permissions import Permission
from .base import ModelBase, form_error
from .entities import Guild, Sticker

MAX_FILE = 512 * 1024
GUILD_SLOTS = 5
PNG, APNG, LOTTIE, GIF = 1, 2, 3, 4


def sticker_format(data: bytes) -> int:
    """The sticker format of a file, or Discord's form error for any other file."""
    if len(data) > MAX_FILE:
        raise form_error("file", "BINARY_TYPE_MAX_SIZE", "File cannot be larger than 512.0 kb.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return APNG if b"acTL" in data[:4096] else PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data.lstrip().startswith(b"{"):
        raise form_error("file", "STICKER_LOTTIE_NOT_ALLOWED",
                         "Lottie stickers can only be uploaded by verified or partnered "
                         "guilds.")
    raise form_error("file", "STICKER_INVALID_FILE_TYPE",
                     "Invalid file type: must be a PNG, APNG, GIF or Lottie file.")


def check_sticker_fields(name: Any, description: Any, tags: Any, *, creating: bool) -> None:
    if (creating or name is not None) and (
            not isinstance(name, str) or not 2 <= len(name) <= 30):
        raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 30 in length.")
    if description not in (None, "") and (
            not isinstance(description, str) or not 2 <= len(description) <= 100):
        raise form_error("description", "BASE_TYPE_BAD_LENGTH",
                         "Must be between 2 and 100 in length.")
    if (creating or tags is not None) and (
            not isinstance(tags, str) or not 1 <= len(tags) <= 200):
        raise form_error("tags", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 200 in length.")


class StickerOps(ModelBase):
    def sticker(self, guild: Guild, sticker_id: int) -> Sticker:
        found = guild.stickers.get(sticker_id)
        if found is None:
            raise unknown("Sticker", 10060)
        return found

    def any_sticker(self, sticker_id: int) -> Sticker:
        for guild in self.guilds.values():
            if sticker_id in guild.stickers:
                return guild.stickers[sticker_id]
        raise unknown("Sticker", 10060)

    def create_sticker(self, guild: Guild, creator_id: int, name: Any, description: Any,
                       tags: Any, data: bytes, *, sticker_id: int | None = None,
                       check: bool = True) -> Sticker:
        if check:
            self.require_guild(guild, creator_id, Permission.CREATE_GUILD_EXPRESSIONS)
        check_sticker_fields(name, description, tags, creating=True)
        kind = sticker_format(data)
        if len(guild.stickers) >= GUILD_SLOTS:
            raise DiscordError(400, 30039, f"Maximum number of stickers reached "
                                           f"({GUILD_SLOTS})")
        sticker = Sticker(sticker_id if sticker_id is not None else self.ids.next(), name,
                          guild.id, creator_id, kind, data, description, tags)
        guild.stickers[sticker.id] = sticker
        self._stickers_changed(guild)
        return sticker

    def modify_sticker(self, guild: Guild, sticker: Sticker, user_id: int,
                       changes: dict[str, Any]) -> Sticker:
        self._may_change_expression(guild, sticker.creator_id, user_id)
        check_sticker_fields(changes.get("name"), changes.get("description"),
                             changes.get("tags"), creating=False)
        sticker.name = changes.get("name", sticker.name)
        if "description" in changes:
            sticker.description = changes["description"]
        sticker.tags = changes.get("tags", sticker.tags)
        self._stickers_changed(guild)
        return sticker

    def delete_sticker(self, guild: Guild, sticker: Sticker, user_id: int) -> None:
        self._may_change_expression(guild, sticker.creator_id, user_id)
        del guild.stickers[sticker.id]
        self._stickers_changed(guild)

    def sticker_json(self, sticker: Sticker, viewer: int) -> dict[str, Any]:
        """A sticker as ``viewer`` reads it over REST: with its uploader for those who
        may create or manage expressions."""
        perms = self.guild_permissions(self.guilds[sticker.guild_id], viewer)
        shown = perms & (Permission.MANAGE_GUILD_EXPRESSIONS
                         | Permission.CREATE_GUILD_EXPRESSIONS)
        return sticker.to_json(self.users.get(sticker.creator_id) if shown else None)

    def _may_change_expression(self, guild: Guild, creator_id: int, user_id: int) -> None:
        if user_id not in guild.members:
            raise unknown("Guild", 10004)
        allowed = Permission.MANAGE_GUILD_EXPRESSIONS
        if creator_id == user_id:
            allowed |= Permission.CREATE_GUILD_EXPRESSIONS
        if not self.guild_permissions(guild, user_id) & allowed:
            self.require_guild(guild, user_id, Permission.MANAGE_GUILD_EXPRESSIONS)

    def _stickers_changed(self, guild: Guild) -> None:
        self.effects.dispatch("GUILD_STICKERS_UPDATE", {
            "guild_id": str(guild.id),
            "stickers": [s.to_json() for s in guild.stickers.values()]}, guild_id=guild.id)


__all__ = ["APNG", "GIF", "GUILD_SLOTS", "LOTTIE", "MAX_FILE", "PNG", "StickerOps",
           "check_sticker_fields", "sticker_format"]
