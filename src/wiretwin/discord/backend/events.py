"""The dpytest backend guide's event vocabulary: ``dispatch_*`` (a user's message, a member
joining, a reaction, each made in the model and sent to the bot as Discord sends it),
``process_*`` (the same, returning once the bot has finished reacting) and
``wait_for_state_update`` (the next change the bot was told of).

A ``dispatch_*`` call returns as soon as the dispatch is sent; ``process_action()`` then
waits for everything the bot started since the test last waited for it (the backend notes
the bot's tasks at the first change after each settle), which is how the guide's
"dispatch, then process" reads.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ...runtime.journal import Entry
from ..coerce import BackendError, emoji_of, id_of, user_id_of
from ..model import Member, Message, Reaction
from ..model.entities import emoji_key
from .driver import Driver

#: discord.py's event names (``on_<name>``; the guide's ``wait_for_event("message")``)
#: for the gateway dispatches that raise them.
EVENT_NAMES = {
    "message": "MESSAGE_CREATE", "message_edit": "MESSAGE_UPDATE",
    "message_delete": "MESSAGE_DELETE", "bulk_message_delete": "MESSAGE_DELETE_BULK",
    "reaction_add": "MESSAGE_REACTION_ADD", "reaction_remove": "MESSAGE_REACTION_REMOVE",
    "reaction_clear": "MESSAGE_REACTION_REMOVE_ALL",
    "reaction_clear_emoji": "MESSAGE_REACTION_REMOVE_EMOJI",
    "member_join": "GUILD_MEMBER_ADD", "member_remove": "GUILD_MEMBER_REMOVE",
    "member_update": "GUILD_MEMBER_UPDATE", "member_ban": "GUILD_BAN_ADD",
    "member_unban": "GUILD_BAN_REMOVE", "presence_update": "PRESENCE_UPDATE",
    "guild_join": "GUILD_CREATE", "guild_available": "GUILD_CREATE",
    "guild_remove": "GUILD_DELETE", "guild_update": "GUILD_UPDATE",
    "guild_channel_create": "CHANNEL_CREATE", "guild_channel_update": "CHANNEL_UPDATE",
    "guild_channel_delete": "CHANNEL_DELETE",
    "guild_channel_pins_update": "CHANNEL_PINS_UPDATE",
    "guild_role_create": "GUILD_ROLE_CREATE", "guild_role_update": "GUILD_ROLE_UPDATE",
    "guild_role_delete": "GUILD_ROLE_DELETE", "typing": "TYPING_START",
    "voice_state_update": "VOICE_STATE_UPDATE", "interaction": "INTERACTION_CREATE",
    "thread_create": "THREAD_CREATE", "thread_update": "THREAD_UPDATE",
    "thread_delete": "THREAD_DELETE", "ready": "READY", "resumed": "RESUMED",
}

#: Dispatches that tell the bot of no change to the world (wait_for_state_update skips
#: them): someone typing, an interaction to answer, a resumed session, a voice server.
NOT_STATE = frozenset({"TYPING_START", "INTERACTION_CREATE", "RESUMED",
                       "VOICE_SERVER_UPDATE"})


def dispatch_names(name: str) -> frozenset[str]:
    """The dispatch names ``name`` stands for: itself, and, for one of discord.py's event
    names (``"message"``), the dispatch that raises it (``MESSAGE_CREATE``)."""
    mapped = EVENT_NAMES.get(name)
    return frozenset({name} if mapped is None else {name, mapped})


@dataclass(frozen=True)
class StateUpdate:
    """One change the bot was told of: the dispatch's name and its ``d``."""

    event: str
    data: dict[str, Any] = field(default_factory=dict)
    #: The journal entry of the frame that carried it.
    seq: int = 0


@dataclass
class _MessageSpec:
    """What a message to post is made of, read off whatever the test passed."""

    channel: Any = None
    content: str = ""
    author: Any = None
    embeds: list[Any] = field(default_factory=list)
    attachments: list[Any] = field(default_factory=list)
    reply_to: Any = None
    tts: bool = False


def _ref_id(value: Any) -> Any:
    """An author/user/channel given as a payload dict (``{"id": "..."}``) or as itself."""
    return value.get("id") if isinstance(value, dict) else value


class EventActions(Driver):
    # -- dispatch_*: the change, and its dispatch ------------------------------------------

    async def dispatch_message(self, message: Any, channel: Any = None, author: Any = None,
                               *, embeds: Iterable[Any] = (), attachments: Iterable[Any] = (),
                               reply_to: Any = None, tts: bool | None = None,
                               check_permissions: bool = True) -> Message:
        """A user's message, created in the twin and sent to the bot (MESSAGE_CREATE).

        ``message``: the content (``author`` posts it in ``channel``, with
        :meth:`send_message`'s defaults); a payload dict (``content``, ``channel_id``,
        ``author`` or ``author_id``, ``embeds``, ``tts``, ``message_reference``); or a
        message (the twin's, or a ``discord.Message``), which is posted again as a new
        message (same author, channel, content, embeds, files, reply), since the one
        given was dispatched when it was made. Arguments given here win over the
        message's. Returns the new message; the bot's answer is not waited for (see
        :meth:`process_message`)."""
        spec = await self._run(lambda: self._message_spec(message), changes=False)
        spec.channel = channel if channel is not None else spec.channel
        spec.author = author if author is not None else spec.author
        spec.embeds = list(embeds) or spec.embeds
        spec.attachments = list(attachments) or spec.attachments
        spec.reply_to = reply_to if reply_to is not None else spec.reply_to
        spec.tts = spec.tts if tts is None else tts
        return await self.send_message(
            spec.channel, spec.content, spec.author, embeds=spec.embeds,
            attachments=spec.attachments, reply_to=spec.reply_to, tts=spec.tts,
            check_permissions=check_permissions)

    def _message_spec(self, message: Any) -> _MessageSpec:
        if isinstance(message, str):
            return _MessageSpec(content=message)
        if isinstance(message, dict):
            reference = message.get("message_reference") or {}
            return _MessageSpec(
                channel=message.get("channel_id", message.get("channel")),
                content=str(message.get("content") or ""),
                author=_ref_id(message.get("author", message.get("author_id"))),
                embeds=list(message.get("embeds") or []),
                attachments=list(message.get("attachments") or []),
                reply_to=message.get("reply_to", reference.get("message_id")),
                tts=bool(message.get("tts", False)))
        try:
            known = self._message(message)
        except BackendError:
            known = None
        if known is not None:
            reference = known.reference or {}
            return _MessageSpec(
                channel=known.channel_id, content=known.content, author=known.author_id,
                embeds=list(known.embeds),
                attachments=[(a.filename, a.data) for a in known.attachments
                             if not a.expired],
                reply_to=reference.get("message_id"), tts=known.tts)
        if not hasattr(message, "content"):
            raise BackendError(f"dispatch_message takes content, a payload dict or a "
                               f"message, not {message!r}")
        # A message the twin never had (deleted since, or made by the test): its fields.
        return _MessageSpec(channel=getattr(message, "channel", None),
                            content=str(message.content or ""),
                            author=getattr(message, "author", None),
                            embeds=list(getattr(message, "embeds", None) or []),
                            tts=bool(getattr(message, "tts", False)))

    async def dispatch_member_join(self, member: Any, guild: Any = None, *,
                                   roles: Iterable[Any] | None = None,
                                   nick: str | None = None) -> Member:
        """``member`` joins ``guild`` (GUILD_MEMBER_ADD), the member added to the twin.

        ``member``: a user (the twin's, a ``discord.User``, an id, or a name: a new
        user), a member (whose guild, roles and nick are the default), or a payload dict
        (``guild_id``, ``user`` or ``user_id``, ``roles``, ``nick``). Someone already in
        the guild leaves (GUILD_MEMBER_REMOVE) and joins again with the same roles and
        nick, so the bot gets its GUILD_MEMBER_ADD and its member count stays right."""
        wanted = None if roles is None else list(roles)

        def join() -> Member:
            target, user, given_roles, given_nick = self._joiner(member, guild)
            where = self._guild(target) if target is not None else self._guild_of(
                member, None)
            if isinstance(user, str) and not user.isdigit():
                user_id = self.model.add_user(user).id
            else:
                user_id = self._user(user).id
            if user_id == self.model.bot.id:
                raise BackendError("the bot joining a guild is a GUILD_CREATE: use "
                                   "make_guild")
            current = where.members.get(user_id)
            role_list = (wanted if wanted is not None else given_roles if given_roles
                         is not None else current.roles if current is not None else [])
            role_ids = [self._role(r, where).id for r in role_list]
            role_ids = [r for r in role_ids if r != where.id]  # @everyone is implied
            chosen_nick = (nick if nick is not None else given_nick if given_nick
                           is not None else current.nick if current is not None else None)
            if current is not None:
                self.model.remove_member(where, user_id)
            joined: Member = self.model.add_member(where, user_id, roles=role_ids,
                                                   nick=chosen_nick)
            return joined

        return await self._run(join)

    def _joiner(self, member: Any, guild: Any) -> tuple[Any, Any, list[Any] | None,
                                                        str | None]:
        """(guild, user, roles, nick) of who ``dispatch_member_join`` is given."""
        if isinstance(member, dict):
            user = _ref_id(member.get("user", member.get("user_id")))
            return (guild if guild is not None else member.get("guild_id",
                                                                member.get("guild")),
                    user, member.get("roles"), member.get("nick"))
        if isinstance(member, Member):
            return (guild if guild is not None else member.guild_id, member.user_id,
                    list(member.roles), member.nick)
        carried = getattr(member, "guild", None)
        if carried is not None and not isinstance(member, str):  # a discord.Member
            return (guild if guild is not None else carried, member,
                    list(getattr(member, "roles", None) or []) or None,
                    getattr(member, "nick", None))
        if guild is None:
            raise BackendError(f"which guild does {member!r} join? pass guild=")
        return guild, member, None, None

    async def dispatch_reaction_add(self, reaction: Any, user: Any = None,
                                    emoji: Any = None) -> Reaction:
        """``user`` reacts (MESSAGE_REACTION_ADD), the reaction recorded on the message.

        ``reaction``: a ``discord.Reaction`` (its message and emoji), the twin's
        :class:`~.model.Reaction`, a payload dict (``message_id``, ``user_id``,
        ``emoji``; or ``message``, ``user``, ``emoji``), or, as in dpytest's
        ``add_reaction(message, user, emoji)``, the message itself with ``emoji``.
        ``user`` defaults to the first human member who can see the channel. A user who
        had already reacted so takes it back first (MESSAGE_REACTION_REMOVE), so the bot
        gets the add and the count stays right. Returns the twin's reaction."""

        def react() -> Reaction:
            target, who, what = self._reaction_parts(reaction, user, emoji)
            if what is None:
                raise BackendError("which emoji? pass emoji=")
            data = emoji_of(what)
            channel = self._channel(target.channel_id)
            user_id = self._author(who, channel) if who is None else user_id_of(who)
            self.model.remove_reaction(target, user_id, data)  # no-op unless it was there
            self.model.add_reaction(target, user_id, data)
            return target.reactions[emoji_key(data)]

        return await self._run(react)

    def _reaction_parts(self, reaction: Any, user: Any, emoji: Any
                        ) -> tuple[Message, Any, Any]:
        if isinstance(reaction, dict):
            message = reaction.get("message", reaction.get("message_id"))
            if "message" not in reaction and reaction.get("channel_id") is not None:
                channel_id = id_of(reaction["channel_id"], "channel")
                found = self.model.messages.get(channel_id, {}).get(id_of(message, "message"))
                if found is None:
                    raise BackendError(f"no message {message} in channel {channel_id}")
                message = found
            who = user if user is not None else _ref_id(reaction.get("user",
                                                                     reaction.get("user_id")))
            return (self._message(message), who,
                    emoji if emoji is not None else reaction.get("emoji"))
        if isinstance(reaction, Reaction):
            for channel in self.model.messages.values():
                for message in channel.values():
                    if message.reactions.get(reaction.key) is reaction:
                        return message, user, emoji if emoji is not None else reaction.emoji
            raise BackendError("that reaction is on no message in the twin (all taken "
                               "back?): pass the message and emoji")
        carried = getattr(reaction, "message", None)
        if carried is not None and hasattr(reaction, "emoji"):  # a discord.Reaction
            return (self._message(carried), user,
                    emoji if emoji is not None else reaction.emoji)
        return self._message(reaction), user, emoji

    async def _bot_connected(self) -> bool:
        return await self._run(lambda: any(
            s.connection is not None for s in self.twin.hub.sessions.values()),
            changes=False)

    # -- process_*: the same, and the bot's whole answer -----------------------------------

    async def process_message(self, message: Any, channel: Any = None, author: Any = None,
                              *, timeout: float = 5.0, **options: Any) -> Message:
        """:meth:`dispatch_message`, returning once the bot has finished with it (every
        task it started has ended, every REST call answered). What it sent is in the
        queue (``get_message``, ``verify()``). Returns the user's message."""
        await self._require_connected("process")
        async with self.settle(timeout):
            made = await self.dispatch_message(message, channel, author, **options)
        return made

    async def process_messages(self, messages: Iterable[Any], channel: Any = None,
                               author: Any = None, *, timeout: float = 5.0,
                               **options: Any) -> list[Message]:
        """:meth:`process_message` for each of ``messages`` in turn, each answered before
        the next is sent (as a user waits for a reply); returns the users' messages."""
        return [await self.process_message(m, channel, author, timeout=timeout, **options)
                for m in list(messages)]

    async def process_action(self, action: Any = None, /, *args: Any, timeout: float = 5.0,
                             **kwargs: Any) -> Any:
        """Run ``action`` and return its result once the bot has finished reacting.

        ``action``: an awaitable (``backend.add_reaction(...)``, ``channel.send(...)``),
        a callable (called with ``args``/``kwargs``), or the name of a backend method
        (``"add_reaction"``). Either way (and with no action) it also waits for what the
        bot started since the test last waited for it (a settle, a ``process_*``): the
        guide's ``dispatch_*`` calls, say. Raises :class:`BackendError` when the twin
        refuses the action, or the bot is still busy after ``timeout`` (then the next
        call waits for those tasks again)."""
        if isinstance(action, str):
            method = getattr(self, action, None) if not action.startswith("_") else None
            if not callable(method):
                raise BackendError(f"the backend has no action {action!r}")
            action = method
        if (args or kwargs) and not callable(action):
            raise BackendError("arguments are for a callable action (or a method's name)")
        current = asyncio.current_task()
        unsettled = self._unsettled
        if unsettled is None or current is None or not any(
                t.get_loop() is current.get_loop() for t in unsettled):
            unsettled = None  # noted in another loop (a call from the twin's thread)
        before = unsettled if unsettled is not None else set(asyncio.all_tasks())
        result = None
        if action is not None:
            result = action(*args, **kwargs) if callable(action) else action
            if inspect.isawaitable(result):
                result = await result
        # Every connection pinged (not only those sent something since ``before``): what
        # was sent before the call may not have been read yet.
        await self._quiesce(before, {}, timeout)
        self._unsettled = None
        return result

    async def _require_connected(self, verb: str) -> None:
        if not await self._bot_connected():
            raise BackendError(f"no bot is connected to the twin's gateway to {verb} the "
                               "message (use dispatch_message to send without one)")

    # -- wait_for_state_update ---------------------------------------------------------

    async def wait_for_state_update(self, event: str | Iterable[str] | None = None,
                                    timeout: float = 5.0, *,
                                    match: Callable[[dict[str, Any]], bool] | None = None
                                    ) -> StateUpdate:
        """The next change to the world the bot was told of, once the bot has read it
        (its cache agrees with the twin): the first state dispatch (not typing, an
        interaction or a resume) after the backend call that last changed something, or
        after the update the last call returned, whichever is later (with neither, the
        first since the twin started). So
        ``await backend.update_member(m, nick="x")`` then this returns that
        GUILD_MEMBER_UPDATE; called again, the next change (the bot's answer...),
        waiting for it. ``event`` (dispatch or discord.py names) and ``match`` (on its
        ``d``) narrow what counts."""
        names: frozenset[str] | None = None
        if event is not None:
            given = [event] if isinstance(event, str) else list(event)
            names = frozenset().union(*(dispatch_names(n) for n in given))
        since = self._state_mark

        def wanted(entry: Entry) -> bool:
            if entry.seq <= since or entry.kind != "frame" or entry.direction != "out" \
                    or entry.event is None or entry.event in NOT_STATE:
                return False
            if names is not None and entry.event not in names:
                return False
            payload = entry.json
            if not isinstance(payload, dict) or payload.get("op") != 0:
                return False
            data = payload.get("d")
            return match is None or (isinstance(data, dict) and match(data))

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            (entry,) = await self.twin.journal.wait_for(wanted, timeout=timeout)
        except TimeoutError as exc:
            raise BackendError(f"no state update reached the bot within {timeout:g}s\n"
                               f"{exc}") from None
        self._state_mark = max(self._state_mark, entry.seq)
        await self._sync_gateway({}, deadline)
        data = (entry.json or {}).get("d")
        return StateUpdate(str(entry.event), data if isinstance(data, dict) else {},
                           entry.seq)


__all__ = ["EVENT_NAMES", "NOT_STATE", "EventActions", "StateUpdate", "dispatch_names"]
