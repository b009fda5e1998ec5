"""Thread routes: start (from a message, on its own, a forum post), members, listings.

Modifying and deleting a thread go through ``PATCH``/``DELETE /channels/{id}``
(:mod:`.channels` hands threads to :meth:`ThreadRoutes.modify` and
:meth:`ThreadRoutes.delete`). Permissions as Discord checks them: CREATE_PUBLIC_THREADS
or CREATE_PRIVATE_THREADS to start one (SEND_MESSAGES for a forum post), MANAGE_THREADS
to lock, unarchive a locked thread, delete, or remove others; a thread's owner may
rename and archive it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..errors import MISSING_ACCESS, UNKNOWN_MEMBER, WRONG_CHANNEL_TYPE
from ..model import Channel, ChannelType, DiscordModel, missing_permissions
from ..model.threads import archived_error
from ..permissions import Permission as P
from ..wire.changes import read_new_thread, read_thread
from ..wire.params import query, query_flag, read_json, snowflake_arg
from .access import ChannelAccess
from .app import RestApp, Routes

_PAGE = 50


def _routes() -> Routes:
    r = "/channels/{channel_id}"
    return (
        ("POST", r + "/messages/{message_id}/threads", "from_message"),
        ("POST", r + "/threads", "start"),
        ("PUT", r + "/thread-members/@me", "join"),
        ("DELETE", r + "/thread-members/@me", "leave"),
        ("PUT", r + "/thread-members/{user_id}", "add_member"),
        ("DELETE", r + "/thread-members/{user_id}", "remove_member"),
        ("GET", r + "/thread-members/{user_id}", "get_member"),
        ("GET", r + "/thread-members", "list_members"),
        ("GET", "/guilds/{guild_id}/threads/active", "active"),
        ("GET", r + "/threads/archived/public", "archived_public"),
        ("GET", r + "/threads/archived/private", "archived_private"),
        ("GET", r + "/users/@me/threads/archived/private", "joined_private"),
    )


_ROUTES = _routes()


class ThreadRoutes:
    def __init__(self, app: RestApp, model: DiscordModel, access: ChannelAccess) -> None:
        self.model = model
        self.access = access
        app.mount(self, _ROUTES)

    @property
    def me(self) -> int:
        return self.model.bot.id

    def _thread(self, request: web.Request) -> Channel:
        thread = self.access.channel(request)
        if thread.thread is None:
            raise WRONG_CHANNEL_TYPE()
        return thread

    # -- starting -----------------------------------------------------------------------

    async def from_message(self, request: web.Request) -> dict[str, Any]:
        parent = self.access.channel(request, P.CREATE_PUBLIC_THREADS,
                                        P.READ_MESSAGE_HISTORY)
        message = self.access.message(request, parent)
        fields = read_new_thread(await read_json(request))
        thread = self.model.start_thread(
            parent, self.me, fields["name"], message=message,
            auto_archive_duration=fields.get("auto_archive_duration", 4320),
            rate_limit_per_user=fields.get("rate_limit_per_user", 0))
        return self.model.thread_json(thread, self.me)

    async def start(self, request: web.Request) -> dict[str, Any]:
        parent = self.access.channel(request)
        fields = read_new_thread(await read_json(request))
        forum = parent.type in (ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA)
        # Discord's v9/v10 default is a private thread.
        kind = fields.get("type", ChannelType.PRIVATE_THREAD)
        needed = (P.SEND_MESSAGES if forum else P.CREATE_PRIVATE_THREADS
                  if kind == ChannelType.PRIVATE_THREAD else P.CREATE_PUBLIC_THREADS)
        self.model.require(parent, self.me, needed)
        thread = self.model.start_thread(
            parent, self.me, fields["name"], kind=kind,
            auto_archive_duration=fields.get("auto_archive_duration", 4320),
            rate_limit_per_user=fields.get("rate_limit_per_user", 0),
            invitable=fields.get("invitable", True),
            starter=fields.get("message") if forum else None,
            applied_tags=fields.get("applied_tags", []))
        data = self.model.thread_json(thread, self.me)
        if forum:
            first = self.model.messages[thread.id].get(thread.id)
            if first is not None:
                data["message"] = self.model.message_json(first)
        return data

    # -- members ------------------------------------------------------------------------

    async def join(self, request: web.Request) -> None:
        thread = self._thread(request)
        self.model.join_thread(thread, self.me)

    async def leave(self, request: web.Request) -> None:
        thread = self._thread(request)
        self.model.leave_thread(thread, self.me)

    async def add_member(self, request: web.Request) -> None:
        thread = self._thread(request)
        self.model.require(thread, self.me, P.SEND_MESSAGES)
        user_id = snowflake_arg(request, "user_id")
        guild = self.model.guild(thread.guild_id or 0)
        self.model.member(guild, user_id)
        self.model.join_thread(thread, user_id)

    async def remove_member(self, request: web.Request) -> None:
        thread = self._thread(request)
        info = thread.thread
        assert info is not None
        perms = self.model.permissions(thread, self.me)
        owns_private = (thread.type == ChannelType.PRIVATE_THREAD
                        and info.owner_id == self.me)
        if not perms & P.MANAGE_THREADS and not owns_private:
            raise missing_permissions()
        if info.archived:
            raise archived_error()
        user_id = snowflake_arg(request, "user_id")
        if user_id not in info.members:
            raise UNKNOWN_MEMBER()
        self.model.leave_thread(thread, user_id)

    async def get_member(self, request: web.Request) -> dict[str, Any]:
        thread = self._thread(request)
        info = thread.thread
        assert info is not None
        user_id = snowflake_arg(request, "user_id")
        if user_id not in info.members:
            raise UNKNOWN_MEMBER()
        return self._member(thread, user_id, request)

    async def list_members(self, request: web.Request) -> list[dict[str, Any]]:
        thread = self._thread(request)
        info = thread.thread
        assert info is not None
        return [self._member(thread, u, request) for u in info.members]

    def _member(self, thread: Channel, user_id: int, request: web.Request) -> dict[str, Any]:
        info = thread.thread
        assert info is not None
        data = info.member_json(thread.id, user_id)
        if query_flag(request, "with_member"):
            guild = self.model.guilds.get(thread.guild_id or 0)
            if guild is not None and user_id in guild.members:
                data["member"] = self.model.member_json(guild, user_id)
        return data

    # -- listings -----------------------------------------------------------------------

    async def active(self, request: web.Request) -> dict[str, Any]:
        guild = self.model.guild(snowflake_arg(request, "guild_id"))
        if self.me not in guild.members:
            raise MISSING_ACCESS()
        visible = [t for t in self.model.threads(guild.id, archived=False)
                   if self.model.permissions(t, self.me) & P.VIEW_CHANNEL]
        return self._listing(visible, has_more=None)

    async def archived_public(self, request: web.Request) -> dict[str, Any]:
        parent = self.access.channel(request, P.READ_MESSAGE_HISTORY)
        return self._archived(request, parent, lambda t: t.type != ChannelType.PRIVATE_THREAD)

    async def archived_private(self, request: web.Request) -> dict[str, Any]:
        parent = self.access.channel(request, P.READ_MESSAGE_HISTORY, P.MANAGE_THREADS)
        return self._archived(request, parent, lambda t: t.type == ChannelType.PRIVATE_THREAD)

    async def joined_private(self, request: web.Request) -> dict[str, Any]:
        parent = self.access.channel(request, P.READ_MESSAGE_HISTORY)
        return self._archived(request, parent, lambda t: (
            t.type == ChannelType.PRIVATE_THREAD and t.thread is not None
            and self.me in t.thread.members), joined=True)

    def _archived(self, request: web.Request, parent: Channel, keep: Any, *,
                  joined: bool = False) -> dict[str, Any]:
        threads = [t for t in self.model.threads(parent.guild_id or 0, archived=True)
                   if t.parent_id == parent.id and keep(t)]
        threads.sort(key=lambda t: t.thread.archive_ms if t.thread else 0, reverse=True)
        params = query(request)
        if joined:  # this listing pages by thread id
            before_id = params.snowflake("before")
            cut = None
        else:
            before_id = None
            cut = params.timestamp_ms("before")
        limit = params.integer("limit", 2, 100)
        params.check()
        if cut is not None:
            threads = [t for t in threads
                       if t.thread is not None and t.thread.archive_ms < cut]
        if before_id is not None:
            threads = [t for t in threads if t.id < before_id]
        limit = _PAGE if limit is None else limit
        return self._listing(threads[:limit], has_more=len(threads) > limit)

    def _listing(self, threads: list[Channel], has_more: bool | None) -> dict[str, Any]:
        members = [t.thread.member_json(t.id, self.me) for t in threads
                   if t.thread is not None and self.me in t.thread.members]
        out: dict[str, Any] = {"threads": [self.model.channel_json(t) for t in threads],
                               "members": members}
        if has_more is not None:
            out["has_more"] = has_more
        return out

    # -- through PATCH/DELETE /channels/{id} ---------------------------------------------

    async def modify(self, thread: Channel, body: dict[str, Any]) -> dict[str, Any]:
        body = read_thread(body)
        info = thread.thread
        assert info is not None
        perms = self.model.permissions(thread, self.me)
        if not perms & P.VIEW_CHANNEL:
            raise MISSING_ACCESS()
        manager = bool(perms & P.MANAGE_THREADS)
        owner = info.owner_id == self.me
        owner_may = {"name", "archived", "auto_archive_duration", "applied_tags"}
        if not manager and not (owner and set(body) <= owner_may):
            raise missing_permissions()
        if info.archived and info.locked and not manager:
            raise archived_error()
        if info.archived and body.get("archived") is not False and set(body) - {
                "archived", "locked"}:
            raise archived_error()  # an archived thread must be unarchived first
        return self.model.thread_json(self.model.modify_thread(thread, body), self.me)

    async def delete(self, thread: Channel) -> dict[str, Any]:
        self.model.require(thread, self.me, P.MANAGE_THREADS)
        return self.model.channel_json(self.model.delete_thread(thread))


__all__ = ["ThreadRoutes"]
