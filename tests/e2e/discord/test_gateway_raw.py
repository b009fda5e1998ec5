"""The Discord twin's gateway, frame by frame, with a raw aiohttp websocket client.

HELLO, heartbeats, IDENTIFY → READY and one GUILD_CREATE per guild, member chunks,
voice, intents and MESSAGE_CONTENT, sharding, the three compressions, RESUME, and every
close code Discord answers bad input with (after which the twin keeps serving). Protocol
time only moves on a VirtualClock; "nothing was sent" is proven by a heartbeat whose ACK
arrives first.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import zstandard

from wiretwin.discord.model import ChannelType, Guild, User
from wiretwin.discord.permissions import Permission as P
from wiretwin.discord.protocol import intents as I
from wiretwin.discord.protocol.replay import GatewayLimits
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.faults import Drop, Scope

HELLO = {"op": 10, "d": {"heartbeat_interval": 41_250}, "s": None, "t": None}
ACK = {"op": 11, "d": None, "s": None, "t": None}
ALL_INTENTS = I.KNOWN
#: Everything but the privileged intents.
UNPRIVILEGED = I.KNOWN & ~(I.GUILD_MEMBERS | I.GUILD_PRESENCES | I.MESSAGE_CONTENT)
TIMEOUT = 5.0


class GatewayClosed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code} {reason}")
        self.code = code
        self.reason = reason


class Conn:
    """One raw gateway connection; decodes whichever compression it asked for."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, token: str,
                 compress: str | None = None) -> None:
        self.ws = ws
        self.token = token
        self.compress = compress
        self.zlib = zlib.decompressobj() if compress == "zlib-stream" else None
        self.zstd = (zstandard.ZstdDecompressor().decompressobj()
                     if compress == "zstd-stream" else None)
        self.binary: list[bytes] = []
        self.seq: int | None = None

    async def recv(self) -> dict[str, Any]:
        msg = await self.ws.receive(timeout=TIMEOUT)
        if msg.type == aiohttp.WSMsgType.TEXT:
            payload: dict[str, Any] = json.loads(msg.data)
        elif msg.type == aiohttp.WSMsgType.BINARY:
            self.binary.append(msg.data)
            if self.zlib is not None:
                assert msg.data.endswith(b"\x00\x00\xff\xff"), msg.data[-8:]
                payload = json.loads(self.zlib.decompress(msg.data))
            elif self.zstd is not None:
                payload = json.loads(self.zstd.decompress(msg.data))
            else:  # payload compression: each message on its own
                payload = json.loads(zlib.decompress(msg.data))
        elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING,
                          aiohttp.WSMsgType.CLOSED):
            raise GatewayClosed(self.ws.close_code, str(msg.extra or ""))
        else:  # pragma: no cover - a failure to report
            raise AssertionError(f"unexpected {msg}")
        if payload.get("s") is not None:
            self.seq = payload["s"]
        return payload

    async def send(self, op: int, d: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": d}))

    async def hello(self) -> dict[str, Any]:
        hello = await self.recv()
        assert hello == HELLO
        return hello

    async def identify(self, intents: int = ALL_INTENTS, **extra: Any) -> dict[str, Any]:
        """IDENTIFY; returns READY's data (GUILD_CREATEs are left to read)."""
        await self.send(2, {"token": self.token, "intents": intents,
                            "properties": {"os": "linux", "browser": "raw", "device": "raw"},
                            **extra})
        ready = await self.recv()
        assert (ready["op"], ready["t"]) == (0, "READY"), ready
        data: dict[str, Any] = ready["d"]
        return data

    async def session(self, intents: int = ALL_INTENTS, **extra: Any) -> dict[str, Any]:
        """IDENTIFY and read READY plus its GUILD_CREATEs; returns READY's data."""
        ready = await self.identify(intents, **extra)
        for _ in ready["guilds"]:
            assert (await self.recv())["t"] == "GUILD_CREATE"
        return ready

    async def dispatch(self) -> dict[str, Any]:
        payload = await self.recv()
        assert payload["op"] == 0, payload
        return payload

    async def sync(self) -> list[dict[str, Any]]:
        """Heartbeat and read up to its ACK: everything the twin sent before it."""
        await self.send(1, self.seq)
        before = []
        while (payload := await self.recv()) != ACK:
            before.append(payload)
        return before

    async def closed_with(self) -> int | None:
        """Read until the twin's close frame; its code."""
        return (await self.closed_by())[0]

    async def closed_by(self) -> tuple[int | None, str]:
        """Read until the twin's close frame; its code and reason."""
        try:
            while True:
                await self.recv()
        except GatewayClosed as closed:
            return closed.code, closed.reason

    async def close(self) -> None:
        await self.ws.close()


class World:
    """A running twin with a guild (alice owns it; the bot, bob and carol are members)."""

    def __init__(self, twin: DiscordTwin, http: aiohttp.ClientSession,
                 clock: VirtualClock) -> None:
        self.twin = twin
        self.http = http
        self.clock = clock
        m = twin.model
        self.model = m
        self.alice: User = m.add_user("alice")
        self.bob: User = m.add_user("bob")
        self.carol: User = m.add_user("carol")
        self.guild: Guild = m.create_guild("Test Server", self.alice.id)
        m.add_member(self.guild, m.bot.id)
        m.add_member(self.guild, self.bob.id)
        m.add_member(self.guild, self.carol.id)
        self.general = m.create_channel(self.guild, "general")
        self.voice = m.create_channel(self.guild, "Lounge", ChannelType.GUILD_VOICE)

    @property
    def token(self) -> str:
        return self.twin.application.token

    async def connect(self, query: str = "?v=10&encoding=json", *,
                      compress: str | None = None, hello: bool = True) -> Conn:
        if compress:
            query += f"&compress={compress}"
        ws = await self.http.ws_connect(self.twin.ws_url("/" + query))
        conn = Conn(ws, self.token, compress)
        if hello:
            await conn.hello()
        return conn

    async def serving(self) -> None:
        """The twin still serves: a fresh connection identifies and gets READY."""
        conn = await self.connect()
        ready = await conn.session(I.GUILDS)
        assert ready["user"]["id"] == str(self.model.bot.id)
        assert await conn.sync() == []
        await conn.close()


@pytest.fixture
async def world(clock: VirtualClock) -> AsyncIterator[World]:
    async with DiscordTwin(clock=clock) as twin, aiohttp.ClientSession() as http:
        yield World(twin, http, clock)


# -- HELLO, heartbeats, READY ---------------------------------------------------------


async def test_hello_then_heartbeats_are_acked_before_and_after_identify(world: World) -> None:
    conn = await world.connect()  # asserts HELLO exactly
    await conn.send(1, None)
    assert await conn.recv() == ACK
    await conn.session()
    await conn.send(1, conn.seq)
    assert await conn.recv() == ACK
    await conn.close()


async def test_api_v9_is_served_too(world: World) -> None:
    conn = await world.connect("?v=9&encoding=json")
    ready = await conn.session()
    assert ready["session_id"]
    await conn.close()


async def test_ready_fields_then_one_guild_create_per_guild(world: World) -> None:
    m = world.model
    second = m.create_guild("Second", world.alice.id)
    m.add_member(second, m.bot.id)
    elsewhere = m.create_guild("Not mine", world.alice.id)  # the bot is not in it
    conn = await world.connect()
    ready = await conn.identify(I.GUILDS)
    assert conn.seq == 1
    assert ready["v"] == 10
    assert ready["user"]["id"] == str(m.bot.id) and ready["user"]["bot"] is True
    assert isinstance(ready["session_id"], str) and len(ready["session_id"]) == 32
    assert ready["resume_gateway_url"] == world.twin.ws_url("/")
    assert ready["application"] == {"id": str(m.application.id),
                                    "flags": m.application.flags}
    assert ready["guilds"] == [{"id": str(world.guild.id), "unavailable": True},
                               {"id": str(second.id), "unavailable": True}]
    assert "shard" not in ready
    creates = [await conn.dispatch(), await conn.dispatch()]
    assert [(c["t"], c["s"]) for c in creates] == [("GUILD_CREATE", 2), ("GUILD_CREATE", 3)]
    first = creates[0]["d"]
    assert [c["d"]["id"] for c in creates] == [str(world.guild.id), str(second.id)]
    assert str(elsewhere.id) not in [c["d"]["id"] for c in creates]
    assert first["name"] == "Test Server" and first["unavailable"] is False
    assert first["member_count"] == 4 and first["large"] is False
    assert first["joined_at"]
    assert {c["id"] for c in first["channels"]} == {str(world.general.id),
                                                    str(world.voice.id)}
    assert [r["id"] for r in first["roles"]] == [str(world.guild.id)]
    assert first["voice_states"] == [] and first["threads"] == []
    assert await conn.sync() == []  # nothing more
    await conn.close()


async def test_guild_create_members_only_with_guild_presences(world: World) -> None:
    m = world.model
    m.set_voice(world.guild, world.carol.id, world.voice.id)
    everyone = {str(u) for u in world.guild.members}
    conn = await world.connect()
    await conn.identify(I.GUILDS | I.GUILD_MEMBERS)
    create = (await conn.dispatch())["d"]
    # Without GUILD_PRESENCES: the bot itself and members in voice, no one else.
    assert {x["user"]["id"] for x in create["members"]} == {str(m.bot.id),
                                                           str(world.carol.id)}
    assert [v["user_id"] for v in create["voice_states"]] == [str(world.carol.id)]
    assert create["member_count"] == 4
    await conn.close()
    conn = await world.connect()
    await conn.identify(I.GUILDS | I.GUILD_PRESENCES)
    create = (await conn.dispatch())["d"]
    assert {x["user"]["id"] for x in create["members"]} == everyone
    await conn.close()


async def test_large_follows_identifys_large_threshold(world: World) -> None:
    m = world.model
    for n in range(56):  # 60 members in all
        m.add_member(world.guild, m.add_user(f"user{n}").id)
    conn = await world.connect()
    await conn.identify(I.GUILDS)  # the default threshold is 50
    assert (await conn.dispatch())["d"]["large"] is True
    await conn.close()
    conn = await world.connect()
    await conn.identify(I.GUILDS, large_threshold=100)
    create = (await conn.dispatch())["d"]
    assert (create["large"], create["member_count"]) == (False, 60)
    await conn.close()


async def test_json_in_binary_frames_is_read_too(world: World) -> None:
    conn = await world.connect()
    await conn.ws.send_bytes(json.dumps({"op": 2, "d": {
        "token": world.token, "intents": I.GUILDS, "properties": {}}}).encode())
    assert (await conn.recv())["t"] == "READY"
    await conn.close()


# -- op 8 and op 4 ------------------------------------------------------------------------


async def test_request_guild_members_chunks(world: World) -> None:
    m = world.model
    conn = await world.connect()
    await conn.session()
    gid = str(world.guild.id)
    await conn.send(8, {"guild_id": gid, "query": "", "limit": 0, "nonce": "all"})
    chunk = await conn.dispatch()
    assert chunk["t"] == "GUILD_MEMBERS_CHUNK"
    data = chunk["d"]
    assert (data["guild_id"], data["chunk_index"], data["chunk_count"], data["nonce"]) == (
        gid, 0, 1, "all")
    assert {x["user"]["id"] for x in data["members"]} == {str(u) for u in world.guild.members}
    assert "not_found" not in data
    # user_ids: the unknown ones come back in not_found.
    stranger = m.add_user("stranger")
    await conn.send(8, {"guild_id": gid, "user_ids": [str(world.bob.id), str(stranger.id)],
                        "nonce": "ids"})
    data = (await conn.dispatch())["d"]
    assert [x["user"]["id"] for x in data["members"]] == [str(world.bob.id)]
    assert data["not_found"] == [str(stranger.id)] and data["nonce"] == "ids"
    # A query is a username prefix (case-insensitive); limit caps the answer.
    await conn.send(8, {"guild_id": gid, "query": "BO", "limit": 10})
    data = (await conn.dispatch())["d"]
    assert [x["user"]["id"] for x in data["members"]] == [str(world.bob.id)]
    assert "nonce" not in data
    await conn.send(8, {"guild_id": gid, "query": "", "limit": 2, "nonce": "n" * 32})
    data = (await conn.dispatch())["d"]
    assert len(data["members"]) == 2 and data["nonce"] == "n" * 32
    await conn.send(8, {"guild_id": gid, "query": "zzz", "limit": 5})
    data = (await conn.dispatch())["d"]
    assert (data["members"], data["chunk_count"]) == ([], 1)
    await conn.send(8, {"guild_id": gid, "user_ids": [str(world.bob.id)], "presences": True})
    assert (await conn.dispatch())["d"]["presences"] == []
    assert await conn.sync() == []
    await conn.close()


async def test_member_searches_return_at_most_100(world: World) -> None:
    m = world.model
    for n in range(150):
        m.add_member(world.guild, m.add_user(f"fan{n:03}").id)
    conn = await world.connect()
    await conn.session()
    gid = str(world.guild.id)
    for query, limit, expected in (("fan", 0, 100), ("fan", 500, 100), ("fan", 30, 30),
                                   ("", 500, 100), ("", 0, len(world.guild.members))):
        await conn.send(8, {"guild_id": gid, "query": query, "limit": limit})
        data = (await conn.dispatch())["d"]
        assert len(data["members"]) == expected, (query, limit)
    await conn.close()


async def test_member_chunks_have_presences_only_with_guild_presences(world: World) -> None:
    conn = await world.connect()
    await conn.session(I.GUILDS | I.GUILD_MEMBERS)
    await conn.send(8, {"guild_id": str(world.guild.id), "user_ids": [str(world.bob.id)],
                        "presences": True, "nonce": "p"})
    data = (await conn.dispatch())["d"]
    assert "presences" not in data and data["nonce"] == "p"
    await conn.close()


async def test_voice_state_update_answers_both_voice_events(world: World) -> None:
    m = world.model
    conn = await world.connect()
    await conn.session(I.GUILDS | I.GUILD_VOICE_STATES)
    gid = str(world.guild.id)
    await conn.send(4, {"guild_id": gid, "channel_id": str(world.voice.id),
                        "self_mute": False, "self_deaf": True})
    state = await conn.dispatch()
    server = await conn.dispatch()
    assert state["t"] == "VOICE_STATE_UPDATE"
    assert (state["d"]["guild_id"], state["d"]["channel_id"], state["d"]["user_id"]) == (
        gid, str(world.voice.id), str(m.bot.id))
    assert state["d"]["session_id"]
    assert server["t"] == "VOICE_SERVER_UPDATE"
    assert server["d"]["guild_id"] == gid and server["d"]["token"] and server["d"]["endpoint"]
    assert world.guild.voice_states == {m.bot.id: world.voice.id}
    # Leaving: a VOICE_STATE_UPDATE with no channel, and no new server.
    await conn.send(4, {"guild_id": gid, "channel_id": None, "self_mute": False,
                        "self_deaf": False})
    left = await conn.dispatch()
    assert (left["t"], left["d"]["channel_id"]) == ("VOICE_STATE_UPDATE", None)
    assert await conn.sync() == []
    assert world.guild.voice_states == {}
    await conn.close()


async def test_every_voice_connection_gets_a_new_token(world: World) -> None:
    """Discord sends a VOICE_SERVER_UPDATE with a fresh token on each join or move."""
    conn = await world.connect()
    await conn.session(I.GUILDS | I.GUILD_VOICE_STATES)
    gid = str(world.guild.id)
    tokens = []
    for _ in range(2):
        await conn.send(4, {"guild_id": gid, "channel_id": str(world.voice.id),
                            "self_mute": False, "self_deaf": False})
        await conn.dispatch()  # VOICE_STATE_UPDATE
        server = await conn.dispatch()
        tokens.append(server["d"]["token"])
        await conn.send(4, {"guild_id": gid, "channel_id": None, "self_mute": False,
                            "self_deaf": False})
        await conn.dispatch()
    assert tokens == [f"voice-token-{gid}-1", f"voice-token-{gid}-2"]
    await conn.close()


# -- intents and MESSAGE_CONTENT ------------------------------------------------------------


async def test_intents_decide_which_dispatches_a_session_gets(world: World) -> None:
    m = world.model
    guilds_only = await world.connect()
    await guilds_only.session(I.GUILDS)
    messages = await world.connect()
    await messages.session(I.GUILDS | I.GUILD_MESSAGES | I.DIRECT_MESSAGES
                           | I.MESSAGE_CONTENT)
    m.create_message(world.general, world.alice.id, "hello guild")
    dm = m.open_dm(m.bot.id, world.alice.id)
    m.create_message(dm, world.alice.id, "hello bot")
    m.typing(world.general, world.alice.id)  # needs GUILD_MESSAGE_TYPING: nobody
    got = await messages.sync()
    assert [(p["t"], p["d"]["content"]) for p in got] == [
        ("MESSAGE_CREATE", "hello guild"), ("MESSAGE_CREATE", "hello bot")]
    assert "guild_id" not in got[1]["d"]
    assert await guilds_only.sync() == []
    # GUILD_MEMBER_UPDATE needs GUILD_MEMBERS, except for the bot's own member.
    m.update_member(world.guild, world.guild.members[world.bob.id], {"nick": "bobby"})
    m.update_member(world.guild, world.guild.members[m.bot.id], {"nick": "botty"})
    got = await guilds_only.sync()
    assert [(p["t"], p["d"]["user"]["id"]) for p in got] == [
        ("GUILD_MEMBER_UPDATE", str(m.bot.id))]
    assert [p["t"] for p in await messages.sync()] == ["GUILD_MEMBER_UPDATE"]
    # GUILDS carries channel events; without it they do not come.
    no_guilds = await world.connect()
    await no_guilds.session(I.GUILD_MESSAGES)
    m.create_channel(world.guild, "new")
    m.create_message(world.general, world.alice.id, "after")
    assert [p["t"] for p in await guilds_only.sync()] == ["CHANNEL_CREATE"]
    assert [p["t"] for p in await no_guilds.sync()] == ["MESSAGE_CREATE"]
    for conn in (guilds_only, messages, no_guilds):
        await conn.close()


async def test_message_content_is_emptied_exactly_where_discord_empties_it(
        world: World) -> None:
    m = world.model
    without = await world.connect()
    await without.session(I.GUILDS | I.GUILD_MESSAGES | I.DIRECT_MESSAGES)
    with_content = await world.connect()
    await with_content.session(I.GUILDS | I.GUILD_MESSAGES | I.DIRECT_MESSAGES
                               | I.MESSAGE_CONTENT)
    embed = [{"title": "t", "description": "d"}]
    m.create_message(world.general, world.alice.id, "secret", embeds=embed)
    m.create_message(world.general, world.alice.id, f"hey <@{m.bot.id}>")
    m.create_message(world.general, m.bot.id, "from the bot", embeds=embed)
    m.create_message(m.open_dm(m.bot.id, world.alice.id), world.alice.id, "in a DM")
    hidden = [p["d"] for p in await without.sync()]
    shown = [p["d"] for p in await with_content.sync()]
    assert [d["content"] for d in shown] == ["secret", f"hey <@{m.bot.id}>", "from the bot",
                                             "in a DM"]
    assert [d["content"] for d in hidden] == ["", f"hey <@{m.bot.id}>", "from the bot",
                                              "in a DM"]
    assert (hidden[0]["embeds"], hidden[0]["attachments"], hidden[0]["components"]) == (
        [], [], [])
    assert shown[0]["embeds"] == embed and hidden[2]["embeds"] == embed
    # The rest of the message is intact.
    assert hidden[0]["id"] == shown[0]["id"] and hidden[0]["author"] == shown[0]["author"]
    # Edits are emptied the same way.
    first = next(iter(m.messages[world.general.id].values()))
    m.edit_message(first, {"content": "still secret"})
    assert [p["d"]["content"] for p in await without.sync()] == [""]
    assert [p["d"]["content"] for p in await with_content.sync()] == ["still secret"]
    await without.close()
    await with_content.close()


# -- sharding --------------------------------------------------------------------------------


async def test_gateway_bot_says_the_max_concurrency_the_twin_was_given() -> None:
    async with DiscordTwin(max_concurrency=16) as twin, aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bot {twin.application.token}"}
        async with http.get(twin.http_url("/api/v10/gateway/bot"), headers=headers) as r:
            body = await r.json(content_type=None)
        assert body["session_start_limit"]["max_concurrency"] == 16
    with pytest.raises(ValueError, match="max_concurrency"):
        DiscordTwin(max_concurrency=0)


async def test_sharding_splits_guilds_by_id_and_gateway_bot_says_how_many(
        clock: VirtualClock) -> None:
    async with DiscordTwin(clock=clock, recommended_shards=2) as twin, \
            aiohttp.ClientSession() as http:
        world = World(twin, http, clock)
        m = twin.model
        headers = {"Authorization": f"Bot {twin.application.token}"}
        async with http.get(twin.http_url("/api/v10/gateway/bot"), headers=headers) as r:
            body = await r.json(content_type=None)
        assert body["shards"] == 2 and body["url"] == twin.ws_url("/")
        assert body["session_start_limit"]["max_concurrency"] == 1
        # Guild ids chosen so that (id >> 22) % 2 is 0, 1, 0, 1.
        made = [m.create_guild(f"g{n}", world.alice.id, guild_id=(5000 + n) << 22 | n)
                for n in range(4)]
        for guild in made:
            m.add_member(guild, m.bot.id)
            m.create_channel(guild, "chat")
        everything = [world.guild, *made]
        shards = [await world.connect(), await world.connect()]
        readies = [await shards[i].session(ALL_INTENTS, shard=[i, 2]) for i in range(2)]
        for i, ready in enumerate(readies):
            assert ready["shard"] == [i, 2]
            assert [g["id"] for g in ready["guilds"]] == [
                str(g.id) for g in everything if (g.id >> 22) % 2 == i]
        # A guild's dispatches go to its shard only; DMs go to shard 0.
        for guild in made:
            m.create_message(m.channels[guild.channels[0]], world.alice.id, guild.name)
        m.create_message(m.open_dm(m.bot.id, world.alice.id), world.alice.id, "dm")
        got = [[p["d"]["content"] for p in await s.sync()] for s in shards]
        assert got == [["g0", "g2", "dm"], ["g1", "g3"]]
        for s in shards:
            await s.close()


# -- compression --------------------------------------------------------------------------


async def test_zlib_stream_one_inflater_per_connection(world: World) -> None:
    conn = await world.connect(compress="zlib-stream")  # HELLO decoded from binary
    ready = await conn.session()
    assert ready["session_id"]
    world.model.create_message(world.general, world.alice.id, "zipped")
    got = await conn.sync()
    assert [(p["t"], p["d"]["content"]) for p in got] == [("MESSAGE_CREATE", "zipped")]
    # HELLO, READY, GUILD_CREATE, MESSAGE_CREATE and the ACK: all binary, each ending
    # in the sync-flush suffix (asserted as each was read), one shared context: a
    # message read with a fresh decompressor fails after the first.
    assert len(conn.binary) == 5
    assert all(b.endswith(b"\x00\x00\xff\xff") for b in conn.binary)
    with pytest.raises(zlib.error):
        zlib.decompressobj().decompress(conn.binary[2])
    await conn.close()


async def test_zstd_stream_one_decompressor_per_connection(world: World) -> None:
    conn = await world.connect(compress="zstd-stream")
    await conn.session()
    world.model.create_message(world.general, world.alice.id, "squeezed")
    got = await conn.sync()
    assert [(p["t"], p["d"]["content"]) for p in got] == [("MESSAGE_CREATE", "squeezed")]
    assert len(conn.binary) == 5
    # Only the first message starts a zstd frame (magic 28 b5 2f fd); the rest continue it.
    assert conn.binary[0][:4] == b"\x28\xb5\x2f\xfd"
    assert all(b[:4] != b"\x28\xb5\x2f\xfd" for b in conn.binary[1:])
    await conn.close()


async def test_a_later_zstd_connection_gets_a_fresh_streams_bytes(world: World) -> None:
    """The twin keeps zstd compressors for later connections: what a later connection
    gets is byte for byte what a compressor never used before makes."""
    first = await world.connect(compress="zstd-stream")
    await first.session()
    await first.close()
    conn = await world.connect(compress="zstd-stream")
    await conn.session()
    opened = [e.connection for e in world.twin.journal.connections() if e.event == "open"]
    texts = [e.data or "" for e in world.twin.journal.frames(direction="out",
                                                            connection=opened[-1])
             if not (e.event or "").startswith("ws:")]
    fresh = zstandard.ZstdCompressor().compressobj()
    assert conn.binary == [fresh.compress(t.encode())
                           + fresh.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK) for t in texts]
    await conn.close()


@pytest.mark.parametrize("compress", ["zlib-stream", "zstd-stream"])
async def test_a_dropped_frame_leaves_a_compressed_stream_readable(
        world: World, compress: str) -> None:
    """A drop fault loses a dispatch (a gap in ``s``), never the stream's state: the
    compressor only sees frames that are really sent."""
    conn = await world.connect(compress=compress)
    await conn.session()
    world.twin.faults.add(Drop(times=1, scope=Scope(event="MESSAGE_CREATE")))
    world.model.create_message(world.general, world.alice.id, "lost")
    world.model.create_message(world.general, world.alice.id, "kept")
    got = await conn.sync()
    assert [p["d"]["content"] for p in got if p["t"] == "MESSAGE_CREATE"] == ["kept"]
    await conn.close()


async def test_payload_compression_zlibs_each_dispatch_on_its_own(world: World) -> None:
    conn = await world.connect()
    await conn.session(compress=True)
    assert len(conn.binary) == 2  # READY and GUILD_CREATE, each zlib.decompress-ed alone
    world.model.create_message(world.general, world.alice.id, "packed")
    got = await conn.sync()  # the ACK comes as plain text
    assert [p["d"]["content"] for p in got] == ["packed"]
    assert len(conn.binary) == 3
    await conn.close()


# -- resume --------------------------------------------------------------------------------


async def test_resume_replays_missed_dispatches_then_resumed(world: World) -> None:
    m = world.model
    conn = await world.connect()
    ready = await conn.session(I.GUILDS | I.GUILD_MESSAGES | I.MESSAGE_CONTENT)
    seen = conn.seq
    assert seen == 2
    await conn.ws.close(code=4000)  # not 1000/1001: the session stays resumable
    m.create_message(world.general, world.alice.id, "missed one")
    m.create_message(world.general, world.alice.id, "missed two")
    again = await world.connect(ready["resume_gateway_url"].removeprefix(
        world.twin.ws_url("/")) + "?v=10&encoding=json")
    await again.send(6, {"token": world.token, "session_id": ready["session_id"],
                         "seq": seen})
    replay = [await again.dispatch() for _ in range(3)]
    assert [(p["t"], p["s"]) for p in replay] == [("MESSAGE_CREATE", 3),
                                                  ("MESSAGE_CREATE", 4), ("RESUMED", 5)]
    assert [p["d"]["content"] for p in replay[:2]] == ["missed one", "missed two"]
    # The resumed session carries on.
    m.create_message(world.general, world.alice.id, "live")
    assert [(p["s"], p["d"]["content"]) for p in await again.sync()] == [(6, "live")]
    await again.close()


async def test_resume_from_an_older_seq_replays_from_there(world: World) -> None:
    conn = await world.connect()
    ready = await conn.session(I.GUILDS)
    await conn.ws.close(code=4000)
    again = await world.connect()
    await again.send(6, {"token": world.token, "session_id": ready["session_id"], "seq": 1})
    replay = [await again.dispatch() for _ in range(2)]
    assert [(p["t"], p["s"]) for p in replay] == [("GUILD_CREATE", 2), ("RESUMED", 3)]
    await again.close()


async def test_op9_for_an_unknown_or_ended_session(world: World) -> None:
    conn = await world.connect()
    await conn.send(6, {"token": world.token, "session_id": "nope", "seq": 1})
    assert await conn.recv() == {"op": 9, "d": False, "s": None, "t": None}
    await conn.close()
    # A client that closes with 1000 ends its session: it cannot be resumed.
    conn = await world.connect()
    ready = await conn.session(I.GUILDS)
    await conn.ws.close(code=1000)
    again = await world.connect()
    await again.send(6, {"token": world.token, "session_id": ready["session_id"],
                         "seq": 2})
    assert await again.recv() == {"op": 9, "d": False, "s": None, "t": None}
    # The connection stays usable: it may IDENTIFY afresh.
    fresh = await again.session(I.GUILDS)
    assert fresh["session_id"] != ready["session_id"]
    await again.close()


async def test_the_resume_window_is_on_the_twin_clock(world: World) -> None:
    conn = await world.connect()
    ready = await conn.session(I.GUILDS)
    await conn.ws.close(code=4000)
    await world.clock.advance(301)
    again = await world.connect()
    await again.send(6, {"token": world.token, "session_id": ready["session_id"], "seq": 2})
    assert (await again.recv())["op"] == 9
    await again.close()


# -- bad input: Discord's close codes, and the twin keeps serving ----------------------


Scenario = Callable[[World], Awaitable[Conn]]


async def _bad_token(w: World) -> Conn:
    conn = await w.connect()
    await conn.send(2, {"token": "not-the-token", "intents": 1, "properties": {}})
    return conn


async def _bad_json(w: World) -> Conn:
    conn = await w.connect()
    await conn.ws.send_str("{not json")
    return conn


async def _binary_frame(w: World) -> Conn:
    conn = await w.connect()
    await conn.ws.send_bytes(b"\xff\xfe\x00")  # not even UTF-8
    return conn


async def _unknown_opcode(w: World) -> Conn:
    conn = await w.connect()
    await conn.session(I.GUILDS)
    await conn.send(99, None)
    return conn


async def _before_identify(w: World) -> Conn:
    conn = await w.connect()
    await conn.send(8, {"guild_id": str(w.guild.id), "query": "", "limit": 0})
    return conn


async def _voice_before_identify(w: World) -> Conn:
    conn = await w.connect()
    await conn.send(4, {"guild_id": str(w.guild.id), "channel_id": None})
    return conn


async def _identify_twice(w: World) -> Conn:
    conn = await w.connect()
    await conn.session(I.GUILDS)
    await conn.send(2, {"token": w.token, "intents": 1, "properties": {}})
    return conn


async def _invalid_seq(w: World) -> Conn:
    first = await w.connect()
    ready = await first.session(I.GUILDS)
    await first.ws.close(code=4000)
    conn = await w.connect()
    await conn.send(6, {"token": w.token, "session_id": ready["session_id"], "seq": 99})
    return conn


async def _unknown_intents(w: World) -> Conn:
    conn = await w.connect()
    await conn.send(2, {"token": w.token, "intents": 1 << 30, "properties": {}})
    return conn


async def _invalid_shard(w: World) -> Conn:
    conn = await w.connect()
    await conn.send(2, {"token": w.token, "intents": 1, "properties": {}, "shard": [2, 2]})
    return conn


async def _negative_shard(w: World) -> Conn:
    conn = await w.connect()
    await conn.send(2, {"token": w.token, "intents": 1, "properties": {}, "shard": [-1, 2]})
    return conn


async def _bad_version(w: World) -> Conn:
    return await w.connect("?v=8&encoding=json", hello=False)


async def _send_rate_limit(w: World) -> Conn:
    conn = await w.connect()
    for _ in range(121):
        await conn.send(1, None)
    for _ in range(120):
        assert await conn.recv() == ACK
    return conn


@pytest.mark.parametrize(("scenario", "code"), [
    (_bad_token, 4004), (_bad_json, 4002), (_binary_frame, 4002), (_unknown_opcode, 4001),
    (_before_identify, 4003), (_voice_before_identify, 4003), (_identify_twice, 4005),
    (_invalid_seq, 4007), (_unknown_intents, 4013), (_invalid_shard, 4010),
    (_negative_shard, 4010), (_bad_version, 4012), (_send_rate_limit, 4008),
], ids=lambda v: getattr(v, "__name__", str(v)).strip("_"))
async def test_bad_input_gets_discords_close_code(world: World, scenario: Scenario,
                                                  code: int) -> None:
    conn = await scenario(world)
    assert await conn.closed_with() == code
    await world.serving()


async def test_privileged_intents_not_enabled_close_4014(clock: VirtualClock) -> None:
    async with DiscordTwin(clock=clock, privileged_intents=False) as twin, \
            aiohttp.ClientSession() as http:
        world = World(twin, http, clock)
        for privileged in (I.GUILD_MEMBERS, I.GUILD_PRESENCES, I.MESSAGE_CONTENT):
            conn = await world.connect()
            await conn.send(2, {"token": world.token, "intents": I.GUILDS | privileged,
                                "properties": {}})
            assert await conn.closed_with() == 4014
        conn = await world.connect()
        ready = await conn.session(UNPRIVILEGED)
        assert ready["application"]["flags"] == 0
        await conn.close()


async def test_privileged_intents_switched_at_run_time_as_in_the_portal(
        clock: VirtualClock) -> None:
    async with DiscordTwin(clock=clock, privileged_intents=["members"]) as twin, \
            aiohttp.ClientSession() as http:
        world = World(twin, http, clock)
        assert twin.privileged_intents == ["members"]
        members = await world.connect()
        await members.session(I.GUILDS | I.GUILD_MEMBERS)
        presences = await world.connect()
        await presences.send(2, {"token": world.token, "intents": I.GUILDS | I.GUILD_PRESENCES,
                                 "properties": {}})
        assert await presences.closed_with() == 4014
        admin = twin.http_url("/_wiretwin/discord/application/privileged-intents")
        async with http.put(admin, json={"enabled": ["presences"]}) as answer:
            assert (answer.status, await answer.json()) == (200, {"enabled": ["presences"]})
        # A session that identified before keeps its intents; a new IDENTIFY is checked.
        await members.send(1, None)
        assert (await members.recv())["op"] == 11
        again = await world.connect()
        await again.send(2, {"token": world.token, "intents": I.GUILDS | I.GUILD_MEMBERS,
                             "properties": {}})
        assert await again.closed_with() == 4014
        allowed = await world.connect()
        ready = await allowed.session(I.GUILDS | I.GUILD_PRESENCES)
        assert ready["application"]["flags"] == 1 << 12
        async with http.put(admin, json={"enabled": ["voice"]}) as refused:
            assert refused.status == 400
            assert "unknown privileged intent 'voice'" in (await refused.json())["error"]
        async with http.get(admin) as read:
            assert await read.json() == {"enabled": ["presences"]}
        async with http.put(admin, json={"enabled": True}) as every:
            assert (await every.json())["enabled"] == ["presences", "members",
                                                     "message_content"]
        async with http.put(admin, json={"enabled": "members"}) as text:
            assert text.status == 400
        async with http.put(admin, json={"enabled": False}) as none:
            assert await none.json() == {"enabled": []}
        twin.reset()
        assert twin.privileged_intents == ["members"]  # as it was built
        for conn in (members, allowed):
            await conn.close()
    with pytest.raises(ValueError, match="unknown privileged intent"):
        DiscordTwin(privileged_intents=["member"])
    with pytest.raises(TypeError, match="not a string"):
        DiscordTwin(privileged_intents="members")


async def test_the_send_limit_window_is_sixty_seconds_of_twin_time(world: World) -> None:
    conn = await world.connect()
    for _ in range(120):
        await conn.send(1, None)
    for _ in range(120):
        assert await conn.recv() == ACK
    await world.clock.advance(60)
    for _ in range(120):
        await conn.send(1, None)
    for _ in range(120):
        assert await conn.recv() == ACK
    assert not conn.ws.closed
    await conn.close()


async def test_missing_heartbeats_close_4009_on_the_twin_clock(world: World) -> None:
    beating = await world.connect()
    await beating.session(I.GUILDS)
    silent = await world.connect()
    await silent.session(I.GUILDS)
    for _ in range(4):  # 4 intervals: the beating connection heartbeats on time
        await world.clock.advance(41.25, wait_replies=False)
        assert await beating.sync() == []
    assert await silent.closed_with() == 4009
    assert not beating.ws.closed
    # Then it stops too, and is closed one and a half intervals later at the latest.
    await world.clock.advance(41.25 * 1.5, wait_replies=False)
    await world.clock.advance(41.25 * 1.5, wait_replies=False)
    assert await beating.closed_with() == 4009
    await world.serving()


# -- every payload: read, or refused with Discord's close code and reason -----------------

#: Discord's reasons, as clients log them ("4001: Unknown opcode.", "4008: Rate limited.").
REASONS = {4001: "Unknown opcode.", 4002: "Error while decoding payload.",
           4003: "Not authenticated.", 4004: "Authentication failed.",
           4005: "Already authenticated.", 4007: "Invalid seq.",
           4010: "Invalid shard.", 4011: "Sharding required.", 4013: "Invalid intent(s)."}
PROPS = {"os": "linux", "browser": "raw", "device": "raw"}
TOKEN = object()  # stands for the twin's token in the table below


def _identify(**fields: Any) -> dict[str, Any]:
    """An IDENTIFY's d with ``fields`` changed (``...`` leaves a field out)."""
    d: dict[str, Any] = {"token": TOKEN, "intents": 1, "properties": PROPS, **fields}
    return {k: v for k, v in d.items() if v is not ...}


BEFORE_IDENTIFY: list[tuple[str, Any, int]] = [
    # Not a gateway payload at all: 4002.
    ("op is a string", '{"op": "1", "d": null}', 4002),
    ("op is missing", '{"d": null}', 4002),
    ("op is a boolean", '{"op": true, "d": null}', 4002),
    ("op is a float", '{"op": 1.0, "d": null}', 4002),
    ("an array", "[1, null]", 4002),
    ("a string", '"op"', 4002),
    ("null", "null", 4002),
    # Heartbeats: d is the last seq or null.
    ("heartbeat d a string", {"op": 1, "d": "12"}, 4001),
    ("heartbeat d an object", {"op": 1, "d": {}}, 4001),
    ("heartbeat d a boolean", {"op": 1, "d": True}, 4001),
    ("heartbeat d a float", {"op": 1, "d": 1.5}, 4001),
    # IDENTIFY with each field mistyped.
    ("identify d a string", {"op": 2, "d": "token"}, 4001),
    ("identify d null", {"op": 2, "d": None}, 4001),
    ("identify without d", {"op": 2}, 4001),
    ("identify token a number", {"op": 2, "d": _identify(token=123)}, 4001),
    ("identify without token", {"op": 2, "d": _identify(token=...)}, 4001),
    ("identify without properties", {"op": 2, "d": _identify(properties=...)}, 4001),
    ("identify properties a string", {"op": 2, "d": _identify(properties="linux")}, 4001),
    ("identify compress a string", {"op": 2, "d": _identify(compress="yes")}, 4001),
    ("identify large_threshold a string",
     {"op": 2, "d": _identify(large_threshold="50")}, 4001),
    ("identify presence an array", {"op": 2, "d": _identify(presence=[])}, 4001),
    ("identify wrong token", {"op": 2, "d": _identify(token="Bot nope")}, 4004),
    ("identify intents a string", {"op": 2, "d": _identify(intents="513")}, 4013),
    ("identify without intents", {"op": 2, "d": _identify(intents=...)}, 4013),
    ("identify negative intents", {"op": 2, "d": _identify(intents=-1)}, 4013),
    ("identify intents a boolean", {"op": 2, "d": _identify(intents=True)}, 4013),
    ("identify shard a string", {"op": 2, "d": _identify(shard="0,1")}, 4010),
    ("identify shard of one", {"op": 2, "d": _identify(shard=[0])}, 4010),
    ("identify shard of three", {"op": 2, "d": _identify(shard=[0, 1, 2])}, 4010),
    ("identify shard of strings", {"op": 2, "d": _identify(shard=["0", "1"])}, 4010),
    ("identify shard id = count", {"op": 2, "d": _identify(shard=[1, 1])}, 4010),
    ("identify zero shards", {"op": 2, "d": _identify(shard=[0, 0])}, 4010),
    ("identify shard of booleans", {"op": 2, "d": _identify(shard=[False, True])}, 4010),
    # RESUME with each field mistyped (a wrong token is 4004; unknown sessions get op 9).
    ("resume d a string", {"op": 6, "d": "session"}, 4001),
    ("resume token a number",
     {"op": 6, "d": {"token": 1, "session_id": "s", "seq": 1}}, 4001),
    ("resume session_id a number",
     {"op": 6, "d": {"token": TOKEN, "session_id": 5, "seq": 1}}, 4001),
    ("resume seq a string",
     {"op": 6, "d": {"token": TOKEN, "session_id": "s", "seq": "1"}}, 4001),
    ("resume seq null", {"op": 6, "d": {"token": TOKEN, "session_id": "s", "seq": None}},
     4001),
    ("resume without seq", {"op": 6, "d": {"token": TOKEN, "session_id": "s"}}, 4001),
    ("resume wrong token",
     {"op": 6, "d": {"token": "nope", "session_id": "s", "seq": 1}}, 4004),
    # What needs a session, before IDENTIFY: 4003; what no client sends: 4001.
    *[(f"op {op} before identify", {"op": op, "d": {}}, 4003) for op in (3, 4, 8, 31, 43)],
    *[(f"op {op}", {"op": op, "d": None}, 4001) for op in (0, 5, 7, 9, 10, 11, 99, -1)],
]

AFTER_IDENTIFY: list[tuple[str, Any, int]] = [
    ("identify again", {"op": 2, "d": _identify()}, 4005),
    ("resume when identified",
     {"op": 6, "d": {"token": TOKEN, "session_id": "s", "seq": 1}}, 4005),
    *[(f"op {op} once identified", {"op": op, "d": None}, 4001)
      for op in (0, 5, 7, 9, 10, 11, 99)],
    # op 3: since, status and activities (or hikari's game) are required.
    ("presence d null", {"op": 3, "d": None}, 4001),
    ("presence without since", {"op": 3, "d": {"activities": [], "status": "online"}}, 4001),
    ("presence since a string",
     {"op": 3, "d": {"since": "now", "activities": [], "status": "online"}}, 4001),
    ("presence without status", {"op": 3, "d": {"since": None, "activities": []}}, 4001),
    ("presence status unknown",
     {"op": 3, "d": {"since": None, "activities": [], "status": "away"}}, 4001),
    ("presence without activities", {"op": 3, "d": {"since": None, "status": "idle"}}, 4001),
    ("presence activities a string",
     {"op": 3, "d": {"since": None, "activities": "x", "status": "online"}}, 4001),
    ("presence activity without a name string", {"op": 3, "d": {
        "since": None, "activities": [{"name": 1, "type": 0}], "status": "online"}}, 4001),
    ("presence activity of type 9", {"op": 3, "d": {
        "since": None, "activities": [{"name": "x", "type": 9}], "status": "online"}}, 4001),
    ("presence game a string",
     {"op": 3, "d": {"since": None, "game": "chess", "status": "online"}}, 4001),
    ("presence afk a string", {"op": 3, "d": {
        "since": None, "activities": [], "status": "online", "afk": "no"}}, 4001),
    # op 4: snowflakes are JSON integers or strings of ASCII digits below 2**64.
    ("voice d an array", {"op": 4, "d": []}, 4001),
    ("voice guild_id not digits", {"op": 4, "d": {"guild_id": "abc", "channel_id": None}},
     4001),
    ("voice guild_id in Arabic digits",
     {"op": 4, "d": {"guild_id": "\u0661\u0662\u0663", "channel_id": None}}, 4001),
    ("voice guild_id past 2**64",
     {"op": 4, "d": {"guild_id": str(1 << 64), "channel_id": None}}, 4001),
    ("voice guild_id negative", {"op": 4, "d": {"guild_id": -1, "channel_id": None}}, 4001),
    ("voice guild_id a float", {"op": 4, "d": {"guild_id": 1.5, "channel_id": None}}, 4001),
    ("voice without guild_id", {"op": 4, "d": {"channel_id": None}}, 4001),
    ("voice without channel_id", {"op": 4, "d": {"guild_id": "1"}}, 4001),
    ("voice channel_id not digits", {"op": 4, "d": {"guild_id": "1", "channel_id": "x"}},
     4001),
    ("voice self_mute a string", {"op": 4, "d": {
        "guild_id": "1", "channel_id": None, "self_mute": "yes"}}, 4001),
    # op 8.
    ("members d a string", {"op": 8, "d": "guild"}, 4001),
    ("members guild_id not digits",
     {"op": 8, "d": {"guild_id": "abc", "query": "", "limit": 0}}, 4001),
    ("members guild_id an empty array",
     {"op": 8, "d": {"guild_id": [], "query": "", "limit": 0}}, 4001),
    ("members guild_id an array of junk",
     {"op": 8, "d": {"guild_id": ["abc"], "query": "", "limit": 0}}, 4001),
    ("members without guild_id", {"op": 8, "d": {"query": "", "limit": 0}}, 4001),
    ("members without query or user_ids", {"op": 8, "d": {"guild_id": "1", "limit": 0}},
     4001),
    ("members query a number", {"op": 8, "d": {"guild_id": "1", "query": 5, "limit": 0}},
     4001),
    ("members query without limit", {"op": 8, "d": {"guild_id": "1", "query": "a"}}, 4001),
    ("members limit a string",
     {"op": 8, "d": {"guild_id": "1", "query": "", "limit": "10"}}, 4001),
    ("members negative limit", {"op": 8, "d": {"guild_id": "1", "query": "", "limit": -1}},
     4001),
    ("members user_ids not snowflakes", {"op": 8, "d": {"guild_id": "1", "user_ids": ["a"]}},
     4001),
    ("members user_ids a word", {"op": 8, "d": {"guild_id": "1", "user_ids": "abc"}}, 4001),
    ("members user_ids of floats", {"op": 8, "d": {"guild_id": "1", "user_ids": [1.5]}},
     4001),
    ("members presences a string", {"op": 8, "d": {
        "guild_id": "1", "user_ids": ["2"], "presences": "yes"}}, 4001),
    # op 31 and op 43.
    ("soundboard without guild_ids", {"op": 31, "d": {}}, 4001),
    ("soundboard guild_ids a string", {"op": 31, "d": {"guild_ids": "1"}}, 4001),
    ("soundboard guild_ids of junk", {"op": 31, "d": {"guild_ids": ["x"]}}, 4001),
    ("channel info guild_id junk", {"op": 43, "d": {"guild_id": "x", "fields": []}}, 4001),
    ("channel info without fields", {"op": 43, "d": {"guild_id": "1"}}, 4001),
    ("channel info unknown field",
     {"op": 43, "d": {"guild_id": "1", "fields": ["topic"]}}, 4001),
    ("channel info fields a string",
     {"op": 43, "d": {"guild_id": "1", "fields": "status"}}, 4001),
]


def _with_token(value: Any, token: str) -> Any:
    if value is TOKEN:
        return token
    if isinstance(value, dict):
        return {k: _with_token(v, token) for k, v in value.items()}
    return value


async def _refused(world: World, conn: Conn, frame: Any, code: int) -> None:
    text = frame if isinstance(frame, str) else json.dumps(_with_token(frame, world.token))
    await conn.ws.send_str(text)
    assert await conn.closed_by() == (code, REASONS[code])
    await world.serving()


@pytest.mark.parametrize(("frame", "code"), [(f, c) for _, f, c in BEFORE_IDENTIFY],
                         ids=[name for name, _, _ in BEFORE_IDENTIFY])
async def test_bad_payloads_before_identify_close_as_discord_does(
        world: World, frame: Any, code: int) -> None:
    await _refused(world, await world.connect(), frame, code)


@pytest.mark.parametrize(("frame", "code"), [(f, c) for _, f, c in AFTER_IDENTIFY],
                         ids=[name for name, _, _ in AFTER_IDENTIFY])
async def test_bad_payloads_once_identified_close_as_discord_does(
        world: World, frame: Any, code: int) -> None:
    conn = await world.connect()
    await conn.session(I.GUILDS)
    await _refused(world, conn, frame, code)


async def test_the_journal_says_what_was_wrong_with_a_refused_payload(world: World) -> None:
    conn = await world.connect()
    await conn.session(I.GUILDS)
    await conn.send(8, {"guild_id": "abc", "query": "", "limit": 0})
    assert await conn.closed_with() == 4001
    (note,) = [e for e in world.twin.journal
               if e.kind == "note" and e.event == "gateway-refused"]
    assert note.detail["code"] == 4001
    assert note.detail["detail"] == "d.guild_id is not a snowflake"


async def test_what_discord_py_and_hikari_send_is_read(world: World) -> None:
    """The payloads the real clients send, in their legacy shapes too: nothing closes."""
    conn = await world.connect()
    await conn.send(1, None)
    assert await conn.recv() == ACK
    # discord.py's IDENTIFY presence: "game" and a null status; integer snowflakes.
    await conn.session(I.GUILDS | I.GUILD_MEMBERS, presence={
        "status": None, "game": {"name": "chess", "type": 0}, "since": 0, "afk": False})
    gid = world.guild.id
    for op, d in [
        (3, {"activities": [], "afk": False, "since": 0.0, "status": "online"}),  # discord.py
        (3, {"since": None, "afk": False, "game": None, "status": "invisible"}),  # hikari
        (3, {"since": 1_750_000_000_000, "status": "idle",
             "activities": [{"name": "Custom Status", "state": "hi", "type": 4}]}),
        (4, {"guild_id": str(gid), "channel_id": None}),  # hikari leaves self_mute out
        (1, 3),
    ]:
        await conn.send(op, d)
    assert await conn.recv() == ACK  # nothing before it, and still open
    await conn.send(8, {"guild_id": gid, "presences": False, "limit": 0,
                        "user_ids": [world.bob.id]})  # discord.py: integers, no query
    data = (await conn.dispatch())["d"]
    assert [m["user"]["id"] for m in data["members"]] == [str(world.bob.id)]
    await conn.close()


async def test_voice_requests_discord_cannot_carry_out_get_no_answer(world: World) -> None:
    m = world.model
    elsewhere = m.create_guild("Not mine", world.alice.id)
    far_voice = m.create_channel(elsewhere, "Far", ChannelType.GUILD_VOICE)
    conn = await world.connect()
    await conn.session(I.GUILDS | I.GUILD_VOICE_STATES)
    gid = str(world.guild.id)
    for guild_id, channel_id in [
        ("123456789", str(world.voice.id)),        # an unknown guild
        (str(elsewhere.id), str(far_voice.id)),    # a guild the bot is not in
        (gid, str(world.general.id)),              # a text channel
        (gid, str(far_voice.id)),                  # another guild's voice channel
        (gid, "987654321"),                        # an unknown channel
        (gid, None),                               # leaving while not in voice
    ]:
        await conn.send(4, {"guild_id": guild_id, "channel_id": channel_id,
                            "self_mute": False, "self_deaf": False})
    assert await conn.sync() == []
    assert world.guild.voice_states == {}
    await conn.close()


async def test_member_requests_as_discord_answers_the_odd_ones(world: World) -> None:
    m = world.model
    gid = str(world.guild.id)
    fans = [m.add_user(f"fan{n:03}") for n in range(120)]
    for fan in fans:
        m.add_member(world.guild, fan.id)
    conn = await world.connect()
    await conn.session(I.GUILDS | I.GUILD_MEMBERS)
    # Unknown guilds, and guilds the bot is not in: no answer.
    elsewhere = m.create_guild("Not mine", world.alice.id)
    for guild_id in ("123456789", str(elsewhere.id)):
        await conn.send(8, {"guild_id": guild_id, "query": "", "limit": 0})
    assert await conn.sync() == []
    # An array of guilds: only the first is answered.
    await conn.send(8, {"guild_id": [gid, str(elsewhere.id)], "user_ids": [str(world.bob.id)]})
    assert [p["d"]["guild_id"] for p in await conn.sync()] == [gid]
    # Over 100 user_ids: the first 100 are looked up, the rest are not.
    ids = [str(f.id) for f in fans]
    await conn.send(8, {"guild_id": gid, "user_ids": ids})
    (chunk,) = await conn.sync()
    assert [x["user"]["id"] for x in chunk["d"]["members"]] == ids[:100]
    assert "not_found" not in chunk["d"]
    # A nonce over 32 bytes, or not a string, is left out of the reply.
    for nonce in ("n" * 33, "é" * 17, 7, ["n"]):
        await conn.send(8, {"guild_id": gid, "user_ids": [str(world.bob.id)], "nonce": nonce})
        (chunk,) = await conn.sync()
        assert "nonce" not in chunk["d"], nonce
    await conn.close()
    # The whole list needs GUILD_MEMBERS; a search does not.
    conn = await world.connect()
    await conn.session(I.GUILDS)
    await conn.send(8, {"guild_id": gid, "query": "", "limit": 0, "nonce": "all"})
    assert await conn.sync() == []
    await conn.send(8, {"guild_id": gid, "query": "bo", "limit": 5})
    (chunk,) = await conn.sync()
    assert [x["user"]["id"] for x in chunk["d"]["members"]] == [str(world.bob.id)]
    await conn.close()


async def test_soundboard_and_channel_info_requests(world: World) -> None:
    m = world.model
    second = m.create_guild("Second", world.alice.id)
    m.add_member(second, m.bot.id)
    elsewhere = m.create_guild("Not mine", world.alice.id)
    conn = await world.connect()
    await conn.session(I.GUILDS)
    await conn.send(31, {"guild_ids": [str(world.guild.id), second.id, str(elsewhere.id)]})
    got = await conn.sync()
    assert [(p["t"], p["d"]) for p in got] == [
        ("SOUNDBOARD_SOUNDS", {"soundboard_sounds": [], "guild_id": str(world.guild.id)}),
        ("SOUNDBOARD_SOUNDS", {"soundboard_sounds": [], "guild_id": str(second.id)})]
    await conn.send(43, {"guild_id": str(world.guild.id),
                         "fields": ["status", "voice_start_time"]})
    (info,) = await conn.sync()
    assert (info["t"], info["d"]) == ("CHANNEL_INFO", {
        "guild_id": str(world.guild.id),
        "channels": [{"id": str(world.voice.id), "status": None, "voice_start_time": None}]})
    await conn.send(43, {"guild_id": str(elsewhere.id), "fields": ["status"]})
    assert await conn.sync() == []
    await conn.close()



async def _put_status(world: World, channel_id: int, body: Any) -> tuple[int, Any]:
    async with world.http.put(
            world.twin.http_url(f"/api/v10/channels/{channel_id}/voice-status"),
            data=json.dumps(body), headers={"Authorization": f"Bot {world.token}",
                                            "Content-Type": "application/json"}) as response:
        raw = await response.read()
        return response.status, json.loads(raw) if raw else None


async def test_a_voice_channel_status_is_set_shown_and_cleared_when_it_empties(
        world: World) -> None:
    m, gid, vid = world.model, str(world.guild.id), str(world.voice.id)
    await world.clock.advance(1_000)
    conn = await world.connect()
    await conn.session(I.GUILDS | I.GUILD_VOICE_STATES)
    # Not connected to the channel: 403 50013.
    assert await _put_status(world, world.voice.id, {"status": "jamming"}) == (
        403, {"message": "Missing Permissions", "code": 50013})
    # Not a voice channel: 400 50024.
    assert (await _put_status(world, world.general.id, {"status": "x"}))[1]["code"] == 50024
    m.set_voice(world.guild, world.bob.id, world.voice.id)
    m.set_voice(world.guild, m.bot.id, world.voice.id)
    started = int(world.clock.time())
    await conn.sync()
    # Connected, but without SET_VOICE_CHANNEL_STATUS: 403 50013.
    assert (await _put_status(world, world.voice.id, {"status": "x"}))[0] == 403
    m.set_overwrite(world.voice, m.bot.id, 1, int(P.SET_VOICE_CHANNEL_STATUS), 0)
    await conn.sync()
    status, body = await _put_status(world, world.voice.id, {"status": "x" * 501})
    assert (status, body["code"], body["errors"]["status"]["_errors"][0]["code"]) == (
        400, 50035, "BASE_TYPE_MAX_LENGTH")
    assert await _put_status(world, world.voice.id, {"status": "jamming"}) == (204, None)
    (update,) = await conn.sync()
    assert (update["t"], update["d"]) == ("VOICE_CHANNEL_STATUS_UPDATE", {
        "id": vid, "guild_id": gid, "status": "jamming"})
    assert m.channel_json(world.voice)["status"] == "jamming"
    await conn.send(43, {"guild_id": gid, "fields": ["status", "voice_start_time"]})
    (info,) = await conn.sync()
    assert info["d"]["channels"] == [
        {"id": vid, "status": "jamming", "voice_start_time": started}]
    # The bot leaves; bob stays: the status stays. Bob leaves: it is cleared.
    m.set_voice(world.guild, m.bot.id, None)
    await conn.sync()
    assert world.voice.status == "jamming"
    m.set_voice(world.guild, world.bob.id, None)
    (_, cleared) = await conn.sync()
    assert (cleared["t"], cleared["d"]) == ("VOICE_CHANNEL_STATUS_UPDATE", {
        "id": vid, "guild_id": gid, "status": None})
    await conn.send(43, {"guild_id": gid, "fields": ["voice_start_time", "status"]})
    (info,) = await conn.sync()
    assert info["d"]["channels"] == [{"id": vid, "voice_start_time": None, "status": None}]
    await conn.close()


async def test_the_whole_member_list_twice_in_30_s_is_rate_limited(world: World) -> None:
    m = world.model
    second = m.create_guild("Second", world.alice.id)
    m.add_member(second, m.bot.id)
    gid = str(world.guild.id)
    conn = await world.connect()
    await conn.session()
    whole = {"guild_id": gid, "query": "", "limit": 0}
    await conn.send(8, {**whole, "nonce": "first"})
    assert [p["t"] for p in await conn.sync()] == ["GUILD_MEMBERS_CHUNK"]
    await world.clock.advance(10)
    await conn.send(8, {**whole, "nonce": "again"})
    (limited,) = await conn.sync()
    assert (limited["op"], limited["t"], limited["d"]) == (0, "RATE_LIMITED", {
        "opcode": 8, "retry_after": 20.0, "meta": {"guild_id": gid, "nonce": "again"}})
    # Without a nonce, meta has none; another guild, a search or ids are not limited.
    await conn.send(8, whole)
    (limited,) = await conn.sync()
    assert limited["d"]["meta"] == {"guild_id": gid}
    await conn.send(8, {"guild_id": str(second.id), "query": "", "limit": 0})
    await conn.send(8, {"guild_id": gid, "query": "bo", "limit": 5})
    await conn.send(8, {"guild_id": gid, "user_ids": [str(world.bob.id)]})
    assert [p["t"] for p in await conn.sync()] == ["GUILD_MEMBERS_CHUNK"] * 3
    # Another session has a window of its own.
    other = await world.connect()
    await other.session()
    await other.send(8, whole)
    assert [p["t"] for p in await other.sync()] == ["GUILD_MEMBERS_CHUNK"]
    await other.close()
    # 30 s after the first request, the list comes again.
    await world.clock.advance(20)
    await conn.send(8, whole)
    assert [p["t"] for p in await conn.sync()] == ["GUILD_MEMBERS_CHUNK"]
    await conn.close()

async def test_a_shard_of_more_than_2500_guilds_closes_4011(world: World) -> None:
    m = world.model
    for n in range(2500):  # with the world's guild, 2501; ids alternate between 2 shards
        guild = m.create_guild(f"g{n}", world.alice.id, guild_id=(6000 + n) << 22 | n)
        m.add_member(guild, m.bot.id)
    conn = await world.connect()
    await conn.send(2, {"token": world.token, "intents": 1, "properties": PROPS})
    assert await conn.closed_by() == (4011, "Sharding required.")
    conn = await world.connect()
    ready = await conn.identify(I.GUILDS, shard=[0, 2])
    assert len(ready["guilds"]) == 1251  # the world's guild is on shard 0 too
    await conn.close()


# -- memory: sessions awaiting RESUME, and what each keeps --------------------------------


async def _resume(world: World, session_id: str, seq: int) -> dict[str, Any]:
    """RESUME on a fresh connection; the first thing the twin answers."""
    conn = await world.connect()
    await conn.send(6, {"token": world.token, "session_id": session_id, "seq": seq})
    first = await conn.recv()
    await conn.close()
    return first


INVALID_SESSION = {"op": 9, "d": False, "s": None, "t": None}


@pytest.fixture
async def small(clock: VirtualClock) -> AsyncIterator[World]:
    """A twin with small gateway limits: 2 sessions awaiting RESUME, 5 dispatches or
    8 KiB kept per session."""
    limits = GatewayLimits(resumable_sessions=2, replay_events=5, replay_bytes=8192)
    async with DiscordTwin(clock=clock, gateway_limits=limits) as twin, \
            aiohttp.ClientSession() as http:
        yield World(twin, http, clock)


async def test_past_the_cap_the_longest_paused_session_ends(small: World) -> None:
    sessions = []
    for _ in range(3):
        conn = await small.connect()
        sessions.append((await conn.session(I.GUILDS))["session_id"])
        await conn.ws.close(code=4000)  # resumable
    hub = small.twin.hub
    assert list(hub.paused) == sessions[1:]  # the first, paused longest, has ended
    assert await _resume(small, sessions[0], 2) == INVALID_SESSION
    for session_id in sessions[1:]:
        assert (await _resume(small, session_id, 2))["t"] == "RESUMED"
    await small.serving()


async def test_a_session_keeps_a_bounded_count_of_dispatches(small: World) -> None:
    m = small.model
    conn = await small.connect()
    ready = await conn.session(I.GUILDS | I.GUILD_MESSAGES | I.MESSAGE_CONTENT)  # s 1, 2
    for n in range(5):
        m.create_message(small.general, small.alice.id, f"m{n}")  # s 3..7
    assert len(await conn.sync()) == 5
    await conn.ws.close(code=4000)
    # The buffer holds s 3..7: a client that saw s 2 can be replayed; one that saw 1 not.
    assert await _resume(small, ready["session_id"], 1) == INVALID_SESSION
    conn = await small.connect()
    ready = await conn.session(I.GUILDS | I.GUILD_MESSAGES | I.MESSAGE_CONTENT)
    for n in range(5):
        m.create_message(small.general, small.alice.id, f"m{n}")
    await conn.sync()
    await conn.ws.close(code=4000)
    again = await small.connect()
    await again.send(6, {"token": small.token, "session_id": ready["session_id"], "seq": 2})
    replay = [await again.dispatch() for _ in range(6)]
    assert [(p["t"], p["s"]) for p in replay] == [
        *[("MESSAGE_CREATE", s) for s in range(3, 8)], ("RESUMED", 8)]
    await again.close()


async def test_a_session_keeps_a_bounded_size_of_dispatches(small: World) -> None:
    m = small.model
    conn = await small.connect()
    ready = await conn.session(I.GUILDS | I.GUILD_MESSAGES | I.MESSAGE_CONTENT)
    seen = conn.seq or 0
    await conn.ws.close(code=4000)
    # Missed while away: four messages of ~2.3 KB each are more than the 8 KiB it keeps
    # (though fewer than the 5 dispatches).
    for letter in "wxyz":
        m.create_message(small.general, small.alice.id, letter * 1900)
    assert await _resume(small, ready["session_id"], seen) == INVALID_SESSION
    # Two fit.
    conn = await small.connect()
    ready = await conn.session(I.GUILDS | I.GUILD_MESSAGES | I.MESSAGE_CONTENT)
    seen = conn.seq or 0
    await conn.ws.close(code=4000)
    for letter in "yz":
        m.create_message(small.general, small.alice.id, letter * 1900)
    again = await small.connect()
    await again.send(6, {"token": small.token, "session_id": ready["session_id"],
                         "seq": seen})
    replay = [await again.dispatch() for _ in range(3)]
    assert [p["t"] for p in replay] == ["MESSAGE_CREATE", "MESSAGE_CREATE", "RESUMED"]
    assert [p["d"]["content"] for p in replay[:2]] == ["y" * 1900, "z" * 1900]
    await again.close()


async def test_paused_sessions_share_one_log_and_catch_up_on_resume(world: World) -> None:
    """Two shards and a session without MESSAGE_CONTENT, all paused: each dispatch is
    filed once, and each session is replayed what it would have been sent."""
    m = world.model
    other = m.create_guild("Other", world.alice.id, guild_id=(5001 << 22) | 1)  # shard 1
    m.add_member(other, m.bot.id)
    other_chat = m.create_channel(other, "chat")
    wanted = I.GUILDS | I.GUILD_MESSAGES | I.DIRECT_MESSAGES
    conns, ready = [], []
    for intents, shard in ((wanted | I.MESSAGE_CONTENT, [0, 2]),
                           (wanted | I.MESSAGE_CONTENT, [1, 2]), (wanted, [0, 1])):
        conns.append(await world.connect())
        ready.append(await conns[-1].session(intents, shard=shard))
    seqs = [c.seq for c in conns]
    buffered = [len(world.twin.hub.sessions[r["session_id"]].replay.items) for r in ready]
    for conn in conns:
        await conn.ws.close(code=4000)
    m.create_message(world.general, world.alice.id, "on shard 0")
    m.create_message(other_chat, world.alice.id, "on shard 1")
    m.create_message(m.open_dm(m.bot.id, world.alice.id), world.alice.id, "a DM")
    hub = world.twin.hub
    assert len(hub.log.entries) == 3  # once each, not once per paused session
    assert [len(hub.sessions[r["session_id"]].replay.items) for r in ready] == buffered
    got = []
    for r, seq in zip(ready, seqs, strict=True):
        again = await world.connect()
        await again.send(6, {"token": world.token, "session_id": r["session_id"],
                             "seq": seq})
        replay = []
        while (payload := await again.dispatch())["t"] != "RESUMED":
            replay.append(payload["d"]["content"])
        got.append(replay)
        await again.close()
    # The unsharded session without MESSAGE_CONTENT gets both guilds' messages, emptied.
    assert got == [["on shard 0", "a DM"], ["on shard 1"], ["", "", "a DM"]]
    assert not hub.paused and not hub.log.entries


async def test_an_invalid_seq_closes_4007_and_ends_the_session(world: World) -> None:
    for seq in (3, 99, -1):  # READY and GUILD_CREATE were s 1 and 2
        conn = await world.connect()
        ready = await conn.session(I.GUILDS)
        await conn.ws.close(code=4000)
        again = await world.connect()
        await again.send(6, {"token": world.token, "session_id": ready["session_id"],
                             "seq": seq})
        assert await again.closed_by() == (4007, "Invalid seq.")
        assert await _resume(world, ready["session_id"], 2) == INVALID_SESSION


def test_gateway_limits_refuse_nonsense() -> None:
    for bad in ({"resume_window": 0}, {"resumable_sessions": 0}, {"replay_events": -1},
                {"replay_bytes": 1.5}, {"resumable_sessions": True}):
        with pytest.raises(ValueError, match="must be"):
            GatewayLimits(**bad)
