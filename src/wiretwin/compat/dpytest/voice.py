"""dpytest's ``voice`` module: :class:`FakeVoiceClient` and ``FakeVoiceChannel``.

dpytest's voice client pretended to connect. The twin has the gateway half of voice
(op 4 answered with VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE) but runs no voice
server, so discord.py's own ``VoiceClient`` cannot finish connecting. This one joins,
moves and leaves through the gateway and stops there: the bot really is in the channel
for the twin and for every member, and no audio flows. It is a ``discord.VoiceProtocol``
(not a ``VoiceClient``: nothing to ``play``)::

    voice = await channel.connect(cls=FakeVoiceClient)

``FakeVoiceChannel`` is ``discord.VoiceChannel`` itself: the bot's voice channels.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from .fakes import FakeVoiceChannel

#: How long a join, move or leave waits for the twin's answer when no timeout is given.
DEFAULT_TIMEOUT = 60.0


class FakeVoiceClient(discord.VoiceProtocol):
    """The bot in a voice channel, through the twin's gateway, without audio."""

    def __init__(self, client: discord.Client, channel: discord.abc.Connectable) -> None:
        super().__init__(client, channel)
        #: The voice channel the twin last said the bot is in (None: in none).
        self.channel_id: int | None = None
        #: From VOICE_SERVER_UPDATE / VOICE_STATE_UPDATE (what a voice connection would use).
        self.endpoint: str | None = None
        self.token: str | None = None
        self.session_id: str | None = None
        self._timeout = DEFAULT_TIMEOUT
        self._changed = asyncio.Event()

    @property
    def guild(self) -> discord.Guild:
        guild: discord.Guild = self.channel.guild  # type: ignore[attr-defined]
        return guild

    @property
    def user(self) -> discord.ClientUser:
        assert self.client.user is not None
        return self.client.user

    def is_connected(self) -> bool:
        return self.channel_id is not None

    async def on_voice_state_update(self, data: Any, /) -> None:
        self.session_id = data.get("session_id")
        channel_id = data.get("channel_id")
        self.channel_id = None if channel_id is None else int(channel_id)
        found = None if channel_id is None else self.guild.get_channel(int(channel_id))
        if found is not None:
            self.channel = found  # type: ignore[assignment]
        if channel_id is None:  # left, or was disconnected by someone else
            self.cleanup()
        self._changed.set()

    async def on_voice_server_update(self, data: Any, /) -> None:
        self.endpoint, self.token = data.get("endpoint"), data.get("token")

    async def connect(self, *, timeout: float, reconnect: bool, self_deaf: bool = False,
                      self_mute: bool = False) -> None:
        """Join :attr:`channel`; returns once the twin has the bot there."""
        self._timeout = timeout
        channel: discord.abc.Snowflake = self.channel  # type: ignore[assignment]
        await self._go(channel, timeout, self_mute=self_mute, self_deaf=self_deaf)

    async def move_to(self, channel: discord.abc.Snowflake | None, *,
                      timeout: float | None = None) -> None:
        """Move to ``channel`` (None: leave, as :meth:`disconnect`)."""
        if channel is None:
            await self.disconnect(force=False)
            return
        await self._go(channel, self._timeout if timeout is None else timeout)

    async def disconnect(self, *, force: bool = False) -> None:
        """Leave the channel; returns once the twin has the bot in none (``force``:
        without waiting for it). Either way the bot's ``voice_clients`` forget this one."""
        try:
            if self.channel_id is None or force:
                await self.guild.change_voice_state(channel=None)
            else:
                await self._go(None, self._timeout)
        finally:
            self.cleanup()

    async def _go(self, channel: discord.abc.Snowflake | None, timeout: float, *,
                  self_mute: bool = False, self_deaf: bool = False) -> None:
        wanted = None if channel is None else channel.id
        self._changed.clear()
        await self.guild.change_voice_state(channel=channel, self_mute=self_mute,
                                            self_deaf=self_deaf)
        async with asyncio.timeout(timeout):
            while self.channel_id != wanted:
                await self._changed.wait()
                self._changed.clear()


__all__ = ["FakeVoiceChannel", "FakeVoiceClient"]
