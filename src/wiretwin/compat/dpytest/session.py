"""dpytest's session: ``configure`` builds dpytest's world in a fresh Discord twin and
logs the bot in before it returns (as dpytest's did); ``cleanup`` stops them.

dpytest keeps one runner per process in module state, and its suites call module-level
functions, so the session is module state here too (one ``configure`` at a time; a
second one replaces the first, as in dpytest). The twin runs in the caller's event loop
(``start_soon``) and the bot is attached to it with
:func:`~wiretwin.drivers.discord_py_attach.attach`: REST served in process, the gateway
in memory, so the bot's cache follows every change the moment the twin makes it.

A session ends with :func:`cleanup`, with the next ``configure``, or when its event loop
closes (the end of a test, for pytest-asyncio's function-scoped loops), whichever comes
first: nothing of it outlives its loop, even when a fixture fails after ``configure``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, NamedTuple

import discord
from discord.ext import commands

from ...discord.model import Message as ModelMessage
from ...discord.twin import DiscordTwin
from ...drivers.discord_py_attach import Attachment, attach
from .fakes import install as install_fakes
from .world import build_dpytest_world

_log = logging.getLogger("wiretwin.compat.dpytest")


class RunnerConfig(NamedTuple):
    """dpytest's configuration: the client and the guilds, channels and members it made
    (discord.py objects from the bot's own cache)."""

    client: discord.Client
    guilds: list[discord.Guild]
    channels: list[discord.abc.GuildChannel]
    members: list[discord.Member]


@dataclass
class Session:
    """One ``configure``: the twin, the bot attached to it, what was built for the
    config, and the command errors ``message`` re-raises."""

    twin: DiscordTwin
    client: discord.Client
    attachment: Attachment
    loop: asyncio.AbstractEventLoop
    guild_ids: list[int]
    channel_ids: list[int]
    member_ids: list[tuple[int, int]]
    errors: asyncio.Queue[tuple[Any, BaseException]]
    listener: Callable[..., Coroutine[Any, Any, None]] | None = None
    config: RunnerConfig | None = None


_session: Session | None = None
#: The last session that ended: what ``get_config()`` and ``get_state()`` still read
#: afterwards (dpytest's state outlived its test, and suites read it from tests that
#: do not configure a bot).
_ended: Session | None = None
#: Sessions replaced by a later ``configure``, still stopping.
_stopping: set[asyncio.Task[None]] = set()


def configure(client: discord.Client, guilds: int | list[str] = 1,
              text_channels: int | list[str] = 1, voice_channels: int | list[str] = 1,
              members: int | list[str] = 1) -> None:
    """dpytest's ``configure``: dpytest's world (:mod:`.world`: ``guilds`` "Test Guild
    {n}" each with ``text_channels`` "TextChannel_{n}", ``voice_channels``
    "VoiceChannel_{n}", ``members`` "TestUser{n}" and the bot last, under dpytest's
    rules); the bot is logged in when it returns. Call it inside the running loop (an
    async fixture, or a coroutine): the bot runs there."""
    global _session
    if not isinstance(client, discord.Client):
        raise TypeError("Runner client must be an instance of discord.Client")
    if isinstance(client, discord.AutoShardedClient):
        raise TypeError("Sharded clients are not supported by the dpytest layer (use the "
                        "twin directly: DiscordTwin(recommended_shards=...))")
    loop = asyncio.get_running_loop()  # raises outside a coroutine, with its own message
    if _session is not None:
        _replace(_session)
    twin = DiscordTwin(rate_limits=False).start_soon()  # dpytest limited nothing
    try:
        world = build_dpytest_world(twin.model, twin.model.bot.id, guilds, text_channels,
                                    voice_channels, members)
        errors: asyncio.Queue[tuple[Any, BaseException]] = asyncio.Queue()
        listener = _watch_errors(client, errors)
        attachment = attach(twin, client, in_process=True)
        install_fakes(client)  # dpytest's class names on the bot's http and state
        _catch_base_exceptions(client, errors)
    except BaseException:
        _stopping_task(twin.stop())
        raise
    session = Session(twin, client, attachment, loop, world.guild_ids, world.channel_ids,
                      world.member_ids, errors, listener)
    session.config = _config(session)
    _session = session
    _end_with_loop(loop)


def _watch_errors(client: discord.Client, errors: asyncio.Queue[tuple[Any, BaseException]]
                  ) -> Callable[..., Coroutine[Any, Any, None]] | None:
    """Queue what commands raise (dpytest's ``error_queue``), as dpytest wraps the
    client's ``on_command_error``."""

    async def on_command_error(ctx: Any, error: BaseException) -> None:
        errors.put_nowait((ctx, error))

    if isinstance(client, commands.Bot):
        client.add_listener(on_command_error, "on_command_error")
        return on_command_error
    return None


def _catch_base_exceptions(client: discord.Client,
                           errors: asyncio.Queue[tuple[Any, BaseException]]) -> None:
    """What escapes an event handler without being an ``Exception`` (discord.py hands
    those to ``on_error``, and lets the rest end the handler's task): queued for
    ``message()`` to raise, as dpytest's awaiting the handlers raised it."""
    run = client._run_event

    async def run_event(coro: Any, event_name: str, *args: Any, **kwargs: Any) -> None:
        try:
            await run(coro, event_name, *args, **kwargs)
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            errors.put_nowait((None, exc))

    client._run_event = run_event  # type: ignore[method-assign]


def _replace(session: Session) -> None:
    """A second ``configure``: the first session's bot is detached now and its twin
    stops in the background (``cleanup`` or the loop's end waits for it)."""
    global _session, _ended
    _session, _ended = None, session
    _forget_listener(session)
    session.attachment.close_nowait()
    _stopping_task(_stop(session))


def _forget_listener(session: Session) -> None:
    session.client.__dict__.pop("_run_event", None)  # _catch_base_exceptions's
    if session.listener is not None and isinstance(session.client, commands.Bot):
        session.client.remove_listener(session.listener, "on_command_error")
        session.listener = None


def _stopping_task(stop: Coroutine[Any, Any, None]) -> None:
    task = asyncio.get_running_loop().create_task(stop)
    _stopping.add(task)
    task.add_done_callback(_stopping.discard)


async def _stop(session: Session) -> None:
    with contextlib.suppress(Exception):
        # As dpytest did, the bot's own close() is not called: its extensions and cogs
        # stay loaded (a suite may load an extension once per process).
        await session.attachment.close(client_close=False)
    await session.twin.stop()


async def cleanup() -> None:
    """Log the bot out and stop the twin (dpytest had nothing to stop; here it also
    happens by itself when the event loop closes)."""
    global _session, _ended
    session, _session = _session, None
    if session is not None:
        _ended = session
        _forget_listener(session)
        await _stop(session)
    if _stopping:
        await asyncio.gather(*_stopping, return_exceptions=True)


_guarded: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def _end_with_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Have ``loop.close()`` first end a session still running in it (the end of a test
    whose fixture never called :func:`cleanup`, or failed after ``configure``)."""
    if loop in _guarded:
        return
    close = loop.close

    def close_after_cleanup() -> None:
        session = _session
        ours = (session is not None and session.loop is loop) or bool(_stopping)
        if ours and not loop.is_running() and not loop.is_closed():
            try:
                loop.run_until_complete(cleanup())
            except Exception:  # the loop is ending anyway: say so, then close it
                _log.exception("the dpytest session did not stop cleanly")
        close()

    try:
        loop.close = close_after_cleanup  # type: ignore[method-assign]
    except AttributeError:  # a loop without instance attributes (uvloop): cleanup() only
        return
    _guarded.add(loop)


async def ready_session() -> Session:
    """The current session (configured: logged in already)."""
    if _session is None:
        raise RuntimeError("dpytest.configure(bot) has not been called")
    return _session


def _config(session: Session) -> RunnerConfig:
    client = session.client
    guilds = [g for g in (client.get_guild(i) for i in session.guild_ids) if g is not None]
    channels: list[discord.abc.GuildChannel] = [
        c for c in (client.get_channel(i) for i in session.channel_ids)
        if isinstance(c, discord.abc.GuildChannel)]
    members = [m for m in (client.get_guild(g).get_member(u)  # type: ignore[union-attr]
                           for g, u in session.member_ids) if m is not None]
    return RunnerConfig(client, guilds, channels, members)


def get_config() -> RunnerConfig:
    """The configuration: the client and the guilds, channels and members made for it;
    after the session ended, the last one's (its objects as they were, as dpytest's
    outlived the test that made them)."""
    session = _session if _session is not None else _ended
    if session is None or session.config is None:
        raise RuntimeError("dpytest.configure(bot) has not been called")
    return session.config


def last_session() -> Session | None:
    """The configured session, or else the last one that ended (read-only use)."""
    return _session if _session is not None else _ended


async def ready() -> RunnerConfig:
    """The configuration (``configure`` returns with the bot logged in; kept for suites
    that awaited it)."""
    return get_config()


def active() -> Session | None:
    """The configured session, if any."""
    return _session


def current() -> Session:
    """The configured session, ready or not (reading what the bot sent needs no login)."""
    if _session is None:
        raise RuntimeError("dpytest.configure(bot) has not been called")
    return _session


def pick(items: list[Any], value: Any) -> Any:
    """dpytest's argument style: an index into the config's list, or the object itself."""
    return items[value] if isinstance(value, int) and not isinstance(value, bool) else value


def as_discord(session: Session, sent: ModelMessage) -> discord.Message:
    """The bot's own ``discord.Message`` for a message in the twin (from its cache, or
    built from the twin's payload when the cache has dropped it)."""
    state = session.client._connection
    found = state._get_message(sent.id)
    if found is not None:
        return found
    channel = session.client.get_channel(sent.channel_id)
    data = session.twin.model.message_json(sent)
    return discord.Message(state=state, channel=channel, data=data)  # type: ignore[arg-type]


__all__ = ["RunnerConfig", "Session", "active", "as_discord", "cleanup", "configure", "current",
           "get_config", "pick", "ready", "ready_session"]
