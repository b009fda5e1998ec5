"""Voice from a Discord twin: a discord.py client on the twin's gateway, for Lavalink clients.

The fake voice gateways (:class:`~.voice.VoiceGateway`, mafic's and pomice's stand-ins)
make Discord's voice answers up. With a Discord twin there is no need: it answers a
client's op 4 as Discord does, with ``VOICE_STATE_UPDATE`` and, on a join,
``VOICE_SERVER_UPDATE``, over a real gateway connection. :func:`discord_voice_client`
gives a discord.py client (any subclass: :class:`~.wavelink.WavelinkClient`,
:class:`~.mafic.RecordingClient`...) logged in to a Discord twin and ready, so that
``await channel.connect(cls=wavelink.Player)`` is answered by the twin and the player
hands the Lavalink twin the Discord twin's session id, token and endpoint.

The guild, its voice channel and the bot's membership come from the Discord twin's
world, as they would from Discord. wavelink's, mafic's and pomice's players are
discord.py ``VoiceProtocol`` s already; lavalink.py takes raw gateway dispatches, which
:func:`lavalink_py_voice` hands it (the voice client lavalink.py's own discord.py example
describes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import discord

from ..discord.twin import DiscordTwin
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

    @property
    def guild_id(self) -> int:
        return self.voice_channel.guild.id

    async def on_voice_server_update(self, data: Any) -> None:
        await self.lavalink.voice_update_handler({"t": "VOICE_SERVER_UPDATE", "d": data})

    async def on_voice_state_update(self, data: Any) -> None:
        await self.lavalink.voice_update_handler({"t": "VOICE_STATE_UPDATE", "d": data})

    async def connect(self, *, timeout: float, reconnect: bool, self_deaf: bool = False,
                      self_mute: bool = False) -> None:
        self.lavalink.player_manager.create(guild_id=self.guild_id)
        await self.voice_channel.guild.change_voice_state(
            channel=self.voice_channel, self_mute=self_mute, self_deaf=self_deaf)

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


__all__ = ["LavalinkPyVoice", "discord_voice_client", "lavalink_py_voice"]
