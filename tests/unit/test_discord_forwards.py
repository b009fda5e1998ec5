"""Forwarding in the model: a forward's reference and snapshot (taken once), who may
forward what (160014 for a message one cannot read), and what an app without
MESSAGE_CONTENT sees of a snapshot over REST and the gateway."""

from __future__ import annotations

from typing import Any

import pytest

from wiretwin.discord.errors import DiscordError
from wiretwin.discord.model import Application, DiscordModel, User
from wiretwin.discord.permissions import Permission
from wiretwin.discord.protocol.intents import hide_content
from wiretwin.runtime.clock import VirtualClock

BOT, OWNER = 1, 2


class Quiet:
    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None,
                 user_ids: frozenset[int] | None = None) -> None:
        """No session listens."""

    def guild_joined(self, guild_id: int) -> None:
        """Nor a GUILD_CREATE."""

    def wake_at(self, when_ms: float) -> None:
        """Nor timers."""


@pytest.fixture
def model() -> DiscordModel:
    bot, owner = User(BOT, "bot", bot=True), User(OWNER, "owner")
    made = DiscordModel(Quiet(), VirtualClock(start=1_750_000_000.0),
                        Application(1, "app", bot, owner, "t", flags=1 << 18))
    guild = made.create_guild("g", OWNER)
    made.add_member(guild, BOT)
    made.create_channel(guild, "general")
    return made


def forward_of(model: DiscordModel, message_id: int, channel_id: int,
               by: int = BOT) -> Any:
    channel = model.channels[channel_id]
    return model.post_message(channel, by, reference={
        "type": 1, "message_id": str(message_id), "channel_id": str(channel_id)})


def test_a_forward_carries_the_message_as_it_was(model: DiscordModel) -> None:
    (channel,) = [c for c in model.channels.values() if c.name == "general"]
    said = model.post_message(channel, OWNER, "hi <@1>", embeds=[{"title": "t"}])
    forward = forward_of(model, said.id, channel.id)
    model.edit_message(said, {"content": "edited"})
    data = model.message_json(forward)
    assert data["type"] == 0 and data["content"] == "" and data["flags"] == 1 << 14
    assert data["message_reference"] == {
        "type": 1, "channel_id": str(channel.id), "message_id": str(said.id),
        "guild_id": str(channel.guild_id)}
    assert "referenced_message" not in data
    (snapshot,) = data["message_snapshots"]
    assert snapshot["message"]["content"] == "hi <@1>"
    assert snapshot["message"]["embeds"] == [{"title": "t"}]
    assert [u["id"] for u in snapshot["message"]["mentions"]] == ["1"]
    assert snapshot["message"]["edited_timestamp"] is None
    hidden = model.message_json(forward, content_visible=False)
    assert hidden["message_snapshots"][0]["message"]["content"] == ""
    gateway = hide_content("MESSAGE_CREATE", {**data, "author": {"id": "2"}}, 0, dm=False,
                           bot_id=BOT)
    assert gateway["message_snapshots"][0]["message"]["embeds"] == []


def test_only_a_message_one_can_read_is_forwarded(model: DiscordModel) -> None:
    (channel,) = [c for c in model.channels.values() if c.name == "general"]
    said = model.post_message(channel, OWNER, "hi")
    assert channel.guild_id is not None
    everyone = model.guilds[channel.guild_id].id
    model.set_overwrite(channel, everyone, 0, 0, int(Permission.READ_MESSAGE_HISTORY))
    with pytest.raises(DiscordError) as refused:
        forward_of(model, said.id, channel.id)
    assert (refused.value.status, refused.value.code) == (400, 160014)
    model.set_overwrite(channel, everyone, 0, 0, 0)
    model.application.flags = 0  # no MESSAGE_CONTENT: the bot cannot read OWNER's content
    with pytest.raises(DiscordError, match="160014"):
        forward_of(model, said.id, channel.id)
    assert forward_of(model, said.id, channel.id, by=OWNER).snapshots[0]["content"] == "hi"


def test_a_forward_names_its_channel_and_brings_nothing_else(model: DiscordModel) -> None:
    (channel,) = [c for c in model.channels.values() if c.name == "general"]
    said = model.post_message(channel, OWNER, "hi")
    with pytest.raises(DiscordError) as nameless:
        model.post_message(channel, BOT, reference={"type": 1, "message_id": said.id})
    assert nameless.value.errors == {"message_reference": {"channel_id": {"_errors": [
        {"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}}}
    with pytest.raises(DiscordError, match="50035"):
        model.post_message(channel, BOT, "and", reference={
            "type": 1, "message_id": said.id, "channel_id": channel.id})
    with pytest.raises(DiscordError, match="50035"):
        forward_of(model, said.id + 1, channel.id)
