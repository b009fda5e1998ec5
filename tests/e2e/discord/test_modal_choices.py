"""Modals with radio groups, checkbox groups and checkboxes (discord.py 2.7's ``ui``):
the twin holds the bot to Discord's rules for them and submits a user's picks in the
shape the bot reads back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import discord
import pytest
from discord.ext import commands

from wiretwin.discord.backend import BackendError
from wiretwin.discord.twin import DiscordTwin

from .bots import build_world, run_bot

Inter = discord.Interaction


class Preferences(discord.ui.Modal, title="Preferences"):
    size: discord.ui.Label[Preferences] = discord.ui.Label(
        text="Size", component=discord.ui.RadioGroup(
            custom_id="size", options=[discord.RadioGroupOption(label="S", value="s"),
                                       discord.RadioGroupOption(label="L", value="l")]))
    topics: discord.ui.Label[Preferences] = discord.ui.Label(
        text="Topics", component=discord.ui.CheckboxGroup(
            custom_id="topics", min_values=1, max_values=2,
            options=[discord.CheckboxGroupOption(label=t, value=t.lower())
                     for t in ("News", "Tips", "Jokes")]))
    terms: discord.ui.Label[Preferences] = discord.ui.Label(
        text="Terms", component=discord.ui.Checkbox(custom_id="terms"))

    async def on_submit(self, interaction: Inter) -> None:
        size = self.size.component
        topics = self.topics.component
        terms = self.terms.component
        assert isinstance(size, discord.ui.RadioGroup)
        assert isinstance(topics, discord.ui.CheckboxGroup)
        assert isinstance(terms, discord.ui.Checkbox)
        await interaction.response.send_message(
            f"{size.value} {','.join(topics.values)} {terms.value}", ephemeral=True)


class Broken(discord.ui.Modal, title="Broken"):
    lonely: discord.ui.Label[Broken] = discord.ui.Label(
        text="One choice", component=discord.ui.RadioGroup(
            custom_id="lonely", options=[discord.RadioGroupOption(label="Only", value="o")]))


@pytest.fixture
async def twin() -> AsyncIterator[DiscordTwin]:
    async with DiscordTwin() as made:
        build_world(made)
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

        @bot.tree.command(description="Set preferences")
        async def prefs(interaction: Inter) -> None:
            await interaction.response.send_modal(Preferences())

        @bot.tree.command(description="A radio group of one")
        async def broken(interaction: Inter) -> None:
            await interaction.response.send_modal(Broken())

        async with run_bot(made, bot):
            await bot.tree.sync()
            yield made


async def test_a_user_picks_and_the_bot_reads_the_picks(twin: DiscordTwin) -> None:
    opened = await twin.slash("prefs")
    assert opened.modal is not None
    answered = await twin.submit_modal(opened, size="l", topics=["news", "jokes"],
                                       terms=True)
    assert answered.content == "l news,jokes True"
    sent = {c["component"]["custom_id"]: c["component"]
            for c in answered.payload["data"]["components"]}
    assert sent["size"] == {"type": 21, "custom_id": "size", "value": "l",
                            "id": sent["size"]["id"]}
    assert sent["topics"]["values"] == ["news", "jokes"] and sent["terms"]["value"] is True


async def test_picks_the_modal_does_not_allow_are_refused(twin: DiscordTwin) -> None:
    opened = await twin.slash("prefs")
    with pytest.raises(BackendError, match="has no option 'xl'"):
        await twin.submit_modal(opened, size="xl", topics=["news"])
    with pytest.raises(BackendError, match="takes one option"):
        await twin.submit_modal(opened, size=["s", "l"], topics=["news"])
    with pytest.raises(BackendError, match="takes 1-2 options, not 3"):
        await twin.submit_modal(opened, size="s", topics=["news", "tips", "jokes"])
    with pytest.raises(BackendError, match="'size' is required"):
        await twin.submit_modal(opened, topics=["news"])


async def test_a_radio_group_of_one_option_is_refused_as_discord_refuses_it(
        twin: DiscordTwin) -> None:
    refused = await twin.slash("broken")
    assert refused.modal is None  # the bot's send_modal got Discord's 400
    answer = json.loads(twin.journal.http(status=400)[-1].detail["response_body"])
    assert answer["code"] == 50035
    assert answer["errors"]["data"]["components"]["0"]["component"]["options"][
        "_errors"][0]["message"] == "Must be between 2 and 10 in length."
