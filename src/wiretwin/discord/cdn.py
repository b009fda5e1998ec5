"""The images Discord's CDN serves, as the twin serves them (the drivers point
discord.py's ``Asset.BASE`` here).

* ``/emojis/{id}.{ext}``, ``/stickers/{id}.{ext}``: a custom emoji's own image (a
  guild's or the application's) or a sticker's file, in whatever extension is asked (the
  CDN converts; the twin sends the bytes it was given);
* ``/guild-events/{event}/{hash}.{ext}``: a scheduled event's cover image as uploaded;
* ``/avatars/{user}/{hash}``, ``/embed/avatars/{n}``, ``/icons/{guild}/{hash}``,
  ``/banners/...``, ``/splashes/...``, ``/guilds/{guild}/users/{user}/avatars/...``: the
  twin keeps no pictures for users and guilds, so each answers a valid 1x1 PNG (a bot that
  opens the image with Pillow gets an image) for a user or guild it knows, and the
  CDN's 404 otherwise.
"""

from __future__ import annotations

import struct
import zlib

from aiohttp import web

from .http.app import json_response
from .model import DiscordModel
from .wire.fields import as_snowflake
from .wire.serialize import scheduled_event_cover


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1x1, 8-bit RGBA
    pixel = zlib.compress(b"\x00\x58\x65\xf2\xff")  # filter 0, Discord's blurple
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel)
            + chunk(b"IEND", b""))


#: What stands in for a picture the twin does not keep.
PLACEHOLDER = _png_1x1()
_NOT_FOUND = {"message": "404: Not Found", "code": 0}


class Cdn:
    def __init__(self, model: DiscordModel) -> None:
        self.model = model

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/emojis/{file}", self.emoji),
            web.get("/stickers/{file}", self.sticker),
            web.get("/guild-events/{event}/{file}", self.event_cover),
            web.get("/avatars/{user}/{file}", self.user_picture),
            web.get("/banners/{user}/{file}", self.user_picture),
            web.get("/embed/avatars/{file}", self.default_avatar),
            web.get("/icons/{guild}/{file}", self.guild_picture),
            web.get("/splashes/{guild}/{file}", self.guild_picture),
            web.get("/guilds/{guild}/users/{user}/avatars/{file}", self.guild_picture),
        ]

    async def emoji(self, request: web.Request) -> web.Response:
        emoji_id = as_snowflake(request.match_info["file"].partition(".")[0]) or 0
        found = self.model.app_emojis.get(emoji_id)
        for guild in self.model.guilds.values() if found is None else ():
            found = guild.emojis.get(emoji_id)
            if found is not None:
                break
        if found is None:
            return json_response(_NOT_FOUND, 404)
        return web.Response(body=found.image, content_type=found.content_type)

    async def sticker(self, request: web.Request) -> web.Response:
        sticker_id = as_snowflake(request.match_info["file"].partition(".")[0]) or 0
        for guild in self.model.guilds.values():
            found = guild.stickers.get(sticker_id)
            if found is not None:
                kind = {1: "image/png", 2: "image/png", 4: "image/gif"}.get(
                    found.format_type, "application/json")
                return web.Response(body=found.image, content_type=kind)
        return json_response(_NOT_FOUND, 404)

    async def event_cover(self, request: web.Request) -> web.Response:
        event_id = as_snowflake(request.match_info["event"]) or 0
        wanted = request.match_info["file"].partition(".")[0]
        for guild in self.model.guilds.values():
            found = guild.scheduled_events.get(event_id)
            if found is not None and found.image \
                    and scheduled_event_cover(found) == wanted:
                return web.Response(body=found.image, content_type=_image_type(found.image))
        return json_response(_NOT_FOUND, 404)

    async def user_picture(self, request: web.Request) -> web.Response:
        user_id = as_snowflake(request.match_info["user"])
        return _placeholder(user_id is not None and user_id in self.model.users)

    async def guild_picture(self, request: web.Request) -> web.Response:
        guild_id = as_snowflake(request.match_info["guild"])
        return _placeholder(guild_id is not None and guild_id in self.model.guilds)

    async def default_avatar(self, request: web.Request) -> web.Response:
        index = request.match_info["file"].partition(".")[0]
        return _placeholder(index.isdigit() and int(index) < 6)


def _image_type(data: bytes) -> str:
    if data.startswith(b"GIF8"):
        return "image/gif"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return "image/webp" if data[8:12] == b"WEBP" else "image/png"


def _placeholder(known: bool) -> web.Response:
    if not known:
        return json_response(_NOT_FOUND, 404)
    return web.Response(body=PLACEHOLDER, content_type="image/png")


__all__ = ["PLACEHOLDER", "Cdn"]
