"""Emoji routes: a guild's (``/guilds/{guild}/emojis``) and the application's own
(``/applications/{app}/emojis``), see :mod:`..model.emojis`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..errors import unknown
from ..model.emojis import read_image
from ..wire.fields import Form
from ..wire.params import read_json, snowflake_arg
from .access import GuildResourceRoutes, bots_guild
from .app import Routes, json_response


def _routes() -> Routes:
    g = "/guilds/{guild_id}/emojis"
    a = "/applications/{application_id}/emojis"
    return (
        ("GET", g, "list_emojis"),
        ("POST", g, "create_emoji"),
        ("GET", g + "/{emoji_id}", "get_emoji"),
        ("PATCH", g + "/{emoji_id}", "modify_emoji"),
        ("DELETE", g + "/{emoji_id}", "delete_emoji"),
        ("GET", a, "list_app_emojis"),
        ("POST", a, "create_app_emoji"),
        ("GET", a + "/{emoji_id}", "get_app_emoji"),
        ("PATCH", a + "/{emoji_id}", "modify_app_emoji"),
        ("DELETE", a + "/{emoji_id}", "delete_app_emoji"),
    )


_ROUTES = _routes()


class EmojiRoutes(GuildResourceRoutes):
    ROUTES = _ROUTES

    # -- a guild's ------------------------------------------------------------------------

    async def list_emojis(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        return [self.model.emoji_json(e, self.me) for e in guild.emojis.values()]

    async def get_emoji(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        return self.model.emoji_json(
            self.model.emoji(guild, snowflake_arg(request, "emoji_id")), self.me)

    async def create_emoji(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        form = Form(await read_json(request))
        name = form.string("name", required=True)
        image = form.string("image", required=True)
        roles = form.snowflakes("roles")
        form.check()
        data, kind = read_image(image)
        emoji = self.model.create_emoji(guild, self.me, name, data, kind, roles)
        return json_response(self.model.emoji_json(emoji, self.me), 201)

    async def modify_emoji(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        emoji = self.model.emoji(guild, snowflake_arg(request, "emoji_id"))
        form = Form(body := await read_json(request))
        form.string("name")
        form.snowflakes("roles")
        form.check()
        changes: dict[str, Any] = {k: body[k] for k in ("name", "roles") if k in body}
        return self.model.emoji_json(
            self.model.modify_emoji(guild, emoji, self.me, changes), self.me)

    async def delete_emoji(self, request: web.Request) -> None:
        guild = self._guild(request)
        emoji = self.model.emoji(guild, snowflake_arg(request, "emoji_id"))
        self.model.delete_emoji(guild, emoji, self.me)

    # -- the application's ----------------------------------------------------------------

    def _mine(self, request: web.Request) -> None:
        if snowflake_arg(request, "application_id") != self.model.application.id:
            raise unknown("Application", 10002)

    async def list_app_emojis(self, request: web.Request) -> dict[str, Any]:
        self._mine(request)
        return {"items": [self.model.emoji_json(e, self.me)
                          for e in self.model.app_emojis.values()]}

    async def get_app_emoji(self, request: web.Request) -> dict[str, Any]:
        self._mine(request)
        return self.model.emoji_json(
            self.model.app_emoji(snowflake_arg(request, "emoji_id")), self.me)

    async def create_app_emoji(self, request: web.Request) -> web.Response:
        self._mine(request)
        form = Form(await read_json(request))
        name = form.string("name", required=True)
        image = form.string("image", required=True)
        form.check()
        data, kind = read_image(image)
        return json_response(self.model.emoji_json(
            self.model.create_app_emoji(name, data, kind), self.me), 201)

    async def modify_app_emoji(self, request: web.Request) -> dict[str, Any]:
        self._mine(request)
        emoji = self.model.app_emoji(snowflake_arg(request, "emoji_id"))
        form = Form(await read_json(request))
        name = form.string("name", required=True)
        form.check()
        emoji.name = self.model.rename_app_emoji(emoji, name)
        return self.model.emoji_json(emoji, self.me)

    async def delete_app_emoji(self, request: web.Request) -> None:
        self._mine(request)
        emoji = self.model.app_emoji(snowflake_arg(request, "emoji_id"))
        del self.model.app_emojis[emoji.id]


__all__ = ["EmojiRoutes", "bots_guild"]
