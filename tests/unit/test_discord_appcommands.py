"""Discord's command name, length and shape rules (wiretwin.discord.wire.commands)."""

from __future__ import annotations

from typing import Any

import pytest

from wiretwin.discord.model import DiscordError
from wiretwin.discord.wire.commands import check_command


@pytest.mark.parametrize("name", ["ping", "set-value", "don't", "under_score", "числа",
                                  "数字", "नमस्ते", "สวัสดี", "v2", "a" * 32])
def test_slash_names_discord_accepts(name: str) -> None:
    assert check_command({"name": name, "description": "d"})["name"] == name


@pytest.mark.parametrize("name", ["Ping", "ЧИСЛА", "two words", "emoji\N{GRINNING FACE}",
                                  "dot.name", "", "a" * 33])
def test_slash_names_discord_refuses(name: str) -> None:
    with pytest.raises(DiscordError) as refused:
        check_command({"name": name, "description": "d"})
    assert refused.value.code == 50035 and "name" in (refused.value.errors or {})


def test_context_menu_names_may_have_spaces_and_capitals() -> None:
    out = check_command({"name": "Report This Message", "type": 3})
    assert (out["type"], out["description"]) == (3, "")


def test_total_size_is_capped_at_8000_characters() -> None:
    def option(i: int) -> dict[str, Any]:
        return {"type": 3, "name": f"o{i}", "description": "d" * 100, "choices": [
            {"name": "n" * 100, "value": "v" * 100} for _ in range(25)]}

    with pytest.raises(DiscordError) as refused:
        check_command({"name": "big", "description": "d", "options": [option(i)
                                                                       for i in range(3)]})
    assert refused.value.errors == {"_errors": [{
        "code": "APPLICATION_COMMAND_TOO_LARGE",
        "message": "Command exceeds maximum size (8000)"}]}


def test_defaults_are_filled_in_as_discord_returns_them() -> None:
    out = check_command({"name": "x", "description": "d", "options": [
        {"type": 4, "name": "n", "description": "d", "required": False,
         "min_value": 1, "max_value": 9}]})
    assert out["options"] == [{"type": 4, "name": "n", "description": "d", "min_value": 1,
                               "max_value": 9}]
    assert (out["dm_permission"], out["nsfw"], out["integration_types"], out["contexts"]) == (
        True, False, [0], None)
