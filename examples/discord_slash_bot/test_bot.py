"""The example bot's behaviour, tested as its users would use it, over the wire.

``discord_env`` (from wiretwin's pytest plugin) is the bot of ``conftest.py`` logged in to
a Discord twin holding the built-in world: guild "wiretwin guild", #general, #mod-log,
users alice (a Moderator), bob and carol, and the guild's owner. Each action returns once
the bot has finished answering, with what it did.
"""

from __future__ import annotations

import discord
import pytest

from wiretwin.discord import BackendError
from wiretwin.discord.model import Message
from wiretwin.testing import DiscordEnv


def buttons(message: Message) -> dict[str, bool]:
    """A message's buttons: custom_id -> disabled."""
    return {button["custom_id"]: button["disabled"] for row in message.components
            for button in row["components"]}


async def test_the_commands_are_registered(discord_env: DiscordEnv) -> None:
    # The bot syncs its command tree in setup_hook, as a real bot does.
    commands = discord_env.twin.model.commands()
    assert {(c["type"], c["name"]) for c in commands} >= {
        (1, "roll"), (1, "settings"), (1, "poll"), (1, "hello"),
        (2, "User info"), (3, "Count words")}
    roll = next(c for c in commands if c["name"] == "roll")
    assert roll["options"][0] == {"type": 4, "name": "sides",
                                  "description": "Sides on each die", "required": True,
                                  "min_value": 2, "max_value": 100}


async def test_roll_with_options(discord_env: DiscordEnv) -> None:
    alice = discord_env.user("alice")
    assert (await alice.slash("roll", sides=6, count=3)).content == "rolled 3d6: 18"
    assert (await alice.slash("roll", sides=20)).content == "rolled 1d20: 20"
    # What the Discord client would not let a user send never reaches the bot.
    with pytest.raises(BackendError, match="between 2 and 100"):
        await alice.slash("roll", sides=1)


async def test_settings_group_with_choices(discord_env: DiscordEnv) -> None:
    alice = discord_env.user("alice")
    changed = await alice.slash("settings set", key="greeting", value="Ahoy")
    assert changed.content == "greeting is now 'Ahoy'"
    shown = await alice.slash("settings show", key="prefix")
    assert (shown.content, shown.ephemeral) == ("prefix: (default)", True)
    with pytest.raises(BackendError, match="must be one of its choices"):
        await alice.slash("settings set", key="colour", value="red")


async def test_autocomplete_then_the_command(discord_env: DiscordEnv) -> None:
    alice = discord_env.user("alice")
    typed = await alice.autocomplete("icecream", "flavour", "ch")
    assert typed.choices == [{"name": "Chocolate", "value": "chocolate"},
                             {"name": "Pistachio", "value": "pistachio"}]
    ordered = await alice.slash("icecream", flavour="chocolate")
    assert ordered.content == "One chocolate coming up!"
    missing = await alice.slash("icecream", flavour="durian")
    assert (missing.content, missing.ephemeral) == ("No 'durian' today.", True)


async def test_poll_buttons(discord_env: DiscordEnv) -> None:
    alice, bob, carol = (discord_env.user(n) for n in ("alice", "bob", "carol"))
    poll = (await alice.slash("poll", question="Pizza on Friday?")).message
    assert buttons(poll) == {"poll:yes": False, "poll:no": False, "poll:close": False}
    await bob.click(poll, label="Yes")
    await carol.click(poll, label="No")
    await carol.click(poll, label="Yes")  # a change of mind
    assert poll.content == "Pizza on Friday? (yes 2, no 0)"
    refused = await bob.click(poll, "poll:close")
    assert (refused.content, refused.ephemeral) == ("Only the author can close it.", True)
    await alice.click(poll, "poll:close")
    assert poll.content == "Closed: Pizza on Friday? (yes 2, no 0)"
    assert buttons(poll) == {"poll:yes": True, "poll:no": True, "poll:close": True}
    with pytest.raises(BackendError, match="disabled"):
        await bob.click(poll, "poll:yes")


async def test_role_picker_select(discord_env: DiscordEnv) -> None:
    bob = discord_env.user("bob")
    picker = await bob.slash("roles")
    assert picker.ephemeral
    picked = await bob.select(picker, "roles:pick",
                              [discord_env.role("Moderator"), discord_env.role("Admin")])
    assert picked.content == "You picked: Admin, Moderator"


async def test_feedback_modal(discord_env: DiscordEnv) -> None:
    carol = discord_env.user("carol")
    opened = await carol.slash("feedback")
    assert opened.modal is not None and opened.modal["title"] == "Send feedback"
    sent = await carol.submit_modal(opened, topic="Docs", details="More examples!")
    assert (sent.content, sent.ephemeral) == ("Thanks! We got your feedback on 'Docs'.", True)
    with pytest.raises(BackendError, match="required"):
        await carol.submit_modal(opened, details="no topic")


async def test_deferred_report(discord_env: DiscordEnv) -> None:
    report = await discord_env.user("alice").slash("report")
    assert report.deferred
    assert report.content == "wiretwin guild: 5 members, 2 text channels"


async def test_discuss_starts_a_thread(discord_env: DiscordEnv) -> None:
    started = await discord_env.user("alice").slash("discuss", topic="Roadmap")
    answer, welcome = started.messages
    assert answer.content == "Discussing Roadmap..."
    thread = discord_env.channel(welcome.channel_id)
    assert (thread.name, thread.parent_id) == ("Roadmap", discord_env.channel("general").id)
    assert welcome.content == "Welcome to the Roadmap discussion!"


async def test_announce_through_a_webhook(discord_env: DiscordEnv) -> None:
    owner = discord_env.user("wiretwin-owner")
    # Bob may not even see the command; the guild's owner may manage webhooks...
    with pytest.raises(BackendError, match="needs permissions"):
        await discord_env.user("bob").slash("announce", text="hi")
    # ...but the bot needs MANAGE_WEBHOOKS too, and its role in the built-in world lacks it.
    with pytest.raises(discord.Forbidden, match="50013"):
        await owner.slash("announce", text="hi")
    bots_role = discord_env.role("wiretwin-bot")
    await discord_env.backend.update_role(
        bots_role, permissions=bots_role.permissions | discord.Permissions(
            manage_webhooks=True).value)
    done = await owner.slash("announce", text="Release day!")
    assert (done.content, done.ephemeral) == ("Announced.", True)
    posted = discord_env.last_message()
    assert posted is not None and posted.webhook_author is not None
    assert (posted.content, posted.webhook_author["username"]) == (
        "Release day!", "Announcements")


async def test_context_menus(discord_env: DiscordEnv) -> None:
    alice = discord_env.user("alice")
    info = await alice.context_menu("User info", alice)
    assert info.content == "Alice: roles Moderator"
    welcome = discord_env.last_message()  # "Welcome to the wiretwin guild!"
    assert (await alice.context_menu("Count words", welcome)).content == "5 words"


async def test_hello_both_ways(discord_env: DiscordEnv) -> None:
    alice = discord_env.user("alice")
    assert (await alice.send("!hello world")).content == "Hello, world!"
    assert (await alice.slash("hello", name="twin")).content == "Hello, twin!"


async def test_every_option_type(discord_env: DiscordEnv) -> None:
    env = discord_env
    alice, bob = env.user("alice"), env.user("bob")
    described = await alice.slash(
        "describe", member=alice, role=env.role("Moderator"), channel=env.channel("mod-log"),
        weight=72.25, loud=False, file=("notes.txt", b"twelve bytes"),
        anyone=env.role("Admin"))
    assert described.content == ("Alice has Moderator? True; #mod-log; 72.2 kg; "
                                 "notes.txt (12 bytes); and Admin")
    shouted = await alice.slash("describe", member=bob, role=env.role("Admin"),
                                channel=env.channel("general"), weight=1.0, loud=True,
                                file=b"x")
    assert shouted.content.startswith("BOB HAS ADMIN? FALSE")


async def test_pin_from_a_context_menu(discord_env: DiscordEnv) -> None:
    welcome = discord_env.last_message()
    assert welcome is not None and not welcome.pinned
    pinned = await discord_env.user("alice").context_menu("Pin it", welcome)
    assert (pinned.content, pinned.ephemeral) == ("Pinned.", True)
    assert welcome.pinned
