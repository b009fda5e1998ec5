"""A matrix cell's outcomes (cells.py), with a made-up library session: what pytest is
told and what is recorded for the page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.matrix import cells, core
from tests.matrix.core import Library, Scenario, Unsupported

LIB = Library("lib", "Lib", "Python", "client", "PyPI lib", lambda: "1.0",
              unsupported={"nope": "it has no API for that"},
              known_failures={"buggy": "its own bug"})
#: Fails on some runs only, in "fine" (this session passes it) and "broken" (it fails).
FLAKY = Library("flaky", "Flaky", "Python", "client", "PyPI flaky", lambda: "1.0",
                known_failures=dict.fromkeys(("fine", "broken"), "a race of its own"),
                intermittent=frozenset({"fine", "broken"}))


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


def _cell(matrix_dir: Path, scenario: str, library: str = "lib") -> dict[str, str]:
    path = matrix_dir / ".cells" / "svc" / f"{library}--{scenario}.json"
    data = json.loads(path.read_text())
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


def test_an_intermittent_failure_is_recorded_and_expected_whatever_the_run_did(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "MATRIX_DIR", tmp_path)
    monkeypatch.setattr(cells, "RAN", set())
    sessions = cells.Sessions()
    for scenario, this_run in (("fine", "it passed"), ("broken", "broken went wrong")):
        expected = rf"Flaky fails here on some runs: a race of its own \(this run: {this_run}\)"
        with pytest.raises(pytest.xfail.Exception, match=expected):
            cells.run_cell("svc", FLAKY, scenario, sessions, FakeSession)
        cell = _cell(tmp_path, scenario, "flaky")
        assert (cell["status"], cell["reason"]) == ("fail", "a race of its own")
    sessions.close()


def test_an_intermittent_failure_needs_its_reason() -> None:
    with pytest.raises(ValueError, match="needs its reason in known_failures"):
        Library("lib", "Lib", "Python", "client", "PyPI lib", lambda: "1.0",
                intermittent=frozenset({"racy"}))


@dataclass(frozen=True)
class Entry:
    library: Library


def test_the_grid_is_library_by_library_without_the_unavailable_ones() -> None:
    gone = Library("gone", "Gone", "Go", "client", "Go module gone", lambda: "—",
                   unavailable="cannot be downloaded")
    scenarios = [Scenario("a", "A", ""), Scenario("b", "B", "")]
    entries = [Entry(LIB), Entry(gone), Entry(FLAKY)]
    mark = cells.grid(entries, scenarios)
    argnames, params = mark.args
    assert argnames == ("entry", "scenario")
    assert [p.id for p in params] == ["lib::a", "lib::b", "flaky::a", "flaky::b"]
    assert [p.values for p in params][:2] == [(entries[0], "a"), (entries[0], "b")]
