"""The Discord seed vocabulary and client drivers moved above the twin: the new paths
import cleanly, and the old ones (used by existing suites and docs) still work, warn
with the new path, and hand out the new modules' own objects."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import types

import pytest

import wiretwin.compat.dpytest as dpytest
import wiretwin.compat.dpytest.backend as dpytest_backend
import wiretwin.drivers
from wiretwin.drivers import discord_js, discord_py, hikari

NEW_MODULES = ["wiretwin.compat", "wiretwin.compat.dpytest", "wiretwin.compat.dpytest.backend",
               "wiretwin.drivers", "wiretwin.drivers.discord_py", "wiretwin.drivers.hikari",
               "wiretwin.drivers.discord_js"]


def _old(name: str) -> types.ModuleType:
    return importlib.import_module(name)


def test_the_old_dpytest_package_warns_and_is_the_new_one() -> None:
    old = _old("wiretwin.discord.dpytest")
    with pytest.warns(DeprecationWarning,
                      match=r"wiretwin\.discord\.dpytest\.configure moved to "
                            r"wiretwin\.compat\.dpytest\.configure"):
        assert old.configure is dpytest.configure
    assert sorted(old.__all__) == sorted(dpytest.__all__)
    for name in dpytest.__all__:
        with pytest.warns(DeprecationWarning, match="wiretwin.compat.dpytest"):
            assert getattr(old, name) is getattr(dpytest, name), name


def test_the_old_backend_import_warns_and_is_the_new_module() -> None:
    with pytest.warns(DeprecationWarning, match=r"moved to wiretwin\.compat\.dpytest\.backend"):
        from wiretwin.discord.dpytest import backend
    assert backend is dpytest_backend
    old = _old("wiretwin.discord.dpytest.backend")
    assert sorted(old.__all__) == sorted(dpytest_backend.__all__)
    with pytest.warns(DeprecationWarning,
                      match=r"moved to wiretwin\.compat\.dpytest\.backend\.make_guild"):
        assert old.make_guild is dpytest_backend.make_guild


@pytest.mark.parametrize(("name", "new"), [
    ("use_discord_py", discord_py), ("FAST_GUILD_READY_TIMEOUT", discord_py),
    ("hikari_kwargs", hikari), ("discord_js_options", discord_js)])
def test_the_old_clients_module_warns_and_is_the_new_one(name: str,
                                                         new: types.ModuleType) -> None:
    old = _old("wiretwin.discord.clients")
    moved = re.escape(f"wiretwin.discord.clients.{name} moved to {new.__name__}.{name}")
    with pytest.warns(DeprecationWarning, match=moved):
        assert getattr(old, name) is getattr(new, name)
    assert getattr(wiretwin.drivers, name) is getattr(new, name)


def test_the_drivers_exports_are_pinned_and_lazy() -> None:
    assert sorted(wiretwin.drivers.__all__) == sorted([
        "FAST_GUILD_READY_TIMEOUT", "discord_js_options", "hikari_kwargs", "use_discord_py"])
    assert sorted(_old("wiretwin.discord.clients").__all__) == \
        sorted(wiretwin.drivers.__all__)
    code = ("import sys, wiretwin.drivers as d\n"
            "loaded = [m for m in ('discord', 'hikari', 'aiohttp', 'wiretwin.discord')\n"
            "          if m in sys.modules]\n"
            "assert not loaded, f'importing wiretwin.drivers imported {loaded}'\n"
            "assert all(getattr(d, n) is not None for n in d.__all__)\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_dpytest_exports_are_pinned() -> None:
    assert sorted(dpytest.__all__) == sorted([
        "CallbackEvent", "PeekableQueue", "RunnerConfig", "Verify", "VerifyActivity",
        "VerifyMessage", "activity_eq", "add_reaction", "add_role", "back", "backend",
        "callbacks", "cleanup", "configure", "counter", "embed_eq", "embed_proxy_eq",
        "empty_queue", "error_queue", "factories", "finish_on_command_error", "get_config",
        "get_embed", "get_message", "member_join", "message", "ready", "remove_reaction",
        "remove_role", "require_config", "run_all_events", "runner", "sent_queue",
        "set_permission_overrides", "state", "utils", "verify", "voice", "websocket"])
    for name in dpytest.__all__:
        assert hasattr(dpytest, name), name


def test_the_new_paths_import_without_warnings() -> None:
    """In a fresh interpreter (an import already cached here would not warn again);
    discord.py is imported first, since it warns about audioop on its own."""
    code = (
        "import sys, warnings, importlib\n"
        "import discord, discord.ext.commands\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        "    for name in sys.argv[1:]:\n"
        "        module = importlib.import_module(name)\n"
        "        for export in getattr(module, '__all__', []):\n"
        "            getattr(module, export)\n"
        "ours = [str(w.message) for w in seen if 'wiretwin' in str(w.message)\n"
        "        or 'wiretwin' in w.filename]\n"
        "assert not ours, ours\n"
    )
    subprocess.run([sys.executable, "-c", code, *NEW_MODULES], check=True, timeout=60)
