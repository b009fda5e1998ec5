"""A discord.py client that is ready without a gateway, and synthetic voice updates.

wavelink, mafic and pomice take a discord.py ``Client`` (or ``commands.Bot``): they read
``client.user.id`` and wait for ``wait_until_ready()``. :func:`ready_client` gives them
one that is logged in as ``user_id`` and ready, with no token and no network. The voice
payloads are the ``d`` of Discord's gateway dispatches, exactly as discord.py hands them
to a ``VoiceProtocol``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import discord

ClientT = TypeVar("ClientT", bound=discord.Client)

DEFAULT_BOT_ID = 100000000000000001
DEFAULT_ENDPOINT = "wiretwin.discord.media:443"


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


@dataclass(frozen=True)
class VoiceSession:
    """One bot's (fake) voice connection to one guild's channel."""

    guild_id: int
    channel_id: int
    user_id: int = DEFAULT_BOT_ID
    session_id: str = "wiretwin-voice-session"
    token: str = "wiretwin-voice-token"
    endpoint: str = DEFAULT_ENDPOINT

    def state_update(self) -> dict[str, Any]:
        """``VOICE_STATE_UPDATE`` data: the bot joined the channel."""
        return {"guild_id": str(self.guild_id), "channel_id": str(self.channel_id),
                "user_id": str(self.user_id), "session_id": self.session_id, "deaf": False,
                "mute": False, "self_deaf": True, "self_mute": False, "self_video": False,
                "suppress": False, "request_to_speak_timestamp": None}

    def server_update(self) -> dict[str, Any]:
        """``VOICE_SERVER_UPDATE`` data: where the voice server is."""
        return {"guild_id": str(self.guild_id), "token": self.token,
                "endpoint": self.endpoint}

    def gateway_events(self) -> list[dict[str, Any]]:
        """Both, as whole gateway dispatches (``{"t": ..., "d": ...}``)."""
        return [{"op": 0, "t": "VOICE_STATE_UPDATE", "d": self.state_update()},
                {"op": 0, "t": "VOICE_SERVER_UPDATE", "d": self.server_update()}]


__all__ = ["DEFAULT_BOT_ID", "VoiceSession", "ready_client"]
