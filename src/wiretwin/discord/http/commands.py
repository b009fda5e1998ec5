"""``applications/{id}/commands`` and ``applications/{id}/guilds/{id}/commands``.

What ``CommandTree.sync()`` (discord.py), ``application.commands.set()`` (discord.js)
and hikari's ``set_application_commands`` call: list, create (201, or 200 when it
overwrote a command of the same name and type), bulk overwrite (PUT), get, edit (PATCH)
and delete (204). The rules are :mod:`wiretwin.discord.wire.commands`'; the state is the
model's (:mod:`wiretwin.discord.model.commands`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..errors import BOTS_CANNOT_USE_ENDPOINT, UNKNOWN_COMMAND_PERMISSIONS
from ..model import DiscordModel
from ..wire.params import query_flag, read_json_any, snowflake_arg
from .app import RestApp, Routes, json_response

_BASE = "/applications/{application_id}"


def _routes() -> Routes:
    # Before /commands/{command_id}, which would take "permissions" for an id.
    perms = _BASE + "/guilds/{guild_id}/commands"
    routes: list[tuple[str, str, str]] = [
        ("GET", perms + "/permissions", "all_permissions"),
        ("PUT", perms + "/permissions", "bots_cannot"),
        ("GET", perms + "/{command_id}/permissions", "permissions"),
        ("PUT", perms + "/{command_id}/permissions", "bots_cannot"),
    ]
    for scope in (_BASE, _BASE + "/guilds/{guild_id}"):
        routes += [
            ("GET", scope + "/commands", "list_commands"),
            ("POST", scope + "/commands", "create"),
            ("PUT", scope + "/commands", "overwrite"),
            ("GET", scope + "/commands/{command_id}", "get"),
            ("PATCH", scope + "/commands/{command_id}", "edit"),
            ("DELETE", scope + "/commands/{command_id}", "delete"),
        ]
    return tuple(routes)


_ROUTES = _routes()


class CommandRoutes:
    def __init__(self, app: RestApp, model: DiscordModel) -> None:
        self.model = model
        app.mount(self, _ROUTES)

    def _scope(self, request: web.Request) -> int | None:
        guild_id = (snowflake_arg(request, "guild_id") if "guild_id" in request.match_info
                    else None)
        self.model.command_scope(snowflake_arg(request, "application_id"), guild_id)
        return guild_id

    def _command(self, request: web.Request) -> dict[str, Any]:
        guild_id = self._scope(request)
        return self.model.app_command(snowflake_arg(request, "command_id"), guild_id)

    async def list_commands(self, request: web.Request) -> list[dict[str, Any]]:
        guild_id = self._scope(request)
        localized = query_flag(request, "with_localizations")
        return [_shown(c, localized) for c in self.model.commands(guild_id)]

    async def create(self, request: web.Request) -> web.Response:
        guild_id = self._scope(request)
        command, created = self.model.create_command(await _body(request), guild_id)
        return json_response(command, 201 if created else 200)

    async def overwrite(self, request: web.Request) -> list[dict[str, Any]]:
        guild_id = self._scope(request)
        return self.model.overwrite_commands(await _body(request), guild_id)

    async def get(self, request: web.Request) -> dict[str, Any]:
        return self._command(request)

    async def edit(self, request: web.Request) -> dict[str, Any]:
        command = self._command(request)
        return self.model.edit_command(command, await _body(request))

    async def delete(self, request: web.Request) -> None:
        self.model.delete_command(self._command(request))

    # -- permission overrides (read-only for bots) --------------------------------------

    async def all_permissions(self, request: web.Request) -> list[dict[str, Any]]:
        guild_id = self._scope(request)
        assert guild_id is not None
        out = []
        for (guild, target) in self.model.command_permissions:
            if guild == guild_id:
                shown = self.model.command_permissions_json(guild, target)
                if shown is not None:
                    out.append(shown)
        return out

    async def permissions(self, request: web.Request) -> dict[str, Any]:
        guild_id = self._scope(request)
        assert guild_id is not None
        target = snowflake_arg(request, "command_id")
        shown = self.model.command_permissions_json(guild_id, target)
        if shown is None:
            raise UNKNOWN_COMMAND_PERMISSIONS()
        return shown

    async def bots_cannot(self, request: web.Request) -> None:
        # Editing them takes a user's Bearer token with applications.commands.permissions
        # .update; a bot token is refused.
        raise BOTS_CANNOT_USE_ENDPOINT()


async def _body(request: web.Request) -> Any:
    """Any JSON value (a bulk overwrite is a list); 50109 when it is not JSON."""
    return await read_json_any(request, {})


def _shown(command: dict[str, Any], localized: bool) -> dict[str, Any]:
    """A listed command: localizations only when asked ``with_localizations=true``."""
    if localized:
        return command
    return {k: v for k, v in command.items()
            if k not in ("name_localizations", "description_localizations")}


__all__ = ["CommandRoutes"]
