"""Slash commands, context menus and autocomplete, invoked by users through the twin
(``twin.slash`` ...) and answered by the real discord.py's ``app_commands`` over the
callback and webhook routes; and Discord's answers to a bot that gets them wrong."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Literal

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from wiretwin.discord.backend import BackendError
from wiretwin.discord.interactions import Interaction
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.clock import VirtualClock

from .bots import World, build_world, run_bot

Inter = discord.Interaction


def make_bot() -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
    tree = bot.tree

    @tree.command(description="Everything at once")
    async def kitchen(interaction: Inter, text: str, count: int, flag: bool,
                      member: discord.Member, role: discord.Role,
                      channel: discord.TextChannel, ratio: float,
                      mood: Literal["happy", "sad"], file: discord.Attachment,
                      who: discord.User | discord.Role | None = None) -> None:
        data = await file.read()
        await interaction.response.send_message(
            f"{text}|{count}|{flag}|{member.name}|{role.name}|{channel.name}|{ratio}|"
            f"{mood}|{file.filename}:{data.decode()}|{getattr(who, 'name', None)}")

    @tree.command(description="Say it quietly")
    async def whisper(interaction: Inter, text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True)

    @tree.command(description="Think first")
    async def slow(interaction: Inter, ephemeral: bool = False) -> None:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        await interaction.followup.send("thought about it")
        extra = await interaction.followup.send("one more thing", wait=True)
        await extra.edit(content="one more thing (edited)")
        await interaction.edit_original_response(content="thought about it (edited)")

    @tree.command(description="Answer, then take it back")
    async def oops(interaction: Inter) -> None:
        await interaction.response.send_message("wrong answer",
                                                embed=discord.Embed(title="t"))
        await interaction.delete_original_response()

    config = app_commands.Group(name="config", description="Settings")
    show = app_commands.Group(name="show", description="Show settings", parent=config)

    @config.command(name="set", description="Set a value")
    async def set_(interaction: Inter, key: str, value: str) -> None:
        await interaction.response.send_message(f"{key}={value}")

    @show.command(description="Show one")
    async def one(interaction: Inter, key: str) -> None:
        await interaction.response.send_message(f"showing {key}")

    tree.add_command(config)

    @tree.command(description="Find a fruit")
    async def fruit(interaction: Inter, name: str) -> None:
        await interaction.response.send_message(f"you picked {name}")

    @fruit.autocomplete("name")
    async def fruit_names(interaction: Inter, current: str
                          ) -> list[app_commands.Choice[str]]:
        fruits = ["apple", "apricot", "banana", "cherry"]
        return [app_commands.Choice(name=f.title(), value=f) for f in fruits
                if f.startswith(current)]

    @tree.command(description="Admins only")
    @app_commands.default_permissions(manage_guild=True)
    async def admin(interaction: Inter) -> None:
        await interaction.response.send_message("yes, boss")

    @tree.context_menu(name="Show Profile")
    async def profile(interaction: Inter, member: discord.Member) -> None:
        await interaction.response.send_message(f"{member.name} joined", ephemeral=True)

    @tree.context_menu(name="Quote")
    async def quote(interaction: Inter, message: discord.Message) -> None:
        await interaction.response.send_message(f"> {message.content}")

    class Feedback(discord.ui.Modal, title="Feedback"):
        text: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Your thoughts")

    @tree.command(description="Tell us")
    async def feedback(interaction: Inter) -> None:
        await interaction.response.send_modal(Feedback())

    @tree.command(description="Does nothing at all")
    async def silent(interaction: Inter) -> None:
        return None

    return bot


@pytest.fixture
async def running() -> AsyncIterator[tuple[DiscordTwin, World, commands.Bot]]:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = make_bot()
        async with run_bot(twin, bot):
            await bot.tree.sync()
            yield twin, world, bot


async def test_a_slash_command_with_every_option_type(
        running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    twin, world, _ = running
    m = twin.model
    mods = m.create_role(world.guild, "mods", 0)
    other = m.create_channel(world.guild, "other")
    interaction = await twin.slash(
        "kitchen", {"channel": other}, user=world.alice, channel=world.general,
        text="hi", count=3, flag=True, member=world.bob, role=mods, ratio=0.5, mood="sad",
        file=("note.txt", b"file body"), who=mods)
    assert interaction.callback_type == 4 and not interaction.ephemeral
    assert interaction.content == "hi|3|True|bob|mods|other|0.5|sad|note.txt:file body|mods"
    # A real message in the channel, from the bot, marked as the interaction's response.
    message = interaction.message
    assert message is not None and m.messages[world.general.id][message.id] is message
    assert (message.type, message.webhook_id) == (20, m.application.id)
    assert message.interaction is not None
    assert message.interaction["user"]["id"] == str(world.alice.id)
    # The payload the bot got, as Discord builds it.
    payload = interaction.payload
    assert payload["member"]["user"]["id"] == str(world.alice.id)
    assert payload["channel"]["id"] == str(world.general.id)
    assert {o["name"]: o["value"] for o in payload["data"]["options"]}["member"] == str(
        world.bob.id)
    resolved = payload["data"]["resolved"]
    assert set(resolved) == {"users", "members", "roles", "channels", "attachments"}
    assert "user" not in resolved["members"][str(world.bob.id)]


async def test_ephemeral_answers_stay_out_of_the_channel(
        running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    twin, world, _ = running
    before = list(twin.model.messages.get(world.general.id, {}))
    interaction = await twin.slash("whisper", text="psst")
    assert interaction.ephemeral and interaction.content == "psst"
    assert list(twin.model.messages.get(world.general.id, {})) == before


@pytest.mark.parametrize("ephemeral", [False, True])
async def test_defer_followups_and_edits(running: tuple[DiscordTwin, World, commands.Bot],
                                         ephemeral: bool) -> None:
    twin, _, _ = running
    interaction = await twin.slash("slow", ephemeral=ephemeral)
    assert interaction.deferred and interaction.callback_type == 5
    assert [(r.kind, r.target) for r in interaction.replies] == [
        ("callback", None), ("followup", "@original"), ("followup", None),
        ("edit", str(next(iter(interaction.followups)))), ("edit", "@original")]
    assert interaction.content == "thought about it (edited)"
    assert interaction.ephemeral is ephemeral
    (extra,) = interaction.followups.values()
    assert extra.content == "one more thing (edited)"
    assert extra.interaction is not None
    assert extra.interaction["original_response_message_id"] == str(
        interaction.original.id if interaction.original else None)
    assert [m.content for m in interaction.messages] == [
        "thought about it (edited)", "one more thing (edited)"]


async def test_deleting_the_original_response(
        running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    twin, world, _ = running
    interaction = await twin.slash("oops")
    assert interaction.message is None and interaction.original is not None
    assert interaction.original.id not in twin.model.messages.get(world.general.id, {})
    assert [r.kind for r in interaction.replies] == ["callback", "delete"]


async def test_subcommands_and_groups(running: tuple[DiscordTwin, World, commands.Bot]
                                      ) -> None:
    twin, _, _ = running
    assert (await twin.slash("config set", key="color", value="red")).content == "color=red"
    shown = await twin.slash("config show one", key="color")
    assert shown.content == "showing color"
    options = shown.payload["data"]["options"]
    assert options[0]["name"] == "show" and options[0]["options"][0]["name"] == "one"


async def test_context_menus(running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    twin, world, _ = running
    said = twin.model.create_message(world.general, world.bob.id, "quotable words")
    quoted = await twin.context_menu("Quote", said, user=world.alice)
    assert quoted.content == "> quotable words"
    assert quoted.message is not None and quoted.message.type == 23
    profile = await twin.context_menu("Show Profile", world.bob, channel=world.general)
    assert profile.content == "bob joined" and profile.ephemeral
    assert profile.payload["data"]["target_id"] == str(world.bob.id)


async def test_autocomplete_returns_the_bots_choices(
        running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    twin, _, _ = running
    typed = await twin.autocomplete("fruit", "name", "ap")
    assert typed.choices == [{"name": "Apple", "value": "apple"},
                             {"name": "Apricot", "value": "apricot"}]
    assert typed.payload["type"] == 4
    assert typed.payload["data"]["options"] == [
        {"name": "name", "type": 3, "value": "ap", "focused": True}]


async def test_a_modal_opened_by_the_bot_is_recorded(
        running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    twin, _, _ = running
    interaction = await twin.slash("feedback")
    modal = interaction.modal
    assert modal is not None and modal["title"] == "Feedback"
    assert interaction.callback_type == 9 and interaction.message is None


async def test_what_the_discord_client_would_not_allow(
        running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    twin, world, _ = running
    with pytest.raises(BackendError, match="no slash command 'nope' is registered"):
        await twin.slash("nope")
    with pytest.raises(BackendError, match="needs its required option 'key'"):
        await twin.slash("config set", value="x")
    with pytest.raises(BackendError, match="needs a subcommand: one of show, set"):
        await twin.slash("config")
    with pytest.raises(BackendError, match="has no option 'colour'"):
        await twin.slash("config set", key="a", value="b", colour="red")
    with pytest.raises(BackendError, match="must be one of its choices"):
        await twin.slash("kitchen", {"channel": world.general}, text="t", count=1,
                         flag=False, member=world.bob, role=world.bot_role, ratio=1.0,
                         mood="angry", file=b"x")
    with pytest.raises(BackendError, match="takes an integer"):
        await twin.slash("kitchen", {"channel": world.general}, text="t", count="one",
                         flag=False, member=world.bob, role=world.bot_role, ratio=1.0,
                         mood="sad", file=b"x")
    # default_member_permissions: bob may not; the owner may.
    with pytest.raises(BackendError, match="needs permissions"):
        await twin.slash("admin", user=world.bob)
    assert (await twin.slash("admin", user=world.alice)).content == "yes, boss"


# -- Discord's answers to a bot that gets it wrong --------------------------------------------


async def _post(http: aiohttp.ClientSession, twin: DiscordTwin, method: str, path: str,
                body: Any = None, query: str = "") -> tuple[int, Any]:
    async with http.request(method, twin.http_url("/api/v10" + path) + query,
                            json=body) as response:
        raw = await response.read()
        return response.status, json.loads(raw) if raw else None


async def test_answering_twice_late_or_after_the_token_expired() -> None:
    clock = VirtualClock(start=1_750_000_000.0)
    async with DiscordTwin(clock=clock) as twin, aiohttp.ClientSession() as http:
        world = build_world(twin)
        bot = make_bot()
        async with run_bot(twin, bot):
            await bot.tree.sync()
            answered = await twin.slash("whisper", text="once")
            callback = f"/interactions/{answered.id}/{answered.token}/callback"
            again = {"type": 4, "data": {"content": "twice"}}
            assert await _post(http, twin, "POST", callback, again) == (400, {
                "code": 40060, "message": "Interaction has already been acknowledged."})
            assert await _post(http, twin, "POST", f"/interactions/{answered.id}/wrong/"
                               "callback", again) == (404, {
                                   "code": 10062, "message": "Unknown interaction"})

            ignored: Interaction = await twin.slash("silent", user=world.alice)
            assert ignored.replies == [] and ignored.acknowledged is None
            hook = f"/webhooks/{twin.application.id}/{ignored.token}"
            # Before any callback, the webhook routes do not know the token yet.
            assert await _post(http, twin, "GET", hook + "/messages/@original") == (404, {
                "code": 10015, "message": "Unknown Webhook"})
            # Past the 3 s deadline the interaction is gone.
            await clock.advance(3.5)
            late = f"/interactions/{ignored.id}/{ignored.token}/callback"
            assert await _post(http, twin, "POST", late, {"type": 4, "data": {
                "content": "sorry, late"}}) == (404, {"code": 10062,
                                                      "message": "Unknown interaction"})
            # An answered interaction's token works for 15 minutes, then 50027.
            answered_hook = f"/webhooks/{twin.application.id}/{answered.token}"
            status, original = await _post(http, twin, "GET",
                                           answered_hook + "/messages/@original")
            assert status == 200 and original["content"] == "once"
            await clock.advance(15 * 60)
            assert await _post(http, twin, "POST", answered_hook, {"content": "x"}) == (
                401, {"code": 50027, "message": "Invalid Webhook Token"})


async def test_bad_callbacks_get_discords_errors() -> None:
    async with DiscordTwin() as twin, aiohttp.ClientSession() as http:
        build_world(twin)
        bot = make_bot()
        async with run_bot(twin, bot):
            await bot.tree.sync()
            bad = [
                ({"type": 8, "data": {"choices": []}}, "type"),  # autocomplete for a command
                ({"type": 4, "data": {"content": "x" * 2001}}, "content"),
                ({"type": 4, "data": {}}, None),  # empty message
                ({"type": 9, "data": {"custom_id": "m", "title": "t" * 46,
                                      "components": [{}]}}, "data"),
                ({"type": 9, "data": {"custom_id": "m", "title": "t", "components": [
                    {"type": 1, "components": [{"type": 4, "custom_id": "f",
                                                "label": "l" * 46}]}]}}, "data"),
                ({"type": 4, "data": {"content": "x", "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1}]}]}}, "components"),
            ]
            for body, where in bad:
                ignored = await twin.slash("silent")
                status, answer = await _post(
                    http, twin, "POST", f"/interactions/{ignored.id}/{ignored.token}/callback",
                    body)
                assert status == 400, (body, answer)
                if where is None:
                    assert answer["code"] == 50006
                else:
                    assert answer["code"] == 50035 and where in answer["errors"], answer
                assert ignored.acknowledged is None  # nothing kept; it can still answer
            status, answer = await _post(
                http, twin, "POST", f"/interactions/{ignored.id}/{ignored.token}/callback",
                {"type": 4, "data": {"content": "fine"}}, "?with_response=true")
            assert status == 200 and answer["resource"]["message"]["content"] == "fine"
            assert answer["interaction"]["id"] == str(ignored.id)
            # Followups are messages: Discord's limits apply to them too.
            hook = f"/webhooks/{twin.application.id}/{ignored.token}"
            status, answer = await _post(http, twin, "POST", hook, {"content": "y" * 2001})
            assert status == 400 and "content" in answer["errors"]
            assert ignored.followups == {}


async def test_the_callback_response_names_a_message_only_when_it_made_one(
        running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    """``?with_response``: the ``response_message_*`` fields are optional, and Discord
    sends them only when the callback made a message (hikari reads a present
    ``response_message_id`` as a snowflake)."""
    twin, _, _ = running
    modal = {"custom_id": "m", "title": "t", "components": [{"type": 1, "components": [
        {"type": 4, "custom_id": "f", "label": "l", "style": 1}]}]}
    async with aiohttp.ClientSession() as http:
        answers = {}
        for kind, data in ((4, {"content": "hi", "flags": 64}), (5, {}), (9, modal)):
            ignored = await twin.slash("silent")
            status, answers[kind] = await _post(
                http, twin, "POST", f"/interactions/{ignored.id}/{ignored.token}/callback",
                {"type": kind, "data": data}, "?with_response=true")
            assert status == 200, answers[kind]
    made = answers[4]["interaction"]
    assert made["response_message_id"] == answers[4]["resource"]["message"]["id"]
    assert (made["response_message_loading"], made["response_message_ephemeral"]) \
        == (False, True)
    assert answers[5]["interaction"]["response_message_loading"] is True
    assert answers[9]["interaction"].keys() == {"id", "type"}
    assert answers[9]["resource"] == {"type": 9}


async def test_a_callback_may_come_as_a_form(
        running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    """py-cord sends every callback as a form with ``payload_json``: aiohttp's ``FormData``,
    URL-encoded when it holds no file. Discord takes that as it takes a JSON body."""
    twin, _, _ = running
    async with aiohttp.ClientSession() as http:
        for fields, status in (({"payload_json": json.dumps(
                                    {"type": 4, "data": {"content": "from a form"}})}, 204),
                               ({"payload_json": "{not json"}, 400),
                               ({"content": "no payload_json"}, 400)):
            ignored = await twin.slash("silent")
            url = twin.http_url(f"/api/v10/interactions/{ignored.id}/{ignored.token}/callback")
            async with http.post(url, data=aiohttp.FormData(fields)) as response:
                body = await response.read()
                assert response.status == status, body
            sent = twin.journal.http(method="POST")[-1].detail["request_headers"]
            assert sent["Content-Type"] == "application/x-www-form-urlencoded"
            if status == 204:
                assert ignored.content == "from a form" and ignored.callback_type == 4
            else:
                assert ignored.acknowledged is None
                assert json.loads(body)["code"] == (50109 if "payload_json" in fields
                                                    else 50035)


async def test_verify_interaction_checks_and_explains(
        running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    twin, _, _ = running
    assert not twin.verify().interaction().content("anything")  # none sent yet
    slow = await twin.slash("slow")
    assert twin.verify().interaction().deferred().followups(1).content(
        "thought about it (edited)").ephemeral(False)
    assert twin.verify().interaction(slow).contains().content("thought")
    check = twin.verify().interaction(slow).content("something else").ephemeral()
    assert not check
    assert check.failure is not None
    assert check.failure.splitlines()[0] == (
        "expected content 'something else', got 'thought about it (edited)'; "
        "expected an ephemeral response")
    assert "2. followup of @original: 'thought about it'" in check.failure
    assert "failed: expected content" in repr(check)
    typed = await twin.autocomplete("fruit", "name", "ban")
    assert twin.verify().interaction(typed).choices(["banana"])
    assert twin.verify().interaction(typed).choices([{"name": "Banana", "value": "banana"}])
    assert not twin.verify().interaction(typed).choices(["apple"])
    assert twin.verify().interaction(await twin.slash("feedback")).modal(title="Feedback")
    assert twin.verify().interaction(await twin.slash("silent")).unanswered()
    oops = await twin.slash("oops")
    assert twin.verify().interaction(oops).content(None).embed(None)


async def test_hybrid_commands_answer_both_ways() -> None:
    async with DiscordTwin() as twin:
        world = build_world(twin)
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())

        # discord.py's hybrid_command typing leaves its ContextT unsolved under mypy.
        @commands.hybrid_command(description="Add two numbers")  # type: ignore[arg-type]
        async def add(ctx: commands.Context[commands.Bot], a: int, b: int) -> None:
            await ctx.send(f"{a} + {b} = {a + b}")

        bot.add_command(add)

        async with run_bot(twin, bot):
            await bot.tree.sync()
            await twin.message("!add 2 3", world.general, world.alice)
            assert twin.verify().message().content("2 + 3 = 5")
            interaction = await twin.slash("add", a=40, b=2, user=world.bob)
            assert interaction.content == "40 + 2 = 42"
            assert twin.verify().interaction(interaction).content("40 + 2 = 42")
            # The slash answer is a message from the bot too: it joins the sent queue.
            assert twin.verify().message().content("40 + 2 = 42")


async def test_command_permission_overrides(
        running: tuple[DiscordTwin, World, commands.Bot]) -> None:
    twin, world, bot = running
    m = twin.model
    guild = world.guild
    mods = m.create_role(guild, "mods", 0)
    m.add_member_role(guild, guild.members[world.bob.id], mods.id)
    other = m.create_channel(guild, "other")

    updated = bot.wait_for("raw_app_command_permissions_update")
    await twin.backend.set_command_permissions("whisper", guild, [(world.bob, False)])
    event = await asyncio.wait_for(updated, 5)
    assert [(p.target.id, p.permission) for p in event.permissions] == [
        (world.bob.id, False)]
    with pytest.raises(BackendError, match="a user override denies it"):
        await twin.slash("whisper", text="hi", user=world.bob)
    assert (await twin.slash("whisper", text="hi", user=world.alice)).content == "hi"

    # Roles: @everyone denied, mods allowed; a channel denied for everyone.
    await twin.backend.set_command_permissions(
        "whisper", guild, [(guild, False), (mods, True), (other, False)])
    assert (await twin.slash("whisper", text="ok", user=world.bob)).content == "ok"
    with pytest.raises(BackendError, match="an @everyone override denies it"):
        await twin.slash("whisper", text="no", user=world.alice)
    with pytest.raises(BackendError, match="a channel override denies it here"):
        await twin.slash("whisper", text="no", user=world.bob, channel=other)
    # An override lets bob use /admin, whose default_member_permissions he lacks.
    await twin.backend.set_command_permissions("admin", guild, [(world.bob, True)])
    assert (await twin.slash("admin", user=world.bob)).content == "yes, boss"
    await twin.backend.set_command_permissions("fruit", guild, [("all channels", False)])
    with pytest.raises(BackendError, match="a channel override denies it here"):
        await twin.slash("fruit", name="apple", user=world.bob)
    # App-wide overrides apply to commands without their own.
    await twin.backend.set_command_permissions(None, guild, [(world.alice, False)])
    with pytest.raises(BackendError, match="a user override denies it"):
        await twin.slash("config set", key="a", value="b", user=world.alice)

    # Snapshots keep them; a restore to before them drops them.
    saved = twin.snapshot()
    assert len(saved["command_permissions"]) == 4
    assert DiscordTwin(world=saved).model.command_permissions == m.command_permissions

    # The bot reads them over REST (and may not write them).
    whisper = next(c for c in await bot.tree.fetch_commands() if c.name == "whisper")
    perms = await whisper.fetch_permissions(discord.Object(guild.id))
    assert sorted((p.target.id, p.permission) for p in perms.permissions) == sorted([
        (guild.id, False), (mods.id, True), (other.id, False)])
    async with aiohttp.ClientSession() as http:
        path = (f"/applications/{twin.application.id}/guilds/{guild.id}/commands/"
                f"{whisper.id}/permissions")
        headers = {"Authorization": f"Bot {twin.application.token}"}
        async with http.put(twin.http_url("/api/v10" + path), json={"permissions": []},
                            headers=headers) as response:
            assert response.status == 403
            assert (await response.json())["code"] == 20001
        missing = f"/applications/{twin.application.id}/guilds/{guild.id}/commands/1/permissions"
        async with http.get(twin.http_url("/api/v10" + missing), headers=headers) as response:
            assert (response.status, (await response.json())["code"]) == (404, 10066)
