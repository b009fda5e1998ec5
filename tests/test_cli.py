"""``wiretwin serve`` as a user runs it: a real process, real clients, Ctrl-C to stop."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pusher
import pytest


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    settings = tmp_path / "settings.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "wiretwin", "serve", "--pusher-port", "0", "--lavalink-port", "0",
         "--discord-port", "0",
         "--settings-file", str(settings)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        yield proc, settings
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def _read_until(proc: subprocess.Popen[str], marker: str) -> str:
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"{marker!r} never printed; got:\n{''.join(seen)}\n"
                         f"stderr: {proc.stderr.read() if proc.stderr else ''}")


def test_serve_prints_and_writes_settings_and_stops_on_ctrl_c(
    serve: tuple[subprocess.Popen[str], Path],
) -> None:
    proc, settings_path = serve
    banner = _read_until(proc, "Settings written to")
    settings = json.loads(settings_path.read_text())["pusher"]
    port = settings["port"]
    assert port > 0
    assert f"ws://127.0.0.1:{port}/app/app-key?protocol=7" in banner
    assert "pusher.Pusher(app_id=\"1\"" in banner
    assert '"enabledTransports": ["ws"]' in banner
    assert "pysher.Pusher(key=\"app-key\"" in banner
    # Each twin's web console, which answers at the printed address.
    everything = json.loads(settings_path.read_text())
    for twin in ("pusher", "lavalink", "discord"):
        console = f"http://127.0.0.1:{everything[twin]['port']}/_wiretwin/ui"
        assert f"web console     {console}\n" in banner
        with urllib.request.urlopen(console, timeout=10) as page:
            assert b"/_wiretwin/ui/static/shell.js" in page.read()
    # The printed settings work with the real SDK.
    client = pusher.Pusher(**settings["pusher"])
    assert client.trigger("greetings", "hello", {"from": "cli test"}) == {}
    assert client.channels_info() == {"channels": {}}
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "wiretwin stopped" in out
    assert "Traceback" not in err


def test_serve_reports_a_busy_port_without_a_traceback(
    serve: tuple[subprocess.Popen[str], Path],
) -> None:
    proc, settings_path = serve
    _read_until(proc, "Settings written to")
    port = json.loads(settings_path.read_text())["pusher"]["port"]
    second = subprocess.run(
        [sys.executable, "-m", "wiretwin", "serve", "--pusher-port", str(port),
         "--lavalink-port", "0", "--discord-port", "0"],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert second.returncode == 1
    assert f"the pusher twin cannot listen on 127.0.0.1:{port}" in second.stderr
    assert "--pusher-port" in second.stderr and "[Errno" not in second.stderr
    assert "Traceback" not in second.stderr
    # The one line says it all: no "wiretwin stopped" for a serve that never served.
    assert "wiretwin stopped" not in second.stdout
    # A later twin's port: the twins started before it stop, and the line names it.
    busy = json.loads(settings_path.read_text())["discord"]["port"]
    third = subprocess.run(
        [sys.executable, "-m", "wiretwin", "serve", "--pusher-port", "0",
         "--lavalink-port", "0", "--discord-port", str(busy)],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert third.returncode == 1
    assert third.stderr.strip() == (
        f"wiretwin: the discord twin cannot listen on 127.0.0.1:{busy}: Address already in "
        "use (choose another with --discord-port; 0 takes any free port)")
    assert "wiretwin stopped" not in third.stdout


def test_serve_reports_an_unreachable_redis_without_a_traceback() -> None:
    from tests.redis_server import free_port

    port = free_port()  # nothing listens there
    refused = subprocess.run(
        [sys.executable, "-m", "wiretwin", "serve", "--twins", "pusher", "--pusher-port", "0",
         "--pusher-redis", f"redis://127.0.0.1:{port}/0"],
        capture_output=True, text=True, timeout=30, check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        f"wiretwin: cannot join the Pusher cluster at redis://127.0.0.1:{port}/0:")
    assert "Traceback" not in refused.stderr
    lonely = subprocess.run(
        [sys.executable, "-m", "wiretwin", "serve", "--pusher-node", "a"],
        capture_output=True, text=True, timeout=30, check=False)
    assert lonely.returncode == 2
    assert "--pusher-node names the Pusher twin in a Redis cluster" in lonely.stderr


def test_serve_refuses_a_port_that_is_no_port() -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "wiretwin", "serve", "--pusher-port", "99999"],
        capture_output=True, text=True, timeout=30, check=False)
    assert refused.returncode == 2
    assert "--pusher-port: 99999 is not a port" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_help_reads_as_text() -> None:
    shown = subprocess.run([sys.executable, "-m", "wiretwin", "--help"],
                           capture_output=True, text=True, timeout=30, check=True)
    assert "``" not in shown.stdout
    serve_help = subprocess.run([sys.executable, "-m", "wiretwin", "serve", "--help"],
                                capture_output=True, text=True, timeout=30, check=True)
    assert "Run the Pusher, Lavalink and Discord twins" in serve_help.stdout


def test_serve_starts_from_a_world_and_saves_on_exit(tmp_path: Path) -> None:
    world = tmp_path / "world.toml"
    world.write_text(
        '[pusher]\n'
        '[[pusher.apps]]\nid = "7"\nkey = "k7"\nsecret = "s7"\n'
        '[[pusher.members]]\napp = "7"\nchannel = "presence-lobby"\nuser_id = "bot"\n'
        'user_info = { name = "Lobby bot" }\n'
    )
    saved = tmp_path / "saved.json"
    settings = tmp_path / "settings.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "wiretwin", "serve", "--pusher-port", "0", "--lavalink-port", "0",
         "--discord-port", "0",
         "--world",
         str(world), "--save", str(saved), "--settings-file", str(settings)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        printed = _read_until(proc, "Settings written to")
        client = pusher.Pusher(**json.loads(settings.read_text())["pusher"]["pusher"])
        assert client.users_info("presence-lobby") == {"users": [{"id": "bot"}]}
        # reset goes back to the world the twin was served with, not to the defaults
        client.trigger("cache-lost", "headline", {"n": 0})
        kwargs = json.loads(settings.read_text())["pusher"]["pusher"]
        reset = urllib.request.Request(
            f"http://{kwargs['host']}:{kwargs['port']}/_wiretwin/reset", method="POST")
        with urllib.request.urlopen(reset, timeout=10) as answer:
            assert answer.status == 204
        assert client.users_info("presence-lobby") == {"users": [{"id": "bot"}]}
        client.trigger("cache-news", "headline", {"n": 1})
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert f"State saved to {saved}" in out
    # No [discord] table: serve says the Discord twin has no guilds, and why.
    assert (f"  world: no guilds ({world} has no [discord] table, so the Discord twin holds "
            "only its application and bot; add one, or --twins to leave Discord out)") in printed
    state = json.loads(saved.read_text())["pusher"]
    assert state["members"] == [{"app": "7", "channel": "presence-lobby", "user_id": "bot",
                                 "user_info": {"name": "Lobby bot"}}]
    assert [c["channel"] for c in state["cache"]] == ["cache-news"]


def test_serve_explains_a_bad_world(tmp_path: Path) -> None:
    world = tmp_path / "bad.toml"
    world.write_text('[pusher]\n[[pusher.apps]]\nid = "app"\nkey = "k"\nsecret = "s"\n')
    result = subprocess.run(
        [sys.executable, "-m", "wiretwin", "serve", "--pusher-port", "0", "--lavalink-port", "0",
         "--discord-port", "0",
         "--world",
         str(world)], capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 1
    assert f"{world}: [pusher] apps:" in result.stderr
    assert "digits" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_runs_only_the_twins_asked_for(tmp_path: Path) -> None:
    settings_path = tmp_path / "settings.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "wiretwin", "serve", "--twins", "discord", "--discord-port",
         "0", "--settings-file", str(settings_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        printed = _read_until(proc, "Settings written to")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    assert list(json.loads(settings_path.read_text())) == ["discord"]
    assert "Discord" in printed and "Pusher" not in printed and "Lavalink" not in printed
    # The world's ids, and how to speak as a member by hand.
    assert "general (text)" in printed and "member  " in printed
    assert "/_wiretwin/discord/channels/" in printed and '"content": "hello"' in printed


def test_serve_logs_requests_connections_and_faults_when_asked(tmp_path: Path) -> None:
    settings_path = tmp_path / "settings.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "wiretwin", "serve", "--twins", "pusher", "--pusher-port",
         "0", "--settings-file", str(settings_path), "--log-requests"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _read_until(proc, "Logging requests")
        settings = json.loads(settings_path.read_text())["pusher"]
        client = pusher.Pusher(**settings["pusher"])
        client.trigger("greetings", "hello", {"from": "cli test"})
        logged = _read_until(proc, "/apps/1/events")
        assert "pusher   POST /apps/1/events?" in logged and "-> 200" in logged
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{settings['port']}/no/such/route")
        assert "GET /no/such/route -> 404" in _read_until(proc, "/no/such/route")
        # Admin API calls, which the journal leaves out, are logged too.
        urllib.request.urlopen(f"http://127.0.0.1:{settings['port']}/_wiretwin/journal?limit=1")
        assert "pusher   admin GET /_wiretwin/journal?limit=1 -> 200" in _read_until(
            proc, "/_wiretwin/journal")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err
