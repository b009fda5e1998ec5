"""Acting on polls as the humans in the world: voting, taking votes back, ending a poll.

A poll itself is posted with its message (``send_message(poll=...)``, or by the bot);
these are what users do with it afterwards, through the model's poll operations
(:mod:`wiretwin.discord.model.polls`), so the bot hears of each as it would from Discord:
MESSAGE_POLL_VOTE_ADD / MESSAGE_POLL_VOTE_REMOVE per answer (with GUILD_MESSAGE_POLLS or
DIRECT_MESSAGE_POLLS), and MESSAGE_UPDATE then a POLL_RESULT message when a poll ends.
"""

from __future__ import annotations

from typing import Any

from ..coerce import BackendError, answer_ids_of, user_id_of
from ..model import Message, Poll
from .base import BackendBase


class PollActions(BackendBase):
    async def vote(self, message: Any, user: Any, answers: Any) -> list[int]:
        """``user`` votes on ``message``'s poll: ``answers`` (an answer's id, its text, a
        ``discord.PollAnswer``, or a list of them) is what they now choose; an earlier
        vote not named is taken back, as a vote in Discord's client replaces the last.
        Discord's rules apply: bots may not vote, the poll must be open (520001), one
        answer unless it allows several (50035), the user must see the channel. Returns
        the answer ids the user has chosen."""

        def act() -> list[int]:
            target = self._message(message)
            user_id = self._voter(user)
            return self.model.vote(target, user_id, answer_ids_of(_poll(target), answers))

        return await self._run(act)

    async def unvote(self, message: Any, user: Any, answers: Any = None) -> list[int]:
        """``user`` takes back their votes for ``answers`` (default: every vote)
        (MESSAGE_POLL_VOTE_REMOVE per answer); returns what they still chose."""

        def act() -> list[int]:
            target = self._message(message)
            user_id = self._voter(user)
            dropped = None if answers is None else answer_ids_of(_poll(target), answers)
            return self.model.unvote(target, user_id, dropped)

        return await self._run(act)

    async def end_poll(self, message: Any, user: Any = None) -> Message:
        """``user`` (default: the poll's author) ends the poll now, as End Poll does: its
        author only (403 50013 for anyone else), 520001 if it has ended. The bot gets
        MESSAGE_UPDATE with the final results, then the POLL_RESULT message."""

        def act() -> Message:
            target = self._message(message)
            _poll(target)
            return self.model.end_poll(
                target, target.author_id if user is None else user_id_of(user))

        return await self._run(act)

    def _voter(self, user: Any) -> int:
        found = self._user(user)
        if found.bot:
            raise BackendError(f"{found.username} is a bot: Discord lets no app vote on a "
                               "poll (403 20001)", status=403, code=20001)
        return found.id


def _poll(message: Message) -> Poll:
    if message.poll is None:
        raise BackendError(f"message {message.id} has no poll")
    return message.poll


__all__ = ["PollActions"]
