"""Public packages export lazily with a pinned ``__all__``: every name there resolves, and
importing the package alone imports nothing heavy (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

import wiretwin.discord

DISCORD = [
    "DEFAULT_IDS", "DEFAULT_TOKEN", "MAX_REQUEST_SIZE", "BackendError", "ChannelType",
    "CloseCode", "DiscordError", "DiscordTwin", "GatewayLimits", "Interaction", "Opcode",
    "Permission", "StorageLimits", "default_discord_world", "discord_token",
]


def test_discord_exports_are_pinned_and_resolve() -> None:
    assert sorted(wiretwin.discord.__all__) == sorted(DISCORD)
    for name in wiretwin.discord.__all__:
        assert getattr(wiretwin.discord, name) is not None, name
    assert set(DISCORD) <= set(dir(wiretwin.discord))


def test_the_package_is_the_twin_modules_own_objects() -> None:
    from wiretwin.discord import DiscordTwin, GatewayLimits
    from wiretwin.discord.protocol.replay import GatewayLimits as Home
    from wiretwin.discord.twin import DiscordTwin as Twin

    assert (DiscordTwin, GatewayLimits) == (Twin, Home)


def test_importing_wiretwin_discord_does_not_import_aiohttp() -> None:
    script = ("import sys, wiretwin.discord\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'aiohttp'"
              " or m.startswith('wiretwin.discord.')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]", result.stdout


TESTING = ["Actor", "BackendError", "BotError", "BotRaised", "BotStartError", "DiscordEnv",
           "NoReply", "OfflineNetworkError", "Outcome"]


def test_testing_exports_are_pinned_and_resolve_to_their_modules() -> None:
    import wiretwin.testing
    from wiretwin.discord.backend import BackendError
    from wiretwin.testing.discord_env import DiscordEnv
    from wiretwin.testing.outcome import NoReply

    assert sorted(wiretwin.testing.__all__) == sorted(TESTING)
    for name in TESTING:
        assert getattr(wiretwin.testing, name) is not None, name
    assert (wiretwin.testing.DiscordEnv, wiretwin.testing.NoReply,
            wiretwin.testing.BackendError) == (DiscordEnv, NoReply, BackendError)


def test_loading_the_pytest_plugin_imports_no_twin() -> None:
    script = ("import sys, wiretwin.testing.plugin\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'discord'"
              " or m.startswith(('wiretwin.discord.', 'wiretwin.testing.discord_env'))))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]", result.stdout
