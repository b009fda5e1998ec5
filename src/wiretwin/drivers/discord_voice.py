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
world, as they would from Discord. This works for the libraries whose player is a
discord.py ``VoiceProtocol`` (wavelink, mafic, pomice); lavalink.py, which takes raw
gateway dispatches, keeps :class:`~.lavalink_py.SyntheticVoice`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import discord

from ..discord.clients import use_discord_py
from ..discord.twin import DiscordTwin

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


__all__ = ["discord_voice_client"]
