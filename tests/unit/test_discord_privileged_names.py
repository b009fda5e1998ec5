"""The privileged intents' names, as the admin route and DiscordTwin take them: anything
else is refused by name, and the refusal quotes a long value only in part (the admin
route's answer does not grow with what a request sent)."""

from __future__ import annotations

from typing import Any

import pytest

from wiretwin.discord.protocol.intents import privileged_flags, privileged_names


@pytest.mark.parametrize("names", [[None], [1], [["members"]], [{"a": 1}], ["member"],
                                   ["x" * 1_000_000]])
def test_anything_but_a_known_name_is_refused_in_a_short_message(names: list[Any]) -> None:
    with pytest.raises(ValueError, match="unknown privileged intent") as refused:
        privileged_flags(names)
    assert len(str(refused.value)) < 150


def test_duplicates_and_order_do_not_matter() -> None:
    flags = privileged_flags(["members"] * 1000 + ["presences"])
    assert privileged_names(flags) == ["presences", "members"]
    assert privileged_flags(True) == privileged_flags(["message_content", "members",
                                                       "presences"])
