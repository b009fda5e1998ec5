"""pytest integration (the plugin is registered through the ``pytest11`` entry point),
and the names a test imports: ``from wiretwin.testing import DiscordEnv, NoReply``.

The names load on first use (:mod:`wiretwin.runtime.lazy`): pytest imports this package
in every run wherever wiretwin is installed, and most runs use no twin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..runtime.lazy import lazy_exports

if TYPE_CHECKING:
    from ..discord.backend import BackendError
    from ..drivers.bots import BotError, BotStartError
    from .actors import Actor
    from .discord_env import BotRaised, DiscordEnv
    from .offline import OfflineNetworkError
    from .outcome import NoReply, Outcome

__getattr__, __dir__ = lazy_exports(__name__, {
    "Actor": ".actors",
    "BackendError": "wiretwin.discord.backend",
    "BotError": "wiretwin.drivers.bots",
    "BotRaised": ".discord_env",
    "BotStartError": "wiretwin.drivers.bots",
    "DiscordEnv": ".discord_env",
    "NoReply": ".outcome",
    "OfflineNetworkError": ".offline",
    "Outcome": ".outcome",
})

__all__ = ["Actor", "BackendError", "BotError", "BotRaised", "BotStartError", "DiscordEnv",
           "NoReply", "OfflineNetworkError", "Outcome"]
