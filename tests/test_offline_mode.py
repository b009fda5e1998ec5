"""Offline mode, tested as a user runs it: fresh pytest sessions (pytester, in a
subprocess) whose tests use the real clients with their default hosts and no pointing,
as a bot's existing integration tests do."""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from wiretwin.testing.offline import OfflineSession

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

USERS_SUITE = '''
import asyncio
import socket
import threading

import discord
import pytest
from wiretwin.compat.sonora import SonoraClient


@pytest.mark.asyncio
async def test_a_discord_py_bot_started_with_its_own_token():
    client = discord.Client(intents=discord.Intents.default())
    ready = asyncio.Event()
    client.event(ready_handler(ready))
    task = asyncio.create_task(client.start("the-bots-real-token"))
    await asyncio.wait_for(ready.wait(), 30)
    channel = next(c for g in client.guilds for c in g.text_channels)
    message = await channel.send("hello from offline")
    assert message.content == "hello from offline"
    await client.close()
    await task


def ready_handler(ready):
    async def on_ready():
        ready.set()
    return on_ready


@pytest.mark.asyncio
async def test_a_hikari_bot_with_the_default_rest_url(offline_discord_twin):
    import hikari
    from wiretwin.discord.twin import discord_token

    bot = hikari.GatewayBot(discord_token(4321, 0), intents=hikari.Intents.GUILDS)
    await bot.start(check_for_updates=False)
    assert bot.get_me().username == offline_discord_twin.bot_user.username
    await bot.close()


def test_the_pusher_sdk_and_pysher_with_their_default_hosts(offline_pusher_twin):
    import pusher
    import pysher

    server = pusher.Pusher(app_id="4242", key="users-key", secret="users-secret",
                           cluster="eu")
    client = pysher.Pusher("users-key", cluster="eu")
    got, connected = [], threading.Event()

    def subscribe(data):
        channel = client.subscribe("news")
        channel.bind("pusher_internal:subscription_succeeded",
                     lambda *_: connected.set())
        channel.bind("flash", lambda data: got.append(data) or arrived.set())

    arrived = threading.Event()
    client.connection.bind("pusher:connection_established", subscribe)
    client.connect()
    try:
        assert connected.wait(10)
        assert server.trigger("news", "flash", {"n": 1}) == {}
        assert arrived.wait(10) and got == ['{"n": 1}']
    finally:
        client.disconnect()
    assert offline_pusher_twin.find_app("4242").secret == "users-secret"


@pytest.mark.asyncio
async def test_the_sonora_client_as_its_page_writes_it(offline_lavalink_twin):
    # Nothing listens on 2333: the node is the session's Lavalink twin.
    client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
    await client.start()
    tracks = await client.load_tracks("ytsearch:offline")
    player = await client.get_player(123)
    await player.play(tracks[0])
    await player.pause()
    assert player.paused and player.current_track is not None
    assert offline_lavalink_twin.player(123).paused
    await client.close()


@pytest.mark.asyncio
async def test_a_lavalink_node_on_a_remote_host_too(offline_lavalink_twin):
    client = SonoraClient([{"host": "lavalink.example.net", "port": 443, "secure": True,
                            "password": "prod-password"}])
    await client.start()
    assert client.session_id in offline_lavalink_twin.sessions()
    await client.close()


def test_any_other_host_fails_naming_it():
    with pytest.raises(Exception) as info:
        socket.create_connection(("example.com", 443), timeout=5)
    assert type(info.value).__name__ == "OfflineNetworkError"
    assert "example.com:443" in str(info.value)
    assert "offline_allow_hosts" in str(info.value)


def test_a_connect_by_address_fails_too():
    with socket.socket() as sock, pytest.raises(Exception, match="93.184.215.14"):
        sock.connect(("93.184.215.14", 443))


@pytest.mark.asyncio
async def test_aiohttp_to_another_host_fails_naming_it():
    import aiohttp

    async with aiohttp.ClientSession() as session:
        with pytest.raises(Exception, match="api.example.org"):
            await session.get("https://api.example.org/v1/things")


@pytest.mark.offline_allow_hosts("192.0.2.1")
def test_a_marker_lets_a_host_through():
    # A numeric lookup: no DNS, no packet; the guard alone decides.
    assert socket.getaddrinfo("192.0.2.1", 443)
    with pytest.raises(Exception, match="192.0.2.2"):
        socket.getaddrinfo("192.0.2.2", 443)


def test_loopback_stays_open():
    with socket.create_server(("127.0.0.1", 0)) as server:
        socket.create_connection(server.getsockname(), timeout=5).close()
'''


#: tests/seeds/conftest.py's lock on 127.0.0.1:2333 (the Sonora page's fixed port): the
#: suite above needs nothing listening there while it runs.
PORT_2333_LOCK = Path(tempfile.gettempdir()) / "wiretwin-seed-port-2333.lock"


def test_a_users_suite_runs_offline_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users_bot=USERS_SUITE)
    with PORT_2333_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-n", "2",
                                               "--offline-mode", "-W", "ignore")
    result.assert_outcomes(passed=10)


SWITCHED_ON = '''
import socket

import pytest


def test_switched_on(offline_pusher_twin):
    assert offline_pusher_twin.running
    with pytest.raises(Exception, match="example.com"):
        socket.getaddrinfo("example.com", 443)
'''


@pytest.mark.parametrize("variable", ["SONORA_OFFLINE_MODE", "SONORA_OFFLINE_TESTING"])
def test_the_sonora_pages_variables_switch_it_on(pytester: pytest.Pytester,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 variable: str) -> None:
    monkeypatch.setenv(variable, "true")
    pytester.makepyfile(test_env=SWITCHED_ON)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "wiretwin offline mode" in result.stdout.str()


def test_the_ini_option_switches_it_on(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nwiretwin_offline_mode = true\n")
    pytester.makepyfile(test_ini=SWITCHED_ON)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q").assert_outcomes(passed=1)


def test_a_variable_neither_true_nor_false_is_a_usage_error(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SONORA_OFFLINE_MODE", "maybe")
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "SONORA_OFFLINE_MODE='maybe'" in result.stderr.str()


def test_without_offline_mode_nothing_is_patched(pytester: pytest.Pytester,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("SONORA_OFFLINE_MODE", "SONORA_OFFLINE_TESTING"):
        monkeypatch.setenv(variable, "false")
    pytester.makepyfile(test_plain='''
        import socket
        import sys

        import aiohttp
        import discord.client
        import requests.adapters
        import websocket


        def test_nothing_is_wrapped(offline_lavalink_twin):
            pass


        def test_the_libraries_are_as_shipped():
            assert "connect" not in vars(socket.socket)
            assert socket.getaddrinfo.__module__ == "socket"
            assert aiohttp.ClientSession._request.__module__ == "aiohttp.client"
            assert requests.adapters.HTTPAdapter.send.__module__ == "requests.adapters"
            assert websocket.WebSocket.connect.__module__ == "websocket._core"
            assert discord.client.Client.login.__module__ == "discord.client"
            assert not any(type(f).__name__ == "AfterImport" for f in sys.meta_path)
            from wiretwin.compat.sonora import protocol_simulator
            assert protocol_simulator.fallback is None
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    assert "offline mode is off" in result.stdout.str()


def test_the_sonora_pages_ci_recipe_on_its_own_examples() -> None:
    """``pytest tests/ -v --offline-mode`` with ``SONORA_OFFLINE_TESTING: true``, on the
    page's examples (which start the simulator on 127.0.0.1:2333 themselves)."""
    env = {**os.environ, "SONORA_OFFLINE_TESTING": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--offline-mode",
         "tests/seeds/seed_003_pytest", "tests/seeds/test_seed_003_offline_runner.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


#: The Sonora page's "Pytest Integration" conftest and test, as the page writes them (the
#: import line names wiretwin's Sonora client). The test never asks for the simulator
#: fixture, so nothing listens on 2333 and mock_track has no simulator: offline mode's
#: node answers both.
PAGE_CONFTEST = """
import pytest
import asyncio
from wiretwin.compat.sonora import SonoraClient, protocol_simulator, mock_factory

@pytest.fixture(scope="session")
async def simulator():
    \"\"\"Provide protocol simulator for tests\"\"\"
    await protocol_simulator.start()
    yield protocol_simulator
    await protocol_simulator.stop()

@pytest.fixture
def mock_track():
    \"\"\"Provide mock track for tests\"\"\"
    return mock_factory.create_mock_track()

@pytest.fixture
async def test_client():
    \"\"\"Provide test client\"\"\"
    client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
    await client.start()
    yield client
    await client.close()
"""

PAGE_TEST = """
import pytest

@pytest.mark.asyncio
async def test_player_operations(test_client, mock_track):
    \"\"\"Test player operations\"\"\"
    player = await test_client.get_player(123)

    await player.play(mock_track)
    assert player.current_track is not None

    await player.pause()
    assert player.paused

    await player.queue.add(mock_track)
    assert len(player.queue.upcoming) == 1
"""


def test_the_sonora_pages_pytest_example_as_written(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PAGE_CONFTEST)
    pytester.makepyfile(test_example=PAGE_TEST)
    with PORT_2333_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q",
                                               "-o", "asyncio_mode=auto", "--offline-mode")
    result.assert_outcomes(passed=1)


def test_stopping_puts_everything_back() -> None:
    before = (vars(socket.socket).get("connect"), socket.getaddrinfo)
    session = OfflineSession(allowed=[])
    session.start()
    try:
        assert socket.getaddrinfo is not before[1]
        assert session.router.route("https://discord.com/api/v10/users/@me", {},
                                    websocket=False) is not None
        assert session.started == ["discord"]
    finally:
        session.stop()
    assert (vars(socket.socket).get("connect"), socket.getaddrinfo) == before
    assert session.started == []


def test_what_goes_where() -> None:
    session = OfflineSession(allowed=[])  # not started: only the router, on real twins
    route = session.router.route
    try:
        rest = route("https://discord.com/api/v10/users/@me", {"Authorization": "Bot t0k"},
                     websocket=False)
        discord = session.discord()
        assert rest is not None and rest.url == discord.http_url("/api/v10/users/@me")
        assert discord.application.token == "t0k"
        resume = route("wss://gateway-us-east1-b.discord.gg/?v=10", {}, websocket=True)
        assert resume is not None and resume.url == discord.ws_url("/?v=10")

        pusher = session.pusher()
        ws = route("wss://ws-eu.pusher.com:443/app/k1?protocol=7", {}, websocket=True)
        assert ws is not None and ws.url == pusher.ws_url("/app/k1?protocol=7")
        session.router.pusher_client("api-eu.pusher.com", "77", "k1", "s1")
        assert pusher.find_app("k1").secret == "offline-secret"  # the key's first app
        session.router.pusher_client("api-eu.pusher.com", "78", "k2", "s2")
        assert pusher.find_app("78").key == "k2" and pusher.find_app("k2").secret == "s2"

        lavalink = session.lavalink()
        node = route("https://node.example.net/v4/info", {"Authorization": "pw"},
                     websocket=False)
        assert node is not None and node.url == lavalink.http_url("/v4/info")
        assert node.headers == {"Authorization": lavalink.config.password}
        own = route(lavalink.http_url("/v4/info"), {"Authorization": "x"}, websocket=False)
        assert own is None  # something listens there: the test's own node
        for url, headers in (("https://api.example.com/v4/users", {"Authorization": "Bearer x"}),
                             ("https://api.example.com/v4/users", {}),
                             ("https://example.com/", {})):
            assert route(url, headers, websocket=False) is None
    finally:
        session.stop()
