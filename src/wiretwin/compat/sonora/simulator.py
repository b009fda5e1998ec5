"""The Sonora simulator's ``protocol_simulator`` and ``mock_factory``, over a real Lavalink twin.

Suites written for an "offline Lavalink protocol simulator" use this shape::

    from wiretwin.compat.sonora import protocol_simulator, mock_factory

    await protocol_simulator.start()          # a real Lavalink v4 node on 127.0.0.1:2333
    protocol_simulator.enable_fault_injection({
        "packet_loss": 0.05, "latency_spike": 0.1, "connection_drop": 0.02})
    track = mock_factory.create_mock_track(title="Test Track", length=180_000)
    ...
    protocol_simulator.disable_fault_injection()
    await protocol_simulator.stop()

Here the simulator is a :class:`LavalinkTwin` any unmodified client connects to (port and
password as the Sonora page's examples use: 2333 and ``"test"``; pass ``port=0`` in parallel
tests), the faults are the runtime's (journaled and seeded), and ``mock_factory`` puts
real, decodable tracks into the running twin's catalogue.

``protocol_simulator`` and ``mock_factory`` hold no module-level state: the simulator a
test starts is remembered in the current context (a :class:`contextvars.ContextVar` of
the handle's own), and the simulators started and not stopped yet are the handle's, so
concurrent tests, xdist workers and separate :class:`SimulatorHandle` instances each see
their own.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from ...lavalink import LavalinkTwin, MockFactory, Playlist, Track
from ...runtime.clock import Clock
from ...runtime.faults import Disconnect, Drop, Fault, LatencySpike, Scope

#: The simulator's fault names, mapped onto runtime faults (all on websocket frames the node
#: sends; probabilities per frame, drawn from the twin's seeded generator).
FAULTS: dict[str, Any] = {
    "packet_loss": lambda p: Drop(name="packet_loss", probability=p,
                                  scope=Scope(direction="out")),
    # "5-20x normal": spikes of 10x a 50 ms baseline.
    "latency_spike": lambda p: LatencySpike(name="latency_spike", probability=p, ms=50,
                                            multiplier=10),
    "connection_drop": lambda p: Disconnect(name="connection_drop", probability=p,
                                            reset=True, scope=Scope(direction="out")),
}


class ProtocolSimulator:
    """Start and stop a Lavalink twin; switch the simulator's faults on and off."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 2333, password: str = "test",
                 version: str = "4.2.2", seed: int = 0, clock: Clock | None = None,
                 twin: LavalinkTwin | None = None) -> None:
        """``twin``: a Lavalink twin to stand for instead of building one (offline mode's
        node); the other arguments are then unused."""
        self.twin = twin if twin is not None else LavalinkTwin(
            host=host, port=port, password=password, version=version, seed=seed,
            clock=clock)
        self._faults: list[Fault] = []

    @property
    def running(self) -> bool:
        return self.twin.running

    @property
    def port(self) -> int:
        return self.twin.port

    @property
    def settings(self) -> dict[str, Any]:
        return self.twin.settings()

    @property
    def mock_factory(self) -> MockFactory:
        return self.twin.mock_factory

    async def start(self) -> ProtocolSimulator:
        await self.twin.start()
        return self

    async def stop(self) -> None:
        self.disable_fault_injection()
        await self.twin.stop()

    def enable_fault_injection(self, faults: dict[str, float]) -> list[Fault]:
        """``{"packet_loss": 0.05, "latency_spike": 0.1, "connection_drop": 0.02}``."""
        unknown = sorted(set(faults) - set(FAULTS))
        if unknown:
            raise ValueError(f"unknown fault(s) {', '.join(unknown)}; "
                             f"known: {', '.join(FAULTS)}")
        self.disable_fault_injection()
        for name, probability in faults.items():
            if probability:
                self._faults.append(self.twin.faults.add(FAULTS[name](float(probability))))
        return list(self._faults)

    def disable_fault_injection(self) -> None:
        for fault in self._faults:
            self.twin.faults.remove(fault)
        self._faults.clear()


class SimulatorHandle:
    """``protocol_simulator``: starts a :class:`ProtocolSimulator` for the current context.

    What it remembers is its own: the simulator started in each context (a context
    variable per handle) and the simulators started and not stopped yet, oldest first.
    """

    def __init__(self) -> None:
        self._current: contextvars.ContextVar[ProtocolSimulator | None] = (
            contextvars.ContextVar(f"wiretwin_sonora_simulator_{id(self):x}", default=None))
        self._started: list[ProtocolSimulator] = []
        #: What :attr:`current` falls back on when no simulator was started: offline
        #: mode (``pytest --offline-mode``) sets it to its session's Lavalink node, so
        #: ``mock_factory`` fills the catalogue the routed clients read.
        self.fallback: Callable[[], ProtocolSimulator] | None = None

    def _latest_running(self) -> ProtocolSimulator | None:
        return next((sim for sim in reversed(self._started) if sim.running), None)

    @property
    def current(self) -> ProtocolSimulator:
        """The simulator started in this context; else the one most recently started that
        still runs (a pytest fixture starts it in a context its test does not share);
        else the :attr:`fallback`'s."""
        simulator = self._current.get() or self._latest_running()
        if simulator is None and self.fallback is not None:
            simulator = self.fallback()
        if simulator is None:
            raise RuntimeError("the protocol simulator is not running: "
                               "await protocol_simulator.start() first")
        return simulator

    async def start(self, **kwargs: Any) -> ProtocolSimulator:
        """Start a simulator (keyword arguments as :class:`ProtocolSimulator`)."""
        existing = self._current.get()
        if existing is not None and existing.running:
            raise RuntimeError("a protocol simulator is already running in this context")
        simulator = await ProtocolSimulator(**kwargs).start()
        self._current.set(simulator)
        self._started.append(simulator)
        return simulator

    async def stop(self) -> None:
        simulator = self._current.get() or self._latest_running()
        if simulator is not None:
            await simulator.stop()
            self._current.set(None)
            if simulator in self._started:
                self._started.remove(simulator)

    def enable_fault_injection(self, faults: dict[str, float]) -> list[Fault]:
        return self.current.enable_fault_injection(faults)

    def disable_fault_injection(self) -> None:
        self.current.disable_fault_injection()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not the simulator's (and no recursion before __init__)
            raise AttributeError(name)
        return getattr(self.current, name)


class MockFactoryHandle:
    """``mock_factory``: the :class:`MockFactory` of ``simulators``' running simulator."""

    def __init__(self, simulators: SimulatorHandle) -> None:
        self.simulators = simulators

    def create_mock_track(self, title: str | None = None, author: str | None = None,
                          length: int | None = None, **kwargs: Any) -> Track:
        return self.simulators.current.mock_factory.create_mock_track(title, author, length,
                                                                       **kwargs)

    def create_mock_playlist(self, name: str = "Mock Playlist", track_count: int = 10
                             ) -> Playlist:
        return self.simulators.current.mock_factory.create_mock_playlist(name, track_count)

    def create_mock_search_results(self, query: str = "mock query", count: int = 10,
                                   **kwargs: Any) -> list[Track]:
        return self.simulators.current.mock_factory.create_mock_search_results(
            query, count, **kwargs)


protocol_simulator = SimulatorHandle()
mock_factory = MockFactoryHandle(protocol_simulator)

__all__ = ["FAULTS", "MockFactoryHandle", "ProtocolSimulator", "SimulatorHandle",
           "mock_factory", "protocol_simulator"]
