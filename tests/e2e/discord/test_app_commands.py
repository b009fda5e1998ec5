"""Application command registration: raw REST (status codes, shapes, Discord's checks) and
the real discord.py's ``CommandTree.sync()`` / ``fetch_commands()`` against the twin."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Literal

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from wiretwin.discord.snapshot import SnapshotError
from wiretwin.discord.twin import DiscordTwin

from .bots import build_world, run_bot


class Api:
    def __init__(self, twin: DiscordTwin, http: aiohttp.ClientSession) -> None:
        self.twin = twin
        self.http = http
        self.world = build_world(twin)
        self.app = f"/applications/{twin.application.id}"
        self.guild = f"{self.app}/guilds/{self.world.guild.id}"

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bot {self.twin.application.token}"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = body if isinstance(body, bytes) else json.dumps(body)
        async with self.http.request(method, self.twin.http_url("/api/v10" + path),
                                     headers=headers, data=data) as response:
            raw = await response.read()
            return response.status, json.loads(raw) if raw else None


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with DiscordTwin() as twin, aiohttp.ClientSession() as http:
        yield Api(twin, http)


def slash(name: str, description: str = "does a thing", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": description, **extra}


def errors_of(body: Any) -> Any:
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body", body
    return body["errors"]


# -- REST: the lifecycle --------------------------------------------------------------------


async def test_create_upsert_get_edit_delete_a_global_command(api: Api) -> None:
    status, created = await api.call("POST", f"{api.app}/commands", slash("ping"))
    assert status == 201
    assert created["application_id"] == str(api.twin.application.id)
    assert (created["type"], created["name"], created["description"]) == (1, "ping",
                                                                         "does a thing")
    assert created["dm_permission"] is True and created["nsfw"] is False
    assert created["integration_types"] == [0] and created["contexts"] is None
    assert created["default_member_permissions"] is None and "guild_id" not in created
    assert "options" not in created
    # The same name again overwrites it: 200, same id, a new version.
    status, again = await api.call("POST", f"{api.app}/commands",
                                   slash("ping", "pings, again"))
    assert status == 200 and again["id"] == created["id"]
    assert again["version"] != created["version"]
    assert again["description"] == "pings, again"
    status, fetched = await api.call("GET", f"{api.app}/commands/{created['id']}")
    assert (status, fetched) == (200, again)
    status, edited = await api.call("PATCH", f"{api.app}/commands/{created['id']}",
                                    {"default_member_permissions": "8"})
    assert status == 200 and edited["default_member_permissions"] == "8"
    assert edited["description"] == "pings, again"  # PATCH keeps what it does not name
    status, listed = await api.call("GET", f"{api.app}/commands")
    assert (status, [c["id"] for c in listed]) == (200, [created["id"]])
    assert await api.call("DELETE", f"{api.app}/commands/{created['id']}") == (204, None)
    status, body = await api.call("GET", f"{api.app}/commands/{created['id']}")
    assert (status, body) == (404, {"message": "Unknown application command", "code": 10063})
    assert await api.call("GET", f"{api.app}/commands") == (200, [])


async def test_guild_commands_are_their_own_scope(api: Api) -> None:
    status, mine = await api.call("POST", f"{api.guild}/commands", slash("local"))
    assert status == 201 and mine["guild_id"] == str(api.world.guild.id)
    assert "dm_permission" not in mine
    assert (await api.call("GET", f"{api.app}/commands"))[1] == []
    assert [c["name"] for c in (await api.call("GET", f"{api.guild}/commands"))[1]] == [
        "local"]
    # Not reachable through the global scope, nor through another guild's.
    status, _ = await api.call("GET", f"{api.app}/commands/{mine['id']}")
    assert status == 404
    # A guild the app is not in, and an application that is not ours: 50001.
    other = api.twin.model.create_guild("Elsewhere", api.world.alice.id)
    status, body = await api.call("GET", f"{api.app}/guilds/{other.id}/commands")
    assert (status, body["code"]) == (403, 50001)
    status, body = await api.call("GET", "/applications/123/commands")
    assert (status, body["code"]) == (403, 50001)


async def test_bulk_overwrite_keeps_matched_ids_and_drops_the_rest(api: Api) -> None:
    _, keep = await api.call("POST", f"{api.app}/commands", slash("keep"))
    _, drop = await api.call("POST", f"{api.app}/commands", slash("drop"))
    _, user_cmd = await api.call("POST", f"{api.app}/commands", {"name": "Inspect", "type": 2})
    status, out = await api.call("PUT", f"{api.app}/commands", [
        slash("keep"), slash("fresh"), {"name": "Inspect", "type": 2}])
    assert status == 200
    assert [c["name"] for c in out] == ["keep", "fresh", "Inspect"]
    assert out[0]["id"] == keep["id"] and out[0]["version"] == keep["version"]  # unchanged
    assert out[2]["id"] == user_cmd["id"]
    assert out[1]["id"] not in (keep["id"], drop["id"])
    listed = (await api.call("GET", f"{api.app}/commands"))[1]
    assert sorted(c["name"] for c in listed) == ["Inspect", "fresh", "keep"]
    # The same name may be used once per type.
    status, _ = await api.call("PUT", f"{api.app}/commands", [
        slash("same"), {"name": "same", "type": 3}])
    assert status == 200
    assert await api.call("PUT", f"{api.app}/commands", []) == (200, [])


# -- REST: Discord's checks --------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    (slash("Ping"), {"name": {"_errors": [{"code": "APPLICATION_COMMAND_INVALID_NAME",
                                           "message": "Command name is invalid"}]}}),
    (slash("two words"), {"name": {"_errors": [{"code": "APPLICATION_COMMAND_INVALID_NAME",
                                                "message": "Command name is invalid"}]}}),
    (slash("x" * 33), {"name": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH",
                                             "message": "Must be between 1 and 32 in "
                                                        "length."}]}}),
    ({"name": "ping"}, {"description": {"_errors": [{"code": "BASE_TYPE_REQUIRED",
                                                     "message": "This field is required"}]}}),
    (slash("ping", "d" * 101), {"description": {"_errors": [{
        "code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 1 and 100 in length."}]}}),
    (slash("ping", type=9), {"type": {"_errors": [{"code": "BASE_TYPE_CHOICES",
                                                   "message": "Value must be one of "
                                                              "{1, 2, 3}."}]}}),
])
async def test_invalid_commands_get_50035_saying_where(api: Api, body: dict[str, Any],
                                                       expected: dict[str, Any]) -> None:
    status, answer = await api.call("POST", f"{api.app}/commands", body)
    assert status == 400 and errors_of(answer) == expected
    assert (await api.call("GET", f"{api.app}/commands"))[1] == []  # nothing kept


async def test_option_rules(api: Api) -> None:
    def option(name: str, kind: int = 3, **extra: Any) -> dict[str, Any]:
        return {"name": name, "description": "an option", "type": kind, **extra}

    async def refused(options: list[Any]) -> Any:
        status, body = await api.call("POST", f"{api.app}/commands",
                                      slash("cmd", options=options))
        assert status == 400, body
        return errors_of(body)["options"]

    too_many = await refused([option(f"o{i}") for i in range(26)])
    assert too_many["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    order = await refused([option("a"), option("b", required=True)])
    assert order["1"]["_errors"][0]["code"] == "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"
    dupe = await refused([option("a"), option("a")])
    assert dupe["1"]["name"]["_errors"][0]["code"] == (
        "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS")
    mixed = await refused([option("sub", 1), option("plain")])
    assert mixed["_errors"][0]["code"] == "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID"
    choices_on_bool = await refused([option("flag", 5, choices=[{"name": "y",
                                                                 "value": True}])])
    assert choices_on_bool["0"]["choices"]["_errors"][0]["code"] == (
        "APPLICATION_COMMAND_OPTION_CHOICES_INVALID")
    both = await refused([option("q", autocomplete=True,
                                 choices=[{"name": "a", "value": "a"}])])
    assert "autocomplete" in both["0"]
    bad_choice = await refused([option("n", 4, choices=[{"name": "half", "value": 0.5}])])
    assert bad_choice["0"]["choices"]["0"]["value"]["_errors"][0]["code"] == (
        "NUMBER_TYPE_COERCE")
    length = await refused([option("s", min_length=7000)])
    assert length["0"]["min_length"]["_errors"][0]["code"] == "NUMBER_TYPE_MAX"
    nested = await refused([option("grp", 2, options=[option("deeper", 2, options=[
        option("leaf", 1)])])])
    assert nested["0"]["options"]["0"]["type"]["_errors"][0]["code"] == (
        "APPLICATION_COMMAND_OPTION_TYPE_INVALID")
    # Every problem at once, nested by where it is.
    many = await refused([option("Upper", description=""), option("ok", 12)])
    assert set(many["0"]) == {"name", "description"} and set(many["1"]) == {"type"}


async def test_context_menus_have_no_description_or_options(api: Api) -> None:
    status, user_cmd = await api.call("POST", f"{api.app}/commands",
                                      {"name": "Show Profile", "type": 2})
    assert status == 201 and user_cmd["description"] == ""
    status, body = await api.call("POST", f"{api.app}/commands", {
        "name": "Quote", "type": 3, "description": "quotes",
        "options": [{"name": "x", "description": "x", "type": 3}]})
    assert status == 400 and set(errors_of(body)) == {"description", "options"}


async def test_bulk_errors_are_keyed_by_index_and_duplicates_refused(api: Api) -> None:
    status, body = await api.call("PUT", f"{api.app}/commands", [slash("fine"),
                                                                 slash("Bad")])
    assert status == 400 and list(errors_of(body)) == ["1"]
    status, body = await api.call("PUT", f"{api.app}/commands", [slash("twin"),
                                                                 slash("twin")])
    assert status == 400
    assert errors_of(body)["1"]["_errors"][0]["code"] == "APPLICATION_COMMANDS_DUPLICATE_NAME"
    status, body = await api.call("PUT", f"{api.app}/commands", {"name": "x"})
    assert status == 400 and errors_of(body)["_errors"][0]["code"] == "LIST_TYPE_CONVERT"


async def test_limits_and_renames(api: Api) -> None:
    status, out = await api.call("PUT", f"{api.app}/commands",
                                 [slash(f"c{i}") for i in range(100)])
    assert status == 200 and len(out) == 100
    status, body = await api.call("POST", f"{api.app}/commands", slash("one-more"))
    assert (status, body) == (400, {"message": "Maximum number of application commands "
                                               "reached (100)", "code": 30032})
    # Renaming onto another command's name is refused; onto a free one, fine.
    status, body = await api.call("PATCH", f"{api.app}/commands/{out[0]['id']}",
                                  {"name": "c1"})
    assert status == 400
    assert errors_of(body)["_errors"][0]["code"] == "APPLICATION_COMMANDS_DUPLICATE_NAME"
    status, renamed = await api.call("PATCH", f"{api.app}/commands/{out[0]['id']}",
                                     {"name": "renamed"})
    assert status == 200 and renamed["id"] == out[0]["id"]
    status, body = await api.call("POST", f"{api.app}/commands", b"not json")
    assert (status, body["code"]) == (400, 50109)


async def test_commands_survive_snapshot_and_restore(api: Api) -> None:
    await api.call("POST", f"{api.app}/commands", slash("global-one"))
    await api.call("POST", f"{api.guild}/commands", slash("guild-one"))
    twin = api.twin
    saved = twin.snapshot()
    assert sorted(c["name"] for c in saved["commands"]) == ["global-one", "guild-one"]
    await api.call("PUT", f"{api.app}/commands", [])
    twin.restore(saved)
    assert [c["name"] for c in (await api.call("GET", f"{api.app}/commands"))[1]] == [
        "global-one"]
    bad = dict(saved, commands=[dict(saved["commands"][0], name="Bad Name")])
    with pytest.raises(SnapshotError, match=r"commands\[0\]: Discord would refuse it"):
        twin.restore(bad)


# -- discord.py's CommandTree -------------------------------------------------------------


def tree_bot(guild: discord.Object) -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

    @bot.tree.command(description="Roll some dice")
    @app_commands.describe(sides="How many sides", count="How many dice")
    async def roll(interaction: discord.Interaction, sides: app_commands.Range[int, 2, 100],
                   count: int = 1) -> None:
        await interaction.response.send_message(str(sides * count))

    @bot.tree.command(description="Everything at once")
    async def kitchen(interaction: discord.Interaction, text: str, flag: bool,
                      member: discord.Member, role: discord.Role,
                      channel: discord.TextChannel, ratio: float,
                      mood: Literal["happy", "sad"], file: discord.Attachment,
                      who: discord.User | discord.Role | None = None) -> None:
        await interaction.response.send_message("ok")

    config = app_commands.Group(name="config", description="Settings")
    show = app_commands.Group(name="show", description="Show settings", parent=config)

    @config.command(name="set", description="Set a value")
    async def set_(interaction: discord.Interaction, key: str, value: str) -> None:
        await interaction.response.send_message("set")

    @show.command(description="Show all")
    async def everything(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("all")

    bot.tree.add_command(config, guild=guild)

    @bot.tree.context_menu(name="Show Profile")
    async def profile(interaction: discord.Interaction, user: discord.User) -> None:
        await interaction.response.send_message(user.name)

    @bot.tree.context_menu(name="Quote Message")
    async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(message.content)

    return bot


async def test_discord_py_tree_sync_registers_and_fetches_commands() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        guild = discord.Object(world.guild.id)
        bot = tree_bot(guild)
        async with run_bot(twin, bot):
            synced = await bot.tree.sync()
            assert sorted(c.name for c in synced) == ["Quote Message", "Show Profile",
                                                      "kitchen", "roll"]
            (config,) = await bot.tree.sync(guild=guild)
            assert config.guild_id == world.guild.id

            fetched = {c.name: c for c in await bot.tree.fetch_commands()}
            roll = fetched["roll"]
            assert roll.type is discord.AppCommandType.chat_input
            sides, count = roll.options
            assert isinstance(sides, app_commands.Argument)
            assert isinstance(count, app_commands.Argument)
            assert (sides.name, sides.required, sides.min_value, sides.max_value) == (
                "sides", True, 2, 100)
            assert (count.name, count.required) == ("count", False)
            kinds = {o.name: o.type for o in fetched["kitchen"].options}
            assert kinds == {
                "text": discord.AppCommandOptionType.string,
                "flag": discord.AppCommandOptionType.boolean,
                "member": discord.AppCommandOptionType.user,
                "role": discord.AppCommandOptionType.role,
                "channel": discord.AppCommandOptionType.channel,
                "ratio": discord.AppCommandOptionType.number,
                "mood": discord.AppCommandOptionType.string,
                "file": discord.AppCommandOptionType.attachment,
                "who": discord.AppCommandOptionType.mentionable}
            mood = next(o for o in fetched["kitchen"].options if o.name == "mood")
            assert isinstance(mood, app_commands.Argument)
            assert [c.value for c in mood.choices] == ["happy", "sad"]
            assert fetched["Show Profile"].type is discord.AppCommandType.user
            assert fetched["Quote Message"].type is discord.AppCommandType.message

            (group,) = await bot.tree.fetch_commands(guild=guild)
            names = {o.name: [sub.name for sub in getattr(o, "options", [])]
                     for o in group.options}
            assert names == {"set": ["key", "value"], "show": ["everything"]}
            one = await bot.tree.fetch_command(roll.id)
            assert one.id == roll.id

            # Syncing again after removing a command drops it, keeping the others' ids.
            bot.tree.remove_command("kitchen")
            resynced = {c.name: c.id for c in await bot.tree.sync()}
            assert "kitchen" not in resynced and resynced["roll"] == roll.id
            assert {c["name"] for c in twin.model.commands()} == set(resynced)
