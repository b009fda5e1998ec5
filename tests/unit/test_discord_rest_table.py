"""The Discord twin's REST table: declared once per class, shared by every twin, each
twin's routes answered by its own handler objects."""

from __future__ import annotations

from typing import Any

import pytest

from wiretwin.discord.http.app import RestApp, Routes
from wiretwin.discord.twin import DiscordTwin


def test_twins_share_route_specs_but_not_handlers() -> None:
    first, second = DiscordTwin(), DiscordTwin()
    assert first.rest.templates == second.rest.templates
    assert len(first.rest.templates) > 100
    assert all(a is b for a, b in zip(first.rest._specs, second.rest._specs, strict=True))
    index = first.rest.templates.index(("POST", "/channels/{channel_id}/messages"))
    mine, theirs = first.rest._handler(index), second.rest._handler(index)
    assert mine.__func__ is theirs.__func__  # type: ignore[attr-defined]
    assert mine.__self__ is not theirs.__self__  # type: ignore[attr-defined]


class _Owner:
    async def answer(self, request: Any) -> dict[str, Any]:
        return {}

    not_a_method = "text"


def test_a_table_names_methods_of_its_owner() -> None:
    app = DiscordTwin().rest
    good: Routes = (("GET", "/owned", "answer"), ("POST", "/owned", "answer", False))
    app.mount(_Owner(), good)
    assert app.templates[-2:] == [("GET", "/owned"), ("POST", "/owned")]
    assert [spec.auth for spec in app._specs[-2:]] == [True, False]
    with pytest.raises(TypeError, match="not_a_method is not a method"):
        RestApp.mount(app, _Owner(), (("GET", "/bad", "not_a_method"),))
