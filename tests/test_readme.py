"""Every Python example in README.md runs, so the README cannot rot."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text())


def test_readme_examples_pass(tmp_path: Path) -> None:
    blocks = _blocks(ROOT / "README.md")
    assert len(blocks) >= 3
    tests = 0
    for index, block in enumerate(blocks):
        (tmp_path / f"test_readme_{index}.py").write_text(block)
        tests += len(re.findall(r"^(?:async )?def test_", block, re.M))
    result = subprocess.run(
        # pytest-asyncio's default (strict) mode, as in a user's project that set nothing.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o",
         "asyncio_mode=strict", "-o", "asyncio_default_fixture_loop_scope=function",
         "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{tests} passed" in result.stdout, result.stdout
