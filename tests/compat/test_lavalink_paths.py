"""The Sonora client's vocabulary and client drivers moved out of the twin package.

The Sonora client and its simulator live in :mod:`wiretwin.compat.sonora`, the client
drivers in :mod:`wiretwin.drivers`. Old imports keep working, each name read through an old
path warning with its new one; the new paths import without any such warning (checked in
a fresh interpreter, where nothing is imported yet).
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

#: (old module, name, new module): one name per moved module is enough, the shim maps all.
MOVED = [
    ("wiretwin.lavalink.sonora", "SonoraClient", "wiretwin.compat.sonora"),
    ("wiretwin.lavalink.sonora", "protocol_simulator", "wiretwin.compat.sonora"),
    ("wiretwin.lavalink.simulator", "ProtocolSimulator", "wiretwin.compat.sonora.simulator"),
    ("wiretwin.lavalink.simulator", "mock_factory", "wiretwin.compat.sonora.simulator"),
    ("wiretwin.lavalink.clients.discord", "VoiceSession", "wiretwin.drivers.voice"),
    ("wiretwin.lavalink.clients.discord", "ready_client", "wiretwin.drivers.voice"),
    ("wiretwin.lavalink.clients.lavalink_py", "connect", "wiretwin.drivers.lavalink_py"),
    ("wiretwin.lavalink.clients.lavalink_py", "EventLog", "wiretwin.drivers.lavalink_py"),
    ("wiretwin.lavalink.clients.mafic", "MaficBot", "wiretwin.drivers.mafic"),
    ("wiretwin.lavalink.clients.pomice", "pomice_node", "wiretwin.drivers.pomice"),
    ("wiretwin.lavalink.clients.wavelink", "connect_player", "wiretwin.drivers.wavelink"),
]

NEW = ["wiretwin.compat.sonora", "wiretwin.compat.sonora.simulator", "wiretwin.drivers",
       "wiretwin.drivers.voice", "wiretwin.drivers.lavalink_py", "wiretwin.drivers.mafic",
       "wiretwin.drivers.pomice", "wiretwin.drivers.wavelink"]


@pytest.mark.parametrize(("old", "name", "new"), MOVED)
def test_an_old_path_still_works_and_names_the_new_one(old: str, name: str,
                                                       new: str) -> None:
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=rf"moved to {new}\.{name}"):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)


def test_from_import_through_an_old_path_warns() -> None:
    with pytest.warns(DeprecationWarning, match="wiretwin.compat.sonora"):
        from wiretwin.lavalink.sonora import SonoraClient
    from wiretwin.compat.sonora import SonoraClient as moved
    assert SonoraClient is moved
    with pytest.warns(DeprecationWarning, match="wiretwin.drivers.voice.VoiceSession"):
        from wiretwin.lavalink.clients.discord import VoiceSession
    from wiretwin.drivers.voice import VoiceSession as driver
    assert VoiceSession is driver


#: What each old driver module exported before the move, and where it is now (all but
#: pomice's ``wait_until``, a polling helper the drivers no longer have, and the stand-in
#: voice gateways, retired for the Discord twin's voice events: wavelink's
#: ``VoiceGateway`` and ``add_voice_channel``, mafic's ``FakeVoiceGateway`` and ``add_guild``,
#: pomice's ``OfflineGuild`` and ``add_voice_channel``).
OLD_DRIVERS: dict[str, tuple[str, list[str]]] = {
    "discord": ("voice", [
        "DEFAULT_BOT_ID", "VoiceSession", "ready_client"
    ]),
    "lavalink_py": ("lavalink_py", [
        "CLIENT_NAME", "DEFAULT_USER_ID", "Connection", "EventLog", "Handshakes",
        "SyntheticVoice", "VoiceLike", "close_client", "connect", "enable_resuming",
        "feed_voice", "join_voice", "new_client", "wait_ready"
    ]),
    "mafic": ("mafic", [
        "DEFAULT_CHANNEL_ID", "DEFAULT_GUILD_ID", "DEFAULT_LABEL", "MaficBot",
        "RecordingClient", "RecordingPlayer", "close_pool", "connect_player",
        "create_node", "follow_clock"
    ]),
    "pomice": ("pomice", [
        "DEFAULT_IDENTIFIER", "EVENT_NAMES", "PlayerState", "PomiceEventRecord",
        "PomiceEvents", "PomiceRig", "ReconnectGate", "TwinPlayer", "close_node",
        "close_pool",
        "connect_player", "create_node", "dispatch_voice", "node_settings",
        "pomice_clock", "pomice_node", "ready_bot", "send_voice", "wait_session",
    ]),
    "wavelink": ("wavelink", [
        "EventLog", "VoiceStateRequest", "WavelinkClient", "WavelinkEvent",
        "close_node", "close_pool", "connect_node", "connect_player", "wavelink_client"
    ]),
}


@pytest.mark.parametrize("old", sorted(OLD_DRIVERS))
def test_every_old_driver_name_still_reads_through_its_old_module(old: str) -> None:
    module = importlib.import_module(f"wiretwin.lavalink.clients.{old}")
    new, names = OLD_DRIVERS[old]
    moved = importlib.import_module(f"wiretwin.drivers.{new}")
    for name in names:
        with pytest.warns(DeprecationWarning, match=f"wiretwin.drivers.{new}.{name}"):
            assert getattr(module, name) is getattr(moved, name)


def test_the_new_paths_import_without_a_deprecation_warning() -> None:
    script = (
        "import importlib, sys, warnings\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        "    for name in sys.argv[1:]:\n"
        "        importlib.import_module(name)\n"
        "print('\\n'.join(str(w.message) for w in seen if 'wiretwin' in str(w.message)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, *NEW], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_a_simulator_handle_keeps_its_own_state() -> None:
    """No module-level list: two handles do not see each other's simulators."""
    from wiretwin.compat.sonora.simulator import SimulatorHandle

    first, second = SimulatorHandle(), SimulatorHandle()
    assert first._started is not second._started
    assert first._current is not second._current
