"""dpytest's factories: dicts in Discord's shape that discord.py reads back into the
objects they describe (no twin involved: a client's state that never logs in)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import discord
import pytest

from wiretwin.discord.dpytest import factories


@pytest.fixture
def state() -> object:
    return discord.Client(intents=discord.Intents.all())._connection


def _guild(state: object) -> discord.Guild:
    guild_id = factories.make_id()
    everyone = factories.make_role_dict("@everyone", guild_id, position=0)
    mods = factories.make_role_dict("Mods", colour=0x3366FF, position=1, hoist=True)
    user = factories.make_user_dict("ada", 7, None)
    member = {**factories.make_member_dict(_user(state, user), [mods["id"]],
                                           joined=1_700_000_000, nick="Ada"),
              "user": user}
    data = factories.make_guild_dict(
        "Lab", owner_id=user["id"], roles=[everyone, mods], id_num=guild_id,
        channels=[factories.make_text_channel_dict("general", position=0),
                  factories.make_voice_channel_dict("talk", position=1, bitrate=64000)],
        members=[member], member_count=1)
    return discord.Guild(data=data, state=state)  # type: ignore[arg-type]


def _user(state: object, data: dict[str, object]) -> discord.User:
    return discord.User(state=state, data=data)  # type: ignore[arg-type]


def test_ids_are_growing_snowflakes_of_now() -> None:
    before = factories.generated_ids
    first, second = factories.make_id(), factories.make_id()
    assert second > first
    assert factories.generated_ids == before + 2
    made = discord.utils.snowflake_time(second)
    assert abs((made - discord.utils.utcnow()).total_seconds()) < 5


def test_a_user_dict_checks_its_discriminator(caplog: pytest.LogCaptureFixture) -> None:
    assert factories.make_user_dict("bo", 42, "abc", id_num=5)["discriminator"] == "0042"
    assert factories.make_user_dict("bo", "0042", None)["discriminator"] == "0042"
    for wrong in (0, 10000, "42", "00a1"):
        with pytest.raises(ValueError, match="discriminator"):
            factories.make_user_dict("bo", wrong, None)
    with caplog.at_level(logging.WARNING, logger="wiretwin.compat.dpytest"):
        made = factories.make_user_dict("bo", 1, None, colour=3, bot=True)
    assert "colour" not in made and made["bot"] is True
    assert "left out fields" in caplog.text and "colour" in caplog.text


def test_a_guild_from_dicts_reads_as_built(state: object) -> None:
    guild = _guild(state)
    assert guild.name == "Lab"
    assert [r.name for r in guild.roles] == ["@everyone", "Mods"]
    assert guild.get_role(guild.roles[1].id).colour.value == 0x3366FF  # type: ignore[union-attr]
    assert [c.name for c in guild.text_channels] == ["general"]
    assert guild.voice_channels[0].bitrate == 64000
    member = guild.members[0]
    assert (member.name, member.nick, member.discriminator) == ("ada", "Ada", "0007")
    assert [r.name for r in member.roles] == ["@everyone", "Mods"]
    assert member.joined_at == dt.datetime.fromtimestamp(1_700_000_000, tz=dt.UTC)


def test_a_message_from_dicts_reads_as_built(state: object) -> None:
    guild = _guild(state)
    channel, author = guild.text_channels[0], guild.members[0]
    photo = discord.Attachment(state=state, data=factories.make_attachment_dict(  # type: ignore[arg-type]
        "cat.jpg", 2048, "https://cdn.example/cat.jpg", "https://media.example/cat.jpg",
        height=600, width=800, content_type="image/jpeg"))
    data = factories.make_message_dict(channel, author, content="look", attachments=[photo],
                                       embeds=[discord.Embed(title="cat")],
                                       mentions=[author], pinned=True)
    assert data["guild_id"] == guild.id and data["member"]["nick"] == "Ada"
    message = discord.Message(state=state, channel=channel, data=data)  # type: ignore[arg-type]
    assert message.content == "look" and message.pinned
    assert isinstance(message.author, discord.Member) and message.author.nick == "Ada"
    assert (message.attachments[0].filename, message.attachments[0].width) == ("cat.jpg", 800)
    assert message.embeds[0].title == "cat"
    assert message.mentions[0].id == author.id
    assert message.created_at == discord.utils.snowflake_time(data["id"])
    assert dt.datetime.fromisoformat(data["timestamp"]) == message.created_at


def test_objects_turn_back_into_their_dicts(state: object) -> None:
    guild = _guild(state)
    data: Any = {**factories.dict_from_object(guild),
                 "channels": [factories.dict_from_object(c) for c in guild.channels],
                 "members": [factories.dict_from_object(m) for m in guild.members]}
    again = discord.Guild(data=data, state=state)  # type: ignore[arg-type]
    assert [r.name for r in again.roles] == [r.name for r in guild.roles]
    assert [c.name for c in again.channels] == [c.name for c in guild.channels]
    assert again.members[0].nick == "Ada"
    channel = guild.text_channels[0]
    overwrite = discord.PermissionOverwrite(send_messages=False)
    assert factories.dict_from_overwrite(guild.roles[1], overwrite) == {
        "id": guild.roles[1].id, "type": 0, "allow": "0",
        "deny": str(discord.Permissions(send_messages=True).value)}
    assert factories.dict_from_channel(channel)["name"] == "general"
    with pytest.raises(TypeError, match="no payload"):
        factories.dict_from_object(object())


def test_dpytest_07s_member_dict_takes_the_guild_first(state: object) -> None:
    guild = _guild(state)
    member = guild.members[0]
    data = factories.make_member_dict(guild, member, [], nick="Lovelace", voice=False)
    assert data["guild_id"] == guild.id and data["nick"] == "Lovelace"
    assert data["user"]["username"] == "ada"
    dm = factories.make_dm_channel_dict(member)
    assert dm["type"] == 1 and dm["recipients"][0]["id"] == member.id


def test_an_emoji_from_its_dict_reads_as_built(state: object) -> None:
    guild = _guild(state)
    state._add_guild(guild)  # type: ignore[attr-defined]  # an emoji finds its roles there
    mods = guild.roles[1]
    data = factories.make_emoji_dict("blob", roles=[mods.id], animated=True)
    emoji = discord.Emoji(guild=guild, state=state, data=data)  # type: ignore[arg-type]
    assert (emoji.name, emoji.animated, emoji.require_colons) == ("blob", True, True)
    assert emoji.roles == [mods] and emoji.id == data["id"]
    assert factories.dict_from_object(emoji) == data
