"""Pointing unmodified hikari at a Discord twin: hikari takes its REST base as
``rest_url=`` and then asks the twin's ``/gateway/bot`` for the gateway, so nothing
process-wide is patched (unlike discord.py, :mod:`wiretwin.drivers.discord_py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..discord.twin import DiscordTwin


def hikari_kwargs(twin: DiscordTwin) -> dict[str, Any]:
    """``hikari.GatewayBot(**hikari_kwargs(twin))`` (then ``run(check_for_updates=False)``)."""
    return {"token": twin.application.token, "rest_url": twin.http_url("/api/v10")}


__all__ = ["hikari_kwargs"]
