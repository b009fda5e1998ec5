"""dpytest's calls that act as users: a member posts, reacts, joins, gets a role or an
overwrite. Each goes through the twin's front door (its backend, as another user) and
returns once the bot has handled the resulting events (the twin's settle)."""

from __future__ import annotations

from typing import Any

import discord

from ...discord.backend import BackendError
from .attachments import uploads_of
from .factories import discriminator
from .session import as_discord, pick, ready_session


async def message(content: str, channel: Any = 0, member: Any = 0,
                  attachments: list[Any] | None = None) -> discord.Message:
    """A member posts ``content`` (``channel``/``member``: objects or indexes into the
    config; ``attachments``: paths, or what :mod:`.attachments` lists); returns the bot's
    view of the message once it has finished reacting, and re-raises the first error a
    command raised."""
    session = await ready_session()
    config = session.config
    assert config is not None
    where = pick(config.channels, channel)
    author = pick(config.members, member)
    sent = await session.twin.message(content, where, author,
                                      attachments=uploads_of(session, attachments))
    if not session.errors.empty():
        _, error = session.errors.get_nowait()
        raise error
    return as_discord(session, sent)


async def run_all_events() -> None:
    """Wait until the bot has handled everything it was sent, handlers started before
    this call included (dpytest awaited every running event handler): the handlers of
    what dpytest's synchronous backend just did, say."""
    session = await ready_session()
    await session.twin.backend.process_action()


async def finish_on_command_error() -> None:
    await run_all_events()


async def add_reaction(user: Any, message: Any, emoji: Any) -> None:
    session = await ready_session()
    async with session.twin.settle():
        await session.twin.backend.add_reaction(message, user, emoji)


async def remove_reaction(user: Any, message: Any, emoji: Any) -> None:
    session = await ready_session()
    async with session.twin.settle():
        await session.twin.backend.remove_reaction(message, user, emoji)


async def member_join(guild: Any = 0, user: Any = None, *, name: str | None = None,
                      discrim: str | int | None = None) -> discord.Member:
    """A user (new unless given) joins ``guild``; the bot's ``discord.Member``."""
    session = await ready_session()
    config = session.config
    assert config is not None
    where = pick(config.guilds, guild)
    if user is not None and (name is not None or discrim is not None):
        raise ValueError("Cannot supply user at the same time as name/discrim")
    backend = session.twin.backend
    async with session.twin.settle():
        if user is None:
            made = await backend.make_user(name or "TestUser")
            if discrim is not None:
                made.discriminator = discriminator(discrim)
            user = made
        member = await backend.make_member(user, where)
    found = session.client.get_guild(where.id).get_member(member.user_id)  # type: ignore[union-attr]
    if found is None:
        raise BackendError("the bot did not get the member (GUILD_MEMBERS intent?)")
    return found


async def set_permission_overrides(target: Any, channel: Any,
                                   overrides: discord.PermissionOverwrite | None = None,
                                   **kwargs: Any) -> None:
    """Another user sets ``target``'s overwrite on ``channel``."""
    if kwargs:
        if overrides:
            raise ValueError("Must supply either overrides parameter or kwargs, not both")
        overrides = discord.PermissionOverwrite(**kwargs)
    session = await ready_session()
    config = session.config
    assert config is not None
    target = pick(config.members, target)
    where = pick(config.channels, channel)
    allow, deny = (overrides or discord.PermissionOverwrite()).pair()
    async with session.twin.settle():
        await session.twin.backend.set_channel_permission_overrides(
            where, target, allow=allow.value, deny=deny.value)


async def add_role(member: Any, role: discord.Role) -> None:
    """Another user gives ``member`` (or the config's member at that index) ``role``."""
    await _change_role(member, role, add=True)


async def remove_role(member: Any, role: discord.Role) -> None:
    await _change_role(member, role, add=False)


async def _change_role(member: Any, role: discord.Role, *, add: bool) -> None:
    session = await ready_session()
    config = session.config
    assert config is not None
    member = pick(config.members, member)
    if not isinstance(role, discord.Role):
        raise TypeError("Role argument must be of type discord.Role")
    backend = session.twin.backend
    change = backend.add_role if add else backend.remove_role
    async with session.twin.settle():
        await change(member, role, role.guild)


__all__ = ["add_reaction", "add_role", "finish_on_command_error", "member_join", "message",
           "remove_reaction", "remove_role", "run_all_events", "set_permission_overrides"]
