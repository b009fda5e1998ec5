"""Discord's rules for a post live in the model: server-less, whoever asks (REST, the
backend, the admin API), the same checks run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wiretwin.discord.model import (
    Application,
    Attachment,
    ChannelType,
    DiscordError,
    DiscordModel,
    Overwrite,
    StorageLimits,
    User,
)
from wiretwin.discord.permissions import Permission
from wiretwin.runtime.clock import VirtualClock


class Dispatches:
    """The model's outlet: what it would tell the gateway."""

    def __init__(self) -> None:
        self.events: list[str] = []
        #: The times the model asked to be woken at (a poll's end).
        self.wakeups: list[float] = []

    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None,
                 user_ids: frozenset[int] | None = None) -> None:
        self.events.append(event)

    def guild_joined(self, guild_id: int) -> None:
        self.events.append("GUILD_CREATE")

    def wake_at(self, when_ms: float) -> None:
        self.wakeups.append(when_ms)


@pytest.fixture
def world() -> tuple[DiscordModel, Dispatches]:
    bot, owner = User(1, "bot", bot=True), User(2, "owner")
    effects = Dispatches()
    model = DiscordModel(effects, VirtualClock(), Application(1, "app", bot, owner, "t"))
    guild = model.create_guild("g", owner.id)
    model.add_member(guild, bot.id)
    alice = model.add_user("alice")
    model.add_member(guild, alice.id)
    return model, effects


def _channel(model: DiscordModel, kind: ChannelType = ChannelType.GUILD_TEXT,
             deny: Permission | None = None) -> Any:
    guild = next(iter(model.guilds.values()))
    overwrites = [Overwrite(guild.id, 0, deny=int(deny))] if deny is not None else []
    return model.create_channel(guild, f"c{len(model.channels)}", kind, overwrites=overwrites)


def _alice(model: DiscordModel) -> int:
    return next(u.id for u in model.users.values() if u.username == "alice")


@pytest.mark.parametrize("kind", [ChannelType.GUILD_CATEGORY, ChannelType.GUILD_FORUM,
                                  ChannelType.GUILD_MEDIA])
def test_a_channel_without_messages_refuses_a_post_with_50008(
        world: tuple[DiscordModel, Dispatches], kind: ChannelType) -> None:
    model, effects = world
    channel = _channel(model, kind)
    for author in (model.bot.id, _alice(model)):
        with pytest.raises(DiscordError) as refused:
            model.post_message(channel, author, "hi")
        assert (refused.value.status, refused.value.code) == (400, 50008)
    assert "MESSAGE_CREATE" not in effects.events


@pytest.mark.parametrize("kind", [ChannelType.GUILD_TEXT, ChannelType.GUILD_VOICE,
                                  ChannelType.GUILD_STAGE_VOICE,
                                  ChannelType.GUILD_ANNOUNCEMENT])
def test_text_and_the_text_chat_of_voice_channels_take_posts(
        world: tuple[DiscordModel, Dispatches], kind: ChannelType) -> None:
    model, effects = world
    message = model.post_message(_channel(model, kind), _alice(model), "hi")
    assert message.content == "hi" and effects.events[-1] == "MESSAGE_CREATE"


@pytest.mark.parametrize(("deny", "post", "code"), [
    (Permission.VIEW_CHANNEL, {}, 50001),
    (Permission.SEND_MESSAGES, {}, 50013),
    (Permission.ATTACH_FILES, {"attachments": [Attachment(9, "a.txt", 1, "text/plain", "",
                                                          b"a")]}, 50013),
    (Permission.READ_MESSAGE_HISTORY, {"reference": {"message_id": "5"}}, 50013),
])
def test_the_author_needs_the_permissions_a_post_takes(
        world: tuple[DiscordModel, Dispatches], deny: Permission, post: dict[str, Any],
        code: int) -> None:
    model, _ = world
    channel = _channel(model, deny=deny)
    with pytest.raises(DiscordError) as refused:
        model.post_message(channel, _alice(model), "hi", **post)
    assert (refused.value.status, refused.value.code) == (403, code)


def test_permission_checks_can_be_waived_but_not_the_channel_rules(
        world: tuple[DiscordModel, Dispatches]) -> None:
    model, _ = world
    muted = _channel(model, deny=Permission.SEND_MESSAGES)
    assert model.post_message(muted, _alice(model), "hi", check_permissions=False).id
    with pytest.raises(DiscordError) as refused:
        model.post_message(_channel(model, ChannelType.GUILD_CATEGORY), _alice(model), "hi",
                           check_permissions=False)
    assert refused.value.code == 50008


def test_more_than_ten_embeds_is_a_form_error_on_embeds(
        world: tuple[DiscordModel, Dispatches]) -> None:
    model, _ = world
    with pytest.raises(DiscordError) as refused:
        model.post_message(_channel(model), model.bot.id, embeds=[{"title": "e"}] * 11)
    assert refused.value.code == 50035
    assert refused.value.to_json()["errors"]["embeds"]["_errors"][0]["code"] == \
        "BASE_TYPE_MAX_LENGTH"


def test_a_bot_cannot_dm_another_bot_but_a_user_can(
        world: tuple[DiscordModel, Dispatches]) -> None:
    model, _ = world
    other_bot = model.add_user("other", bot=True)
    with pytest.raises(DiscordError) as refused:
        model.post_message(model.open_dm(model.bot.id, other_bot.id), model.bot.id, "hi")
    assert (refused.value.status, refused.value.code) == (403, 50007)
    alice = _alice(model)
    assert model.post_message(model.open_dm(alice, other_bot.id), alice, "hi").id


def test_the_role_hierarchy_is_the_model_s(world: tuple[DiscordModel, Dispatches]) -> None:
    model, _ = world
    guild = next(iter(model.guilds.values()))
    low, high = model.create_role(guild, "low"), model.create_role(guild, "high")
    model.move_roles(guild, [(low.id, 1), (high.id, 2)])
    alice = _alice(model)
    model.add_member_role(guild, model.member(guild, model.bot.id), low.id)
    model.add_member_role(guild, model.member(guild, alice), high.id)
    refusals: list[Callable[[], None]] = [
        lambda: model.require_outranks(guild, model.bot.id, alice),
        lambda: model.require_outranks(guild, alice, guild.owner_id),
        lambda: model.require_role_manageable(guild, model.bot.id, high.id),
        lambda: model.require_role_manageable(guild, model.bot.id, low.id)]
    for refused in refusals:
        with pytest.raises(DiscordError) as caught:
            refused()
        assert caught.value.code == 50013
    model.require_outranks(guild, alice, model.bot.id)
    model.require_role_manageable(guild, alice, low.id)


def test_history_keeps_the_newest_messages_and_upload_bytes(
        world: tuple[DiscordModel, Dispatches]) -> None:
    bot, owner = User(1, "bot", bot=True), User(2, "owner")
    limits = StorageLimits(messages_per_channel=3, attachment_bytes=10)
    model = DiscordModel(Dispatches(), VirtualClock(), Application(1, "app", bot, owner, "t"),
                         storage_limits=limits)
    guild = model.create_guild("g", owner.id)
    channel = model.create_channel(guild, "c")
    files = [Attachment(100 + n, f"{n}.bin", 6, None, "", b"x" * 6) for n in range(3)]
    posted = [model.create_message(channel, owner.id, f"m{n}",
                                   attachments=[files[n]] if n < 3 else None)
              for n in range(5)]
    assert [m.content for m in model.history(channel, limit=100)] == ["m4", "m3", "m2"]
    with pytest.raises(DiscordError) as forgotten:
        model.message(channel, posted[0].id)
    assert forgotten.value.code == 10008
    assert [f.expired for f in files] == [True, True, False]  # 18 bytes > 10: two go
    assert files[2].data == b"x" * 6 and model.storage.upload_bytes == 6
    with pytest.raises(ValueError, match="messages_per_channel"):
        StorageLimits(messages_per_channel=0)
