"""A user's project, for each of the five libraries: a conftest with their bot fixture,
tests of a few lines using ``discord_env``, run by pytest in that library's own venv —
in pytest-asyncio's strict mode with pytest-xdist, and in auto mode — as a user runs them.

The project is written to a temporary folder with no pytest configuration at all, so
nothing in this repository's pyproject (its ``asyncio_mode = "auto"``) helps it.
"""

from __future__ import annotations

import asyncio
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

MESSAGE_COMMANDS = """
    @bot.command()
    async def ping(ctx):
        await ctx.send("pong")

    @bot.command()
    async def boom(ctx):
        raise ValueError("kaboom")

    return bot
"""

CONFTESTS = {
    "discord.py": """
import discord
import pytest
from discord.ext import commands


@pytest.fixture
def discord_bot():
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
""" + MESSAGE_COMMANDS,
    # py-cord installs itself as ``discord``: the same bot, another library.
    "py-cord": """
import discord
import pytest
from discord.ext import commands


@pytest.fixture
def discord_bot():
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.all())
""" + MESSAGE_COMMANDS,
    "nextcord": """
import nextcord
import pytest
from nextcord.ext import commands


@pytest.fixture
def discord_bot():
    bot = commands.Bot(command_prefix="!", intents=nextcord.Intents.all())
""" + MESSAGE_COMMANDS,
    "disnake": """
import disnake
import pytest
from disnake.ext import commands


@pytest.fixture
def discord_bot():
    bot = commands.Bot(command_prefix="!", intents=disnake.Intents.all())
""" + MESSAGE_COMMANDS,
    "hikari": """
import hikari
import pytest

from wiretwin.drivers.hikari import hikari_kwargs


@pytest.fixture
def discord_bot(discord_env_twin):
    bot = hikari.GatewayBot(**hikari_kwargs(discord_env_twin), banner=None,
                            intents=hikari.Intents.ALL_UNPRIVILEGED
                            | hikari.Intents.MESSAGE_CONTENT)

    @bot.listen()
    async def on_message(event: hikari.GuildMessageCreateEvent) -> None:
        if event.is_human and event.content == "!ping":
            await event.message.respond("pong")
        elif event.is_human and event.content == "!boom":
            raise ValueError("kaboom")

    return bot
""",
}

TESTS = """
import pytest


async def test_ping(discord_env):
    reply = await discord_env.user("alice").send("!ping")
    assert reply.content == "pong"


async def test_an_error_in_the_bot_fails_the_action(discord_env):
    with pytest.raises(ValueError, match="kaboom"):
        await discord_env.user("alice").send("!boom")


async def test_the_library_is_detected(discord_env):
    assert discord_env.library == {library!r}
"""

FAILING = """
async def test_a_wrong_expectation(discord_env):
    reply = await discord_env.user("alice").send("!ping")
    assert reply.content == "pang"
"""

VENVS = {"discord.py": ".venv", "hikari": ".venv", "py-cord": ".venv-py-cord",
         "nextcord": ".venv-nextcord", "disnake": ".venv-disnake"}


def project(tmp_path: Path, library: str) -> Path:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(CONFTESTS[library]))
    (tmp_path / "test_bot.py").write_text(TESTS.format(library=library))
    (tmp_path / "test_failing.py").write_text(FAILING)
    return tmp_path


async def run_pytest(library: str, cwd: Path, *args: str) -> str:
    python = ROOT / VENVS[library] / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{VENVS[library]} is missing: run `make test`, which makes it")
    proc = await asyncio.create_subprocess_exec(
        str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "--color=no",
        "--rootdir", str(cwd), *args, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return out.decode(errors="replace")


@pytest.mark.parametrize("library", list(CONFTESTS))
@pytest.mark.parametrize("mode", ["strict+xdist", "auto"])
async def test_a_users_project(tmp_path: Path, library: str, mode: str) -> None:
    where = project(tmp_path, library)
    args = ["-o", "asyncio_mode=strict", "-n", "2"] if mode == "strict+xdist" \
        else ["-o", "asyncio_mode=auto"]
    output = await run_pytest(library, where, *args)
    summary = output.strip().splitlines()[-1]
    assert re.search(r"\b1 failed\b", summary) and re.search(r"\b3 passed\b", summary), \
        output[-4000:]
    # The failing test explains itself with its wire.
    assert "what crossed the Discord twin's wire" in output, output[-4000:]
    assert "MESSAGE_CREATE #general alice: '!ping'" in output, output[-4000:]
    assert "assert 'pong' == 'pang'" in output



async def test_an_error_outside_any_action_fails_the_test_not_its_teardown(
        tmp_path: Path) -> None:
    project(tmp_path, "discord.py")
    (tmp_path / "test_bot.py").write_text(textwrap.dedent("""
        import asyncio


        async def test_a_listener_fails_after_the_last_action(discord_env):
            async def on_custom():
                raise KeyError("late")

            discord_env.bot.add_listener(on_custom)
            discord_env.bot.dispatch("custom")
            await asyncio.sleep(0)
            await asyncio.sleep(0)
    """))
    (tmp_path / "test_failing.py").unlink()
    output = await run_pytest("discord.py", tmp_path)
    assert "1 failed" in output and "error" not in output.splitlines()[-1], output[-3000:]
    assert "KeyError: 'late'" in output
