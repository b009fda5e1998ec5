"""The conformance matrix's core: scenarios, libraries, outcomes and the results file.

A service's matrix is a list of :class:`Scenario` (written once) and a list of
:class:`Library` (one per client library, each with a driver that runs scenarios against
a twin). Every cell comes out as one :class:`Result`: ``pass``, ``fail`` with the reason,
or ``unsupported`` with why the library cannot do it. pytest runs one test per cell
(tests/matrix/test_<service>_matrix.py, through cells.py); each test writes its result to
``build/matrix/.cells/<service>/`` and the session's end merges the cells into
``build/matrix/<service>.json``, which the docs build renders (docs/hooks/matrix.py).

Nothing here knows a service: the Pusher matrix, and later the Lavalink and Discord
ones, bring their scenarios and drivers.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[2]
#: Where results go (``build/`` is not committed; a fresh clone has none yet).
MATRIX_DIR = ROOT / "build" / "matrix"

Status = Literal["pass", "fail", "unsupported"]


@dataclass(frozen=True)
class Scenario:
    """One behaviour every library is asked to show (``name`` is its id in tests)."""

    name: str
    title: str
    description: str


@dataclass(frozen=True)
class Library:
    """A client library in the matrix.

    ``unsupported`` maps a scenario to why the library cannot do it (it has no API for
    it); ``known_failures`` maps a scenario to why it fails (a bug of the library's, not
    the twin's): such a cell is recorded as a failure and the test is an expected
    failure, so the suite stays green while the page tells the truth.
    """

    #: Its id in test names and results (``pusher-js-node``).
    name: str
    #: How the page names it ("pusher-js (Node)").
    title: str
    language: str
    #: What it is, in a few words ("server SDK", "browser client").
    kind: str
    #: Where it comes from ("PyPI pusher", "npm pusher-js").
    package: str
    version: Callable[[], str]
    unsupported: dict[str, str] = field(default_factory=dict)
    known_failures: dict[str, str] = field(default_factory=dict)
    #: Known failures that depend on timing the twin does not control: the cell is
    #: recorded as failing (with the reason) and the test is an expected failure whether
    #: or not this run hit it, so the page and the suite do not change from run to run.
    intermittent: frozenset[str] = frozenset()
    #: Set when the library cannot be built or run here at all (why).
    unavailable: str | None = None
    #: What a user of the library should know about how it was driven (the page shows it).
    note: str = ""

    def __post_init__(self) -> None:
        if not self.intermittent <= self.known_failures.keys():
            raise ValueError(f"{self.name}: an intermittent failure needs its reason in "
                             "known_failures")

    def info(self) -> dict[str, Any]:
        try:
            version = self.version()
        except (OSError, ValueError, metadata.PackageNotFoundError) as exc:
            version = f"not installed ({exc})"
        return {"name": self.name, "title": self.title, "language": self.language,
                "kind": self.kind, "package": self.package, "version": version,
                "unavailable": self.unavailable, "note": self.note}


@dataclass(frozen=True)
class Result:
    """One cell of the matrix."""

    library: str
    scenario: str
    status: Status
    reason: str = ""
    seconds: float = 0.0
    at: str = ""


class Unsupported(Exception):
    """Raised by a driver for a scenario its library has no API for (the message: why)."""


def python_version(distribution: str) -> Callable[[], str]:
    """The installed version of a Python distribution, from its metadata."""
    return lambda: metadata.version(distribution)


def npm_version(package_dir: Path) -> Callable[[], str]:
    """The installed version of an npm package, from its package.json."""
    def read() -> str:
        data = json.loads((package_dir / "package.json").read_text())
        return str(data["version"])

    return read


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# -- the results file -----------------------------------------------------------------


def cell_path(service: str, library: str, scenario: str) -> Path:
    return MATRIX_DIR / ".cells" / service / f"{library}--{scenario}.json"


def write_cell(service: str, library: Library, result: Result) -> None:
    """Record one cell (atomically: xdist workers write side by side)."""
    path = cell_path(service, library.name, result.scenario)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"library": library.info(), "result": asdict(result)}))
    tmp.replace(path)


def merge(service: str, scenarios: Sequence[Scenario], libraries: Sequence[Library]
          ) -> Path | None:
    """Gather the recorded cells into ``build/matrix/<service>.json`` (only the scenarios
    and libraries that exist now; cells missing from this and earlier runs are left out).
    None when no cell was ever recorded."""
    cells = MATRIX_DIR / ".cells" / service
    if not cells.is_dir():
        return None
    # Every xdist worker merges at its end; the lock makes the last one's file complete.
    with (MATRIX_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _merge(service, scenarios, libraries)


def _merge(service: str, scenarios: Sequence[Scenario], libraries: Sequence[Library]
           ) -> Path | None:
    names = {s.name for s in scenarios}
    infos: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for library in libraries:
        for scenario in scenarios:
            path = cell_path(service, library.name, scenario.name)
            if not path.is_file():
                continue
            data = json.loads(path.read_text())
            if data["result"]["scenario"] in names:
                infos[library.name] = data["library"]
                results.append(data["result"])
    if not results:
        return None
    out = MATRIX_DIR / f"{service}.json"
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({
        "service": service,
        "generated": max(r["at"] for r in results),
        "scenarios": [asdict(s) for s in scenarios],
        "libraries": [infos.get(lib.name, lib.info()) for lib in libraries],
        "results": results,
    }, indent=2) + "\n")
    tmp.replace(out)
    return out


__all__ = ["MATRIX_DIR", "Library", "Result", "Scenario", "Status", "Unsupported", "merge",
           "now", "npm_version", "python_version", "write_cell"]
