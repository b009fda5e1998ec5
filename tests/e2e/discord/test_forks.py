"""discord.py's forks, each from a venv of its own (``make test`` makes them: nextcord
and py-cord install a ``discord`` package of their own, and mafic refuses to run beside
two Discord libraries). ``fork_bot.py`` runs in the fork's interpreter: a Discord twin,
the fork's ``commands.Bot`` pointed at it with ``use_discord_py(..., module=...)``, a real
login over the gateway and REST, and ``!ping`` answered."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("fork_bot.py")


@pytest.mark.parametrize(("venv", "module", "library"), [
    (".venv-nextcord", "nextcord", "nextcord"),
    (".venv-py-cord", "discord", "pycord"),
    (".venv-disnake", "disnake", "disnake"),
])
async def test_a_fork_logs_in_and_answers_a_command(venv: str, module: str,
                                                    library: str) -> None:
    python = ROOT / venv / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{venv} is missing: run `make test`, which makes it")
    proc = await asyncio.create_subprocess_exec(
        str(python), str(SCRIPT), module, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode(errors="replace")[-3000:]
    seen = json.loads(out.decode().strip().splitlines()[-1])
    assert seen["library"] == library
    assert seen == {"library": library, "version": seen["version"], "user_id": True,
                    "guilds": ["Test Server"], "reply": f"pong from {module}",
                    "token_sent": True}
