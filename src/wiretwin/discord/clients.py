"""Moved to :mod:`wiretwin.drivers` (client-library recipes live above the twins, and the
Discord twin imports none of them): ``use_discord_py`` and ``FAST_GUILD_READY_TIMEOUT`` to
:mod:`wiretwin.drivers.discord_py`, ``hikari_kwargs`` to :mod:`wiretwin.drivers.hikari`,
``discord_js_options`` to :mod:`wiretwin.drivers.discord_js`. Each name read here still
works, with a DeprecationWarning naming its new module."""

# ruff: noqa: F822  (the names in __all__ are served by the module's __getattr__)

from __future__ import annotations

from ..runtime.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {}, moved={
    "FAST_GUILD_READY_TIMEOUT": "wiretwin.drivers.discord_py",
    "discord_js_options": "wiretwin.drivers.discord_js",
    "hikari_kwargs": "wiretwin.drivers.hikari",
    "use_discord_py": "wiretwin.drivers.discord_py",
})

__all__ = ["FAST_GUILD_READY_TIMEOUT", "discord_js_options", "hikari_kwargs",
           "use_discord_py"]
