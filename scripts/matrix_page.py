"""The conformance matrices' docs: ``build/matrix/<service>.json`` (written by the matrix
tests, tests/matrix/) rendered as Markdown for docs/compatibility.md.

The docs build calls :func:`render_service` through docs/hooks/matrix.py; run
``python -m scripts.matrix_page pusher`` to print a service's section.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MATRIX_DIR = ROOT / "build" / "matrix"

#: The services with a matrix (tests/matrix/<service>/), as docs/compatibility.md lists them.
SERVICES = ("pusher", "lavalink", "discord")
MARKS = {"pass": "✓", "fail": "✗", "unsupported": "—"}


def load(service: str, matrix_dir: Path = MATRIX_DIR) -> dict[str, Any] | None:
    path = matrix_dir / f"{service}.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def not_run(service: str) -> str:
    return (f'!!! note "Not run yet"\n    No results for {service} in this build: the matrix '
            f"tests write `build/matrix/{service}.json` (`make test` runs them before it "
            "builds the docs; `pytest tests/matrix` runs them alone).\n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(data: dict[str, Any]) -> str:
    """A service's results: the table (a row per scenario, a column per library), the
    reasons under it, the libraries with their versions and counts, and the scenarios."""
    libraries = data["libraries"]
    service = data["service"]

    def anchor(scenario: dict[str, Any]) -> str:
        return f"{service}-{scenario['name']}"

    scenarios = data["scenarios"]
    results = {(r["library"], r["scenario"]): r for r in data["results"]}
    notes: dict[str, int] = {}

    def note(reason: str) -> str:
        number = notes.setdefault(reason, len(notes) + 1)
        return f"<sup>{number}</sup>"

    runnable = [lib for lib in libraries if not lib.get("unavailable")]
    lines = [f"Last run: {data['generated']} (UTC). ✓ passes · ✗ fails (the reason is "
             "in the notes) · — not supported by the library (why is in the notes) · "
             "blank: not run.", ""]
    lines.append("| Scenario | " + " | ".join(_cell(lib["title"]) for lib in runnable) + " |")
    lines.append("|---|" + "---|" * len(runnable))
    for scenario in scenarios:
        row = [f"[{_cell(scenario['title'])}](#{anchor(scenario)})"]
        for lib in runnable:
            result = results.get((lib["name"], scenario["name"]))
            if result is None:
                row.append("")
                continue
            mark = MARKS[result["status"]]
            row.append(mark + (note(result["reason"]) if result["reason"] else ""))
        lines.append("| " + " | ".join(row) + " |")
    if notes:
        lines.append("")
        lines.extend(f"{number}. {_cell(reason)}" for reason, number in notes.items())

    lines += ["", "### Libraries", "",
              "| Library | Language | What it is | Package | Version | ✓ | ✗ | — |",
              "|---|---|---|---|---|---|---|---|"]
    for lib in libraries:
        counts = Counter(r["status"] for r in data["results"] if r["library"] == lib["name"])
        tally = ("not run (below) | | |" if lib.get("unavailable") else
                 f"{counts['pass']} | {counts['fail']} | {counts['unsupported']} |")
        lines.append(f"| {_cell(lib['title'])} | {lib['language']} | {_cell(lib['kind'])} | "
                     f"{_cell(lib['package'])} | {_cell(lib['version'])} | {tally}")
    noted = [lib for lib in libraries if lib.get("note")]
    if noted:
        lines.append("")
        lines.extend(f"- **{lib['title']}**: {lib['note']}" for lib in noted)
    unavailable = [lib for lib in libraries if lib.get("unavailable")]
    if unavailable:
        lines += ["", "Could not be run here:", ""]
        lines.extend(f"- **{lib['title']}** ({lib['language']}, {_cell(lib['package'])}): "
                     f"{lib['unavailable']}" for lib in unavailable)

    lines += ["", "### Scenarios", ""]
    for scenario in scenarios:
        lines += [f"<a id=\"{anchor(scenario)}\"></a>**{scenario['title']}** "
                  f"(`{scenario['name']}`): {scenario['description']}", ""]
    return "\n".join(lines).rstrip() + "\n"


def render_service(service: str, matrix_dir: Path = MATRIX_DIR) -> str:
    data = load(service, matrix_dir)
    return not_run(service) if data is None else render(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service", choices=SERVICES, help="the service whose matrix to print")
    args = parser.parse_args(argv)
    print(render_service(args.service), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
