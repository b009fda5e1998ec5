"""A small real discord.py bot with one of each interaction, for the admin API's and the
web console's tests: slash commands with options (and autocomplete), a user command, a
panel with an embed, buttons (one answers ephemerally, one is disabled) and a select menu,
a components v2 message, a modal, a deferred answer with a followup, a command the bot
never answers, and the prefix command ``!ping``."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

Inter = discord.Interaction
FRUITS = ["apple", "apricot", "banana", "cherry"]


class Panel(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Wave", custom_id="panel:wave", style=discord.ButtonStyle.primary,
                       emoji="👋")
    async def wave(self, interaction: Inter, button: discord.ui.Button[Panel]) -> None:
        await interaction.response.send_message(f"{interaction.user.name} waves back")

    @discord.ui.button(label="Secret", custom_id="panel:secret")
    async def secret(self, interaction: Inter, button: discord.ui.Button[Panel]) -> None:
        await interaction.response.send_message(f"only {interaction.user.name} sees this",
                                                ephemeral=True)

    @discord.ui.button(label="Closed", custom_id="panel:closed", disabled=True)
    async def closed(self, interaction: Inter, button: discord.ui.Button[Panel]) -> None:
        await interaction.response.send_message("never")

    @discord.ui.select(custom_id="panel:colour", placeholder="Pick a colour", options=[
        discord.SelectOption(label="Red", value="red"),
        discord.SelectOption(label="Green", value="green"),
        discord.SelectOption(label="Blue", value="blue")])
    async def colour(self, interaction: Inter, select: discord.ui.Select[Panel]) -> None:
        await interaction.response.edit_message(content=f"colour: {select.values[0]}")


class Feedback(discord.ui.Modal, title="Feedback"):
    subject: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Subject",
                                                              custom_id="subject")
    body: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Body", custom_id="body", style=discord.TextStyle.paragraph, required=False)

    async def on_submit(self, interaction: Inter) -> None:
        await interaction.response.send_message(
            f"thanks for {self.subject.value!r} ({len(self.body.value)} chars)")


class Card(discord.ui.LayoutView):
    """A components v2 message: a container with text, a section with a button, a
    separator and a media gallery."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        button: discord.ui.Button[Card] = discord.ui.Button(label="Like", custom_id="card:like")
        button.callback = self.like  # type: ignore[method-assign]
        self.add_item(discord.ui.Container(
            discord.ui.TextDisplay("## Release notes\nThe **twin** got a _console_."),
            discord.ui.Section(discord.ui.TextDisplay("Like it?"), accessory=button),
            discord.ui.Separator(),
            discord.ui.MediaGallery(discord.MediaGalleryItem(
                "https://example.com/a.png", description="a picture")),
            accent_colour=discord.Colour(0x5865F2)))

    async def like(self, interaction: Inter) -> None:
        await interaction.response.send_message("liked", ephemeral=True)


def make_showcase_bot() -> commands.Bot:
    """The bot; its commands are synced globally in ``setup_hook`` (before READY)."""
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())

    @bot.tree.command(description="Say hello")
    @app_commands.describe(name="Who to greet", times="How many times",
                           friend="Someone to mention")
    async def greet(interaction: Inter, name: str,
                    times: app_commands.Range[int, 1, 3] = 1,
                    friend: discord.Member | None = None) -> None:
        text = " ".join([f"hello {name}"] * times)
        if friend is not None:
            text += f" and {friend.mention}"
        await interaction.response.send_message(text)

    @bot.tree.command(description="A panel of buttons and a select menu")
    async def panel(interaction: Inter) -> None:
        embed = discord.Embed(title="Panel", description="Press **something**",
                              colour=discord.Colour(0x57F287))
        embed.add_field(name="Buttons", value="3")
        embed.add_field(name="Selects", value="1")
        embed.set_footer(text="showcase")
        await interaction.response.send_message("the panel", embed=embed, view=Panel())

    @bot.tree.command(description="A components v2 card")
    async def card(interaction: Inter) -> None:
        await interaction.response.send_message(view=Card())

    @bot.tree.command(description="Give feedback")
    async def feedback(interaction: Inter) -> None:
        await interaction.response.send_modal(Feedback())

    @bot.tree.command(description="Thinks, then answers twice")
    async def slow(interaction: Inter) -> None:
        await interaction.response.defer()
        await interaction.followup.send("done")

    @bot.tree.command(description="Never answers")
    async def silent(interaction: Inter) -> None:
        return None

    @bot.tree.command(description="Moderators only")
    @app_commands.default_permissions(manage_messages=True)
    async def purge(interaction: Inter) -> None:
        await interaction.response.send_message("purged", ephemeral=True)

    @bot.tree.command(description="Pick a fruit")
    async def fruit(interaction: Inter, name: str) -> None:
        await interaction.response.send_message(f"you picked {name}")

    @fruit.autocomplete("name")
    async def fruit_names(interaction: Inter, current: str
                          ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f, value=f) for f in FRUITS if f.startswith(current)]

    @bot.tree.context_menu(name="Who")
    async def who(interaction: Inter, member: discord.Member) -> None:
        await interaction.response.send_message(f"that is {member.name}", ephemeral=True)

    @bot.command()
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.reply("pong")

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


__all__ = ["FRUITS", "make_showcase_bot"]
