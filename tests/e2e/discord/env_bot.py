"""The discord.py bot the discord_env tests run: message commands, slash commands, a
view with an enabled and a disabled button, a select, a modal, listeners for reactions,
members and voice, and handlers that raise."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands, tasks

Ctx = commands.Context[commands.Bot]


class Vote(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=180)

    @discord.ui.button(label="Yes", custom_id="vote:yes")
    async def yes(self, interaction: discord.Interaction, _: discord.ui.Button[Vote]) -> None:
        await interaction.response.send_message(f"{interaction.user.name} voted yes")

    @discord.ui.button(label="No", custom_id="vote:no", disabled=True)
    async def no(self, interaction: discord.Interaction, _: discord.ui.Button[Vote]) -> None:
        await interaction.response.send_message("no")

    @discord.ui.select(custom_id="vote:colour", options=[
        discord.SelectOption(label="Red", value="red"),
        discord.SelectOption(label="Blue", value="blue")])
    async def colour(self, interaction: discord.Interaction,
                     select: discord.ui.Select[Vote]) -> None:
        await interaction.response.send_message(f"colour: {select.values[0]}",
                                                ephemeral=True)

    @discord.ui.button(label="Close", custom_id="vote:close")
    async def close(self, interaction: discord.Interaction,
                    _: discord.ui.Button[Vote]) -> None:
        await interaction.response.edit_message(content="the vote is closed", view=None)

    @discord.ui.button(label="Break", custom_id="vote:break")
    async def broken(self, interaction: discord.Interaction,
                     _: discord.ui.Button[Vote]) -> None:
        raise LookupError("the view broke")


class Feedback(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(label="Text",
                                                                 custom_id="text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks for {self.text.value!r}")


class TimedBot(commands.Bot):
    """Counts the minutes of its background task."""

    ticks = 0

    @tasks.loop(seconds=60)
    async def minutes(self) -> None:
        self.ticks += 1


def make_bot() -> TimedBot:
    bot = TimedBot(command_prefix="!", intents=discord.Intents.all(), help_command=None)

    async def setup_hook() -> None:
        await bot.tree.sync()
        bot.minutes.start()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]

    @bot.command()
    async def ping(ctx: Ctx) -> None:
        await ctx.send("pong")

    @bot.command()
    async def twice(ctx: Ctx) -> None:
        await ctx.send("one")
        await ctx.send("two")

    @bot.command()
    async def later(ctx: Ctx) -> None:
        await ctx.send("soon gone", delete_after=30)

    @bot.command()
    async def quiz(ctx: Ctx) -> None:
        await ctx.send("What is 6 x 7?")

        def same_author(message: discord.Message) -> bool:
            return message.author == ctx.author and message.channel == ctx.channel

        try:
            answer = await bot.wait_for("message", check=same_author, timeout=60)
        except TimeoutError:
            await ctx.send("too slow")
            return
        await ctx.send("correct" if answer.content == "42" else "wrong")

    @bot.command()
    async def remind(ctx: Ctx) -> None:
        await ctx.send("in an hour")
        await asyncio.sleep(3600)
        await ctx.send("reminder!")

    @bot.command()
    @commands.cooldown(1, 60)
    async def daily(ctx: Ctx) -> None:
        await ctx.send("your daily reward")

    @bot.command()
    async def boom(ctx: Ctx) -> None:
        raise ValueError("kaboom")

    @bot.command()
    async def vote(ctx: Ctx) -> None:
        await ctx.send("Vote!", view=Vote())

    @bot.command()
    async def react(ctx: Ctx) -> None:
        await ctx.message.add_reaction("👍")

    @bot.command()
    async def status(ctx: Ctx, *, text: str) -> None:
        await bot.change_presence(status=discord.Status.idle,
                                  activity=discord.Game(name=text))
        await ctx.send("ok")

    @bot.command()
    @commands.has_role("Moderator")
    async def modonly(ctx: Ctx) -> None:
        await ctx.send("hello moderator")

    @bot.tree.command(description="Greets someone")
    async def greet(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"Hello, {name}!")

    @bot.tree.command(description="Asks for feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    @bot.tree.command(description="Thinks it over for two seconds")
    async def ponder(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(2)
        await interaction.followup.send("thought it over")

    @bot.tree.command(description="Picks a fruit")
    async def fruit(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"you picked {name}", ephemeral=True)

    @fruit.autocomplete("name")
    async def fruit_names(interaction: discord.Interaction,
                          current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f, value=f)
                for f in ("apple", "banana", "cherry") if f.startswith(current)]

    @bot.listen()
    async def on_member_join(member: discord.Member) -> None:
        channel = discord.utils.get(member.guild.text_channels, name="general")
        assert channel is not None
        await channel.send(f"Welcome, {member.name}!")

    @bot.listen()
    async def on_voice_state_update(member: discord.Member, before: discord.VoiceState,
                                    after: discord.VoiceState) -> None:
        channel = discord.utils.get(member.guild.text_channels, name="general")
        assert channel is not None
        where = after.channel.name if after.channel else "nowhere"
        await channel.send(f"{member.name} is in {where}")

    @bot.listen()
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        if payload.user_id == bot.user.id if bot.user else True:
            return
        channel = bot.get_channel(payload.channel_id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send(f"saw {payload.emoji}")

    @bot.listen()
    async def on_message(message: discord.Message) -> None:
        if message.content == "crash":
            raise RuntimeError("a listener crashed")
        if isinstance(message.channel, discord.DMChannel) and not message.author.bot:
            await message.channel.send(f"you said {message.content!r}")

    return bot
