"""A small discord.py bot that uses application commands, views and modals.

It is an ordinary bot: run it against Discord with ``python bot.py`` and a token in
``DISCORD_TOKEN``. ``test_bot.py`` runs it against the wiretwin Discord twin.
"""

from __future__ import annotations

import os
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

FLAVOURS = ["vanilla", "chocolate", "strawberry", "mint", "pistachio"]


class Poll(discord.ui.View):
    """Yes/no buttons that count votes, one per user; "close" (the author only) ends it."""

    def __init__(self, author_id: int, question: str) -> None:
        super().__init__(timeout=3600)
        self.author_id = author_id
        self.question = question
        self.votes: dict[int, bool] = {}

    def render(self) -> str:
        yes = sum(self.votes.values())
        return f"{self.question} (yes {yes}, no {len(self.votes) - yes})"

    async def vote(self, interaction: discord.Interaction, choice: bool) -> None:
        self.votes[interaction.user.id] = choice
        await interaction.response.edit_message(content=self.render(), view=self)

    @discord.ui.button(label="Yes", style=discord.ButtonStyle.success, custom_id="poll:yes")
    async def yes(self, interaction: discord.Interaction,
                  button: discord.ui.Button[Poll]) -> None:
        await self.vote(interaction, True)

    @discord.ui.button(label="No", style=discord.ButtonStyle.danger, custom_id="poll:no")
    async def no(self, interaction: discord.Interaction,
                 button: discord.ui.Button[Poll]) -> None:
        await self.vote(interaction, False)

    @discord.ui.button(label="Close", custom_id="poll:close")
    async def close(self, interaction: discord.Interaction,
                    button: discord.ui.Button[Poll]) -> None:
        if interaction.user.id != self.author_id:
            await interaction.response.send_message("Only the author can close it.",
                                                    ephemeral=True)
            return
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        await interaction.response.edit_message(content="Closed: " + self.render(),
                                                view=self)
        self.stop()


class RolePicker(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=600)

    @discord.ui.select(cls=discord.ui.RoleSelect, custom_id="roles:pick", max_values=2)
    async def pick(self, interaction: discord.Interaction,
                   select: discord.ui.RoleSelect[RolePicker]) -> None:
        names = ", ".join(sorted(role.name for role in select.values))
        await interaction.response.send_message(f"You picked: {names}", ephemeral=True)


class Feedback(discord.ui.Modal, title="Send feedback"):
    topic: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="Topic", custom_id="topic", max_length=50)
    details: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="Details", custom_id="details", style=discord.TextStyle.paragraph,
        required=False, max_length=500)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"Thanks! We got your feedback on {self.topic.value!r}.", ephemeral=True)


settings = app_commands.Group(name="settings", description="Bot settings for this server")


@settings.command(name="set", description="Set a setting")
@app_commands.describe(key="Which setting", value="Its new value")
async def settings_set(interaction: discord.Interaction,
                       key: Literal["prefix", "greeting"], value: str) -> None:
    await interaction.response.send_message(f"{key} is now {value!r}")


@settings.command(name="show", description="Show a setting")
async def settings_show(interaction: discord.Interaction,
                        key: Literal["prefix", "greeting"]) -> None:
    await interaction.response.send_message(f"{key}: (default)", ephemeral=True)


class ExampleBot(commands.Bot):
    async def setup_hook(self) -> None:
        # Register the slash and context-menu commands with Discord at every start, as
        # a small bot does (a large one syncs on demand: syncing is rate limited).
        await self.tree.sync()


def build_bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    bot = ExampleBot(command_prefix="!", intents=intents)
    tree = bot.tree
    tree.add_command(settings)

    @tree.command(description="Roll dice")
    @app_commands.describe(sides="Sides on each die", count="How many dice")
    async def roll(interaction: discord.Interaction, sides: app_commands.Range[int, 2, 100],
                   count: app_commands.Range[int, 1, 10] = 1) -> None:
        # Deterministic for the example: every die shows its highest face.
        await interaction.response.send_message(f"rolled {count}d{sides}: {sides * count}")

    @tree.command(description="Pick an ice cream flavour")
    async def icecream(interaction: discord.Interaction, flavour: str) -> None:
        if flavour not in FLAVOURS:
            await interaction.response.send_message(f"No {flavour!r} today.", ephemeral=True)
            return
        await interaction.response.send_message(f"One {flavour} coming up!")

    @icecream.autocomplete("flavour")
    async def flavours(interaction: discord.Interaction, current: str
                       ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f.title(), value=f) for f in FLAVOURS
                if current.lower() in f][:25]

    @tree.command(description="Ask a yes/no question")
    async def poll(interaction: discord.Interaction, question: str) -> None:
        view = Poll(interaction.user.id, question)
        await interaction.response.send_message(view.render(), view=view)

    @tree.command(description="Pick your roles")
    async def roles(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Pick up to two roles:", view=RolePicker(),
                                                ephemeral=True)

    @tree.command(description="Tell us what you think")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    @tree.command(description="Summarise the server (takes a moment)")
    @app_commands.guild_only()
    async def report(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        guild = interaction.guild
        assert guild is not None
        await interaction.followup.send(f"{guild.name}: {guild.member_count} members, "
                                        f"{len(guild.text_channels)} text channels")

    @tree.command(description="Start a discussion thread")
    async def discuss(interaction: discord.Interaction, topic: str) -> None:
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            await interaction.response.send_message("Not here.", ephemeral=True)
            return
        await interaction.response.send_message(f"Discussing {topic}...")
        message = await interaction.original_response()
        thread = await message.create_thread(name=topic)
        await thread.send(f"Welcome to the {topic} discussion!")

    @tree.command(description="Post an announcement through a webhook")
    @app_commands.default_permissions(manage_webhooks=True)
    async def announce(interaction: discord.Interaction, text: str) -> None:
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        hooks = await channel.webhooks()
        hook = next((h for h in hooks if h.name == "Announcer"), None)
        if hook is None:
            hook = await channel.create_webhook(name="Announcer")
        await hook.send(text, username="Announcements")
        await interaction.response.send_message("Announced.", ephemeral=True)

    @tree.command(description="Describe things in this server")
    @app_commands.describe(member="Someone", role="A role", channel="A channel",
                           weight="A number", loud="Shout it?", file="A file",
                           anyone="A user or a role")
    async def describe(interaction: discord.Interaction, member: discord.Member,
                       role: discord.Role, channel: discord.TextChannel, weight: float,
                       loud: bool, file: discord.Attachment,
                       anyone: discord.User | discord.Role | None = None) -> None:
        text = (f"{member.display_name} has {role.name}? {role in member.roles}; "
                f"#{channel.name}; {weight:.1f} kg; {file.filename} ({file.size} bytes)")
        if anyone is not None:
            text += f"; and {anyone.name}"
        await interaction.response.send_message(text.upper() if loud else text)

    @tree.context_menu(name="Pin it")
    @app_commands.default_permissions(manage_messages=True)
    async def pin_it(interaction: discord.Interaction, message: discord.Message) -> None:
        await message.pin(reason=f"asked by {interaction.user}")
        await interaction.response.send_message("Pinned.", ephemeral=True)

    @tree.context_menu(name="User info")
    async def user_info(interaction: discord.Interaction, member: discord.Member) -> None:
        roles = [r.name for r in member.roles if not r.is_default()]
        await interaction.response.send_message(
            f"{member.display_name}: roles {', '.join(roles) or 'none'}", ephemeral=True)

    @tree.context_menu(name="Count words")
    async def count_words(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"{len(message.content.split())} words")

    # discord.py's hybrid_command decorator typing leaves its ContextT unsolved for mypy.
    @commands.hybrid_command(description="Say hello")  # type: ignore[arg-type]
    async def hello(ctx: commands.Context[commands.Bot], name: str) -> None:
        await ctx.send(f"Hello, {name}!")

    bot.add_command(hello)
    return bot


if __name__ == "__main__":
    build_bot().run(os.environ["DISCORD_TOKEN"])
