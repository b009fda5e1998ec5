"""dpytest's ``backend`` functions, as coroutines over the twin of the current session.

Each builds in the twin (:class:`~wiretwin.discord.backend.Backend` does the work), waits
until the bot has read the resulting dispatch, and returns the bot's own discord.py
object (``discord.Guild``, ``discord.TextChannel``, ``discord.Role``,
``discord.Member``...), as dpytest's did. Unlike dpytest's, they must be awaited.
"""

from __future__ import annotations

from typing import Any

import discord

from ...discord.model import Channel, Guild, Member, Role, User
from . import callbacks as callbacks
from . import factories as facts
from .callbacks import CallbackEvent
from .session import last_session, ready_session


def get_state() -> Any:
    """The configured bot's own ``ConnectionState`` (dpytest's ``FakeState`` was one
    too): what ``discord.Message(state=..., channel=..., data=...)`` takes."""
    session = last_session()  # after the session ended: the last bot's, as in dpytest
    if session is None:
        raise ValueError("Dpytest backend not configured")
    return session.client._connection


async def _built(make: Any) -> Any:
    session = await ready_session()
    async with session.twin.settle():
        made = await make(session.twin.backend)
    return session, made


def _guild_of(session: Any, made: Guild) -> discord.Guild:
    found = session.client.get_guild(made.id)
    if found is None:
        raise LookupError(f"the bot has no guild {made.id}")
    return found  # type: ignore[no-any-return]


async def make_guild(name: str = "Test Guild", **options: Any) -> discord.Guild:
    session, made = await _built(lambda b: b.make_guild(name, **options))
    return _guild_of(session, made)


async def _channel(make: Any) -> Any:
    session, made = await _built(make)
    assert isinstance(made, Channel)
    return session.client.get_channel(made.id)


async def make_text_channel(name: str, guild: Any = None, category: Any = None,
                            **options: Any) -> discord.TextChannel:
    made: discord.TextChannel = await _channel(
        lambda b: b.make_text_channel(name, guild, category, **options))
    return made


async def make_voice_channel(name: str, guild: Any = None, category: Any = None,
                             **options: Any) -> discord.VoiceChannel:
    made: discord.VoiceChannel = await _channel(
        lambda b: b.make_voice_channel(name, guild, category, **options))
    return made


async def make_category(name: str, guild: Any, **options: Any) -> discord.CategoryChannel:
    made: discord.CategoryChannel = await _channel(
        lambda b: b.make_category(name, guild, **options))
    return made


async def update_channel(channel: Any, **changes: Any) -> Any:
    return await _channel(lambda b: b.update_channel(channel, **changes))


async def delete_channel(channel: Any) -> None:
    await _built(lambda b: b.delete_channel(channel))


async def set_channel_permission_overrides(channel: Any, target: Any, allow: Any = None,
                                           deny: Any = None) -> None:
    await _built(lambda b: b.set_channel_permission_overrides(channel, target, allow=allow,
                                                              deny=deny))


async def make_role(name: str, guild: Any, permissions: Any = None,
                    **options: Any) -> discord.Role:
    session, made = await _built(lambda b: b.make_role(name, guild, permissions, **options))
    assert isinstance(made, Role)
    role = session.client.get_guild(made.guild_id).get_role(made.id)
    assert role is not None
    return role  # type: ignore[no-any-return]


async def update_role(role: Any, guild: Any = None, **changes: Any) -> discord.Role:
    session, made = await _built(lambda b: b.update_role(role, guild, **changes))
    assert isinstance(made, Role)
    found = session.client.get_guild(made.guild_id).get_role(made.id)
    assert found is not None
    return found  # type: ignore[no-any-return]


async def delete_role(role: Any, guild: Any = None) -> None:
    await _built(lambda b: b.delete_role(role, guild))


async def make_user(username: str, **options: Any) -> User:
    """A user (no Discord event: users exist once they share a guild or DM with the bot)."""
    session = await ready_session()
    made: User = await session.twin.backend.make_user(username, **options)
    return made


async def _member(session: Any, made: Member) -> discord.Member:
    guild = session.client.get_guild(made.guild_id)
    found = guild.get_member(made.user_id) if guild is not None else None
    if found is None:
        found = await guild.fetch_member(made.user_id)
    return found  # type: ignore[no-any-return]


async def make_member(user: Any = None, guild: Any = None, **options: Any) -> discord.Member:
    session, made = await _built(lambda b: b.make_member(user, guild, **options))
    return await _member(session, made)


async def update_member(member: Any, guild: Any = None, **changes: Any) -> discord.Member:
    session, made = await _built(lambda b: b.update_member(member, guild, **changes))
    return await _member(session, made)


async def delete_member(member: Any, guild: Any = None) -> None:
    await _built(lambda b: b.remove_member(member, guild))


__all__ = ["CallbackEvent", "callbacks", "delete_channel", "delete_member", "delete_role",
           "facts", "get_state", "make_category", "make_guild", "make_member", "make_role",
           "make_text_channel", "make_user", "make_voice_channel",
           "set_channel_permission_overrides", "update_channel", "update_member",
           "update_role"]
