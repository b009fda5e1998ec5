"""The application's commands, global and per guild (checked by :mod:`..wire.commands`).

Discord keeps commands per scope (global, or one guild) and per type; a name is unique
within its scope and type. Creating a command whose name exists overwrites it (same id);
a bulk overwrite replaces the scope's whole set, keeping the ids of commands it matches by
id or by name. A command's ``version`` is a new snowflake whenever it changes. Discord
sends no gateway event for any of this.
"""

from __future__ import annotations

from typing import Any

from ..errors import UNKNOWN_COMMAND, max_commands, whole_body_error
from ..permissions import Permission
from ..wire.commands import COMMAND_LIMITS, check_command, check_commands
from ..wire.fields import NOT_DICT, as_snowflake
from ..wire.serialize import command_permissions_json
from .base import ModelBase, form_error, missing_access
from .entities import Guild

_SERVER_FIELDS = ("id", "application_id", "version", "guild_id")


class CommandOps(ModelBase):
    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The commands of one scope (global when ``guild_id`` is None), oldest first."""
        return [c for c in self.app_commands.values() if _scope(c) == guild_id]

    def command_scope(self, application_id: int, guild_id: int | None) -> None:
        """Refuse an application id that is not ours, or a guild the app is not in."""
        if application_id != self.application.id:
            raise missing_access()
        if guild_id is not None:
            guild = self.guild(guild_id)
            if self.bot.id not in guild.members:
                raise missing_access()

    def app_command(self, command_id: int, guild_id: int | None = None) -> dict[str, Any]:
        found = self.app_commands.get(command_id)
        if found is None or _scope(found) != guild_id:
            raise UNKNOWN_COMMAND()
        return found

    def create_command(self, body: Any, guild_id: int | None = None
                       ) -> tuple[dict[str, Any], bool]:
        """Create (or overwrite, by name and type) a command; (the command, created?)."""
        fields = check_command(body)
        existing = self._named(guild_id, fields["type"], fields["name"])
        if existing is None:
            same_type = [c for c in self.commands(guild_id) if c["type"] == fields["type"]]
            limit = COMMAND_LIMITS[fields["type"]]
            if len(same_type) >= limit:
                raise max_commands(limit)
            return self._store(fields, guild_id, None), True
        return self._store(fields, guild_id, existing), False

    def edit_command(self, command: dict[str, Any], changes: Any) -> dict[str, Any]:
        if not isinstance(changes, dict):
            raise form_error((), *NOT_DICT)
        merged = {k: v for k, v in command.items() if k not in _SERVER_FIELDS}
        merged.update({k: v for k, v in changes.items() if k not in _SERVER_FIELDS})
        merged["type"] = command["type"]  # a command's type never changes
        fields = check_command(merged)
        clash = self._named(_scope(command), fields["type"], fields["name"])
        if clash is not None and clash["id"] != command["id"]:
            raise whole_body_error("APPLICATION_COMMANDS_DUPLICATE_NAME",
                                   "Application command names must be unique")
        return self._store(fields, _scope(command), command)

    def delete_command(self, command: dict[str, Any]) -> None:
        del self.app_commands[int(command["id"])]

    def overwrite_commands(self, body: Any, guild_id: int | None = None
                           ) -> list[dict[str, Any]]:
        """Replace the scope's commands with ``body`` (matched by id, then name)."""
        checked = check_commands(body)
        for kind, limit in COMMAND_LIMITS.items():
            if sum(1 for f in checked if f["type"] == kind) > limit:
                raise max_commands(limit)
        current = {int(c["id"]): c for c in self.commands(guild_id)}
        keep: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        for raw, fields in zip(body, checked, strict=True):
            match = None
            raw_id = as_snowflake(raw.get("id")) if isinstance(raw, dict) else None
            if raw_id is not None:
                match = current.get(raw_id)
            if match is None:
                match = self._named(guild_id, fields["type"], fields["name"])
            keep.append((fields, match))
        kept_ids = {int(m["id"]) for _, m in keep if m is not None}
        for command_id in set(current) - kept_ids:
            del self.app_commands[command_id]
        return [self._store(fields, guild_id, match) for fields, match in keep]

    # -- permission overrides (what a server admin sets in Integrations) ------------------

    def set_command_permissions(self, guild: Guild, target_id: int,
                                overrides: list[dict[str, Any]]) -> dict[str, Any]:
        """Replace the overrides of one command (or, with the application's id, of every
        command) in ``guild``: ``[{"id", "type": 1 role | 2 user | 3 channel,
        "permission": bool}]`` (APPLICATION_COMMAND_PERMISSIONS_UPDATE)."""
        if target_id != self.application.id:
            command = self.app_commands.get(target_id)
            if command is None or _scope(command) not in (None, guild.id):
                raise UNKNOWN_COMMAND()
        if len(overrides) > 100:
            raise form_error("permissions", "BASE_TYPE_MAX_LENGTH",
                             "Must be 100 or fewer in length.")
        clean = []
        for entry in overrides:
            kind = entry.get("type")
            if kind not in (1, 2, 3) or not isinstance(entry.get("permission"), bool):
                raise form_error("permissions", "BASE_TYPE_CHOICES",
                                 "Value must be one of {1, 2, 3}.")
            clean.append({"id": str(entry["id"]), "type": kind,
                          "permission": entry["permission"]})
        self.command_permissions[(guild.id, target_id)] = clean
        data = self.command_permissions_json(guild.id, target_id)
        assert data is not None
        self.effects.dispatch("APPLICATION_COMMAND_PERMISSIONS_UPDATE", data,
                              guild_id=guild.id)
        return data

    def command_permissions_json(self, guild_id: int, target_id: int
                                 ) -> dict[str, Any] | None:
        found = self.command_permissions.get((guild_id, target_id))
        if found is None:
            return None
        return command_permissions_json(self.application.id, guild_id, target_id, found)

    def command_allowed(self, command: dict[str, Any], guild: Guild, channel_id: int,
                        user_id: int) -> str | None:
        """Why ``user_id`` may not use ``command`` in that channel, or None if they may.

        Discord's order: the command's own overrides, else the app-wide ones; a user
        override beats role overrides (any allowed role beats denied ones, @everyone
        last); a channel (or "all channels", the guild id - 1) override must not deny;
        with no user or role override, ``default_member_permissions`` decides."""
        app = self.application.id
        mine = self.command_permissions.get((guild.id, int(command["id"])), [])
        app_wide = self.command_permissions.get((guild.id, app), [])
        member = guild.members.get(user_id)
        roles = set(member.roles if member else []) | {guild.id}
        for overrides in (mine, app_wide):
            channels = {int(o["id"]): o["permission"] for o in overrides if o["type"] == 3}
            verdict = channels.get(channel_id, channels.get(guild.id - 1))
            if verdict is not None:
                if not verdict:
                    return "a channel override denies it here"
                break
        for overrides in (mine, app_wide):
            users = {int(o["id"]): o["permission"] for o in overrides if o["type"] == 2}
            if user_id in users:
                return None if users[user_id] else "a user override denies it"
            role_rules = [o for o in overrides if o["type"] == 1 and int(o["id"]) in roles]
            specific = [o for o in role_rules if int(o["id"]) != guild.id]
            if any(o["permission"] for o in specific):
                return None
            if specific:
                return "a role override denies it"
            if role_rules:  # @everyone
                return None if role_rules[0]["permission"] else "an @everyone override denies it"
        required = command.get("default_member_permissions")
        if required is None:
            return None
        have = self.guild_permissions(guild, user_id)
        needed = Permission(int(required))
        if have & Permission.ADMINISTRATOR or (have & needed) == needed:
            return None
        return (f"it needs permissions {int(needed)} (default_member_permissions); the user "
                f"has {int(have)}")

    # -- helpers ------------------------------------------------------------------------

    def _named(self, guild_id: int | None, kind: int, name: str) -> dict[str, Any] | None:
        for command in self.commands(guild_id):
            if command["type"] == kind and command["name"] == name:
                return command
        return None

    def _store(self, fields: dict[str, Any], guild_id: int | None,
               existing: dict[str, Any] | None) -> dict[str, Any]:
        command_id = int(existing["id"]) if existing is not None else self.ids.next()
        out: dict[str, Any] = {"id": str(command_id),
                               "application_id": str(self.application.id)}
        public = _public(fields, guild_id)
        if existing is not None and public == {
                k: v for k, v in existing.items() if k not in _SERVER_FIELDS}:
            out["version"] = existing["version"]  # nothing changed
        else:
            out["version"] = str(self.ids.next())
        out.update(public)
        if guild_id is not None:
            out["guild_id"] = str(guild_id)
        self.app_commands[command_id] = out
        return out


def _scope(command: dict[str, Any]) -> int | None:
    guild = command.get("guild_id")
    return int(guild) if guild is not None else None


def _public(fields: dict[str, Any], guild_id: int | None) -> dict[str, Any]:
    """The stored shape: guild commands have no ``dm_permission`` (Discord omits it)."""
    out = dict(fields)
    if guild_id is not None:
        out.pop("dm_permission", None)
    return out


__all__ = ["CommandOps"]
