"""dpytest's ``Fake*`` classes under the layer: the configured bot's own objects carry
their names (``isinstance`` checks written for dpytest hold), and what dpytest's fakes did
that a test can see happens on the twin: 0.7.0's ``create_channel`` idiom, events
switched off and on, a voice channel joined and left through the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import discord.http
import discord.state
import pytest
from discord.ext import commands

import wiretwin.discord.dpytest as dpytest
import wiretwin.discord.dpytest.backend as backend
from wiretwin.compat.dpytest.session import current
from wiretwin.discord.dpytest.backend import FakeHttp, FakeRequest
from wiretwin.discord.dpytest.state import FakeState
from wiretwin.discord.dpytest.voice import FakeVoiceChannel, FakeVoiceClient
from wiretwin.discord.dpytest.websocket import FakeWebSocket


@pytest.fixture
async def bot() -> AsyncIterator[commands.Bot]:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    the_bot = commands.Bot(command_prefix="!", intents=intents)
    the_bot.joined = []  # type: ignore[attr-defined]

    @the_bot.listen()
    async def on_member_join(member: discord.Member) -> None:
        the_bot.joined.append(member.name)  # type: ignore[attr-defined]

    dpytest.configure(the_bot, voice_channels=2)
    yield the_bot
    await dpytest.empty_queue()
    await dpytest.cleanup()


async def test_the_bots_own_objects_answer_to_dpytests_class_names(bot: commands.Bot) -> None:
    assert isinstance(bot.http, FakeHttp) and isinstance(bot.http, discord.http.HTTPClient)
    assert backend.get_state() is bot._connection
    assert isinstance(bot._connection, FakeState)
    assert isinstance(bot._connection, discord.state.ConnectionState)
    assert bot.http.state is bot._connection
    assert isinstance(bot.ws, FakeWebSocket)
    voice = bot.guilds[0].voice_channels
    assert len(voice) == 2 and all(isinstance(c, FakeVoiceChannel) for c in voice)


async def test_dpytest_07s_create_channel_takes_the_guild_and_the_callers_name(
        bot: commands.Bot) -> None:
    guild, http = bot.guilds[0], bot.http
    assert isinstance(http, FakeHttp)
    name = "Lounge"
    made = await http.create_channel(guild, channel_type=discord.ChannelType.voice.value)
    assert made["type"] == discord.ChannelType.voice and made["name"] == name
    created = guild.get_channel(int(made["id"]))
    assert isinstance(created, discord.VoiceChannel) and created.name == "Lounge"
    assert created.id in current().twin.model.guilds[guild.id].channels  # on the twin
    given = await http.create_channel(guild, 0, name="notes")
    assert (given["name"], given["type"]) == ("notes", discord.ChannelType.text)


async def test_calls_with_an_id_go_over_the_wire_as_they_are(bot: commands.Bot) -> None:
    guild = bot.guilds[0]
    lounge = await guild.create_voice_channel("Lounge")
    assert lounge.name == "Lounge" and lounge in guild.voice_channels
    with pytest.raises(discord.HTTPException) as refused:  # no name=, no name here
        await bot.http.create_channel(guild.id, channel_type=discord.ChannelType.voice.value)
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert "name" in str(refused.value)


async def test_dpytest_masters_create_channel_takes_the_id_and_the_callers_name(
        bot: commands.Bot) -> None:
    guild = bot.guilds[0]
    name = "Stage Left"
    made = await bot.http.create_channel(guild.id, channel_type=discord.ChannelType.voice.value)
    assert (made["name"], made["type"]) == (name, discord.ChannelType.voice.value)
    assert guild.get_channel(int(made["id"])) in guild.voice_channels


async def test_stopped_events_still_update_the_cache(bot: commands.Bot) -> None:
    guild, state = bot.guilds[0], backend.get_state()
    state.stop_dispatch()
    quiet = backend.make_member(backend.make_user("quiet", "0001"), guild)
    await dpytest.run_all_events()
    assert quiet in guild.members and bot.joined == []  # type: ignore[attr-defined]
    state.stop_dispatch()  # twice changes nothing
    state.start_dispatch()
    backend.make_member(backend.make_user("loud", "0002"), guild)
    await dpytest.run_all_events()
    assert bot.joined == ["loud"]  # type: ignore[attr-defined]
    state.stop_dispatch()
    dpytest.configure(bot)  # a new session: events on again
    backend.make_member(backend.make_user("again", "0003"), bot.guilds[0])
    await dpytest.run_all_events()
    assert bot.joined == ["loud", "again"]  # type: ignore[attr-defined]


def test_fake_request_makes_discord_pys_http_errors() -> None:
    # discord.py's stubs name aiohttp's and requests' responses; a stand-in duck-types them
    error = discord.Forbidden(FakeRequest(403, "Forbidden"),  # type: ignore[arg-type]
                              "Missing Permissions")
    assert error.status == 403 and str(error) == (
        "403 Forbidden (error code: 0): Missing Permissions")
    assert FakeRequest(404, "Not Found").status_code == 404


async def test_the_voice_client_joins_moves_and_leaves_through_the_twin(
        bot: commands.Bot) -> None:
    guild = bot.guilds[0]
    first, second = guild.voice_channels
    voice_states = current().twin.model.guilds[guild.id].voice_states
    voice = await first.connect(cls=FakeVoiceClient)
    assert bot.voice_clients == [voice] and voice.is_connected()
    assert guild.me.voice is not None and guild.me.voice.channel == first
    assert voice_states[bot.user.id] == first.id  # type: ignore[union-attr]
    with pytest.raises(discord.ClientException, match="Already connected"):
        await second.connect(cls=FakeVoiceClient)
    await voice.move_to(second)
    assert voice.channel == second and guild.me.voice.channel == second
    await dpytest.run_all_events()
    assert voice.endpoint is not None and voice.token is not None  # VOICE_SERVER_UPDATE
    await voice.disconnect(force=False)
    assert bot.voice_clients == [] and not voice.is_connected()
    assert guild.me.voice is None
    assert bot.user is not None and bot.user.id not in voice_states


async def test_a_voice_client_moved_out_by_someone_else_lets_go(bot: commands.Bot) -> None:
    guild = bot.guilds[0]
    voice = await guild.voice_channels[0].connect(cls=FakeVoiceClient)
    await guild.me.move_to(None)  # over REST, as a moderator's client would
    await dpytest.run_all_events()
    assert bot.voice_clients == [] and not voice.is_connected()
