"""The matrix's scenario bot for discord.py and its forks (nextcord, py-cord, disnake),
run by the library's own interpreter: ``python dpy_bot.py <module> '<settings JSON>'``.

It points the library at the twin the way wiretwin's ``use_discord_py`` does (its REST
base and gateway URL are class attributes), logs in, and behaves as
tests/matrix/discord/checks.py says. It prints JSON lines: ``ready`` (with the guilds the
library lists, once every shard is ready), ``error`` (anything the library reports as
unhandled), ``fatal`` (what ``Client.start`` raised: a login that cannot succeed);
``{"cmd": "exit"}`` on stdin closes it. Where the forks' APIs differ (modals,
autocomplete answers), the differences are spelled out below.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import sys
import traceback
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # mypy sees this folder as a part of the tests package
    from tests.matrix.discord.bots.bot_lines import Errors, out, stop_on_exit
else:  # run as a script, whose folder comes first on sys.path
    from bot_lines import Errors, out, stop_on_exit



def point_at_twin(module: str, settings: dict[str, Any]) -> None:
    import yarl

    http = importlib.import_module(f"{module}.http")
    gateway = importlib.import_module(f"{module}.gateway")
    for attr, value in (("BASE", settings["rest"]),
                        ("API_BASE_URL", settings["api"] + "/v{API_VERSION}")):
        if hasattr(http.Route, attr):
            setattr(http.Route, attr, value)
    gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings["gateway"])


def modal(lib: Any, module: str, custom_id: str) -> Any:
    ui = lib.ui
    if module == "disnake":
        return ui.Modal(title="Form", custom_id=custom_id,
                        components=[ui.TextInput(label="Answer", custom_id="answer")])
    if hasattr(ui, "InputText"):  # py-cord
        form = ui.Modal(title="Form", custom_id=custom_id)
        form.add_item(ui.InputText(label="Answer", custom_id="answer"))
        return form
    if module == "nextcord":
        form = ui.Modal("Form", custom_id=custom_id, auto_defer=False)  # as views
    else:
        form = ui.Modal(title="Form", custom_id=custom_id)
    form.add_item(ui.TextInput(label="Answer", custom_id="answer"))
    return form


async def autocomplete(lib: Any, module: str, interaction: Any, typed: str) -> None:
    names = [f"{typed}-1", f"{typed}-2"]
    response = interaction.response
    if module == "discord" and hasattr(response, "send_autocomplete_result"):  # py-cord
        await response.send_autocomplete_result(
            choices=[lib.OptionChoice(name=n, value=n) for n in names])
    elif module == "nextcord":
        await response.send_autocomplete({n: n for n in names})
    elif module == "disnake":
        await response.autocomplete(choices={n: n for n in names})
    else:
        await response.autocomplete([lib.app_commands.Choice(name=n, value=n) for n in names])


def options(data: dict[str, Any]) -> dict[str, Any]:
    return {o["name"]: o for o in data.get("options") or []}


def field(data: dict[str, Any], custom_id: str) -> str:
    for row in data.get("components") or []:
        for item in row.get("components") or [row.get("component") or {}]:
            if item.get("custom_id") == custom_id:
                return str(item.get("value"))
    raise KeyError(custom_id)


async def main(module: str, settings: dict[str, Any]) -> None:
    lib: Any = importlib.import_module(module)
    point_at_twin(module, settings)
    logging.getLogger(module).addHandler(Errors())
    intents = lib.Intents(**{"guilds": True, "members": True, "guild_messages": True,
                             "guild_reactions": True, "message_content": True})
    shards = settings["shards"]
    # nextcord syncs its own application commands at connect and by default deletes every
    # command it has no code for: /echo is registered by the app (the twin's world), not
    # through nextcord's command system, so that clean-up is turned off.
    extra: dict[str, Any] = {"rollout_delete_unknown": False} if module == "nextcord" else {}
    if shards:
        client = lib.AutoShardedClient(intents=intents, shard_count=shards,
                                       shard_ids=list(range(shards)), **extra)
    else:
        client = lib.Client(intents=intents, **extra)
    state = getattr(client, "_connection", None)
    if state is not None and getattr(state, "guild_ready_timeout", None) is not None:
        state.guild_ready_timeout = 0.01
    locked = int(settings["locked"])

    async def on_error(event: str, *args: Any, **kwargs: Any) -> None:
        out(type="error", where=event, message=traceback.format_exc())

    async def on_ready() -> None:
        out(type="ready", guilds=sorted(str(g.id) for g in client.guilds))

    async def on_message(message: Any) -> None:
        if message.author.bot:
            return
        words = message.content.split()
        if not words:
            return
        command, args = words[0], words[1:]
        channel = message.channel
        if command == "!ping":
            await channel.send(f"pong {args[0]}")
        elif command == "!button":
            # nextcord's views defer a click nobody answered at once: the answer (a
            # modal) comes from on_interaction instead, so that is turned off.
            view = (lib.ui.View(timeout=None, auto_defer=False) if module == "nextcord"
                    else lib.ui.View(timeout=None))
            view.add_item(lib.ui.Button(label="Open", custom_id=f"open:{args[0]}"))
            await channel.send(f"button {args[0]}", view=view)
        elif command == "!react":
            await message.add_reaction("✅")
        elif command == "!forbidden":
            try:
                await client.get_channel(locked).send("not allowed here")
            except lib.Forbidden as exc:
                await channel.send(f"forbidden {exc.status} {exc.code} {args[0]}")
        elif command == "!burst":
            for i in range(1, int(args[1]) + 1):
                await channel.send(f"burst {args[0]} {i}")

    async def on_raw_reaction_add(payload: Any) -> None:
        if payload.user_id == client.user.id:
            return
        channel = client.get_channel(payload.channel_id)
        await channel.send(f"reaction {payload.emoji} {payload.user_id}")

    async def on_member_join(member: Any) -> None:
        general = lib.utils.get(member.guild.text_channels, name="general")
        await general.send(f"welcome {member.id}")

    async def on_interaction(interaction: Any) -> None:
        data = interaction.data or {}
        kind = int(getattr(interaction.type, "value", interaction.type))
        if kind == 2 and data.get("name") == "echo":
            given = options(data)
            await interaction.response.send_message(
                f"echo {given['text']['value']} x{given['times']['value']}")
        elif kind == 4 and data.get("name") == "echo":
            focused = next(o for o in options(data).values() if o.get("focused"))
            await autocomplete(lib, module, interaction, str(focused["value"]))
        elif kind == 3 and str(data.get("custom_id", "")).startswith("open:"):
            n = data["custom_id"].split(":", 1)[1]
            await interaction.response.send_modal(modal(lib, module, f"form:{n}"))
        elif kind == 5 and str(data.get("custom_id", "")).startswith("form:"):
            n = data["custom_id"].split(":", 1)[1]
            await interaction.response.send_message(f"modal {field(data, 'answer')} {n}")

    for handler in (on_error, on_ready, on_message, on_raw_reaction_add, on_member_join,
                    on_interaction):
        setattr(client, handler.__name__, handler)

    stop_on_exit(lambda: asyncio.get_running_loop().create_task(client.close()))
    try:
        await client.start(settings["token"])
    except Exception as exc:  # a login that cannot succeed (PrivilegedIntentsRequired...)
        out(type="fatal", where="Client.start", message=f"{type(exc).__name__}: {exc}")
        await client.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
