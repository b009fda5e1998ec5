"""A dpytest-style suite run through ``wiretwin.compat.dpytest``: dpytest's calls, an
unmodified ``commands.Bot`` that really logs in, everything over the wire."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import AsyncIterator

import discord
import pytest
from discord.ext import commands

import wiretwin.compat.dpytest as dpytest
from wiretwin.compat.dpytest import backend
from wiretwin.compat.dpytest import session as dpytest_session
from wiretwin.discord.backend import BackendError


def build_bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    bot = commands.Bot(command_prefix="!", intents=intents)

    @bot.command()
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("Ping:Pong")

    @bot.command()
    async def echo(ctx: commands.Context[commands.Bot], *, text: str) -> None:
        await ctx.send(text)

    @bot.command()
    async def embed(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send(embed=discord.Embed(title="Test Embed", description="described"))

    @bot.command()
    async def boom(ctx: commands.Context[commands.Bot]) -> None:
        raise RuntimeError("kaboom")

    @bot.command()
    async def react(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("react to me")

    @bot.listen()
    async def on_reaction_add(reaction: discord.Reaction, user: discord.User) -> None:
        if not user.bot:
            await reaction.message.channel.send(f"{user.name} reacted {reaction.emoji}")

    @bot.command()
    async def status(ctx: commands.Context[commands.Bot]) -> None:
        await bot.change_presence(activity=discord.Game(name="with the twin"))
        await ctx.send("status set")

    @bot.command()
    async def roles(ctx: commands.Context[commands.Bot], member: discord.Member) -> None:
        await ctx.send(", ".join(r.name for r in member.roles if not r.is_default()) or "none")

    return bot


@pytest.fixture
async def bot() -> AsyncIterator[commands.Bot]:
    the_bot = build_bot()
    dpytest.configure(the_bot)
    yield the_bot
    await dpytest.empty_queue()
    await dpytest.cleanup()


async def test_configure_builds_dpytests_world(bot: commands.Bot) -> None:
    config = await dpytest.ready()
    assert config is dpytest.get_config() and config.client is bot
    assert [g.name for g in config.guilds] == ["Test Guild 0"]
    assert [c.name for c in config.channels] == ["TextChannel_0", "VoiceChannel_0"]
    assert [(m.name, m.nick) for m in config.members] == [("TestUser0", "TestUser0_0_nick")]
    guild = config.guilds[0]
    assert list(guild.members) == [config.members[0], guild.me] and guild.owner is None


async def test_the_bot_is_usable_when_configure_returns() -> None:
    bot = build_bot()
    dpytest.configure(bot, guilds=2, text_channels=["Fruits", "Coding"], members=2)
    try:
        # No await since configure(): what dpytest suites read straight away.
        assert bot.user is not None and bot.is_ready()
        assert [g.name for g in bot.guilds] == ["Test Guild 0", "Test Guild 1"]
        assert [c.name for c in bot.guilds[0].text_channels] == ["Fruits", "Coding"]
        assert [m.name for m in bot.guilds[1].members] == ["TestUser0", "TestUser1",
                                                           bot.user.name]
        await bot.guilds[0].text_channels[1].send("straight away")
        assert dpytest.verify().message().content("straight away")
    finally:
        await dpytest.cleanup()


async def test_configure_again_replaces_the_world_of_the_same_bot() -> None:
    bot = build_bot()
    dpytest.configure(bot, guilds=2)
    first = dpytest.get_config()
    dpytest.configure(bot, guilds=["Apples", "Bananas", "Oranges"])
    try:
        assert [g.name for g in bot.guilds] == ["Apples", "Bananas", "Oranges"]
        assert dpytest.get_config() is not first
        await bot.guilds[2].text_channels[0].send("in the new world")
        assert dpytest.verify().message().content("in the new world")
        assert (await dpytest.message("!ping")).content == "!ping"
        assert dpytest.verify().message().content("Ping:Pong")
    finally:
        await dpytest.cleanup()
    assert bot.is_closed()


def test_a_session_never_cleaned_up_ends_with_its_loop() -> None:
    """dpytest's own fixtures never stop anything: the loop's close does, and nothing of
    the session outlives it (no task, no open socket, no ResourceWarning)."""
    loop = asyncio.new_event_loop()
    bot = build_bot()

    async def configure_and_forget() -> discord.Message:
        dpytest.configure(bot)
        return await dpytest.message("!ping")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert loop.run_until_complete(configure_and_forget()).content == "!ping"
        config = dpytest.get_config()  # still configured when the test's code is done
        loop.close()
        gc.collect()
    assert config.client.is_closed()
    # Its configuration stays readable, as dpytest's outlived the test that made it.
    assert dpytest.get_config() is config
    assert dpytest.backend.get_state() is config.client._connection


async def test_messages_and_verify(bot: commands.Bot) -> None:
    sent = await dpytest.message("!ping")
    assert isinstance(sent, discord.Message) and sent.content == "!ping"
    assert dpytest.verify().message().content("Ping:Pong")
    await dpytest.message("!echo hello there")
    assert dpytest.verify().message().contains().content("hello")
    await dpytest.message("!embed")
    assert dpytest.verify().message().peek().embed(
        discord.Embed(title="Test Embed", description="described"))
    assert dpytest.get_embed().title == "Test Embed"
    await dpytest.message("!ping")
    assert dpytest.get_message(peek=True).content == "Ping:Pong"
    await dpytest.empty_queue()
    assert dpytest.verify().message().nothing()


async def test_errors_in_commands_reach_the_test(bot: commands.Bot) -> None:
    with pytest.raises(commands.CommandInvokeError, match="kaboom"):
        await dpytest.message("!boom")


async def test_reactions_members_roles_and_overrides(bot: commands.Bot) -> None:
    config = await dpytest.ready()
    member = config.members[0]
    await dpytest.message("!react")
    prompt = dpytest.get_message()
    assert prompt.content == "react to me"
    await dpytest.add_reaction(member, prompt, "\N{THUMBS UP SIGN}")
    assert dpytest.verify().message().content("TestUser0 reacted \N{THUMBS UP SIGN}")

    joined = await dpytest.member_join(name="Newcomer")
    assert joined.name == "Newcomer" and joined.guild.id == config.guilds[0].id
    role = await backend.make_role("Helper", config.guilds[0])
    await dpytest.add_role(member, role)
    await dpytest.message(f"!roles {member.id}")
    assert dpytest.verify().message().content("Helper")
    await dpytest.remove_role(member, role)
    await dpytest.message(f"!roles {member.id}")
    assert dpytest.verify().message().content("none")

    channel = config.channels[0]
    await dpytest.set_permission_overrides(member, channel, send_messages=False)
    assert isinstance(channel, discord.TextChannel)
    assert channel.overwrites_for(member).send_messages is False


async def test_activity(bot: commands.Bot) -> None:
    await dpytest.message("!status")
    assert dpytest.verify().activity().name("with the twin")
    assert dpytest.verify().activity().matches(discord.Game(name="with the twin"))
    assert not dpytest.verify().activity().name("something else")


async def test_backend_builds_and_returns_the_bots_objects(bot: commands.Bot) -> None:
    guild = await backend.make_guild(name="Test Server", owner_id=bot.user.id if bot.user
                                     else None, member_count=5)
    assert isinstance(guild, discord.Guild) and guild.member_count == 5
    category = await backend.make_category(name="Text Channels", guild=guild)
    general = await backend.make_text_channel(name="general", guild=guild, category=category)
    assert isinstance(general, discord.TextChannel) and general.category == category
    voice = await backend.make_voice_channel(name="General Voice", guild=guild)
    assert isinstance(voice, discord.VoiceChannel)
    admin = await backend.make_role(name="Admin", guild=guild,
                                    permissions=discord.Permissions.all())
    assert admin.permissions.administrator
    await backend.set_channel_permission_overrides(
        channel=general, target=admin, allow=discord.Permissions(read_messages=True),
        deny=discord.Permissions(mention_everyone=True))
    assert general.overwrites_for(admin).mention_everyone is False
    member = await backend.make_member(name="Admin User", guild=guild, roles=[admin])
    assert isinstance(member, discord.Member) and admin in member.roles
    await dpytest.message("!ping", general, member)
    assert dpytest.verify().message().content("Ping:Pong")


async def test_dpytest_s_world_has_no_rate_limits(bot: commands.Bot) -> None:
    """dpytest limited nothing: a test may send far past a bucket's 50 a second, and the
    twin gives discord.py no rate-limit headers to wait on (nor any 429)."""
    channel = bot.guilds[0].text_channels[0]
    for number in range(120):
        await channel.send(f"burst {number}")
    twin = dpytest_session.current().twin
    posts = [e.detail for e in twin.journal.http()
             if e.detail["method"] == "POST" and e.detail["path"].endswith("/messages")]
    assert len(posts) == 120 and {p["status"] for p in posts} == {200}
    assert not any(h.lower().startswith("x-ratelimit")
                   for p in posts for h in p["response_headers"])
    assert dpytest.get_message().content == "burst 0"


async def test_dpytest_s_backend_is_synchronous_and_returns_the_bots_objects(
        bot: commands.Bot) -> None:
    """dpytest's own backend (at dpytest's path): no await, dpytest's signatures, and
    the bot's cache already holds what was made when the call returns."""
    import wiretwin.discord.dpytest.backend as dpytest_backend

    guild = bot.guilds[0]
    voice = dpytest_backend.make_voice_channel("voice", guild, bitrate=100, user_limit=5)
    assert isinstance(voice, discord.VoiceChannel) and voice in guild.voice_channels
    assert (voice.name, voice.bitrate, voice.user_limit) == ("voice", 100, 5)
    category = dpytest_backend.make_category_channel("Stuff", guild)
    text = dpytest_backend.make_text_channel("Notes", guild, parent_id=category.id)
    assert text.category == category and text.name == "Notes"
    staff = dpytest_backend.make_role("Staff", guild, permissions=8, color=0x00FF00)
    assert staff in guild.roles and staff.permissions.administrator
    assert staff.colour.value == 0x00FF00
    assert dpytest_backend.update_role(staff, name="Crew").name == "Crew"
    user = dpytest_backend.make_user("newcomer", "0042")
    assert isinstance(user, discord.User) and user.discriminator == "0042"
    member = dpytest_backend.make_member(user, guild, nick="new", roles=[staff])
    assert member in guild.members and staff in member.roles and member.nick == "new"
    assert dpytest_backend.update_member(member, nick="renamed").nick == "renamed"
    dpytest_backend.update_text_channel(text, member,
                                        discord.PermissionOverwrite(send_messages=False))
    assert text.overwrites_for(member).send_messages is False
    dpytest_backend.delete_member(member)
    dpytest_backend.delete_role(staff)
    dpytest_backend.delete_channel(voice)
    assert member not in guild.members and staff not in guild.roles
    assert voice not in guild.channels
    # dpytest's id_num: a bot with hard-coded ids finds its channels and roles by them
    fixed = dpytest_backend.make_text_channel("fixed", guild, id_num=1234)
    assert fixed.id == 1234 and bot.get_channel(1234) is fixed
    assert dpytest_backend.make_role("Pinned", guild, id_num=5678) is guild.get_role(5678)
    with pytest.raises(BackendError, match="id 1234 is taken by the channel #fixed"):
        dpytest_backend.make_voice_channel("again", guild, id_num=1234)
    posted = dpytest_backend.make_message("fixed id", member_again := guild.members[0],
                                          fixed, id_num=4321)
    assert posted.id == 4321 and posted.author == member_again


async def test_dpytest_s_backend_posts_edits_reacts_and_pins(bot: commands.Bot) -> None:
    import wiretwin.discord.dpytest.backend as dpytest_backend

    config = dpytest.get_config()
    channel, member = config.channels[0], config.members[0]
    posted = dpytest_backend.make_message(f"hello <@{member.id}>", member, channel)
    assert isinstance(posted, discord.Message) and posted.author == member
    assert dpytest_backend.find_member_mentions(posted.content, channel.guild) == [member]
    edited = dpytest_backend.edit_message(posted, content="hello again")
    assert edited["content"] == "hello again" and posted.content == "hello again"
    dpytest_backend.add_reaction(posted, member, "\N{THUMBS UP SIGN}")
    assert [(str(r.emoji), r.count) for r in posted.reactions] == [("\N{THUMBS UP SIGN}", 1)]
    dpytest_backend.remove_reaction(posted, member, "\N{THUMBS UP SIGN}")
    assert posted.reactions == []
    dpytest_backend.pin_message(channel.id, posted.id)
    assert posted.pinned
    dpytest_backend.unpin_message(channel.id, posted.id)
    assert not posted.pinned
    dpytest_backend.delete_message(posted)
    assert bot._connection._get_message(posted.id) is None
    await dpytest.run_all_events()
