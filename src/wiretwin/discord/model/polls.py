"""Polls: votes, voters, and a poll's end.

A poll is made with its message (:meth:`MessageOps.build_message`, from Create
Message's ``poll``, a webhook's or an interaction response's): answers numbered from 1,
ending ``duration`` hours after the message. What happens to it then, by Discord's Poll
resource and gateway events:

* users vote; apps may not ("Apps are not allowed to vote on polls": the vote request
  is a user's, so a bot is refused as on any user-only route, 403 20001). One answer,
  unless the poll allows several. A vote names every answer the user now chooses, as the
  client's vote request does: each answer added is one MESSAGE_POLL_VOTE_ADD and each
  answer taken back one MESSAGE_POLL_VOTE_REMOVE (intents GUILD_MESSAGE_POLLS and
  DIRECT_MESSAGE_POLLS). A poll that has ended takes no vote (520001);
* anyone who may read the channel's history lists an answer's voters (Get Answer
  Voters: by user id, ``after`` and ``limit``);
* it ends when its time comes: the model asks its effects to wake it then
  (:meth:`~.base.Effects.wake_at`) and ends what is due in :meth:`end_polls_due`; or
  early, by its author alone (End Poll: 520006 for a message with no poll, 520001 for a
  poll that has ended, 403 50013 for anyone else), which moves its expiry to now. Either
  way its results are final at once (Discord's exact tally follows the end by a moment;
  the twin counts exactly from the start), MESSAGE_UPDATE carries them, and a POLL_RESULT
  message (type 46) follows in the channel: by the poll's author, mentioning them,
  pointing at the poll, with the ``poll_result`` embed Discord's clients and discord.py
  read (question, total votes, the winning answer when one answer leads);
* its message cannot be edited (520003, :meth:`MessageOps.apply_message_changes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import (
    BOTS_CANNOT_USE_ENDPOINT,
    NOT_A_POLL,
    POLL_EXPIRED,
    UNKNOWN_MESSAGE,
    missing_permissions,
)
from ..wire.fields import choices_text
from .base import form_error
from .entities import Channel, Message, Poll, User
from .messages import MessageOps

#: POLL_RESULT: the message that tells a channel a poll has ended.
POLL_RESULT = 46


class PollOps(MessageOps):
    # -- votes ------------------------------------------------------------------------

    def vote(self, message: Message, user_id: int, answer_ids: Iterable[int]
             ) -> list[int]:
        """``user_id`` now chooses ``answer_ids`` (none: takes every vote back); returns
        what they chose. Refused as Discord refuses it (see the module docstring), with
        50035 at ``answer_ids`` for an answer the poll lacks, or several on a poll that
        allows one."""
        poll = self._poll(message)
        if self.user(user_id).bot:
            raise BOTS_CANNOT_USE_ENDPOINT()
        channel = self.channels[message.channel_id]
        self.require(channel, user_id)
        if self.poll_ended(poll):
            raise POLL_EXPIRED()
        chosen = list(dict.fromkeys(answer_ids))
        known = poll.answer_ids()
        for index, answer_id in enumerate(chosen):
            if answer_id not in known:
                raise form_error(("answer_ids", index), "BASE_TYPE_CHOICES",
                                 f"Value must be one of {choices_text(known)}.")
        if len(chosen) > 1 and not poll.allow_multiselect:
            raise form_error("answer_ids", "BASE_TYPE_MAX_LENGTH",
                             "Must be 1 or fewer in length.")
        before = poll.voted(user_id)
        for answer_id in before:
            if answer_id not in chosen:
                voters = poll.votes[answer_id]
                voters.remove(user_id)
                if not voters:
                    del poll.votes[answer_id]
                self._vote_event("MESSAGE_POLL_VOTE_REMOVE", channel, message, user_id,
                                 answer_id)
        for answer_id in chosen:
            if answer_id not in before:
                poll.votes.setdefault(answer_id, []).append(user_id)
                self._vote_event("MESSAGE_POLL_VOTE_ADD", channel, message, user_id,
                                 answer_id)
        return poll.voted(user_id)

    def unvote(self, message: Message, user_id: int,
               answer_ids: Iterable[int] | None = None) -> list[int]:
        """``user_id`` takes back their votes for ``answer_ids`` (None: all of them)."""
        poll = self._poll(message)
        dropped = set(poll.answer_ids() if answer_ids is None else answer_ids)
        return self.vote(message, user_id, [a for a in poll.voted(user_id)
                                            if a not in dropped])

    def _vote_event(self, event: str, channel: Channel, message: Message, user_id: int,
                    answer_id: int) -> None:
        data: dict[str, Any] = {"user_id": str(user_id), "channel_id": str(channel.id),
                                "message_id": str(message.id), "answer_id": answer_id}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self.effects.dispatch(event, data, guild_id=channel.guild_id,
                              user_ids=frozenset(channel.recipients) if channel.is_dm
                              else None)

    def poll_voters(self, message: Message, answer_id: int, *, after: int = 0,
                    limit: int = 25) -> list[User]:
        """Who voted for ``answer_id``, by user id, after ``after`` (Get Answer Voters;
        none for an answer the poll lacks)."""
        voters = self._poll(message).votes.get(answer_id, [])
        return [self.users[u] for u in sorted(voters) if u > after][:limit]

    # -- the end ----------------------------------------------------------------------

    def poll_ended(self, poll: Poll) -> bool:
        return poll.finalized or poll.expiry_ms <= self.now_ms

    def end_poll(self, message: Message, user_id: int) -> Message:
        """``user_id`` ends the poll now (End Poll: its author only)."""
        poll = message.poll
        if poll is None:
            raise NOT_A_POLL()
        if user_id != message.author_id:
            raise missing_permissions()
        if self.poll_ended(poll):
            raise POLL_EXPIRED()
        poll.expiry_ms = int(self.now_ms)  # to the millisecond, as Discord's times are
        self._finish(message, poll)
        return message

    def end_polls_due(self, until_ms: float | None = None) -> list[Message]:
        """End every poll whose time has come (by the clock, or by ``until_ms``: the time
        a wake-up was asked for); the messages whose polls ended."""
        until = self.now_ms if until_ms is None else max(self.now_ms, until_ms)
        due = [m for messages in self.messages.values() for m in messages.values()
               if m.poll is not None and not m.poll.finalized and m.poll.expiry_ms <= until]
        for message in sorted(due, key=lambda m: (m.poll.expiry_ms if m.poll else 0, m.id)):
            assert message.poll is not None
            self._finish(message, message.poll)
        return due

    def wake_for_polls(self) -> None:
        """Ask to be woken when each open poll ends (the state was replaced: a restore)."""
        for messages in self.messages.values():
            for message in messages.values():
                if message.poll is not None and not message.poll.finalized:
                    self.effects.wake_at(message.poll.expiry_ms)

    def _finish(self, message: Message, poll: Poll) -> None:
        poll.finalized = True
        channel = self.channels[message.channel_id]
        self.effects.dispatch("MESSAGE_UPDATE", self.message_json(message),
                              guild_id=channel.guild_id,
                              user_ids=frozenset(channel.recipients) if channel.is_dm
                              else None)
        reference: dict[str, Any] = {"type": 0, "channel_id": str(channel.id),
                                     "message_id": str(message.id)}
        if channel.guild_id is not None:
            reference["guild_id"] = str(channel.guild_id)
        result = Message(self.ids.next(), channel.id, message.author_id, "",
                         channel.guild_id, POLL_RESULT, embeds=[_result_embed(poll)],
                         mentions=[message.author_id], reference=reference)
        self.store_message(channel, result)

    def _poll(self, message: Message) -> Poll:
        """The message's poll (a message without one is unknown to the poll routes)."""
        if message.poll is None:
            raise UNKNOWN_MESSAGE()
        return message.poll


def _result_embed(poll: Poll) -> dict[str, Any]:
    """The ``poll_result`` embed of a POLL_RESULT message (Discord's "Poll Result Embed
    Fields"): the winner is the answer with the most votes, if no other has as many."""
    counts = {a: len(poll.votes.get(a, [])) for a in poll.answer_ids()}
    top = max(counts.values(), default=0)
    fields = {"poll_question_text": poll.question, "victor_answer_votes": str(top),
              "total_votes": str(sum(counts.values()))}
    leaders = [a for a, n in counts.items() if n == top]
    if top and len(leaders) == 1:
        media = next(a["poll_media"] for a in poll.answers if a["answer_id"] == leaders[0])
        fields["victor_answer_id"] = str(leaders[0])
        fields["victor_answer_text"] = str(media.get("text", ""))
        emoji = media.get("emoji")
        if emoji:
            if emoji.get("id"):
                fields["victor_answer_emoji_id"] = str(emoji["id"])
            if emoji.get("name"):
                fields["victor_answer_emoji_name"] = str(emoji["name"])
            fields["victor_answer_emoji_animated"] = str(bool(emoji.get("animated"))).lower()
    return {"type": "poll_result",
            "fields": [{"name": k, "value": v, "inline": False} for k, v in fields.items()]}


__all__ = ["POLL_RESULT", "PollOps"]
