"""Every Python example in the getting-started pages and how-to guides runs, as a user's
project would run it: each page's ```python blocks become files in a folder of their own
and pytest runs them there, in pytest-asyncio's default (strict) mode.

A block is a test file unless its first line names the file it is:
``# conftest.py`` (written as the folder's conftest.py) or ``# mybot.py`` (a module the
page's tests import).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
NAMED = re.compile(r"#\s*([\w/]+\.py)\s*$")
PAGES = sorted([*DOCS.glob("getting-started/*.md"), *DOCS.glob("how-to/*.md")])


def files_of(page: Path) -> dict[str, str]:
    """The files a page's python blocks make, by name."""
    files: dict[str, str] = {}
    stem = page.stem.replace("-", "_")
    for index, block in enumerate(BLOCK.findall(page.read_text())):
        first = block.split("\n", 1)[0]
        named = NAMED.fullmatch(first.strip())
        name = named.group(1) if named else f"test_{stem}_{index}.py"
        assert name not in files, f"{page.name}: two blocks make {name}"
        files[name] = block
    return files


def test_the_pages_are_found() -> None:
    assert {p.parent.name for p in PAGES} == {"getting-started", "how-to"}
    assert sum(bool(files_of(p)) for p in PAGES) >= 8


@pytest.mark.parametrize("page", [p for p in PAGES if files_of(p)],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_page_examples_pass(page: Path, tmp_path: Path) -> None:
    files = files_of(page)
    tests = 0
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        if name.startswith("test_"):
            tests += len(re.findall(r"^(?:async )?def test_", text, re.M))
    assert tests, f"{page.name} has python blocks but no test"
    env = dict(os.environ)
    # The subprocess sees the wiretwin this suite runs (a worktree's src included).
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(ROOT / "src"), env.get("PYTHONPATH", "")] if p)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:simcord",
         "-o", "asyncio_mode=strict", "-o", "asyncio_default_fixture_loop_scope=function",
         "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{tests} passed" in result.stdout, result.stdout
