"""Guilds: the guild, its channels, members, member roles, bans and roles.

Besides permissions, the role hierarchy applies as Discord applies it: the bot can only
manage roles below its highest role, and members whose highest role is below its own
(never the owner).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ..model import ChannelType, DiscordError, DiscordModel, Guild, Overwrite, form_error
from ..model.base import missing_access, missing_permissions
from ..permissions import Permission as P
from .app import RestApp, read_json, snowflake_arg


class GuildRoutes:
    def __init__(self, app: RestApp, model: DiscordModel) -> None:
        self.model = model
        g = "/guilds/{guild_id}"
        mem = g + "/members/{user_id}"
        for method, template, handler in (
            ("GET", g, self.get_guild),
            ("PATCH", g, self.modify_guild),
            ("GET", g + "/channels", self.list_channels),
            ("POST", g + "/channels", self.create_channel),
            ("PATCH", g + "/channels", self.channel_positions),
            ("GET", g + "/members", self.list_members),
            ("GET", g + "/members/search", self.search_members),
            ("PATCH", g + "/members/@me", self.modify_me),
            ("GET", mem, self.get_member),
            ("PATCH", mem, self.modify_member),
            ("DELETE", mem, self.kick),
            ("PUT", mem + "/roles/{role_id}", self.add_role),
            ("DELETE", mem + "/roles/{role_id}", self.remove_role),
            ("GET", g + "/bans", self.list_bans),
            ("GET", g + "/bans/{user_id}", self.get_ban),
            ("PUT", g + "/bans/{user_id}", self.ban),
            ("DELETE", g + "/bans/{user_id}", self.unban),
            ("GET", g + "/roles", self.list_roles),
            ("POST", g + "/roles", self.create_role),
            ("PATCH", g + "/roles", self.role_positions),
            ("GET", g + "/roles/{role_id}", self.get_role),
            ("PATCH", g + "/roles/{role_id}", self.modify_role),
            ("DELETE", g + "/roles/{role_id}", self.delete_role),
        ):
            app.add(method, template, handler)

    @property
    def me(self) -> int:
        return self.model.bot.id

    def _guild(self, request: web.Request, *needed: P) -> Guild:
        guild = self.model.guild(snowflake_arg(request, "guild_id"))
        if self.me not in guild.members:
            raise missing_access()
        self.model.require_guild(guild, self.me, *needed)
        return guild

    # -- the guild and its channels --------------------------------------------------------

    async def get_guild(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        return guild.to_json(member_count=request.query.get("with_counts") == "true")

    async def modify_guild(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request, P.MANAGE_GUILD)
        return self.model.modify_guild(guild, await read_json(request)).to_json()

    async def list_channels(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        return [self.model.channel_json(self.model.channels[c]) for c in guild.channels]

    async def create_channel(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request, P.MANAGE_CHANNELS)
        body = await read_json(request)
        name = body.get("name")
        if not isinstance(name, str):
            raise form_error("name", "BASE_TYPE_REQUIRED", "This field is required")
        try:
            kind = ChannelType(int(body.get("type") or 0))
        except ValueError:
            raise form_error("type", "BASE_TYPE_CHOICES",
                             "Value must be one of the channel types.") from None
        overwrites = []
        for o in body.get("permission_overwrites") or []:
            overwrites.append(Overwrite(int(o["id"]), int(o.get("type", 0)),
                                        int(o.get("allow") or 0), int(o.get("deny") or 0)))
        if overwrites:
            self.model.require_guild(guild, self.me, P.MANAGE_ROLES)
        channel = self.model.create_channel(
            guild, name, kind, parent_id=int(body["parent_id"]) if body.get("parent_id")
            else None, topic=body.get("topic"), position=body.get("position"),
            overwrites=overwrites, nsfw=bool(body.get("nsfw")),
            bitrate=int(body.get("bitrate") or 64000),
            user_limit=int(body.get("user_limit") or 0))
        return self.model.channel_json(channel)

    async def channel_positions(self, request: web.Request) -> None:
        guild = self._guild(request, P.MANAGE_CHANNELS)
        raw = await _read_json_list(request)
        for entry in raw if isinstance(raw, list) else []:
            channel = self.model.channel(int(entry["id"]))
            if channel.guild_id != guild.id:
                raise DiscordError(404, 10003, "Unknown Channel")
            self.model.modify_channel(channel, {k: v for k, v in entry.items()
                                                if k in ("position", "parent_id")})

    # -- members --------------------------------------------------------------------------

    async def get_member(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        return self.model.member_json(guild, snowflake_arg(request, "user_id"))

    async def list_members(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        if not self.model.application.flags & ((1 << 14) | (1 << 15)):
            raise missing_access()  # needs the GUILD_MEMBERS intent enabled on the app
        limit = max(1, min(1000, int(request.query.get("limit", "1") or 1)))
        after = int(request.query.get("after", "0") or 0)
        ids = sorted(u for u in guild.members if u > after)[:limit]
        return [self.model.member_json(guild, u) for u in ids]

    async def search_members(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        query = request.query.get("query", "").lower()
        limit = max(1, min(1000, int(request.query.get("limit", "1") or 1)))
        found = []
        for user_id, member in guild.members.items():
            user = self.model.users[user_id]
            names = [user.username, user.global_name or "", member.nick or ""]
            if any(n.lower().startswith(query) for n in names if n):
                found.append(self.model.member_json(guild, user_id))
        return found[:limit]

    async def modify_me(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request, P.CHANGE_NICKNAME)
        body = await read_json(request)
        member = self.model.member(guild, self.me)
        return self.model.update_member(guild, member, {"nick": body.get("nick")}).to_json(
            self.model.bot)

    async def modify_member(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        user_id = snowflake_arg(request, "user_id")
        member = self.model.member(guild, user_id)
        body = await read_json(request)
        if "nick" in body:
            self.model.require_guild(guild, self.me, P.MANAGE_NICKNAMES if user_id != self.me
                                     else P.CHANGE_NICKNAME)
            if user_id != self.me:
                self.model.require_outranks(guild, self.me, user_id)
        if "roles" in body:
            self.model.require_guild(guild, self.me, P.MANAGE_ROLES)
            changed = set(int(r) for r in body["roles"] or []) ^ set(member.roles)
            for role_id in changed:
                self.model.require_role_manageable(guild, self.me, role_id)
        if "communication_disabled_until" in body:
            self.model.require_guild(guild, self.me, P.MODERATE_MEMBERS)
            self.model.require_outranks(guild, self.me, user_id)
            if P.ADMINISTRATOR & self.model.guild_permissions(guild, user_id):
                raise missing_permissions()
        if "mute" in body:
            self.model.require_guild(guild, self.me, P.MUTE_MEMBERS)
        if "deaf" in body:
            self.model.require_guild(guild, self.me, P.DEAFEN_MEMBERS)
        if "channel_id" in body:
            self.model.require_guild(guild, self.me, P.MOVE_MEMBERS)
            if user_id not in guild.voice_states and body["channel_id"] is not None:
                raise DiscordError(400, 40032, "Target user is not connected to voice.")
        updated = self.model.update_member(guild, member, body)
        return updated.to_json(self.model.users[user_id])

    async def kick(self, request: web.Request) -> None:
        guild = self._guild(request, P.KICK_MEMBERS)
        user_id = snowflake_arg(request, "user_id")
        self.model.member(guild, user_id)
        self.model.require_outranks(guild, self.me, user_id)
        self.model.remove_member(guild, user_id)

    async def add_role(self, request: web.Request) -> None:
        guild = self._guild(request, P.MANAGE_ROLES)
        role_id = snowflake_arg(request, "role_id")
        self.model.require_role_manageable(guild, self.me, role_id)
        member = self.model.member(guild, snowflake_arg(request, "user_id"))
        self.model.add_member_role(guild, member, role_id)

    async def remove_role(self, request: web.Request) -> None:
        guild = self._guild(request, P.MANAGE_ROLES)
        role_id = snowflake_arg(request, "role_id")
        self.model.require_role_manageable(guild, self.me, role_id)
        member = self.model.member(guild, snowflake_arg(request, "user_id"))
        self.model.remove_member_role(guild, member, role_id)

    # -- bans -----------------------------------------------------------------------------

    async def list_bans(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request, P.BAN_MEMBERS)
        return [{"reason": reason, "user": self.model.users[u].to_json()}
                for u, reason in guild.bans.items()]

    async def get_ban(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request, P.BAN_MEMBERS)
        user_id = snowflake_arg(request, "user_id")
        if user_id not in guild.bans:
            raise DiscordError(404, 10026, "Unknown Ban")
        return {"reason": guild.bans[user_id], "user": self.model.users[user_id].to_json()}

    async def ban(self, request: web.Request) -> None:
        guild = self._guild(request, P.BAN_MEMBERS)
        user_id = snowflake_arg(request, "user_id")
        if user_id in guild.members:
            self.model.require_outranks(guild, self.me, user_id)
        body = await read_json(request)
        reason = request.headers.get("X-Audit-Log-Reason") or body.get("reason")
        self.model.ban(guild, user_id, reason)

    async def unban(self, request: web.Request) -> None:
        guild = self._guild(request, P.BAN_MEMBERS)
        self.model.unban(guild, snowflake_arg(request, "user_id"))

    # -- roles ----------------------------------------------------------------------------

    async def list_roles(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        return [r.to_json() for r in sorted(guild.roles.values(), key=lambda r: r.position)]

    async def get_role(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        return self.model.role(guild, snowflake_arg(request, "role_id")).to_json()

    async def create_role(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request, P.MANAGE_ROLES)
        body = await read_json(request)
        permissions = body.get("permissions")
        if permissions is not None and not self.model.guild_permissions(guild, self.me) \
                & P.ADMINISTRATOR and int(permissions) & ~int(
                    self.model.guild_permissions(guild, self.me)):
            raise missing_permissions()  # cannot grant what it does not have
        role = self.model.create_role(guild, body.get("name") or "new role",
                                      int(permissions) if permissions is not None else None,
                                      color=int(body.get("color") or (
                                          body.get("colors") or {}).get("primary_color")
                                          or 0),
                                      hoist=bool(body.get("hoist")),
                                      mentionable=bool(body.get("mentionable")),
                                      position=1)  # Discord adds roles at the bottom
        return role.to_json()

    async def modify_role(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request, P.MANAGE_ROLES)
        role_id = snowflake_arg(request, "role_id")
        self.model.require_role_manageable(guild, self.me, role_id)
        role = self.model.role(guild, role_id)
        body = await read_json(request)
        granted = self.model.guild_permissions(guild, self.me)
        if body.get("permissions") is not None and not granted & P.ADMINISTRATOR and (
                int(body["permissions"]) & ~role.permissions & ~int(granted)):
            raise missing_permissions()  # cannot grant what it does not have
        return self.model.modify_role(guild, role, body).to_json()

    async def delete_role(self, request: web.Request) -> None:
        guild = self._guild(request, P.MANAGE_ROLES)
        role_id = snowflake_arg(request, "role_id")
        self.model.require_role_manageable(guild, self.me, role_id)
        self.model.delete_role(guild, self.model.role(guild, role_id))

    async def role_positions(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request, P.MANAGE_ROLES)
        raw = await _read_json_list(request)
        moves = [(int(e["id"]), int(e["position"])) for e in raw if e.get("position")
                 is not None] if isinstance(raw, list) else []
        top = self.model.top_role_position(guild, self.me)
        for role_id, position in moves:
            self.model.require_role_manageable(guild, self.me, role_id)
            if position >= top:
                raise missing_permissions()  # nor lift a role to or above its own
        return [r.to_json() for r in self.model.move_roles(guild, moves)]


async def _read_json_list(request: web.Request) -> Any:
    """A JSON body (the position routes take arrays), or Discord's 50109."""
    try:
        return json.loads(await request.read() or b"[]")
    except ValueError:
        raise DiscordError(400, 50109, "The request body contains invalid JSON.") from None


__all__ = ["GuildRoutes"]
