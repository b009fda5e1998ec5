"""A user's project, for each of the five libraries: a conftest with their bot fixture,
tests of a few lines using ``discord_env`` (a message command, an error, a global slash
command, a guild slash command that opens a modal, a button and a select: see
:mod:`.env_projects`), run by pytest in that library's own venv — in pytest-asyncio's
strict mode with pytest-xdist, and in auto mode — as a user runs them. Every test but the
one meant to fail passes, and nothing errors, in teardown either.

The project is written to a temporary folder with no pytest configuration at all, so
nothing in this repository's pyproject (its ``asyncio_mode = "auto"``) helps it.
"""

from __future__ import annotations

import asyncio
import re
import textwrap
from pathlib import Path

import pytest

from .env_projects import CONFTESTS, FAILING, PASSING, TESTS

ROOT = Path(__file__).resolve().parents[3]

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
    assert re.search(r"\b1 failed\b", summary), output[-4000:]
    assert re.search(rf"\b{PASSING} passed\b", summary), output[-4000:]
    # No errors, teardown's included.
    assert "error" not in summary, output[-4000:]
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


async def test_a_bot_error_points_at_the_test_and_the_bot_not_at_wiretwin(
        tmp_path: Path) -> None:
    project(tmp_path, "discord.py")
    (tmp_path / "test_bot.py").write_text(textwrap.dedent("""
        async def test_boom(discord_env):
            await discord_env.user("alice").send("!boom")
    """))
    (tmp_path / "test_failing.py").unlink()
    output = await run_pytest("discord.py", tmp_path)
    assert "1 failed" in output, output[-3000:]
    failure = output.split("FAILURES", 1)[1].split("Captured log", 1)[0]
    assert '>       await discord_env.user("alice").send("!boom")' in failure, failure
    assert 'raise ValueError("kaboom")' in failure, failure
    # No frame of wiretwin's own files (wherever the checkout is, whatever it is called).
    assert not re.search(r"(src|site-packages)/wiretwin/", failure), failure


async def test_disnake_commands_synced_after_ready_are_there_for_the_first_action(
        tmp_path: Path) -> None:
    """disnake syncs its commands in a task of its own, which a loaded machine can leave
    running past READY (here the twin answers its first request about the guild's commands
    0.3 s late): the env waits for it, so the first action finds them."""
    project(tmp_path, "disnake")
    (tmp_path / "test_failing.py").unlink()
    (tmp_path / "test_late_sync.py").write_text(textwrap.dedent("""
        import pytest

        from wiretwin.runtime.faults import Latency, Scope


        @pytest.fixture
        def discord_bot(discord_bot, discord_env_twin):
            discord_env_twin.faults.add(Latency(ms=300, times=1, scope=Scope(
                route="/api/v10/applications/*/guilds/*/commands")))
            return discord_bot


        async def test_the_guild_command_is_there(discord_env):
            opened = await discord_env.user("bob").slash("feedback")
            assert opened.modal is not None
    """))
    output = await run_pytest("disnake", tmp_path, "test_late_sync.py")
    assert output.strip().splitlines()[-1].startswith("1 passed"), output[-3000:]

