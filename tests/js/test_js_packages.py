"""The JavaScript side of the repository, run from pytest so the suite keeps one entry
point: the ``wiretwin`` npm package (``js/wiretwin``: its types checked by ``tsc``, its
vitest tests driving pusher-js, discord.js and a Lavalink websocket through it, its jest
glue under jest and its Playwright fixtures under @playwright/test, with a pusher-js page
in Debian's Chromium) and the React dashboard example
(``js/examples/pusher-dashboard``: the Pusher testing guide's component tests, for real).

Each run starts ``wiretwin serve`` from this checkout (``WIRETWIN_BIN`` is the
virtualenv's ``wiretwin`` command, ``PYTHONPATH`` this tree's ``src``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {
    "wiretwin": REPO / "js" / "wiretwin",
    "pusher-dashboard": REPO / "js" / "examples" / "pusher-dashboard",
}
#: A whole run takes a few seconds; this is only ever reached when something hangs.
TIMEOUT = 180
#: The browser the Playwright tests launch (js/wiretwin/playwright.config.ts).
CHROMIUM = Path("/usr/bin/chromium")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["WIRETWIN_BIN"] = str(Path(sys.executable).parent / "wiretwin")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(REPO / "src"), env.get("PYTHONPATH", "")] if p)
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    env.pop("WIRETWIN_ADMIN_TOKEN", None)  # the tests choose their own tokens
    env.pop("WIRETWIN_SETTINGS_FILE", None)  # the Playwright tests start their own serve
    return env


def _run(package: Path, tool: str, *args: str) -> str:
    node = shutil.which("node")
    binary = package / "node_modules" / ".bin" / tool
    if node is None or not binary.exists():
        pytest.fail(f"{tool} is not installed in {package.relative_to(REPO)}: run "
                    "`make install` (npm ci in each JavaScript folder)")
    command = [str(binary), *args]
    if tool == "jest":  # native ES modules: jest's VM modules, behind Node's flag
        command = [node, "--experimental-vm-modules",
                   str(package / "node_modules" / "jest" / "bin" / "jest.js"), *args]
    done = subprocess.run(command, cwd=package, env=_env(), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        pytest.fail(f"{tool} {' '.join(args)} in {package.relative_to(REPO)} failed "
                    f"({done.returncode}):\n{done.stdout[-6000:]}", pytrace=False)
    return done.stdout


@pytest.mark.parametrize("name", list(PACKAGES))
def test_types_check(name: str) -> None:
    _run(PACKAGES[name], "tsc", "--noEmit", "-p", ".")


@pytest.mark.parametrize("name", list(PACKAGES))
def test_vitest_suite_passes(name: str) -> None:
    out = _run(PACKAGES[name], "vitest", "run")
    assert " failed" not in out
    assert "Tests  " in out and " passed" in out, out[-2000:]


def test_jest_suite_passes() -> None:
    """The package's jest glue (wiretwin/jest-setup, wiretwin/jest) under jest itself."""
    out = _run(PACKAGES["wiretwin"], "jest", "--ci")
    assert "Tests:" in out and " failed" not in out, out[-2000:]


def test_playwright_suite_passes() -> None:
    """The package's Playwright fixtures (wiretwin/playwright) under @playwright/test: a
    pusher-js page in Chromium hears what the Pusher twin publishes, each test from reset
    twins."""
    if not CHROMIUM.exists():
        pytest.fail(f"the Playwright tests need Debian's chromium ({CHROMIUM}): run "
                    "`make install`")
    out = _run(PACKAGES["wiretwin"], "playwright", "test")
    assert " failed" not in out and " flaky" not in out, out[-2000:]
    assert " passed (" in out, out[-2000:]
