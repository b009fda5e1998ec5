"""The Discord matrix's libraries: what each one is, how its scenario bot is started,
and what it cannot do (with why)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import Library, python_version
from .harness import Command

HERE = Path(__file__).parent
BOTS = HERE / "bots"
ROOT = HERE.parents[2]


def _python(interpreter: str, script: str, *args: str) -> Command:
    def command(settings: str) -> Sequence[str]:
        return [interpreter, str(BOTS / script), *args, settings]
    return command


def _venv(name: str) -> str:
    return str(ROOT / name / "bin" / "python")


@dataclass(frozen=True)
class DiscordLibrary:
    library: Library
    command: Command


LIBRARIES = [
    DiscordLibrary(Library(
        "discord.py", "discord.py", "Python", "bot library", "PyPI discord.py",
        python_version("discord.py"),
        note="Pointed at the twin by setting its Route.BASE and "
             "DiscordWebSocket.DEFAULT_GATEWAY (wiretwin's use_discord_py does this)."),
        _python(sys.executable, "dpy_bot.py", "discord")),
]
