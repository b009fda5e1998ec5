"""Offline mode: a test suite written against Discord, a Lavalink node or Pusher runs
against twins, unmodified, and nothing else outside is reachable.

Switched on by ``pytest --offline-mode``, by ``SONORA_OFFLINE_MODE`` or
``SONORA_OFFLINE_TESTING`` set to a true value (``1``, ``true``, ``yes``, ``on``; the Sonora
client's CI recipes set them), or by the ini option ``wiretwin_offline_mode = true``.
Then, for the whole session:

* client libraries that reach for ``discord.com``/``gateway.discord.gg``, a Lavalink
  node, or ``api-<cluster>.pusher.com``/``ws-<cluster>.pusher.com`` reach twins instead
  (:mod:`wiretwin.drivers.offline` says how and why at the HTTP-client level). One twin
  per service per process, each started in a thread of its own on an ephemeral port the
  first time a client reaches for it, stopped when the session ends, so xdist workers
  each have their own. The fixtures ``offline_discord_twin``, ``offline_lavalink_twin``
  and ``offline_pusher_twin`` hand them to a test (starting them if need be).
* any other connection leaving the machine fails with :class:`OfflineNetworkError`,
  naming the host: checked where names are resolved (``socket.getaddrinfo``) and where
  sockets connect (``socket.socket.connect``/``connect_ex``), as pytest-socket does.
  Loopback and Unix sockets stay open. Allow more hosts with
  ``@pytest.mark.offline_allow_hosts("api.example.com")`` on a test,
  ``--offline-allow-hosts=api.example.com,10.0.0.5`` or the ini option
  ``wiretwin_offline_allow_hosts``.

Without offline mode nothing here patches anything.

The hooks are plain functions so that a plugin with hooks of its own can call them:
:func:`add_offline_options` (from ``pytest_addoption``), :func:`start_offline_mode` and
:func:`stop_offline_mode` (session start and finish); the ``pytest_*`` names here are
those same functions.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from ..drivers.offline import OfflineRouter, Patches, is_loopback, route_clients

if TYPE_CHECKING:
    from ..compat.sonora.simulator import ProtocolSimulator
    from ..discord.twin import DiscordTwin
    from ..lavalink import LavalinkTwin
    from ..pusher import PusherTwin
    from ..runtime.base import Twin

#: The environment variables that switch offline mode on (the Sonora client's names).
ENV_VARIABLES = ("SONORA_OFFLINE_MODE", "SONORA_OFFLINE_TESTING")
TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
FALSE = frozenset({"", "0", "false", "no", "off", "n", "f"})
MARKER = "offline_allow_hosts"

T = TypeVar("T", bound="Twin")


class OfflineNetworkError(RuntimeError):
    """A test in offline mode tried to reach a host outside the machine.

    Not an ``OSError`` on purpose: clients that retry on connection errors would retry
    forever, and the test should fail at once with this message."""

    def __init__(self, host: str, port: int | None) -> None:
        where = host if port is None else f"{host}:{port}"
        super().__init__(
            f"offline mode: this test tried to reach {where}, outside this machine; only "
            f"loopback and the twins are reachable. To allow it, mark the test "
            f"@pytest.mark.{MARKER}({host!r}) or run pytest with "
            f"--offline-allow-hosts={host}")
        self.host = host
        self.port = port


# -- the switch ------------------------------------------------------------------------

def add_offline_options(parser: pytest.Parser) -> None:
    """``--offline-mode``, ``--offline-allow-hosts`` and their ini options."""
    group = parser.getgroup("wiretwin-offline", "wiretwin offline mode")
    group.addoption("--offline-mode", action="store_true", default=False,
                    help="route Discord, Lavalink and Pusher clients to twins and fail "
                         "any other connection leaving the machine (also: "
                         f"{' or '.join(ENV_VARIABLES)}=true)")
    group.addoption("--offline-allow-hosts", action="append", default=[],
                    metavar="HOSTS",
                    help="in offline mode, hosts (comma-separated) tests may still reach")
    parser.addini("wiretwin_offline_mode", "run in offline mode (see --offline-mode)",
                  type="bool", default=False)
    parser.addini("wiretwin_offline_allow_hosts",
                  "hosts tests may still reach in offline mode", type="args", default=[])


def offline_mode_requested(config: pytest.Config,
                           environ: dict[str, str] | None = None) -> bool:
    """Whether the option, an environment variable or the ini option asks for it; a
    variable with a value that is neither true nor false is a usage error."""
    env = os.environ if environ is None else environ
    asked = bool(config.getoption("offline_mode", False))
    for name in ENV_VARIABLES:
        value = env.get(name)
        if value is None:
            continue
        lowered = value.strip().lower()
        if lowered in TRUE:
            asked = True
        elif lowered not in FALSE:
            raise pytest.UsageError(
                f"{name}={value!r}: expected a true value ({', '.join(sorted(TRUE))}) "
                f"or a false one ({', '.join(sorted(FALSE - {''}))})")
    return asked or bool(config.getini("wiretwin_offline_mode"))


def allowed_hosts(config: pytest.Config) -> set[str]:
    hosts: list[str] = list(config.getini("wiretwin_offline_allow_hosts"))
    for value in config.getoption("offline_allow_hosts", []) or []:
        hosts.extend(value.split(","))
    return {host.strip().lower() for host in hosts if host.strip()}


# -- the guard ---------------------------------------------------------------------------

class NetworkGuard:
    """Fails name lookups and connects to hosts that are not loopback or allowed."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = {host.lower() for host in allowed}
        #: Hosts the running test may reach too (its marker's).
        self.for_test: set[str] = set()
        #: Addresses that allowed names resolved to.
        self._resolved: set[str] = set()
        self._patches = Patches()

    def permits(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return (not host or is_loopback(host) or host in self.allowed or host in self.for_test
                or host in self._resolved)

    def check(self, address: Any) -> None:
        if not isinstance(address, tuple) or not address:
            return  # a Unix socket path (or an abstract one)
        host = address[0].decode() if isinstance(address[0], bytes) else str(address[0])
        if not self.permits(host):
            raise OfflineNetworkError(host, address[1] if len(address) > 1 else None)

    def install(self) -> None:
        sock = socket.socket
        connect, connect_ex, getaddrinfo = sock.connect, sock.connect_ex, socket.getaddrinfo
        guard = self

        def guarded_connect(self: socket.socket, address: Any) -> None:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                guard.check(address)
            connect(self, address)

        def guarded_connect_ex(self: socket.socket, address: Any) -> int:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                guard.check(address)
            return connect_ex(self, address)

        def guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name is not None:
                guard.check((name, port))
            found = getaddrinfo(host, port, *args, **kwargs)
            if name is not None and not is_loopback(name):
                guard._resolved.update(str(entry[4][0]) for entry in found)
            return found

        # socket.socket is a Python subclass of _socket.socket: its methods can be set.
        self._patches.set(sock, "connect", guarded_connect)
        self._patches.set(sock, "connect_ex", guarded_connect_ex)
        self._patches.set(socket, "getaddrinfo", guarded_getaddrinfo)

    def uninstall(self) -> None:
        self._patches.restore()


# -- the session's twins -----------------------------------------------------------------

class OfflineSession:
    """The twins one process's session routes to, started on first use, and the patches."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self._lock = threading.RLock()
        self._twins: dict[str, Twin] = {}
        self.guard = NetworkGuard(allowed)
        self.router = OfflineRouter(discord=self.discord, lavalink=self.lavalink,
                                    pusher=self.pusher)
        self._patches: Patches | None = None
        self._simulator: ProtocolSimulator | None = None

    def _twin(self, service: str, build: Callable[[], T]) -> T:
        with self._lock:
            twin = self._twins.get(service)
            if twin is None:
                twin = self._twins[service] = build().start_in_thread()
            return twin  # type: ignore[return-value]  # built by this service's build

    def discord(self) -> DiscordTwin:
        from ..discord.twin import DiscordTwin
        from ..discord.world import default_discord_world

        return self._twin("discord", lambda: DiscordTwin(world=default_discord_world()))

    def lavalink(self) -> LavalinkTwin:
        from ..lavalink import LavalinkTwin

        return self._twin("lavalink", LavalinkTwin)

    def pusher(self) -> PusherTwin:
        from ..pusher import PusherTwin

        return self._twin("pusher", PusherTwin)

    @property
    def started(self) -> list[str]:
        return sorted(self._twins)

    def _patch_sonora(self, patches: Patches, module: ModuleType) -> None:
        """The Sonora ``protocol_simulator``'s stand-in when a test started none: the
        session's Lavalink node, so ``mock_factory`` tracks are where clients look."""

        def fallback() -> ProtocolSimulator:
            with self._lock:
                if self._simulator is None:
                    self._simulator = module.ProtocolSimulator(twin=self.lavalink())
                return self._simulator

        patches.set(module.protocol_simulator, "fallback", fallback)

    def start(self) -> None:
        self.guard.install()
        self._patches = route_clients(
            self.router, {"wiretwin.compat.sonora.simulator": self._patch_sonora})

    def stop(self) -> None:
        if self._patches is not None:
            self._patches.restore()
            self._patches = None
        self.guard.uninstall()
        with self._lock:
            twins, self._twins = list(self._twins.values()), {}
        for twin in twins:
            twin.stop_thread()


SESSION = pytest.StashKey[OfflineSession]()


def offline_session(config: pytest.Config) -> OfflineSession | None:
    """The running offline session, or None when offline mode is off."""
    return config.stash.get(SESSION, None)


def register_offline_marker(config: pytest.Config) -> None:
    """The ``offline_allow_hosts`` marker (from ``pytest_configure``, so that
    ``pytest --markers`` lists it; :func:`start_offline_mode` registers it too)."""
    line = f"{MARKER}(*hosts): in offline mode, hosts this test may still reach"
    if line not in config.getini("markers"):
        config.addinivalue_line("markers", line)


def start_offline_mode(config: pytest.Config) -> OfflineSession | None:
    """Register the marker; in offline mode, patch and hand back the session."""
    register_offline_marker(config)
    if offline_session(config) is not None or not offline_mode_requested(config):
        return offline_session(config)
    session = OfflineSession(allowed_hosts(config))
    session.start()
    config.stash[SESSION] = session
    return session


def stop_offline_mode(config: pytest.Config) -> None:
    session = offline_session(config)
    if session is not None:
        del config.stash[SESSION]
        session.stop()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_offline_options(parser)


def pytest_sessionstart(session: pytest.Session) -> None:
    start_offline_mode(session.config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    stop_offline_mode(session.config)


def pytest_report_header(config: pytest.Config) -> str | None:
    if offline_mode_requested(config):
        return ("wiretwin offline mode: Discord, Lavalink and Pusher go to twins; other "
                "hosts fail")
    return None


# -- fixtures -------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def offline_allow_hosts_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    """The test's ``offline_allow_hosts`` marker, while it runs."""
    session = offline_session(request.config)
    if session is None:
        yield
        return
    hosts = {str(host).lower() for marker in request.node.iter_markers(MARKER)
             for host in marker.args}
    session.guard.for_test = hosts
    try:
        yield
    finally:
        session.guard.for_test = set()


def _running(request: pytest.FixtureRequest) -> OfflineSession:
    session = offline_session(request.config)
    if session is None:
        pytest.skip("offline mode is off (run pytest with --offline-mode)")
    return session


@pytest.fixture
def offline_discord_twin(request: pytest.FixtureRequest) -> DiscordTwin:
    """The Discord twin offline mode routes ``discord.com`` to (started if need be)."""
    return _running(request).discord()


@pytest.fixture
def offline_lavalink_twin(request: pytest.FixtureRequest) -> LavalinkTwin:
    """The Lavalink twin offline mode routes Lavalink nodes to."""
    return _running(request).lavalink()


@pytest.fixture
def offline_pusher_twin(request: pytest.FixtureRequest) -> PusherTwin:
    """The Pusher twin offline mode routes ``*.pusher.com`` to."""
    return _running(request).pusher()


__all__ = ["ENV_VARIABLES", "MARKER", "NetworkGuard", "OfflineNetworkError",
           "OfflineSession", "add_offline_options", "allowed_hosts",
           "offline_allow_hosts_marker", "offline_discord_twin", "offline_lavalink_twin",
           "offline_mode_requested", "offline_pusher_twin", "offline_session",
           "pytest_addoption", "pytest_report_header", "pytest_sessionfinish",
           "pytest_sessionstart", "register_offline_marker", "start_offline_mode",
           "stop_offline_mode"]
