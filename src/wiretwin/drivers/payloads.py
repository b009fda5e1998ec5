"""Discord's voice dispatches as a bot receives them, built without discord.py.

A Lavalink client moves a player only after Discord told the bot about its voice
connection: ``VOICE_STATE_UPDATE`` (the bot's voice session) and ``VOICE_SERVER_UPDATE``
(the voice server's token and endpoint). :class:`VoiceSession` builds both, as the ``d``
of the gateway dispatches; this module imports no Discord library, so driving lavalink.py
never needs discord.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_BOT_ID = 100000000000000001
DEFAULT_ENDPOINT = "wiretwin.discord.media:443"


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


# -- the voice round trip Discord would make ----------------------------------------------


__all__ = ["DEFAULT_BOT_ID", "DEFAULT_ENDPOINT", "VoiceSession"]
