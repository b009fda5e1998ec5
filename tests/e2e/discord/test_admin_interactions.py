"""Interactions over the admin API with a real discord.py bot connected: slash commands,
context menus, autocomplete, buttons, selects and modals sent as users over HTTP, and what
the bot answered read back, as a test in another language would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest

from wiretwin.discord.twin import DiscordTwin
from wiretwin.discord.world import DEFAULT_IDS, default_discord_world

from .admin_client import Admin
from .bots import run_bot
from .showcase_bot import make_showcase_bot

ALICE, BOB = str(DEFAULT_IDS["alice"]), str(DEFAULT_IDS["bob"])
GENERAL, MOD_LOG = str(DEFAULT_IDS["general"]), str(DEFAULT_IDS["mod_log"])


@contextlib.asynccontextmanager
async def showcase(where: str) -> AsyncIterator[tuple[DiscordTwin, Admin]]:
    """The default world, in the test's loop or a thread of its own, with the showcase
    bot logged in and its commands synced."""
    twin = DiscordTwin(world=default_discord_world())
    if where == "loop":
        await twin.start()
    else:
        await asyncio.to_thread(twin.start_in_thread)
    try:
        async with aiohttp.ClientSession() as http, run_bot(twin, make_showcase_bot()):
            yield twin, Admin(http, twin)
    finally:
        if where == "loop":
            await twin.stop()
        else:
            await asyncio.to_thread(twin.stop_thread)


@pytest.mark.parametrize("where", ["loop", "thread"])
async def test_commands_buttons_selects_and_modals_as_users(where: str) -> None:
    async with showcase(where) as (_, admin):
        commands = await admin.call("GET", "/discord/commands")
        assert sorted(c["name"] for c in commands) == [
            "Who", "card", "feedback", "fruit", "greet", "panel", "purge", "silent", "slow"]
        greet = next(c for c in commands if c["name"] == "greet")
        assert [o["name"] for o in greet["options"]] == ["name", "times", "friend"]
        assert await admin.call("GET", f"/discord/commands?guild={DEFAULT_IDS['guild']}") \
            == commands

        # A slash command with a string, an integer and a member option (an id).
        said = await admin.call("POST", "/discord/interactions/slash", {
            "user": ALICE, "channel": GENERAL, "name": "greet",
            "options": {"name": "Carol", "times": 2, "friend": BOB}}, 201)
        assert said["responded"] and said["callback"] == "CHANNEL_MESSAGE_WITH_SOURCE"
        assert said["message"]["content"] == f"hello Carol hello Carol and <@{BOB}>"
        assert said["user_id"] == ALICE and said["kind"] == "application_command"
        assert [o["name"] for o in said["data"]["options"]] == ["name", "times", "friend"]
        assert await admin.call("GET", f"/discord/interactions/{said['id']}") == said

        # The panel: an embed, buttons and a select menu on one message.
        opened = await admin.call("POST", "/discord/interactions/slash", {
            "user": ALICE, "channel": GENERAL, "name": "panel"}, 201)
        panel = opened["message"]
        assert panel["embeds"][0]["title"] == "Panel"
        waved = await admin.call("POST", "/discord/interactions/click", {
            "user": BOB, "message": panel["id"], "custom_id": "panel:wave"}, 201)
        assert waved["message"]["content"] == "bob waves back"
        assert waved["source_message_id"] == panel["id"]
        secret = await admin.call("POST", "/discord/interactions/click", {
            "user": BOB, "message": panel["id"], "custom_id": "panel:secret"}, 201)
        assert secret["ephemeral"] and secret["message"]["content"] == "only bob sees this"
        picked = await admin.call("POST", "/discord/interactions/select", {
            "user": ALICE, "message": panel["id"], "custom_id": "panel:colour",
            "values": ["green"]}, 201)
        assert picked["callback"] == "UPDATE_MESSAGE" and picked["message"] is None
        assert picked["replies"][0]["message"]["content"] == "colour: green"

        # The channel as each user sees it: bob sees the answer only he was shown.
        as_bob = await admin.call("GET", f"/discord/channels/{GENERAL}/messages/seen-by/{BOB}")
        as_alice = await admin.call(
            "GET", f"/discord/channels/{GENERAL}/messages/seen-by/{ALICE}")
        assert [m["content"] for m in as_bob][-3:] == [
            "colour: green", "bob waves back", "only bob sees this"]
        assert secret["message"]["id"] not in {m["id"] for m in as_alice}
        assert as_bob[-1]["flags"] & 64
        assert len(as_bob) == len(as_alice) + 1
        # Each user's own reactions are marked "me" in their view.
        await admin.call("POST", f"/discord/channels/{GENERAL}/messages/{panel['id']}/reactions",
                         {"user": BOB, "emoji": "👍"})
        seen = {who: next(m for m in await admin.call(
            "GET", f"/discord/channels/{GENERAL}/messages/seen-by/{who}") if m["id"] == panel["id"])
            for who in (ALICE, BOB)}
        assert [(r["count"], r["me"]) for r in seen[BOB]["reactions"]] == [(1, True)]
        assert [(r["count"], r["me"]) for r in seen[ALICE]["reactions"]] == [(1, False)]

        # A modal: opened, listed for its user, submitted once.
        asked = await admin.call("POST", "/discord/interactions/slash", {
            "user": ALICE, "channel": GENERAL, "name": "feedback"}, 201)
        assert asked["callback"] == "MODAL" and asked["modal"]["title"] == "Feedback"
        assert asked["modal_open"]
        modals = await admin.call("GET", f"/discord/users/{ALICE}/modals")
        assert [(m["interaction_id"], m["custom_id"]) for m in modals] == [
            (asked["id"], asked["modal"]["custom_id"])]
        assert await admin.call("GET", f"/discord/users/{BOB}/modals") == []
        sent = await admin.call("POST", f"/discord/interactions/{asked['id']}/modal", {
            "values": {"subject": "The console", "body": "works"}}, 201)
        assert sent["kind"] == "modal_submit" and sent["opened_by"] == asked["id"]
        assert sent["message"]["content"] == "thanks for 'The console' (5 chars)"
        assert await admin.call("GET", f"/discord/users/{ALICE}/modals") == []
        again = await admin.error("POST", f"/discord/interactions/{asked['id']}/modal",
                                  {"values": {"subject": "twice"}}, 409)
        assert "submitted already" in again

        # A deferred answer and its followup: wait for both replies.
        slow = await admin.call("POST", "/discord/interactions/slash", {
            "user": BOB, "channel": GENERAL, "name": "slow", "replies": 2}, 201)
        assert slow["deferred"] and [r["kind"] for r in slow["replies"]] == [
            "callback", "followup"]
        assert slow["message"]["content"] == "done"

        # A user command, and autocomplete.
        who = await admin.call("POST", "/discord/interactions/context-menu", {
            "user": ALICE, "channel": GENERAL, "name": "Who", "target": BOB}, 201)
        assert who["message"]["content"] == "that is bob" and who["ephemeral"]
        typed = await admin.call("POST", "/discord/interactions/autocomplete", {
            "user": ALICE, "channel": GENERAL, "name": "fruit", "focused": "name",
            "value": "ap"}, 201)
        assert typed["choices"] == [{"name": "apple", "value": "apple"},
                                    {"name": "apricot", "value": "apricot"}]

        listed = await admin.call("GET", f"/discord/interactions?user={BOB}")
        assert [i["id"] for i in listed] == [waved["id"], secret["id"], slow["id"]]


async def test_errors_name_what_is_wrong() -> None:
    async with showcase("loop") as (_, admin):
        slash = "/discord/interactions/slash"
        # 400: a body the route cannot use, or what the Discord client would refuse.
        assert "name is" in await admin.error("POST", slash, {"user": ALICE}, 400)
        assert "snowflake" in await admin.error("POST", slash,
                                                {"user": "alice", "name": "greet"}, 400)
        missing = await admin.error("POST", slash, {"user": ALICE, "name": "greet"}, 400)
        assert "required option 'name'" in missing
        too_many = await admin.error("POST", slash, {
            "user": ALICE, "name": "greet", "options": {"name": "x", "times": 9}}, 400)
        assert "between 1 and 3" in too_many
        assert "no option 'colour'" in await admin.error("POST", slash, {
            "user": ALICE, "name": "greet", "options": {"name": "x", "colour": "red"}}, 400)
        assert "timeout" in await admin.error("POST", slash, {
            "user": ALICE, "name": "greet", "timeout": -1}, 400)
        # 403: bob may not use a moderators' command, nor see #mod-log.
        assert "not available" in await admin.error(
            "POST", slash, {"user": BOB, "name": "purge"}, 403)
        await admin.error("GET", f"/discord/channels/{MOD_LOG}/messages/seen-by/{BOB}",
                          None, 403)
        # 404: unknown users, channels, commands, messages, components, interactions.
        assert "no user 42" in await admin.error("POST", slash,
                                                 {"user": "42", "name": "greet"}, 404)
        await admin.error("POST", slash, {"user": ALICE, "channel": "42", "name": "x"}, 404)
        assert "no slash command 'nope'" in await admin.error(
            "POST", slash, {"user": ALICE, "name": "nope"}, 404)
        await admin.error("GET", "/discord/interactions/42", None, 404)
        await admin.error("POST", "/discord/interactions/click",
                          {"user": ALICE, "message": "42", "custom_id": "x"}, 404)
        panel = (await admin.call("POST", slash, {"user": ALICE, "name": "panel"}, 201)
                 )["message"]
        assert "no component 'x'" in await admin.error(
            "POST", "/discord/interactions/click",
            {"user": ALICE, "message": panel["id"], "custom_id": "x"}, 404)
        # 400 again: a select is not clicked, an option that is not there.
        assert "not a button" in await admin.error(
            "POST", "/discord/interactions/click",
            {"user": ALICE, "message": panel["id"], "custom_id": "panel:colour"}, 400)
        assert "no option 'pink'" in await admin.error(
            "POST", "/discord/interactions/select", {
                "user": ALICE, "message": panel["id"], "custom_id": "panel:colour",
                "values": ["pink"]}, 400)
        # 409: a disabled button, a modal the bot never opened.
        assert "disabled" in await admin.error(
            "POST", "/discord/interactions/click",
            {"user": ALICE, "message": panel["id"], "custom_id": "panel:closed"}, 409)
        greeted = await admin.call("POST", slash, {
            "user": ALICE, "name": "greet", "options": {"name": "x"}}, 201)
        assert "did not open a modal" in await admin.error(
            "POST", f"/discord/interactions/{greeted['id']}/modal", {"values": {}}, 409)
        # 504: the bot never answers; the interaction is there to read afterwards.
        silent = await admin.error("POST", slash, {
            "user": ALICE, "name": "silent", "timeout": 0.2}, 504)
        assert "0 of the 1 repl(ies)" in silent
        interaction_id = silent.split("interaction ")[1].split()[0]
        state = await admin.call("GET", f"/discord/interactions/{interaction_id}")
        assert state["name"] == "silent" and not state["responded"]
        await admin.error("GET", f"/discord/interactions/{interaction_id}?replies=1"
                                 "&timeout=0.2", None, 504)


async def test_no_bot_connected_is_a_conflict() -> None:
    async with DiscordTwin(world=default_discord_world()) as twin, \
            aiohttp.ClientSession() as http:
        admin = Admin(http, twin)
        assert await admin.call("GET", "/discord/commands") == []
        twin.model.create_command({"name": "ping", "description": "Ping"})
        assert "no bot is connected" in await admin.error(
            "POST", "/discord/interactions/slash", {"user": ALICE, "name": "ping"}, 409)


async def test_without_settling_returns_once_the_interaction_is_sent() -> None:
    async with showcase("loop") as (twin, _):
        with twin.backend.without_settling():
            slow = await twin.slash("slow", user=int(ALICE), channel=int(GENERAL))
        assert slow.replies == []  # sent; the bot has not read it yet
        replies = await twin.backend.wait_for_replies(slow, 2)
        assert [r.kind for r in replies] == ["callback", "followup"]
        # Outside the block, actions settle again: the bot has answered on return.
        settled = await twin.slash("slow", user=int(ALICE), channel=int(GENERAL))
        assert [r.kind for r in settled.replies] == ["callback", "followup"]
