"""Running a user's bot against a Discord twin, whatever its library.

One :class:`BotRunner` per library family, chosen by :func:`runner_for` from the bot
object itself (or named by the user): the discord.py family (discord.py, py-cord — both
``discord`` — nextcord and disnake share one lifecycle) and hikari. A runner logs the bot
in to a twin and returns once the bot is ready (its guilds cached), stops it, and starts
it again; the twin runs in the same event loop as the bot.

What the bot's library reports as an unhandled error (an exception in an event handler,
a command, a view, a background task: every one of these libraries logs those at ERROR
on its own logger unless the bot handles them) reaches :class:`BotErrors`, so a test can
fail with the bot's traceback instead of passing over a swallowed exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..runtime.looptime import LoopTime
from .discord_py import use_discord_py

if TYPE_CHECKING:
    from ..discord.twin import DiscordTwin

_log = logging.getLogger("wiretwin.drivers")

#: The libraries :func:`runner_for` knows, by the name a user passes as ``library=``.
LIBRARIES = ("discord.py", "py-cord", "nextcord", "disnake", "hikari")
#: Each library's top-level module (py-cord installs itself as ``discord``).
_MODULES = {"discord.py": "discord", "py-cord": "discord", "nextcord": "nextcord",
            "disnake": "disnake", "hikari": "hikari"}
#: Tasks a library starts to log in that may outlive READY, by their names.
_LOGIN_TASKS = {"disnake": ("disnake: app_command_preparation",)}


class BotStartError(RuntimeError):
    """The bot did not log in: its own exception is the ``__cause__`` when it raised one."""


@dataclass
class BotError:
    """Something the bot's library reported as unhandled: ``exception`` (None when the
    library logged an error without one), where it was logged and its message."""

    exception: BaseException | None
    logger: str
    message: str

    def describe(self) -> str:
        kind = type(self.exception).__name__ if self.exception is not None else "error"
        return f"{kind} logged by {self.logger}: {self.message}"


class BotErrors(logging.Handler):
    """Collects the errors a library logs (a ``logging.Handler`` on its logger) and the
    exceptions of tasks nobody awaited (the loop's exception handler)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[BotError] = []

    def add(self, exc: BaseException | None, where: str, message: str) -> None:
        """Record one error (an exception seen twice is recorded once)."""
        if exc is not None and any(e.exception is exc for e in self.seen):
            return
        self.seen.append(BotError(exc, where, message))

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        self.add(exc, record.name, record.getMessage())

    def loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        self.add(exc if isinstance(exc, BaseException) else None, "asyncio",
                 str(context.get("message", "")))

    @contextlib.contextmanager
    def watching(self, module: str) -> Iterator[None]:
        """Collect what ``module``'s loggers report, and what the running loop's unawaited
        tasks raise, for the ``with`` block."""
        logger = logging.getLogger(module)
        logger.addHandler(self)
        loop = asyncio.get_running_loop()
        previous = loop.get_exception_handler()
        loop.set_exception_handler(self.loop_error)
        # nextcord, py-cord and disnake print unhandled errors instead of logging them:
        # their modules' ``traceback`` reports to us too, for the block.
        shim = _Traceback(self, module)
        patched = _printing_modules(module)
        for mod in patched:
            mod.traceback = shim  # type: ignore[attr-defined]
        try:
            yield
        finally:
            logger.removeHandler(self)
            loop.set_exception_handler(previous)
            for mod in patched:
                mod.traceback = traceback  # type: ignore[attr-defined]


#: module -> (how many modules were loaded, its modules that use ``traceback``) when last
#: looked: looked for again only once sys.modules has changed.
_PRINTING: dict[str, tuple[int, list[ModuleType]]] = {}


def _printing_modules(module: str) -> list[ModuleType]:
    """``module`` and its submodules that hold the ``traceback`` module (to print)."""
    loaded = len(sys.modules)
    known = _PRINTING.get(module)
    if known is None or known[0] != loaded or any(
            sys.modules.get(m.__name__) is not m for m in known[1]):
        # A module another watcher has patched meanwhile is one too.
        found = [m for name, m in list(sys.modules.items())
                 if (name == module or name.startswith(module + "."))
                 and (getattr(m, "traceback", None) is traceback
                      or isinstance(getattr(m, "traceback", None), _Traceback))]
        known = _PRINTING[module] = (loaded, found)
    return [m for m in known[1] if getattr(m, "traceback", None) is traceback]


class _Traceback:
    """``traceback`` for a library's modules: what they print is also a bot error."""

    def __init__(self, errors: BotErrors, module: str) -> None:
        self._errors = errors
        self._module = module

    def print_exception(self, exc: Any, *args: Any, **kwargs: Any) -> None:
        value = exc if isinstance(exc, BaseException) else (args[0] if args else None)
        if isinstance(value, BaseException):
            self._errors.add(value, self._module, str(value))
        traceback.print_exception(exc, *args, **kwargs)

    def print_exc(self, *args: Any, **kwargs: Any) -> None:
        value = sys.exc_info()[1]
        if value is not None:
            self._errors.add(value, self._module, str(value))
        traceback.print_exc(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)


def library_of(bot: Any) -> str:
    """The library ``bot`` was made with, from its class's module."""
    for cls in type(bot).__mro__:
        top = cls.__module__.split(".")[0]
        if top == "hikari":
            return "hikari"
        if top in ("nextcord", "disnake"):
            return top
        if top == "discord":
            discord = sys.modules["discord"]  # loaded: the bot is made of it
            return "py-cord" if hasattr(discord, "SlashCommand") else "discord.py"
    raise TypeError(f"{type(bot).__qualname__} is not a bot of a library wiretwin knows "
                    f"({', '.join(LIBRARIES)}): pass library= to choose one")


class BotRunner:
    """Logs one bot in to a twin and out again (see the subclasses)."""

    library: str = ""

    def __init__(self, bot: Any, twin: DiscordTwin) -> None:
        self.bot = bot
        self.twin = twin
        self.errors = BotErrors()
        self._stack = contextlib.ExitStack()

    @property
    def module(self) -> str:
        return _MODULES[self.library]

    async def start(self, timeout: float = 10.0) -> None:
        """Log the bot in; returns once it is ready (its guilds cached)."""
        self._stack.enter_context(self.errors.watching(self.module))
        try:
            await self._start(timeout)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Log the bot out and undo what :meth:`start` patched."""
        try:
            await self._stop()
        finally:
            self._stack.close()
            self._stack = contextlib.ExitStack()

    def reopen(self) -> None:
        """Make a stopped bot startable again."""

    def login_work(self, task: asyncio.Task[Any]) -> bool:
        """``task`` is part of the library's logging in, still running once the bot is
        ready, that an env waits for before the test's first action (not a long-lived
        task such as a gateway reader, nor the bot's own background work)."""
        return False

    async def _start(self, timeout: float) -> None:
        raise NotImplementedError

    async def _stop(self) -> None:
        raise NotImplementedError


class DiscordPyRunner(BotRunner):
    """discord.py, py-cord, nextcord and disnake: ``bot.start(token)`` in a task, pointed
    at the twin by :func:`~wiretwin.drivers.discord_py.use_discord_py`."""

    def __init__(self, bot: Any, twin: DiscordTwin, library: str) -> None:
        super().__init__(bot, twin)
        self.library = library
        self._task: asyncio.Task[None] | None = None

    async def _start(self, timeout: float) -> None:
        self._stack.enter_context(use_discord_py(self.twin, self.bot, module=self.module))
        self._task = asyncio.create_task(self.bot.start(self.twin.application.token),
                                         name=f"wiretwin: {self.library} bot")
        waiting = self.bot.wait_until_ready()
        looptime = LoopTime.of()
        # On loop time, login's idle waits (the guild-ready wait) cost no real time.
        ready = asyncio.ensure_future(waiting if looptime is None
                                      else looptime.run_until(waiting, limit=timeout))
        try:
            done, _ = await asyncio.wait({ready, self._task}, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not ready.done():
                ready.cancel()
        if ready in done:
            return
        if self._task in done:
            exc = self._task.exception()
            raise BotStartError(f"the {self.library} bot stopped before it was ready"
                                + (f": {exc!r}" if exc else "")) from exc
        raise BotStartError(f"the {self.library} bot was not ready after {timeout:g}s")

    async def _stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        # What start() raised before anyone asked it to stop is the bot's failure; once
        # close() runs, the library may still trip over its own shutdown (py-cord closes
        # its HTTP session, which its gateway reader shares, then tries to reconnect with
        # it: "Session is closed"), and that is no failure of the test.
        failed_first = task.done()
        if not self.bot.is_closed():
            await self.bot.close()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            if failed_first:
                raise
            _log.debug("the %s bot's start() raised while closing: %r", self.library, exc)

    def login_work(self, task: asyncio.Task[Any]) -> bool:
        """disnake syncs its application commands in a task of its own, started by its
        ``login()`` ("disnake: app_command_preparation"), which a loaded machine can
        leave running past READY; the commands it registers must be there for the first
        action. (py-cord and nextcord sync in their ``on_connect`` handler, which is
        waited for like any handler.)"""
        return task.get_name() in _LOGIN_TASKS.get(self.library, ())

    def reopen(self) -> None:
        """Make a closed bot startable again (see :func:`reopen_discord_py`)."""
        reopen_discord_py(self.bot, self.module)


def reopen_discord_py(bot: Any, module: str) -> None:
    """Make a closed discord.py-family client startable again: ``Client.clear()``, and
    a new HTTP connector (``clear()`` keeps the closed one, which refuses every
    request)."""
    clear = getattr(bot, "clear", None)
    if callable(clear):
        clear()
    lib = sys.modules[module]
    http: Any = getattr(bot, "http", None)
    if getattr(getattr(http, "connector", None), "closed", False):
        http.connector = lib.utils.MISSING
    # close() leaves ``loop`` MISSING, and login() only sets the loop up again when it
    # is the module's "not set up yet" sentinel.
    sentinel = getattr(getattr(lib, "client", None), "_loop", None)
    if sentinel is not None and getattr(bot, "loop", None) is lib.utils.MISSING:
        bot.loop = sentinel


class HikariRunner(BotRunner):
    """hikari's ``GatewayBot``: made by the user with
    ``hikari_kwargs(twin)`` (the twin's token and REST URL), started with ``start()``."""

    library = "hikari"

    async def _start(self, timeout: float) -> None:
        rest_url = getattr(getattr(self.bot, "rest", None), "_rest_url", None)
        expected = self.twin.http_url("/api/v10")
        if rest_url is not None and rest_url != expected:
            raise BotStartError(
                f"this hikari bot talks to {rest_url}, not to the twin: make it with "
                "hikari.GatewayBot(**hikari_kwargs(discord_env_twin), ...) "
                "(from wiretwin.drivers.hikari import hikari_kwargs)")
        start = self.bot.start
        kwargs: dict[str, Any] = {}
        if "check_for_updates" in inspect.signature(start).parameters:
            kwargs["check_for_updates"] = False
        try:
            await asyncio.wait_for(start(**kwargs), timeout)
        except TimeoutError:
            raise BotStartError(f"the hikari bot was not ready after {timeout:g}s") from None

    async def _stop(self) -> None:
        if self.bot.is_alive:
            await self.bot.close()

    def reopen(self) -> None:
        """hikari's GatewayBot starts again after ``close()`` as it is."""


def runner_for(bot: Any, twin: DiscordTwin, library: str | None = None) -> BotRunner:
    """The runner for ``bot`` (its library detected unless ``library`` names one of
    :data:`LIBRARIES`)."""
    chosen = library or library_of(bot)
    if chosen not in LIBRARIES:
        raise ValueError(f"library={chosen!r}: wiretwin knows {', '.join(LIBRARIES)}")
    if chosen == "hikari":
        return HikariRunner(bot, twin)
    return DiscordPyRunner(bot, twin, chosen)


__all__ = ["LIBRARIES", "BotError", "BotErrors", "BotRunner", "BotStartError",
           "DiscordPyRunner", "HikariRunner", "library_of", "reopen_discord_py", "runner_for"]
