"""Users, the application, the gateway URL, the bot's guilds and DM channels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..errors import CANNOT_OPEN_DM, INVALID_FORM_BODY
from ..model import DiscordModel
from ..wire.fields import Form
from ..wire.params import query, read_json, snowflake_arg
from ..wire.serialize import user_guild_json
from .app import RestApp, Routes

#: (sound_id, name, emoji) of Discord's default soundboard sounds, as remembered from its
#: API answers (not checked against a capture: see docs/discord/index.md, "Known gaps").
DEFAULT_SOUNDS = (
    ("1", "quack", "\N{DUCK}"), ("2", "airhorn", "\N{SPEAKER WITH THREE SOUND WAVES}"),
    ("3", "cricket", "\N{CRICKET}"), ("4", "golf clap", "\N{FLAG IN HOLE}"),
    ("5", "sad horn", "\N{TRUMPET}"), ("7", "ba dum tss", "\N{DRUM WITH DRUMSTICKS}"))


def _routes() -> Routes:
    return (
        ("GET", "/users/@me", "me"),
        ("PATCH", "/users/@me", "modify_me"),
        ("GET", "/users/@me/guilds", "my_guilds"),
        ("DELETE", "/users/@me/guilds/{guild_id}", "leave_guild"),
        ("POST", "/users/@me/channels", "open_dm"),
        ("GET", "/users/{user_id}", "get_user"),
        ("GET", "/oauth2/applications/@me", "application"),
        ("GET", "/applications/@me", "application"),
        ("GET", "/gateway/bot", "gateway_bot"),
        ("GET", "/soundboard-default-sounds", "default_sounds"),
    )


_ROUTES = _routes()


class CoreRoutes:
    def __init__(self, app: RestApp, model: DiscordModel, gateway_url: Callable[[], str],
                 recommended_shards: Callable[[], int],
                 max_concurrency: Callable[[], int] = lambda: 1) -> None:
        self.model = model
        self.gateway_url = gateway_url
        self.recommended_shards = recommended_shards
        self.max_concurrency = max_concurrency
        app.mount(self, _ROUTES)
        # Discord's docs: GET /gateway "does not require authentication".
        app.add("GET", "/gateway", self.gateway, auth=False)

    async def me(self, request: web.Request) -> dict[str, Any]:
        data = self.model.bot.to_json()
        data.update({"verified": True, "mfa_enabled": False, "locale": "en-US",
                     "email": None})
        return data

    async def modify_me(self, request: web.Request) -> dict[str, Any]:
        form = Form(await read_json(request))
        username = form.string("username", 2, 32)
        form.string("avatar", 0, 10 * 1024 * 1024)
        form.string("banner", 0, 10 * 1024 * 1024)
        form.check()
        if username is not None:
            self.model.bot.username = username
        self.model.effects.dispatch("USER_UPDATE", self.model.bot.to_json())
        return await self.me(request)

    async def get_user(self, request: web.Request) -> dict[str, Any]:
        return self.model.user(snowflake_arg(request, "user_id")).to_json()

    async def application(self, request: web.Request) -> dict[str, Any]:
        return self.model.application.to_json()

    async def gateway(self, request: web.Request) -> dict[str, Any]:
        return {"url": self.gateway_url()}

    async def gateway_bot(self, request: web.Request) -> dict[str, Any]:
        return {"url": self.gateway_url(), "shards": self.recommended_shards(),
                "session_start_limit": {"total": 1000, "remaining": 1000,
                                        "reset_after": 86_400_000,
                                        "max_concurrency": self.max_concurrency()}}

    async def default_sounds(self, request: web.Request) -> list[dict[str, Any]]:
        """Discord's built-in soundboard sounds (py-cord asks at login)."""
        return [{"name": name, "sound_id": sound_id, "volume": 1.0, "emoji_id": None,
                 "emoji_name": emoji, "available": True}
                for sound_id, name, emoji in DEFAULT_SOUNDS]

    async def my_guilds(self, request: web.Request) -> list[dict[str, Any]]:
        return user_guilds(self.model, request, self.model.bot.id)

    async def leave_guild(self, request: web.Request) -> None:
        guild = self.model.guild(snowflake_arg(request, "guild_id"))
        if guild.owner_id == self.model.bot.id:
            raise INVALID_FORM_BODY()
        self.model.remove_member(guild, self.model.bot.id)

    async def open_dm(self, request: web.Request) -> dict[str, Any]:
        form = Form(await read_json(request))
        recipient = form.snowflake("recipient_id", required=True)
        form.check()
        assert recipient is not None
        user = self.model.user(recipient)
        if user.bot:
            raise CANNOT_OPEN_DM()
        return self.model.channel_json(self.model.open_dm(self.model.bot.id, user.id))


def user_guilds(model: DiscordModel, request: web.Request, user_id: int
                ) -> list[dict[str, Any]]:
    """GET /users/@me/guilds for ``user_id`` (the bot, or an OAuth2 token's user): its
    guilds by id, paged with ``after``/``before``/``limit``, with its permissions."""
    guilds = sorted((g for g in model.guilds.values() if user_id in g.members),
                    key=lambda g: g.id)
    params = query(request)
    after = params.snowflake("after")
    before = params.snowflake("before")
    limit = params.integer("limit", 1, 200)
    params.boolean("with_counts")
    params.check()
    limit = 200 if limit is None else limit
    if after:
        guilds = [g for g in guilds if g.id > after]
    if before:
        guilds = [g for g in guilds if g.id < before]
    out: list[dict[str, Any]] = []
    for guild in guilds[:limit]:
        perms = model.guild_permissions(guild, user_id)
        out.append(user_guild_json(guild, owner=guild.owner_id == user_id,
                                   permissions=int(perms)))
    return out


__all__ = ["CoreRoutes", "user_guilds"]
