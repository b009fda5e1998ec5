"""A matrix cell's outcomes (cells.py), with a made-up library session: what pytest is
told and what is recorded for the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.matrix import cells, core
from tests.matrix.core import Library, Unsupported

LIB = Library("lib", "Lib", "Python", "client", "PyPI lib", lambda: "1.0",
              unsupported={"nope": "it has no API for that"},
              known_failures={"buggy": "its own bug"})


class FakeSession:
    opened = 0

    def open(self) -> None:
        FakeSession.opened += 1

    def run(self, scenario: str) -> None:
        if scenario in ("broken", "buggy"):
            raise AssertionError(f"{scenario} went wrong\nmore detail")
        if scenario == "maybe":
            raise Unsupported("only in version 2")

    def close(self) -> None:
        pass


def _cell(matrix_dir: Path, scenario: str) -> dict[str, str]:
    data = json.loads((matrix_dir / ".cells" / "svc" / f"lib--{scenario}.json").read_text())
    result: dict[str, str] = data["result"]
    return result


def test_each_outcome_is_told_to_pytest_and_recorded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "MATRIX_DIR", tmp_path)
    monkeypatch.setattr(cells, "RAN", set())
    sessions = cells.Sessions()
    FakeSession.opened = 0

    def run(scenario: str) -> None:
        cells.run_cell("svc", LIB, scenario, sessions, FakeSession)

    run("fine")
    assert _cell(tmp_path, "fine")["status"] == "pass"
    with pytest.raises(pytest.skip.Exception, match="not supported by Lib: it has no API"):
        run("nope")
    assert _cell(tmp_path, "nope")["reason"] == "it has no API for that"
    with pytest.raises(pytest.skip.Exception, match="only in version 2"):
        run("maybe")
    assert _cell(tmp_path, "maybe")["status"] == "unsupported"
    with pytest.raises(AssertionError, match="broken went wrong"):
        run("broken")
    assert (_cell(tmp_path, "broken")["status"], _cell(tmp_path, "broken")["reason"]) == (
        "fail", "broken went wrong")
    with pytest.raises(pytest.xfail.Exception, match="known to fail here: its own bug"):
        run("buggy")
    assert _cell(tmp_path, "buggy")["reason"] == "its own bug"
    assert FakeSession.opened == 1  # one session served every scenario
    assert sorted(cells.RAN) == ["svc"]
    sessions.close()
