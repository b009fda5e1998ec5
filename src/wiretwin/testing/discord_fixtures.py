"""The pytest side of :class:`~wiretwin.testing.discord_env.DiscordEnv`: three lines in a
user's conftest give every test their bot logged in to a fresh Discord twin::

    @pytest.fixture
    def discord_bot():
        return make_my_bot()          # discord.py, py-cord, nextcord, disnake or hikari

    async def test_ping(discord_env):
        assert (await discord_env.user("alice").send("!ping")).content == "pong"

``discord_env_twin`` is the twin (started in the test's event loop, from the built-in
world unless the ``discord_env`` marker gives another); a hikari bot is made from it with
``hikari.GatewayBot(**hikari_kwargs(discord_env_twin))``. The marker's keywords:
``world`` (``"default"``, ``None`` for an empty twin, a path or a snapshot), ``library``,
``raise_bot_errors``, ``timeout``, ``login_timeout``, ``virtual_time`` (default True:
the test's loop runs on :class:`~wiretwin.runtime.looptime.LoopTime`, shared by the bot
and the twin, so ``await env.advance(60)`` fires both sides' timers at once), and any
:class:`DiscordTwin` keyword (``seed``, ``clock``, ``token``...).

Async tests that use ``discord_env`` get pytest-asyncio's ``asyncio`` marker from here,
so they run in strict mode as in auto mode without the user marking them. A failing
test's report carries its transcript (:mod:`wiretwin.testing.transcript`).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Generator
from typing import TYPE_CHECKING, Any

import pytest

# The twin and the env are imported by the fixtures that use them: pytest loads this
# plugin in every run wherever wiretwin is installed, and most runs use no twin.
if TYPE_CHECKING:
    from ..discord.twin import DiscordTwin
    from .discord_env import DiscordEnv

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the async fixtures need pytest-asyncio
    pytest_asyncio = None  # type: ignore[assignment]

#: Where a test's env is kept for its report.
ENV_KEY = pytest.StashKey[Any]()
#: Marker keywords that are the env's, not the twin's.
_ENV_OPTIONS = ("library", "raise_bot_errors", "timeout", "login_timeout")
#: The fixtures whose async tests get the ``asyncio`` marker.
_ASYNC_FIXTURES = frozenset({"discord_env", "discord_env_twin"})

MARKER = ("discord_env(**kwargs): options of the discord_env fixture: world=\"default\" "
          "(or None, a path, a snapshot), library=, raise_bot_errors=, timeout=, "
          "virtual_time=, and DiscordTwin keywords (seed=, clock=, token=...)")


def _options(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    from ..discord.world import default_discord_world

    marker = request.node.get_closest_marker("discord_env")
    given: dict[str, Any] = dict(marker.kwargs) if marker else {}
    env = {k: given.pop(k) for k in _ENV_OPTIONS if k in given}
    world = given.pop("world", "default")
    if world == "default":
        world = default_discord_world()
    if world is not None:
        given["world"] = world
    return given, env


def mark_async_tests(items: list[Any]) -> None:
    """Give async tests that use the env pytest-asyncio's marker (strict mode)."""
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        if not inspect.iscoroutinefunction(getattr(item, "obj", None)):
            continue
        if item.get_closest_marker("asyncio") is not None:
            continue
        if _ASYNC_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.asyncio)


# Old-style hook wrappers (``hookwrapper=True``): the plugin loads in every pytest that
# has wiretwin installed, pluggy 1.0's too (new-style ``wrapper=True`` needs pluggy 1.1).

@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str,
                              obj: object) -> Generator[None, Any, None]:
    # Innermost wrapper: marks the items before pytest-asyncio's wrapper looks at them.
    outcome = yield
    result = outcome.get_result()
    if pytest_asyncio is not None and result is not None:
        mark_async_tests(result if isinstance(result, list) else [result])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, None]:
    # An error the bot hit outside any action (after the test's last one, in a
    # background task) fails the test itself, not its teardown.
    outcome = yield
    env: DiscordEnv | None = item.stash.get(ENV_KEY, None)
    if env is None or outcome.excinfo is not None:
        return
    try:
        env.raise_unreported()
    except BaseException as exc:
        force = getattr(outcome, "force_exception", None)  # pluggy >= 1.1
        if force is None:
            raise
        force(exc)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    env: DiscordEnv | None = item.stash.get(ENV_KEY, None)
    if env is not None and report.failed:
        text = env.transcript(login=report.when == "setup")
        if text:
            report.sections.append(("wiretwin: what crossed the Discord twin's wire",
                                    text))


@pytest.fixture
def discord_bot() -> Any:
    """Your bot, unstarted: define this fixture in your conftest.py."""
    raise pytest.UsageError(
        "the discord_env fixture runs your bot: define a `discord_bot` fixture in your "
        "conftest.py that returns it (unstarted), e.g.\n\n"
        "    @pytest.fixture\n    def discord_bot():\n        return make_my_bot()\n")


if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def discord_env_twin(request: pytest.FixtureRequest) -> AsyncIterator[DiscordTwin]:
        """The Discord twin of ``discord_env``, running in the test's event loop."""
        from ..discord.twin import DiscordTwin
        from ..runtime.looptime import LoopTime

        twin_options, _ = _options(request)
        virtual = twin_options.pop("virtual_time", True) and "clock" not in twin_options
        looptime = LoopTime().install() if virtual else None
        if looptime is not None:
            twin_options["clock"] = looptime.clock
        try:
            async with DiscordTwin(**twin_options) as twin:
                yield twin
        finally:
            if looptime is not None:
                looptime.uninstall()

    @pytest_asyncio.fixture
    async def discord_env(request: pytest.FixtureRequest, discord_env_twin: DiscordTwin,
                          discord_bot: Any) -> AsyncIterator[DiscordEnv]:
        """Your ``discord_bot`` logged in to ``discord_env_twin`` and ready."""
        from .discord_env import DiscordEnv

        _, env_options = _options(request)
        env = DiscordEnv(discord_env_twin, discord_bot, **env_options)
        request.node.stash[ENV_KEY] = env
        await env.start()
        try:
            yield env
        finally:
            await env.stop()

else:  # pragma: no cover

    def _needs_pytest_asyncio() -> Any:
        raise pytest.UsageError("the discord_env fixture needs pytest-asyncio: "
                                "pip install pytest-asyncio")

    discord_env_twin = pytest.fixture(_needs_pytest_asyncio, name="discord_env_twin")
    discord_env = pytest.fixture(_needs_pytest_asyncio, name="discord_env")


__all__ = [
    "ENV_KEY",
    "MARKER",
    "discord_bot",
    "discord_env",
    "discord_env_twin",
    "mark_async_tests",
    "pytest_pycollect_makeitem",
    "pytest_runtest_call",
    "pytest_runtest_makereport",
]
