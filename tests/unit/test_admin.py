"""The admin API's gate and its OpenAPI document, which must match what is served."""

from __future__ import annotations

import re

import pytest

from wiretwin.discord.twin import DiscordTwin
from wiretwin.lavalink import LavalinkTwin
from wiretwin.pusher import PusherTwin
from wiretwin.runtime import Twin
from wiretwin.runtime.admin import AdminApi, _loopback, openapi_document


@pytest.mark.parametrize(("remote", "ok"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("10.0.0.7", False),
    ("192.168.1.2", False), ("fe80::1%eth0", False), (None, False), ("garbage", False),
])
def test_only_loopback_clients_pass(remote: str | None, ok: bool) -> None:
    assert _loopback(remote) is ok


@pytest.mark.parametrize("twin", [PusherTwin, LavalinkTwin, DiscordTwin])
def test_the_openapi_document_lists_exactly_the_served_routes(twin: type[Twin]) -> None:
    api = AdminApi(twin())
    doc = openapi_document(twin.service, api.table)
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    # aiohttp's {name:regex} (the console's assets) is OpenAPI's {name}.
    served = {(r.method, re.sub(r"\{(\w+):[^}]*\}", r"{\1}", r.path))
              for r in api.routes() if r.method != "*"}  # the catch-all
    assert documented == served
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for path, ops in doc["paths"].items():
        for op in ops.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == {part[1:-1] for part in path.split("/") if part[:1] == "{"}
