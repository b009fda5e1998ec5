"""``make release-check``: is this tree ready to be tagged and uploaded?

Checks, in order, stopping at the first step with problems:

1. the sources: pyproject's version, ``wiretwin.__version__`` and the CHANGELOG's newest
   release (``## [X.Y.Z] - YYYY-MM-DD``, under an ``## [Unreleased]`` heading, with a
   link reference) all agree;
2. the build: the sdist and wheel build into ``dist/`` (emptied first), their metadata
   is valid as PyPI reads it, and the wheel holds the package data;
3. the wheel installs into a fresh virtualenv, where ``wiretwin --version``,
   ``wiretwin serve --help`` and a running ``wiretwin serve`` answer.

``python -m scripts.release_check --sources-only`` runs step 1 alone. See
docs/releasing.md for the whole procedure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import re
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scripts.package_check import (
    ROOT,
    PackageError,
    build,
    sdist_problems,
    smoke_test,
    wheel_problems,
)

HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\](?P<rest>.*)$", re.M)
RELEASE = re.compile(r"^ - (?P<date>\d{4}-\d{2}-\d{2})$")
VERSION = re.compile(r"^\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?$")
INIT_VERSION = re.compile(r'^__version__ = "(?P<version>[^"]+)"$', re.M)


@dataclass(frozen=True)
class Release:
    """One ``## [X.Y.Z] - YYYY-MM-DD`` section of the CHANGELOG."""

    version: str
    date: dt.date
    body: str


def changelog_problems(text: str) -> tuple[list[str], list[Release]]:
    """The CHANGELOG's structural problems, and its releases, newest first.

    Keep a Changelog: ``## [Unreleased]`` first, then one section per release with its
    date, newest first, each with at least one entry and a link reference at the bottom.
    """
    problems: list[str] = []
    headings = list(HEADING.finditer(text))
    if not headings or headings[0]["name"] != "Unreleased" or headings[0]["rest"]:
        problems.append("the first section must be '## [Unreleased]'")
    releases: list[Release] = []
    for index, heading in enumerate(headings):
        name, rest = heading["name"], heading["rest"]
        if name == "Unreleased":
            if index:
                problems.append("'## [Unreleased]' must come before every release")
            continue
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        body = text[heading.end():end]
        dated = RELEASE.match(rest)
        if not VERSION.match(name):
            problems.append(f"'## [{name}]' is not a version (X.Y.Z)")
            continue
        if not dated:
            problems.append(f"'## [{name}]{rest}' has no date: write '## [{name}] - YYYY-MM-DD'")
            continue
        try:
            date = dt.date.fromisoformat(dated["date"])
        except ValueError:
            problems.append(f"'## [{name}]' has an impossible date, {dated['date']}")
            continue
        if not re.search(r"^- ", body, re.M):
            problems.append(f"'## [{name}]' has no entries")
        if not re.search(rf"^\[{re.escape(name)}\]: \S+", text, re.M):
            problems.append(f"no link reference '[{name}]: <url>' at the bottom")
        releases.append(Release(name, date, body))
    for newer, older in itertools.pairwise(releases):
        if _key(newer.version) <= _key(older.version) or newer.date < older.date:
            problems.append(f"[{newer.version}] must be newer than [{older.version}], "
                            "which follows it")
    if not releases:
        problems.append("no released version ('## [X.Y.Z] - YYYY-MM-DD')")
    return problems, releases


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def pyproject_version(root: Path) -> str:
    """The version pyproject.toml gives the package."""
    with (root / "pyproject.toml").open("rb") as file:
        version: str = tomllib.load(file)["project"]["version"]
    return version


def source_problems(root: Path, today: dt.date | None = None) -> list[str]:
    """Do pyproject's version, ``wiretwin.__version__`` and the CHANGELOG agree?"""
    version = pyproject_version(root)
    problems = [] if VERSION.match(version) else [f"pyproject's version {version!r} is not "
                                                  "X.Y.Z"]
    init = INIT_VERSION.search((root / "src" / "wiretwin" / "__init__.py").read_text())
    if not init or init["version"] != version:
        problems.append(f"src/wiretwin/__init__.py's __version__ is "
                        f"{init['version'] if init else 'missing'}, pyproject's {version}")
    found, releases = changelog_problems((root / "CHANGELOG.md").read_text())
    problems += [f"CHANGELOG.md: {problem}" for problem in found]
    if releases and releases[0].version != version:
        problems.append(f"CHANGELOG.md's newest release is {releases[0].version}, "
                        f"pyproject's version {version}: add '## [{version}] - YYYY-MM-DD'")
    if releases and releases[0].date > (today or dt.date.today()):
        problems.append(f"CHANGELOG.md's [{releases[0].version}] is dated in the future "
                        f"({releases[0].date})")
    return problems


def _report(step: str, problems: list[str]) -> bool:
    if problems:
        print(f"FAILED: {step}", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return False
    print(f"ok: {step}")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checks; 0 when the release is ready, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="release_check", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository to check")
    parser.add_argument("--dist", type=Path, help="where to build (default: ROOT/dist)")
    parser.add_argument("--sources-only", action="store_true",
                        help="check the version and the CHANGELOG only, build nothing")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    version = pyproject_version(root)
    if not _report(f"version {version} in pyproject, __init__ and CHANGELOG",
                   source_problems(root)):
        return 1
    if args.sources_only:
        return 0
    dist: Path = args.dist or root / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    try:
        built = build(dist, root)
    except PackageError as exc:
        _report("build", [str(exc)])
        return 1
    if not _report(f"{built.wheel.name} and {built.sdist.name}",
                   wheel_problems(built.wheel, version) + sdist_problems(built.sdist, version)):
        return 1
    with tempfile.TemporaryDirectory(prefix="wiretwin-smoke-") as tmp:
        try:
            smoke_test(built.wheel, Path(tmp), version)
        except PackageError as exc:
            _report("the wheel in a clean virtualenv", [str(exc)])
            return 1
    _report("the wheel in a clean virtualenv", [])
    print(f"\nReady: tag v{version} and upload {dist}/* (docs/releasing.md).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
