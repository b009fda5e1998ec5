"""Discord's poll endpoints: Get Answer Voters and End Poll.

A poll is made with its message (``POST /channels/{id}/messages`` with ``poll``: see
:mod:`..wire.polls` and :mod:`..model.polls`); apps may not vote, so these two routes
are all a bot has. Voters are listed to whoever may read the channel's history, as
reactions are; a poll is ended by its author alone.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..model import DiscordModel
from ..permissions import Permission as P
from ..wire.fields import INT_MAX, Form
from ..wire.params import query
from .access import ChannelAccess
from .app import RestApp

#: ``limit`` of Get Answer Voters when not given.
VOTERS_DEFAULT = 25


class PollRoutes:
    def __init__(self, app: RestApp, model: DiscordModel, access: ChannelAccess) -> None:
        self.model = model
        self.access = access
        r = "/channels/{channel_id}/polls/{message_id}"
        app.add("GET", r + "/answers/{answer_id}", self.voters)
        app.add("POST", r + "/expire", self.expire)

    async def voters(self, request: web.Request) -> dict[str, Any]:
        """``{"users": [...]}``: who voted for the answer, by user id (``after``,
        ``limit`` 1-100, default 25)."""
        channel = self.access.channel(request, P.READ_MESSAGE_HISTORY)
        params = query(request)
        after = params.snowflake("after") or 0
        limit = params.integer("limit", 1, 100)
        params.check()
        answer = _answer_id(request)
        message = self.access.message(request, channel)
        users = self.model.poll_voters(message, answer, after=after,
                                       limit=VOTERS_DEFAULT if limit is None else limit)
        return {"users": [u.to_json() for u in users]}

    async def expire(self, request: web.Request) -> dict[str, Any]:
        """End the poll now (the bot's own poll only); the message, its results final."""
        channel = self.access.channel(request)
        message = self.access.message(request, channel)
        self.model.end_poll(message, self.model.bot.id)
        return self.access.message_json(message, channel)


def _answer_id(request: web.Request) -> int:
    """The path's answer id: an integer (Discord numbers answers from 1), else 50035
    naming it."""
    args = Form(request.match_info)
    number = args.integer("answer_id", 0, INT_MAX, required=True)
    args.check()
    assert number is not None
    return number


__all__ = ["PollRoutes"]
