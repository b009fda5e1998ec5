"""Search Guild Messages (``GET /guilds/{id}/messages/search``): the query string read
as Discord reads it (list filters as repeated keys, ``?channel_id=1&channel_id=2``),
the search run by :mod:`..model.search`, and the answer in Discord's shape: each match
in a list of its own (``messages: [[message], ...]``, the nesting once held context),
without reactions, with the threads the matches are in."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..errors import missing_access
from ..model import DiscordModel
from ..model.search import SearchQuery
from ..wire.fields import Form
from ..wire.params import snowflake_arg
from .access import ChannelAccess
from .app import RestApp

#: The list filters and how many values each takes.
_ID_LISTS = {"channel_id": 500, "author_id": 100, "mentions": 100,
             "mentions_role_id": 100, "replied_to_message_id": 100}
_WORD_LISTS = {"author_type": ("user", "bot", "webhook"),
               "has": ("image", "sound", "video", "file", "sticker", "embed", "link",
                       "poll", "snapshot")}
#: Read but not applied: the twin's messages carry nothing they would filter on
#: (embed kinds and providers, link hosts, file names), or rank nothing (``slop``).
_IGNORED_LISTS = ("replied_to_user_id", "embed_type", "embed_provider", "link_hostname",
                  "attachment_filename", "attachment_extension")


class SearchRoutes:
    def __init__(self, app: RestApp, model: DiscordModel, access: ChannelAccess) -> None:
        self.model = model
        self.access = access
        app.add("GET", "/guilds/{guild_id}/messages/search", self.search)

    async def search(self, request: web.Request) -> dict[str, Any]:
        guild = self.model.guild(snowflake_arg(request, "guild_id"))
        me = self.model.bot.id
        if me not in guild.members:
            raise missing_access()
        q = read_search(request)
        total, found = self.model.search_messages(guild, me, q)
        messages = []
        threads: dict[int, dict[str, Any]] = {}
        for message in found:
            channel = self.model.channels[message.channel_id]
            data = self.access.message_json(message, channel)
            data.pop("reactions", None)
            messages.append([data])
            if channel.thread is not None:
                threads[channel.id] = self.model.channel_json(channel)
        return {"doing_deep_historical_index": False, "total_results": total,
                "messages": messages, "threads": list(threads.values()), "members": []}


def read_search(request: web.Request) -> SearchQuery:
    """The query string's filters, or Discord's 50035 naming each bad one."""
    raw: dict[str, Any] = dict(request.query)
    for key in (*_ID_LISTS, *_WORD_LISTS, *_IGNORED_LISTS):
        if key in request.query:
            raw[key] = request.query.getall(key)
    params = Form(raw)
    q = SearchQuery(
        content=params.string("content", 0, 1024),
        mention_everyone=params.boolean("mention_everyone"),
        pinned=params.boolean("pinned"),
        max_id=params.snowflake("max_id"), min_id=params.snowflake("min_id"),
        include_nsfw=bool(params.boolean("include_nsfw")),
        limit=params.integer("limit", 1, 25) or 25,
        offset=params.integer("offset", 0, 9975) or 0)
    params.integer("slop", 0, 100)
    ids = {key: params.snowflakes(key, 0, high) or [] for key, high in _ID_LISTS.items()}
    q.channel_ids, q.author_ids = ids["channel_id"], ids["author_id"]
    q.mentions, q.mention_role_ids = ids["mentions"], ids["mentions_role_id"]
    q.replied_to_message_ids = ids["replied_to_message_id"]
    words = {key: _words(params, key, allowed) for key, allowed in _WORD_LISTS.items()}
    q.author_types, q.has = words["author_type"], words["has"]
    for key in _IGNORED_LISTS:
        params.array(key, 0, 100)
    _choice(params, "sort_by", ("timestamp", "relevance"))
    q.oldest_first = _choice(params, "sort_order", ("asc", "desc")) == "asc"
    params.check()
    return q


def _words(params: Form, key: str, allowed: tuple[str, ...]) -> list[str]:
    """A list of enum words, each possibly negated with ``-``."""
    out = []
    for index, value in enumerate(params.array(key, 0, 100) or []):
        if str(value).removeprefix("-") not in allowed:
            params.add((key, index), "BASE_TYPE_CHOICES",
                       "Value must be one of {" + ", ".join(map(repr, allowed)) + "}.")
        else:
            out.append(str(value))
    return out


def _choice(params: Form, key: str, allowed: tuple[str, ...]) -> str | None:
    value = params.string(key)
    if value is not None and value not in allowed:
        params.add(key, "BASE_TYPE_CHOICES",
                   "Value must be one of {" + ", ".join(map(repr, allowed)) + "}.")
        return None
    return value


__all__ = ["SearchRoutes", "read_search"]
