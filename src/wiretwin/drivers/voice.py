"""A discord.py client that is ready without a gateway, and Discord's voice payloads.

wavelink, mafic and pomice take a discord.py ``Client`` (or ``commands.Bot``): they read
``client.user.id`` and wait for ``wait_until_ready()``. Their voice comes from a Discord
twin (:mod:`.discord_voice`), which answers op 4 over a real gateway; the stand-in voice
gateways this module used to hold are gone. :func:`ready_client` still gives a client
that is logged in as ``user_id`` and ready, with no token and no network, for code that
needs no voice. The voice payloads (:class:`~.payloads.VoiceSession`) are the ``d`` of
Discord's gateway dispatches, exactly as discord.py hands them to a ``VoiceProtocol``.
"""

from __future__ import annotations

from typing import Any, TypeVar

import discord

from .payloads import DEFAULT_BOT_ID, DEFAULT_ENDPOINT, VoiceSession

ClientT = TypeVar("ClientT", bound=discord.Client)


async def ready_client(cls: type[ClientT] = discord.Client,  # type: ignore[assignment]
                       *, user_id: int = DEFAULT_BOT_ID, name: str = "wiretwin-bot",
                       **kwargs: Any) -> ClientT:
    """A ``cls`` instance, logged in as ``user_id`` and ready (call from a running loop)."""
    kwargs.setdefault("intents", discord.Intents.default())
    client = cls(**kwargs)
    await client._async_setup_hook()
    state = client._connection
    state.user = discord.ClientUser(state=state, data={
        "id": str(user_id), "username": name, "discriminator": "0", "global_name": name,
        "avatar": None, "bot": True, "verified": True, "mfa_enabled": False, "flags": 0,
    })
    client._ready.set()
    return client


def uses_a_gateway(client: discord.Client) -> bool:
    """Whether ``client`` is connected to a gateway (a Discord twin's, say) rather than
    made ready without one: its voice joins are then answered by that gateway."""
    return isinstance(client.ws, discord.gateway.DiscordWebSocket)


__all__ = ["DEFAULT_BOT_ID", "DEFAULT_ENDPOINT", "VoiceSession", "ready_client",
           "uses_a_gateway"]
