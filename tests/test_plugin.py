"""The pytest plugin, tested as a plugin: a fresh pytest run (pytester) in a folder of
its own uses the fixtures and markers the way a user's suite does."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest_plugins = ["pytester"]


def test_loading_the_plugin_imports_no_twin() -> None:
    """pytest loads the plugin in every run wherever wiretwin is installed."""
    code = ("import sys, wiretwin.testing.plugin\n"
            "print(sorted(m for m in sys.modules if m.startswith(('wiretwin.pusher', "
            "'wiretwin.lavalink', 'wiretwin.discord', 'aiohttp'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == "[]"


def test_the_fixtures_and_markers_in_a_users_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user='''
        import json
        import urllib.request

        import pytest


        def test_pusher(pusher_twin):
            assert pusher_twin.running and pusher_twin.channels_info() == {"channels": {}}


        @pytest.mark.lavalink_twin(password="s3cret")
        def test_lavalink(lavalink_twin):
            request = urllib.request.Request(lavalink_twin.http_url("/version"),
                                             headers={"Authorization": "s3cret"})
            assert urllib.request.urlopen(request, timeout=5).status == 200


        @pytest.mark.discord_twin(world="default")
        def test_discord(discord_twin):
            assert [g.name for g in discord_twin.model.guilds.values()] == ["wiretwin guild"]


        def test_an_empty_discord(discord_twin):
            assert discord_twin.model.guilds == {}


        def test_the_guides_names(mock_pusher_service, pusher_event_recorder):
            mock_pusher_service.trigger("news", "flash", {"n": 1})
            assert pusher_event_recorder is not None
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=5)


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.pusher_twin(**kwargs)*",
                                 "@pytest.mark.lavalink_twin(**kwargs)*",
                                 "@pytest.mark.discord_twin(**kwargs)*"])
