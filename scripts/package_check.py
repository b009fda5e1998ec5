"""Build wiretwin's wheel and sdist, check what they hold, and smoke-test the wheel in a
clean virtualenv.

Shared by the release check (``scripts/release_check.py``, ``make release-check``) and
the test suite (``tests/test_package.py``), so both check the same things. Each check
returns a list of problems, empty when all is well; the smoke test raises
:class:`PackageError` at the first thing that does not work.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import venv
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata

ROOT = Path(__file__).resolve().parents[1]

#: Files a built wheel must hold: the code, the typing marker and the package data.
WHEEL_FILES = ("wiretwin/__init__.py", "wiretwin/cli.py", "wiretwin/py.typed",
               "wiretwin/worlds/default.toml", "wiretwin/discord/data/api_routes.json",
               "wiretwin/testing/plugin.py")
#: Files the sdist must hold to build that wheel again.
SDIST_FILES = ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md",
               "src/wiretwin/__init__.py", "src/wiretwin/py.typed",
               "src/wiretwin/worlds/default.toml",
               "src/wiretwin/discord/data/api_routes.json")
#: What wiretwin needs at run time, and nothing else.
RUNTIME_DEPENDENCIES = ["aiohttp", "orjson", "tomli-w", "zstandard"]
#: Extras the documentation names (README's Install section).
DOCUMENTED_EXTRAS = {"discord", "lavalink", "pusher", "dpytest", "voice", "lavalink-py",
                     "wavelink", "mafic", "pomice", "hikari", "all"}
ENTRY_POINTS = ("wiretwin = wiretwin.cli:main", "wiretwin = wiretwin.testing.plugin",
                "console = wiretwin.console:admin_routes")
#: The web console's assets, which the wheel must carry (it serves them from there).
CONSOLE_STATIC = ROOT / "src" / "wiretwin" / "console" / "static"


class PackageError(Exception):
    """A built package that does not install or run as a user's would."""


@dataclass(frozen=True)
class Dist:
    """The two files a release uploads."""

    wheel: Path
    sdist: Path


def build(out: Path, root: Path = ROOT) -> Dist:
    """Build the sdist and wheel of ``root`` into ``out``, from a copy of the sources.

    setuptools writes ``build/`` and ``*.egg-info`` into the tree it builds; a copy keeps
    the working tree (which tests read) untouched. The build runs without isolation,
    with the current environment's setuptools, so it needs no network.
    """
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wiretwin-source-") as tmp:
        source = Path(tmp)
        for name in ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "MANIFEST.in"):
            shutil.copy2(root / name, source / name)
        shutil.copytree(root / "src", source / "src",
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        done = subprocess.run(
            [sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel",
             "--outdir", str(out), str(source)],
            capture_output=True, text=True, timeout=300, check=False)
    if done.returncode:
        raise PackageError(f"the build failed:\n{done.stdout}{done.stderr}")
    wheels, sdists = sorted(out.glob("wiretwin-*.whl")), sorted(out.glob("wiretwin-*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        raise PackageError(f"expected one wheel and one sdist in {out}, found "
                           f"{[p.name for p in wheels + sdists]}")
    return Dist(wheels[0], sdists[0])


def metadata_problems(raw: str, version: str) -> list[str]:
    """What PyPI would refuse or show badly in a METADATA / PKG-INFO file.

    The same checks as ``twine check``: the core metadata must be valid (names,
    versions, requirements, classifiers as the packaging specifications define them)
    and the long description present, in a content type PyPI renders.
    """
    problems: list[str] = []
    try:
        meta = Metadata.from_email(raw, validate=True)
    except (ExceptionGroup, InvalidMetadata) as exc:
        found = exc.exceptions if isinstance(exc, ExceptionGroup) else [exc]
        return [f"invalid metadata: {error}" for error in found]
    if meta.name != "wiretwin":
        problems.append(f"the name is {meta.name!r}, not 'wiretwin'")
    if str(meta.version) != version:
        problems.append(f"the version is {meta.version}, not {version}")
    if not meta.summary:
        problems.append("no summary (Summary)")
    if not meta.description or not meta.description.strip():
        problems.append("no long description (the README)")
    if meta.description_content_type != "text/markdown":
        problems.append(f"the long description's type is {meta.description_content_type!r}, "
                        "not 'text/markdown'")
    if not meta.requires_python:
        problems.append("no Requires-Python")
    return problems


def wheel_problems(wheel: Path, version: str) -> list[str]:
    """What is missing or wrong in the wheel: files, package data, metadata, extras,
    dependencies and entry points."""
    if wheel.name != f"wiretwin-{version}-py3-none-any.whl":
        return [f"the wheel is {wheel.name}, not wiretwin-{version}-py3-none-any.whl"]
    info = f"wiretwin-{version}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        raw = archive.read(f"{info}/METADATA").decode() if f"{info}/METADATA" in names else ""
        entry_points = (archive.read(f"{info}/entry_points.txt").decode()
                        if f"{info}/entry_points.txt" in names else "")
    problems = [f"the wheel lacks {name}" for name in WHEEL_FILES if name not in names]
    if any(name.startswith(("tests/", "benchmarks/", "scripts/")) for name in names):
        problems.append("the wheel holds the repository's tests, benchmarks or scripts")
    if not any(name.startswith(info) and name.endswith("/LICENSE") for name in names):
        problems.append("the wheel lacks the LICENSE")
    if not raw:
        return [*problems, f"the wheel lacks {info}/METADATA"]
    problems += metadata_problems(raw, version)
    metadata = Parser().parsestr(raw)
    extras = set(metadata.get_all("Provides-Extra") or [])
    if missing := DOCUMENTED_EXTRAS - extras:
        problems.append(f"extras the README names are missing: {', '.join(sorted(missing))}")
    required = sorted(r.split(">")[0].split("=")[0].split(";")[0].strip()
                      for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r)
    if required != RUNTIME_DEPENDENCIES:
        problems.append(f"the runtime dependencies are {required}, "
                        f"not {RUNTIME_DEPENDENCIES}")
    problems += [f"no entry point {point!r}" for point in ENTRY_POINTS
                 if point not in entry_points]
    assets = sorted(str(f.relative_to(ROOT / "src")) for f in CONSOLE_STATIC.rglob("*")
                    if f.is_file())
    if "wiretwin/console/static/index.html" not in assets:
        problems.append("the web console's page is not in src/wiretwin/console/static")
    problems += [f"the wheel lacks the web console's {a}" for a in assets if a not in names]
    return problems


def sdist_problems(sdist: Path, version: str) -> list[str]:
    """What is missing or wrong in the sdist."""
    if sdist.name != f"wiretwin-{version}.tar.gz":
        return [f"the sdist is {sdist.name}, not wiretwin-{version}.tar.gz"]
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
        top = f"wiretwin-{version}/"
        names = {name.removeprefix(top) for name in members if name.startswith(top)}
        pkg_info = archive.extractfile(f"{top}PKG-INFO") if f"{top}PKG-INFO" in members \
            else None
        raw = pkg_info.read().decode() if pkg_info else ""
    problems = [f"the sdist lacks {name}" for name in SDIST_FILES if name not in names]
    if not raw:
        return [*problems, "the sdist lacks PKG-INFO"]
    return problems + metadata_problems(raw, version)


def _run(args: list[str], timeout: float = 120) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode:
        raise PackageError(f"`{' '.join(args)}` failed ({done.returncode}):\n"
                           f"{done.stdout}{done.stderr}")
    return done.stdout


def _get(url: str, headers: dict[str, str] | None = None) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                timeout=10) as answer:
        body: bytes = answer.read()
        return body


def smoke_test(wheel: Path, workdir: Path, version: str) -> None:
    """Install ``wheel`` into a fresh virtualenv under ``workdir`` and use it as a user
    would: import the three twins the documented way, ask ``wiretwin --version`` and
    ``wiretwin serve --help``, start ``wiretwin serve`` and talk to each twin."""
    env = workdir / "venv"
    venv.create(env, with_pip=True)
    python, wiretwin = env / "bin" / "python", env / "bin" / "wiretwin"
    _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
          str(wheel)], timeout=600)
    imported = _run([str(python), "-c",
                     "from wiretwin.pusher import PusherTwin\n"
                     "from wiretwin.lavalink import LavalinkTwin\n"
                     "from wiretwin.discord import DiscordTwin\n"
                     "print(PusherTwin.service, LavalinkTwin.service, DiscordTwin.service)"])
    if imported.split() != ["pusher", "lavalink", "discord"]:
        raise PackageError(f"the twins imported as {imported!r}")
    if (shown := _run([str(wiretwin), "--version"]).strip()) != f"wiretwin {version}":
        raise PackageError(f"`wiretwin --version` says {shown!r}, not 'wiretwin {version}'")
    if "Run the Pusher, Lavalink and Discord twins" not in _run([str(wiretwin), "serve",
                                                                  "--help"]):
        raise PackageError("`wiretwin serve --help` does not describe the command")
    _serve_and_hit(wiretwin, workdir / "settings.json")


def _serve_and_hit(wiretwin: Path, settings: Path) -> None:
    proc = subprocess.Popen(
        [str(wiretwin), "serve", "--pusher-port", "0", "--lavalink-port", "0",
         "--discord-port", "0", "--settings-file", str(settings)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "Settings written to" in line:
                break
        else:
            raise PackageError("`wiretwin serve` stopped before it listened")
        written = json.loads(settings.read_text())
        discord, lavalink, pusher = written["discord"], written["lavalink"], written["pusher"]
        gateway = json.loads(_get(f"http://127.0.0.1:{discord['port']}/api/v10/gateway"))
        if not gateway["url"].startswith("ws://127.0.0.1:"):
            raise PackageError(f"the Discord twin's gateway is {gateway['url']!r}")
        node = _get(f"{lavalink['url']}/version", {"Authorization": lavalink["password"]})
        if not node.decode().startswith("4."):
            raise PackageError(f"the Lavalink twin's version is {node!r}")
        admin = json.loads(_get(f"http://127.0.0.1:{pusher['port']}"
                                "/_wiretwin/openapi.json"))
        if "paths" not in admin:
            raise PackageError("the Pusher twin's admin API has no OpenAPI document")
        # The web console, served from the installed wheel's files.
        for path in ("/_wiretwin/ui", "/_wiretwin/ui/static/shell.js",
                     "/_wiretwin/ui/static/views/pusher.js"):
            if not _get(f"{lavalink['url']}{path}"):
                raise PackageError(f"the web console's {path} is empty")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    if proc.returncode != 0 or "Traceback" in err:
        raise PackageError(f"`wiretwin serve` ended with {proc.returncode}:\n{err}")
