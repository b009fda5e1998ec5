"""The package a user installs: the wheel and sdist build, hold what wiretwin needs at
run time, and the wheel works in a clean virtualenv (``wiretwin serve`` answers, the
three twins import the documented way)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tarfile
import urllib.request
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import wiretwin

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # From a copy: setuptools builds in the source tree (build/, *.egg-info), which other
    # tests (and workers) read.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    # No isolation: the build runs with the test venv's setuptools, offline.
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel",
                    "--outdir", str(out), str(source)],
                   check=True, capture_output=True, text=True, timeout=300)
    return out


def _one(dist: Path, pattern: str) -> Path:
    (found,) = dist.glob(pattern)
    return found


def test_the_wheel_holds_the_package_its_data_and_its_metadata(dist: Path) -> None:
    wheel = _one(dist, f"wiretwin-{wiretwin.__version__}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"wiretwin-{wiretwin.__version__}.dist-info"
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    for needed in ("wiretwin/py.typed", "wiretwin/worlds/default.toml",
                   "wiretwin/discord/data/api_routes.json", "wiretwin/cli.py"):
        assert needed in names, needed
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)
    assert any(name.endswith("/LICENSE") for name in names)
    assert metadata["Name"] == "wiretwin" and metadata["Version"] == wiretwin.__version__
    extras = set(metadata.get_all("Provides-Extra") or [])
    assert {"pusher", "discord", "lavalink", "voice", "all"} <= extras
    required = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert sorted(r.split(">")[0].split("=")[0] for r in required) == [
        "aiohttp", "orjson", "tomli-w", "zstandard"]
    assert "wiretwin = wiretwin.cli:main" in entry_points
    assert "wiretwin = wiretwin.testing.plugin" in entry_points
    # The web console: its routes' entry point, and every asset it serves.
    assert "console = wiretwin.console:admin_routes" in entry_points
    static = ROOT / "src" / "wiretwin" / "console" / "static"
    assets = sorted(str(f.relative_to(ROOT / "src")) for f in static.rglob("*") if f.is_file())
    assert "wiretwin/console/static/index.html" in assets
    assert [a for a in assets if a not in names] == []


def test_the_sdist_builds_the_same_package(dist: Path) -> None:
    sdist = _one(dist, f"wiretwin-{wiretwin.__version__}.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("pyproject.toml", "README.md", "LICENSE",
                   "src/wiretwin/__init__.py", "src/wiretwin/worlds/default.toml"):
        assert needed in names, needed


def test_the_wheel_works_in_a_clean_virtualenv(dist: Path, tmp_path: Path) -> None:
    wheel = _one(dist, "*.whl")
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", str(wheel)],
                   check=True, capture_output=True, text=True, timeout=600)
    imports = subprocess.run(
        [str(python), "-c",
         "from wiretwin.pusher import PusherTwin\n"
         "from wiretwin.lavalink import LavalinkTwin\n"
         "from wiretwin.discord import DiscordTwin\n"
         "print(PusherTwin.service, LavalinkTwin.service, DiscordTwin.service)"],
        check=True, capture_output=True, text=True, timeout=60)
    assert imports.stdout.split() == ["pusher", "lavalink", "discord"]
    settings = tmp_path / "settings.json"
    proc = subprocess.Popen(
        [str(env / "bin" / "wiretwin"), "serve", "--pusher-port", "0", "--lavalink-port",
         "0", "--discord-port", "0", "--settings-file", str(settings)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "Settings written to" in line:
                break
        written = json.loads(settings.read_text())
        discord, lavalink = written["discord"], written["lavalink"]
        with urllib.request.urlopen(f"http://127.0.0.1:{discord['port']}/api/v10/gateway",
                                    timeout=10) as answer:
            assert json.loads(answer.read())["url"].startswith("ws://127.0.0.1:")
        asked = urllib.request.Request(f"{lavalink['url']}/version",
                                       headers={"Authorization": lavalink["password"]})
        with urllib.request.urlopen(asked, timeout=10) as answer:
            assert answer.read().decode().startswith("4.")
        # The web console, served from the installed wheel's files.
        for path in ("/_wiretwin/ui", "/_wiretwin/ui/static/shell.js",
                     "/_wiretwin/ui/static/views/pusher.js"):
            with urllib.request.urlopen(f"{lavalink['url']}{path}", timeout=10) as answer:
                assert answer.status == 200 and answer.read(), path
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
