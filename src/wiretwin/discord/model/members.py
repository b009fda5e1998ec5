"""Members, bans and voice states."""

from __future__ import annotations

from typing import Any

from ..errors import NOT_IN_VOICE, UNKNOWN_BAN, UNKNOWN_ROLE, USER_BANNED, WRONG_CHANNEL_TYPE
from ..wire.changes import read_member
from ..wire.fields import as_timestamp_ms
from . import rules
from .base import NO_VOICE_SERVER
from .entities import Guild, Member
from .voice_channels import VoiceChannelOps

#: Where the bot's voice server is when the model has no voice server to point at (a
#: model made without the twin's ``voice_endpoint``, as in unit tests); a running twin
#: sends its own (``twin.voice.endpoint``).
VOICE_ENDPOINT = NO_VOICE_SERVER


def voice_session_id(user_id: int) -> str:
    """The ``session_id`` of a user's voice state (what voice IDENTIFY must send)."""
    return f"voice-{user_id}"


class MemberOps(VoiceChannelOps):
    def add_member(self, guild: Guild, user_id: int, *, roles: list[int] | None = None,
                   nick: str | None = None) -> Member:
        """``user_id`` joins ``guild`` (GUILD_MEMBER_ADD; the bot joining is a GUILD_CREATE)."""
        user = self.user(user_id)
        if user_id in guild.bans:
            raise USER_BANNED()
        if user_id in guild.members:
            return guild.members[user_id]
        for role_id in roles or []:
            if role_id not in guild.roles:
                raise UNKNOWN_ROLE()
        member = Member(user_id, guild.id, self.now_ms, nick,
                        [r for r in roles or [] if r != guild.id])
        guild.members[user_id] = member
        if user_id == self.bot.id:
            self.effects.guild_joined(guild.id)
            return member
        self.effects.dispatch("GUILD_MEMBER_ADD", {
            **member.to_json(user), "guild_id": str(guild.id)}, guild_id=guild.id)
        return member

    def update_member(self, guild: Guild, member: Member, changes: dict[str, Any]) -> Member:
        """Change a member's nick, roles, mute/deaf, voice channel or timeout
        (GUILD_MEMBER_UPDATE); ``changes`` as a client sends them
        (:func:`~..changes.read_member`: a timeout as an ISO 8601 timestamp)."""
        changes = read_member(changes)
        roles: list[int] | None = changes.get("roles")
        for role_id in roles or []:
            if role_id not in guild.roles:
                raise UNKNOWN_ROLE()
        if "channel_id" in changes and changes["channel_id"] is not None:
            self._voice_target(guild, changes["channel_id"])
        if "nick" in changes:
            member.nick = changes["nick"]
        if roles is not None:
            member.roles = [r for r in dict.fromkeys(roles) if r != guild.id]
        if "communication_disabled_until" in changes:
            until = changes["communication_disabled_until"]
            member.timeout_until = None if until is None else as_timestamp_ms(until)
        for key in ("mute", "deaf"):
            if key in changes:
                setattr(member, key, changes[key])
        if "channel_id" in changes:
            self.set_voice(guild, member.user_id, changes["channel_id"])
        self.effects.dispatch("GUILD_MEMBER_UPDATE", {
            **member.to_json(self.users[member.user_id]), "guild_id": str(guild.id)},
            guild_id=guild.id)
        return member

    def add_member_role(self, guild: Guild, member: Member, role_id: int) -> None:
        if role_id not in guild.roles:
            raise UNKNOWN_ROLE()
        if role_id not in member.roles:
            self.update_member(guild, member, {"roles": [*member.roles, role_id]})

    def remove_member_role(self, guild: Guild, member: Member, role_id: int) -> None:
        if role_id not in guild.roles:
            raise UNKNOWN_ROLE()
        if role_id in member.roles:
            self.update_member(guild, member, {"roles": [r for r in member.roles
                                                         if r != role_id]})

    def remove_member(self, guild: Guild, user_id: int) -> None:
        """Kick or leave (GUILD_MEMBER_REMOVE; the bot leaving is a GUILD_DELETE)."""
        self.member(guild, user_id)
        del guild.members[user_id]
        self.voice_moved(guild, guild.voice_states.pop(user_id, None), None)
        if user_id == self.bot.id:
            self.effects.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)
            return
        self.effects.dispatch("GUILD_MEMBER_REMOVE", {
            "guild_id": str(guild.id), "user": self.users[user_id].to_json()},
            guild_id=guild.id)

    def ban(self, guild: Guild, user_id: int, reason: str | None = None) -> None:
        user = self.user(user_id)
        guild.bans[user_id] = reason
        if user_id in guild.members:
            self.remove_member(guild, user_id)
        self.effects.dispatch("GUILD_BAN_ADD", {"guild_id": str(guild.id),
                                                "user": user.to_json()}, guild_id=guild.id)

    def unban(self, guild: Guild, user_id: int) -> None:
        if user_id not in guild.bans:
            raise UNKNOWN_BAN()
        del guild.bans[user_id]
        self.effects.dispatch("GUILD_BAN_REMOVE", {
            "guild_id": str(guild.id), "user": self.user(user_id).to_json()},
            guild_id=guild.id)

    def require_movable(self, guild: Guild, actor_id: int, user_id: int,
                        channel_id: int | None) -> None:
        """Discord moves only a member already in voice (400 40032). In a dpytest world
        the bot may "move" anyone into a voice channel, as dpytest's fake client did."""
        if channel_id is None or user_id in guild.voice_states:
            return
        if rules.unbound(guild, actor_id, self.bot.id):
            return
        raise NOT_IN_VOICE()

    def _voice_target(self, guild: Guild, channel_id: int) -> None:
        channel = self.channel(channel_id)
        if not channel.is_voice or channel.guild_id != guild.id:
            raise WRONG_CHANNEL_TYPE()

    def set_voice(self, guild: Guild, user_id: int, channel_id: int | None) -> None:
        """A member joins, moves between or leaves voice channels (VOICE_STATE_UPDATE)."""
        self.member(guild, user_id)
        left = guild.voice_states.get(user_id)
        if channel_id is not None:
            self._voice_target(guild, channel_id)
            guild.voice_states[user_id] = channel_id
            state = self.voice_state_json(guild, user_id)
        else:
            if guild.voice_states.pop(user_id, None) is None:
                return
            state = {"guild_id": str(guild.id), "channel_id": None,
                     "user_id": str(user_id), "session_id": voice_session_id(user_id),
                     "deaf": False, "mute": False, "self_deaf": False, "self_mute": False,
                     "self_video": False, "suppress": False,
                     "request_to_speak_timestamp": None,
                     "member": self.member_json(guild, user_id)}
        self.effects.dispatch("VOICE_STATE_UPDATE", state, guild_id=guild.id)
        self.voice_moved(guild, left, channel_id)
        if user_id == self.bot.id and channel_id is not None:
            # A join or a move is a new voice connection, with a token of its own.
            number = self.voice_connections.get(guild.id, 0) + 1
            self.voice_connections[guild.id] = number
            self.effects.dispatch("VOICE_SERVER_UPDATE", {
                "guild_id": str(guild.id), "token": self.voice_token(guild.id),
                "endpoint": self.voice_endpoint()}, guild_id=guild.id)

    def end_call(self, guild: Guild, channel_id: int) -> None:
        """A deleted voice channel ends its call: everyone in it leaves voice
        (VOICE_STATE_UPDATE with no channel; the bot's voice gateway closes with 4022)."""
        for user_id in [u for u, c in guild.voice_states.items() if c == channel_id]:
            self.set_voice(guild, user_id, None)

    def voice_token(self, guild_id: int) -> str | None:
        """The token of the bot's newest voice connection in the guild (each join or
        move makes a new one; voice IDENTIFY must bring it), or None before any."""
        number = self.voice_connections.get(guild_id)
        return None if number is None else f"voice-token-{guild_id}-{number}"


__all__ = ["VOICE_ENDPOINT", "MemberOps", "voice_session_id"]
