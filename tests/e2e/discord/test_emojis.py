"""Custom emojis through discord.py: a guild's (made, read back from the twin's CDN,
renamed, deleted, each change a GUILD_EMOJIS_UPDATE the bot's cache follows) and the
application's own; Discord's permission, name and size refusals; emojis a test makes
arrive with GUILD_CREATE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest

from wiretwin.discord.cdn import PLACEHOLDER
from wiretwin.discord.model import Guild
from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_py_attach import Attachment, attach

GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


@dataclass
class World:
    twin: DiscordTwin
    bot: discord.Client
    owned: Guild
    other: Guild
    updates: list[tuple[int, int]]


@pytest.fixture
async def world() -> AsyncIterator[World]:
    twin = await DiscordTwin().start()
    model = twin.model
    owned = model.create_guild("Bot's own", model.bot.id)  # the owner may do anything
    other = model.create_guild("Elsewhere", model.application.owner.id)
    model.add_member(other, model.bot.id)
    await twin.backend.make_emoji("ready_made", owned)
    bot = discord.Client(intents=discord.Intents.all())
    updates: list[tuple[int, int]] = []

    @bot.event
    async def on_guild_emojis_update(guild: discord.Guild, before: object,
                                     after: tuple[discord.Emoji, ...]) -> None:
        updates.append((guild.id, len(after)))

    attachment: Attachment = attach(twin, bot)
    try:
        yield World(twin, bot, owned, other, updates)
    finally:
        await attachment.close()
        await twin.stop()


async def test_a_guild_emoji_made_read_renamed_and_deleted(world: World) -> None:
    guild = world.bot.get_guild(world.owned.id)
    assert guild is not None
    assert [e.name for e in guild.emojis] == ["ready_made"]  # from GUILD_CREATE
    made = await guild.create_custom_emoji(name="party", image=GIF)
    assert made.animated and made.name == "party"
    assert made in guild.emojis and world.updates[-1] == (guild.id, 2)
    assert await made.read() == GIF  # the twin's CDN, where discord.py builds the URL
    fetched = await guild.fetch_emoji(made.id)
    assert fetched.user is not None and fetched.user.id == world.bot.user.id  # type: ignore[union-attr]
    renamed = await made.edit(name="party_hard")
    assert renamed.name == "party_hard"
    assert guild.get_emoji(made.id).name == "party_hard"  # type: ignore[union-attr]
    await renamed.delete()
    assert guild.get_emoji(made.id) is None and world.updates[-1] == (guild.id, 1)
    assert [e.name for e in await guild.fetch_emojis()] == ["ready_made"]


async def test_discords_refusals(world: World) -> None:
    elsewhere = world.bot.get_guild(world.other.id)
    owned = world.bot.get_guild(world.owned.id)
    assert elsewhere is not None and owned is not None
    with pytest.raises(discord.Forbidden) as refused:
        await elsewhere.create_custom_emoji(name="nope", image=PLACEHOLDER)
    assert refused.value.code == 50013
    with pytest.raises(discord.HTTPException) as named:
        await owned.create_custom_emoji(name="no spaces", image=PLACEHOLDER)
    assert (named.value.status, named.value.code) == (400, 50035)
    with pytest.raises(discord.HTTPException) as large:
        await owned.create_custom_emoji(name="huge", image=PLACEHOLDER + b"\0" * 300_000)
    assert "256.0 kb" in large.value.text
    with pytest.raises(discord.NotFound):
        await owned.fetch_emoji(12345)


async def test_the_applications_own_emojis(world: World) -> None:
    made = await world.bot.create_application_emoji(name="app_wave", image=PLACEHOLDER)
    assert [e.id for e in await world.bot.fetch_application_emojis()] == [made.id]
    assert await made.read() == PLACEHOLDER
    renamed = await made.edit(name="app_bye")
    assert (await world.bot.fetch_application_emoji(made.id)).name == "app_bye"
    await renamed.delete()
    assert await world.bot.fetch_application_emojis() == []
    await world.bot.create_application_emoji(name="twin", image=PLACEHOLDER)
    with pytest.raises(discord.HTTPException) as taken:  # two emojis of the app, one name
        await world.bot.create_application_emoji(name="twin", image=PLACEHOLDER)
    assert (taken.value.status, taken.value.code) == (400, 50035)


async def test_a_default_avatar_and_a_users_avatar_come_from_the_twins_cdn(
        world: World) -> None:
    user = world.bot.user
    assert user is not None
    assert await user.display_avatar.read() == PLACEHOLDER
    assert await user.default_avatar.read() == PLACEHOLDER
