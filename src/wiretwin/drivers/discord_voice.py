"""Voice from a Discord twin: a discord.py client on the twin's gateway, for Lavalink clients.

Every Lavalink driver takes its voice from here. A Discord twin answers a client's op 4
as Discord does, with ``VOICE_STATE_UPDATE`` and, on a join or move,
``VOICE_SERVER_UPDATE`` (a new token each time), over a real gateway connection.
:func:`discord_voice_client` gives a discord.py client (any subclass:
:class:`~.wavelink.WavelinkClient`, :class:`~.mafic.RecordingClient`...) logged in to a
Discord twin and ready, so that ``await channel.connect(cls=wavelink.Player)`` is answered
by the twin and the player hands the Lavalink twin the Discord twin's session id, token
and endpoint.

The guild, its voice channel and the bot's membership come from the Discord twin's
world, as they would from Discord. wavelink's, mafic's and pomice's players are
discord.py ``VoiceProtocol`` s already; lavalink.py takes raw gateway dispatches, which
:func:`lavalink_py_voice` hands it (the voice client lavalink.py's own discord.py example
describes).

What the stand-in voice gateways the drivers had offered, the Discord twin does as
Discord would:
:func:`voice_guild` seats the bot in a guild with voice channels (and listeners) in the
twin's world; :func:`voice_requests` reads the op 4 requests the twin received from its
journal; :func:`unanswered_voice` loses them on the way in (a ``Drop`` fault scoped to the
opcode: a voice connect that times out); :func:`move_bot` is a moderator moving or
disconnecting the bot (the twin dispatches the bot's new voice state, and on a move a new
voice server with a new token).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import discord

from ..discord.model.entities import ChannelType, Guild
from ..discord.twin import DiscordTwin
from ..runtime.faults import Drop, Scope
from ..runtime.journal import Entry
from ..runtime.waiters import WaitableLog
from .discord_py import use_discord_py

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.asynccontextmanager
async def discord_voice_client(twin: DiscordTwin,
                               cls: type[ClientT] = discord.Client,  # type: ignore[assignment]
                               *, timeout: float = 10.0, **kwargs: Any
                               ) -> AsyncIterator[ClientT]:
    """A ``cls`` logged in to ``twin`` over its gateway and ready (its guilds cached);
    closed, its gateway task ended, on exit. discord.py points at ``twin`` meanwhile."""
    kwargs.setdefault("intents", discord.Intents.default())
    client = cls(**kwargs)
    with use_discord_py(twin, client):
        runner = asyncio.create_task(client.start(twin.application.token))
        try:
            ready = asyncio.ensure_future(client.wait_until_ready())
            await asyncio.wait({ready, runner}, timeout=timeout,
                               return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                ready.cancel()
                if runner.done():
                    runner.result()  # the login failed: say why
                raise AssertionError(f"waited {timeout:g}s for discord.py to be ready "
                                     "on the Discord twin")
            yield client
        finally:
            await client.close()
            with contextlib.suppress(Exception):
                await runner


# -- the Discord twin's world, for voice -----------------------------------------------------


def voice_guild(twin: DiscordTwin, guild_id: int, channels: Mapping[int, str], *,
                name: str = "wiretwin guild", listeners: Sequence[int] = (),
                bot_in: int | None = None) -> Guild:
    """A guild ``guild_id`` in ``twin``'s world with the bot as a member and a voice
    channel per ``channels`` entry (id -> name), made before a client logs in.

    Each of ``listeners`` is a human member sitting in the first channel; ``bot_in`` seats
    the bot in that channel already (a restarted bot finds itself there in GUILD_CREATE).
    """
    model = twin.model
    owner = model.add_user("owner")
    guild = model.create_guild(name, owner.id, guild_id=guild_id)
    model.add_member(guild, model.bot.id)
    for channel_id, channel_name in channels.items():
        model.create_channel(guild, channel_name, ChannelType.GUILD_VOICE,
                             channel_id=channel_id)
    first = next(iter(channels))
    for listener in listeners:
        model.add_user(f"listener-{listener}", user_id=listener)
        model.add_member(guild, listener)
        model.set_voice(guild, listener, first)
    if bot_in is not None:
        model.set_voice(guild, model.bot.id, bot_in)
    return guild


@dataclass(frozen=True)
class VoiceStateRequest:
    """An opcode 4 (VOICE_STATE_UPDATE) the client sent: join, move or leave."""

    guild_id: int
    channel_id: int | None
    self_mute: bool
    self_deaf: bool


def _request(entry: Entry) -> VoiceStateRequest | None:
    if entry.kind != "frame" or entry.direction != "in" or entry.event != "VOICE_STATE_UPDATE":
        return None
    data = json.loads(entry.data or "{}")["d"]
    channel = data.get("channel_id")
    return VoiceStateRequest(int(data["guild_id"]), int(channel) if channel is not None else None,
                             bool(data.get("self_mute")), bool(data.get("self_deaf")))


def voice_requests(twin: DiscordTwin, guild_id: int | None = None
                   ) -> list[VoiceStateRequest]:
    """Every op 4 ``twin`` received (from its journal), for ``guild_id`` if given, in
    order: answered or not."""
    found = [_request(e) for e in twin.journal.frames(direction="in",
                                                       event="VOICE_STATE_UPDATE")]
    return [r for r in found if r is not None and (guild_id is None or r.guild_id == guild_id)]


async def wait_voice_request(twin: DiscordTwin,
                             where: Callable[[VoiceStateRequest], bool] = lambda r: True,
                             *, timeout: float = 5.0) -> VoiceStateRequest:
    """The first op 4 ``twin`` received (before or after the call) matching ``where``:
    a client's ``change_voice_state`` returns once the frame is sent, before the twin
    has read it."""
    def matches(entry: Entry) -> bool:
        request = _request(entry)
        return request is not None and where(request)

    (entry,) = await twin.journal.wait_for(matches, timeout=timeout)
    request = _request(entry)
    assert request is not None
    return request


@contextlib.contextmanager
def unanswered_voice(twin: DiscordTwin) -> Iterator[Drop]:
    """While inside, every op 4 the client sends is lost on the way in (journaled, never
    answered): a voice connect that times out, as when Discord does not answer."""
    fault = Drop(name="unanswered-voice",
                 scope=Scope(event="VOICE_STATE_UPDATE", direction="in"))
    with twin.faults.apply(fault):
        yield fault


def move_bot(twin: DiscordTwin, guild_id: int, channel_id: int | None) -> None:
    """A moderator moves the bot to ``channel_id`` or (None) disconnects it: the twin
    dispatches the bot's new voice state, and for a move a new voice server."""
    model = twin.model
    model.set_voice(model.guilds[guild_id], model.bot.id, channel_id)


# -- lavalink.py --------------------------------------------------------------------------


class LavalinkPyVoice(discord.VoiceProtocol):
    """A discord.py voice client for lavalink.py: ``channel.connect`` creates the guild's
    player and asks the gateway to join; the gateway's two voice dispatches go to
    ``lavalink_client.voice_update_handler``, which PATCHes the player's ``voice``."""

    def __init__(self, client: discord.Client, channel: discord.abc.Connectable,
                 lavalink_client: Any) -> None:
        super().__init__(client, channel)
        if not isinstance(channel, discord.VoiceChannel):
            raise TypeError(f"lavalink.py plays in voice channels, not {channel!r}")
        self.voice_channel = channel
        self.lavalink = lavalink_client
        #: Every VOICE_SERVER_UPDATE lavalink.py has handled (its voice PATCH answered).
        self.servers: WaitableLog[dict[str, Any]] = WaitableLog()

    @property
    def guild_id(self) -> int:
        return self.voice_channel.guild.id

    async def on_voice_server_update(self, data: Any) -> None:
        await self.lavalink.voice_update_handler({"t": "VOICE_SERVER_UPDATE", "d": data})
        self.servers.append(dict(data))

    async def on_voice_state_update(self, data: Any) -> None:
        await self.lavalink.voice_update_handler({"t": "VOICE_STATE_UPDATE", "d": data})

    async def connect(self, *, timeout: float, reconnect: bool, self_deaf: bool = False,
                      self_mute: bool = False) -> None:
        self.lavalink.player_manager.create(guild_id=self.guild_id)
        await self.voice_channel.guild.change_voice_state(
            channel=self.voice_channel, self_mute=self_mute, self_deaf=self_deaf)

    async def join(self, channel: discord.VoiceChannel, *, timeout: float = 5.0) -> None:
        """(Re)create the guild's player and join ``channel`` (op 4); returns once
        lavalink.py has sent the Lavalink twin the Discord twin's new voice server."""
        self.voice_channel = channel
        self.channel = channel
        seen = len(self.servers)
        self.lavalink.player_manager.create(guild_id=self.guild_id)
        await channel.guild.change_voice_state(channel=channel)
        await self.servers.wait_for(lambda _: True, start=seen, timeout=timeout)

    async def disconnect(self, *, force: bool = False) -> None:
        """Leave the channel and destroy the player (a DELETE on the Lavalink twin)."""
        await self.voice_channel.guild.change_voice_state(channel=None)
        await self.lavalink.player_manager.destroy(self.guild_id)
        self.cleanup()


def lavalink_py_voice(lavalink_client: Any) -> Callable[[discord.Client,
                                                         discord.abc.Connectable],
                                                        LavalinkPyVoice]:
    """What ``await channel.connect(cls=...)`` takes to join with ``lavalink_client`` (a
    ``lavalink.Client`` whose user id is the bot's on the Discord twin)."""
    def make(client: discord.Client, channel: discord.abc.Connectable) -> LavalinkPyVoice:
        return LavalinkPyVoice(client, channel, lavalink_client)

    return make


__all__ = ["LavalinkPyVoice", "VoiceStateRequest", "discord_voice_client",
           "lavalink_py_voice", "move_bot", "unanswered_voice", "voice_guild",
           "voice_requests", "wait_voice_request"]
