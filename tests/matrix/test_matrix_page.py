"""The matrix's results file and its docs rendering (scripts/matrix_page.py), on made-up
results: merging cells, the table's marks and notes, the counts, and a build that has
no results yet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import matrix_page
from tests.matrix import core
from tests.matrix.core import Library, Result, Scenario

SCENARIOS = [Scenario("connect", "Connect", "Connect."),
             Scenario("trigger", "Trigger", "Publish an event.")]
CLIENT = Library("client-lib", "Client (Node)", "JavaScript", "websocket client", "npm x",
                 lambda: "1.2.3", unsupported={"trigger": "no | HTTP API"})
SERVER = Library("server-sdk", "Server SDK", "Python", "server SDK", "PyPI y",
                 lambda: "4.5.6", note="Signs with the secret.")
BROKEN = Library("go-sdk", "Go SDK", "Go", "server SDK", "Go module z", lambda: "—",
                 unavailable="cannot be downloaded")


@pytest.fixture
def matrix_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(core, "MATRIX_DIR", tmp_path)
    return tmp_path


def test_cells_merge_into_the_results_file_and_render(matrix_dir: Path) -> None:
    assert core.merge("svc", SCENARIOS, [CLIENT, SERVER]) is None  # nothing run yet
    core.write_cell("svc", CLIENT, Result("client-lib", "connect", "pass", at="2026-01-02"))
    core.write_cell("svc", CLIENT, Result("client-lib", "trigger", "unsupported",
                                          "no | HTTP API", at="2026-01-02"))
    core.write_cell("svc", SERVER, Result("server-sdk", "trigger", "fail",
                                          "got {'n': 2}\nmore", at="2026-01-03"))
    # A cell of a scenario that no longer exists is left out.
    core.write_cell("svc", SERVER, Result("server-sdk", "gone", "pass", at="2026-01-04"))
    path = core.merge("svc", SCENARIOS, [CLIENT, SERVER, BROKEN])
    assert path == matrix_dir / "svc.json"
    data = json.loads(path.read_text())
    assert data["generated"] == "2026-01-03"
    assert [lib["version"] for lib in data["libraries"]] == ["1.2.3", "4.5.6", "—"]
    assert len(data["results"]) == 3

    page = matrix_page.render(data)
    assert "Last run: 2026-01-03 (UTC)" in page
    assert "| Scenario | Client (Node) | Server SDK |" in page  # no column for Go SDK
    assert "| [Connect](#svc-connect) | ✓ |  |" in page
    assert "| [Trigger](#svc-trigger) | —<sup>1</sup> | ✗<sup>2</sup> |" in page
    assert "1. no \\| HTTP API" in page
    assert "2. got {'n': 2} more" in page
    assert "| Client (Node) | JavaScript | websocket client | npm x | 1.2.3 | 1 | 0 | 1 |" in page
    assert "| Server SDK | Python | server SDK | PyPI y | 4.5.6 | 0 | 1 | 0 |" in page
    assert "| Go SDK | Go | server SDK | Go module z | — | not run (below) | | |" in page
    assert "- **Server SDK**: Signs with the secret." in page
    assert "- **Go SDK** (Go, Go module z): cannot be downloaded" in page
    assert '<a id="svc-trigger"></a>**Trigger** (`trigger`): Publish an event.' in page


def test_a_service_not_run_yet_renders_a_note(tmp_path: Path) -> None:
    page = matrix_page.render_service("pusher", tmp_path)
    assert page.startswith('!!! note "Not run yet"')
    assert "build/matrix/pusher.json" in page


def test_the_command_prints_a_service_and_refuses_an_unknown_one(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert matrix_page.main(["lavalink"]) == 0
    assert capsys.readouterr().out == matrix_page.render_service("lavalink")
    with pytest.raises(SystemExit) as refused:
        matrix_page.main(["lavalinks"])
    assert refused.value.code == 2
    assert "invalid choice: 'lavalinks'" in capsys.readouterr().err


def test_the_docs_hook_replaces_the_marker(matrix_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "matrix_hook", core.ROOT / "docs" / "hooks" / "matrix.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    monkeypatch.setattr(hook, "MATRIX_DIR", matrix_dir)
    monkeypatch.setattr(hook, "render_service",
                        lambda service: matrix_page.render_service(service, matrix_dir))
    out = hook.on_page_markdown("# T\n\n<!-- matrix:pusher -->\n\nafter\n", None, None, None)
    assert '!!! note "Not run yet"' in out and out.endswith("after\n")
