"""``LavalinkTwin(world=...)``: the node starts from a world, and reset() comes back to it.

The option reads worlds as the Discord twin's does (a file's path, a whole world, or the
``[lavalink]`` table itself), so ``wiretwin serve --world F`` then ``POST
/_wiretwin/reset`` can bring every twin back to F.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from wiretwin.lavalink import LavalinkTwin
from wiretwin.lavalink.snapshot import SnapshotError
from wiretwin.lavalink.tracks import Track, TrackInfo, encode_track
from wiretwin.runtime.worlds import default_world

WORLD_TRACK = Track(TrackInfo("world-1", "World Song", "Mapmaker", 180_000, "youtube",
                              uri="https://www.youtube.com/watch?v=world-1"))


def _world_file(tmp_path: Path) -> Path:
    path = tmp_path / "world.toml"
    path.write_text(
        "[lavalink]\nformat = 1\n\n"
        "[lavalink.config]\npassword = \"hunter2\"\nversion = \"4.0.8\"\n\n"
        f"[lavalink.catalogue]\ntracks = [\"{encode_track(WORLD_TRACK)}\"]\n",
        encoding="utf-8")
    return path


async def test_a_world_file_sets_the_node_and_reset_comes_back_to_it(tmp_path: Path) -> None:
    twin = LavalinkTwin(world=_world_file(tmp_path))
    built = twin.snapshot()
    assert built["catalogue"]["tracks"] == [WORLD_TRACK.encoded]
    async with twin, aiohttp.ClientSession() as http:
        assert twin.settings()["password"] == "hunter2"
        async with http.get(twin.http_url("/version"),
                            headers={"Authorization": "hunter2"}) as answer:
            assert (answer.status, await answer.text()) == (200, "4.0.8")
        async with http.get(twin.http_url("/version"),
                            headers={"Authorization": "youshallnotpass"}) as refused:
            assert refused.status == 403
        twin.mock_factory.create_mock_track("Added Later")
        assert twin.snapshot() != built
        async with http.post(twin.http_url("/_wiretwin/reset"), json={}) as reset:
            assert reset.status < 300
        assert twin.snapshot() == built


def test_world_takes_a_whole_world_or_the_lavalink_table() -> None:
    defaults = LavalinkTwin().snapshot()
    # The built-in world's [lavalink] table is the twin's defaults.
    assert LavalinkTwin(world=default_world()).snapshot() == defaults
    # A world without a [lavalink] table leaves the node as built.
    assert LavalinkTwin(world={"pusher": {}}).snapshot() == defaults
    table: dict[str, Any] = {"format": 1, "config": {"password": "pw", "version": "4.1.0"}}
    twin = LavalinkTwin(world=table)
    assert (twin.config.password, str(twin.model.version)) == ("pw", "4.1.0")
    twin.restore(defaults)
    assert twin.config.password == "youshallnotpass"
    twin.reset()
    assert (twin.config.password, str(twin.model.version)) == ("pw", "4.1.0")


def test_a_world_with_an_unknown_setting_is_refused_by_name() -> None:
    with pytest.raises(SnapshotError, match="bogus"):
        LavalinkTwin(world={"lavalink": {"config": {"bogus": 1}}})


async def test_reset_ends_every_session_at_once_even_a_resumable_one() -> None:
    headers = {"Authorization": "youshallnotpass", "User-Id": "1234", "Client-Name": "t/1"}
    async with LavalinkTwin() as twin, aiohttp.ClientSession() as http:
        async with http.ws_connect(twin.ws_url("/v4/websocket"), headers=headers) as ws:
            session = (await ws.receive_json())["sessionId"]
            async with http.patch(twin.http_url(f"/v4/sessions/{session}"), headers=headers,
                                  json={"resuming": True, "timeout": 60}) as answer:
                assert answer.status == 200
            twin.reset()
            # Gone now, not once the client has answered the close.
            assert twin.model.sessions == {}
            closing = await ws.receive()
            while closing.type is aiohttp.WSMsgType.TEXT:  # stats sent before the reset
                closing = await ws.receive()
            assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 1000)
        # Its socket closed after the reset: the session was not paused for resuming.
        assert twin.model.sessions == {}
        async with http.ws_connect(twin.ws_url("/v4/websocket"),
                                   headers={**headers, "Session-Id": session}) as again:
            ready = await again.receive_json()
            assert ready["resumed"] is False and ready["sessionId"] != session
