"""hikari logs in to the Discord twin and answers a message (the smoke check for hikari).

hikari is the strictest of the Python libraries: it asks ``GET /gateway/bot`` for the
gateway, sends every payload in binary frames, identifies with ``shard``, reads the bot id
out of the token, and its deserializers index fields discord.py reads with ``.get``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import hikari

from wiretwin.discord.twin import DiscordTwin
from wiretwin.drivers.hikari import hikari_kwargs

INTENTS = hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT


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

        bot = hikari.GatewayBot(**hikari_kwargs(twin), intents=INTENTS, banner=None,
                                logs=None)
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
