"""``PusherTwin(world=...)``: the same option as the Discord twin's, read through
:func:`wiretwin.runtime.worlds.world_table`; the world is where the twin starts and what
``reset()`` (and ``POST /_wiretwin/reset``) returns to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from wiretwin.pusher import App, PusherTwin
from wiretwin.runtime.wire import ADMIN_PREFIX
from wiretwin.runtime.worlds import default_world, write_world

APP = App(id="7", key="world-key", secret="world-secret")
TABLE: dict[str, Any] = {
    "format": 1,
    "apps": [APP.to_json()],
    "members": [{"app": "7", "channel": "presence-lobby", "user_id": "bot",
                 "user_info": {"name": "Bot"}}],
}


def _state(twin: PusherTwin) -> tuple[list[str], dict[str, Any]]:
    return [a.key for a in twin.apps], twin.members("presence-lobby")


@pytest.mark.parametrize("form", ["whole world", "own table", "toml file", "json file"])
def test_a_twin_starts_from_its_world_in_any_form(form: str, tmp_path: Path) -> None:
    world: Any = {"pusher": TABLE, "lavalink": {}} if form == "whole world" else TABLE
    if form.endswith("file"):
        world = tmp_path / ("world.toml" if form == "toml file" else "world.json")
        write_world(world, {"pusher": TABLE})
    twin = PusherTwin(world=world)
    assert _state(twin) == (["world-key"], {"bot": {"name": "Bot"}})


def test_the_built_in_world_is_the_default_app() -> None:
    assert [a.key for a in PusherTwin(world=default_world()).apps] == ["app-key"]
    assert [a.key for a in PusherTwin().apps] == ["app-key"]


def test_a_world_without_a_pusher_table_starts_from_apps() -> None:
    twin = PusherTwin([APP], world={"discord": {}})
    assert [a.key for a in twin.apps] == ["world-key"]


def test_apps_and_a_world_naming_apps_are_not_both_taken() -> None:
    with pytest.raises(ValueError, match="not both"):
        PusherTwin([APP], world=TABLE)


async def test_reset_returns_to_the_world() -> None:
    async with PusherTwin(world={"pusher": TABLE}) as twin:
        twin.restore({"apps": [App(id="8", key="extra", secret="s").to_json()]})
        assert _state(twin) == (["extra"], {})
        twin.reset()
        assert _state(twin) == (["world-key"], {"bot": {"name": "Bot"}})


async def test_the_admin_reset_returns_to_the_world_too() -> None:
    async with PusherTwin(world=TABLE) as twin:
        twin.add_member("presence-lobby", "ann")
        async with aiohttp.ClientSession() as session, \
                session.post(twin.http_url(ADMIN_PREFIX + "/reset")) as response:
            assert response.status < 300
        assert _state(twin) == (["world-key"], {"bot": {"name": "Bot"}})
