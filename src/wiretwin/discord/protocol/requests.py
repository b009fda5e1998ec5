"""What an identified session may ask the gateway for: voice state (op 4), guild members
(op 8), soundboard sounds (op 31) and channel info (op 43). Each request is read by
:mod:`.frames` first; the answers are dispatches to the asking session only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...runtime.clock import Clock
from ..errors import Opcode
from ..model import Channel, DiscordError, DiscordModel
from . import frames as F
from . import intents as I
from .session import Session, send

#: The most members a member search (op 8 with a query or a limit) returns.
_QUERY_MAX = 100
#: Members per GUILD_MEMBERS_CHUNK.
_CHUNK = 1000
#: "1 request per guild per bot every 30 seconds", per session, for the whole member
#: list (``query: "", limit: 0``) only (change log 2025-08-14); more is RATE_LIMITED.
MEMBER_LIST_WINDOW = 30.0


class GuildRequests:
    """The answers to a session's requests about the guilds it sees."""

    def __init__(self, model: DiscordModel, clock: Clock) -> None:
        self.model = model
        self.clock = clock
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
            wait = self._member_list_wait(session, guild.id)
            if wait > 0:
                meta: dict[str, Any] = {"guild_id": str(guild.id)}
                if request.nonce is not None:
                    meta["nonce"] = request.nonce
                send(session, "RATE_LIMITED", {
                    "opcode": int(Opcode.REQUEST_GUILD_MEMBERS),
                    "retry_after": wait, "meta": meta})
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

    def _member_list_wait(self, session: Session, guild_id: int) -> float:
        """Seconds until ``session`` may ask for the guild's whole member list again
        (0: now, and the request is counted)."""
        now = self.clock.monotonic()
        asked = session.member_lists
        for old in [g for g, at in asked.items() if now - at >= MEMBER_LIST_WINDOW]:
            del asked[old]
        last = asked.get(guild_id)
        if last is not None:
            return max(round(MEMBER_LIST_WINDOW - (now - last), 3), 0.001)
        asked[guild_id] = now
        return 0.0

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
        voice = [self.model.channels[c] for c in guild.channels
                 if self.model.channels[c].is_voice]
        send(session, "CHANNEL_INFO", {
            "guild_id": str(guild.id),
            "channels": [{"id": str(c.id), **{f: _info(c, f) for f in request.fields}}
                         for c in voice]})


def _info(channel: Channel, name: str) -> str | int | None:
    """One field of a voice channel's CHANNEL_INFO: its status, or when its first member
    joined in unix seconds (null: nobody is in it)."""
    if name == "status":
        return channel.status
    start = channel.voice_start_ms
    return None if start is None else int(start // 1000)


__all__ = ["GuildRequests"]
