"""Building the world a bot lives in: users, guilds, channels, overwrites, roles, members."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..cdn import PLACEHOLDER
from ..coerce import (
    UNSET,
    BackendError,
    id_of,
    maybe_id,
    permissions_of,
    user_id_of,
)
from ..model import (
    Channel,
    ChannelType,
    Emoji,
    Guild,
    Member,
    Role,
    Sticker,
    User,
)
from .base import BackendBase


class WorldBuilding(BackendBase):
    # -- users and guilds ---------------------------------------------------------------

    async def make_user(self, username: str, *, bot: bool = False,
                        global_name: str | None = None, user_id: int | None = None) -> User:
        """A Discord user (not in any guild yet); ``user_id``: its id, chosen."""

        def build() -> User:
            self._claim(user_id, "user")
            return self.model.add_user(username, bot=bot, global_name=global_name,
                                       user_id=user_id)

        return await self._run(build)

    async def make_guild(
        self, name: str = "Test Guild", owner: Any = None, *, owner_id: int | None = None,
        members: Iterable[Any] | int = (), member_count: int | None = None,
        roles: Iterable[Any] = (), channels: Iterable[Any] = (), guild_id: int | None = None,
    ) -> Guild:
        """A guild the bot is in (it joins last, so its GUILD_CREATE carries everything).

        ``owner``/``owner_id``: a user, member, name (a new user) or id; by default the
        application's owner (pass the bot's id to make the bot the owner). ``members``:
        users, names (new users) or a count of new users; ``member_count``: fill with new
        users until the guild has that many members, the bot included. ``roles``: names or
        ``{"name", "permissions", ...}``; ``channels``: text channel names or
        ``{"name", "type": "text"|"voice"|"category"}``."""

        def build() -> Guild:
            model = self.model
            if owner is not None:
                owner_user = (model.add_user(owner) if isinstance(owner, str)
                              and not owner.isdigit() else self._user(owner))
                owner_key = owner_user.id
            else:
                owner_key = owner_id if owner_id is not None else model.application.owner.id
            self._claim(guild_id, "guild")
            guild = model.create_guild(name, owner_key, guild_id=guild_id)
            for role in roles:
                spec = role if isinstance(role, dict) else {"name": str(role)}
                model.create_role(guild, spec.get("name", "new role"),
                                  permissions_of(spec["permissions"])
                                  if spec.get("permissions") is not None else None,
                                  color=int(spec.get("color", 0)),
                                  hoist=bool(spec.get("hoist", False)),
                                  mentionable=bool(spec.get("mentionable", False)))
            kinds = {"text": ChannelType.GUILD_TEXT, "voice": ChannelType.GUILD_VOICE,
                     "category": ChannelType.GUILD_CATEGORY}
            for channel in channels:
                spec = channel if isinstance(channel, dict) else {"name": str(channel)}
                kind = spec.get("type", "text")
                model.create_channel(guild, spec["name"],
                                     kinds[kind] if isinstance(kind, str)
                                     else ChannelType(kind))
            fresh = members if isinstance(members, int) else 0
            for member in ([] if isinstance(members, int) else members):
                user = (model.add_user(member) if isinstance(member, str)
                        and not member.isdigit() else self._user(member))
                model.add_member(guild, user.id)
            bot_joins = 0 if model.bot.id in guild.members else 1
            if member_count is not None:
                fresh = max(fresh, member_count - len(guild.members) - bot_joins)
            base = len(guild.members)
            for index in range(fresh):
                user = model.add_user(f"member-{base + index}")
                model.add_member(guild, user.id)
            if bot_joins:
                model.add_member(guild, model.bot.id)
            return guild

        return await self._run(build)

    async def update_guild(self, guild: Any, **changes: Any) -> Guild:
        """``name=``, ``description=``, ``system_channel_id=``... (GUILD_UPDATE)."""
        return await self._run(lambda: self.model.modify_guild(self._guild(guild), changes))

    async def cleanup_guild(self, guild: Any) -> None:
        """Delete the guild (the bot gets GUILD_DELETE)."""
        await self._run(lambda: self.model.delete_guild(self._guild(guild)))

    # -- channels -----------------------------------------------------------------------

    async def _make_channel(self, name: str, guild: Any, kind: ChannelType, category: Any,
                            **options: Any) -> Channel:
        def build() -> Channel:
            parent = None
            if category is not None:
                parent = self._channel(category).id
            target = self._guild(guild) if guild is not None else (
                self._guild(self._channel(category).guild_id) if category is not None
                else None)
            if target is None:
                raise BackendError(f"which guild should #{name} be in? pass guild=")
            self._claim(options.get("channel_id"), "channel")
            return self.model.create_channel(target, name, kind, parent_id=parent, **options)

        return await self._run(build)

    async def make_text_channel(self, name: str, guild: Any = None, category: Any = None, *,
                                topic: str | None = None, position: int | None = None,
                                nsfw: bool = False, normalise_name: bool = True,
                                channel_id: int | None = None) -> Channel:
        """A text channel (CHANNEL_CREATE); ``guild`` may be left out given a category.
        Its name is lowercased as Discord does, unless ``normalise_name=False`` (a world
        built as another tool builds it: dpytest keeps names as given). ``channel_id``:
        its id, chosen (a bot with hard-coded channel ids), as for every ``make_*``."""
        return await self._make_channel(name, guild, ChannelType.GUILD_TEXT, category,
                                        topic=topic, position=position, nsfw=nsfw,
                                        normalise_name=normalise_name, channel_id=channel_id)

    async def make_voice_channel(self, name: str, guild: Any = None, category: Any = None,
                                 *, bitrate: int = 64000, user_limit: int = 0,
                                 position: int | None = None,
                                 channel_id: int | None = None) -> Channel:
        return await self._make_channel(name, guild, ChannelType.GUILD_VOICE, category,
                                        bitrate=bitrate, user_limit=user_limit,
                                        position=position, channel_id=channel_id)

    async def make_category(self, name: str, guild: Any, *,
                            position: int | None = None,
                            channel_id: int | None = None) -> Channel:
        return await self._make_channel(name, guild, ChannelType.GUILD_CATEGORY, None,
                                        position=position, channel_id=channel_id)

    make_category_channel = make_category

    async def update_channel(self, channel: Any, **changes: Any) -> Channel:
        """``name=``, ``topic=``, ``parent_id=``... (CHANNEL_UPDATE)."""
        return await self._run(lambda: self.model.modify_channel(self._channel(channel),
                                                                 changes))

    async def delete_channel(self, channel: Any) -> None:
        await self._run(lambda: self.model.delete_channel(self._channel(channel)))

    async def set_channel_permission_overrides(self, channel: Any, target: Any,
                                               allow: Any = None, deny: Any = None) -> None:
        """The overwrite for a role or member in ``channel`` (CHANNEL_UPDATE); with neither
        ``allow`` nor ``deny``, the overwrite goes."""

        def apply() -> None:
            where = self._channel(channel)
            if where.guild_id is None:
                raise BackendError("permission overwrites are for guild channels")
            guild = self.model.guilds[where.guild_id]
            if isinstance(target, Role) or (not isinstance(target, Member | User) and (
                    maybe_id(target) in guild.roles)):
                target_id, kind = (target.id if isinstance(target, Role)
                                   else id_of(target, "role")), 0
            else:
                target_id, kind = user_id_of(target), 1
            if allow is None and deny is None:
                self.model.delete_overwrite(where, target_id)
                return
            self.model.set_overwrite(where, target_id, kind, permissions_of(allow),
                                     permissions_of(deny))

        await self._run(apply)

    set_permission_overrides = set_channel_permission_overrides

    # -- roles --------------------------------------------------------------------------

    async def make_role(self, name: str, guild: Any, permissions: Any = None, *,
                        color: int = 0, hoist: bool = False,
                        mentionable: bool = False, role_id: int | None = None) -> Role:
        """A role (GUILD_ROLE_CREATE); ``permissions``: int, discord.Permissions or flag
        names; by default @everyone's. ``role_id``: its id, chosen."""
        perms = None if permissions is None else permissions_of(permissions)

        def build() -> Role:
            where = self._guild(guild)
            self._claim(role_id, "role")
            return self.model.create_role(where, name, perms, color=color, hoist=hoist,
                                          mentionable=mentionable, role_id=role_id)

        return await self._run(build)

    async def update_role(self, role: Any, guild: Any = None, **changes: Any) -> Role:
        """``name=``, ``permissions=``, ``color=``... (GUILD_ROLE_UPDATE)."""
        if "permissions" in changes and changes["permissions"] is not None:
            changes["permissions"] = permissions_of(changes["permissions"])

        def apply() -> Role:
            where = self._guild_of(role, guild)
            return self.model.modify_role(where, self._role(role, where), changes)

        return await self._run(apply)

    async def delete_role(self, role: Any, guild: Any = None) -> None:
        def apply() -> None:
            where = self._guild_of(role, guild)
            self.model.delete_role(where, self._role(role, where))

        await self._run(apply)

    # -- emojis -------------------------------------------------------------------------

    async def make_emoji(self, name: str, guild: Any = None, *, image: bytes | None = None,
                         content_type: str | None = None, roles: Iterable[Any] = (),
                         creator: Any = None, emoji_id: int | None = None) -> Emoji:
        """A custom emoji in ``guild`` (GUILD_EMOJIS_UPDATE), or the application's own
        without a guild. ``image``: its bytes (by default a 1x1 PNG; a GIF makes it
        animated), served by the twin's CDN; ``creator``: who made it (the guild's
        owner by default)."""
        data = image if image is not None else PLACEHOLDER
        kind = content_type or ("image/gif" if data.startswith(b"GIF8") else "image/png")

        def build() -> Emoji:
            self._claim(emoji_id, "emoji")
            if guild is None:
                return self.model.create_app_emoji(name, data, kind, emoji_id=emoji_id)
            where = self._guild(guild)
            maker = (self._user(creator).id if creator is not None
                     else where.owner_id if where.owner_id in self.model.users
                     else self.model.bot.id)
            return self.model.create_emoji(
                where, maker, name, data, kind, [self._role(r, where).id for r in roles],
                emoji_id=emoji_id, check=False)

        return await self._run(build)

    async def make_sticker(self, name: str, guild: Any, *, image: bytes | None = None,
                           description: str | None = None, tags: str = "smile",
                           creator: Any = None, sticker_id: int | None = None) -> Sticker:
        """A guild sticker (GUILD_STICKERS_UPDATE); ``image``: a PNG, APNG or GIF (by
        default a 1x1 PNG), served by the twin's CDN."""

        def build() -> Sticker:
            self._claim(sticker_id, "sticker")
            where = self._guild(guild)
            maker = (self._user(creator).id if creator is not None
                     else where.owner_id if where.owner_id in self.model.users
                     else self.model.bot.id)
            return self.model.create_sticker(
                where, maker, name, description, tags,
                image if image is not None else PLACEHOLDER, sticker_id=sticker_id,
                check=False)

        return await self._run(build)

    # -- members ------------------------------------------------------------------------

    async def make_member(self, user: Any = None, guild: Any = None, *,
                          name: str | None = None, roles: Iterable[Any] = (),
                          nick: str | None = None) -> Member:
        """``user`` (a user, member, id, or a name: a new user; or ``name=``) joins
        ``guild`` (GUILD_MEMBER_ADD)."""
        wanted = list(roles)
        if user is None:
            user = name
        if user is None or guild is None:
            raise BackendError("make_member needs a user (or name=) and a guild")

        def build() -> Member:
            where = self._guild(guild)
            joining = (self.model.add_user(user) if isinstance(user, str)
                       and not user.isdigit() else self._user(user))
            role_ids = [self._role(r, where).id for r in wanted]
            member: Member = self.model.add_member(where, joining.id, roles=role_ids,
                                                   nick=nick)
            return member

        return await self._run(build)

    member_join = make_member

    def _member(self, member: Any, guild: Any) -> tuple[Guild, Member]:
        where = self._guild_of(member, guild)
        found: Member = self.model.member(where, user_id_of(member))
        return where, found

    async def update_member(self, member: Any, guild: Any = None, *, nick: Any = UNSET,
                            roles: Any = UNSET, **changes: Any) -> Member:
        """Change ``nick``, ``roles`` (the full list) or ``mute``/``deaf``...
        (GUILD_MEMBER_UPDATE)."""

        def apply() -> Member:
            where, found = self._member(member, guild)
            wanted = dict(changes)
            if nick is not UNSET:
                wanted["nick"] = nick
            if roles is not UNSET:
                wanted["roles"] = [self._role(r, where).id for r in roles or []]
            updated: Member = self.model.update_member(where, found, wanted)
            return updated

        return await self._run(apply)

    async def add_role(self, member: Any, role: Any, guild: Any = None) -> Member:
        def apply() -> Member:
            where, found = self._member(member, guild)
            self.model.add_member_role(where, found, self._role(role, where).id)
            return found

        return await self._run(apply)

    async def remove_role(self, member: Any, role: Any, guild: Any = None) -> Member:
        def apply() -> Member:
            where, found = self._member(member, guild)
            self.model.remove_member_role(where, found, self._role(role, where).id)
            return found

        return await self._run(apply)

    async def remove_member(self, member: Any, guild: Any = None) -> None:
        """The member leaves (GUILD_MEMBER_REMOVE)."""

        def apply() -> None:
            where, found = self._member(member, guild)
            self.model.remove_member(where, found.user_id)

        await self._run(apply)

    member_leave = remove_member
    delete_member = remove_member

    async def change_voice_state(self, member: Any, channel: Any,
                                 guild: Any = None) -> None:
        """The member joins or moves to voice ``channel`` (None: leaves voice)
        (VOICE_STATE_UPDATE)."""

        def apply() -> None:
            if guild is None and channel is not None and not isinstance(member, Member) \
                    and getattr(member, "guild", None) is None:
                where = self._guild(self._channel(channel).guild_id)  # a user id or User
            else:
                where = self._guild_of(member, guild)
            self.model.set_voice(where, user_id_of(member),
                                 None if channel is None else self._channel(channel).id)

        await self._run(apply)
