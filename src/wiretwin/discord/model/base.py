"""The Discord model's state, lookups, permissions and how its consequences leave it.

Theory of operation
-------------------
The model holds users, the application and its bot, guilds (roles, members, bans, voice
states), channels (guild channels and DMs) and messages. Operations live in mixins by area
(:mod:`.guilds`, :mod:`.members`, :mod:`.messages`); each either raises
:class:`DiscordError` (an HTTP status, a Discord error code and message) having changed
nothing, or applies the change and reports it through :class:`Effects` as a gateway
dispatch (``MESSAGE_CREATE`` ...), or as a time the model wants to be woken at (a poll
ends then: the effects call ``tick``). The gateway decides which sessions get a dispatch
(intents, shards); the REST layer decides who may act (:meth:`ModelBase.permissions`).
REST, the gateway and the test-control API all call these same operations.

Ids are snowflakes from the twin's clock; time is the clock's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ...runtime.clock import Clock
from ..errors import (
    UNKNOWN_CHANNEL,
    UNKNOWN_GUILD,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    DiscordError,
    form_error,
    missing_access,
    missing_permissions,
    unknown,
)
from ..permissions import Permission, apply_overwrites, base_permissions
from ..snowflake import Snowflakes
from ..wire.serialize import voice_state_json
from . import rules
from .entities import (
    Application,
    Channel,
    ChannelType,
    Emoji,
    Guild,
    Member,
    Message,
    Overwrite,
    User,
    Webhook,
)
from .storage import History, StorageLimits

#: Discord's default per-file upload limit, for bots as for users (10 MiB since
#: 2025-01-16; its API reference, "Uploading Files", and change log of 2024-12-16).
ATTACHMENT_LIMIT = 10 * 1024 * 1024
#: VOICE_SERVER_UPDATE's endpoint in a model that has no voice server to point at.
NO_VOICE_SERVER = "wiretwin.discord.media:443"
#: Message flag: a thread was started from this message (the thread has its id).
_HAS_THREAD = 1 << 5

_VIEW_CHANNEL = int(Permission.VIEW_CHANNEL)
#: What everyone in a DM may do there.
_IN_DMS = Permission(Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES
                     | Permission.READ_MESSAGE_HISTORY | Permission.ADD_REACTIONS
                     | Permission.EMBED_LINKS | Permission.ATTACH_FILES
                     | Permission.SEND_POLLS | Permission.SEND_VOICE_MESSAGES)


class Effects(Protocol):
    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None,
                 user_ids: frozenset[int] | None = None) -> None:
        """A gateway dispatch; ``user_ids`` limits it to sessions of those users (DMs)."""
        ...

    def guild_joined(self, guild_id: int) -> None:
        """The bot is now in the guild: its sessions get a GUILD_CREATE shaped for each."""
        ...

    def wake_at(self, when_ms: float) -> None:
        """Something is due at ``when_ms`` (epoch ms on the model's clock; a poll's end):
        call the model's ``tick(when_ms)`` then. Early or repeated calls are harmless."""
        ...


class ModelBase:
    def __init__(self, effects: Effects, clock: Clock, application: Application, *,
                 attachment_limit: int = ATTACHMENT_LIMIT,
                 storage_limits: StorageLimits | None = None,
                 voice_endpoint: Callable[[], str] | None = None) -> None:
        self.effects = effects
        #: Where VOICE_SERVER_UPDATE sends the bot: the twin's voice server
        #: (``127.0.0.1:<port>``), or a placeholder host for a model without one.
        self.voice_endpoint: Callable[[], str] = voice_endpoint or (
            lambda: NO_VOICE_SERVER)
        #: What the model keeps of messages and uploads (see :mod:`.storage`).
        self.storage = History(storage_limits or StorageLimits())
        self.clock = clock
        #: The largest file a message may carry, in bytes (Discord's per-file upload
        #: limit; interactions tell the bot as ``attachment_size_limit``).
        self.attachment_limit = attachment_limit
        self.ids = Snowflakes(clock)
        self.application = application
        self.users: dict[int, User] = {application.bot.id: application.bot,
                                       application.owner.id: application.owner}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        #: channel id -> message id -> message, in creation order.
        self.messages: dict[int, dict[int, Message]] = {}
        #: frozenset of the two users -> DM channel id.
        self.dms: dict[frozenset[int], int] = {}
        #: Application command id -> the command as Discord returns it (global ones have
        #: no ``guild_id``).
        self.app_commands: dict[int, dict[str, Any]] = {}
        #: Channel webhooks by id.
        self.webhooks: dict[int, Webhook] = {}
        #: The application's own emojis by id (guild emojis live in their guild).
        self.app_emojis: dict[int, Emoji] = {}
        #: (guild id, command id or application id) -> permission overrides
        #: (``[{"id", "type", "permission"}]``), as an admin set them in the app.
        self.command_permissions: dict[tuple[int, int], list[dict[str, Any]]] = {}
        #: guild id -> how many voice connections the bot was given there: Discord hands
        #: out a new voice token in every VOICE_SERVER_UPDATE (each join or move).
        self.voice_connections: dict[int, int] = {}

    # -- lookups ------------------------------------------------------------------------

    @property
    def bot(self) -> User:
        return self.application.bot

    @property
    def now_ms(self) -> float:
        return self.clock.time() * 1000

    def user(self, user_id: int) -> User:
        found = self.users.get(user_id)
        if found is None:
            raise UNKNOWN_USER()
        return found

    def guild(self, guild_id: int) -> Guild:
        found = self.guilds.get(guild_id)
        if found is None:
            raise UNKNOWN_GUILD()
        return found

    def channel(self, channel_id: int) -> Channel:
        found = self.channels.get(channel_id)
        if found is None:
            raise UNKNOWN_CHANNEL()
        return found

    def member(self, guild: Guild, user_id: int) -> Member:
        found = guild.members.get(user_id)
        if found is None:
            raise UNKNOWN_MEMBER()
        return found

    def message(self, channel: Channel, message_id: int) -> Message:
        found = self.messages.get(channel.id, {}).get(message_id)
        if found is None:
            raise UNKNOWN_MESSAGE()
        return found

    def member_json(self, guild: Guild, user_id: int, *, with_user: bool = True
                    ) -> dict[str, Any]:
        member = self.member(guild, user_id)
        return member.to_json(self.users[user_id], with_user=with_user)

    def message_json(self, message: Message, *, content_visible: bool = True,
                     me: int | None = None) -> dict[str, Any]:
        """The message as Discord sends it; ``me`` (the bot by default) is whose own
        reactions and poll votes are marked ``me``/``me_voted``."""
        viewer = self.bot.id if me is None else me
        member = None
        if message.guild_id is not None:
            guild = self.guilds.get(message.guild_id)
            if guild is not None and message.author_id in guild.members:
                member = self.member_json(guild, message.author_id, with_user=False)
        referenced = None
        if message.reference is not None:
            ref_id = message.reference.get("message_id")
            channel_msgs = self.messages.get(message.channel_id, {})
            target = channel_msgs.get(int(ref_id)) if ref_id else None
            if target is not None:
                referenced = target.to_json(self.users, me=viewer)
        data = message.to_json(self.users, me=viewer, member=member,
                               referenced=referenced, content_visible=content_visible)
        if message.flags & _HAS_THREAD:
            thread = self.channels.get(message.id)
            if thread is not None and thread.thread is not None:
                data["thread"] = self.channel_json(thread)
        return data

    def threads(self, guild_id: int, *, archived: bool | None = None) -> list[Channel]:
        """The guild's threads (only active ones with ``archived=False``), oldest first."""
        return [c for c in self.channels.values()
                if c.thread is not None and c.guild_id == guild_id
                and (archived is None or c.thread.archived is archived)]

    def thread_json(self, thread: Channel, user_id: int | None = None) -> dict[str, Any]:
        """A thread as REST shows it; with ``member`` when ``user_id`` is in it."""
        data = self.channel_json(thread)
        info = thread.thread
        if info is not None and user_id is not None and user_id in info.members:
            data["member"] = info.member_json(thread.id, user_id)
        return data

    def channel_json(self, channel: Channel) -> dict[str, Any]:
        data = channel.to_json(self.users)
        if channel.is_dm and len(channel.recipients) > 1:
            # As the bot sees it: the *other* users (discord.py takes recipients[0]).
            me = str(self.bot.id)
            data["recipients"] = [u for u in data["recipients"] if u["id"] != me]
        return data

    def end_call(self, guild: Guild, channel_id: int) -> None:
        """Everyone in voice channel ``channel_id`` is put out of it (the channel is
        gone); members' voice states live in :class:`~.members.MemberOps`."""

    def voice_state_json(self, guild: Guild, user_id: int) -> dict[str, Any]:
        return voice_state_json(guild.id, user_id, guild.voice_states[user_id],
                                self.member_json(guild, user_id))

    # -- permissions --------------------------------------------------------------------

    def guild_permissions(self, guild: Guild, user_id: int) -> Permission:
        member = guild.members.get(user_id)
        if member is None:
            return Permission(0)
        perms = base_permissions(
            is_owner=user_id == guild.owner_id, everyone=guild.everyone.permissions,
            roles=[guild.roles[r].permissions for r in member.roles if r in guild.roles])
        if rules.unbound(guild, user_id, self.bot.id):
            return Permission(int(perms) | int(rules.DPYTEST_BOT))
        return perms

    def permissions(self, channel: Channel, user_id: int) -> Permission:
        """What ``user_id`` may do in ``channel`` (DMs: the usual DM permissions)."""
        if channel.is_dm:
            if user_id not in channel.recipients:
                return Permission(0)
            return _IN_DMS
        assert channel.guild_id is not None
        if channel.thread is not None:
            return self._thread_permissions(channel, user_id)
        guild = self.guilds[channel.guild_id]
        base = self.guild_permissions(guild, user_id)
        member = guild.members.get(user_id)
        if member is None:
            return Permission(0)
        everyone = channel.overwrites.get(guild.id)
        roles = [(o.allow, o.deny) for rid in member.roles
                 if (o := channel.overwrites.get(rid)) is not None and o.type == 0]
        own = channel.overwrites.get(user_id)
        return apply_overwrites(
            base, everyone=(everyone.allow, everyone.deny) if everyone else None,
            roles=roles, member=(own.allow, own.deny) if own and own.type == 1 else None,
            voice=channel.is_voice,
            timed_out=member.timed_out(self.now_ms) and user_id != guild.owner_id)

    def _thread_permissions(self, thread: Channel, user_id: int) -> Permission:
        """The parent's, with SEND_MESSAGES_IN_THREADS as SEND_MESSAGES; a private thread
        only for its members and those who may manage threads."""
        parent = self.channels.get(thread.parent_id) if thread.parent_id else None
        if parent is None or thread.thread is None:
            return Permission(0)
        perms = self.permissions(parent, user_id)
        if thread.type == ChannelType.PRIVATE_THREAD and user_id not in thread.thread.members \
                and not perms & Permission.MANAGE_THREADS:
            return Permission(0)
        if perms & Permission.SEND_MESSAGES_IN_THREADS:
            return perms | Permission.SEND_MESSAGES
        return perms & ~Permission.SEND_MESSAGES

    def require(self, channel: Channel, user_id: int, *needed: Permission) -> None:
        """Raise Discord's 403 unless ``user_id`` has every permission in ``channel``."""
        perms = int(self.permissions(channel, user_id))  # int: IntFlag's & is slow
        if not perms & _VIEW_CHANNEL:
            raise self._refused(channel, user_id, Permission.VIEW_CHANNEL)
        for permission in needed:
            if not perms & int(permission):
                raise self._refused(channel, user_id, permission)

    def _refused(self, channel: Channel, user_id: int, missing: Permission) -> DiscordError:
        """Discord's 403 (50001 without VIEW_CHANNEL, else 50013); in a dpytest world the
        bot's also says why (:func:`.rules.refusal`)."""
        error = missing_access() if missing is Permission.VIEW_CHANNEL \
            else missing_permissions()
        guild = self.guilds.get(channel.guild_id) if channel.guild_id is not None else None
        if guild is None or not rules.unbound(guild, user_id, self.bot.id):
            return error
        why = rules.refusal(channel, self._overwrites_of(guild, channel, user_id), missing)
        return DiscordError(error.status, error.code, f"{error.message}: {why}")

    def _overwrites_of(self, guild: Guild, channel: Channel, user_id: int) -> list[Overwrite]:
        """The overwrites of ``channel`` (its parent's, for a thread) that apply to
        ``user_id``: @everyone's, its roles', its own."""
        if channel.thread is not None and channel.parent_id in self.channels:
            channel = self.channels[channel.parent_id]
        member = guild.members.get(user_id)
        targets = {guild.id, user_id, *(member.roles if member else [])}
        return [o for o in channel.overwrites.values() if o.id in targets]

    def require_guild(self, guild: Guild, user_id: int, *needed: Permission) -> None:
        perms = self.guild_permissions(guild, user_id)
        if user_id not in guild.members:
            raise missing_access()
        member = guild.members[user_id]
        if member.timed_out(self.now_ms) and not perms & Permission.ADMINISTRATOR:
            perms = Permission(0)
        for permission in needed:
            if not perms & permission:
                raise missing_permissions()

    def top_role_position(self, guild: Guild, user_id: int) -> int:
        """The member's highest role position (the owner outranks everyone; so does the
        bot in a dpytest world, where the role hierarchy does not bind it)."""
        if user_id == guild.owner_id or rules.unbound(guild, user_id, self.bot.id):
            return rules.ABOVE_EVERY_ROLE
        member = guild.members.get(user_id)
        if member is None:
            return -1
        return max((guild.roles[r].position for r in member.roles if r in guild.roles),
                   default=0)


__all__ = ["ATTACHMENT_LIMIT", "DiscordError", "Effects", "ModelBase", "form_error",
           "missing_access", "missing_permissions", "unknown"]
