"""World files: a starting state for every twin, in TOML (or JSON).

A world is one table per twin, each holding that twin's snapshot::

    [pusher]
    format = 1
    [[pusher.apps]]
    id = "1"
    key = "app-key"
    secret = "app-secret"

``wiretwin serve --world FILE`` starts from one and ``--save FILE`` writes the state back
on exit (``.toml`` or ``.json`` by the file's suffix). TOML has no null, so values that
are null in a snapshot are left out of a TOML world, which reads back as their default.
So are a table's empty lists (``members = []``): they read back as empty, and a user
who edits the file can add ``[[pusher.members]]`` entries, which TOML refuses beside a
``members = []``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

#: The tables a whole world may hold.
TWINS = frozenset({"discord", "lavalink", "pusher"})


class WorldError(ValueError):
    """A world file that cannot be read; the message names the file and the problem."""


def read_world(path: str | Path) -> dict[str, Any]:
    """A world file: TOML (``.toml``, or no suffix) or JSON (``.json``); ``"default"``
    (when no such file exists) is the built-in world."""
    if str(path) == "default" and not Path(path).exists():
        return default_world()
    path = Path(path)
    if path.suffix not in ("", ".toml", ".json"):
        raise WorldError(f"{path}: a world file is TOML (.toml) or JSON (.json), not "
                         f"{path.suffix}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorldError(f"{path}: {exc.strerror or exc}") from None
    try:
        world = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise WorldError(f"{path}: {exc}") from None
    if not isinstance(world, dict):
        raise WorldError(f"{path}: a world is a table of twins")
    return world


def write_world(path: str | Path, world: dict[str, Any]) -> None:
    path = Path(path)
    if path.suffix == ".json":
        path.write_text(json.dumps(world, indent=2) + "\n", encoding="utf-8")
    else:
        path.write_text(tomli_w.dumps(_for_toml(world)), encoding="utf-8")


def default_world() -> dict[str, Any]:
    """The built-in world (``wiretwin/worlds/default.toml``)."""
    text = resources.files("wiretwin.worlds").joinpath("default.toml").read_text("utf-8")
    return tomllib.loads(text)


def world_table(world: str | Path | Mapping[str, Any] | None, twin: str) -> dict[str, Any] | None:
    """One twin's table of a world, for a twin's ``world=`` option.

    ``world`` is a world file's path, a whole world (``{"discord": {...}, ...}``) or the
    twin's own table (a snapshot). ``None`` is no world: the twin starts empty, and so
    does a whole world without a table for ``twin``.
    """
    if world is None:
        return None
    if isinstance(world, (str, Path)):
        world = read_world(world)
    if not isinstance(world, Mapping):
        raise WorldError(f"a world is a file's path or a table, not {type(world).__name__}")
    if twin not in world:
        return None if world and set(world) <= TWINS else dict(world)
    table = world[twin]
    if not isinstance(table, Mapping):
        raise WorldError(f"the world's {twin!r} entry is not a table")
    return dict(table)


def _for_toml(value: Any) -> Any:
    """``value`` without nulls, and without the empty lists of its tables (those outside
    any list: the ones a user extends with ``[[table.key]]`` entries)."""
    if isinstance(value, dict):
        return {k: _for_toml(v) for k, v in value.items() if v is not None and v != []}
    return _without_nulls(value)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value if v is not None]
    return value


__all__ = ["WorldError", "default_world", "read_world", "world_table", "write_world"]
