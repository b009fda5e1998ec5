"""The seed's protocol_simulator and mock_factory, over a real Lavalink twin."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from wiretwin.compat.sonora.simulator import ProtocolSimulator, mock_factory, protocol_simulator
from wiretwin.lavalink import decode_track
from wiretwin.runtime.faults import Disconnect, Drop, LatencySpike


async def _load(simulator: ProtocolSimulator, identifier: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(
        simulator.twin.http_url("/v4/loadtracks"), params={"identifier": identifier},
        headers={"Authorization": "test"},
    ) as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body


async def test_start_faults_mock_factory_stop() -> None:
    simulator = await protocol_simulator.start(port=0)
    try:
        assert simulator.running
        assert simulator.settings["password"] == "test"
        faults = protocol_simulator.enable_fault_injection(
            {"packet_loss": 0.05, "latency_spike": 0.1, "connection_drop": 0.02})
        assert [type(f) for f in faults] == [Drop, LatencySpike, Disconnect]
        assert [(f.name, f.probability) for f in simulator.twin.faults.all()] == [
            ("packet_loss", 0.05), ("latency_spike", 0.1), ("connection_drop", 0.02)]
        protocol_simulator.disable_fault_injection()
        assert simulator.twin.faults.all() == []

        track = mock_factory.create_mock_track(title="Test Track", author="Test Artist",
                                               length=180000)
        assert decode_track(track.encoded) == track
        loaded = await _load(simulator, track.uri or "")
        assert loaded["loadType"] == "track"
        playlist = mock_factory.create_mock_playlist(name="Test Playlist", track_count=10)
        body = await _load(simulator, playlist.url)
        assert body["loadType"] == "playlist"
        assert len(playlist.tracks) == 10
        results = mock_factory.create_mock_search_results(query="test query", count=20)
        found = await _load(simulator, "ytsearch:test query")
        assert [t["encoded"] for t in found["data"]] == [t.encoded for t in results]
        with pytest.raises(ValueError, match="unknown fault"):
            protocol_simulator.enable_fault_injection({"solar_flare": 1.0})
    finally:
        await protocol_simulator.stop()
    with pytest.raises(RuntimeError, match="not running"):
        mock_factory.create_mock_track()


async def test_each_context_has_its_own_simulator() -> None:
    async def one(title: str) -> tuple[int, str]:
        simulator = await protocol_simulator.start(port=0, seed=len(title))
        try:
            track = mock_factory.create_mock_track(title=title)
            return simulator.port, track.title
        finally:
            await protocol_simulator.stop()

    (port_a, a), (port_b, b) = await asyncio.gather(one("alpha"), one("beta"))
    assert (a, b) == ("alpha", "beta")
    assert port_a != port_b
