"""Ids a test chooses (a bot with hard-coded channel, role or guild ids): kept as given,
refused when taken or not a snowflake, and never made by the twin afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from wiretwin.discord.backend import BackendError
from wiretwin.discord.twin import DiscordTwin
from wiretwin.runtime.clock import VirtualClock

GUILD, TEXT, VOICE, CATEGORY, ROLE, USER = (
    111_111_111_111_111_111, 222_222_222_222_222_222, 333_333_333_333_333_333,
    444_444_444_444_444_444, 555_555_555_555_555_555, 666_666_666_666_666_666)


@pytest.fixture
async def twin() -> AsyncIterator[DiscordTwin]:
    twin = await DiscordTwin().start()
    yield twin
    await twin.stop()


async def test_chosen_ids_are_kept_as_given(twin: DiscordTwin) -> None:
    backend = twin.backend
    guild = await backend.make_guild("Hard-coded", guild_id=GUILD)
    category = await backend.make_category("Info", guild, channel_id=CATEGORY)
    text = await backend.make_text_channel("rules", guild, category, channel_id=TEXT)
    voice = await backend.make_voice_channel("Lounge", guild, channel_id=VOICE)
    role = await backend.make_role("Mod", guild, role_id=ROLE)
    user = await backend.make_user("fixed", user_id=USER)
    assert (guild.id, category.id, text.id, voice.id, role.id, user.id) == (
        GUILD, CATEGORY, TEXT, VOICE, ROLE, USER)
    assert text.parent_id == CATEGORY and twin.model.channels[TEXT] is text
    assert twin.model.guilds[GUILD].roles[ROLE] is role


async def test_a_taken_or_malformed_id_is_refused_with_what_holds_it(
        twin: DiscordTwin) -> None:
    backend = twin.backend
    guild = await backend.make_guild("Hard-coded", guild_id=GUILD)
    await backend.make_text_channel("rules", guild, channel_id=TEXT)
    with pytest.raises(BackendError, match=r"id \d+ is taken by the channel #rules"):
        await backend.make_voice_channel("Lounge", guild, channel_id=TEXT)
    with pytest.raises(BackendError, match="taken by the guild 'Hard-coded'"):
        await backend.make_role("Mod", guild, role_id=GUILD)
    for wrong in (0, -5, 1 << 63, True):
        with pytest.raises(BackendError, match="must be a snowflake"):
            await backend.make_user("odd", user_id=wrong)
    assert len(twin.model.guilds[GUILD].channels) == 1  # nothing half made


async def test_the_twin_never_makes_an_id_a_test_chose() -> None:
    clock = VirtualClock(start=1_700_000_000.0)
    twin = await DiscordTwin(clock=clock).start()
    try:
        ahead = twin.model.ids.next() + 1  # the id the twin would make next, or close
        guild = await twin.backend.make_guild("Clock", guild_id=ahead + 1)
        made = [(await twin.backend.make_text_channel(f"c{i}", guild)).id
                for i in range(5)]
        assert guild.id not in made and len(set(made)) == 5
    finally:
        await twin.stop()


async def test_a_message_with_a_chosen_id_and_a_refused_post_leaves_no_trace(
        twin: DiscordTwin) -> None:
    backend = twin.backend
    guild = await backend.make_guild("Posts", guild_id=GUILD)
    text = await backend.make_text_channel("news", guild, channel_id=TEXT)
    author = await backend.make_user("writer")
    await backend.make_member(author, guild)
    chosen = 777_777_777_777_777_777
    posted = await backend.send_message(text, "hello", author, message_id=chosen)
    assert posted.id == chosen and twin.model.messages[TEXT][chosen] is posted
    with pytest.raises(BackendError, match="taken by a message"):
        await backend.send_message(text, "again", author, message_id=chosen)
    with pytest.raises(BackendError):  # refused by Discord's rules: the id is not used
        await backend.send_message(text, "", author, message_id=chosen + 1)
    after = await backend.send_message(text, "next", author)
    assert after.id != chosen + 1
