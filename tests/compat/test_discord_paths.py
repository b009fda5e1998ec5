"""The Discord seed vocabulary and client drivers moved above the twin: the new paths
import cleanly, and the old ones (used by existing suites and docs) still work, warn
with the new path, and hand out the new modules' own objects. dpytest's own path,
``wiretwin.discord.dpytest``, serves the dpytest layer under dpytest's module names,
without a warning (an existing suite changes only its imports)."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import types

import pytest

import wiretwin.compat.dpytest as dpytest
import wiretwin.drivers
from wiretwin.drivers import discord_js, discord_py, hikari

NEW_MODULES = ["wiretwin.compat", "wiretwin.compat.dpytest", "wiretwin.compat.dpytest.backend",
               "wiretwin.discord.dpytest", "wiretwin.drivers", "wiretwin.drivers.discord_py",
               "wiretwin.drivers.hikari", "wiretwin.drivers.discord_js"]


def _old(name: str) -> types.ModuleType:
    return importlib.import_module(name)


#: dpytest's modules, each under ``wiretwin.discord.dpytest`` as under ``discord.ext.test``.
DPYTEST_MODULES = ["runner", "backend", "verify", "utils", "factories", "callbacks", "state",
                   "websocket", "voice"]

#: dpytest's public names (0.7.0 and master) served at each path: all of them but the
#: TypeVars ``P`` and ``T`` of master's factories and state.
DPYTEST_NAMES = {
    "": ["CallbackEvent", "PeekableQueue", "RunnerConfig", "Verify", "VerifyActivity",
         "VerifyMessage", "activity_eq", "add_reaction", "add_role", "back", "backend",
         "callbacks", "configure", "counter", "embed_eq", "embed_proxy_eq", "empty_queue",
         "error_queue", "factories", "finish_on_command_error", "get_config", "get_embed",
         "get_message", "log", "member_join", "message", "remove_reaction", "remove_role",
         "require_config", "run_all_events", "runner", "sent_queue",
         "set_permission_overrides", "state", "utils", "verify", "voice", "websocket"],
    "runner": ["CallbackEvent", "PeekableQueue", "RunnerConfig", "add_reaction", "add_role",
               "back", "callbacks", "configure", "counter", "empty_queue", "error_queue",
               "finish_on_command_error", "get_config", "get_embed", "get_message", "log",
               "member_join", "message", "remove_reaction", "remove_role", "require_config",
               "run_all_events", "sent_queue", "set_permission_overrides"],
    "backend": ["BackendState", "CHANNEL_MENTION", "CallbackEvent", "FakeHttp", "FakeRequest",
                "MEMBER_MENTION", "ROLE_MENTION", "Undef", "add_reaction", "callbacks",
                "clear_reactions", "configure", "delete_channel", "delete_member",
                "delete_message", "delete_role", "dstate", "edit_message", "facts",
                "find_channel_mentions", "find_member_mentions", "find_role_mentions",
                "find_user_mentions", "get_config", "get_state", "log", "make_attachment",
                "make_category_channel", "make_guild", "make_member", "make_message",
                "make_role", "make_text_channel", "make_user", "make_voice_channel",
                "pin_message", "remove_reaction", "undefined", "unpin_message",
                "update_guild", "update_member", "update_role", "update_text_channel",
                "websocket"],
    "verify": ["Undef", "Verify", "VerifyActivity", "VerifyMessage", "activity_eq",
               "embed_eq", "get_config", "opt_undef_or", "sent_queue", "undefined", "verify"],
    "utils": ["PeekableQueue", "activity_eq", "embed_eq", "embed_proxy_eq"],
    "factories": [
        "DictFromObject", "dict_from_attachment", "dict_from_channel", "dict_from_emoji",
        "dict_from_guild", "dict_from_member", "dict_from_message", "dict_from_object",
        "dict_from_overwrite", "dict_from_role", "dict_from_user", "generated_ids", "log",
        "make_attachment_dict", "make_category_channel_dict", "make_channel_dict",
        "make_dm_channel_dict", "make_emoji_dict", "make_guild_dict", "make_id",
        "make_member_dict", "make_message_dict", "make_role_dict", "make_text_channel_dict",
        "make_user_dict", "make_voice_channel_dict", "user_with_member"],
    "callbacks": ["CallbackEvent", "EditMemberCallback", "GetChannelCallback",
                  "SendMessageCallback", "dispatch_event", "get_callback", "log",
                  "remove_callback", "set_callback"],
    "state": ["FakeState", "FakeVoiceChannel", "back", "facts"],
    "websocket": ["CallbackEvent", "FakeWebSocket", "callbacks"],
    "voice": ["FakeVoiceChannel", "FakeVoiceClient"],
}


def _path(module: str, root: str = "wiretwin.discord.dpytest") -> str:
    return f"{root}.{module}" if module else root


@pytest.mark.parametrize("module", sorted(DPYTEST_NAMES))
def test_dpytests_names_are_the_layers_own_objects(module: str) -> None:
    here = importlib.import_module(_path(module))
    # dpytest's backend is the layer's synchronous one (its ``backend`` is the dpytest
    # backend guide's, awaited).
    layer = importlib.import_module(_path(
        "dpytest_backend" if module == "backend" else module, "wiretwin.compat.dpytest"))
    assert sorted(here.__all__) == sorted(layer.__all__)
    assert set(DPYTEST_NAMES[module]) <= set(here.__all__)
    assert set(here.__all__) <= set(dir(here))
    for name in here.__all__:
        ours, theirs = getattr(here, name), getattr(layer, name)
        if isinstance(theirs, types.ModuleType):  # dpytest's modules: the ones at this path
            assert ours is importlib.import_module(
                theirs.__name__.replace("wiretwin.compat.", "wiretwin.discord.")), name
        else:
            assert ours is theirs, name


def test_dpytests_aliases_and_the_verify_function() -> None:
    import wiretwin.discord.dpytest as dpytest_path
    from wiretwin.discord.dpytest import backend, factories, runner, state
    from wiretwin.discord.dpytest.verify import VerifyMessage

    assert dpytest_path.back is backend and runner.back is backend and state.back is backend
    assert backend.facts is factories and state.facts is factories
    assert dpytest_path.verify is dpytest.verify and callable(dpytest_path.verify)
    assert VerifyMessage is dpytest.VerifyMessage
    assert dpytest_path.sent_queue is runner.sent_queue is dpytest.sent_queue
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        getattr(dpytest_path, "nothing_here")  # noqa: B009


def test_a_value_the_layer_rebinds_reads_the_same_through_both_paths() -> None:
    from wiretwin.compat.dpytest import factories as layer
    from wiretwin.discord.dpytest import factories

    factories.make_id()
    assert factories.generated_ids == layer.generated_ids > 0


def test_dpytests_paths_import_without_warnings_and_lazily() -> None:
    """Fresh interpreters: importing the paths loads neither discord.py nor the layer;
    reading every name then warns nothing (``-W error`` suites run)."""
    paths = [_path(m) for m in DPYTEST_NAMES]
    lazy = ("import sys, importlib\n"
            "for name in sys.argv[1:]:\n"
            "    importlib.import_module(name)\n"
            "loaded = [m for m in ('discord', 'wiretwin.compat') if m in sys.modules]\n"
            "assert not loaded, loaded\n")
    subprocess.run([sys.executable, "-c", lazy, *paths], check=True, timeout=60)
    quiet = ("import sys, warnings, importlib\n"
             "import discord, discord.ext.commands\n"
             "warnings.simplefilter('error')\n"
             "for name in sys.argv[1:]:\n"
             "    module = importlib.import_module(name)\n"
             "    for export in module.__all__:\n"
             "        getattr(module, export)\n"
             "from wiretwin.discord.dpytest.utils import *\n"
             "from wiretwin.discord.dpytest.factories import make_message_dict\n")
    subprocess.run([sys.executable, "-c", quiet, *paths], check=True, timeout=60)


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
    assert sorted(dpytest.__all__) == sorted([*DPYTEST_NAMES[""], "cleanup", "ready"])
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
