"""hikari logs in to the Discord twin, answers a message, slash commands and a button.

hikari is the strictest of the Python libraries: it asks ``GET /gateway/bot`` for the
gateway, sends every payload in binary frames, identifies with ``shard``, reads the bot id
out of the token, and its deserializers index fields discord.py reads with ``.get``. It
also checks the twin's rate-limit headers against its own route table (an ERROR for a
bucket header on a route Discord does not bucket, WARNINGs for buckets that change their
limits or answer 429): every test here fails if any ``hikari`` logger says anything at
WARNING or above.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator

import hikari
import pytest
from hikari.internal.routes import POST_INTERACTION_RESPONSE

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.hikari import hikari_kwargs

INTENTS = hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT


def make_bot(twin: DiscordTwin) -> hikari.GatewayBot:
    """No banner, no logging setup, and no warning that Python runs without ``-O`` (about
    the interpreter, not the twin)."""
    return hikari.GatewayBot(**hikari_kwargs(twin), intents=INTENTS, banner=None, logs=None,
                             suppress_optimization_warning=True)


@pytest.fixture(autouse=True)
def hikari_stays_quiet(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Against Discord hikari logs nothing at WARNING or above; neither may the twin
    make it."""
    caplog.set_level(logging.WARNING, logger="hikari")
    yield
    records = [r for phase in ("setup", "call", "teardown")
               for r in caplog.get_records(phase)]
    loud = [f"{r.name} {r.levelname}: {r.getMessage()}" for r in records
            if r.name.startswith("hikari") and r.levelno >= logging.WARNING]
    assert not loud, "hikari complained:\n" + "\n".join(loud)


async def test_hikari_logs_in_and_replies_to_a_message() -> None:
    async with DiscordTwin() as twin:
        model = twin.model
        alice = model.add_user("alice")
        guild = model.create_guild("Test Server", alice.id)
        mods = model.create_role(guild, "mods", permissions=0)
        bob = model.add_user("bob")
        model.add_member(guild, bob.id, roles=[mods.id])
        model.add_member(guild, model.bot.id)
        general = model.create_channel(guild, "general")

        bot = make_bot(twin)
        started: list[hikari.StartedEvent] = []
        shard_ready: list[hikari.ShardReadyEvent] = []
        seen: list[hikari.GuildMessageCreateEvent] = []
        replied = asyncio.Event()

        @bot.listen()
        async def on_started(event: hikari.StartedEvent) -> None:
            started.append(event)

        @bot.listen()
        async def on_shard_ready(event: hikari.ShardReadyEvent) -> None:
            shard_ready.append(event)

        @bot.listen()
        async def on_message(event: hikari.GuildMessageCreateEvent) -> None:
            if not event.is_human:
                return  # the bot's own reply, echoed back
            seen.append(event)
            if event.content == "!ping":
                await event.message.respond("pong", reply=True)
                replied.set()

        try:
            await asyncio.wait_for(bot.start(check_for_updates=False), 10)
            # start() returns once every shard is READY and StartedEvent was dispatched.
            assert len(started) == 1
            (ready,) = shard_ready
            assert ready.my_user.id == model.bot.id
            assert ready.shard.shard_count == 1
            assert ready.unavailable_guilds == [hikari.Snowflake(guild.id)]
            me = bot.get_me()
            assert me is not None and me.id == model.bot.id

            # The login went through /gateway/bot, and IDENTIFY carried a shard.
            assert twin.journal.http(method="GET", path="/api/v10/gateway/bot")
            (identify,) = twin.journal.frames(direction="in", event="IDENTIFY")
            assert identify.json["d"]["shard"] == [0, 1]
            assert identify.json["d"]["intents"] == int(INTENTS)
            assert identify.json["d"]["token"] == twin.application.token

            # GUILD_CREATE went through hikari's strict deserializers into its cache.
            cached = bot.cache.get_guild(guild.id)
            assert cached is not None and cached.name == "Test Server"
            assert {r.name for r in cached.get_roles().values()} == {"@everyone", "mods"}
            assert [c.name for c in cached.get_channels().values()] == ["general"]

            # A user's message arrives as GuildMessageCreateEvent; the reply goes over REST.
            sent = model.create_message(general, alice.id, "!ping")
            await asyncio.wait_for(replied.wait(), 10)
            assert [(e.message_id, e.author_id, e.content) for e in seen] == [
                (sent.id, alice.id, "!ping")]
            (post,) = await twin.journal.wait_for(
                lambda e: e.kind == "http" and e.detail["method"] == "POST"
                and e.detail["path"] == f"/api/v10/channels/{general.id}/messages")
            assert post.detail["status"] == 200
            body = json.loads(post.detail["request_body"])
            assert body["content"] == "pong"
            replies = [m for m in model.messages[general.id].values()
                       if m.author_id == model.bot.id]
            assert [(m.content, (m.reference or {}).get("message_id")) for m in replies] == [
                ("pong", str(sent.id))]

            # REST reads deserialize too: guild, roles, member, channel history.
            fetched = await bot.rest.fetch_guild(guild.id)
            assert fetched.owner_id == alice.id
            roles = await bot.rest.fetch_roles(guild.id)
            assert sorted(r.name for r in roles) == ["@everyone", "mods"]
            member = await bot.rest.fetch_member(guild.id, bob.id)
            # hikari adds the @everyone role (the guild's id) to what the twin sends.
            assert member.role_ids == [mods.id, guild.id] and member.username == "bob"
            history = await bot.rest.fetch_messages(general.id)
            assert [m.content for m in history] == ["pong", "!ping"]
            assert history[0].referenced_message is not None
            assert history[0].referenced_message.id == sent.id
        finally:
            with contextlib.suppress(hikari.ComponentStateConflictError):
                await bot.close()


@pytest.fixture
async def hikari_bot() -> AsyncIterator[tuple[DiscordTwin, hikari.GatewayBot]]:
    """A hikari bot in a guild with #general, answering ``/ping`` (a button under its
    answer), ``/slow`` (deferred, then a followup and an edit) and the button."""
    async with DiscordTwin() as twin:
        model = twin.model
        alice = model.add_user("alice")
        guild = model.create_guild("Test Server", alice.id)
        model.add_member(guild, model.bot.id)
        model.create_channel(guild, "general")
        bot = make_bot(twin)

        @bot.listen()
        async def on_interaction(event: hikari.InteractionCreateEvent) -> None:
            interaction = event.interaction
            if isinstance(interaction, hikari.CommandInteraction):
                if interaction.command_name == "ping":
                    row = bot.rest.build_message_action_row().add_interactive_button(
                        hikari.ButtonStyle.PRIMARY, "again", label="Again")
                    await interaction.create_initial_response(
                        hikari.ResponseType.MESSAGE_CREATE, "pong", component=row)
                else:
                    await interaction.create_initial_response(
                        hikari.ResponseType.DEFERRED_MESSAGE_CREATE)
                    await interaction.execute("thought about it")
                    await interaction.execute("one more thing")
                    await interaction.edit_initial_response("thought about it (edited)")
            elif isinstance(interaction, hikari.ComponentInteraction):
                await interaction.create_initial_response(
                    hikari.ResponseType.MESSAGE_UPDATE, "pong again", components=[])

        try:
            await asyncio.wait_for(bot.start(check_for_updates=False), 10)
            await bot.rest.set_application_commands(
                model.application.id, [bot.rest.slash_command_builder("ping", "Ping"),
                                       bot.rest.slash_command_builder("slow", "Think")],
                guild=guild.id)
            yield twin, bot
        finally:
            with contextlib.suppress(hikari.ComponentStateConflictError):
                await bot.close()


async def test_hikari_answers_slash_commands_and_buttons_without_complaint(
        hikari_bot: tuple[DiscordTwin, hikari.GatewayBot]) -> None:
    twin, _ = hikari_bot
    # Enough callbacks to empty any bucket they shared (the default is 50 a second).
    for _ in range(60):
        ping = await twin.slash("ping")
        assert ping.content == "pong"
    # The button went through hikari's deserializer (components with Discord's ids).
    assert [b["id"] for b in ping.components[0]["components"]] == [2]
    clicked = await twin.click(ping, "again")
    assert clicked.callback_type == 7
    assert (ping.content, ping.components) == ("pong again", [])  # updated in place
    slow = await twin.slash("slow")
    assert [r.kind for r in slow.replies] == ["callback", "followup", "followup", "edit"]
    assert slow.content == "thought about it (edited)"
    # Callbacks carry no bucket headers (Discord does not bucket them); the followups
    # and edits, webhook executions with the interaction's token, do.
    callbacks = [e for e in twin.journal.http(method="POST")
                 if e.detail["path"].endswith("/callback")]
    assert len(callbacks) == 62 and {e.detail["status"] for e in callbacks} <= {200, 204}
    assert not any(h.lower().startswith("x-ratelimit")
                   for e in callbacks for h in e.detail["response_headers"])
    hooks = [e for e in twin.journal.http() if "/webhooks/" in e.detail["path"]]
    assert len(hooks) == 3
    assert all("X-RateLimit-Bucket" in e.detail["response_headers"] for e in hooks)
    # hikari logs a bucket header on a route it knows as unbucketed once per process,
    # then marks the route rate-limited for good: that mark must still be unset.
    assert POST_INTERACTION_RESPONSE.has_ratelimits is False
