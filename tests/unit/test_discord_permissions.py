"""Discord's permission algorithm, rule by rule (developers/topics/permissions.mdx).

Three layers: the pure functions (:func:`base_permissions`, :func:`apply_overwrites`),
the model (``DiscordModel.permissions``/``require``, overwrites and timeouts on the twin's
clock), and the REST routes where the role hierarchy applies (kick, ban, nick, role
assignment and role edits above the bot's highest role answer 403 50013).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from wiretwin.discord.backend import BackendError
from wiretwin.discord.model import Channel, ChannelType, DiscordError, DiscordModel, Guild, User
from wiretwin.discord.permissions import (
    ALL,
    DEFAULT_EVERYONE,
    TIMED_OUT_KEEPS,
    Permission,
    apply_overwrites,
    base_permissions,
    permission_named,
)
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.clock import VirtualClock

P = Permission
NONE = 0

# -- the documented flag values ---------------------------------------------------------

#: The "Bitwise Permission Flags" table of developers/topics/permissions.mdx.
DOCUMENTED = {
    "CREATE_INSTANT_INVITE": 0, "KICK_MEMBERS": 1, "BAN_MEMBERS": 2, "ADMINISTRATOR": 3,
    "MANAGE_CHANNELS": 4, "MANAGE_GUILD": 5, "ADD_REACTIONS": 6, "VIEW_AUDIT_LOG": 7,
    "PRIORITY_SPEAKER": 8, "STREAM": 9, "VIEW_CHANNEL": 10, "SEND_MESSAGES": 11,
    "SEND_TTS_MESSAGES": 12, "MANAGE_MESSAGES": 13, "EMBED_LINKS": 14, "ATTACH_FILES": 15,
    "READ_MESSAGE_HISTORY": 16, "MENTION_EVERYONE": 17, "USE_EXTERNAL_EMOJIS": 18,
    "VIEW_GUILD_INSIGHTS": 19, "CONNECT": 20, "SPEAK": 21, "MUTE_MEMBERS": 22,
    "DEAFEN_MEMBERS": 23, "MOVE_MEMBERS": 24, "USE_VAD": 25, "CHANGE_NICKNAME": 26,
    "MANAGE_NICKNAMES": 27, "MANAGE_ROLES": 28, "MANAGE_WEBHOOKS": 29,
    "MANAGE_GUILD_EXPRESSIONS": 30, "USE_APPLICATION_COMMANDS": 31, "REQUEST_TO_SPEAK": 32,
    "MANAGE_EVENTS": 33, "MANAGE_THREADS": 34, "CREATE_PUBLIC_THREADS": 35,
    "CREATE_PRIVATE_THREADS": 36, "USE_EXTERNAL_STICKERS": 37,
    "SEND_MESSAGES_IN_THREADS": 38, "USE_EMBEDDED_ACTIVITIES": 39, "MODERATE_MEMBERS": 40,
    "VIEW_CREATOR_MONETIZATION_ANALYTICS": 41, "USE_SOUNDBOARD": 42,
    "CREATE_GUILD_EXPRESSIONS": 43, "CREATE_EVENTS": 44, "USE_EXTERNAL_SOUNDS": 45,
    "SEND_VOICE_MESSAGES": 46, "SET_VOICE_CHANNEL_STATUS": 48, "SEND_POLLS": 49,
    "USE_EXTERNAL_APPS": 50, "PIN_MESSAGES": 51, "BYPASS_SLOWMODE": 52,
}


def test_every_documented_flag_has_its_documented_bit() -> None:
    assert {p.name: p.value.bit_length() - 1 for p in Permission} == DOCUMENTED
    assert int(ALL) == sum(1 << bit for bit in DOCUMENTED.values())


def test_the_documented_bitwise_example() -> None:
    # "Permissions value that can Send Messages (0x800) and Add Reactions (0x40): 2112"
    permissions = P.ADD_REACTIONS | P.SEND_MESSAGES
    assert int(permissions) == 2112
    assert permissions & P.ADD_REACTIONS and permissions & P.SEND_MESSAGES
    assert not permissions & P.KICK_MEMBERS


# -- base permissions (guild level) -----------------------------------------------------


def test_the_owner_has_everything_whatever_the_roles() -> None:
    assert base_permissions(is_owner=True, everyone=NONE, roles=[]) == ALL
    assert base_permissions(is_owner=False, everyone=NONE, roles=[]) == 0


def test_everyone_and_every_role_are_ored() -> None:
    base = base_permissions(is_owner=False, everyone=P.VIEW_CHANNEL,
                            roles=[P.SEND_MESSAGES, P.KICK_MEMBERS | P.BAN_MEMBERS])
    assert base == P.VIEW_CHANNEL | P.SEND_MESSAGES | P.KICK_MEMBERS | P.BAN_MEMBERS


def test_administrator_from_any_role_is_everything() -> None:
    assert base_permissions(is_owner=False, everyone=P.VIEW_CHANNEL,
                            roles=[P.SEND_MESSAGES, P.ADMINISTRATOR]) == ALL
    assert base_permissions(is_owner=False, everyone=P.ADMINISTRATOR, roles=[]) == ALL


# -- overwrites (channel level) ----------------------------------------------------------

TEXT = P.VIEW_CHANNEL | P.SEND_MESSAGES | P.READ_MESSAGE_HISTORY | P.ADD_REACTIONS


def overwrite(base: int, *, everyone: tuple[int, int] | None = None,
              roles: list[tuple[int, int]] | None = None,
              member: tuple[int, int] | None = None, voice: bool = False,
              timed_out: bool = False) -> Permission:
    return apply_overwrites(P(base), everyone=everyone, roles=roles or [], member=member,
                            voice=voice, timed_out=timed_out)


def test_no_overwrites_leave_the_base() -> None:
    assert overwrite(TEXT) == TEXT


def test_administrator_bypasses_every_overwrite() -> None:
    denied = (NONE, int(ALL))
    assert overwrite(ALL, everyone=denied, roles=[denied], member=denied) == ALL
    assert overwrite(P.ADMINISTRATOR | P.VIEW_CHANNEL, everyone=denied) == ALL


def test_everyone_deny_then_everyone_allow() -> None:
    assert overwrite(TEXT, everyone=(NONE, P.SEND_MESSAGES)) == TEXT & ~P.SEND_MESSAGES
    assert overwrite(TEXT & ~P.MANAGE_MESSAGES, everyone=(P.MANAGE_MESSAGES, NONE)) == (
        TEXT | P.MANAGE_MESSAGES)
    # The same bit denied and allowed: the allow is applied after the deny.
    assert overwrite(TEXT & ~P.SEND_MESSAGES,
                     everyone=(P.SEND_MESSAGES, P.SEND_MESSAGES)) == TEXT


def test_role_overwrites_come_after_everyone() -> None:
    # @everyone allows SEND_MESSAGES, a role denies it: the role wins.
    assert overwrite(TEXT, everyone=(P.SEND_MESSAGES, NONE),
                     roles=[(NONE, P.SEND_MESSAGES)]) == TEXT & ~P.SEND_MESSAGES
    # @everyone denies it, a role allows it: the role wins again.
    assert overwrite(TEXT, everyone=(NONE, P.SEND_MESSAGES),
                     roles=[(P.SEND_MESSAGES, NONE)]) == TEXT


def test_role_allows_beat_role_denies_whatever_the_role_order() -> None:
    """The documented example: role A denies VIEW_CHANNEL on #coolstuff, role B allows it;
    the user sees #coolstuff, regardless of the role positions."""
    a, b = (NONE, int(P.VIEW_CHANNEL)), (int(P.VIEW_CHANNEL), NONE)
    assert overwrite(TEXT, roles=[a, b]) & P.VIEW_CHANNEL
    assert overwrite(TEXT, roles=[b, a]) & P.VIEW_CHANNEL
    assert overwrite(TEXT, roles=[a]) == 0


def test_role_allows_and_denies_are_each_ored_across_roles() -> None:
    got = overwrite(P.VIEW_CHANNEL | P.ADD_REACTIONS | P.READ_MESSAGE_HISTORY,
                    roles=[(P.SEND_MESSAGES, P.ADD_REACTIONS),
                           (P.MANAGE_MESSAGES, P.READ_MESSAGE_HISTORY)])
    assert got == P.VIEW_CHANNEL | P.SEND_MESSAGES | P.MANAGE_MESSAGES


def test_member_overwrite_comes_last_deny_then_allow() -> None:
    # A role allows SEND_MESSAGES; the member's own deny wins over it.
    assert overwrite(TEXT & ~P.SEND_MESSAGES, roles=[(P.SEND_MESSAGES, NONE)],
                     member=(NONE, P.SEND_MESSAGES)) == TEXT & ~P.SEND_MESSAGES
    # A role denies it; the member's own allow wins over that.
    assert overwrite(TEXT, roles=[(NONE, P.SEND_MESSAGES)],
                     member=(P.SEND_MESSAGES, NONE)) == TEXT
    # The member denies and allows the same bit: allowed.
    assert overwrite(TEXT, member=(P.SEND_MESSAGES, P.SEND_MESSAGES)) == TEXT


def test_the_eight_steps_in_order() -> None:
    """Each step undoes the one before it, so only the documented order gives this."""
    perms = overwrite(P.VIEW_CHANNEL | P.SEND_MESSAGES,
                      everyone=(P.ADD_REACTIONS, P.SEND_MESSAGES),         # steps 3, 4
                      roles=[(P.SEND_MESSAGES, P.ADD_REACTIONS)],          # steps 5, 6
                      member=(P.ADD_REACTIONS, P.SEND_MESSAGES))           # steps 7, 8
    assert perms == P.VIEW_CHANNEL | P.ADD_REACTIONS


def test_without_view_channel_nothing_remains() -> None:
    assert overwrite(TEXT | P.MANAGE_MESSAGES, everyone=(NONE, P.VIEW_CHANNEL)) == 0
    # Even permissions allowed explicitly on the channel.
    assert overwrite(TEXT, member=(P.SEND_MESSAGES | P.MANAGE_MESSAGES, P.VIEW_CHANNEL)) == 0


def test_without_send_messages_its_dependants_go() -> None:
    needs_send = P.MENTION_EVERYONE | P.SEND_TTS_MESSAGES | P.ATTACH_FILES | P.EMBED_LINKS
    base = TEXT | needs_send
    got = overwrite(base, everyone=(NONE, P.SEND_MESSAGES))
    assert got == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY | P.ADD_REACTIONS
    assert overwrite(base) == base  # with SEND_MESSAGES they stay
    # Voice channels have a text chat: the same rule holds there.
    assert not overwrite(base | P.CONNECT, everyone=(NONE, P.SEND_MESSAGES),
                         voice=True) & needs_send


def test_voice_without_connect_loses_the_voice_permissions() -> None:
    voice = (P.VIEW_CHANNEL | P.CONNECT | P.SPEAK | P.STREAM | P.USE_VAD | P.MUTE_MEMBERS
             | P.DEAFEN_MEMBERS | P.MOVE_MEMBERS | P.PRIORITY_SPEAKER | P.MANAGE_CHANNELS)
    assert overwrite(voice, voice=True) == voice
    # The docs: "denying the CONNECT permission also implicitly denies other permissions
    # such as MANAGE_CHANNEL".
    assert overwrite(voice, everyone=(NONE, P.CONNECT), voice=True) == P.VIEW_CHANNEL
    # A text channel does not care about CONNECT.
    assert overwrite(voice, everyone=(NONE, P.CONNECT)) == voice & ~P.CONNECT


def test_timed_out_keeps_only_view_and_history() -> None:
    assert TIMED_OUT_KEEPS == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY
    everything = int(ALL & ~P.ADMINISTRATOR)
    assert overwrite(everything, timed_out=True) == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY
    assert overwrite(P.VIEW_CHANNEL | P.SEND_MESSAGES, timed_out=True) == P.VIEW_CHANNEL
    assert overwrite(everything, everyone=(NONE, P.VIEW_CHANNEL), timed_out=True) == 0


def test_administrators_are_exempt_from_timeouts() -> None:
    assert overwrite(ALL, timed_out=True) == ALL
    assert overwrite(P.ADMINISTRATOR, timed_out=True) == ALL


# -- the model ------------------------------------------------------------------------


class World:
    """A guild owned by alice, with the bot, bob and roles to play with, on a virtual clock."""

    def __init__(self) -> None:
        self.clock = VirtualClock(start=1_700_000_000.0)
        self.twin = DiscordTwin(clock=self.clock)
        self.model: DiscordModel = self.twin.model
        m = self.model
        self.alice = m.add_user("alice")
        self.bob = m.add_user("bob")
        self.guild: Guild = m.create_guild("G", self.alice.id)
        m.add_member(self.guild, m.bot.id)
        m.add_member(self.guild, self.bob.id)
        self.text: Channel = m.create_channel(self.guild, "general")
        self.voice: Channel = m.create_channel(self.guild, "Lounge", ChannelType.GUILD_VOICE)

    def perms(self, user: User, channel: Channel | None = None) -> Permission:
        return self.model.permissions(channel or self.text, user.id)

    def set_everyone(self, permissions: int) -> None:
        self.guild.everyone.permissions = int(permissions)

    def deny(self, target: int, kind: int, deny: int, allow: int = 0,
             channel: Channel | None = None) -> None:
        self.model.set_overwrite(channel or self.text, target, kind, allow, deny)

    def time_out(self, user: User, seconds: float) -> None:
        until = datetime.fromtimestamp(self.clock.time() + seconds, UTC).isoformat()
        member = self.guild.members[user.id]
        self.model.update_member(self.guild, member, {"communication_disabled_until": until})


@pytest.fixture
def world() -> World:
    return World()


def test_model_everyone_role_is_the_base(world: World) -> None:
    assert world.perms(world.bob) == DEFAULT_EVERYONE
    world.set_everyone(P.VIEW_CHANNEL)
    assert world.perms(world.bob) == P.VIEW_CHANNEL


def test_model_roles_are_ored_with_everyone(world: World) -> None:
    m = world.model
    world.set_everyone(P.VIEW_CHANNEL)
    kick = m.create_role(world.guild, "kick", int(P.KICK_MEMBERS))
    send = m.create_role(world.guild, "send", int(P.SEND_MESSAGES))
    m.update_member(world.guild, world.guild.members[world.bob.id],
                    {"roles": [str(kick.id), str(send.id)]})
    assert m.guild_permissions(world.guild, world.bob.id) == (
        P.VIEW_CHANNEL | P.KICK_MEMBERS | P.SEND_MESSAGES)
    assert world.perms(world.bob) == P.VIEW_CHANNEL | P.KICK_MEMBERS | P.SEND_MESSAGES


def test_model_owner_has_everything_despite_overwrites(world: World) -> None:
    world.set_everyone(NONE)
    world.deny(world.guild.id, 0, int(P.VIEW_CHANNEL))
    world.deny(world.alice.id, 1, int(ALL))
    assert world.perms(world.alice) == ALL
    assert world.perms(world.bob) == 0


def test_model_administrator_role_bypasses_overwrites(world: World) -> None:
    m = world.model
    admin = m.create_role(world.guild, "admin", int(P.ADMINISTRATOR))
    m.add_member_role(world.guild, world.guild.members[world.bob.id], admin.id)
    world.deny(world.guild.id, 0, int(P.VIEW_CHANNEL))
    world.deny(admin.id, 0, int(ALL))
    world.deny(world.bob.id, 1, int(ALL))
    assert world.perms(world.bob) == ALL


def test_model_overwrites_apply_in_discords_order(world: World) -> None:
    m = world.model
    a = m.create_role(world.guild, "A")
    b = m.create_role(world.guild, "B")
    c = m.create_role(world.guild, "C")  # bob does not have it: its overwrite is ignored
    m.update_member(world.guild, world.guild.members[world.bob.id],
                    {"roles": [str(a.id), str(b.id)]})
    world.deny(world.guild.id, 0, int(P.VIEW_CHANNEL))
    assert world.perms(world.bob) == 0
    world.deny(a.id, 0, NONE, allow=int(P.VIEW_CHANNEL))
    assert world.perms(world.bob) & P.VIEW_CHANNEL
    world.deny(b.id, 0, int(P.VIEW_CHANNEL))  # A allows, B denies: the allow wins
    assert world.perms(world.bob) & P.VIEW_CHANNEL
    world.deny(c.id, 0, NONE, allow=int(P.MANAGE_MESSAGES))
    assert not world.perms(world.bob) & P.MANAGE_MESSAGES
    world.deny(world.bob.id, 1, int(P.VIEW_CHANNEL))  # the member's own deny: last word
    assert world.perms(world.bob) == 0
    world.deny(world.bob.id, 1, int(P.VIEW_CHANNEL), allow=int(P.VIEW_CHANNEL))
    assert world.perms(world.bob) & P.VIEW_CHANNEL
    # The other channel has none of these overwrites.
    other = m.create_channel(world.guild, "other")
    assert world.perms(world.bob, other) == DEFAULT_EVERYONE


def test_model_member_overwrite_only_for_that_member(world: World) -> None:
    world.deny(world.bob.id, 1, int(P.SEND_MESSAGES))
    assert not world.perms(world.bob) & P.SEND_MESSAGES
    assert not world.perms(world.bob) & P.ATTACH_FILES  # implicitly, with SEND_MESSAGES
    assert world.model.permissions(world.text, world.model.bot.id) & P.SEND_MESSAGES


def test_model_voice_channel_without_connect(world: World) -> None:
    assert world.perms(world.bob, world.voice) & P.SPEAK
    world.deny(world.guild.id, 0, int(P.CONNECT), channel=world.voice)
    perms = world.perms(world.bob, world.voice)
    assert perms & P.VIEW_CHANNEL
    assert not perms & (P.CONNECT | P.SPEAK | P.USE_VAD | P.STREAM)


def test_model_non_member_and_dm_permissions(world: World) -> None:
    m = world.model
    carol = m.add_user("carol")
    assert world.perms(carol) == 0
    dm = m.open_dm(m.bot.id, carol.id)
    assert m.permissions(dm, carol.id) & P.SEND_MESSAGES
    assert m.permissions(dm, world.bob.id) == 0


async def test_model_timeout_keeps_only_view_and_history_until_it_ends(world: World) -> None:
    m = world.model
    world.time_out(world.bob, 60)
    assert world.perms(world.bob) == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY
    assert world.perms(world.bob, world.voice) == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY
    with pytest.raises(DiscordError) as raised:
        m.require(world.text, world.bob.id, P.SEND_MESSAGES)
    assert (raised.value.status, raised.value.code) == (403, 50013)
    m.require(world.text, world.bob.id, P.READ_MESSAGE_HISTORY)
    with pytest.raises(DiscordError):
        m.require_guild(world.guild, world.bob.id, P.CHANGE_NICKNAME)
    await world.clock.advance(61)
    assert world.perms(world.bob) == DEFAULT_EVERYONE
    m.require_guild(world.guild, world.bob.id, P.CHANGE_NICKNAME)


def test_model_owner_and_admin_are_exempt_from_timeouts(world: World) -> None:
    m = world.model
    world.time_out(world.alice, 60)
    assert world.perms(world.alice) == ALL
    admin = m.create_role(world.guild, "admin", int(P.ADMINISTRATOR))
    m.add_member_role(world.guild, world.guild.members[world.bob.id], admin.id)
    world.time_out(world.bob, 60)
    assert world.perms(world.bob) == ALL
    m.require_guild(world.guild, world.bob.id, P.KICK_MEMBERS)


def test_model_require_answers_missing_access_then_missing_permissions(world: World) -> None:
    m = world.model
    world.deny(world.bob.id, 1, int(P.SEND_MESSAGES))
    with pytest.raises(DiscordError) as raised:
        m.require(world.text, world.bob.id, P.SEND_MESSAGES)
    assert raised.value.to_json() == {"message": "Missing Permissions", "code": 50013}
    world.deny(world.bob.id, 1, int(P.VIEW_CHANNEL))
    with pytest.raises(DiscordError) as raised:
        m.require(world.text, world.bob.id)
    assert raised.value.to_json() == {"message": "Missing Access", "code": 50001}


def test_model_top_role_position(world: World) -> None:
    m = world.model
    assert m.top_role_position(world.guild, world.bob.id) == 0  # @everyone only
    low = m.create_role(world.guild, "low")
    high = m.create_role(world.guild, "high")
    m.update_member(world.guild, world.guild.members[world.bob.id],
                    {"roles": [str(low.id), str(high.id)]})
    assert m.top_role_position(world.guild, world.bob.id) == high.position > low.position
    assert m.top_role_position(world.guild, world.alice.id) > high.position  # the owner
    assert m.top_role_position(world.guild, m.add_user("carol").id) == -1


# -- the role hierarchy over REST -----------------------------------------------------


class Rest:
    def __init__(self, twin: DiscordTwin, http: aiohttp.ClientSession) -> None:
        self.twin = twin
        self.http = http
        m = twin.model
        self.model = m
        self.owner = m.add_user("owner")
        self.low_user = m.add_user("low")
        self.high_user = m.add_user("high")
        self.peer_user = m.add_user("peer")
        self.guild = m.create_guild("Hierarchy", self.owner.id)
        g = self.guild
        g.everyone.permissions = int(P.VIEW_CHANNEL | P.SEND_MESSAGES)
        # Positions: low 1 < bot 2 < high 3.
        self.low_role = m.create_role(g, "low", int(P.VIEW_CHANNEL))
        self.bot_role = m.create_role(g, "bot", int(
            P.KICK_MEMBERS | P.BAN_MEMBERS | P.MANAGE_ROLES | P.MANAGE_NICKNAMES
            | P.MODERATE_MEMBERS | P.VIEW_CHANNEL | P.SEND_MESSAGES))
        self.high_role = m.create_role(g, "high", int(P.VIEW_CHANNEL))
        m.add_member(g, m.bot.id, roles=[self.bot_role.id])
        m.add_member(g, self.low_user.id, roles=[self.low_role.id])
        m.add_member(g, self.high_user.id, roles=[self.high_role.id])
        m.add_member(g, self.peer_user.id, roles=[self.bot_role.id])

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bot {self.twin.application.token}"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        async with self.http.request(method, self.twin.http_url("/api/v10" + path),
                                     headers=headers, data=data) as response:
            raw = await response.read()
            return response.status, json.loads(raw) if raw else None

    def member(self, user: User) -> str:
        return f"/guilds/{self.guild.id}/members/{user.id}"


FORBIDDEN = (403, {"message": "Missing Permissions", "code": 50013})


@pytest.fixture
async def rest() -> AsyncIterator[Rest]:
    async with DiscordTwin(clock=VirtualClock()) as twin, aiohttp.ClientSession() as http:
        yield Rest(twin, http)


async def test_rest_kick_only_below_the_bots_top_role(rest: Rest) -> None:
    g = rest.guild
    assert await rest.call("DELETE", rest.member(rest.high_user)) == FORBIDDEN
    assert await rest.call("DELETE", rest.member(rest.peer_user)) == FORBIDDEN  # same rank
    assert await rest.call("DELETE", rest.member(rest.owner)) == FORBIDDEN
    assert rest.high_user.id in g.members and rest.peer_user.id in g.members
    assert await rest.call("DELETE", rest.member(rest.low_user)) == (204, None)
    assert rest.low_user.id not in g.members


async def test_rest_kick_needs_kick_members(rest: Rest) -> None:
    rest.bot_role.permissions &= ~int(P.KICK_MEMBERS)
    assert await rest.call("DELETE", rest.member(rest.low_user)) == FORBIDDEN
    assert rest.low_user.id in rest.guild.members


async def test_rest_administrator_still_obeys_the_hierarchy(rest: Rest) -> None:
    rest.bot_role.permissions = int(P.ADMINISTRATOR)
    assert await rest.call("DELETE", rest.member(rest.high_user)) == FORBIDDEN
    assert await rest.call("PUT", f"/guilds/{rest.guild.id}/bans/{rest.high_user.id}",
                           {}) == FORBIDDEN
    assert await rest.call("DELETE", rest.member(rest.low_user)) == (204, None)


async def test_rest_ban_only_below_the_bots_top_role(rest: Rest) -> None:
    g = rest.guild
    bans = f"/guilds/{g.id}/bans"
    assert await rest.call("PUT", f"{bans}/{rest.high_user.id}", {}) == FORBIDDEN
    assert rest.high_user.id not in g.bans
    assert await rest.call("PUT", f"{bans}/{rest.low_user.id}", {}) == (204, None)
    assert rest.low_user.id in g.bans and rest.low_user.id not in g.members
    # A user who is not a member has no rank: banning them is allowed.
    stranger = rest.model.add_user("stranger")
    assert await rest.call("PUT", f"{bans}/{stranger.id}", {}) == (204, None)
    rest.bot_role.permissions &= ~int(P.BAN_MEMBERS)
    assert await rest.call("DELETE", f"{bans}/{stranger.id}") == FORBIDDEN


async def test_rest_nick_and_timeout_only_below_the_bots_top_role(rest: Rest) -> None:
    assert await rest.call("PATCH", rest.member(rest.high_user), {"nick": "x"}) == FORBIDDEN
    status, body = await rest.call("PATCH", rest.member(rest.low_user), {"nick": "x"})
    assert (status, body["nick"]) == (200, "x")
    until = datetime.fromtimestamp(rest.twin.clock.time() + 60, UTC).isoformat()
    assert await rest.call("PATCH", rest.member(rest.high_user),
                           {"communication_disabled_until": until}) == FORBIDDEN
    status, _ = await rest.call("PATCH", rest.member(rest.low_user),
                                {"communication_disabled_until": until})
    assert status == 200
    assert rest.guild.members[rest.low_user.id].timed_out(rest.model.now_ms)


async def test_rest_role_assignment_only_below_the_bots_top_role(rest: Rest) -> None:
    g = rest.guild
    path = rest.member(rest.low_user) + "/roles/"
    assert await rest.call("PUT", path + str(rest.high_role.id)) == FORBIDDEN
    assert await rest.call("PUT", path + str(rest.bot_role.id)) == FORBIDDEN  # its own top
    assert g.members[rest.low_user.id].roles == [rest.low_role.id]
    lower = rest.model.create_role(g, "lower")
    rest.model.move_roles(g, [(lower.id, 1), (rest.low_role.id, 2), (rest.bot_role.id, 3),
                              (rest.high_role.id, 4)])
    assert await rest.call("PUT", path + str(lower.id)) == (204, None)
    assert lower.id in g.members[rest.low_user.id].roles
    # The roles list in a member PATCH obeys the same rule.
    assert await rest.call("PATCH", rest.member(rest.low_user),
                           {"roles": [str(rest.high_role.id)]}) == FORBIDDEN
    # Removing a role above it is refused too.
    assert await rest.call("DELETE", rest.member(rest.high_user) + "/roles/"
                           + str(rest.high_role.id)) == FORBIDDEN
    assert g.members[rest.high_user.id].roles == [rest.high_role.id]


async def test_rest_role_edits_only_below_the_bots_top_role(rest: Rest) -> None:
    g = rest.guild
    roles = f"/guilds/{g.id}/roles"
    assert await rest.call("PATCH", f"{roles}/{rest.high_role.id}", {"name": "x"}) == FORBIDDEN
    assert await rest.call("DELETE", f"{roles}/{rest.high_role.id}") == FORBIDDEN
    assert rest.high_role.name == "high" and rest.high_role.id in g.roles
    status, body = await rest.call("PATCH", f"{roles}/{rest.low_role.id}", {"name": "y"})
    assert (status, body["name"]) == (200, "y")


async def test_rest_a_role_gets_only_permissions_the_bot_has(rest: Rest) -> None:
    g = rest.guild
    roles = f"/guilds/{g.id}/roles"
    assert await rest.call("POST", roles, {"name": "boss",
                                           "permissions": str(int(P.MANAGE_GUILD))}) == FORBIDDEN
    assert await rest.call("PATCH", f"{roles}/{rest.low_role.id}",
                           {"permissions": str(int(P.MANAGE_GUILD))}) == FORBIDDEN
    assert rest.low_role.permissions == int(P.VIEW_CHANNEL)
    status, body = await rest.call("PATCH", f"{roles}/{rest.low_role.id}",
                                   {"permissions": str(int(P.KICK_MEMBERS))})
    assert (status, body["permissions"]) == (200, str(int(P.KICK_MEMBERS)))


async def test_rest_roles_sort_only_below_the_bots_top_role(rest: Rest) -> None:
    g = rest.guild
    roles = f"/guilds/{g.id}/roles"
    assert await rest.call("PATCH", roles, [{"id": str(rest.high_role.id),
                                             "position": 1}]) == FORBIDDEN
    # Nor may a lower role be lifted to or above the bot's own.
    assert await rest.call("PATCH", roles, [{"id": str(rest.low_role.id),
                                             "position": rest.high_role.position}]) == FORBIDDEN
    assert rest.low_role.position < rest.bot_role.position < rest.high_role.position


def test_a_flag_by_discords_name_in_any_case_or_by_a_clients_alias() -> None:
    assert permission_named("manage_roles") is Permission.MANAGE_ROLES
    assert permission_named("MANAGE_ROLES") is Permission.MANAGE_ROLES
    # discord.py's names for flags Discord has renamed or names otherwise
    assert permission_named("manage_emojis_and_stickers") is \
        Permission.MANAGE_GUILD_EXPRESSIONS
    assert permission_named("read_messages") is Permission.VIEW_CHANNEL
    assert permission_named("create_polls") is Permission.SEND_POLLS


def test_an_unknown_flag_name_says_which_names_are_close() -> None:
    with pytest.raises(ValueError, match=r"'manage_emoji'.*manage_emojis"):
        permission_named("manage_emoji")
    with pytest.raises(ValueError, match="no Discord permission is called 'fly'"):
        permission_named("fly")


async def test_the_backend_refuses_an_unknown_permission_name_clearly() -> None:
    twin = await DiscordTwin().start()
    try:
        guild = await twin.backend.make_guild("Names")
        role = await twin.backend.make_role("Curator", guild,
                                            permissions=["manage_emojis_and_stickers"])
        assert role.permissions == Permission.MANAGE_GUILD_EXPRESSIONS
        with pytest.raises(BackendError, match="did you mean"):
            await twin.backend.make_role("Typo", guild, permissions=["manage_rolls"])
    finally:
        await twin.stop()
