"""The Discord twin's test-control API: dpytest's ``backend``, per twin, over the wire.

``twin.backend`` builds the world a bot under test lives in (guilds, channels, roles,
overwrites, members), acts as the humans in it (messages, edits, reactions, typing, voice),
reaches into the gateway (raw dispatches, dropped connections, op 7 reconnects, op 9
invalid sessions, refused IDENTIFYs) and the REST API (forced error answers, tighter rate
limits), and keeps what the bot sent as a queue tests can read.

Nothing here talks to the bot directly: every change is a model operation, so the bot
learns of it as it would from Discord, through gateway dispatches its intents ask for,
and everything the bot does arrives over REST. Operations run in the twin's home loop
(whether the twin runs in the test's loop or a thread of its own), and every method is
a coroutine unless marked otherwise.

Arguments take wiretwin model objects (:class:`~.model.Guild`, :class:`~.model.Channel`,
:class:`~.model.Member`, :class:`~.model.User`, :class:`~.model.Role`,
:class:`~.model.Message`), ids, or the discord.py objects a test holds
(``discord.Guild``, ``discord.TextChannel``, ``discord.Member``, ``discord.Role``,
``discord.Message``, ``discord.Permissions``...): anything with an ``id``. Methods return
the twin's model objects (live: a later edit shows in them); ``make_member`` returns a
:class:`~.model.Member`, whose user id is ``member.user_id``.

The driver (:meth:`Backend.settle`, :meth:`Backend.message`; also ``twin.message``)
makes "the bot has finished reacting" deterministic: it asks each bot connection for a
heartbeat (gateway op 1, as Discord may), and a HEARTBEAT whose sequence number covers the
last dispatch proves the bot has read everything it was sent, so its event handlers'
tasks exist; the driver then awaits every task created since it began (iteratively: the
bot's own replies are dispatched back to it), so every REST call the bot made in
response has been answered.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..runtime.faults import RefuseHandshake, Scope
from ..runtime.journal import Entry
from ..runtime.threads import await_in_loop, in_loop_thread
from ..runtime.waiters import WaitableLog
from .model import (
    Attachment,
    Channel,
    ChannelType,
    DiscordError,
    DiscordModel,
    Guild,
    Member,
    Message,
    Role,
    User,
)
from .permissions import Permission

if TYPE_CHECKING:
    from .twin import DiscordTwin
    from .verify import Verify

T = TypeVar("T")

_UNSET: Any = object()
#: The fault :meth:`Backend.disconnect` adds when asked to keep the bot out.
_REFUSE = "backend-disconnect"
_HTTP_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                 405: "Method Not Allowed", 429: "Too Many Requests",
                 500: "Internal Server Error", 502: "Bad Gateway",
                 503: "Service Unavailable", 504: "Gateway Timeout"}
_INFRASTRUCTURE: tuple[str, ...] = ()


class BackendError(Exception):
    """A test-control call could not be done (``status``/``code``: Discord's answer, when
    the model refused it)."""

    def __init__(self, message: str, *, status: int | None = None,
                 code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


# -- arguments ----------------------------------------------------------------------------

def _id(obj: Any, what: str) -> int:
    if isinstance(obj, bool):
        raise BackendError(f"expected a {what} (an object with an id, or an id), got {obj!r}")
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str) and obj.isdigit():
        return int(obj)
    value = getattr(obj, "id", None)
    if isinstance(value, int):
        return value
    raise BackendError(f"expected a {what} (an object with an id, or an id), got {obj!r}")


def _user_id(obj: Any) -> int:
    if isinstance(obj, Member):
        return obj.user_id
    return _id(obj, "user or member")


def _permissions(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return int(value)
    raw = getattr(value, "value", None)  # discord.Permissions
    if isinstance(raw, int):
        return raw
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        total = 0
        for name in value:
            total |= int(Permission[str(name).upper()])
        return total
    raise BackendError(f"expected permissions (an int, discord.Permissions or flag names), "
                       f"got {value!r}")


def _emoji(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, str):
        name, sep, emoji_id = value.strip("<>").removeprefix("a:").rpartition(":")
        if sep and emoji_id.isdigit():
            return {"id": emoji_id, "name": name.lstrip(":") or None,
                    "animated": value.startswith("<a:")}
        return {"id": None, "name": value}
    label = getattr(value, "name", None)  # discord.Emoji / PartialEmoji / Reaction.emoji
    if isinstance(label, str):
        raw_id = getattr(value, "id", None)
        return {"id": str(raw_id) if raw_id else None, "name": label,
                "animated": bool(getattr(value, "animated", False))}
    raise BackendError(f"expected an emoji (a string, a discord emoji or a dict), "
                       f"got {value!r}")


def _embed(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return dict(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        data = to_dict()
        if isinstance(data, dict):
            return data
    raise BackendError(f"expected an embed (discord.Embed or a dict), got {value!r}")


def _file(value: Any) -> tuple[str, bytes, str | None]:
    """An attachment as (filename, bytes, content type)."""
    if isinstance(value, tuple) and len(value) == 2:
        name, data = value
        return str(name), bytes(data), _content_type(str(name))
    if isinstance(value, bytes):
        return "file.bin", value, "application/octet-stream"
    if isinstance(value, str | os.PathLike):
        path = Path(value)
        return path.name, path.read_bytes(), _content_type(path.name)
    fp = getattr(value, "fp", None)  # discord.File
    if fp is not None:
        name = str(getattr(value, "filename", None) or "file.bin")
        data = fp.read()
        return name, data if isinstance(data, bytes) else str(data).encode(), \
            _content_type(name)
    raise BackendError(f"expected an attachment (a path, bytes, (filename, bytes) or "
                       f"discord.File), got {value!r}")


def _content_type(name: str) -> str | None:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _infrastructure(task: asyncio.Task[Any]) -> bool:
    """Tasks the driver never waits for: the twin's own and aiohttp's (a server connection
    lives as long as its keep-alive)."""
    global _INFRASTRUCTURE
    if not _INFRASTRUCTURE:
        import aiohttp

        _INFRASTRUCTURE = (str(Path(aiohttp.__file__).parent),
                           str(Path(__file__).resolve().parents[1]))
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    filename = getattr(code, "co_filename", "") or ""
    return filename.startswith(_INFRASTRUCTURE)


def _describe_task(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    name = str(getattr(coro, "__qualname__", None) or repr(coro))
    frame = getattr(coro, "cr_frame", None)
    where = f" at {frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else ""
    return f"{task.get_name()} ({name}{where})"


class Backend:
    """The test-control API of one :class:`~wiretwin.discord.twin.DiscordTwin`."""

    def __init__(self, twin: DiscordTwin) -> None:
        self.twin = twin
        #: Every message the bot created, in order (fed by the twin's dispatches).
        self._sent: WaitableLog[Message] = WaitableLog(
            lambda m: f"{m.id} in {m.channel_id}: {m.content!r}")
        self._consumed = 0
        #: event name -> journal seq of the last dispatch wait_for_event returned.
        self._event_cursor: dict[str, int] = {}
        self._disconnect_mark = 0
        self._pings = 0
        twin.dispatch_observers.append(self._observe)

    # -- plumbing ---------------------------------------------------------------------

    @property
    def model(self) -> DiscordModel:
        return self.twin.model

    async def _run(self, fn: Callable[[], T]) -> T:
        """``fn()`` in the twin's home loop; the model's refusals become BackendError."""

        def guarded() -> T:
            try:
                return fn()
            except DiscordError as exc:
                raise BackendError(f"Discord refused: {exc.status} {exc.code} {exc.message}"
                                   + (f" {exc.errors}" if exc.errors else ""),
                                   status=exc.status, code=exc.code) from None

        loop = self.twin._loop
        if loop is None or in_loop_thread(loop) or not loop.is_running():
            return guarded()

        async def invoke() -> T:
            return guarded()

        return await await_in_loop(loop, invoke())

    def _observe(self, event: str, data: dict[str, Any]) -> None:
        # In the home loop, as the model dispatches.
        if event != "MESSAGE_CREATE":
            return
        if data.get("author", {}).get("id") != str(self.model.bot.id):
            return
        message = self.model.messages.get(int(data["channel_id"]), {}).get(int(data["id"]))
        if message is not None:
            self._sent.append(message)

    def _last_seq(self) -> int:
        entries = self.twin.journal.entries()
        return entries[-1].seq if entries else 0

    def _guild(self, obj: Any) -> Guild:
        if isinstance(obj, Guild):
            return obj
        found: Guild | None = self.model.guilds.get(_id(obj, "guild"))
        if found is None:
            raise BackendError(f"no guild {obj!r} in the twin")
        return found

    def _channel(self, obj: Any) -> Channel:
        if isinstance(obj, Channel):
            return obj
        found: Channel | None = self.model.channels.get(_id(obj, "channel"))
        if found is None:
            raise BackendError(f"no channel {obj!r} in the twin")
        return found

    def _guild_of(self, obj: Any, guild: Any) -> Guild:
        """The guild a member/role belongs to: given, or carried by the object."""
        if guild is not None:
            return self._guild(guild)
        if isinstance(obj, Member | Role):
            return self._guild(obj.guild_id)
        carried = getattr(obj, "guild", None)
        if carried is not None:
            return self._guild(carried)
        raise BackendError(f"which guild? pass guild= for {obj!r}")

    def _user(self, obj: Any) -> User:
        if isinstance(obj, User):
            return obj
        found: User | None = self.model.users.get(_user_id(obj))
        if found is None:
            raise BackendError(f"no user {obj!r} in the twin")
        return found

    def _role(self, obj: Any, guild: Guild) -> Role:
        if isinstance(obj, Role):
            return obj
        if isinstance(obj, str) and not obj.isdigit():
            for role in guild.roles.values():
                if role.name == obj:
                    return role
            raise BackendError(f"no role named {obj!r} in guild {guild.name!r}")
        found = guild.roles.get(_id(obj, "role"))
        if found is None:
            raise BackendError(f"no role {obj!r} in guild {guild.name!r}")
        return found

    def _message(self, obj: Any) -> Message:
        if isinstance(obj, Message):
            return obj
        message_id = _id(obj, "message")
        channel = getattr(obj, "channel", None)
        candidates = ([self._channel(channel).id] if channel is not None
                      else list(self.model.messages))
        for channel_id in candidates:
            found = self.model.messages.get(channel_id, {}).get(message_id)
            if found is not None:
                return found
        raise BackendError(f"no message {obj!r} in the twin")

    def _author(self, author: Any, channel: Channel) -> int:
        if author is not None:
            return _user_id(author)
        if channel.guild_id is None:
            humans = [u for u in channel.recipients if u != self.model.bot.id]
        else:
            guild = self.model.guilds[channel.guild_id]
            humans = [u for u in guild.members if not self.model.users[u].bot]
        # The application's owner (a default guild owner) speaks only if nobody else can.
        owner = self.model.application.owner.id
        humans.sort(key=lambda u: u == owner)
        if not humans:
            raise BackendError(f"nobody but the bot can speak in #{channel.name}: make a "
                               "member first, or pass author=")
        return humans[0]

    def _default_text_channel(self) -> Channel:
        bot = self.model.bot.id
        for guild in self.model.guilds.values():
            if bot not in guild.members:
                continue
            for channel_id in guild.channels:
                channel = self.model.channels[channel_id]
                if channel.type == ChannelType.GUILD_TEXT:
                    return channel
        raise BackendError("no text channel the bot can see: make_guild and "
                           "make_text_channel first, or pass channel=")

    # -- users and guilds ---------------------------------------------------------------

    async def make_user(self, username: str, *, bot: bool = False,
                        global_name: str | None = None, user_id: int | None = None) -> User:
        """A Discord user (not in any guild yet)."""
        return await self._run(lambda: self.model.add_user(
            username, bot=bot, global_name=global_name, user_id=user_id))

    async def make_guild(
        self, name: str = "Test Guild", owner: Any = None, *, owner_id: int | None = None,
        members: Iterable[Any] | int = (), member_count: int | None = None,
        roles: Iterable[Any] = (), channels: Iterable[Any] = (), guild_id: int | None = None,
    ) -> Guild:
        """A guild the bot is in (it joins last, so its GUILD_CREATE carries everything).

        ``owner``/``owner_id``: a user, member, name (a new user) or id; by default the
        application's owner (pass the bot's id to make the bot the owner). ``members``:
        users, names (new users) or a count of new users; ``member_count``: fill with new
        users until the guild has that many members, the bot included. ``roles``: names or
        ``{"name", "permissions", ...}``; ``channels``: text channel names or
        ``{"name", "type": "text"|"voice"|"category"}``."""

        def build() -> Guild:
            model = self.model
            if owner is not None:
                owner_user = (model.add_user(owner) if isinstance(owner, str)
                              and not owner.isdigit() else self._user(owner))
                owner_key = owner_user.id
            else:
                owner_key = owner_id if owner_id is not None else model.application.owner.id
            guild = model.create_guild(name, owner_key, guild_id=guild_id)
            for role in roles:
                spec = role if isinstance(role, dict) else {"name": str(role)}
                model.create_role(guild, spec.get("name", "new role"),
                                  _permissions(spec["permissions"])
                                  if spec.get("permissions") is not None else None,
                                  color=int(spec.get("color", 0)),
                                  hoist=bool(spec.get("hoist", False)),
                                  mentionable=bool(spec.get("mentionable", False)))
            kinds = {"text": ChannelType.GUILD_TEXT, "voice": ChannelType.GUILD_VOICE,
                     "category": ChannelType.GUILD_CATEGORY}
            for channel in channels:
                spec = channel if isinstance(channel, dict) else {"name": str(channel)}
                kind = spec.get("type", "text")
                model.create_channel(guild, spec["name"],
                                     kinds[kind] if isinstance(kind, str)
                                     else ChannelType(kind))
            fresh = members if isinstance(members, int) else 0
            for member in ([] if isinstance(members, int) else members):
                user = (model.add_user(member) if isinstance(member, str)
                        and not member.isdigit() else self._user(member))
                model.add_member(guild, user.id)
            bot_joins = 0 if model.bot.id in guild.members else 1
            if member_count is not None:
                fresh = max(fresh, member_count - len(guild.members) - bot_joins)
            base = len(guild.members)
            for index in range(fresh):
                user = model.add_user(f"member-{base + index}")
                model.add_member(guild, user.id)
            if bot_joins:
                model.add_member(guild, model.bot.id)
            return guild

        return await self._run(build)

    async def update_guild(self, guild: Any, **changes: Any) -> Guild:
        """``name=``, ``description=``, ``system_channel_id=``... (GUILD_UPDATE)."""
        return await self._run(lambda: self.model.modify_guild(self._guild(guild), changes))

    async def cleanup_guild(self, guild: Any) -> None:
        """Delete the guild (the bot gets GUILD_DELETE)."""
        await self._run(lambda: self.model.delete_guild(self._guild(guild)))

    # -- channels -----------------------------------------------------------------------

    async def _make_channel(self, name: str, guild: Any, kind: ChannelType, category: Any,
                            **options: Any) -> Channel:
        def build() -> Channel:
            parent = None
            if category is not None:
                parent = self._channel(category).id
            target = self._guild(guild) if guild is not None else (
                self._guild(self._channel(category).guild_id) if category is not None
                else None)
            if target is None:
                raise BackendError(f"which guild should #{name} be in? pass guild=")
            return self.model.create_channel(target, name, kind, parent_id=parent, **options)

        return await self._run(build)

    async def make_text_channel(self, name: str, guild: Any = None, category: Any = None, *,
                                topic: str | None = None, position: int | None = None,
                                nsfw: bool = False) -> Channel:
        """A text channel (CHANNEL_CREATE); ``guild`` may be left out given a category."""
        return await self._make_channel(name, guild, ChannelType.GUILD_TEXT, category,
                                        topic=topic, position=position, nsfw=nsfw)

    async def make_voice_channel(self, name: str, guild: Any = None, category: Any = None,
                                 *, bitrate: int = 64000, user_limit: int = 0,
                                 position: int | None = None) -> Channel:
        return await self._make_channel(name, guild, ChannelType.GUILD_VOICE, category,
                                        bitrate=bitrate, user_limit=user_limit,
                                        position=position)

    async def make_category(self, name: str, guild: Any, *,
                            position: int | None = None) -> Channel:
        return await self._make_channel(name, guild, ChannelType.GUILD_CATEGORY, None,
                                        position=position)

    make_category_channel = make_category

    async def update_channel(self, channel: Any, **changes: Any) -> Channel:
        """``name=``, ``topic=``, ``parent_id=``... (CHANNEL_UPDATE)."""
        return await self._run(lambda: self.model.modify_channel(self._channel(channel),
                                                                 changes))

    async def delete_channel(self, channel: Any) -> None:
        await self._run(lambda: self.model.delete_channel(self._channel(channel)))

    async def set_channel_permission_overrides(self, channel: Any, target: Any,
                                               allow: Any = None, deny: Any = None) -> None:
        """The overwrite for a role or member in ``channel`` (CHANNEL_UPDATE); with neither
        ``allow`` nor ``deny``, the overwrite goes."""

        def apply() -> None:
            where = self._channel(channel)
            if where.guild_id is None:
                raise BackendError("permission overwrites are for guild channels")
            guild = self.model.guilds[where.guild_id]
            if isinstance(target, Role) or (not isinstance(target, Member | User) and (
                    _maybe_id(target) in guild.roles)):
                target_id, kind = (target.id if isinstance(target, Role)
                                   else _id(target, "role")), 0
            else:
                target_id, kind = _user_id(target), 1
            if allow is None and deny is None:
                self.model.delete_overwrite(where, target_id)
                return
            self.model.set_overwrite(where, target_id, kind, _permissions(allow),
                                     _permissions(deny))

        await self._run(apply)

    set_permission_overrides = set_channel_permission_overrides

    # -- roles --------------------------------------------------------------------------

    async def make_role(self, name: str, guild: Any, permissions: Any = None, *,
                        color: int = 0, hoist: bool = False,
                        mentionable: bool = False) -> Role:
        """A role (GUILD_ROLE_CREATE); ``permissions``: int, discord.Permissions or flag
        names; by default @everyone's."""
        perms = None if permissions is None else _permissions(permissions)
        return await self._run(lambda: self.model.create_role(
            self._guild(guild), name, perms, color=color, hoist=hoist,
            mentionable=mentionable))

    async def update_role(self, role: Any, guild: Any = None, **changes: Any) -> Role:
        """``name=``, ``permissions=``, ``color=``... (GUILD_ROLE_UPDATE)."""
        if "permissions" in changes and changes["permissions"] is not None:
            changes["permissions"] = _permissions(changes["permissions"])

        def apply() -> Role:
            where = self._guild_of(role, guild)
            return self.model.modify_role(where, self._role(role, where), changes)

        return await self._run(apply)

    async def delete_role(self, role: Any, guild: Any = None) -> None:
        def apply() -> None:
            where = self._guild_of(role, guild)
            self.model.delete_role(where, self._role(role, where))

        await self._run(apply)

    # -- members ------------------------------------------------------------------------

    async def make_member(self, user: Any = None, guild: Any = None, *,
                          name: str | None = None, roles: Iterable[Any] = (),
                          nick: str | None = None) -> Member:
        """``user`` (a user, member, id, or a name: a new user; or ``name=``) joins
        ``guild`` (GUILD_MEMBER_ADD)."""
        wanted = list(roles)
        if user is None:
            user = name
        if user is None or guild is None:
            raise BackendError("make_member needs a user (or name=) and a guild")

        def build() -> Member:
            where = self._guild(guild)
            joining = (self.model.add_user(user) if isinstance(user, str)
                       and not user.isdigit() else self._user(user))
            role_ids = [self._role(r, where).id for r in wanted]
            member: Member = self.model.add_member(where, joining.id, roles=role_ids,
                                                   nick=nick)
            return member

        return await self._run(build)

    member_join = make_member

    def _member(self, member: Any, guild: Any) -> tuple[Guild, Member]:
        where = self._guild_of(member, guild)
        found: Member = self.model.member(where, _user_id(member))
        return where, found

    async def update_member(self, member: Any, guild: Any = None, *, nick: Any = _UNSET,
                            roles: Any = _UNSET, **changes: Any) -> Member:
        """Change ``nick``, ``roles`` (the full list) or ``mute``/``deaf``...
        (GUILD_MEMBER_UPDATE)."""

        def apply() -> Member:
            where, found = self._member(member, guild)
            wanted = dict(changes)
            if nick is not _UNSET:
                wanted["nick"] = nick
            if roles is not _UNSET:
                wanted["roles"] = [self._role(r, where).id for r in roles or []]
            updated: Member = self.model.update_member(where, found, wanted)
            return updated

        return await self._run(apply)

    async def add_role(self, member: Any, role: Any, guild: Any = None) -> Member:
        def apply() -> Member:
            where, found = self._member(member, guild)
            self.model.add_member_role(where, found, self._role(role, where).id)
            return found

        return await self._run(apply)

    async def remove_role(self, member: Any, role: Any, guild: Any = None) -> Member:
        def apply() -> Member:
            where, found = self._member(member, guild)
            self.model.remove_member_role(where, found, self._role(role, where).id)
            return found

        return await self._run(apply)

    async def remove_member(self, member: Any, guild: Any = None) -> None:
        """The member leaves (GUILD_MEMBER_REMOVE)."""

        def apply() -> None:
            where, found = self._member(member, guild)
            self.model.remove_member(where, found.user_id)

        await self._run(apply)

    member_leave = remove_member
    delete_member = remove_member

    async def change_voice_state(self, member: Any, channel: Any,
                                 guild: Any = None) -> None:
        """The member joins or moves to voice ``channel`` (None: leaves voice)
        (VOICE_STATE_UPDATE)."""

        def apply() -> None:
            if guild is None and channel is not None and not isinstance(member, Member) \
                    and getattr(member, "guild", None) is None:
                where = self._guild(self._channel(channel).guild_id)  # a user id or User
            else:
                where = self._guild_of(member, guild)
            self.model.set_voice(where, _user_id(member),
                                 None if channel is None else self._channel(channel).id)

        await self._run(apply)

    # -- acting as users ----------------------------------------------------------------

    async def send_message(self, channel: Any = None, content: str = "", author: Any = None,
                           *, embeds: Iterable[Any] = (), attachments: Iterable[Any] = (),
                           reply_to: Any = None, tts: bool = False,
                           check_permissions: bool = True) -> Message:
        """``author`` (default: the first human member) posts in ``channel`` (default: the
        first text channel the bot is in) (MESSAGE_CREATE). Attachments: paths, bytes,
        ``(filename, bytes)`` or ``discord.File``. Discord's own checks apply: the author
        must be able to see the channel and send messages."""
        embed_list = [_embed(e) for e in embeds]
        files = [_file(a) for a in attachments]

        def post() -> Message:
            where = self._channel(channel) if channel is not None \
                else self._default_text_channel()
            author_id = self._author(author, where)
            self.model.user(author_id)
            if check_permissions:
                needed = [Permission.SEND_MESSAGES]
                if files:
                    needed.append(Permission.ATTACH_FILES)
                self.model.require(where, author_id, *needed)
            made = []
            for name, data, ctype in files:
                attachment_id = self.model.ids.next()
                made.append(Attachment(attachment_id, name, len(data), ctype,
                                       self.twin.http_url(
                                           f"/attachments/{where.id}/{attachment_id}/{name}"),
                                       data))
            reference = None
            if reply_to is not None:
                target = self._message(reply_to)
                reference = {"message_id": str(target.id), "channel_id": str(target.channel_id)}
            message: Message = self.model.create_message(
                where, author_id, content, embeds=embed_list, attachments=made,
                reference=reference, tts=tts)
            return message

        return await self._run(post)

    async def edit_message(self, message: Any, new_content: Any = _UNSET, *,
                           content: Any = _UNSET, embeds: Any = _UNSET) -> Message:
        """MESSAGE_UPDATE: new content and/or embeds."""
        changes: dict[str, Any] = {}
        text = content if content is not _UNSET else new_content
        if text is not _UNSET:
            changes["content"] = text
        if embeds is not _UNSET:
            changes["embeds"] = [_embed(e) for e in embeds or []]
        return await self._run(lambda: self.model.edit_message(self._message(message),
                                                               changes))

    async def delete_message(self, message: Any) -> None:
        """MESSAGE_DELETE."""
        await self._run(lambda: self.model.delete_message(self._message(message)))

    async def add_reaction(self, message: Any, user: Any, emoji: Any) -> None:
        """``user`` reacts (MESSAGE_REACTION_ADD)."""
        await self._run(lambda: self.model.add_reaction(self._message(message),
                                                        _user_id(user), _emoji(emoji)))

    async def remove_reaction(self, message: Any, user: Any, emoji: Any) -> None:
        """``user`` takes the reaction back (MESSAGE_REACTION_REMOVE)."""
        await self._run(lambda: self.model.remove_reaction(self._message(message),
                                                           _user_id(user), _emoji(emoji)))

    async def clear_reactions(self, message: Any, emoji: Any = None) -> None:
        await self._run(lambda: self.model.clear_reactions(
            self._message(message), None if emoji is None else _emoji(emoji)))

    async def pin_message(self, message: Any) -> None:
        await self._run(lambda: self.model.set_pinned(self._message(message), True))

    async def unpin_message(self, message: Any) -> None:
        await self._run(lambda: self.model.set_pinned(self._message(message), False))

    async def start_typing(self, channel: Any, user: Any) -> None:
        """``user`` starts typing in ``channel`` (TYPING_START)."""
        await self._run(lambda: self.model.typing(self._channel(channel), _user_id(user)))

    async def open_dm(self, user: Any) -> Channel:
        """The DM channel between ``user`` and the bot (send_message in it to DM the bot)."""
        return await self._run(lambda: self.model.open_dm(_user_id(user), self.model.bot.id))

    # -- the gateway --------------------------------------------------------------------

    async def dispatch_event(self, name: str, data: dict[str, Any], *,
                             guild: Any = None) -> None:
        """Any dispatch, as given, to the bot's sessions (those of ``guild``'s shard; the
        bot's intents still decide who gets a known event)."""
        guild_id = None if guild is None else _id(guild, "guild")
        await self._run(lambda: self.twin.hub.dispatch(name, data, guild_id=guild_id))

    async def disconnect(self, code: int = 4000, reason: str = "Unknown error.", *,
                         refuse: bool = False) -> None:
        """Close the bot's gateway connections with ``code`` (4000: the bot resumes; 1000
        ends its sessions). With ``refuse``, gateway handshakes are refused (503) until
        :meth:`connect`."""

        def apply() -> None:
            self._disconnect_mark = self._last_seq()
            if refuse:
                self.twin.faults.remove(_REFUSE)
                self.twin.faults.add(RefuseHandshake(name=_REFUSE, status=503,
                                                     scope=Scope(route="/")))
            self.twin.hub.close_all(code, reason)

        await self._run(apply)

    async def connect(self, timeout: float = 10.0) -> str:
        """Let the bot back in (after ``disconnect(refuse=True)``) and wait until it has a
        session again (READY or RESUMED since the last disconnect); returns its id."""
        self.twin.faults.remove(_REFUSE)
        entry = await self._wait_out(("READY", "RESUMED"), self._disconnect_mark, timeout)
        return await self._session_of(entry)

    async def _wait_out(self, events: tuple[str, ...], since: int, timeout: float) -> Entry:
        """The first of ``events`` sent after journal entry ``since``, once the bot has read
        it (and whatever came with it: a READY's GUILD_CREATEs)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            (entry,) = await self.twin.journal.wait_for(
                lambda e: e.kind == "frame" and e.direction == "out" and e.event in events
                and e.seq > since, timeout=timeout)
        except TimeoutError as exc:
            raise BackendError(f"the bot did not get {' or '.join(events)} within "
                               f"{timeout:g}s\n{exc}") from None
        await self._sync_gateway({}, deadline)
        return entry

    async def _session_of(self, entry: Entry) -> str:
        payload = entry.json or {}
        if entry.event == "READY":
            return str(payload.get("d", {}).get("session_id"))

        def find() -> str:
            for session in self.twin.hub.sessions.values():
                conn = session.connection
                sock = getattr(conn.transport, "sock", None) if conn else None
                if sock is not None and sock.id == entry.connection:
                    return session.id
            return ""

        return await self._run(find)

    async def request_reconnect(self, *, wait: bool = True, timeout: float = 10.0) -> str:
        """Gateway op 7: the bot reconnects and resumes; with ``wait``, returns once it has
        (RESUMED) with the session id."""
        mark = await self._run(self._last_seq)
        await self._run(self.twin.hub.request_reconnect)
        if not wait:
            return ""
        return await self._session_of(await self._wait_out(("RESUMED",), mark, timeout))

    async def invalidate_session(self, resumable: bool = False, *, wait: bool = True,
                                 timeout: float = 10.0) -> str:
        """Gateway op 9: the bot's sessions are invalid (``resumable``: it may RESUME);
        with ``wait``, returns once it has a new one (READY) or resumed."""
        mark = await self._run(self._last_seq)
        await self._run(lambda: self.twin.hub.invalidate(resumable))
        if not wait:
            return ""
        events = ("RESUMED", "READY") if resumable else ("READY",)
        return await self._session_of(await self._wait_out(events, mark, timeout))

    async def dispatch_ready(self, timeout: float = 10.0) -> str:
        """What READY means on a real gateway: a fresh session. The bot's session is
        invalidated (op 9), it identifies again and gets READY and its guilds; returns the
        new session id."""
        return await self.invalidate_session(False, timeout=timeout)

    async def dispatch_resumed(self, timeout: float = 10.0) -> str:
        """What RESUMED means: the bot is asked to reconnect (op 7), resumes its session
        and gets RESUMED; returns the session id."""
        return await self.request_reconnect(timeout=timeout)

    async def wait_for_event(self, name: str, timeout: float = 5.0, *,
                             match: Callable[[dict[str, Any]], bool] | None = None
                             ) -> dict[str, Any]:
        """The next ``name`` dispatch the twin sent the bot (its ``d``): each call returns
        the one after what the last call for ``name`` returned, so an event sent before
        the call is not missed."""
        since = self._event_cursor.get(name, 0)

        def wanted(entry: Entry) -> bool:
            if entry.kind != "frame" or entry.direction != "out" or entry.event != name \
                    or entry.seq <= since:
                return False
            data = (entry.json or {}).get("d")
            return match is None or (isinstance(data, dict) and match(data))

        try:
            (entry,) = await self.twin.journal.wait_for(wanted, timeout=timeout)
        except TimeoutError as exc:
            raise BackendError(f"no {name} dispatch within {timeout:g}s\n{exc}") from None
        self._event_cursor[name] = entry.seq
        data = (entry.json or {}).get("d")
        return data if isinstance(data, dict) else {}

    # -- what the bot sent --------------------------------------------------------------

    def get_message_queue(self) -> list[Message]:
        """The messages the bot sent that no get/verify has taken yet, oldest first
        (not a coroutine)."""
        return self._sent.snapshot()[self._consumed:]

    def sent_messages(self) -> list[Message]:
        """Every message the bot sent since the last clear (not a coroutine)."""
        return self._sent.snapshot()

    def get_message(self, peek: bool = False) -> Message:
        """The oldest message in the queue, taken out unless ``peek`` (not a coroutine)."""
        queue = self.get_message_queue()
        if not queue:
            raise BackendError("the bot has sent no message (the queue is empty)")
        if not peek:
            self._consumed += 1
        return queue[0]

    def peek_message(self) -> Message:
        return self.get_message(peek=True)

    def _take(self, peek: bool) -> Message | None:
        queue = self.get_message_queue()
        if not queue:
            return None
        if not peek:
            self._consumed += 1
        return queue[0]

    async def clear_message_queue(self) -> None:
        """Forget what the bot has sent so far."""
        self._consumed = len(self._sent.snapshot())

    async def wait_for_messages(self, count: int = 1, timeout: float = 5.0,
                                *, peek: bool = False) -> list[Message]:
        """The next ``count`` messages the bot sends (taken out of the queue unless
        ``peek``), waiting for them if they have not come yet."""
        start = self._consumed
        try:
            await self._sent.wait_for(lambda _: True, count=start + count, timeout=timeout)
        except TimeoutError as exc:
            raise BackendError(f"waited {timeout:g}s for {count} message(s) from the bot, "
                               f"got {len(self.get_message_queue())}\n{exc}") from None
        messages = self._sent.snapshot()[start:start + count]
        if not peek:
            self._consumed = start + count
        return messages

    def verify(self) -> Verify:
        """dpytest's ``verify()``: ``assert backend.verify().message().content("pong")``."""
        from .verify import Verify

        return Verify(self)

    # -- REST trouble -------------------------------------------------------------------

    def _templates(self, route: str | None, method: str | None) -> list[tuple[str, str]]:
        known = self.twin.rest.templates
        if route is None:
            return [(m, t) for m, t in known if method is None or m == method.upper()]
        template = route
        for prefix in ("/api/v10", "/api/v9", "/api"):
            if template.startswith(prefix + "/"):
                template = template.removeprefix(prefix)
                break
        found = [(m, t) for m, t in known if t == template
                 and (method is None or m == method.upper())]
        if not found:
            shown = "\n".join(f"  {m} {t}" for m, t in known)
            raise BackendError(f"the twin has no route {method or '*'} {route!r}; it has:\n"
                               f"{shown}")
        return found

    async def set_error_state(self, error_type: str = "http", status: int = 500,
                              message: str | None = None, *, route: str | None = None,
                              method: str | None = None, code: int = 0,
                              disconnect: bool = False) -> None:
        """``"http"``: every request to ``route`` (a template such as
        ``/channels/{channel_id}/messages``; all routes when None; ``method`` narrows it)
        is answered ``status`` with Discord's ``{"message", "code"}`` body, until
        :meth:`clear_error_state`. ``"websocket"``: the next IDENTIFY is closed with
        ``code`` (4004 "Authentication failed." by default); with ``disconnect``, the
        bot's live connections are closed with it now too."""
        if error_type == "http":
            forced = DiscordError(status, code, message or
                                  f"{status}: {_HTTP_REASONS.get(status, 'Error')}")
            pairs = self._templates(route, method)

            def apply() -> None:
                for pair in pairs:
                    self.twin.rest.forced[pair] = forced

            await self._run(apply)
            return
        if error_type in ("websocket", "gateway"):
            close = code or 4004
            reason = message or ("Authentication failed." if close == 4004 else
                                 "Unknown error.")

            def refuse() -> None:
                self.twin.hub.refuse_identify = (close, reason)
                if disconnect:
                    self.twin.hub.close_all(close, reason)

            await self._run(refuse)
            return
        raise BackendError(f"error_type is 'http' or 'websocket', not {error_type!r}")

    async def clear_error_state(self) -> None:
        def apply() -> None:
            self.twin.rest.forced.clear()
            self.twin.hub.refuse_identify = None

        await self._run(apply)

    async def set_rate_limit(self, route: str, limit: int, reset_after: float, *,
                             method: str | None = None) -> None:
        """The bucket of ``route`` (a template) allows ``limit`` requests per
        ``reset_after`` seconds (twin clock); past that, 429 with ``retry_after``."""
        pairs = self._templates(route, method)
        if limit < 1 or reset_after <= 0:
            raise BackendError("a rate limit needs limit >= 1 and reset_after > 0")

        def apply() -> None:
            limits = self.twin.rest.limits
            for _, template in pairs:
                limits.overrides[template] = (limit, reset_after)
                for key in [k for k in limits.buckets if k.startswith(template + "|")]:
                    del limits.buckets[key]

        await self._run(apply)

    async def clear_rate_limits(self) -> None:
        def apply() -> None:
            self.twin.rest.limits.overrides.clear()
            self.twin.rest.limits.buckets.clear()

        await self._run(apply)

    # -- state --------------------------------------------------------------------------

    def get_state(self) -> DiscordModel:
        """The twin's model (guilds, channels, users, messages), for reading."""
        return self.model

    def create_state_snapshot(self) -> dict[str, Any]:
        """The twin's state as plain JSON (``twin.snapshot()``; not a coroutine)."""
        try:
            return self.twin.snapshot()
        except NotImplementedError:
            raise BackendError("this Discord twin cannot snapshot its state yet") from None

    async def restore_state(self, snapshot: dict[str, Any]) -> None:
        """Back to a :meth:`create_state_snapshot` (``twin.restore``); the bot is told
        what changed the way Discord would tell it."""
        twin = self.twin

        def apply() -> None:
            try:
                twin.restore(snapshot)
            except NotImplementedError:
                raise BackendError("this Discord twin cannot restore a state yet") from None
            except ValueError as exc:  # snapshot.SnapshotError: says which entry
                raise BackendError(f"cannot restore that snapshot: {exc}") from None

        await self._run(apply)

    async def clear_state(self) -> None:
        """Delete every guild (the bot gets GUILD_DELETEs), DM channel and user the tests
        made; clear forced errors, rate limits, the message queue and event cursors."""

        def apply() -> None:
            model = self.model
            for guild in list(model.guilds.values()):
                model.delete_guild(guild)
            for channel_id in list(model.dms.values()):
                model.channels.pop(channel_id, None)
                model.messages.pop(channel_id, None)
            model.dms.clear()
            keep = {model.bot.id, model.application.owner.id}
            for user_id in [u for u in model.users if u not in keep]:
                del model.users[user_id]
            self.twin.rest.forced.clear()
            self.twin.rest.limits.overrides.clear()
            self.twin.rest.limits.buckets.clear()
            self.twin.hub.refuse_identify = None

        await self._run(apply)
        self.twin.faults.remove(_REFUSE)
        self._sent.clear()
        self._consumed = 0
        self._event_cursor.clear()

    # -- the driver ---------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def settle(self, timeout: float = 5.0) -> AsyncIterator[None]:
        """``async with backend.settle():`` around anything that makes the bot act: on the
        way out, waits until the bot has read every dispatch it was sent and every task it
        started since (event handlers, what they spawned) has finished, so everything it
        did in response has arrived. Must run in the bot's event loop."""
        before = set(asyncio.all_tasks())
        synced = await self._run(lambda: {s.id: s.seq for s in self.twin.hub.sessions.values()})
        yield
        await self._quiesce(before, synced, timeout)

    async def message(self, content: str, channel: Any = None, author: Any = None, *,
                      embeds: Iterable[Any] = (), attachments: Iterable[Any] = (),
                      reply_to: Any = None, timeout: float = 5.0) -> Message:
        """dpytest's ``message()``: ``author`` posts ``content`` (see :meth:`send_message`
        for the defaults) and this returns once the bot has finished answering it."""
        connected = await self._run(lambda: any(
            s.connection is not None for s in self.twin.hub.sessions.values()))
        if not connected:
            raise BackendError("no bot is connected to the twin's gateway to read the "
                               "message (use send_message to post without one)")
        async with self.settle(timeout):
            sent = await self.send_message(channel, content, author, embeds=embeds,
                                           attachments=attachments, reply_to=reply_to)
        return sent

    async def _quiesce(self, before: set[asyncio.Task[Any]], synced: dict[str, int],
                       timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        current = asyncio.current_task()
        while True:
            await self._sync_gateway(synced, deadline)
            pending = [t for t in asyncio.all_tasks() if t is not current
                       and t not in before and not t.done() and not _infrastructure(t)]
            if not pending:
                return
            remaining = deadline - loop.time()
            if remaining > 0:
                await asyncio.wait(pending, timeout=remaining)
            late = [t for t in pending if not t.done()]
            if late:
                shown = "\n".join(f"  {_describe_task(t)}" for t in late)
                raise BackendError(
                    f"the bot was still busy after {timeout:g}s; its unfinished tasks:\n"
                    f"{shown}\n(a handler waiting for something that never comes? pass a "
                    "longer timeout= if it is just slow)")

    async def _sync_gateway(self, synced: dict[str, int], deadline: float) -> None:
        """Ping (at the websocket level) every bot connection that was sent something since
        the last sync, and wait for each pong: a client answers a ping when it reads it,
        so by then it has read, and dispatched, every frame sent before it.

        A websocket ping rather than the gateway's op 1: every client library answers it
        without counting it against its own gateway send limit (discord.py allows itself
        110 sends a minute, and would stall a long suite of ``twin.message`` calls)."""

        def request() -> list[tuple[str, bytes]]:
            targets: list[tuple[str, bytes]] = []
            for session in self.twin.hub.sessions.values():
                conn = session.connection
                if conn is None or synced.get(session.id) == session.seq:
                    continue
                sock = getattr(conn.transport, "sock", None)
                if sock is None:
                    continue
                synced[session.id] = session.seq
                self._pings += 1
                payload = f"wiretwin-sync-{self._pings}".encode()
                sock.ping(payload)
                targets.append((sock.id, payload))
            return targets

        loop = asyncio.get_running_loop()
        for connection, payload in await self._run(request):
            expected = base64.b64encode(payload).decode()

            def answered(entry: Entry, connection: str = connection,
                         expected: str = expected) -> bool:
                return (entry.kind == "frame" and entry.direction == "in"
                        and entry.event == "ws:pong" and entry.connection == connection
                        and entry.data == expected)

            try:
                await self.twin.journal.wait_for(
                    answered, timeout=max(0.001, deadline - loop.time()))
            except TimeoutError:
                raise BackendError(
                    f"the bot did not answer a websocket ping on connection {connection} "
                    "in time: is its event loop blocked, or did it lose the "
                    "connection?") from None


def _maybe_id(obj: Any) -> int | None:
    try:
        return _id(obj, "id")
    except BackendError:
        return None


__all__ = ["Backend", "BackendError"]
