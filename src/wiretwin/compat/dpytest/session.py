"""dpytest's session: ``configure`` starts a twin and logs the bot in, ``cleanup`` stops
them, and every other call of the layer first waits here for the bot's ``on_ready``.

dpytest keeps one runner per process in module state, and its suites call module-level
functions, so the session is module state here too (one ``configure`` at a time); the
twin underneath is an ordinary instance in its own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any, NamedTuple

import discord
from discord.ext import commands

from ...discord.model import Message as ModelMessage
from ...discord.twin import DiscordTwin
from ...drivers.discord_py import use_discord_py
from .world import DpytestWorld, build_dpytest_world

_READY_TIMEOUT = 10.0


class RunnerConfig(NamedTuple):
    """dpytest's configuration: the client and the guilds, channels and members it made
    (discord.py objects from the bot's own cache)."""

    client: discord.Client
    guilds: list[discord.Guild]
    channels: list[discord.abc.GuildChannel]
    members: list[discord.Member]


@dataclass
class Session:
    """One ``configure``: the twin, the bot and its login task, what was built for the
    config, and the command errors ``message`` re-raises."""

    twin: DiscordTwin
    client: discord.Client
    task: asyncio.Task[None]
    ready: asyncio.Event
    patch: contextlib.AbstractContextManager[None]
    guild_ids: list[int]
    channel_ids: list[int]
    member_ids: list[tuple[int, int]]
    errors: asyncio.Queue[tuple[Any, BaseException]]
    config: RunnerConfig | None = None


_session: Session | None = None


def configure(client: discord.Client, guilds: int | list[str] = 1,
              text_channels: int | list[str] = 1, voice_channels: int | list[str] = 1,
              members: int | list[str] = 1) -> None:
    """dpytest's ``configure``: dpytest's world (:mod:`.world`: ``guilds`` "Test Guild
    {n}" each with ``text_channels`` "TextChannel_{n}", ``voice_channels``
    "VoiceChannel_{n}", ``members`` "TestUser{n}" and the bot last, under dpytest's
    rules); then the bot logs in.
    Call it from a coroutine (an async fixture): the bot runs in the running loop."""
    global _session
    if not isinstance(client, discord.Client):
        raise TypeError("Runner client must be an instance of discord.Client")
    if isinstance(client, discord.AutoShardedClient):
        raise TypeError("Sharded clients are not supported by the dpytest layer (use the "
                        "twin directly: DiscordTwin(recommended_shards=...))")
    loop = asyncio.get_running_loop()  # raises outside a coroutine, with its own message
    if _session is not None:
        _stop(_session)
    twin = DiscordTwin()
    twin.start_in_thread()
    model = twin.model
    world = DpytestWorld()

    def build() -> None:
        nonlocal world
        world = build_dpytest_world(model, model.bot.id, guilds, text_channels,
                                    voice_channels, members)

    twin.call(build)
    errors: asyncio.Queue[tuple[Any, BaseException]] = asyncio.Queue()
    ready = asyncio.Event()

    async def on_ready() -> None:
        ready.set()

    async def on_command_error(ctx: Any, error: BaseException) -> None:
        errors.put_nowait((ctx, error))

    if isinstance(client, commands.Bot):
        client.add_listener(on_ready, "on_ready")
        client.add_listener(on_command_error, "on_command_error")
    else:  # a plain Client has no listeners: wrap its on_ready, as dpytest wraps errors
        previous = getattr(client, "on_ready", None)

        async def ready_then_previous() -> None:
            ready.set()
            if previous is not None:
                await previous()

        client.on_ready = ready_then_previous  # type: ignore[attr-defined]
    patch = use_discord_py(twin, client)
    patch.__enter__()
    task = loop.create_task(client.start(twin.application.token))
    _session = Session(twin, client, task, ready, patch, world.guild_ids,
                       world.channel_ids, world.member_ids, errors)


async def cleanup() -> None:
    """Log the bot out and stop the twin (new: dpytest had nothing to stop)."""
    global _session
    session, _session = _session, None
    if session is None:
        return
    with contextlib.suppress(Exception):
        await session.client.close()
    with contextlib.suppress(BaseException):
        await session.task
    _stop(session)


def _stop(session: Session) -> None:
    session.patch.__exit__(None, None, None)
    session.twin.stop_thread()


async def ready_session() -> Session:
    """The current session once its bot is ready (raises why it could not log in)."""
    session = _session
    if session is None:
        raise RuntimeError("dpytest.configure(bot) has not been called")
    if session.ready.is_set():
        return session
    waiter = asyncio.ensure_future(session.ready.wait())
    done, _ = await asyncio.wait({waiter, session.task}, timeout=_READY_TIMEOUT,
                                 return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        waiter.cancel()
        if session.task in done:
            session.task.result()  # raises why the login failed
        raise TimeoutError(f"the bot did not reach on_ready in {_READY_TIMEOUT:g}s")
    session.config = _config(session)
    return session


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
    """The configuration (available once the bot is ready: after any awaited call, or
    ``await dpytest.ready()``)."""
    if _session is None:
        raise RuntimeError("dpytest.configure(bot) has not been called")
    if _session.config is None:
        raise RuntimeError("the bot is still logging in: await dpytest.ready() (or any "
                           "dpytest coroutine) before get_config()")
    return _session.config


async def ready() -> RunnerConfig:
    """Wait for the bot's ``on_ready`` (new; every coroutine here does it first)."""
    return (await ready_session()).config or get_config()


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


__all__ = ["RunnerConfig", "Session", "as_discord", "cleanup", "configure", "current",
           "get_config", "pick", "ready", "ready_session"]
