"""Pointing unmodified discord.js at a Discord twin: its client takes the REST base as the
``rest`` option and then asks the twin's ``/gateway/bot`` for the gateway. The options are
plain JSON, so a Node driver (tests/e2e/discord/js) can read them from Python."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..discord.twin import DiscordTwin


def discord_js_options(twin: DiscordTwin) -> dict[str, Any]:
    """The ``rest`` option of ``new Client({...})`` (and ``client.login(token)``)."""
    return {"rest": {"api": twin.http_url("/api"), "version": "10"},
            "token": twin.application.token}


__all__ = ["discord_js_options"]
