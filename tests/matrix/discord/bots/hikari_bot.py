"""The matrix's scenario bot for hikari: ``python hikari_bot.py '<settings JSON>'``.

A ``hikari.GatewayBot`` given the twin's REST URL (``rest_url``; it asks the twin's
``/gateway/bot`` for the gateway), behaving as tests/matrix/discord/checks.py says. It
prints JSON lines: ``ready`` (with the guilds in its cache, once every shard is ready and
every guild available), ``error`` (what hikari logs at ERROR: unhandled exceptions in
event listeners), ``fatal`` (what ``GatewayBot.start`` raised: a login that cannot
succeed); ``{"cmd": "exit"}`` on stdin closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from typing import TYPE_CHECKING, Any

import hikari

if TYPE_CHECKING:  # mypy sees this folder as a part of the tests package
    from tests.matrix.discord.bots.bot_lines import Errors, out, stop_on_exit
else:  # run as a script, whose folder comes first on sys.path
    from bot_lines import Errors, out, stop_on_exit

INTENTS = (hikari.Intents.GUILDS | hikari.Intents.GUILD_MEMBERS
           | hikari.Intents.GUILD_MESSAGES | hikari.Intents.GUILD_MESSAGE_REACTIONS
           | hikari.Intents.MESSAGE_CONTENT)


async def main(settings: dict[str, Any]) -> None:
    logging.getLogger("hikari").addHandler(Errors())
    bot = hikari.GatewayBot(settings["token"], intents=INTENTS, rest_url=settings["rest"],
                            banner=None, logs=None)
    shards = settings["shards"] or 1
    locked = int(settings["locked"])
    ready_shards: set[int] = set()
    pending: set[int] = set()

    def maybe_ready() -> None:
        if len(ready_shards) == shards and not pending:
            out(type="ready", guilds=sorted(str(g) for g in bot.cache.get_guilds_view()))

    @bot.listen(hikari.ShardReadyEvent)
    async def on_shard_ready(event: hikari.ShardReadyEvent) -> None:
        ready_shards.add(event.shard.id)
        pending.update(int(g) for g in event.unavailable_guilds)
        maybe_ready()

    @bot.listen(hikari.GuildAvailableEvent)
    async def on_guild(event: hikari.GuildAvailableEvent) -> None:
        if int(event.guild_id) in pending:
            pending.discard(int(event.guild_id))
            maybe_ready()

    @bot.listen(hikari.GuildMessageCreateEvent)
    async def on_message(event: hikari.GuildMessageCreateEvent) -> None:
        if event.author.is_bot or not event.message.content:
            return
        command, *args = event.message.content.split()
        channel = event.channel_id
        if command == "!ping":
            await bot.rest.create_message(channel, f"pong {args[0]}")
        elif command == "!button":
            row = bot.rest.build_message_action_row().add_interactive_button(
                hikari.ButtonStyle.PRIMARY, f"open:{args[0]}", label="Open")
            await bot.rest.create_message(channel, f"button {args[0]}", component=row)
        elif command == "!react":
            await event.message.add_reaction("✅")
        elif command == "!forbidden":
            try:
                await bot.rest.create_message(locked, "not allowed here")
            except hikari.ForbiddenError as exc:
                await bot.rest.create_message(
                    channel, f"forbidden {int(exc.status)} {int(exc.code)} {args[0]}")
        elif command == "!burst":
            for i in range(1, int(args[1]) + 1):
                await bot.rest.create_message(channel, f"burst {args[0]} {i}")

    @bot.listen(hikari.GuildReactionAddEvent)
    async def on_reaction(event: hikari.GuildReactionAddEvent) -> None:
        me = bot.get_me()
        if me is not None and event.user_id == me.id:
            return
        await bot.rest.create_message(event.channel_id,
                                      f"reaction {event.emoji_name} {event.user_id}")

    @bot.listen(hikari.MemberCreateEvent)
    async def on_join(event: hikari.MemberCreateEvent) -> None:
        channels = bot.cache.get_guild_channels_view_for_guild(event.guild_id).values()
        general = next(c for c in channels if c.name == "general")
        await bot.rest.create_message(general.id, f"welcome {event.user_id}")

    @bot.listen(hikari.InteractionCreateEvent)
    async def on_interaction(event: hikari.InteractionCreateEvent) -> None:
        interaction = event.interaction
        if isinstance(interaction, hikari.AutocompleteInteraction):
            focused = next(o for o in interaction.options if o.is_focused)
            names = [f"{focused.value}-1", f"{focused.value}-2"]
            await interaction.create_response(
                [hikari.impl.AutocompleteChoiceBuilder(name=n, value=n) for n in names])
        elif isinstance(interaction, hikari.CommandInteraction):
            given = {o.name: o.value for o in interaction.options or []}
            await interaction.create_initial_response(
                hikari.ResponseType.MESSAGE_CREATE,
                f"echo {given['text']} x{given['times']}")
        elif isinstance(interaction, hikari.ComponentInteraction):
            n = interaction.custom_id.split(":", 1)[1]
            row = bot.rest.build_modal_action_row().add_text_input("answer", "Answer")
            await interaction.create_modal_response("Form", f"form:{n}", component=row)
        elif isinstance(interaction, hikari.ModalInteraction):
            n = interaction.custom_id.split(":", 1)[1]
            value = next(c.value for row in interaction.components for c in row
                         if getattr(c, "custom_id", None) == "answer")
            await interaction.create_initial_response(
                hikari.ResponseType.MESSAGE_CREATE, f"modal {value} {n}")

    stopped = asyncio.Event()
    stop_on_exit(stopped.set)
    try:
        await bot.start(check_for_updates=False, shard_count=shards,
                        shard_ids=list(range(shards)))
    except Exception as exc:  # a login that cannot succeed (a close it may not retry)
        out(type="fatal", where="GatewayBot.start", message=f"{type(exc).__name__}: {exc}")
        return
    await stopped.wait()
    with contextlib.suppress(hikari.ComponentStateConflictError):
        await bot.close()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
