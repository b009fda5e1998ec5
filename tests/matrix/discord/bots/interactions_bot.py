"""The matrix's scenario bot for interactions.py, run from its own venv:
``python interactions_bot.py '<settings JSON>'``.

interactions.py builds every REST URL from ``Route.BASE`` (a class attribute, set to the
twin's) and asks ``/gateway`` for the gateway. Its slash command, autocomplete, button and
modal go through its own command system (registered on the client, synced to the twin at
login as interactions.py does); messages, reactions and joins through listeners. Prints
JSON lines: ``ready`` (at Startup, with its guilds), ``error`` (what it logs at ERROR),
``fatal`` (what ``astart`` raised: a login that cannot succeed); ``{"cmd": "exit"}`` on
stdin closes it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from typing import TYPE_CHECKING, Any

import interactions as ipy
from interactions.api.http.route import Route

if TYPE_CHECKING:  # mypy sees this folder as a part of the tests package
    from tests.matrix.discord.bots.bot_lines import Errors, out, stop_on_exit
else:  # run as a script, whose folder comes first on sys.path
    from bot_lines import Errors, out, stop_on_exit

#: How interactions.py logs a REST answer >= 400 ("POST::<url>: 403") at ERROR, even when
#: the caller handles the exception it raises: not a failure of the bot's.
HTTP_LOG = re.compile(r"^[A-Z]+::\S+: \d{3}$")


async def main(settings: dict[str, Any]) -> None:
    Route.BASE = settings["rest"]
    logger = logging.getLogger("wiretwin-matrix-interactions")
    logger.setLevel(logging.INFO)
    logger.addHandler(Errors(ignore=HTTP_LOG))
    intents = (ipy.Intents.GUILDS | ipy.Intents.GUILD_MEMBERS | ipy.Intents.GUILD_MESSAGES
               | ipy.Intents.GUILD_MESSAGE_REACTIONS | ipy.Intents.MESSAGE_CONTENT)
    shards = settings["shards"]
    options: dict[str, Any] = {"token": settings["token"], "intents": intents,
                               "logger": logger, "delete_unused_application_cmds": False,
                               "send_command_tracebacks": False}
    bot: Any = (ipy.AutoShardedClient(total_shards=shards, **options) if shards
                else ipy.Client(**options))
    locked = int(settings["locked"])

    async def on_startup(event: Any) -> None:
        out(type="ready", guilds=sorted(str(g.id) for g in bot.guilds))

    async def on_message(event: Any) -> None:
        message = event.message
        if message.author.bot or not message.content:
            return
        command, *args = message.content.split()
        channel = message.channel
        if command == "!ping":
            await channel.send(f"pong {args[0]}")
        elif command == "!button":
            button = ipy.Button(style=ipy.ButtonStyle.PRIMARY, label="Open",
                                custom_id=f"open:{args[0]}")
            await channel.send(f"button {args[0]}", components=[button])
        elif command == "!react":
            await message.add_reaction("✅")
        elif command == "!forbidden":
            try:
                target = await bot.fetch_channel(locked)
                await target.send("not allowed here")
            except ipy.errors.Forbidden as exc:
                await channel.send(f"forbidden {exc.status} {exc.code} {args[0]}")
        elif command == "!burst":
            for i in range(1, int(args[1]) + 1):
                await channel.send(f"burst {args[0]} {i}")

    async def on_reaction(event: Any) -> None:
        if event.author.id == bot.user.id:
            return
        await event.message.channel.send(f"reaction {event.emoji.name} {event.author.id}")

    async def on_join(event: Any) -> None:
        general = next(c for c in event.member.guild.channels if c.name == "general")
        await general.send(f"welcome {event.member.id}")

    for name, handler in (("startup", on_startup), ("message_create", on_message),
                          ("message_reaction_add", on_reaction), ("member_add", on_join)):
        bot.add_listener(ipy.Listener.create(name)(handler))

    async def echo(ctx: Any, text: str, times: int) -> None:
        await ctx.send(f"echo {text} x{times}")

    command = ipy.slash_command(name="echo", description="Say it again", options=[
        ipy.SlashCommandOption(name="text", description="what", required=True,
                               type=ipy.OptionType.STRING, autocomplete=True),
        ipy.SlashCommandOption(name="times", description="how often", required=True,
                               type=ipy.OptionType.INTEGER)])(echo)

    async def complete(ctx: Any) -> None:
        typed = ctx.input_text
        await ctx.send(choices=[{"name": f"{typed}-{i}", "value": f"{typed}-{i}"}
                                for i in (1, 2)])

    command.autocomplete("text")(complete)
    bot.add_interaction(command)

    async def open_modal(ctx: Any) -> None:
        n = ctx.custom_id.split(":", 1)[1]
        await ctx.send_modal(ipy.Modal(ipy.ShortText(label="Answer", custom_id="answer"),
                                       title="Form", custom_id=f"form:{n}"))

    async def submitted(ctx: Any, **fields: str) -> None:
        n = ctx.custom_id.split(":", 1)[1]
        await ctx.send(f"modal {ctx.responses['answer']} {n}")

    bot.add_component_callback(ipy.component_callback(re.compile(r"open:.*"))(open_modal))
    bot.add_modal_callback(ipy.modal_callback(re.compile(r"form:.*"))(submitted))

    async def shutdown() -> None:
        # The gateway first: Client.stop() closes its HTTP session (and with it the
        # websocket) before the gateway, and interactions.py's receive loop then spins
        # on the closed websocket, never reaching its stop (5.16.0).
        await bot._connection_state.stop()
        await bot.stop()

    stop_on_exit(lambda: asyncio.get_running_loop().create_task(shutdown()))
    try:
        await bot.astart()
    except Exception as exc:  # a login that cannot succeed (a close it may not retry)
        out(type="fatal", where="Client.astart", message=f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
