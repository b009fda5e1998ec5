"""The seed's offline test runner (shared/seeds/003), scenario by scenario, for real.

The seed's ``OfflineTestRunner`` drove a client that never worked against a simulator
that was not a server. Here the same scenarios (basic, queue, filters, error handling,
concurrency, fault tolerance, load, memory) run the real lavalink.py against the
``protocol_simulator`` (a real Lavalink twin) with tracks from ``mock_factory``, on a
virtual clock, and check the outcome on both sides: what the client believes and what
the node holds.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any

import lavalink
import pytest

from wiretwin.compat.sonora.simulator import ProtocolSimulator, mock_factory, protocol_simulator
from wiretwin.drivers.voice import VoiceSession
from wiretwin.runtime.clock import VirtualClock
from wiretwin.runtime.waiters import WaitableLog

BOT_ID = 100000000000000001
TIMEOUT = 10.0


class Bot:
    """lavalink.py connected to the simulator, with every event it dispatches recorded."""

    def __init__(self, simulator: ProtocolSimulator) -> None:
        self.simulator = simulator
        self.client = lavalink.Client(BOT_ID)
        self.events: WaitableLog[lavalink.Event] = WaitableLog(
            lambda e: type(e).__name__)
        self.client.add_event_hook(self._record)

    async def _record(self, event: lavalink.Event) -> None:
        self.events.append(event)

    def count(self, kind: type[Any]) -> int:
        return sum(1 for e in self.events if isinstance(e, kind))

    async def wait(self, kind: type[Any], count: int = 1,
                   predicate: Any = None) -> list[Any]:
        return await self.events.wait_for(
            lambda e: isinstance(e, kind) and (predicate is None or predicate(e)),
            count=count, timeout=TIMEOUT)

    async def start(self) -> None:
        s = self.simulator.settings["lavalink_py"]
        self.client.add_node(s["host"], s["port"], s["password"], s["region"], s["name"])
        await self.wait(lavalink.NodeReadyEvent)

    @property
    def node(self) -> lavalink.Node:
        return self.client.node_manager.nodes[0]

    async def player(self, guild_id: int) -> lavalink.DefaultPlayer:
        """A player with a (synthetic) voice connection, as after joining a channel."""
        player: lavalink.DefaultPlayer = self.client.player_manager.create(guild_id)
        voice = VoiceSession(guild_id, guild_id + 1, BOT_ID)
        for event in voice.gateway_events():
            await self.client.voice_update_handler(event)
        return player

    async def close(self) -> None:
        await self.client.close()


@pytest.fixture
async def simulator() -> AsyncIterator[tuple[ProtocolSimulator, VirtualClock]]:
    clock = VirtualClock()
    simulator = await protocol_simulator.start(port=0, clock=clock)
    try:
        yield simulator, clock
    finally:
        await protocol_simulator.stop()


@pytest.fixture
async def bot(simulator: tuple[ProtocolSimulator, VirtualClock]) -> AsyncIterator[Bot]:
    bot = Bot(simulator[0])
    await bot.start()
    try:
        yield bot
    finally:
        await bot.close()


def _playable(track: Any) -> lavalink.AudioTrack:
    return lavalink.AudioTrack(track.to_json(), requester=0)


async def test_basic_functionality(simulator: tuple[ProtocolSimulator, VirtualClock],
                                   bot: Bot) -> None:
    sim, clock = simulator
    player = await bot.player(123)
    track = mock_factory.create_mock_track(title="Basic", length=180_000)
    await player.play(_playable(track))
    await bot.wait(lavalink.TrackStartEvent)
    assert player.current is not None
    assert player.current.title == "Basic"
    await clock.advance(30)
    await player.set_pause(True)
    assert player.paused
    assert sim.twin.player(123).paused
    await clock.advance(60)  # paused: the node's position stays put
    assert sim.twin.player(123).position == 30_000
    await player.set_pause(False)
    assert not player.paused
    await clock.advance(15)
    assert sim.twin.player(123).position == 45_000


async def test_queue_operations(simulator: tuple[ProtocolSimulator, VirtualClock],
                                bot: Bot) -> None:
    sim, _ = simulator
    player = await bot.player(123)
    tracks = [mock_factory.create_mock_track(title=f"Queued {i}") for i in range(5)]
    for track in tracks:
        player.add(_playable(track))
    assert len(player.queue) == 5
    player.set_shuffle(True)
    await player.play()
    await bot.wait(lavalink.TrackStartEvent)
    played = [player.current.title] if player.current else []
    for _ in range(4):
        await player.skip()
        started = await bot.wait(lavalink.TrackStartEvent, count=len(played) + 1)
        played.append(started[-1].track.title)
    assert sorted(played) == sorted(t.title for t in tracks)  # each once, in some order
    assert len(player.queue) == 0
    assert sim.twin.player(123).track is not None
    await player.skip()  # past the end of the queue: the player stops
    await bot.wait(lavalink.TrackEndEvent, predicate=lambda e: e.reason == "stopped")
    assert sim.twin.player(123).track is None


async def test_filter_system(simulator: tuple[ProtocolSimulator, VirtualClock],
                             bot: Bot) -> None:
    sim, _ = simulator
    player = await bot.player(123)
    await player.play(_playable(mock_factory.create_mock_track()))
    bass = lavalink.Equalizer()
    bass.update(bands=[(0, 0.3), (1, 0.2), (2, 0.1)])
    await player.set_filter(bass)
    nightcore = lavalink.Timescale()
    nightcore.update(speed=1.25, pitch=1.3)
    await player.set_filter(nightcore)
    filters = sim.twin.player(123).filters
    assert filters["timescale"]["speed"] == 1.25
    assert [b for b in filters["equalizer"] if b["gain"]][:3] == [
        {"band": 0, "gain": 0.3}, {"band": 1, "gain": 0.2}, {"band": 2, "gain": 0.1}]
    await player.clear_filters()
    assert sim.twin.player(123).filters == {}


async def test_error_handling(simulator: tuple[ProtocolSimulator, VirtualClock],
                              bot: Bot) -> None:
    sim, _ = simulator
    sim.twin.catalogue.add_failure("https://broken.example/track", "This track is broken")
    result = await bot.node.get_tracks("https://broken.example/track")
    assert result.load_type == lavalink.LoadType.ERROR
    assert result.error is not None
    assert result.error.message == "This track is broken"
    empty = await bot.node.get_tracks("nothing-here")
    assert empty.load_type == lavalink.LoadType.EMPTY
    player = await bot.player(123)
    with pytest.raises(lavalink.RequestError):
        await bot.node.update_player(guild_id=123, encoded_track="not-a-track")
    await player.play()  # nothing queued: nothing plays, nothing breaks
    assert sim.twin.player(123).track is None
    await player.skip()
    await player.play(_playable(mock_factory.create_mock_track(title="Still fine")))
    await bot.wait(lavalink.TrackStartEvent)
    assert sim.twin.player(123).track is not None


async def test_concurrent_operations(simulator: tuple[ProtocolSimulator, VirtualClock],
                                     bot: Bot) -> None:
    sim, _ = simulator
    players = await asyncio.gather(*(bot.player(guild) for guild in range(1000, 1010)))
    tracks = [mock_factory.create_mock_track(title=f"Guild {i}") for i in range(10)]
    await asyncio.gather(*(p.play(_playable(t)) for p, t in zip(players, tracks,
                                                                strict=True)))
    await bot.wait(lavalink.TrackStartEvent, count=10)
    held = {v.guild_id: v.track.title for v in sim.twin.players() if v.track}
    assert held == {str(1000 + i): f"Guild {i}" for i in range(10)}


async def test_fault_tolerance(simulator: tuple[ProtocolSimulator, VirtualClock],
                               bot: Bot) -> None:
    sim, clock = simulator
    await bot.node.update_session(resuming=True, timeout=600)
    player = await bot.player(123)
    protocol_simulator.enable_fault_injection({"packet_loss": 0.05, "latency_spike": 0.1,
                                               "connection_drop": 0.02})
    for i in range(3):
        player.add(_playable(mock_factory.create_mock_track(title=f"Lossy {i}",
                                                             length=60_000)))
    await player.play()
    for _ in range(36):  # three minutes of playback, a frame every few seconds
        await clock.advance(5, wait_replies=False)
        await asyncio.sleep(0)
    protocol_simulator.disable_fault_injection()
    fired = [e.event for e in sim.twin.journal.faults()]
    assert fired  # the faults really fired on the wire
    # Whatever the client missed, the node kept the truth. A clean reconnect later, the
    # client drives the node again: a new track reaches both sides. (The queue goes first:
    # events replayed on resume would otherwise start its next track behind our back.)
    player.queue.clear()
    readies = bot.count(lavalink.NodeReadyEvent)
    mark = max(e.seq for e in sim.twin.journal)
    sim.twin.drop_connection()
    await bot.wait(lavalink.NodeReadyEvent, count=readies + 1)
    # On ready, lavalink.py moves its players back onto the node, re-sending its own view
    # of each (a PATCH per player); let that land before taking over.
    await sim.twin.journal.wait_for(
        lambda e: e.seq > mark and e.kind == "http" and e.detail["method"] == "PATCH"
        and e.detail["path"].endswith("/players/123"), timeout=TIMEOUT)
    last = mock_factory.create_mock_track(title="After the storm")
    await player.play(_playable(last))
    await bot.wait(lavalink.TrackStartEvent,
                   predicate=lambda e: e.track.title == "After the storm")
    view = sim.twin.player(123)
    assert view.track is not None
    assert view.track.title == "After the storm"


async def test_performance_under_load(simulator: tuple[ProtocolSimulator, VirtualClock],
                                      bot: Bot) -> None:
    sim, clock = simulator
    players = await asyncio.gather(*(bot.player(guild) for guild in range(2000, 2100)))
    for index, player in enumerate(players):
        for n in range(3):
            player.add(_playable(mock_factory.create_mock_track(
                title=f"{index}-{n}", length=120_000)))
    await asyncio.gather(*(p.play() for p in players))
    await bot.wait(lavalink.TrackStartEvent, count=100)
    for round_ in range(1, 4):
        await clock.advance(120)
        await bot.wait(lavalink.TrackEndEvent, count=100 * round_)
        if round_ < 3:
            await bot.wait(lavalink.TrackStartEvent, count=100 * (round_ + 1))
    assert bot.count(lavalink.TrackEndEvent) == 300
    assert all(v.track is None for v in sim.twin.players())


async def test_memory_usage(simulator: tuple[ProtocolSimulator, VirtualClock],
                            bot: Bot) -> None:
    sim, clock = simulator
    baseline = clock.pending
    player = await bot.player(123)
    track = mock_factory.create_mock_track(title="Again and again")
    for _ in range(100):
        await player.play(_playable(track))
        await player.stop()
    await bot.wait(lavalink.TrackEndEvent, count=100)
    await bot.client.player_manager.destroy(123)
    await sim.twin.journal.wait_for(
        lambda e: e.kind == "http" and e.detail.get("method") == "DELETE")
    gc.collect()
    # Nothing accumulates on the node: no players, no timers left behind by 100 plays.
    assert sim.twin.players() == []
    assert clock.pending == baseline
