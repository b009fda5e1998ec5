"""What an identified session may ask the gateway for: voice state (op 4), guild members
(op 8), soundboard sounds (op 31) and channel info (op 43). Each request is read by
:mod:`.frames` first; the answers are dispatches to the asking session only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import Opcode
from ..model import DiscordError, DiscordModel
from . import frames as F
from . import intents as I
from .session import Session, send

#: The most members a member search (op 8 with a query or a limit) returns.
_QUERY_MAX = 100
#: Members per GUILD_MEMBERS_CHUNK.
_CHUNK = 1000


class GuildRequests:
    """The answers to a session's requests about the guilds it sees."""

    def __init__(self, model: DiscordModel) -> None:
        self.model = model
        #: The state machine's table for an identified session: opcode -> its handler
        #: (any other opcode closes 4001; these before IDENTIFY close 4003).
        self.handlers: dict[int, Callable[[Session, Any], None]] = {
            Opcode.PRESENCE_UPDATE: self.presence,
            Opcode.VOICE_STATE_UPDATE: self.voice_state,
            Opcode.REQUEST_GUILD_MEMBERS: self.request_members,
            Opcode.REQUEST_SOUNDBOARD_SOUNDS: self.soundboard_sounds,
            Opcode.REQUEST_CHANNEL_INFO: self.channel_info,
        }

    def presence(self, session: Session, data: Any) -> None:
        F.presence(data)  # accepted: the twin shows nobody the bot's presence

    def voice_state(self, session: Session, data: Any) -> None:
        request = F.voice_state(data)
        guild = self.model.guilds.get(request.guild_id)
        if guild is None:
            return
        try:
            self.model.set_voice(guild, self.model.bot.id, request.channel_id)
        except DiscordError:
            return  # not a member, or not a voice channel of the guild: nothing happens

    def request_members(self, session: Session, data: Any) -> None:
        request = F.request_members(data)
        guild = self.model.guilds.get(request.guild_id)
        if guild is None or self.model.bot.id not in guild.members:
            return
        not_found: list[str] = []
        if request.user_ids is not None:
            members = [u for u in request.user_ids if u in guild.members]
            not_found = [str(u) for u in request.user_ids if u not in guild.members]
        elif request.whole_list:
            if not session.intents & I.GUILD_MEMBERS:
                return
            members = list(guild.members)
        else:
            query = request.query.lower()
            members = [u for u in guild.members
                       if self.model.users[u].username.lower().startswith(query)]
            members = members[:min(request.limit or _QUERY_MAX, _QUERY_MAX)]
        chunks = [members[i:i + _CHUNK] for i in range(0, len(members), _CHUNK)] or [[]]
        for index, chunk in enumerate(chunks):
            payload: dict[str, Any] = {
                "guild_id": str(guild.id), "chunk_index": index,
                "chunk_count": len(chunks),
                "members": [self.model.member_json(guild, u) for u in chunk]}
            if not_found and index == len(chunks) - 1:
                payload["not_found"] = not_found
            if request.presences and session.intents & I.GUILD_PRESENCES:
                payload["presences"] = []  # without the intent: "always false"
            if request.nonce is not None:
                payload["nonce"] = request.nonce
            send(session, "GUILD_MEMBERS_CHUNK", payload)

    def soundboard_sounds(self, session: Session, data: Any) -> None:
        for guild_id in F.request_soundboard_sounds(data):
            guild = self.model.guilds.get(guild_id)
            if guild is not None and self.model.bot.id in guild.members:
                send(session, "SOUNDBOARD_SOUNDS",
                           {"soundboard_sounds": [], "guild_id": str(guild_id)})

    def channel_info(self, session: Session, data: Any) -> None:
        request = F.request_channel_info(data)
        guild = self.model.guilds.get(request.guild_id)
        if guild is None or self.model.bot.id not in guild.members:
            return
        voice = [c for c in guild.channels if self.model.channels[c].is_voice]
        send(session, "CHANNEL_INFO", {
            "guild_id": str(guild.id),
            "channels": [{"id": str(c), **dict.fromkeys(request.fields)} for c in voice]})


__all__ = ["GuildRequests"]
