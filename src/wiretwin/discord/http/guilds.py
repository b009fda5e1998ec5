"""Guilds: the guild, its channels, members, member roles, bans and roles.

Besides permissions, the role hierarchy applies as Discord applies it: the bot can only
manage roles below its highest role, and members whose highest role is below its own
(never the owner).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aiohttp import web

from ..errors import UNKNOWN_BAN, UNKNOWN_CHANNEL, Problems
from ..model import ChannelType, DiscordModel, Guild, Overwrite
from ..model.base import missing_access, missing_permissions
from ..permissions import Permission as P
from ..wire.changes import read_channel, read_member, read_role
from ..wire.fields import NULL_ITEM, Form
from ..wire.params import query, query_flag, read_json, read_json_list, snowflake_arg
from .app import RestApp, Routes


def _routes() -> Routes:
    g = "/guilds/{guild_id}"
    mem = g + "/members/{user_id}"
    return (
        ("GET", g, "get_guild"),
        ("PATCH", g, "modify_guild"),
        ("GET", g + "/channels", "list_channels"),
        ("POST", g + "/channels", "create_channel"),
        ("PATCH", g + "/channels", "channel_positions"),
        ("GET", g + "/members", "list_members"),
        ("GET", g + "/members/search", "search_members"),
        ("PATCH", g + "/members/@me", "modify_me"),
        ("GET", mem, "get_member"),
        ("PATCH", mem, "modify_member"),
        ("DELETE", mem, "kick"),
        ("PUT", mem + "/roles/{role_id}", "add_role"),
        ("DELETE", mem + "/roles/{role_id}", "remove_role"),
        ("GET", g + "/bans", "list_bans"),
        ("GET", g + "/bans/{user_id}", "get_ban"),
        ("PUT", g + "/bans/{user_id}", "ban"),
        ("DELETE", g + "/bans/{user_id}", "unban"),
        ("GET", g + "/roles", "list_roles"),
        ("POST", g + "/roles", "create_role"),
        ("PATCH", g + "/roles", "role_positions"),
        ("GET", g + "/roles/{role_id}", "get_role"),
        ("PATCH", g + "/roles/{role_id}", "modify_role"),
        ("DELETE", g + "/roles/{role_id}", "delete_role"),
    )


_ROUTES = _routes()


class GuildRoutes:
    def __init__(self, app: RestApp, model: DiscordModel) -> None:
        self.model = model
        app.mount(self, _ROUTES)

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
        return guild.to_json(member_count=query_flag(request, "with_counts"))

    async def modify_guild(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request, P.MANAGE_GUILD)
        return self.model.modify_guild(guild, await read_json(request)).to_json()

    async def list_channels(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        return [self.model.channel_json(self.model.channels[c]) for c in guild.channels]

    async def create_channel(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request, P.MANAGE_CHANNELS)
        fields = read_channel(await read_json(request), creating=True)
        overwrites = [Overwrite(target, kind, allow, deny) for target, kind, allow, deny
                      in fields.get("permission_overwrites", [])]
        if overwrites:
            self.model.require_guild(guild, self.me, P.MANAGE_ROLES)
        channel = self.model.create_channel(
            guild, fields["name"], ChannelType(fields["type"]),
            parent_id=fields.get("parent_id"), topic=fields.get("topic"),
            position=fields.get("position"), overwrites=overwrites,
            nsfw=fields.get("nsfw", False), bitrate=fields.get("bitrate", 64000),
            user_limit=fields.get("user_limit", 0))
        return self.model.channel_json(channel)

    async def channel_positions(self, request: web.Request) -> None:
        guild = self._guild(request, P.MANAGE_CHANNELS)
        moves = _positions(await read_json_list(request), parents=True)
        for channel_id, _ in moves:
            channel = self.model.channel(channel_id)
            if channel.guild_id != guild.id or channel.thread is not None:
                raise UNKNOWN_CHANNEL()
        for channel_id, changes in moves:
            self.model.modify_channel(self.model.channels[channel_id], changes)

    # -- members --------------------------------------------------------------------------

    async def get_member(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        return self.model.member_json(guild, snowflake_arg(request, "user_id"))

    async def list_members(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        if not self.model.application.flags & ((1 << 14) | (1 << 15)):
            raise missing_access()  # needs the GUILD_MEMBERS intent enabled on the app
        params = query(request)
        limit = params.integer("limit", 1, 1000)
        after = params.snowflake("after") or 0
        params.check()
        ids = sorted(u for u in guild.members if u > after)[:limit or 1]
        return [self.model.member_json(guild, u) for u in ids]

    async def search_members(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        params = query(request)
        text = params.string("query", required=True)
        limit = params.integer("limit", 1, 1000) or 1
        params.check()
        wanted = (text or "").lower()
        found = []
        for user_id, member in guild.members.items():
            user = self.model.users[user_id]
            names = [user.username, user.global_name or "", member.nick or ""]
            if any(n.lower().startswith(wanted) for n in names if n):
                found.append(self.model.member_json(guild, user_id))
        return found[:limit]

    async def modify_me(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request, P.CHANGE_NICKNAME)
        changes = read_member(await read_json(request))
        member = self.model.member(guild, self.me)
        wanted = {"nick": changes["nick"]} if "nick" in changes else {}
        return self.model.update_member(guild, member, wanted).to_json(self.model.bot)

    async def modify_member(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        user_id = snowflake_arg(request, "user_id")
        member = self.model.member(guild, user_id)
        body = read_member(await read_json(request))
        if "nick" in body:
            self.model.require_guild(guild, self.me, P.MANAGE_NICKNAMES if user_id != self.me
                                     else P.CHANGE_NICKNAME)
            if user_id != self.me:
                self.model.require_outranks(guild, self.me, user_id)
        if "roles" in body:
            self.model.require_guild(guild, self.me, P.MANAGE_ROLES)
            changed = set(body["roles"]) ^ set(member.roles)
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
            self.model.require_movable(guild, self.me, user_id, body["channel_id"])
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
            raise UNKNOWN_BAN()
        return {"reason": guild.bans[user_id], "user": self.model.users[user_id].to_json()}

    async def ban(self, request: web.Request) -> None:
        guild = self._guild(request, P.BAN_MEMBERS)
        user_id = snowflake_arg(request, "user_id")
        if user_id in guild.members:
            self.model.require_outranks(guild, self.me, user_id)
        form = Form(await read_json(request))
        form.integer("delete_message_days", 0, 7)
        form.integer("delete_message_seconds", 0, 604800)
        given = form.string("reason", 0, 512)
        form.check()
        reason = audit_reason(request) or given
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
        fields = read_role(await read_json(request))
        permissions = fields.get("permissions")
        self.model.require_may_grant(guild, self.me, permissions, 0)
        role = self.model.create_role(guild, fields.get("name") or "new role", permissions,
                                      color=fields.get("color", 0),
                                      hoist=fields.get("hoist", False),
                                      mentionable=fields.get("mentionable", False),
                                      position=1)  # Discord adds roles at the bottom
        return role.to_json()

    async def modify_role(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request, P.MANAGE_ROLES)
        role_id = snowflake_arg(request, "role_id")
        self.model.require_role_manageable(guild, self.me, role_id)
        role = self.model.role(guild, role_id)
        changes = read_role(await read_json(request))
        self.model.require_may_grant(guild, self.me, changes.get("permissions"),
                                     role.permissions)
        return self.model.modify_role(guild, role, changes).to_json()

    async def delete_role(self, request: web.Request) -> None:
        guild = self._guild(request, P.MANAGE_ROLES)
        role_id = snowflake_arg(request, "role_id")
        self.model.require_role_manageable(guild, self.me, role_id)
        self.model.delete_role(guild, self.model.role(guild, role_id))

    async def role_positions(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request, P.MANAGE_ROLES)
        moves = [(role_id, changes["position"]) for role_id, changes
                 in _positions(await read_json_list(request), parents=False)
                 if "position" in changes]
        top = self.model.top_role_position(guild, self.me)
        for role_id, position in moves:
            self.model.require_role_manageable(guild, self.me, role_id)
            if position >= top:
                raise missing_permissions()  # nor lift a role to or above its own
        return [r.to_json() for r in self.model.move_roles(guild, moves)]


def audit_reason(request: web.Request) -> str | None:
    """``X-Audit-Log-Reason`` as Discord reads it: URL-decoded (clients quote it, as
    discord.py does) UTF-8, its first 512 characters; bytes that are not UTF-8 become
    U+FFFD rather than unpaired surrogates in the answers that quote it."""
    raw = request.headers.get("X-Audit-Log-Reason")
    if not raw:
        return None
    text = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return unquote(text, errors="replace")[:512]


def _positions(items: list[Any], *, parents: bool) -> list[tuple[int, dict[str, Any]]]:
    """A position route's body (``[{"id", "position", ...}]``), typed; problems at
    ``N.field``. Channels may also move under a category (``parent_id``,
    ``lock_permissions``)."""
    problems = Problems()
    moves = []
    for index, item in enumerate(items):
        if item is None:
            problems.add((index,), *NULL_ITEM)
            continue
        entry = Form(item, (index,), problems)
        if not isinstance(item, dict):
            continue
        target = entry.snowflake("id", required=True)
        changes: dict[str, Any] = {}
        position = entry.integer("position", 0)
        if position is not None:
            changes["position"] = position
        if parents:
            entry.boolean("lock_permissions")
            if entry.has("parent_id"):
                changes["parent_id"] = entry.snowflake("parent_id")
        if target is not None:
            moves.append((target, changes))
    problems.check()
    return moves


__all__ = ["GuildRoutes"]
