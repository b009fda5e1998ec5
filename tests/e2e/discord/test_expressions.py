"""Custom emojis and stickers through discord.py: a guild's emojis (made, read back from
the twin's CDN, renamed, deleted, each change a GUILD_EMOJIS_UPDATE the bot's cache
follows) and the application's own; stickers uploaded from a file, edited, deleted;
Discord's permission, name, size and slot refusals; what a test makes arrives with
GUILD_CREATE."""

from __future__ import annotations

import io
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
    await twin.backend.make_sticker("ready_sticker", owned)
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


async def test_a_sticker_uploaded_edited_and_deleted(world: World) -> None:
    guild = world.bot.get_guild(world.owned.id)
    assert guild is not None
    assert [s.name for s in guild.stickers] == ["ready_sticker"]  # from GUILD_CREATE
    made = await guild.create_sticker(name="waving", description="a wave", emoji="wave",
                                      file=discord.File(io.BytesIO(GIF), "wave.gif"))
    assert made.format is discord.StickerFormatType.gif
    assert made in guild.stickers
    # discord.py fetches GIF stickers from media.discordapp.net, a host it hard-codes
    # (docs/discord/expressions-events.md); PNG ones come from Asset.BASE, the twin.
    assert made.url.startswith("https://media.discordapp.net/")
    (ready,) = [s for s in guild.stickers if s.name == "ready_sticker"]
    assert await ready.read() == PLACEHOLDER
    fetched = await world.bot.fetch_sticker(made.id)
    assert isinstance(fetched, discord.GuildSticker) and fetched.name == "waving"
    edited = await made.edit(name="waving_more", description="")
    assert (edited.name, edited.description) == ("waving_more", "")
    await edited.delete()
    assert [s.name for s in await guild.fetch_stickers()] == ["ready_sticker"]
    with pytest.raises(discord.HTTPException) as wrong:
        await guild.create_sticker(name="text", description="", emoji="x",
                                   file=discord.File(io.BytesIO(b"not an image"), "a.txt"))
    assert (wrong.value.status, wrong.value.code) == (400, 50035)
    for index in range(4):
        await guild.create_sticker(name=f"s{index}x", description="", emoji="x",
                                   file=discord.File(io.BytesIO(PLACEHOLDER), "s.png"))
    with pytest.raises(discord.HTTPException) as full:
        await guild.create_sticker(name="sixth", description="", emoji="x",
                                   file=discord.File(io.BytesIO(PLACEHOLDER), "s.png"))
    assert full.value.code == 30039
    elsewhere = world.bot.get_guild(world.other.id)
    assert elsewhere is not None
    with pytest.raises(discord.Forbidden):
        await elsewhere.create_sticker(name="nope", description="", emoji="x",
                                       file=discord.File(io.BytesIO(PLACEHOLDER), "s.png"))
