"""dpytest's ``voice`` module (importable under its name). dpytest's ``FakeVoiceClient``
and ``FakeVoiceChannel`` pretended a voice connection; a voice connection to the twin is
not modelled here yet, so neither is provided (docs/migrating.md)."""

from __future__ import annotations

__all__: list[str] = []
