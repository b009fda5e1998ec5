"""Guilds, channels, roles and permission overwrites."""

from __future__ import annotations

from typing import Any

from ..errors import DM_CHANNEL, INVALID_ROLE, UNKNOWN_MEMBER, UNKNOWN_ROLE
from ..permissions import DEFAULT_EVERYONE, Permission
from ..wire.changes import read_channel, read_guild, read_role
from ..wire.serialize import guild_create_json
from . import rules
from .base import ModelBase, form_error, missing_permissions
from .entities import (
    NO_OWNER,
    Channel,
    ChannelType,
    Guild,
    GuildRules,
    Member,
    Overwrite,
    Role,
    User,
)
from .scheduled_events import events_json


class GuildOps(ModelBase):
    # -- users ------------------------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False, user_id: int | None = None,
                 global_name: str | None = None) -> User:
        user = User(user_id if user_id is not None else self.ids.next(), username,
                    global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    # -- guilds -----------------------------------------------------------------------

    def create_guild(self, name: str, owner_id: int, *, guild_id: int | None = None,
                     rules: GuildRules = GuildRules.DISCORD) -> Guild:
        """A guild with @everyone and its owner as its first member. Two construction
        options build what Discord never has, for a world made as dpytest makes it:
        ``owner_id=NO_OWNER`` (nobody owns it, no owner member) and ``rules`` (which rules
        bind the bot there, :class:`~.entities.GuildRules`)."""
        if owner_id != NO_OWNER:
            self.user(owner_id)
        guild_id = guild_id if guild_id is not None else self.ids.next()
        guild = Guild(guild_id, name, owner_id, self.now_ms, rules=rules)
        guild.roles[guild_id] = Role(guild_id, guild_id, "@everyone", int(DEFAULT_EVERYONE))
        if owner_id != NO_OWNER:
            guild.members[owner_id] = Member(owner_id, guild_id, self.now_ms)
        self.guilds[guild_id] = guild
        if owner_id == self.bot.id:
            self.effects.guild_joined(guild_id)
        return guild

    def guild_create_json(self, guild: Guild, *, with_members: bool) -> dict[str, Any]:
        """GUILD_CREATE's data: the guild, its channels, roles, voice states, and members
        (all of them when the session may have them, else the bot and voice members; a
        dpytest world's lists them all, in the order they joined:
        :class:`~.entities.GuildRules`)."""
        with_members = with_members or guild.rules is GuildRules.DPYTEST
        member_ids = list(guild.members) if with_members else [
            uid for uid in guild.members
            if uid == self.bot.id or uid in guild.voice_states]
        return guild_create_json(
            guild, joined_at=self._joined_at(guild),
            voice_states=[self.voice_state_json(guild, uid) for uid in guild.voice_states],
            members=[self.member_json(guild, uid) for uid in member_ids],
            channels=[self.channel_json(self.channels[c]) for c in guild.channels],
            threads=[self.thread_json(t, self.bot.id)
                     for t in self.threads(guild.id, archived=False)],
            scheduled_events=events_json(self, guild, self.bot.id))

    def _joined_at(self, guild: Guild) -> str:
        member = guild.members.get(self.bot.id)
        return member.to_json(self.bot)["joined_at"] if member else ""

    def modify_guild(self, guild: Guild, changes: dict[str, Any]) -> Guild:
        """Rename the guild, set its description or system/AFK channel (GUILD_UPDATE);
        ``changes`` as a client sends them (:func:`~..changes.read_guild`)."""
        changes = read_guild(changes)
        for key in ("name", "description", "system_channel_id", "afk_channel_id"):
            if key in changes:
                setattr(guild, key, changes[key])
        self.effects.dispatch("GUILD_UPDATE", guild.to_json(), guild_id=guild.id)
        return guild

    def delete_guild(self, guild: Guild) -> None:
        del self.guilds[guild.id]
        for channel_id in guild.channels:
            self.channels.pop(channel_id, None)
            self.messages.pop(channel_id, None)
        self.effects.dispatch("GUILD_DELETE", {"id": str(guild.id), "unavailable": False},
                              guild_id=guild.id)

    # -- channels ---------------------------------------------------------------------

    def create_channel(self, guild: Guild, name: str, kind: ChannelType = ChannelType.GUILD_TEXT,
                       *, parent_id: int | None = None, topic: str | None = None,
                       position: int | None = None, overwrites: list[Overwrite] | None = None,
                       channel_id: int | None = None, nsfw: bool = False,
                       bitrate: int = 64000, user_limit: int = 0,
                       normalise_name: bool = True) -> Channel:
        """A guild channel (CHANNEL_CREATE), at the end of the guild's list or at
        ``position``. A text or announcement channel's name is lowercased with dashes for
        spaces, as Discord does; ``normalise_name=False`` keeps it as given, state only a
        world is built with (dpytest's "TextChannel_0"): REST always normalises."""
        if not name or len(name) > 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH",
                             "Must be between 1 and 100 in length.")
        if parent_id is not None:
            parent = self.channels.get(parent_id)
            if parent is None or parent.type != ChannelType.GUILD_CATEGORY \
                    or parent.guild_id != guild.id:
                raise form_error("parent_id", "CHANNEL_PARENT_INVALID",
                                 "Category does not exist")
        if normalise_name and kind in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            name = name.lower().replace(" ", "-")
        channel = Channel(
            channel_id if channel_id is not None else self.ids.next(), kind, name, guild.id,
            position if position is not None else len(guild.channels), parent_id, topic,
            nsfw, {o.id: o for o in overwrites or []}, bitrate=bitrate,
            user_limit=user_limit)
        self.channels[channel.id] = channel
        guild.channels.append(channel.id)
        self.messages[channel.id] = {}
        self.effects.dispatch("CHANNEL_CREATE", self.channel_json(channel), guild_id=guild.id)
        return channel

    def modify_channel(self, channel: Channel, changes: dict[str, Any]) -> Channel:
        """Change a guild channel's settings (CHANNEL_UPDATE); ``changes`` as a client
        sends them (:func:`~..changes.read_channel`)."""
        if channel.is_dm:
            raise DM_CHANNEL()
        changes = read_channel(changes, kind=int(channel.type))
        for key in ("name", "topic", "nsfw", "position", "rate_limit_per_user", "bitrate",
                    "user_limit", "parent_id"):
            if key in changes:
                setattr(channel, key, changes[key])
        if "permission_overwrites" in changes:
            channel.overwrites = {target: Overwrite(target, kind, allow, deny)
                                  for target, kind, allow, deny
                                  in changes["permission_overwrites"]}
        self.effects.dispatch("CHANNEL_UPDATE", self.channel_json(channel),
                              guild_id=channel.guild_id)
        return channel

    def delete_channel(self, channel: Channel) -> Channel:
        if channel.guild_id is not None:
            guild = self.guilds[channel.guild_id]
            guild.channels.remove(channel.id)
            for child in list(guild.channels):
                if self.channels[child].parent_id == channel.id:
                    self.channels[child].parent_id = None
        del self.channels[channel.id]
        self.messages.pop(channel.id, None)
        self.effects.dispatch("CHANNEL_DELETE", self.channel_json(channel),
                              guild_id=channel.guild_id)
        if channel.guild_id is not None:
            self.end_call(self.guilds[channel.guild_id], channel.id)
        return channel

    def set_overwrite(self, channel: Channel, target_id: int, kind: int, allow: int,
                      deny: int) -> None:
        if channel.guild_id is None:
            raise DM_CHANNEL()
        guild = self.guilds[channel.guild_id]
        if kind == 0 and target_id not in guild.roles:
            raise UNKNOWN_ROLE()
        if kind == 1 and target_id not in guild.members:
            raise UNKNOWN_MEMBER()
        channel.overwrites[target_id] = Overwrite(target_id, kind, allow, deny)
        self.effects.dispatch("CHANNEL_UPDATE", self.channel_json(channel), guild_id=guild.id)

    def delete_overwrite(self, channel: Channel, target_id: int) -> None:
        if channel.overwrites.pop(target_id, None) is not None:
            self.effects.dispatch("CHANNEL_UPDATE", self.channel_json(channel),
                                  guild_id=channel.guild_id)

    # -- roles ------------------------------------------------------------------------

    def create_role(self, guild: Guild, name: str = "new role", permissions: int | None = None,
                    *, color: int = 0, hoist: bool = False, mentionable: bool = False,
                    role_id: int | None = None, position: int | None = None) -> Role:
        """A new role: on top of the others, or at ``position`` (Discord's REST creates
        roles at 1, just above @everyone), lifting the roles from there up by one."""
        shifted = []
        if position is None:
            position = max((r.position for r in guild.roles.values()), default=0) + 1
        else:
            shifted = [r for r in guild.roles.values() if r.id != guild.id
                       and r.position >= position]
            for other in shifted:
                other.position += 1
        role = Role(role_id if role_id is not None else self.ids.next(), guild.id, name,
                    int(guild.everyone.permissions if permissions is None else permissions),
                    position, color, hoist, mentionable)
        guild.roles[role.id] = role
        for other in shifted:
            self.effects.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id),
                                                        "role": other.to_json()},
                                  guild_id=guild.id)
        self.effects.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id),
                                                    "role": role.to_json()},
                              guild_id=guild.id)
        return role

    def require_outranks(self, guild: Guild, actor: int, target: int) -> None:
        """The role hierarchy: ``actor`` may act on ``target`` (kick, ban, nickname,
        timeout) only if its highest role is above theirs; nobody acts on the owner."""
        if target == guild.owner_id or (
                target != actor
                and self.top_role_position(guild, actor) <= self.top_role_position(
                    guild, target)):
            raise missing_permissions()

    def require_may_grant(self, guild: Guild, actor: int, permissions: int | None,
                          had: int) -> None:
        """``actor`` cannot give a role permissions it does not have itself (beyond what
        the role ``had``), unless it is an administrator (or the bot of a dpytest world,
        :class:`~.entities.GuildRules`)."""
        granted = self.guild_permissions(guild, actor)
        if permissions is None or granted & Permission.ADMINISTRATOR \
                or rules.unbound(guild, actor, self.bot.id):
            return
        if permissions & ~had & ~int(granted):
            raise missing_permissions()

    def require_role_manageable(self, guild: Guild, actor: int, role_id: int) -> None:
        """``actor`` may edit, grant or take ``role_id`` only if it sits below the actor's
        highest role and no integration manages it."""
        role = self.role(guild, role_id)
        if role.position >= self.top_role_position(guild, actor) or role.managed:
            raise missing_permissions()

    def role(self, guild: Guild, role_id: int) -> Role:
        found = guild.roles.get(role_id)
        if found is None:
            raise UNKNOWN_ROLE()
        return found

    def modify_role(self, guild: Guild, role: Role, changes: dict[str, Any]) -> Role:
        """Change a role's name, permissions, colour, hoist or mentionable
        (GUILD_ROLE_UPDATE); ``changes`` as a client sends them
        (:func:`~..changes.read_role`)."""
        changes = read_role(changes)
        for key in ("name", "color", "hoist", "mentionable", "permissions"):
            if key in changes:
                setattr(role, key, changes[key])
        self.effects.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id),
                                                    "role": role.to_json()},
                              guild_id=guild.id)
        return role

    def delete_role(self, guild: Guild, role: Role) -> None:
        if role.id == guild.id:
            raise INVALID_ROLE()
        del guild.roles[role.id]
        for member in guild.members.values():
            if role.id in member.roles:
                member.roles.remove(role.id)
        for channel_id in guild.channels:
            self.channels[channel_id].overwrites.pop(role.id, None)
        self.effects.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(guild.id),
                                                    "role_id": str(role.id)},
                              guild_id=guild.id)

    def move_roles(self, guild: Guild, positions: list[tuple[int, int]]) -> list[Role]:
        for role_id, position in positions:
            self.role(guild, role_id).position = position
        for role_id, _ in positions:
            self.effects.dispatch("GUILD_ROLE_UPDATE", {
                "guild_id": str(guild.id), "role": guild.roles[role_id].to_json()},
                guild_id=guild.id)
        return sorted(guild.roles.values(), key=lambda r: r.position)


__all__ = ["GuildOps"]
