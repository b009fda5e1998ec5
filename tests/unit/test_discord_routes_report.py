"""The report of which published Discord routes the twin models: it matches the twin's
own route table, docs/discord-routes.md is its current output, and a route it lists as
not modelled answers 404 naming the route."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import aiohttp

from wiretwin.cli import main
from wiretwin.discord.coverage import coverage, published_routes, report, twin_routes
from wiretwin.discord.twin import DiscordTwin

DOC = Path(__file__).resolve().parents[2] / "docs" / "discord-routes.md"


def test_the_kept_route_list_is_discords_description() -> None:
    source, routes = published_routes()
    assert source["repository"] == "discord/discord-api-spec"
    assert len(routes) == len({(r.method, r.path) for r in routes}) > 200
    assert ("POST", "/channels/{channel_id}/messages") in {(r.method, r.path) for r in routes}


def test_modelled_and_unmodelled_split_the_list_by_the_twins_routes() -> None:
    result = coverage()
    ours = {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in twin_routes()}
    assert all(r.key in ours for r in result.modelled)
    assert not any(r.key in ours for r in result.unmodelled)
    assert ("GET", "/gateway/bot") in {(r.method, r.path) for r in result.modelled}
    assert 0 < result.share < 1
    assert f"**{len(result.modelled)} of " in report(result)


def test_the_docs_page_is_the_reports_current_output() -> None:
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert main(["discord-routes"]) == 0
    assert DOC.read_text(encoding="utf-8") == printed.getvalue(), (
        "docs/discord-routes.md is stale: run `wiretwin discord-routes > "
        "docs/discord-routes.md`")


async def test_a_route_not_modelled_answers_404_naming_it() -> None:
    unmodelled = [r for r in coverage().unmodelled if r.method == "GET"][:5]
    twin = await DiscordTwin().start()
    try:
        async with aiohttp.ClientSession(headers={
                "Authorization": f"Bot {twin.application.token}"}) as http:
            for route in unmodelled:
                path = re.sub(r"\{[^}]*\}", "123", route.path)
                async with http.get(twin.http_url("/api/v10" + path)) as answer:
                    body = await answer.json()
                    assert answer.status == 404, route
                    assert f"GET /api/v10{path}" in body["message"], body
    finally:
        await twin.stop()
