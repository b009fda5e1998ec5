"""A raw REST client for the Discord e2e suites: a running twin, an aiohttp session, and
a guild to work in (alice owns it; the bot and bob are members)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from wiretwin.discord.model import Guild, Role, User
from wiretwin.discord.permissions import Permission as P
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.clock import VirtualClock


class Api:
    """A running twin, a raw HTTP client, and a guild to work in."""

    def __init__(self, twin: DiscordTwin, http: aiohttp.ClientSession,
                 clock: VirtualClock) -> None:
        self.twin = twin
        self.http = http
        self.clock = clock
        m = twin.model
        self.model = m
        self.alice: User = m.add_user("alice")
        self.bob: User = m.add_user("bob")
        self.guild: Guild = m.create_guild("Test Server", self.alice.id)
        m.add_member(self.guild, m.bot.id)
        m.add_member(self.guild, self.bob.id)
        self.general = m.create_channel(self.guild, "general")
        self.g = f"/guilds/{self.guild.id}"
        self.c = f"/channels/{self.general.id}"

    @property
    def token(self) -> str:
        return self.twin.application.token

    async def call(self, method: str, path: str, *, body: Any = None,
                   auth: str | None = "bot", version: str = "/api/v10",
                   headers: dict[str, str] | None = None, **kwargs: Any
                   ) -> tuple[int, Any, aiohttp.ClientResponse]:
        sent = dict(headers or {})
        if auth == "bot":
            sent["Authorization"] = f"Bot {self.token}"
        elif auth is not None:
            sent["Authorization"] = auth
        if body is not None:
            sent["Content-Type"] = "application/json"
            kwargs["data"] = json.dumps(body)
        async with self.http.request(method, self.twin.http_url(version + path),
                                     headers=sent, **kwargs) as response:
            raw = await response.read()
            parsed: Any = None
            if raw:
                assert response.headers["Content-Type"] == "application/json", raw[:200]
                parsed = json.loads(raw)
            return response.status, parsed, response

    def grant(self, permissions: P) -> Role:
        """Give the bot a role (above everyone else's) with ``permissions``."""
        role = self.model.create_role(self.guild, "bot powers", int(permissions))
        self.model.add_member_role(self.guild, self.guild.members[self.model.bot.id], role.id)
        return role

    def say(self, content: str, author: User | None = None) -> int:
        return self.model.create_message(self.general, (author or self.alice).id, content).id


__all__ = ["Api"]
