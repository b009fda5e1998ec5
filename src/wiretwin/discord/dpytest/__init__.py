"""dpytest's public API (0.7), over the wire: ``import wiretwin.discord.dpytest as dpytest``.

An existing dpytest suite switches by changing its import and its fixture::

    @pytest.fixture
    async def bot():
        bot = commands.Bot(command_prefix="!", intents=intents)
        dpytest.configure(bot)          # same call: a twin, a world, and a real login
        yield bot
        await dpytest.empty_queue()
        await dpytest.cleanup()         # new: log out and stop the twin

``configure`` builds dpytest's world (its guild, channel and member names) in a fresh
:class:`~wiretwin.discord.twin.DiscordTwin` running in its own thread, points discord.py
at it and starts ``bot.start(token)``; every coroutine here first waits for ``on_ready``.
``message`` posts as a member and returns once the bot has finished with it (the twin's
settle), re-raising what a command raised, as dpytest does. ``verify()``,
``get_message``, ``get_embed`` read what the bot really sent.

Differences that come from being real (docs/migrating.md): the bot logs in, so
``setup_hook`` runs and permissions are enforced (a 403 reaches the command as
``discord.Forbidden``); the guild's owner is a separate user, so ``member_count`` counts
the bot once (dpytest counts it twice); ids are real snowflakes; the backend's ``make_*``
functions are coroutines (``await backend.make_text_channel(...)``).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any, NamedTuple

import discord
from discord.ext import commands

from ..backend import BackendError
from ..clients import use_discord_py
from ..model import ChannelType
from ..model import Message as ModelMessage
from ..twin import DiscordTwin
from ..verify import Evaluated, VerifyMessage

_READY_TIMEOUT = 10.0


class RunnerConfig(NamedTuple):
    """dpytest's configuration: the client and the guilds, channels and members it made
    (discord.py objects from the bot's own cache)."""

    client: discord.Client
    guilds: list[discord.Guild]
    channels: list[discord.abc.GuildChannel]
    members: list[discord.Member]


@dataclass
class _Session:
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


_session: _Session | None = None


def _names(spec: int | list[str], pattern: str) -> list[str]:
    return [pattern.format(n) for n in range(spec)] if isinstance(spec, int) else list(spec)


def configure(client: discord.Client, guilds: int | list[str] = 1,
              text_channels: int | list[str] = 1, voice_channels: int | list[str] = 1,
              members: int | list[str] = 1) -> None:
    """dpytest's ``configure``: ``guilds`` "Test Guild {n}" each with ``text_channels``
    "TextChannel_{n}", ``voice_channels`` "VoiceChannel_{n}" and ``members``
    "TestUser{n}" (nick "TestUser{n}_{n}_nick"), and the bot; then the bot logs in.
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
    guild_ids: list[int] = []
    channel_ids: list[int] = []
    member_ids: list[tuple[int, int]] = []

    def build() -> None:
        for guild_name in _names(guilds, "Test Guild {}"):
            guild = model.create_guild(guild_name, model.application.owner.id)
            guild_ids.append(guild.id)
            for name in _names(text_channels, "TextChannel_{}"):
                channel_ids.append(model.create_channel(guild, name).id)
            for name in _names(voice_channels, "VoiceChannel_{}"):
                channel_ids.append(model.create_channel(
                    guild, name, ChannelType.GUILD_VOICE).id)
            for number, name in enumerate(_names(members, "TestUser{}")):
                user = model.add_user(name)
                user.discriminator = f"{number + 1:04}"
                model.add_member(guild, user.id, nick=f"{name}_{number}_nick")
                member_ids.append((guild.id, user.id))
            model.add_member(guild, model.bot.id)

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
    _session = _Session(twin, client, task, ready, patch, guild_ids, channel_ids,
                        member_ids, errors)


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


def _stop(session: _Session) -> None:
    session.patch.__exit__(None, None, None)
    session.twin.stop_thread()


async def _ready() -> _Session:
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


def _config(session: _Session) -> RunnerConfig:
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
    return (await _ready()).config or get_config()


# -- acting as users -------------------------------------------------------------------------


def _pick(items: list[Any], value: Any) -> Any:
    return items[value] if isinstance(value, int) and not isinstance(value, bool) else value


async def message(content: str, channel: Any = 0, member: Any = 0,
                  attachments: list[Any] | None = None) -> discord.Message:
    """A member posts ``content`` (``channel``/``member``: objects or indexes into the
    config); returns the bot's view of the message once it has finished reacting, and
    re-raises the first error a command raised."""
    session = await _ready()
    config = session.config
    assert config is not None
    where = _pick(config.channels, channel)
    author = _pick(config.members, member)
    sent = await session.twin.message(content, where, author,
                                      attachments=list(attachments or []))
    if not session.errors.empty():
        _, error = session.errors.get_nowait()
        raise error
    return _as_discord(session, sent)


def _as_discord(session: _Session, sent: ModelMessage) -> discord.Message:
    state = session.client._connection
    found = state._get_message(sent.id)
    if found is not None:
        return found
    channel = session.client.get_channel(sent.channel_id)
    data = session.twin.model.message_json(sent)
    return discord.Message(state=state, channel=channel, data=data)  # type: ignore[arg-type]


async def run_all_events() -> None:
    """Wait until the bot has handled everything it was sent (the twin's settle)."""
    session = await _ready()
    async with session.twin.settle():
        pass


async def finish_on_command_error() -> None:
    await run_all_events()


async def add_reaction(user: Any, message: Any, emoji: Any) -> None:
    session = await _ready()
    async with session.twin.settle():
        await session.twin.backend.add_reaction(message, user, emoji)


async def remove_reaction(user: Any, message: Any, emoji: Any) -> None:
    session = await _ready()
    async with session.twin.settle():
        await session.twin.backend.remove_reaction(message, user, emoji)


async def member_join(guild: Any = 0, user: Any = None, *, name: str | None = None,
                      discrim: str | int | None = None) -> discord.Member:
    """A user (new unless given) joins ``guild``; the bot's ``discord.Member``."""
    session = await _ready()
    config = session.config
    assert config is not None
    where = _pick(config.guilds, guild)
    if user is not None and (name is not None or discrim is not None):
        raise ValueError("Cannot supply user at the same time as name/discrim")
    backend = session.twin.backend
    async with session.twin.settle():
        if user is None:
            made = await backend.make_user(name or "TestUser")
            if discrim is not None:
                made.discriminator = f"{int(discrim):04}"
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
    session = await _ready()
    config = session.config
    assert config is not None
    target = _pick(config.members, target)
    where = _pick(config.channels, channel)
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
    session = await _ready()
    config = session.config
    assert config is not None
    member = _pick(config.members, member)
    if not isinstance(role, discord.Role):
        raise TypeError("Role argument must be of type discord.Role")
    backend = session.twin.backend
    change = backend.add_role if add else backend.remove_role
    async with session.twin.settle():
        await change(member, role, role.guild)


# -- what the bot sent -----------------------------------------------------------------------


def _current() -> _Session:
    if _session is None:
        raise RuntimeError("dpytest.configure(bot) has not been called")
    return _session


def get_message(peek: bool = False) -> discord.Message:
    """The oldest message the bot sent that no check has taken (``peek``: leave it)."""
    session = _current()
    return _as_discord(session, session.twin.backend.get_message(peek))


def get_embed(peek: bool = False) -> discord.Embed:
    return get_message(peek).embeds[0]


async def empty_queue() -> None:
    """Let the bot finish, then forget what it sent and any command errors."""
    session = _current()
    if session.ready.is_set():
        await run_all_events()
    await session.twin.backend.clear_message_queue()
    while not session.errors.empty():
        session.errors.get_nowait()


class VerifyActivity(Evaluated):
    """``verify().activity()``: the bot's presence as it last told the gateway (op 3)."""

    def __init__(self, session: _Session) -> None:
        self._session = session
        self._wanted: dict[str, Any] = {}

    def matches(self, activity: discord.BaseActivity | None) -> VerifyActivity:
        if self._wanted:
            raise ValueError("Verify exact match conflicts with verifying attributes")
        self._wanted["activity"] = activity
        return self

    def name(self, name: str) -> VerifyActivity:
        self._wanted["name"] = name
        return self

    def url(self, url: str) -> VerifyActivity:
        self._wanted["url"] = url
        return self

    def type(self, kind: discord.ActivityType) -> VerifyActivity:
        self._wanted["type"] = int(kind.value)
        return self

    def _current_activity(self) -> dict[str, Any] | None:
        frames = self._session.twin.journal.frames(direction="in")
        for frame in reversed(frames):
            data = frame.json if frame.json is not None else None
            if isinstance(data, dict) and data.get("op") == 3:
                activities = (data.get("d") or {}).get("activities") or []
                return activities[0] if activities else None
        return None

    def _evaluate(self) -> tuple[bool, str]:
        have = self._current_activity()
        want = dict(self._wanted)
        if "activity" in want:
            expected = want.pop("activity")
            if expected is None:
                return (have is None, f"expected no activity, the bot has {have}")
            want = {"name": expected.name, "url": getattr(expected, "url", None),
                    "type": int(expected.type.value)}
        if have is None:
            return (not want, f"expected an activity {want}, the bot has none")
        wrong = {k: have.get(k) for k, v in want.items() if have.get(k) != v}
        return (not wrong, f"expected activity {want}, the bot has {have}")


class Verify:
    """``dpytest.verify()``: ``.message()`` and ``.activity()``."""

    def message(self) -> VerifyMessage:
        return _current().twin.verify().message()

    def activity(self) -> VerifyActivity:
        return VerifyActivity(_current())


def verify() -> Verify:
    return Verify()


from . import backend as backend  # noqa: E402  (its functions use the session above)

__all__ = ["RunnerConfig", "Verify", "VerifyActivity", "add_reaction", "add_role", "backend",
           "cleanup", "configure", "empty_queue", "finish_on_command_error", "get_config",
           "get_embed", "get_message", "member_join", "message", "ready",
           "remove_reaction", "remove_role", "run_all_events", "set_permission_overrides",
           "verify"]
