"""A discord.py client that is ready without a gateway, and Discord's voice round trip.

wavelink, mafic and pomice take a discord.py ``Client`` (or ``commands.Bot``): they read
``client.user.id`` and wait for ``wait_until_ready()``. :func:`ready_client` gives them
one that is logged in as ``user_id`` and ready, with no token and no network. The voice
payloads (:class:`~.payloads.VoiceSession`) are the ``d`` of Discord's gateway
dispatches, exactly as discord.py hands them to a ``VoiceProtocol``.
:class:`VoiceGateway` stands in for the gateway's voice part (it answers op 4 as Discord
does) and :func:`add_voice_channel` puts a guild with a voice channel into the client's
cache, so ``await channel.connect(cls=...)`` runs unmodified.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class VoiceStateRequest:
    """An opcode 4 (VOICE_STATE_UPDATE) the client sent: join, move or leave."""

    guild_id: int
    channel_id: int | None
    self_mute: bool
    self_deaf: bool


class VoiceGateway:
    """Stands in for ``client.ws`` (discord.py's gateway socket), for voice only.

    ``Guild.change_voice_state`` calls :meth:`voice_state`; Discord would answer with the
    bot's ``VOICE_STATE_UPDATE`` and, when it joins or moves, a ``VOICE_SERVER_UPDATE``
    (with a new token). They go through the client's own gateway parsers, exactly as if
    they had come from Discord: discord.py updates the guild's voice states and runs the
    voice protocol's (the player's) handlers. Every request is kept in :attr:`requests`.
    """

    def __init__(self, client: discord.Client, *,
                 endpoint: str = DEFAULT_ENDPOINT) -> None:
        self.client = client
        self.endpoint = endpoint
        self.requests: list[VoiceStateRequest] = []
        #: guild id -> the bot's current voice session there.
        self.sessions: dict[int, VoiceSession] = {}
        self._tokens = itertools.count(1)
        self.open = True
        self.latency = 0.0

    @classmethod
    def install(cls, client: discord.Client, **kwargs: Any) -> VoiceGateway:
        """Attach a gateway to ``client`` (its existing one, if it has one already)."""
        current = client.ws
        if isinstance(current, VoiceGateway):
            return current
        gateway = cls(client, **kwargs)
        client.ws = gateway  # type: ignore[assignment]  # duck-types DiscordWebSocket
        return gateway

    @property
    def user_id(self) -> int:
        user = self.client.user
        return user.id if user is not None else DEFAULT_BOT_ID

    async def voice_state(self, guild_id: int, channel_id: int | None,
                          self_mute: bool = False, self_deaf: bool = False) -> None:
        """Opcode 4, answered at once as Discord answers it."""
        self.requests.append(VoiceStateRequest(guild_id, channel_id, self_mute, self_deaf))
        if channel_id is None:
            self.leave(guild_id)
        else:
            self.join(guild_id, channel_id)

    def join(self, guild_id: int, channel_id: int) -> VoiceSession:
        """The bot is in ``channel_id`` now (a join or a move): both voice dispatches."""
        session = VoiceSession(guild_id, channel_id, user_id=self.user_id,
                               token=f"wiretwin-voice-token-{next(self._tokens)}",
                               endpoint=self.endpoint)
        self.sessions[guild_id] = session
        for event in session.gateway_events():
            self._dispatch(event["t"], event["d"])
        return session

    def leave(self, guild_id: int) -> None:
        """The bot left (or was disconnected by someone): ``VOICE_STATE_UPDATE`` with no
        channel."""
        session = self.sessions.pop(guild_id, None)
        data = (session or VoiceSession(guild_id, 0, user_id=self.user_id)).state_update()
        data["channel_id"] = None
        self._dispatch("VOICE_STATE_UPDATE", data)

    def kick(self, guild_id: int) -> None:
        """A moderator disconnected the bot: what Discord sends (alongside the voice
        server's 4014 close, which the twin reports with ``close_voice``)."""
        self.leave(guild_id)

    def _dispatch(self, kind: str, data: dict[str, Any]) -> None:
        self.client._connection.parsers[kind](data)

    async def close(self, code: int = 1000) -> None:
        self.open = False


# -- a guild and its voice channel ---------------------------------------------------------


def _user(user_id: int, name: str, *, bot: bool) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": bot}


def _member(user_id: int, name: str, *, bot: bool) -> dict[str, Any]:
    return {"user": _user(user_id, name, bot=bot), "roles": [], "nick": None,
            "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False,
            "flags": 0}


def _voice_channel(guild_id: int, channel_id: int, name: str) -> dict[str, Any]:
    return {"id": str(channel_id), "guild_id": str(guild_id), "type": 2, "name": name,
            "position": 0, "permission_overwrites": [], "bitrate": 64000, "user_limit": 0,
            "rtc_region": None, "nsfw": False, "parent_id": None}


def add_voice_channel(client: discord.Client, guild_id: int, channel_id: int, *,
                      guild_name: str = "wiretwin guild", channel_name: str = "Music",
                      listeners: Sequence[int] = ()) -> discord.VoiceChannel:
    """A voice channel in the client's cache, in a guild created for it if need be.

    The guild is what ``GUILD_CREATE`` would give: the bot is a member, and each of
    ``listeners`` is a human member sitting in the channel (wavelink counts them to decide
    whether a channel is inactive). Listeners are seated only when the guild is created;
    a channel added to an existing guild starts empty.
    """
    state = client._connection
    user = client.user
    if user is None:
        raise RuntimeError("the client is not logged in (use ready_client)")
    guild = client.get_guild(guild_id)
    if guild is None:
        voice_states = [
            {"guild_id": str(guild_id), "channel_id": str(channel_id), "user_id": str(uid),
             "session_id": f"listener-{uid}", "deaf": False, "mute": False,
             "self_deaf": False, "self_mute": False, "self_video": False,
             "suppress": False, "request_to_speak_timestamp": None}
            for uid in listeners]
        members = [_member(user.id, user.name, bot=True)] + [
            _member(uid, f"listener-{uid}", bot=False) for uid in listeners]
        data: dict[str, Any] = {
            "id": str(guild_id), "name": guild_name, "owner_id": str(user.id),
            "icon": None, "features": [], "emojis": [], "stickers": [],
            "roles": [{"id": str(guild_id), "name": "@everyone", "permissions": "0",
                       "position": 0, "color": 0, "hoist": False, "managed": False,
                       "mentionable": False, "flags": 0}],
            "channels": [_voice_channel(guild_id, channel_id, channel_name)],
            "voice_states": voice_states, "members": members,
            "member_count": len(members), "large": False, "unavailable": False,
        }
        guild = discord.Guild(data=data, state=state)  # type: ignore[arg-type]
        state._add_guild(guild)
    channel = guild.get_channel(channel_id)
    if channel is None:
        channel = discord.VoiceChannel(
            state=state, guild=guild,
            data=_voice_channel(guild_id, channel_id, channel_name))  # type: ignore[arg-type]
        guild._add_channel(channel)
    if not isinstance(channel, discord.VoiceChannel):
        raise TypeError(f"channel {channel_id} exists and is not a voice channel")
    return channel


def uses_a_gateway(client: discord.Client) -> bool:
    """Whether ``client`` is connected to a gateway (a Discord twin's, say) rather than
    made ready without one: its voice joins are then answered by that gateway."""
    return isinstance(client.ws, discord.gateway.DiscordWebSocket)


__all__ = ["DEFAULT_BOT_ID", "DEFAULT_ENDPOINT", "VoiceGateway", "VoiceSession",
           "VoiceStateRequest", "add_voice_channel", "ready_client", "uses_a_gateway"]
