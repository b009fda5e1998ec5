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
from wiretwin.runtime.journal import Entry

from .driver import TIMEOUT

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

    async def applied(self, since: int, field: str) -> Entry:
        """Wait until the node has answered a player PATCH that sets ``field`` (recorded
        after ``since``, a journal mark): a library may send it after its call returned."""
        def patched(entry: Entry) -> bool:
            return (entry.kind == "http" and entry.detail.get("method") == "PATCH"
                    and "/players/" in str(entry.detail.get("path"))
                    and f'"{field}"' in str(entry.detail.get("request_body")))

        (entry,) = await self.twin.journal.wait_for(patched, since=since, timeout=TIMEOUT)
        return entry

    async def join(self, d: LavalinkDriver) -> None:
        """The library joins voice in :data:`GUILD`: returns once the node accepted the
        voice state it sent (fails at once with the node's answer if it refused it)."""
        mark = self.twin.journal.mark()
        await d.join(GUILD)
        entry = await self.applied(mark, "voice")
        status = entry.detail.get("status")
        if status != 200:
            raise AssertionError(f"the node refused the library's voice state ({status}): "
                                 f"{str(entry.detail.get('response_body'))[:200]}")

    def mock(self, title: str, length: int) -> Track:
        """A track in the twin's catalogue (loadable by its URL)."""
        return self.twin.mock_factory.create_mock_track(title, "Wire Band", length)

    async def playing(self, d: LavalinkDriver, title: str, length: int = 180_000) -> None:
        """The library's player in :data:`GUILD`, in voice, playing a new track."""
        track = self.mock(title, length)
        await self.join(d)
        await d.play(GUILD, track.uri or "")
        await d.expect(type="start", title=title)
