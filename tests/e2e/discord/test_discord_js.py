"""discord.js v14 (under Node) logs in to the Discord twin and replies to a message.

``js/driver.mjs`` runs one discord.js ``Client`` built from
:func:`~wiretwin.drivers.discord_js.discord_js_options` and prints one JSON line per thing
it saw. discord.js asks ``GET /api/v10/gateway/bot`` for the gateway and dials
``{url}?v=10&encoding=json``: with no ``zlib-sync`` installed it asks for no compression
at all (``compress: false`` in IDENTIFY), so the twin speaks plain JSON text frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.discord_js import discord_js_options

from ..node_driver import NodeDriver

JS_DIR = Path(__file__).parent / "js"
DRIVER = JS_DIR / "driver.mjs"
DISCORD_JS_VERSION = "14.28.1"
#: Long enough for a loaded CI box under ``-n auto``; only ever hit when a test fails.
TIMEOUT = 15.0
#: GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT
INTENTS = (1 << 0) | (1 << 9) | (1 << 15)



class DiscordJs(NodeDriver):
    """The discord.js driver (``js/driver.mjs``)."""

    client = "discord.js"
    timeout = TIMEOUT


@contextlib.asynccontextmanager
async def discord_js(twin: DiscordTwin, reply: dict[str, str],
                     commands: list[dict[str, Any]] | None = None
                     ) -> AsyncIterator[DiscordJs]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: these tests drive discord.js under Node (v18+)")
    if not (JS_DIR / "node_modules" / "discord.js" / "package.json").is_file():
        pytest.fail(f"discord.js is not installed in {JS_DIR}/node_modules: run make install")
    options = discord_js_options(twin)
    settings: dict[str, Any] = {"rest": options["rest"], "token": options["token"],
                                "intents": INTENTS, "reply": reply}
    if commands is not None:
        settings["commands"] = commands
    proc = await asyncio.create_subprocess_exec(
        node, str(DRIVER), json.dumps(settings), cwd=JS_DIR,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    driver = DiscordJs(proc)
    try:
        started = await driver.expect(type="started")
        assert started["discord_js"] == DISCORD_JS_VERSION
        yield driver
    finally:
        await driver.close()


async def test_discord_js_logs_in_and_replies_to_a_message() -> None:
    async with DiscordTwin() as twin:
        model = twin.model
        alice = model.add_user("alice")
        guild = model.create_guild("Test Server", alice.id)
        model.add_member(guild, model.bot.id)
        general = model.create_channel(guild, "general")
        model.create_channel(guild, "random")

        async with discord_js(twin, reply={"!ping": "pong"}) as js:
            ready = await js.expect(type="ready")
            assert ready["user_id"] == str(model.bot.id)
            assert ready["username"] == model.bot.username
            assert ready["application_id"] == str(twin.application.id)
            assert ready["guilds"] == [{"id": str(guild.id), "name": "Test Server",
                                        "channels": ["general", "random"]}]

            # The login: /gateway/bot over REST, then a plain JSON gateway connection.
            (gateway_bot,) = twin.journal.http(method="GET", path="/api/v10/gateway/bot")
            assert gateway_bot.detail["status"] == 200
            (identify,) = twin.journal.frames(direction="in", event="IDENTIFY")
            assert identify.json["d"]["token"] == twin.application.token
            assert identify.json["d"]["intents"] == INTENTS
            assert identify.json["d"]["compress"] is False
            (ready_frame,) = twin.journal.frames(direction="out", event="READY")
            assert not ready_frame.binary  # no transport or payload compression

            sent = model.create_message(general, alice.id, "!ping")
            seen = await js.expect(type="message", id=str(sent.id))
            assert seen == {"type": "message", "id": str(sent.id),
                            "channel_id": str(general.id), "guild_id": str(guild.id),
                            "author_id": str(alice.id), "content": "!ping", "bot": False}
            replied = await js.expect(type="replied", to=str(sent.id))
            assert replied["content"] == "pong"
            assert replied["reference"] == str(sent.id)

            # What the twin holds: the bot's reply, referencing alice's message.
            (post,) = twin.journal.http(method="POST",
                                        path=f"/api/v10/channels/{general.id}/messages")
            assert post.detail["status"] == 200
            assert json.loads(post.detail["request_body"])["content"] == "pong"
            replies = [m for m in model.messages[general.id].values()
                       if m.author_id == model.bot.id]
            assert [(str(m.id), m.content, (m.reference or {}).get("message_id"))
                    for m in replies] == [(replied["id"], "pong", str(sent.id))]
            # discord.js sees its own reply come back over the gateway.
            echo = await js.expect(type="message", id=replied["id"])
            assert echo["bot"] is True and echo["author_id"] == str(model.bot.id)

            await js.send("exit")
            await js.expect(type="destroyed")
            (closed,) = await twin.journal.wait_for(
                lambda e: e.kind == "connection" and e.event == "close")
            assert closed.detail.get("code") == 1000, closed.detail


COMMANDS: list[dict[str, Any]] = [
    {"name": "ping", "description": "Ping"},
    {"name": "echo", "description": "Echo", "options": [
        {"type": 3, "name": "text", "description": "What to say", "required": True}]},
    {"name": "slow", "description": "Defers"},
    {"name": "panel", "description": "Buttons and selects"},
    {"name": "form", "description": "A modal"},
    {"name": "fruit", "description": "Autocomplete", "options": [
        {"type": 3, "name": "name", "description": "A fruit", "autocomplete": True}]},
    {"name": "Who", "type": 2},
]


async def test_discord_js_answers_slash_commands_components_and_modals() -> None:
    async with DiscordTwin() as twin:
        model = twin.model
        alice = model.add_user("alice")
        guild = model.create_guild("Test Server", alice.id)
        model.add_member(guild, model.bot.id)
        model.create_channel(guild, "general")
        backend = twin.backend

        async with discord_js(twin, reply={}, commands=COMMANDS) as js:
            await js.expect(type="ready")
            registered = await js.expect(type="registered")
            assert registered["names"] == sorted(c["name"] for c in COMMANDS)

            ping = await twin.slash("ping", user=alice)
            await backend.wait_for_replies(ping)
            assert ping.content == "pong" and not ping.ephemeral
            assert (await js.expect(type="interaction", name="ping"))["user_id"] == str(
                alice.id)

            echo = await twin.slash("echo", text="quietly")
            await backend.wait_for_replies(echo)
            assert echo.content == "quietly" and echo.ephemeral

            slow = await twin.slash("slow")
            await backend.wait_for_replies(slow, 3)
            assert [r.kind for r in slow.replies] == ["callback", "edit", "followup"]
            assert slow.content == "done"
            assert [m.content for m in slow.followups.values()] == ["and one more"]

            panel = await twin.slash("panel")
            await backend.wait_for_replies(panel)
            picked = await twin.select(panel, "flavour", ["mint"])
            await backend.wait_for_replies(picked)
            assert picked.content == "flavour: mint"
            pressed = await twin.click(panel, "press", user=alice)
            await backend.wait_for_replies(pressed)
            assert pressed.callback_type == 7
            assert panel.content == "pressed by alice" and panel.components == []

            form = await twin.slash("form")
            await backend.wait_for_replies(form)
            assert form.modal is not None and form.modal["title"] == "Form"
            sent = await twin.submit_modal(form, answer="forty-two")
            await backend.wait_for_replies(sent)
            assert sent.content == "answer: forty-two"

            typed = await twin.autocomplete("fruit", "name", "ap")
            await backend.wait_for_replies(typed)
            assert typed.choices == [{"name": "apple", "value": "apple"},
                                     {"name": "apricot", "value": "apricot"}]

            who = await twin.context_menu("Who", alice)
            await backend.wait_for_replies(who)
            assert who.content == "that is alice"

            await js.send("exit")
            await js.expect(type="destroyed")
