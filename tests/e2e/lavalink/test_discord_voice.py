"""Voice hand-over from a Discord twin, not from a fake voice gateway (wavelink, mafic,
pomice, whose players are discord.py ``VoiceProtocol`` s, and lavalink.py through
:func:`~wiretwin.drivers.discord_voice.lavalink_py_voice`).

discord.py logs in to a Discord twin (:func:`wiretwin.drivers.discord_voice.discord_voice_client`);
``await channel.connect(cls=wavelink.Player)`` sends op 4 over the real gateway, the
Discord twin answers with ``VOICE_STATE_UPDATE`` and ``VOICE_SERVER_UPDATE``, and
wavelink PATCHes the Lavalink twin's player with the Discord twin's session id, token and
endpoint. Leaving is the Discord twin's too: its voice state goes, and wavelink destroys
the player on the Lavalink twin.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, cast

import discord
import mafic  # noqa: F401  (its warning class, named in a filter)
import pytest
import wavelink
from discord.ext import commands

from wiretwin.discord.model.entities import ChannelType
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers import lavalink_py as lavalink_py_driver
from wiretwin.drivers import mafic as mafic_driver
from wiretwin.drivers import pomice as pomice_driver
from wiretwin.drivers.discord_voice import discord_voice_client, lavalink_py_voice
from wiretwin.drivers.voice import uses_a_gateway
from wiretwin.drivers.wavelink import (
    WavelinkClient,
    close_pool,
    connect_node,
    connect_player_via,
)
from wiretwin.lavalink import LavalinkTwin


@pytest.fixture
async def discord_twin() -> AsyncIterator[DiscordTwin]:
    async with DiscordTwin() as running:
        model = running.model
        owner = model.add_user("owner")
        guild = model.create_guild("Music Server", owner.id)
        model.add_member(guild, model.bot.id)
        model.create_channel(guild, "Lounge", ChannelType.GUILD_VOICE)
        yield running


async def test_a_player_joins_with_the_discord_twins_voice_events(
        twin: LavalinkTwin, discord_twin: DiscordTwin) -> None:
    model = discord_twin.model
    (guild,) = model.guilds.values()
    (voice,) = [c for c in model.channels.values() if c.is_voice]
    assert wavelink.Pool.nodes == {}
    async with discord_voice_client(discord_twin, WavelinkClient) as client:
        try:
            assert uses_a_gateway(client)
            await connect_node(client, twin)
            player = await connect_player_via(client, voice.id)
            assert player.channel is not None and player.channel.id == voice.id
            assert guild.voice_states == {model.bot.id: voice.id}
            (patch,) = [json.loads(e.detail["request_body"])
                        for e in twin.journal.http(method="PATCH")
                        if e.detail["path"].endswith(f"/players/{guild.id}")]
            assert patch["voice"] == {
                "sessionId": f"voice-{model.bot.id}", "token": f"voice-token-{guild.id}-1",
                "endpoint": discord_twin.voice.endpoint, "channelId": str(voice.id)}
            view = twin.player(guild.id)
            assert view.connected and view.voice["channelId"] == str(voice.id)

            def bot_left(member: discord.Member, before: discord.VoiceState,
                         after: discord.VoiceState) -> bool:
                return member.id == model.bot.id and after.channel is None

            left = asyncio.ensure_future(
                client.wait_for("voice_state_update", check=bot_left, timeout=5))
            await player.disconnect()
            await left  # the Discord twin's answer to the op 4 leave
            assert guild.voice_states == {}
            (delete,) = await twin.journal.wait_for(
                lambda e: e.kind == "http" and e.detail["method"] == "DELETE"
                and e.detail["path"].endswith(f"/players/{guild.id}"))
            assert delete.detail["status"] == 204
        finally:
            await close_pool()
    assert wavelink.Pool.nodes == {}


def voice_patch(twin: LavalinkTwin, guild_id: int) -> dict[str, object]:
    (patch,) = [json.loads(e.detail["request_body"])["voice"]
                for e in twin.journal.http(method="PATCH")
                if e.detail["path"].endswith(f"/players/{guild_id}")
                and "voice" in json.loads(e.detail["request_body"])]
    return dict(patch)


# Every 4.x minor > 0 makes mafic warn; it passes ws_connect(timeout=<float>) (deprecated).
@pytest.mark.filterwarnings("ignore::mafic.UnsupportedVersionWarning")
@pytest.mark.filterwarnings("ignore:parameter 'timeout':DeprecationWarning")
async def test_a_mafic_player_joins_with_the_discord_twins_voice_events(
        twin: LavalinkTwin, discord_twin: DiscordTwin) -> None:
    model = discord_twin.model
    (guild,) = model.guilds.values()
    (voice,) = [c for c in model.channels.values() if c.is_voice]
    async with discord_voice_client(discord_twin, mafic_driver.RecordingClient) as client:
        try:
            await mafic_driver.create_node(twin, client,
                                           player_cls=mafic_driver.RecordingPlayer)
            channel = client.get_channel(voice.id)
            assert isinstance(channel, discord.VoiceChannel)
            player: mafic_driver.RecordingPlayer = await mafic_driver.connect_player(channel)
            assert guild.voice_states == {model.bot.id: voice.id}
            assert voice_patch(twin, guild.id) == {
                "sessionId": f"voice-{model.bot.id}", "token": f"voice-token-{guild.id}-1",
                "endpoint": discord_twin.voice.endpoint, "channelId": str(voice.id)}
            await player.disconnect(force=True)
        finally:
            await mafic_driver.close_pool()


async def test_a_pomice_player_joins_with_the_discord_twins_voice_events(
        twin: LavalinkTwin, discord_twin: DiscordTwin) -> None:
    model = discord_twin.model
    (guild,) = model.guilds.values()
    (voice,) = [c for c in model.channels.values() if c.is_voice]
    async with discord_voice_client(discord_twin, commands.Bot,
                                    command_prefix=commands.when_mentioned) as bot:
        try:
            await pomice_driver.create_node(bot, pomice_driver.node_settings(twin))
            channel = bot.get_channel(voice.id)
            assert isinstance(channel, discord.VoiceChannel)
            # pomice types its player's channel narrower than discord.py's Connectable
            player: pomice_driver.TwinPlayer = await channel.connect(
                cls=cast(Any, pomice_driver.TwinPlayer))
            await player.wait_state(lambda s: s.connected)
            assert guild.voice_states == {model.bot.id: voice.id}
            assert voice_patch(twin, guild.id) == {
                "sessionId": f"voice-{model.bot.id}", "token": f"voice-token-{guild.id}-1",
                "endpoint": discord_twin.voice.endpoint, "channelId": str(voice.id)}
            await player.destroy()
        finally:
            await pomice_driver.close_pool()


async def test_a_lavalink_py_player_joins_with_the_discord_twins_voice_events(
        twin: LavalinkTwin, discord_twin: DiscordTwin) -> None:
    model = discord_twin.model
    (guild,) = model.guilds.values()
    (voice,) = [c for c in model.channels.values() if c.is_voice]
    conn = await lavalink_py_driver.connect(twin, user_id=model.bot.id)
    try:
        async with discord_voice_client(discord_twin, discord.Client) as client:
            channel = client.get_channel(voice.id)
            assert isinstance(channel, discord.VoiceChannel)
            voice_client = await channel.connect(cls=lavalink_py_voice(conn.client))
            # lavalink.py PATCHes once both dispatches came through the gateway
            await twin.journal.wait_for(
                lambda e: e.kind == "http" and e.detail["method"] == "PATCH"
                and e.detail["path"].endswith(f"/players/{guild.id}"))
            assert guild.voice_states == {model.bot.id: voice.id}
            assert voice_patch(twin, guild.id) == {
                "sessionId": f"voice-{model.bot.id}", "token": f"voice-token-{guild.id}-1",
                "endpoint": discord_twin.voice.endpoint, "channelId": str(voice.id)}
            await voice_client.disconnect(force=True)
            (delete,) = twin.journal.http(method="DELETE")
            assert delete.detail["path"].endswith(f"/players/{guild.id}")
            assert delete.detail["status"] == 204
    finally:
        await lavalink_py_driver.close_client(conn.client)
