"""Discord's polls in the model: a poll read from a request as Discord reads it, votes and
the events they make, voters, a poll's end (on time, when the model is woken, or early by
its author) and the POLL_RESULT message after it; and voice messages' rules."""

from __future__ import annotations

from typing import Any

import pytest

from wiretwin.discord.errors import DiscordError
from wiretwin.discord.model import (
    Application,
    Attachment,
    ChannelType,
    DiscordModel,
    Overwrite,
    User,
)
from wiretwin.discord.permissions import Permission
from wiretwin.discord.wire.fields import Form
from wiretwin.discord.wire.polls import PollRequest, read_poll
from wiretwin.runtime.clock import VirtualClock

HOUR_MS = 3_600_000


class Recorded:
    """The model's outlet: the dispatches it makes and the times it asks to be woken."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.wakeups: list[float] = []

    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None,
                 user_ids: frozenset[int] | None = None) -> None:
        self.events.append((event, data))

    def guild_joined(self, guild_id: int) -> None:
        pass

    def wake_at(self, when_ms: float) -> None:
        self.wakeups.append(when_ms)

    def named(self, *names: str) -> list[tuple[str, dict[str, Any]]]:
        return [(e, d) for e, d in self.events if e in names]


class World:
    def __init__(self) -> None:
        self.effects = Recorded()
        self.clock = VirtualClock(start=1_750_000_000.0)
        bot, owner = User(1, "bot", bot=True), User(2, "owner")
        self.model = DiscordModel(self.effects, self.clock,
                                  Application(1, "app", bot, owner, "t"))
        m = self.model
        self.guild = m.create_guild("g", owner.id)
        m.add_member(self.guild, bot.id)
        self.alice = m.add_user("alice").id
        self.bob = m.add_user("bob").id
        self.carol = m.add_user("carol").id
        for user in (self.alice, self.bob, self.carol):
            m.add_member(self.guild, user)
        self.channel = m.create_channel(self.guild, "general")

    def poll(self, **request: Any) -> PollRequest:
        body = {"question": {"text": "Tea or coffee?"},
                "answers": [{"poll_media": {"text": "Tea"}},
                            {"poll_media": {"text": "Coffee", "emoji": {"name": "☕"}}},
                            {"poll_media": {"text": "Neither"}}], **request}
        form = Form({"poll": body})
        read = read_poll(form)
        form.check()
        assert read is not None
        return read

    def post(self, author: int | None = None, **request: Any) -> Any:
        return self.model.post_message(self.channel, author or self.model.bot.id,
                                       poll=self.poll(**request))


@pytest.fixture
def world() -> World:
    return World()


def refused(call: Any) -> DiscordError:
    with pytest.raises(DiscordError) as caught:
        call()
    return caught.value


# -- making a poll ------------------------------------------------------------------------


def test_a_poll_is_numbered_and_ends_its_duration_after_its_message(world: World) -> None:
    message = world.post(duration=2.0)  # discord.py sends hours as a float
    poll = message.poll
    assert poll is not None and message.content == ""
    assert poll.expiry_ms == message.created_ms + 2 * HOUR_MS
    assert world.effects.wakeups == [poll.expiry_ms]
    data = world.model.message_json(message)["poll"]
    assert data["question"] == {"text": "Tea or coffee?"}
    assert data["answers"] == [
        {"answer_id": 1, "poll_media": {"text": "Tea"}},
        {"answer_id": 2, "poll_media": {"text": "Coffee",
                                        "emoji": {"id": None, "name": "☕"}}},
        {"answer_id": 3, "poll_media": {"text": "Neither"}}]
    assert (data["allow_multiselect"], data["layout_type"]) == (False, 1)
    assert data["results"] == {"is_finalized": False, "answer_counts": []}
    assert data["expiry"].startswith("2025-06-15T")
    # Without MESSAGE_CONTENT the poll is left out, as Discord leaves it out.
    assert "poll" not in world.model.message_json(message, content_visible=False)


def test_a_poll_lasts_a_day_unless_told(world: World) -> None:
    message = world.post()
    assert message.poll.expiry_ms == message.created_ms + 24 * HOUR_MS


@pytest.mark.parametrize(("request_body", "path", "code"), [
    ({"question": {"text": "x" * 301}}, ("question", "text"), "BASE_TYPE_BAD_LENGTH"),
    ({"question": {}}, ("question", "text"), "BASE_TYPE_REQUIRED"),
    ({"answers": []}, ("answers",), "BASE_TYPE_BAD_LENGTH"),
    ({"answers": [{"poll_media": {"text": "a"}}] * 11}, ("answers",),
     "BASE_TYPE_BAD_LENGTH"),
    ({"answers": [{"poll_media": {"text": "y" * 56}}]}, ("answers", "0", "poll_media", "text"),
     "BASE_TYPE_BAD_LENGTH"),
    ({"answers": [{}]}, ("answers", "0", "poll_media"), "BASE_TYPE_REQUIRED"),
    ({"answers": [{"poll_media": {"text": "a", "emoji": {}}}]},
     ("answers", "0", "poll_media", "emoji", "name"), "BASE_TYPE_REQUIRED"),
    ({"duration": 0}, ("duration",), "NUMBER_TYPE_MIN"),
    ({"duration": 769}, ("duration",), "NUMBER_TYPE_MAX"),
    ({"duration": 1.5}, ("duration",), "NUMBER_TYPE_COERCE"),
    ({"layout_type": 2}, ("layout_type",), "BASE_TYPE_CHOICES"),
    ({"allow_multiselect": "maybe"}, ("allow_multiselect",), "BASE_TYPE_BOOLEAN"),
])
def test_a_bad_poll_is_refused_at_its_path(world: World, request_body: dict[str, Any],
                                           path: tuple[str, ...], code: str) -> None:
    error = refused(lambda: world.poll(**request_body))
    assert (error.status, error.code) == (400, 50035)
    node: Any = error.errors
    for part in ("poll", *path):
        node = node[part]
    assert [e["code"] for e in node["_errors"]] == [code]


def test_the_limits_themselves_are_fine(world: World) -> None:
    read = world.poll(question={"text": "q" * 300}, duration=768,
                      answers=[{"poll_media": {"text": "a" * 55}}] * 10,
                      allow_multiselect=True, layout_type=1)
    assert (len(read.answers), read.duration_hours, read.allow_multiselect) == (10, 768, True)


def test_sending_a_poll_needs_send_polls(world: World) -> None:
    world.model.set_overwrite(world.channel, world.guild.id, 0, 0, int(Permission.SEND_POLLS))
    error = refused(lambda: world.post(world.alice))
    assert (error.status, error.code) == (403, 50013)
    world.model.post_message(world.channel, world.alice, "no poll: fine")


def test_a_poll_message_cannot_be_edited(world: World) -> None:
    message = world.post()
    error = refused(lambda: world.model.edit_message(message, {"content": "changed"}))
    assert (error.status, error.code, error.message) == (400, 520003,
                                                         "Cannot edit a poll message")


# -- votes --------------------------------------------------------------------------------


def test_votes_are_events_per_answer_and_a_vote_replaces_the_last(world: World) -> None:
    m, message = world.model, world.post()
    assert m.vote(message, world.alice, [1]) == [1]
    assert m.vote(message, world.bob, [1]) == [1]
    assert m.vote(message, world.alice, [2]) == [2]  # she changed her mind
    votes = world.effects.named("MESSAGE_POLL_VOTE_ADD", "MESSAGE_POLL_VOTE_REMOVE")
    assert [(e, d["user_id"], d["answer_id"]) for e, d in votes] == [
        ("MESSAGE_POLL_VOTE_ADD", str(world.alice), 1),
        ("MESSAGE_POLL_VOTE_ADD", str(world.bob), 1),
        ("MESSAGE_POLL_VOTE_REMOVE", str(world.alice), 1),
        ("MESSAGE_POLL_VOTE_ADD", str(world.alice), 2)]
    assert votes[0][1] == {"user_id": str(world.alice), "channel_id": str(world.channel.id),
                           "message_id": str(message.id), "answer_id": 1,
                           "guild_id": str(world.guild.id)}
    results = m.message_json(message)["poll"]["results"]
    assert results["answer_counts"] == [{"id": 1, "count": 1, "me_voted": False},
                                        {"id": 2, "count": 1, "me_voted": False}]
    assert m.unvote(message, world.alice) == []
    assert world.effects.events[-1][0] == "MESSAGE_POLL_VOTE_REMOVE"
    assert m.message_json(message)["poll"]["results"]["answer_counts"] == [
        {"id": 1, "count": 1, "me_voted": False}]


def test_several_answers_only_where_the_poll_allows_them(world: World) -> None:
    m = world.model
    single, multi = world.post(), world.post(allow_multiselect=True)
    error = refused(lambda: m.vote(single, world.alice, [1, 2]))
    assert (error.code, list(error.errors or {})) == (50035, ["answer_ids"])
    assert m.vote(multi, world.alice, [3, 1, 1]) == [1, 3]
    assert m.unvote(multi, world.alice, [3]) == [1]
    unknown = refused(lambda: m.vote(multi, world.alice, [4]))
    assert unknown.errors == {"answer_ids": {"0": {"_errors": [{
        "code": "BASE_TYPE_CHOICES", "message": "Value must be one of {1, 2, 3}."}]}}}


def test_bots_may_not_vote_nor_users_who_cannot_see_the_channel(world: World) -> None:
    m, message = world.model, world.post()
    error = refused(lambda: m.vote(message, m.bot.id, [1]))
    assert (error.status, error.code) == (403, 20001)
    m.set_overwrite(world.channel, world.carol, 1, 0, int(Permission.VIEW_CHANNEL))
    assert refused(lambda: m.vote(message, world.carol, [1])).code == 50001
    plain = m.post_message(world.channel, world.alice, "no poll here")
    assert refused(lambda: m.vote(plain, world.bob, [1])).code == 10008


def test_voters_by_user_id_with_after_and_limit(world: World) -> None:
    m, message = world.model, world.post()
    for user in (world.carol, world.alice, world.bob):
        m.vote(message, user, [2])
    ordered = sorted([world.alice, world.bob, world.carol])
    assert [u.id for u in m.poll_voters(message, 2)] == ordered
    assert [u.id for u in m.poll_voters(message, 2, after=ordered[0], limit=1)] == [ordered[1]]
    assert m.poll_voters(message, 1) == m.poll_voters(message, 9) == []


# -- the end -------------------------------------------------------------------------------


async def test_a_poll_ends_on_time_with_final_results_and_a_result_message(
        world: World) -> None:
    m, message = world.model, world.post(duration=1)
    m.vote(message, world.alice, [2])
    m.vote(message, world.bob, [2])
    m.vote(message, world.carol, [1])
    world.effects.events.clear()
    m.tick()
    assert world.effects.events == []  # not yet
    await world.clock.advance(3600)
    m.tick()
    (update, data), (create, result) = world.effects.events
    assert (update, create) == ("MESSAGE_UPDATE", "MESSAGE_CREATE")
    assert data["poll"]["results"]["is_finalized"] is True
    assert result["type"] == 46 and result["author"]["id"] == str(m.bot.id)
    assert result["message_reference"]["message_id"] == str(message.id)
    assert [u["id"] for u in result["mentions"]] == [str(m.bot.id)]
    (embed,) = result["embeds"]
    assert embed["type"] == "poll_result"
    assert {f["name"]: f["value"] for f in embed["fields"]} == {
        "poll_question_text": "Tea or coffee?", "victor_answer_votes": "2",
        "total_votes": "3", "victor_answer_id": "2", "victor_answer_text": "Coffee",
        "victor_answer_emoji_name": "☕", "victor_answer_emoji_animated": "false"}
    assert refused(lambda: m.vote(message, world.alice, [1])).code == 520001
    m.tick()
    assert len(world.effects.events) == 2  # ended once


def test_a_wake_up_ends_what_was_due_by_its_own_time(world: World) -> None:
    m, message = world.model, world.post(duration=1)
    (when,) = world.effects.wakeups
    m.tick(when)  # the clock may read a hair earlier than the timer was set for
    assert message.poll is not None and message.poll.finalized


def test_a_tie_names_no_winner(world: World) -> None:
    m, message = world.model, world.post()
    m.vote(message, world.alice, [1])
    m.vote(message, world.bob, [2])
    m.end_poll(message, m.bot.id)
    fields = {f["name"] for f in world.effects.events[-1][1]["embeds"][0]["fields"]}
    assert fields == {"poll_question_text", "victor_answer_votes", "total_votes"}


def test_only_the_author_ends_a_poll_early_and_only_once(world: World) -> None:
    m, message = world.model, world.post(world.alice)
    assert refused(lambda: m.end_poll(message, world.bob)).code == 50013
    m.end_poll(message, world.alice)
    assert message.poll is not None and message.poll.finalized
    assert message.poll.expiry_ms == int(m.now_ms)
    assert refused(lambda: m.end_poll(message, world.alice)).code == 520001
    plain = m.post_message(world.channel, world.alice, "hello")
    error = refused(lambda: m.end_poll(plain, world.alice))
    assert (error.status, error.code, error.message) == (
        400, 520006, "Cannot expire a non-poll message")


def test_polls_in_a_dm_reach_its_users(world: World) -> None:
    m = world.model
    dm = m.open_dm(world.alice, m.bot.id)
    message = m.post_message(dm, m.bot.id, poll=world.poll())
    m.vote(message, world.alice, [3])
    event, data = world.effects.events[-1]
    assert event == "MESSAGE_POLL_VOTE_ADD" and "guild_id" not in data


# -- voice messages -------------------------------------------------------------------------


VOICE = 1 << 13


def _recording(name: str = "voice-message.ogg", content_type: str | None =
               "application/octet-stream", *, duration: float | None = 3.5,
               waveform: str | None = "AAEC/w==") -> Attachment:
    return Attachment(99, name, 4, content_type, "http://x/v", b"OggS",
                      duration_secs=duration, waveform=waveform)


def test_a_voice_message_keeps_its_recording_metadata(world: World) -> None:
    m = world.model
    message = m.post_message(world.channel, world.alice, attachments=[_recording()],
                             flags=VOICE)
    (attachment,) = m.message_json(message)["attachments"]
    assert (attachment["duration_secs"], attachment["waveform"]) == (3.5, "AAEC/w==")
    assert m.message_json(message)["flags"] == VOICE
    error = refused(lambda: m.edit_message(message, {"flags": VOICE | 4}))
    assert (error.code, error.message) == (50162, "Voice messages cannot be edited.")


def test_without_the_flag_a_file_keeps_no_recording_metadata(world: World) -> None:
    message = world.model.post_message(world.channel, world.alice,
                                       attachments=[_recording()])
    (attachment,) = world.model.message_json(message)["attachments"]
    assert "duration_secs" not in attachment and "waveform" not in attachment


@pytest.mark.parametrize(("given", "code"), [
    ({"content": "hello"}, 50159),
    ({"embeds": [{"title": "no"}]}, 50159),
    ({"attachments": []}, 50006),  # nothing at all: an empty message, first
    ({"attachments": [_recording(), _recording("b.ogg")]}, 50160),
    ({"attachments": [_recording("notes.txt")]}, 50160),
    ({"attachments": [_recording("a.bin", "image/png")]}, 50160),
    ({"attachments": [_recording(waveform=None)]}, 50161),
    ({"attachments": [_recording(duration=None)]}, 50161),
])
def test_a_voice_message_is_one_audio_file_with_its_metadata(
        world: World, given: dict[str, Any], code: int) -> None:
    arguments: dict[str, Any] = {"attachments": [_recording()], **given}
    content = arguments.pop("content", "")
    error = refused(lambda: world.model.post_message(world.channel, world.alice, content,
                                                     flags=VOICE, **arguments))
    assert (error.status, error.code) == (400, code)


def test_sending_a_voice_message_needs_send_voice_messages(world: World) -> None:
    m = world.model
    channel = m.create_channel(world.guild, "quiet", ChannelType.GUILD_TEXT, overwrites=[
        Overwrite(world.guild.id, 0, deny=int(Permission.SEND_VOICE_MESSAGES))])
    error = refused(lambda: m.post_message(channel, world.alice, attachments=[_recording()],
                                           flags=VOICE))
    assert (error.status, error.code) == (403, 50173)
