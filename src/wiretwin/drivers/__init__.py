"""Recipes that point real client libraries at a twin: the discord.py family, hikari and
discord.js options for the Discord twin; lavalink.py, wavelink, mafic and pomice for the
Lavalink twin. No twin imports anything from here.

One module per library (:mod:`.discord_py`, :mod:`.hikari`, :mod:`.discord_js`,
:mod:`.lavalink_py`, :mod:`.wavelink`, :mod:`.mafic`, :mod:`.pomice`), plus what the
Lavalink drivers share: one waitable event log (:mod:`.events`) and the voice hand-over
from a Discord twin that answers op 4 (:mod:`.discord_voice`), with the dispatch payloads
for voice fed by hand (:mod:`.voice`, :mod:`.payloads`). The package exports the Discord recipes
lazily, so importing it imports no client library and no twin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..runtime.lazy import lazy_exports

if TYPE_CHECKING:
    from .discord_js import discord_js_options
    from .discord_py import FAST_GUILD_READY_TIMEOUT, use_discord_py
    from .hikari import hikari_kwargs

__getattr__, __dir__ = lazy_exports(__name__, {
    "FAST_GUILD_READY_TIMEOUT": ".discord_py",
    "discord_js_options": ".discord_js",
    "hikari_kwargs": ".hikari",
    "use_discord_py": ".discord_py",
})

__all__ = [
    "FAST_GUILD_READY_TIMEOUT",
    "discord_js_options",
    "hikari_kwargs",
    "use_discord_py",
]
