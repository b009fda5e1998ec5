"""The gateway asks for a heartbeat (op 1 from the server) and discord.py answers at once."""

from __future__ import annotations

import discord
from discord.ext import commands

from wiretwin.discord.twin import DiscordTwin

from .bots import build_world, gateway_in, mark, run_bot


async def test_a_server_requested_heartbeat_is_answered_immediately() -> None:
    async with DiscordTwin() as twin:
        build_world(twin)
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
        async with run_bot(twin, bot):
            since = mark(twin)
            asked = await twin.backend.request_heartbeat()
            assert asked == 1
            (requested,) = [e for e in twin.journal.frames(direction="out", event="HEARTBEAT")
                            if e.seq > since]
            assert requested.json == {"op": 1, "d": None, "s": None, "t": None}
            answers = gateway_in(twin, 1, since=requested.seq)
            assert answers, "discord.py did not heartbeat when asked"
            # Its heartbeat carries the last sequence number it saw.
            assert isinstance(answers[0].json["d"], int)
            acks = twin.journal.frames(direction="out", event="HEARTBEAT_ACK")
            assert acks[-1].seq > answers[0].seq
