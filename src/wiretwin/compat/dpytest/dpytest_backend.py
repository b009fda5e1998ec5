"""dpytest's own ``backend``, synchronous and with dpytest's signatures: what
``wiretwin.discord.dpytest.backend`` (and ``dpytest.backend``, ``dpytest.back``) serve.

Each function changes the twin through its backend (the front door: Discord's
dispatches follow) and returns the bot's own discord.py object, as dpytest's did. It
needs no ``await``: the twin lives in the test's event loop (``configure()`` starts it
there) and the bot's gateway is in memory, so the change is made, and the bot's cache
updated, before the call returns. The dpytest backend guide's awaited functions (other
names and keywords) stay in :mod:`.backend`.

The backend's other names are dpytest's too: ``configure`` (a bot logged in to an empty
twin), ``get_config`` (a :class:`BackendState` read from the twin), ``make_attachment``
(a file the twin serves, see :mod:`.attachments`), ``FakeHttp`` and ``FakeRequest``
(:mod:`.fakes`), ``log``.
"""

from __future__ import annotations

import logging
import pathlib
import re
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, NamedTuple

import discord

from ...discord.backend import Backend, BackendError
from ...drivers.tasks import run_now
from . import callbacks as callbacks
from . import factories as facts
from . import state as dstate
from . import websocket as websocket
from .attachments import uploads_of
from .backend import get_state
from .callbacks import CallbackEvent
from .factories import discriminator
from .fakes import FakeHttp, FakeRequest, FakeState
from .session import Session, current
from .session import configure as configure_session
from .verify import Undef, undefined

#: dpytest's logger: the layer's own (see ``runner.log``).
log = logging.getLogger("wiretwin.compat.dpytest")

#: dpytest's ``make_role`` default: its @everyone's permissions.
DEFAULT_ROLE_PERMISSIONS = 104324161


def _now(make: Callable[[Backend], Coroutine[Any, Any, Any]]) -> tuple[Session, Any]:
    """Run a twin backend call to its end, here and now."""
    session = current()
    done = run_now(make(session.twin.backend))
    if not done.done():
        done.cancel()
        raise RuntimeError("the twin is not in this event loop: call dpytest's backend "
                           "from the loop that ran configure()")
    return session, done.result()


class BackendState(NamedTuple):
    """dpytest's backend state: each channel's messages, oldest first, as Discord's JSON
    (``{channel id: [message, ...]}``), and the bot's state."""

    messages: dict[int, list[dict[str, Any]]]
    state: FakeState


def get_config() -> BackendState:
    """The backend's state now: the twin's messages as it holds them when called (a new
    reading each call), and the configured bot's ``ConnectionState``."""
    state = get_state()  # ValueError before configure(), as dpytest's
    model = current().twin.model
    messages = {channel_id: [model.message_json(m) for m in held.values()]
                for channel_id, held in model.messages.items() if held}
    return BackendState(messages, state)


def configure(client: discord.Client | None, *, use_dummy: bool = False) -> None:
    """dpytest's backend ``configure``: ``client`` logged in to a fresh twin, in no guild
    yet (``runner.configure`` builds dpytest's world on top; here, make what the test
    needs with :func:`make_guild` and friends). ``use_dummy``: with no ``client``, a
    ``discord.Client`` with every intent (reach it through ``get_state()``)."""
    if client is None and use_dummy:
        log.info("None passed to backend configuration, dummy client will be used")
        client = discord.Client(intents=discord.Intents.all())
    if not isinstance(client, discord.Client):
        raise TypeError("Runner client must be an instance of discord.Client")
    configure_session(client, guilds=0)


def _id(id_num: int) -> int | None:
    """dpytest's ``id_num`` (-1: the twin makes the id)."""
    return None if id_num == -1 else id_num


def _position(position: int) -> int | None:
    return None if position == -1 else position


def _channel(session: Session, made: Any) -> Any:
    found = session.client.get_channel(made.id)
    if found is None:
        raise BackendError(f"the bot has no channel {made.id} (is it in the guild?)")
    return found


def _overwrites(session: Session, channel: Any, overwrites: Any) -> None:
    """dpytest's ``permission_overwrites``: ``{target: discord.PermissionOverwrite}``,
    as discord.py writes them."""
    for target, overwrite in (overwrites or {}).items():
        allow, deny = overwrite.pair()
        _now(partial(_set_overwrite, channel=channel, target=target, allow=allow.value,
                     deny=deny.value))


def _set_overwrite(backend: Backend, *, channel: Any, target: Any, allow: int, deny: int
                   ) -> Coroutine[Any, Any, Any]:
    return backend.set_channel_permission_overrides(channel, target, allow=allow, deny=deny)


# -- guilds and channels -------------------------------------------------------------------

def make_guild(name: str, members: list[Any] | None = None,
               channels: list[Any] | None = None, roles: list[Any] | None = None,
               owner: bool = False, id_num: int = -1) -> discord.Guild:
    """A guild the bot is in (``owner``: the bot owns it)."""
    session = current()
    bot_id = session.twin.model.bot.id
    _, made = _now(lambda b: b.make_guild(
        name, owner_id=bot_id if owner else None, guild_id=_id(id_num),
        members=[m.id if hasattr(m, "id") else m for m in members or ()],
        roles=[r.name if hasattr(r, "name") else r for r in roles or ()],
        channels=[c.name if hasattr(c, "name") else c for c in channels or ()]))
    found = session.client.get_guild(made.id)
    assert found is not None
    return found


def make_text_channel(name: str, guild: discord.Guild, position: int = -1,
                      id_num: int = -1, permission_overwrites: Any = None,
                      parent_id: int | None = None) -> discord.TextChannel:
    session, made = _now(lambda b: b.make_text_channel(
        name, guild, parent_id, position=_position(position), normalise_name=False,
        channel_id=_id(id_num)))
    channel = _channel(session, made)
    _overwrites(session, channel, permission_overwrites)
    return channel  # type: ignore[no-any-return]


def make_category_channel(name: str, guild: discord.Guild, position: int = -1,
                          id_num: int = -1, permission_overwrites: Any = None
                          ) -> discord.CategoryChannel:
    session, made = _now(lambda b: b.make_category(name, guild,
                                                   position=_position(position),
                                                   channel_id=_id(id_num)))
    channel = _channel(session, made)
    _overwrites(session, channel, permission_overwrites)
    return channel  # type: ignore[no-any-return]


def make_voice_channel(name: str, guild: discord.Guild, position: int = -1,
                       id_num: int = -1, permission_overwrites: Any = None,
                       parent_id: int | None = None, bitrate: int = 192,
                       user_limit: int = 0) -> discord.VoiceChannel:
    """A voice channel with ``bitrate`` and ``user_limit`` as given (dpytest's default
    bitrate, 192, is kept too: a world is built, not asked of Discord's REST)."""
    session, made = _now(lambda b: b.make_voice_channel(
        name, guild, parent_id, bitrate=bitrate, user_limit=user_limit,
        position=_position(position), channel_id=_id(id_num)))
    channel = _channel(session, made)
    _overwrites(session, channel, permission_overwrites)
    return channel  # type: ignore[no-any-return]


def delete_channel(channel: Any) -> None:
    _now(lambda b: b.delete_channel(channel))


def update_text_channel(channel: Any, target: Any,
                        override: discord.PermissionOverwrite | Undef | None = undefined
                        ) -> None:
    """Set ``target``'s overwrite on ``channel`` to ``override`` (None: remove it); with
    no ``override``, only a CHANNEL_UPDATE of the channel as it is, as in dpytest."""
    if override is undefined:
        _now(lambda b: b.update_channel(channel))
        return
    allow, deny = (override or discord.PermissionOverwrite()).pair()
    _now(lambda b: b.set_channel_permission_overrides(channel, target, allow=allow.value,
                                                      deny=deny.value))


def update_guild(guild: discord.Guild, roles: list[discord.Role] | None = None
                 ) -> discord.Guild:
    """GUILD_UPDATE for ``guild``, carrying what the test changed on the object (its
    ``name`` and ``description``). ``roles``: the guild's roles from now on, each as the
    object given has it (name, colour, permissions, hoist, mentionable); one the guild
    lacks is created (with a new id), one left out deleted (@everyone stays). Each role
    change is its own GUILD_ROLE_* event before the GUILD_UPDATE, as Discord sends them.
    Returns the bot's guild, updated."""
    session = current()
    model = session.twin.model
    held = model.guilds.get(guild.id)
    if held is None:
        raise BackendError(f"no guild {guild.id} in the twin")
    # Read now: every event below updates the bot's objects, the ones given included.
    wanted = None if roles is None else [(r.id, _role_fields(r)) for r in roles]
    changes = {key: value for key, value in (("name", guild.name),
                                             ("description", guild.description))
               if value != getattr(held, key)}
    if wanted is not None:
        _set_roles(held.id, {r.id: r for r in held.roles.values()}, wanted)
    _now(lambda b: b.update_guild(guild.id, **changes))
    found = session.client.get_guild(guild.id)
    assert found is not None
    return found


def _role_fields(role: discord.Role) -> dict[str, Any]:
    return {"name": role.name, "color": role.colour.value,
            "permissions": role.permissions.value, "hoist": role.hoist,
            "mentionable": role.mentionable}


def _set_roles(guild_id: int, held: dict[int, Any],
               wanted: list[tuple[int, dict[str, Any]]]) -> None:
    for role_id, fields in wanted:
        role = held.get(role_id)
        if role is None:
            _now(partial(_make_role_with, guild_id=guild_id, fields=fields))
            continue
        diff = {key: value for key, value in fields.items() if getattr(role, key) != value}
        if diff:
            _now(partial(_update_role_with, role_id=role_id, guild_id=guild_id, diff=diff))
    keep = {role_id for role_id, _ in wanted} | {guild_id}
    for role_id in [r for r in held if r not in keep and not held[r].managed]:
        _now(partial(_delete_role_with, role_id=role_id, guild_id=guild_id))


def _make_role_with(backend: Backend, *, guild_id: int, fields: dict[str, Any]
                    ) -> Coroutine[Any, Any, Any]:
    return backend.make_role(fields["name"], guild_id, fields["permissions"],
                             color=fields["color"], hoist=fields["hoist"],
                             mentionable=fields["mentionable"])


def _update_role_with(backend: Backend, *, role_id: int, guild_id: int,
                      diff: dict[str, Any]) -> Coroutine[Any, Any, Any]:
    return backend.update_role(role_id, guild_id, **diff)


def _delete_role_with(backend: Backend, *, role_id: int, guild_id: int
                      ) -> Coroutine[Any, Any, Any]:
    return backend.delete_role(role_id, guild_id)


# -- roles ---------------------------------------------------------------------------------

def _colour(colour: int | None, color: int | None, colors: Any = None) -> int | None:
    if color is not None:
        return int(color)
    if colour is not None:
        return int(colour)
    return None


def make_role(name: str, guild: discord.Guild, id_num: int = -1, colour: int = 0,
              color: int | None = None, colors: Any = None,
              permissions: int = DEFAULT_ROLE_PERMISSIONS, hoist: bool = False,
              mentionable: bool = False) -> discord.Role:
    session, made = _now(lambda b: b.make_role(
        name, guild, permissions, color=_colour(colour, color) or 0, hoist=hoist,
        mentionable=mentionable, role_id=_id(id_num)))
    found = session.client.get_guild(guild.id).get_role(made.id)  # type: ignore[union-attr]
    assert found is not None
    return found


def update_role(role: discord.Role, colour: int | None = None, color: int | None = None,
                colors: Any = None, permissions: int | None = None,
                hoist: bool | None = None, mentionable: bool | None = None,
                name: str | None = None) -> discord.Role:
    changes: dict[str, Any] = {key: value for key, value in (
        ("color", _colour(colour, color)), ("permissions", permissions), ("hoist", hoist),
        ("mentionable", mentionable), ("name", name)) if value is not None}
    session, made = _now(lambda b: b.update_role(role, role.guild, **changes))
    found = session.client.get_guild(role.guild.id).get_role(made.id)  # type: ignore[union-attr]
    assert found is not None
    return found


def delete_role(role: discord.Role) -> None:
    _now(lambda b: b.delete_role(role, role.guild))


# -- users and members ---------------------------------------------------------------------

def make_user(username: str, discrim: str | int, avatar: str | None = None,
              id_num: int = -1) -> discord.User:
    """A user (in no guild yet: the bot learns of it from its own state, as dpytest's
    did)."""
    session, made = _now(lambda b: b.make_user(
        username, user_id=_id(id_num)))
    made.discriminator = discriminator(discrim)
    if avatar is not None:
        made.avatar = avatar
    user: discord.User = session.client._connection.store_user(made.to_json())
    return user


def make_member(user: Any, guild: discord.Guild, nick: str | None = None,
                roles: list[discord.Role] | None = None) -> discord.Member:
    session, made = _now(lambda b: b.make_member(user.id, guild, roles=[
        r.id for r in roles or ()], nick=nick))
    found = session.client.get_guild(guild.id).get_member(made.user_id)  # type: ignore[union-attr]
    if found is None:
        raise BackendError("the bot did not get the member (GUILD_MEMBERS intent?)")
    return found


def update_member(member: discord.Member, nick: str | None = None,
                  roles: list[discord.Role] | None = None) -> discord.Member:
    changes: dict[str, Any] = {}
    if nick is not None:
        changes["nick"] = nick
    if roles is not None:
        changes["roles"] = [r.id for r in roles if not r.is_default()]
    _now(lambda b: b.update_member(member.id, member.guild, **changes))
    found = member.guild.get_member(member.id)
    assert found is not None
    return found


def delete_member(member: discord.Member) -> None:
    _now(lambda b: b.remove_member(member.id, member.guild))


# -- messages and reactions ----------------------------------------------------------------

def make_message(content: str, author: Any, channel: Any, tts: bool = False,
                 embeds: list[discord.Embed] | None = None,
                 attachments: list[discord.Attachment] | None = None,
                 poll: Any = None, nonce: int | None = None,
                 id_num: int = -1) -> discord.Message:
    """``author`` posts ``content`` in ``channel`` (MESSAGE_CREATE; as dpytest's, asking
    no permission of the author, who need not be a member: the channel's own rules and
    the message's still apply), with ``poll`` (a ``discord.Poll``) if given; the bot's
    own message. Its
    handlers run when the test next waits (``await dpytest.run_all_events()``), as under
    dpytest."""
    files = uploads_of(current(), attachments)
    session, made = _now(lambda b: b.send_message(channel, content, author,
                                                  embeds=embeds or (), attachments=files,
                                                  tts=tts, poll=poll,
                                                  check_permissions=False,
                                                  message_id=_id(id_num)))
    found = session.client._connection._get_message(made.id)
    if found is None:
        raise BackendError("the bot did not get the message (MESSAGE_CONTENT or "
                           "GUILD_MESSAGES intent?)")
    return found


def make_attachment(filename: pathlib.Path, name: str | None = None,
                    id_num: int = -1) -> discord.Attachment:
    """The file at ``filename`` uploaded to the twin (under ``name``, by default the
    file's; with the id ``id_num`` if given), ahead of the message that will carry it:
    pass it to :func:`make_message` or ``message(attachments=[...])``. Its ``url`` is the
    twin's, so ``await attachment.read()`` gets the file's bytes; ValueError if there is
    no such file, as in dpytest."""
    path = pathlib.Path(filename)
    if not path.is_file():
        raise ValueError("Attachment must be a real file")
    session, staged = _now(lambda b: b.upload(
        (name or path.name, path.read_bytes()), attachment_id=None if id_num == -1 else id_num))
    return discord.Attachment(state=session.client._connection, data=staged.to_json())


def edit_message(message: discord.Message, **fields: Any) -> dict[str, Any]:
    """Edit ``message`` (MESSAGE_UPDATE) with ``content=``/``embeds=`` (or dpytest's
    ``params=`` from discord.py's HTTP layer); the message's JSON as Discord sends it."""
    params = fields.pop("params", None)
    payload = dict(getattr(params, "payload", None) or {}, **fields)
    changes: dict[str, Any] = {}
    if "content" in payload:
        changes["content"] = payload["content"]
    if "embeds" in payload:
        changes["embeds"] = payload["embeds"]
    session, made = _now(lambda b: b.edit_message(message, **changes))
    data: dict[str, Any] = session.twin.model.message_json(made)
    return data


def delete_message(message: discord.Message) -> None:
    _now(lambda b: b.delete_message(message))


def add_reaction(message: discord.Message, user: Any, emoji: str) -> None:
    """``user`` reacts with ``emoji`` (a unicode emoji, or dpytest's ``"id:name"``)."""
    _now(lambda b: b.add_reaction(message, user, _emoji(emoji)))


def remove_reaction(message: discord.Message, user: Any, emoji: str) -> None:
    _now(lambda b: b.remove_reaction(message, user, _emoji(emoji)))


def clear_reactions(message: discord.Message) -> None:
    _now(lambda b: b.clear_reactions(message))


def _emoji(emoji: str) -> Any:
    if ":" in emoji:
        emoji_id, name = emoji.split(":", 1)
        return {"id": emoji_id, "name": name}
    return emoji


def _stored(channel_id: Any, message_id: Any) -> Any:
    found = current().twin.model.messages.get(int(channel_id), {}).get(int(message_id))
    if found is None:
        raise BackendError(f"no message {message_id} in channel {channel_id}")
    return found


def pin_message(channel_id: Any, message_id: Any) -> None:
    target = _stored(channel_id, message_id)
    _now(lambda b: b.pin_message(target))


def unpin_message(channel_id: Any, message_id: Any) -> None:
    target = _stored(channel_id, message_id)
    _now(lambda b: b.unpin_message(target))


# -- mentions in a text, as the bot's cache resolves them ----------------------------------

MEMBER_MENTION = re.compile(r"<@!?([0-9]{17,21})>", re.MULTILINE)
ROLE_MENTION = re.compile(r"<@&([0-9]{17,21})>", re.MULTILINE)
CHANNEL_MENTION = re.compile(r"<#([0-9]{17,21})>", re.MULTILINE)


def find_member_mentions(content: str | None, guild: discord.Guild | None) -> list[Any]:
    """The members ``content`` mentions, from ``guild``'s members."""
    if guild is None or content is None:
        return []
    return [guild.get_member(int(found)) for found in MEMBER_MENTION.findall(content)]


find_user_mentions = find_member_mentions


def find_role_mentions(content: str | None, guild: discord.Guild | None) -> list[str]:
    """The ids (as text, as dpytest gave them) of the roles ``content`` mentions."""
    if guild is None or content is None:
        return []
    return list(ROLE_MENTION.findall(content))


def find_channel_mentions(content: str | None, guild: discord.Guild | None) -> list[Any]:
    if guild is None or content is None:
        return []
    return [guild.get_channel(int(found)) for found in CHANNEL_MENTION.findall(content)]


__all__ = ["CHANNEL_MENTION", "MEMBER_MENTION", "ROLE_MENTION", "BackendState",
           "CallbackEvent", "FakeHttp", "FakeRequest", "Undef", "add_reaction", "callbacks",
           "clear_reactions", "configure", "delete_channel", "delete_member",
           "delete_message", "delete_role", "dstate", "edit_message", "facts",
           "find_channel_mentions", "find_member_mentions", "find_role_mentions",
           "find_user_mentions", "get_config", "get_state", "log", "make_attachment",
           "make_category_channel", "make_guild", "make_member", "make_message",
           "make_role", "make_text_channel", "make_user", "make_voice_channel",
           "pin_message", "remove_reaction", "undefined", "unpin_message", "update_guild",
           "update_member", "update_role", "update_text_channel", "websocket"]
