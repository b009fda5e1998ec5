"""Buttons, select menus and modals with the real discord.py's ``discord.ui``: the test
clicks, picks and fills in as a user (``twin.click`` / ``select`` / ``submit_modal``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord.ext import commands

from wiretwin.discord.backend import BackendError
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.clock import VirtualClock

from .bots import World, build_world, run_bot

Inter = discord.Interaction


class Counter(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=600)
        self.count = 0

    @discord.ui.button(label="+1", custom_id="counter:add", style=discord.ButtonStyle.primary)
    async def add(self, interaction: Inter, button: discord.ui.Button[Counter]) -> None:
        self.count += 1
        await interaction.response.edit_message(content=f"count: {self.count}", view=self)

    @discord.ui.button(label="done", custom_id="counter:done")
    async def done(self, interaction: Inter, button: discord.ui.Button[Counter]) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        await interaction.response.edit_message(content=f"final: {self.count}", view=self)
        self.stop()


class Pickers(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=600)

    @discord.ui.select(custom_id="pick:fruit", min_values=1, max_values=2, options=[
        discord.SelectOption(label="Apple", value="apple"),
        discord.SelectOption(label="Banana", value="banana"),
        discord.SelectOption(label="Cherry", value="cherry")])
    async def fruit(self, interaction: Inter, select: discord.ui.Select[Pickers]) -> None:
        await interaction.response.send_message(f"fruit: {', '.join(select.values)}",
                                                ephemeral=True)

    @discord.ui.select(cls=discord.ui.UserSelect, custom_id="pick:user")
    async def person(self, interaction: Inter, select: discord.ui.UserSelect[Pickers]
                     ) -> None:
        await interaction.response.send_message(f"user: {select.values[0].name}")

    @discord.ui.select(cls=discord.ui.RoleSelect, custom_id="pick:role")
    async def role(self, interaction: Inter, select: discord.ui.RoleSelect[Pickers]) -> None:
        await interaction.response.defer()


class Feedback(discord.ui.Modal, title="Feedback"):
    subject: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Subject",
                                                              custom_id="subject")
    body: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Body", custom_id="body", style=discord.TextStyle.paragraph, required=False,
        max_length=50)

    async def on_submit(self, interaction: Inter) -> None:
        await interaction.response.send_message(
            f"thanks for {self.subject.value!r} ({len(self.body.value)} chars)",
            ephemeral=True)


class OpenModal(discord.ui.View):
    @discord.ui.button(label="feedback", custom_id="open:modal")
    async def open(self, interaction: Inter, button: discord.ui.Button[OpenModal]) -> None:
        await interaction.response.send_modal(Feedback())


def make_bot() -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

    @bot.tree.command(description="A counter")
    async def counter(interaction: Inter) -> None:
        await interaction.response.send_message("count: 0", view=Counter())

    @bot.tree.command(description="Pick things")
    async def pick(interaction: Inter) -> None:
        await interaction.response.send_message("pick", view=Pickers(), ephemeral=True)

    @bot.tree.command(description="Give feedback")
    async def feedback(interaction: Inter) -> None:
        await interaction.response.send_modal(Feedback())

    @bot.tree.command(description="A button that opens a modal")
    async def survey(interaction: Inter) -> None:
        await interaction.response.send_message("survey", view=OpenModal())

    return bot


@pytest.fixture
async def running() -> AsyncIterator[tuple[DiscordTwin, World]]:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = make_bot()
        async with run_bot(twin, bot):
            await bot.tree.sync()
            yield twin, world


async def test_buttons_update_their_message(running: tuple[DiscordTwin, World]) -> None:
    twin, world = running
    started = await twin.slash("counter")
    assert started.message is not None
    assert [c["custom_id"] for c in started.components[0]["components"]] == [
        "counter:add", "counter:done"]
    first = await twin.click(started, "counter:add", user=world.bob)
    assert first.callback_type == 7 and first.payload["data"]["component_type"] == 2
    assert first.payload["message"]["id"] == str(started.message.id)
    assert started.content == "count: 1"  # the same message, updated in place
    await twin.click(started.message, "counter:add")
    done = await twin.click(started.message.id, "counter:done")
    assert started.content == "final: 2" and done.callback_type == 7
    assert all(b.get("disabled") for b in started.components[0]["components"])
    with pytest.raises(BackendError, match="'counter:add' is disabled"):
        await twin.click(started, "counter:add")
    with pytest.raises(BackendError, match=r"has no component 'nope' \(it has: counter:add, "):
        await twin.click(started, "nope")


async def test_selects_of_every_kind(running: tuple[DiscordTwin, World]) -> None:
    twin, world = running
    menu = await twin.slash("pick")
    assert menu.ephemeral  # the menu lives in an ephemeral message: still clickable
    fruit = await twin.select(menu, "pick:fruit", ["apple", "cherry"])
    assert fruit.content == "fruit: apple, cherry" and fruit.ephemeral
    person = await twin.select(menu, "pick:user", [world.bob])
    assert person.content == "user: bob"
    # An answer to a component names the message the component sat on.
    assert menu.message is not None and person.message is not None
    assert person.message.interaction is not None
    assert person.message.interaction["interacted_message_id"] == str(menu.message.id)
    data = person.payload["data"]
    assert data["values"] == [str(world.bob.id)]
    assert set(data["resolved"]) == {"users", "members"}
    role = await twin.select(menu, "pick:role", world.bot_role)
    assert role.callback_type == 6 and role.deferred
    with pytest.raises(BackendError, match="has no option 'kiwi'"):
        await twin.select(menu, "pick:fruit", ["kiwi"])
    with pytest.raises(BackendError, match="takes 1-2 value"):
        await twin.select(menu, "pick:fruit", ["apple", "banana", "cherry"])
    with pytest.raises(BackendError, match="is not a button"):
        await twin.click(menu, "pick:fruit")


async def test_modals_from_a_command_and_from_a_button(
        running: tuple[DiscordTwin, World]) -> None:
    twin, _ = running
    opened = await twin.slash("feedback")
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    submitted = await twin.submit_modal(opened, subject="The twin", body="works")
    assert submitted.content == "thanks for 'The twin' (5 chars)" and submitted.ephemeral
    rows = submitted.payload["data"]["components"]
    assert [r["components"][0]["custom_id"] for r in rows] == ["subject", "body"]
    # The modal's components are numbered as a message's are, and the submit carries
    # the ids back (hikari reads every one).
    numbered = [(r["id"], r["components"][0]["id"]) for r in opened.modal["components"]]
    assert numbered == [(1, 2), (3, 4)]
    assert [(r["id"], r["components"][0]["id"]) for r in rows] == numbered
    assert "message" not in submitted.payload
    # Opened from a button: the submit carries the button's message.
    survey = await twin.slash("survey")
    from_button = await twin.click(survey, "open:modal")
    assert from_button.modal is not None
    answered = await twin.submit_modal(from_button, {"subject": "again"})
    assert answered.payload["message"]["id"] == str(survey.message.id if survey.message
                                                     else None)
    # An answer to a modal names the interaction that opened it, in its own shape.
    for submit, opener in ((submitted, opened), (answered, from_button)):
        assert submit.message is not None and submit.message.interaction is not None
        meta = submit.message.interaction
        assert (meta["id"], meta["type"]) == (str(submit.id), 5)
        trigger = meta["triggering_interaction_metadata"]
        assert (trigger["id"], trigger["type"]) == (str(opener.id), opener.type)
    assert survey.message is not None
    assert answered.message is not None and answered.message.interaction is not None
    assert answered.message.interaction["triggering_interaction_metadata"][
        "interacted_message_id"] == str(survey.message.id)
    with pytest.raises(BackendError, match="field 'subject' is required"):
        await twin.submit_modal(opened, body="no subject")
    with pytest.raises(BackendError, match="takes 0-50 characters"):
        await twin.submit_modal(opened, subject="s", body="x" * 51)
    with pytest.raises(BackendError, match="has no field 'extra'"):
        await twin.submit_modal(opened, subject="s", extra="?")
    with pytest.raises(BackendError, match="opened no modal"):
        await twin.submit_modal(survey)


class Expiring(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.message: discord.InteractionMessage | None = None

    @discord.ui.button(label="ping", custom_id="expiring:ping")
    async def ping(self, interaction: Inter, button: discord.ui.Button[Expiring]) -> None:
        await interaction.response.send_message("pong", ephemeral=True)

    async def on_timeout(self) -> None:
        if self.message is not None:
            await self.message.edit(content="expired", view=None)


async def test_views_time_out_on_the_twins_clock() -> None:
    clock = VirtualClock(start=1_750_000_000.0)
    async with DiscordTwin(clock=clock) as twin:
        build_world(twin)
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

        @bot.tree.command(description="A view that expires after a minute")
        async def expiring(interaction: Inter) -> None:
            view = Expiring()
            await interaction.response.send_message("live", view=view)
            view.message = await interaction.original_response()

        async with run_bot(twin, bot):
            await bot.tree.sync()
            shown = await twin.slash("expiring")
            async with twin.settle():
                await clock.advance(30)
            assert (await twin.click(shown, "expiring:ping")).content == "pong"
            async with twin.settle():
                await clock.advance(31)  # a minute after the click refreshed it: not yet
            assert shown.content == "live"
            async with twin.settle():
                await clock.advance(30)
            assert shown.content == "expired" and shown.components == []
