"""The example bot's behaviour, tested as its users would use it, over the wire."""

from __future__ import annotations

import pytest
from discord.ext import commands

from wiretwin.discord.backend import BackendError
from wiretwin.discord.twin import DiscordTwin
from wiretwin.discord.world import DEFAULT_IDS

pytestmark = pytest.mark.discord_twin(world="default")

ALICE, BOB, CAROL = DEFAULT_IDS["alice"], DEFAULT_IDS["bob"], DEFAULT_IDS["carol"]
GENERAL = DEFAULT_IDS["general"]


async def test_the_commands_are_registered(discord_twin: DiscordTwin,
                                           bot: commands.Bot) -> None:
    names = {(c["type"], c["name"]) for c in discord_twin.model.commands()}
    assert names >= {(1, "roll"), (1, "settings"), (1, "poll"), (1, "hello"),
                     (2, "User info"), (3, "Count words")}
    roll = next(c for c in discord_twin.model.commands() if c["name"] == "roll")
    assert roll["options"][0] == {"type": 4, "name": "sides",
                                  "description": "Sides on each die", "required": True,
                                  "min_value": 2, "max_value": 100}


async def test_roll_with_options(discord_twin: DiscordTwin, bot: commands.Bot) -> None:
    rolled = await discord_twin.slash("roll", sides=6, count=3, user=ALICE, channel=GENERAL)
    assert discord_twin.verify().interaction(rolled).content("rolled 3d6: 18")
    assert (await discord_twin.slash("roll", sides=20)).content == "rolled 1d20: 20"
    # What the Discord client would not let a user send never reaches the bot.
    with pytest.raises(BackendError, match="between 2 and 100"):
        await discord_twin.slash("roll", sides=1)


async def test_settings_group_with_choices(discord_twin: DiscordTwin,
                                           bot: commands.Bot) -> None:
    changed = await discord_twin.slash("settings set", key="greeting", value="Ahoy")
    assert changed.content == "greeting is now 'Ahoy'"
    shown = await discord_twin.slash("settings show", key="prefix")
    assert discord_twin.verify().interaction(shown).content("prefix: (default)").ephemeral()
    with pytest.raises(BackendError, match="must be one of its choices"):
        await discord_twin.slash("settings set", key="colour", value="red")


async def test_autocomplete_then_the_command(discord_twin: DiscordTwin,
                                             bot: commands.Bot) -> None:
    typed = await discord_twin.autocomplete("icecream", "flavour", "ch")
    assert typed.choices == [{"name": "Chocolate", "value": "chocolate"},
                             {"name": "Pistachio", "value": "pistachio"}]
    assert (await discord_twin.slash("icecream", flavour="chocolate")).content == (
        "One chocolate coming up!")
    missing = await discord_twin.slash("icecream", flavour="durian")
    assert missing.ephemeral and missing.content == "No 'durian' today."


async def test_poll_buttons(discord_twin: DiscordTwin, bot: commands.Bot) -> None:
    poll = await discord_twin.slash("poll", question="Pizza on Friday?", user=ALICE)
    assert discord_twin.verify().interaction(poll).component("poll:yes").component("poll:no")
    await discord_twin.click(poll, "poll:yes", user=BOB)
    await discord_twin.click(poll, "poll:no", user=CAROL)
    await discord_twin.click(poll, "poll:yes", user=CAROL)  # a change of mind
    assert poll.content == "Pizza on Friday? (yes 2, no 0)"
    refused = await discord_twin.click(poll, "poll:close", user=BOB)
    assert refused.ephemeral and refused.content == "Only the author can close it."
    await discord_twin.click(poll, "poll:close", user=ALICE)
    assert poll.content == "Closed: Pizza on Friday? (yes 2, no 0)"
    with pytest.raises(BackendError, match="disabled"):
        await discord_twin.click(poll, "poll:yes", user=BOB)


async def test_role_picker_select(discord_twin: DiscordTwin, bot: commands.Bot) -> None:
    picker = await discord_twin.slash("roles", user=BOB)
    assert picker.ephemeral
    picked = await discord_twin.select(picker, "roles:pick",
                                       [DEFAULT_IDS["moderator_role"], DEFAULT_IDS["admin_role"]],
                                       user=BOB)
    assert picked.content == "You picked: Admin, Moderator"


async def test_feedback_modal(discord_twin: DiscordTwin, bot: commands.Bot) -> None:
    opened = await discord_twin.slash("feedback", user=CAROL)
    assert discord_twin.verify().interaction(opened).modal(title="Send feedback")
    sent = await discord_twin.submit_modal(opened, topic="Docs", details="More examples!")
    assert sent.content == "Thanks! We got your feedback on 'Docs'." and sent.ephemeral
    with pytest.raises(BackendError, match="required"):
        await discord_twin.submit_modal(opened, details="no topic")


async def test_deferred_report(discord_twin: DiscordTwin, bot: commands.Bot) -> None:
    report = await discord_twin.slash("report")
    assert discord_twin.verify().interaction(report).deferred().content(
        "wiretwin guild: 5 members, 2 text channels")


async def test_discuss_starts_a_thread(discord_twin: DiscordTwin, bot: commands.Bot) -> None:
    started = await discord_twin.slash("discuss", topic="Roadmap")
    assert started.message is not None
    thread = discord_twin.model.channels[started.message.id]
    assert thread.name == "Roadmap" and thread.parent_id == GENERAL
    (welcome,) = discord_twin.model.messages[thread.id].values()
    assert welcome.content == "Welcome to the Roadmap discussion!"


async def test_announce_through_a_webhook(discord_twin: DiscordTwin,
                                          bot: commands.Bot) -> None:
    # Bob may not even see the command; the owner may manage webhooks.
    with pytest.raises(BackendError, match="needs permissions"):
        await discord_twin.slash("announce", text="hi", user=BOB)
    # The bot needs MANAGE_WEBHOOKS too: its role in the built-in world lacks it.
    announced = await discord_twin.slash("announce", text="hi", user=DEFAULT_IDS["owner"])
    assert announced.acknowledged is None  # the command failed with 403 50013
    await discord_twin.backend.update_role(DEFAULT_IDS["bot_role"], DEFAULT_IDS["guild"],
                                           permissions=1101930818642 | 1 << 29)
    done = await discord_twin.slash("announce", text="Release day!",
                                    user=DEFAULT_IDS["owner"])
    assert done.content == "Announced."
    posted = [m for m in discord_twin.model.messages[GENERAL].values() if m.webhook_id]
    assert [(m.content, (m.webhook_author or {}).get("username")) for m in posted] == [
        ("Release day!", "Announcements")]


async def test_context_menus(discord_twin: DiscordTwin, bot: commands.Bot) -> None:
    info = await discord_twin.context_menu("User info", ALICE, channel=GENERAL)
    assert info.content == f"{discord_twin.model.users[ALICE].global_name}: roles Moderator"
    counted = await discord_twin.context_menu("Count words",
                                              DEFAULT_IDS["welcome_message"])
    assert counted.content is not None and counted.content.endswith("words")


async def test_hello_both_ways(discord_twin: DiscordTwin, bot: commands.Bot) -> None:
    await discord_twin.message("!hello world", GENERAL, ALICE)
    assert discord_twin.verify().message().content("Hello, world!")
    assert (await discord_twin.slash("hello", name="twin")).content == "Hello, twin!"


async def test_every_option_type(discord_twin: DiscordTwin, bot: commands.Bot) -> None:
    described = await discord_twin.slash(
        "describe", {"channel": DEFAULT_IDS["mod_log"]}, member=ALICE,
        role=DEFAULT_IDS["moderator_role"], weight=72.25, loud=False,
        file=("notes.txt", b"twelve bytes"), anyone=DEFAULT_IDS["admin_role"],
        user=DEFAULT_IDS["owner"])
    alice = discord_twin.model.users[ALICE].global_name
    assert described.content == (f"{alice} has Moderator? True; #mod-log; 72.2 kg; "
                                 "notes.txt (12 bytes); and Admin")
    shouted = await discord_twin.slash("describe", {"channel": GENERAL}, member=BOB,
                                       role=DEFAULT_IDS["admin_role"], weight=1.0,
                                       loud=True, file=b"x", user=DEFAULT_IDS["owner"])
    assert shouted.content is not None and shouted.content.startswith("BOB HAS ADMIN? FALSE")


async def test_pin_from_a_context_menu(discord_twin: DiscordTwin, bot: commands.Bot) -> None:
    welcome = DEFAULT_IDS["welcome_message"]
    pinned = await discord_twin.context_menu("Pin it", welcome, user=DEFAULT_IDS["owner"])
    assert pinned.content == "Pinned." and pinned.ephemeral
    assert discord_twin.model.messages[GENERAL][welcome].pinned
