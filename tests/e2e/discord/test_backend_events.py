"""The dpytest backend guide's event vocabulary, against a real discord.py bot logged in
to the twin: ``dispatch_message``, ``dispatch_member_join``, ``dispatch_reaction_add``
(the change made in the twin, sent as Discord sends it), ``process_message``,
``process_messages``, ``process_action`` (returning once the bot is done) and
``wait_for_state_update``, each used as the guide writes it, then in the other shapes it
takes. No sleeps: every wait is the driver's settle or a journal wait.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord.ext import commands

from wiretwin.discord.backend import Backend, BackendError, StateUpdate
from wiretwin.discord.model import Member, Message, Reaction
from wiretwin.discord.twin import DiscordTwin

from .test_backend import World, make_bot, member_named, run_bot

THUMBS = "\N{THUMBS UP SIGN}"


def greeting_bot() -> tuple[commands.Bot, Any]:
    """make_bot's bot, which also welcomes members and thanks reactors in #general."""
    bot, seen = make_bot()

    async def on_member_join(member: discord.Member) -> None:
        channel = discord.utils.get(member.guild.text_channels, name="general")
        assert channel is not None
        await channel.send(f"welcome {member.name} ({member.guild.member_count})")

    async def on_reaction_add(reaction: discord.Reaction, user: discord.abc.User) -> None:
        if user.bot:
            return
        await reaction.message.channel.send(
            f"{user.name} reacted {reaction.emoji} x{reaction.count}")

    bot.add_listener(on_member_join, "on_member_join")
    bot.add_listener(on_reaction_add, "on_reaction_add")
    return bot, seen


@pytest.fixture
async def world(twin: DiscordTwin) -> AsyncIterator[World]:
    bot, seen = greeting_bot()
    async with run_bot(twin, bot):
        async with twin.settle():
            guild = await twin.backend.make_guild("Test Server", members=["alice", "bob"])
            general = await twin.backend.make_text_channel("general", guild)
        await twin.backend.clear_message_queue()
        yield World(twin, bot, seen, guild, general, member_named(twin, guild, "alice"),
                    member_named(twin, guild, "bob"))


async def taken(backend: Backend) -> list[str]:
    """What the bot sent that no get/verify has taken yet, taken now."""
    queue = [m.content for m in backend.get_message_queue()]
    await backend.clear_message_queue()
    return queue


# -- dispatch_message ------------------------------------------------------------------------

async def test_dispatch_message_then_process_action(world: World) -> None:
    backend = world.backend
    # The guide: dispatch, then let the bot finish.
    message = await backend.dispatch_message("!ping", world.general, world.alice)
    assert isinstance(message, Message) and message.content == "!ping"
    assert message.author_id == world.alice.user_id
    await backend.process_action()
    assert [args[0].id for args in world.seen["message"]] == [message.id, *(
        m.id for m in backend.get_message_queue())]
    assert await taken(backend) == ["pong"]
    # A payload dict, as Discord's MESSAGE_CREATE has it.
    again = await backend.dispatch_message({"content": "!burst",
                                            "channel_id": str(world.general.id),
                                            "author": {"id": str(world.bob.user_id)}})
    assert again.author_id == world.bob.user_id
    await backend.process_action()
    assert sorted(await taken(backend)) == ["burst 0", "burst 1", "burst 2"]


async def test_dispatch_message_of_a_message_posts_it_again(world: World) -> None:
    backend = world.backend
    first = await backend.send_message(world.general, "!ping", world.alice)
    await backend.process_action()
    cached = discord.utils.get(world.bot.cached_messages, id=first.id)
    assert cached is not None
    # The guide's dispatch_message(message) with the message a test holds: the bot's own
    # discord.Message, or the twin's; each is posted again, a new message.
    copies = [await backend.dispatch_message(cached),
              await backend.dispatch_message(first, embeds=[discord.Embed(title="e")])]
    await backend.process_action()
    assert [(m.content, m.author_id, m.channel_id) for m in copies] == [
        ("!ping", world.alice.user_id, world.general.id)] * 2
    assert len({first.id, *(m.id for m in copies)}) == 3
    assert copies[1].embeds[0]["title"] == "e"
    assert await taken(backend) == ["pong", "pong", "pong"]
    assert [args[0].id for args in world.seen["message"] if not args[0].author.bot] == [
        first.id, *(m.id for m in copies)]


# -- dispatch_member_join ------------------------------------------------------------------

async def test_dispatch_member_join(world: World) -> None:
    backend = world.backend
    carol = await backend.make_user("carol")
    member = await backend.dispatch_member_join(carol, world.guild)
    assert isinstance(member, Member) and member.user_id == carol.id
    await backend.process_action()
    assert [args[0].id for args in world.seen["member_join"]] == [carol.id]
    assert world.dguild.get_member(carol.id) is not None
    assert await taken(backend) == ["welcome carol (5)"]
    # The guide's dispatch_member_join(member) with a member already in the guild: it
    # leaves and joins again (same roles and nick), and the counts stay right.
    mods = await backend.make_role("Mods", world.guild)
    await backend.update_member(member, nick="Caz", roles=[mods])
    await backend.process_action()
    dmember = world.dguild.get_member(carol.id)
    assert dmember is not None
    await backend.dispatch_member_join(dmember)
    await backend.process_action()
    assert [args[0].id for args in world.seen["member_remove"]] == [carol.id]
    assert len(world.seen["member_join"]) == 2
    assert await taken(backend) == ["welcome carol (5)"]
    rejoined = world.dguild.get_member(carol.id)
    assert rejoined is not None and rejoined.nick == "Caz"
    assert [r.name for r in rejoined.roles] == ["@everyone", "Mods"]
    assert world.dguild.member_count == len(world.guild.members) == 5
    # A payload dict and a new user's name.
    await backend.dispatch_member_join({"guild_id": str(world.guild.id), "user": "dave"})
    await backend.process_action()
    assert await taken(backend) == ["welcome dave (6)"]
    with pytest.raises(BackendError, match="which guild"):
        await backend.dispatch_member_join(carol)


# -- dispatch_reaction_add ---------------------------------------------------------------

async def test_dispatch_reaction_add(world: World) -> None:
    backend = world.backend
    message = await backend.process_message("react here", world.general, world.alice)
    # dpytest's add_reaction shape: (message, user, emoji).
    reaction = await backend.dispatch_reaction_add(message, world.bob, THUMBS)
    assert isinstance(reaction, Reaction) and reaction.users == [world.bob.user_id]
    await backend.process_action()
    assert await taken(backend) == [f"bob reacted {THUMBS} x1"]
    cached = discord.utils.get(world.bot.cached_messages, id=message.id)
    assert cached is not None
    # The guide's dispatch_reaction_add(reaction): the bot's discord.Reaction (its
    # message and emoji), by alice (the first human member) by default.
    await backend.dispatch_reaction_add(cached.reactions[0])
    await backend.process_action()
    assert await taken(backend) == [f"alice reacted {THUMBS} x2"]
    # The same user again (here through the twin's Reaction): taken back and added.
    await backend.dispatch_reaction_add(reaction, world.bob)
    await backend.process_action()
    assert await taken(backend) == [f"bob reacted {THUMBS} x2"]
    assert [u.name for _, u in world.seen["reaction_remove"]] == ["bob"]
    assert cached.reactions[0].count == len(reaction.users) == 2
    # A MESSAGE_REACTION_ADD payload.
    await backend.dispatch_reaction_add({
        "message_id": str(message.id), "channel_id": str(world.general.id),
        "user_id": str(world.bob.user_id), "emoji": {"id": None, "name": "\N{FIRE}"}})
    await backend.process_action()
    assert await taken(backend) == ["bob reacted \N{FIRE} x1"]
    with pytest.raises(BackendError, match="which emoji"):
        await backend.dispatch_reaction_add(message, world.bob)


# -- process_message / process_messages ------------------------------------------------

async def test_process_message_and_messages(world: World) -> None:
    backend = world.backend
    message = await backend.process_message("!burst", world.general, world.alice)
    assert message.content == "!burst"
    # Returned only once every answer had landed: all three are there, no waiting.
    assert sorted(await taken(backend)) == ["burst 0", "burst 1", "burst 2"]
    sent = await backend.process_messages(["!ping", "!status", "!ping"], world.general,
                                          world.bob)
    assert [m.content for m in sent] == ["!ping", "!status", "!ping"]
    queue = backend.get_message_queue()
    assert [m.content for m in queue] == ["pong", "", "pong"]
    assert queue[1].embeds[0]["title"] == "Status"
    # Each answered before the next was sent: the replies are in the users' order.
    assert [m.id for m in queue] == sorted(m.id for m in queue)
    assert queue[0].id < sent[1].id < queue[1].id < sent[2].id
    # Messages the test holds are processed as posted again.
    await backend.clear_message_queue()
    again = await backend.process_messages([message])
    assert again[0].id != message.id and again[0].content == "!burst"
    assert sorted(await taken(backend)) == ["burst 0", "burst 1", "burst 2"]


# -- process_action ------------------------------------------------------------------------

async def test_process_action(world: World) -> None:
    backend, twin = world.backend, world.twin
    message = await backend.send_message(world.general, "hello", world.alice)
    # An awaitable, a backend method's name, a callable: each returns its result once
    # the bot is done with what it started.
    await backend.process_action(backend.add_reaction(message, world.bob, THUMBS))
    assert await taken(backend) == [f"bob reacted {THUMBS} x1"]
    made = await backend.process_action("dispatch_reaction_add", message, world.alice,
                                        THUMBS)
    assert isinstance(made, Reaction) and len(made.users) == 2
    assert await taken(backend) == [f"alice reacted {THUMBS} x2"]
    channel = world.bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await backend.process_action(channel.send, "!ping")  # the bot's own call
    assert isinstance(sent, discord.Message)
    assert await taken(backend) == ["!ping"]  # a bot ignores other bots' commands
    # The guide's error handling: what Discord refuses, an unknown action, a bot that
    # does not finish.
    secret = await backend.make_text_channel("secret", world.guild)
    await backend.set_channel_permission_overrides(
        secret, world.guild.id, deny=discord.Permissions(send_messages=True))
    with pytest.raises(backend.BackendError) as refused:
        await backend.process_action(backend.send_message(secret, "hi", world.alice))
    assert refused.value.status == 403
    with pytest.raises(backend.BackendError, match="no action 'no_such'"):
        await backend.process_action("no_such")
    await backend.dispatch_message("!stuck", world.general, world.alice)
    with pytest.raises(backend.BackendError, match="still busy"):
        await backend.process_action(timeout=0.1)
    world.bot.gate.set()  # type: ignore[attr-defined]
    await backend.process_action()
    assert await taken(backend) == ["unstuck"]
    assert twin.verify().message().nothing()


# -- wait_for_state_update -------------------------------------------------------------

async def test_wait_for_state_update(world: World) -> None:
    backend = world.backend
    await backend.update_member(world.alice, nick="Ally")
    update = await backend.wait_for_state_update()
    assert isinstance(update, StateUpdate) and update.event == "GUILD_MEMBER_UPDATE"
    assert update.data["nick"] == "Ally"
    alice = world.dguild.get_member(world.alice.user_id)
    assert alice is not None and alice.nick == "Ally"  # the bot has it already
    # A message and the bot's answer: two updates, in order, each waited for.
    await backend.dispatch_message("!ping", world.general, world.alice)
    asked = await backend.wait_for_state_update()
    answer = await backend.wait_for_state_update()
    assert (asked.event, asked.data["content"]) == ("MESSAGE_CREATE", "!ping")
    assert (answer.event, answer.data["content"]) == ("MESSAGE_CREATE", "pong")
    assert world.bot.user is not None
    assert answer.data["author"]["id"] == str(world.bot.user.id)
    # Narrowed by event (discord.py's name works too) and by what it carries.
    await backend.process_messages(["!ping", "!ping"], world.general, world.bob)
    await backend.make_role("Late", world.guild)
    role = await backend.wait_for_state_update("guild_role_create")
    assert role.data["role"]["name"] == "Late"
    await backend.dispatch_message("!ping", world.general, world.bob)
    pong = await backend.wait_for_state_update(
        "MESSAGE_CREATE", match=lambda d: d["content"] == "pong")
    assert pong.seq > role.seq
    await backend.process_action()
    with pytest.raises(BackendError, match="no state update"):
        await backend.wait_for_state_update(timeout=0.05)


async def test_wait_for_event_takes_discord_py_names(world: World) -> None:
    backend = world.backend
    await backend.process_message("!ping", world.general, world.alice)
    # The guide's wait_for_event("message", timeout=5.0): MESSAGE_CREATE dispatches.
    asked = await backend.wait_for_event("message", timeout=5.0)
    answer = await backend.wait_for_event("message", timeout=5.0)
    assert [asked["content"], answer["content"]] == ["!ping", "pong"]
