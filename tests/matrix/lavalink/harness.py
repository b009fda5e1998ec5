"""What every Lavalink scenario runs against: a twin on a virtual clock, and a Discord
twin for the Python libraries whose players join voice through discord.py.

One :class:`LavalinkCase` serves every scenario of one library; the library keeps its
node connection from one scenario to the next (as a bot does) and the driver destroys
its player between them. Each scenario's tracks have titles of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_voice import voice_guild
from wiretwin.lavalink import LavalinkTwin
from wiretwin.lavalink.tracks import Track
from wiretwin.runtime.clock import VirtualClock

if TYPE_CHECKING:
    from .driver import LavalinkDriver

GUILD = 717171717171717171
CHANNEL = 727272727272727272


class LavalinkCase:
    def __init__(self, *, discord: bool = False) -> None:
        self.clock = VirtualClock()
        self.twin = LavalinkTwin(clock=self.clock)
        self.discord: DiscordTwin | None = DiscordTwin() if discord else None

    async def open(self) -> None:
        await self.twin.start()
        if self.discord is not None:
            await self.discord.start()
            voice_guild(self.discord, GUILD, {CHANNEL: "Music"})

    async def close(self) -> None:
        await self.twin.stop()
        if self.discord is not None:
            await self.discord.stop()

    def mock(self, title: str, length: int) -> Track:
        """A track in the twin's catalogue (loadable by its URL)."""
        return self.twin.mock_factory.create_mock_track(title, "Wire Band", length)

    async def playing(self, d: LavalinkDriver, title: str, length: int = 180_000) -> None:
        """The library's player in :data:`GUILD`, in voice, playing a new track."""
        track = self.mock(title, length)
        await d.join(GUILD)
        await d.play(GUILD, track.uri or "")
        await d.expect(type="start", title=title)
