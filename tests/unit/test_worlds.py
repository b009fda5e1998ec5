"""runtime.worlds.world_table: what a twin's ``world=`` option accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretwin.runtime.worlds import WorldError, default_world, read_world, world_table, write_world


def test_a_whole_world_gives_the_twins_table() -> None:
    world = default_world()
    assert world_table(world, "pusher") == world["pusher"]


def test_a_twins_own_table_is_taken_as_it_is() -> None:
    table = {"format": 1, "apps": []}
    assert world_table(table, "pusher") == table
    assert world_table({"guilds": []}, "discord") == {"guilds": []}


def test_a_world_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    write_world(path, default_world())
    assert world_table(path, "lavalink") == default_world()["lavalink"]
    assert world_table(str(path), "discord") == default_world()["discord"]


def test_no_world_and_no_table_are_none() -> None:
    assert world_table(None, "discord") is None
    assert world_table({"pusher": {"format": 1}}, "discord") is None


def test_a_table_that_is_not_one_is_refused() -> None:
    with pytest.raises(WorldError, match="'discord' entry is not a table"):
        world_table({"discord": [1, 2]}, "discord")
    with pytest.raises(WorldError, match="not int"):
        world_table(3, "discord")  # type: ignore[arg-type]
    with pytest.raises(WorldError, match=r"nope\.toml"):
        world_table("nope.toml", "discord")


def test_default_names_the_built_in_world_and_other_formats_are_refused(
        tmp_path: Path) -> None:
    assert read_world("default") == default_world()
    yaml = tmp_path / "world.yaml"
    yaml.write_text("discord: {}\n")
    with pytest.raises(WorldError, match=r"TOML \(\.toml\) or JSON \(\.json\), not \.yaml"):
        read_world(yaml)


def test_a_saved_world_takes_new_list_entries_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "saved.toml"
    world = {"pusher": {"format": 1, "members": [], "cache": [],
                        "apps": [{"id": "1", "key": "k", "secret": "s", "webhooks": []}]},
             "lavalink": {"format": 1, "players": [], "catalogue": {"searches": []}}}
    write_world(path, world)
    text = path.read_text()
    assert "members" not in text and "players" not in text and "searches" not in text
    assert "webhooks = []" in text  # inside an entry of a list: kept as it is
    path.write_text(text + '''
[[pusher.members]]
app = "1"
channel = "presence-lobby"
user_id = "bot"
''')
    read = read_world(path)
    assert read["pusher"]["members"] == [
        {"app": "1", "channel": "presence-lobby", "user_id": "bot"}]
    assert read["pusher"]["apps"] == world["pusher"]["apps"]
