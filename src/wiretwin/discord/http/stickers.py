"""Sticker routes: a guild's stickers (``/guilds/{guild}/stickers``, created from a
multipart form), ``GET /stickers/{id}`` and the (empty) standard packs; see
:mod:`..model.stickers`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..errors import unknown
from ..model.base import form_error
from ..model.stickers import MAX_FILE
from ..wire.fields import Form
from ..wire.params import read_form, read_json, snowflake_arg
from .access import GuildResourceRoutes
from .app import Routes, json_response


def _routes() -> Routes:
    g = "/guilds/{guild_id}/stickers"
    return (
        ("GET", g, "list_stickers"),
        ("POST", g, "create_sticker"),
        ("GET", g + "/{sticker_id}", "get_sticker"),
        ("PATCH", g + "/{sticker_id}", "modify_sticker"),
        ("DELETE", g + "/{sticker_id}", "delete_sticker"),
        ("GET", "/stickers/{sticker_id}", "any_sticker"),
        ("GET", "/sticker-packs", "packs"),
        ("GET", "/sticker-packs/{pack_id}", "pack"),
    )


_ROUTES = _routes()


class StickerRoutes(GuildResourceRoutes):
    ROUTES = _ROUTES

    async def list_stickers(self, request: web.Request) -> list[dict[str, Any]]:
        guild = self._guild(request)
        return [self.model.sticker_json(s, self.me) for s in guild.stickers.values()]

    async def get_sticker(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        return self.model.sticker_json(
            self.model.sticker(guild, snowflake_arg(request, "sticker_id")), self.me)

    async def any_sticker(self, request: web.Request) -> dict[str, Any]:
        found = self.model.any_sticker(snowflake_arg(request, "sticker_id"))
        return found.to_json()

    async def create_sticker(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        fields, files = await read_form(request, 2 * MAX_FILE)
        data = next((f.data for f in files if f.field == "file"), None)
        if data is None:
            raise form_error("file", "BASE_TYPE_REQUIRED", "This field is required")
        sticker = self.model.create_sticker(guild, self.me, fields.get("name"),
                                            fields.get("description"), fields.get("tags"),
                                            data)
        return json_response(self.model.sticker_json(sticker, self.me), 201)

    async def modify_sticker(self, request: web.Request) -> dict[str, Any]:
        guild = self._guild(request)
        sticker = self.model.sticker(guild, snowflake_arg(request, "sticker_id"))
        body = await read_json(request)
        form = Form(body)
        form.string("name")
        form.string("tags")
        form.check()
        changes: dict[str, Any] = {k: body[k] for k in ("name", "description", "tags")
                                   if k in body}
        return self.model.sticker_json(
            self.model.modify_sticker(guild, sticker, self.me, changes), self.me)

    async def delete_sticker(self, request: web.Request) -> None:
        guild = self._guild(request)
        sticker = self.model.sticker(guild, snowflake_arg(request, "sticker_id"))
        self.model.delete_sticker(guild, sticker, self.me)

    async def packs(self, request: web.Request) -> dict[str, Any]:
        """Discord's standard packs: the twin ships none."""
        return {"sticker_packs": []}

    async def pack(self, request: web.Request) -> dict[str, Any]:
        raise unknown("Sticker Pack", 10061)


__all__ = ["StickerRoutes"]
