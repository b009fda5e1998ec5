"""discord.py's forks' own VoiceClients against the Discord twin's voice server, each in
its own venv (``make test`` makes them, with the fork's ``voice`` extra: PyNaCl and a DAVE
library). ``fork_voice_bot.py`` runs in the fork's interpreter: ``await channel.connect()``
the whole way (op 4, the voice gateway over TLS, IP discovery over UDP, SELECT_PROTOCOL)
and a second of prepared Opus sealed with the twin's key, read back from ``twin.voice``.

nextcord 2.6 is not here: it speaks voice gateway v4 and offers only the
``xsalsa20_poly1305`` modes Discord no longer does, so its ``channel.connect()`` fails
against Discord and the twin alike (it takes ``modes[0]`` of an empty intersection)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("fork_voice_bot.py")
SEALED = "aead_xchacha20_poly1305_rtpsize"


@pytest.mark.parametrize(("venv", "module", "version", "silence", "close"), [
    # py-cord ends as discord.py does: five silence frames, then it leaves (op 4) and the
    # twin closes the voice gateway 4014.
    (".venv-py-cord", "discord", "2.8.1", 5, 4014),
    # disnake sends no silence frames, and closes the voice gateway itself before its op 4.
    (".venv-disnake", "disnake", "2.12.2", 0, 1000),
])
async def test_a_fork_connects_and_plays(venv: str, module: str, version: str,
                                         silence: int, close: int) -> None:
    python = ROOT / venv / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{venv} is missing: run `make test`, which makes it")
    proc = await asyncio.create_subprocess_exec(
        str(python), str(SCRIPT), module, *(["silence"] if silence else []),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode(errors="replace")[-3000:]
    seen = json.loads(out.decode().strip().splitlines()[-1])
    assert seen == {"version": version, "ssrc": True, "mode": SEALED,
                    "frames": 50 + silence, "silence_frames": silence, "seconds": 1.0,
                    "undecryptable": 0, "speaking": [0, 1, 0],
                    "first": (bytes([0xFC]) + bytes(40)).hex(), "close_code": close,
                    "left": True}
