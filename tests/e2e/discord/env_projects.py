"""The user's project that tests/e2e/discord/test_env_projects.py writes out for each of
the five libraries: a conftest with the same bot written in that library, and the tests
of a few lines a user writes with ``discord_env``.

Each bot answers ``!ping`` and raises in ``!boom`` (message commands), registers a global
slash command ``/greet name:`` and a guild slash command ``/feedback`` that opens a modal,
and answers ``!menu`` with a message holding a button ("Wave") and a select menu
("colour"); every one of these is answered. Written the way each library's own docs
write them (py-cord, nextcord and disnake sync their commands when they connect;
discord.py syncs in ``setup_hook``; hikari through its REST client once started).
"""

from __future__ import annotations

import textwrap

from wiretwin.discord.world import DEFAULT_IDS

GUILD = DEFAULT_IDS["guild"]

_DISCORD_PY = """
import discord
import pytest
from discord import app_commands
from discord.ext import commands

GUILD = discord.Object({guild})


class Menu(discord.ui.View):
    @discord.ui.button(label="Wave", custom_id="wave")
    async def wave(self, interaction, button):
        await interaction.response.send_message(f"{{interaction.user.name}} waved")

    @discord.ui.select(custom_id="colour", options=[
        discord.SelectOption(label="Red", value="red"),
        discord.SelectOption(label="Blue", value="blue")])
    async def colour(self, interaction, select):
        await interaction.response.send_message(f"colour: {{select.values[0]}}")


class Feedback(discord.ui.Modal, title="Feedback"):
    text = discord.ui.TextInput(label="Text", custom_id="text")

    async def on_submit(self, interaction):
        await interaction.response.send_message(f"thanks for {{self.text.value!r}}")


class Bot(commands.Bot):
    async def setup_hook(self):
        await self.tree.sync()
        await self.tree.sync(guild=GUILD)


@pytest.fixture
def discord_bot():
    bot = Bot(command_prefix="!", intents=discord.Intents.all())

    @bot.tree.command(description="Greets someone")
    @app_commands.describe(name="Who to greet")
    async def greet(interaction: discord.Interaction, name: str):
        await interaction.response.send_message(f"Hello, {{name}}!")

    @bot.tree.command(description="Asks for feedback", guild=GUILD)
    async def feedback(interaction: discord.Interaction):
        await interaction.response.send_modal(Feedback())
{message_commands}"""

# py-cord installs itself as ``discord`` too: the same bot in py-cord's own vocabulary.
_PY_CORD = """
import discord
import pytest
from discord.ext import commands

GUILD = {guild}


class Menu(discord.ui.View):
    @discord.ui.button(label="Wave", custom_id="wave")
    async def wave(self, button, interaction):
        await interaction.response.send_message(f"{{interaction.user.name}} waved")

    @discord.ui.select(custom_id="colour", options=[
        discord.SelectOption(label="Red", value="red"),
        discord.SelectOption(label="Blue", value="blue")])
    async def colour(self, select, interaction):
        await interaction.response.send_message(f"colour: {{select.values[0]}}")


class Feedback(discord.ui.Modal):
    def __init__(self):
        super().__init__(discord.ui.InputText(label="Text", custom_id="text"),
                         title="Feedback")

    async def callback(self, interaction):
        await interaction.response.send_message(f"thanks for {{self.children[0].value!r}}")


@pytest.fixture
def discord_bot():
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())

    @bot.slash_command(description="Greets someone")
    async def greet(ctx: discord.ApplicationContext,
                    name: discord.Option(str, "Who to greet")):
        await ctx.respond(f"Hello, {{name}}!")

    @bot.slash_command(description="Asks for feedback", guild_ids=[GUILD])
    async def feedback(ctx: discord.ApplicationContext):
        await ctx.send_modal(Feedback())
{message_commands}"""

_NEXTCORD = """
import nextcord
import pytest
from nextcord.ext import commands

GUILD = {guild}


class Menu(nextcord.ui.View):
    @nextcord.ui.button(label="Wave", custom_id="wave")
    async def wave(self, button, interaction):
        await interaction.response.send_message(f"{{interaction.user.name}} waved")

    @nextcord.ui.select(custom_id="colour", options=[
        nextcord.SelectOption(label="Red", value="red"),
        nextcord.SelectOption(label="Blue", value="blue")])
    async def colour(self, select, interaction):
        await interaction.response.send_message(f"colour: {{select.values[0]}}")


class Feedback(nextcord.ui.Modal):
    def __init__(self):
        super().__init__("Feedback")
        self.text = nextcord.ui.TextInput(label="Text", custom_id="text")
        self.add_item(self.text)

    async def callback(self, interaction):
        await interaction.response.send_message(f"thanks for {{self.text.value!r}}")


@pytest.fixture
def discord_bot():
    bot = commands.Bot(command_prefix="!", intents=nextcord.Intents.all())

    @bot.slash_command(description="Greets someone")
    async def greet(interaction: nextcord.Interaction,
                    name: str = nextcord.SlashOption(description="Who to greet")):
        await interaction.response.send_message(f"Hello, {{name}}!")

    @bot.slash_command(description="Asks for feedback", guild_ids=[GUILD])
    async def feedback(interaction: nextcord.Interaction):
        await interaction.response.send_modal(Feedback())
{message_commands}"""

_DISNAKE = """
import disnake
import pytest
from disnake.ext import commands

GUILD = {guild}


class Menu(disnake.ui.View):
    @disnake.ui.button(label="Wave", custom_id="wave")
    async def wave(self, button, inter):
        await inter.response.send_message(f"{{inter.author.name}} waved")

    @disnake.ui.string_select(custom_id="colour", options=[
        disnake.SelectOption(label="Red", value="red"),
        disnake.SelectOption(label="Blue", value="blue")])
    async def colour(self, select, inter):
        await inter.response.send_message(f"colour: {{select.values[0]}}")


class Feedback(disnake.ui.Modal):
    def __init__(self):
        super().__init__(title="Feedback", custom_id="feedback", components=[
            disnake.ui.Label("Text", disnake.ui.TextInput(custom_id="text"))])

    async def callback(self, inter: disnake.ModalInteraction):
        await inter.response.send_message(f"thanks for {{inter.text_values['text']!r}}")


@pytest.fixture
def discord_bot():
    bot = commands.Bot(command_prefix="!", intents=disnake.Intents.all())

    @bot.slash_command(description="Greets someone")
    async def greet(inter: disnake.ApplicationCommandInteraction, name: str):
        \"\"\"Greets someone

        Parameters
        ----------
        name: Who to greet
        \"\"\"
        await inter.response.send_message(f"Hello, {{name}}!")

    @bot.slash_command(description="Asks for feedback", guild_ids=[GUILD])
    async def feedback(inter: disnake.ApplicationCommandInteraction):
        await inter.response.send_modal(Feedback())
{message_commands}"""

_FAMILY_COMMANDS = """
    @bot.command()
    async def ping(ctx):
        await ctx.send("pong")

    @bot.command()
    async def boom(ctx):
        raise ValueError("kaboom")

    @bot.command()
    async def menu(ctx):
        await ctx.send("Menu", view=Menu())

    return bot
"""

_HIKARI = """
import hikari
import pytest

from wiretwin.drivers.hikari import hikari_kwargs

GUILD = {guild}


@pytest.fixture
def discord_bot(discord_env_twin):
    bot = hikari.GatewayBot(**hikari_kwargs(discord_env_twin), banner=None,
                            intents=hikari.Intents.ALL_UNPRIVILEGED
                            | hikari.Intents.MESSAGE_CONTENT)

    @bot.listen()
    async def register(event: hikari.StartedEvent) -> None:
        application = await bot.rest.fetch_application()
        greet = bot.rest.slash_command_builder("greet", "Greets someone").add_option(
            hikari.CommandOption(type=hikari.OptionType.STRING, name="name",
                                 description="Who to greet", is_required=True))
        await bot.rest.set_application_commands(application.id, [greet])
        feedback = bot.rest.slash_command_builder("feedback", "Asks for feedback")
        await bot.rest.set_application_commands(application.id, [feedback], guild=GUILD)

    @bot.listen()
    async def on_message(event: hikari.GuildMessageCreateEvent) -> None:
        if not event.is_human:
            return
        if event.content == "!ping":
            await event.message.respond("pong")
        elif event.content == "!boom":
            raise ValueError("kaboom")
        elif event.content == "!menu":
            buttons = bot.rest.build_message_action_row().add_interactive_button(
                hikari.ButtonStyle.SECONDARY, "wave", label="Wave")
            colours = bot.rest.build_message_action_row().add_text_menu("colour")
            colours.add_option("Red", "red").add_option("Blue", "blue")
            await event.message.respond("Menu", components=[buttons, colours.parent])

    @bot.listen()
    async def on_interaction(event: hikari.InteractionCreateEvent) -> None:
        interaction = event.interaction
        if isinstance(interaction, hikari.CommandInteraction):
            if interaction.command_name == "greet":
                name = interaction.options[0].value
                await interaction.create_initial_response(
                    hikari.ResponseType.MESSAGE_CREATE, f"Hello, {{name}}!")
            else:
                text = bot.rest.build_modal_action_row().add_text_input("text", "Text")
                await interaction.create_modal_response("Feedback", "feedback",
                                                        component=text)
        elif isinstance(interaction, hikari.ComponentInteraction):
            if interaction.custom_id == "wave":
                answer = f"{{interaction.user.username}} waved"
            else:
                answer = f"colour: {{interaction.values[0]}}"
            await interaction.create_initial_response(
                hikari.ResponseType.MESSAGE_CREATE, answer)
        elif isinstance(interaction, hikari.ModalInteraction):
            text = interaction.components[0].components[0].value
            await interaction.create_initial_response(
                hikari.ResponseType.MESSAGE_CREATE, f"thanks for {{text!r}}")

    return bot
"""

#: Each library's conftest.py.
CONFTESTS = {
    library: textwrap.dedent(source.format(guild=GUILD, message_commands=_FAMILY_COMMANDS))
    for library, source in (("discord.py", _DISCORD_PY), ("py-cord", _PY_CORD),
                            ("nextcord", _NEXTCORD), ("disnake", _DISNAKE),
                            ("hikari", _HIKARI))
}

#: The user's tests, the same for every library (``{library}``: its name).
TESTS = """
import pytest


async def test_ping(discord_env):
    reply = await discord_env.user("alice").send("!ping")
    assert reply.content == "pong"


async def test_an_error_in_the_bot_fails_the_action(discord_env):
    with pytest.raises(ValueError, match="kaboom"):
        await discord_env.user("alice").send("!boom")


async def test_the_library_is_detected(discord_env):
    assert discord_env.library == {library!r}


async def test_a_global_slash_command(discord_env):
    greeted = await discord_env.user("alice").slash("greet", name="Carol")
    assert greeted.content == "Hello, Carol!"
    assert greeted.interaction is not None and not greeted.ephemeral


async def test_a_guild_slash_command_opens_a_modal(discord_env):
    bob = discord_env.user("bob")
    opened = await bob.slash("feedback")
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    submitted = await bob.submit_modal(opened, text="great bot")
    assert submitted.content == "thanks for 'great bot'"


async def test_a_button_and_a_select(discord_env):
    alice = discord_env.user("alice")
    menu = await alice.send("!menu")
    assert menu.content == "Menu"
    waved = await alice.click(menu, label="Wave")
    assert waved.content == "alice waved"
    chosen = await alice.select(menu, "colour", ["blue"])
    assert chosen.content == "colour: blue"
"""

#: How many of :data:`TESTS` there are (all pass).
PASSING = TESTS.count("\nasync def test_")

FAILING = """
async def test_a_wrong_expectation(discord_env):
    reply = await discord_env.user("alice").send("!ping")
    assert reply.content == "pang"
"""

__all__ = ["CONFTESTS", "FAILING", "GUILD", "PASSING", "TESTS"]
