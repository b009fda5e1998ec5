"""A voice channel's own state while people are in it: its status and its start time.

A voice channel's *status* (``PUT /channels/{id}/voice-status``, 0-500 characters) is
set by someone connected to it with SET_VOICE_CHANNEL_STATUS, shown to everyone as
VOICE_CHANNEL_STATUS_UPDATE and in the channel's JSON, and cleared when the last member
leaves. Its *start time* is when the first member joined (what op 43 CHANNEL_INFO calls
``voice_start_time``); it too ends when the channel empties.
"""

from __future__ import annotations

from ..errors import WRONG_CHANNEL_TYPE
from ..permissions import Permission
from ..wire.fields import length_problem
from .base import ModelBase, form_error, missing_permissions
from .entities import Channel, Guild

#: "the voice channel status (0-500 characters)" (channel.mdx).
STATUS_MAX = 500


class VoiceChannelOps(ModelBase):
    def set_voice_status(self, channel: Channel, actor_id: int, status: str | None) -> None:
        """``actor_id`` sets the channel's status (``None`` or ``""`` clears it): it must
        be connected to the channel and hold SET_VOICE_CHANNEL_STATUS there."""
        if not channel.is_voice or channel.guild_id is None:
            raise WRONG_CHANNEL_TYPE()
        guild = self.guilds[channel.guild_id]
        self.require(channel, actor_id, Permission.SET_VOICE_CHANNEL_STATUS)
        if guild.voice_states.get(actor_id) != channel.id:
            raise missing_permissions()
        if status is not None and len(status) > STATUS_MAX:
            raise form_error("status", *length_problem(0, STATUS_MAX))
        self._set_status(guild, channel, status or None)

    def _set_status(self, guild: Guild, channel: Channel, status: str | None) -> None:
        channel.status = status
        self.effects.dispatch("VOICE_CHANNEL_STATUS_UPDATE", {
            "id": str(channel.id), "guild_id": str(guild.id), "status": status},
            guild_id=guild.id)

    def voice_moved(self, guild: Guild, left: int | None, joined: int | None) -> None:
        """After a voice state changed (``guild.voice_states`` already says so): a channel
        someone joined has started if it had not; one left empty ends, status and all."""
        if joined is not None and joined != left:
            channel = self.channels[joined]
            if channel.voice_start_ms is None:
                channel.voice_start_ms = self.now_ms
        if left is None or left == joined or left in guild.voice_states.values():
            return
        gone = self.channels.get(left)
        if gone is None:
            return
        gone.voice_start_ms = None
        if gone.status is not None:
            self._set_status(guild, gone, None)


__all__ = ["STATUS_MAX", "VoiceChannelOps"]
