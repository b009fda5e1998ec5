"""The release procedure (docs/releasing.md, ``make release-check``): the CHANGELOG is a
Keep a Changelog whose newest release is pyproject's version, and the release check
refuses a tree that is not ready, naming why."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zipfile
from pathlib import Path

import pytest

import wiretwin
from scripts.package_check import WHEEL_FILES, metadata_problems, wheel_problems
from scripts.release_check import changelog_problems, main, pyproject_version, source_problems

ROOT = Path(__file__).resolve().parents[1]

GOOD = """# Changelog

## [Unreleased]

## [0.2.0] - 2026-11-10

### Added
- Something new.

## [0.1.0] - 2026-10-06

### Added
- The first release.

[Unreleased]: https://example.org/compare/v0.2.0...HEAD
[0.2.0]: https://example.org/v0.2.0
[0.1.0]: https://example.org/v0.1.0
"""


def test_the_repository_is_ready_for_its_version() -> None:
    assert source_problems(ROOT) == []
    assert pyproject_version(ROOT) == wiretwin.__version__


def test_the_changelog_opens_with_an_empty_unreleased_section_then_this_release() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    problems, releases = changelog_problems(text)
    assert problems == []
    assert releases[0].version == wiretwin.__version__
    headings = re.findall(r"^## .*$", text, re.M)
    assert headings[0] == "## [Unreleased]"
    # Other branches add their entries under [Unreleased]; the release's own sections are
    # Keep a Changelog's.
    sections = set(re.findall(r"^### (.+)$", releases[0].body, re.M))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security",
                        "Known limitations"}, sections


def test_the_changelog_is_written_for_users() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    for word in ("seed 00", "Seed 00", "the guide's mocks", "the seed's", "tests/seeds"):
        assert word not in text, word


def test_the_documentation_site_includes_the_changelog() -> None:
    assert '--8<-- "CHANGELOG.md"' in (ROOT / "docs" / "changelog.md").read_text()


def test_a_good_changelog_passes() -> None:
    problems, releases = changelog_problems(GOOD)
    assert problems == []
    assert [(r.version, r.date) for r in releases] == [
        ("0.2.0", dt.date(2026, 11, 10)), ("0.1.0", dt.date(2026, 10, 6))]


@pytest.mark.parametrize(("change", "expected"), [
    (("## [Unreleased]\n\n", ""), "the first section must be '## [Unreleased]'"),
    (("## [0.2.0] - 2026-11-10", "## [0.2.0]"), "'## [0.2.0]' has no date"),
    (("## [0.2.0] - 2026-11-10", "## [0.2.0] - 2026-02-30"), "impossible date"),
    (("## [0.2.0] - 2026-11-10", "## [next] - 2026-11-10"), "'## [next]' is not a version"),
    (("[0.2.0]: https://example.org/v0.2.0\n", ""), "no link reference '[0.2.0]: <url>'"),
    (("- Something new.", "Nothing."), "'## [0.2.0]' has no entries"),
    (("## [0.1.0] - 2026-10-06", "## [0.3.0] - 2026-10-06"),
     "[0.2.0] must be newer than [0.3.0]"),
])
def test_a_bad_changelog_is_refused_naming_what_is_wrong(change: tuple[str, str],
                                                         expected: str) -> None:
    problems, _ = changelog_problems(GOOD.replace(*change))
    assert any(expected in problem for problem in problems), problems


def _tree(tmp_path: Path, changelog: str, version: str = "0.2.0") -> Path:
    (tmp_path / "src" / "wiretwin").mkdir(parents=True)
    (tmp_path / "src" / "wiretwin" / "__init__.py").write_text(
        f'__version__ = "{version}"\n')
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "wiretwin"\n'
                                             f'version = "{version}"\n')
    (tmp_path / "CHANGELOG.md").write_text(changelog)
    return tmp_path


def test_the_sources_must_agree_on_the_version(tmp_path: Path) -> None:
    root = _tree(tmp_path, GOOD, version="0.3.0")
    assert source_problems(root) == [
        "CHANGELOG.md's newest release is 0.2.0, pyproject's version 0.3.0: "
        "add '## [0.3.0] - YYYY-MM-DD'"]
    (root / "src" / "wiretwin" / "__init__.py").write_text('__version__ = "0.2.9"\n')
    assert any("__version__ is 0.2.9, pyproject's 0.3.0" in p for p in source_problems(root))


def test_a_release_dated_in_the_future_is_refused(tmp_path: Path) -> None:
    root = _tree(tmp_path, GOOD)
    assert source_problems(root, today=dt.date(2026, 11, 10)) == []
    assert source_problems(root, today=dt.date(2026, 11, 9)) == [
        "CHANGELOG.md's [0.2.0] is dated in the future (2026-11-10)"]


def test_the_release_check_stops_before_building_a_tree_that_is_not_ready(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _tree(tmp_path, GOOD.replace("## [0.2.0] - 2026-11-10", "## [0.2.0]"))
    assert main(["--root", str(root), "--dist", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err
    assert "FAILED: version 0.2.0 in pyproject, __init__ and CHANGELOG" in err
    assert "'## [0.2.0]' has no date" in err
    assert not (tmp_path / "dist").exists()


def test_the_release_check_passes_a_ready_tree_without_building(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _tree(tmp_path, GOOD)
    assert main(["--root", str(root), "--sources-only"]) == 0
    assert capsys.readouterr().out == "ok: version 0.2.0 in pyproject, __init__ and CHANGELOG\n"


def _wheel(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_a_wheel_without_its_package_data_or_metadata_is_refused(tmp_path: Path) -> None:
    files = {name: "" for name in WHEEL_FILES if name != "wiretwin/py.typed"}
    wheel = _wheel(tmp_path / "wiretwin-0.2.0-py3-none-any.whl", files)
    problems = wheel_problems(wheel, "0.2.0")
    assert "the wheel lacks wiretwin/py.typed" in problems
    assert "the wheel lacks wiretwin-0.2.0.dist-info/METADATA" in problems
    assert wheel_problems(wheel, "0.2.1") == [
        "the wheel is wiretwin-0.2.0-py3-none-any.whl, not wiretwin-0.2.1-py3-none-any.whl"]


def test_metadata_pypi_would_refuse_is_named() -> None:
    good = ("Metadata-Version: 2.4\nName: wiretwin\nVersion: 0.2.0\nSummary: twins\n"
            "Requires-Python: >=3.11\nDescription-Content-Type: text/markdown\n\n# wiretwin\n")
    assert metadata_problems(good, "0.2.0") == []
    assert metadata_problems(good, "0.2.1") == ["the version is 0.2.0, not 0.2.1"]
    assert metadata_problems(good.replace("text/markdown", "text/x-rst").replace(
        "# wiretwin\n", ""), "0.2.0") == [
        "no long description (the README)",
        "the long description's type is 'text/x-rst', not 'text/markdown'"]
    assert any("invalid metadata" in p
               for p in metadata_problems(good.replace("0.2.0", "not-a-version"), "0.2.0"))


def test_the_readme_names_every_extra_pyproject_defines() -> None:
    with (ROOT / "pyproject.toml").open("rb") as file:
        extras = set(tomllib.load(file)["project"]["optional-dependencies"])
    readme = (ROOT / "README.md").read_text()
    install = readme.split("## Install", 1)[1].split("\n## ", 1)[0]
    for extra in extras - {"test"}:
        assert f"wiretwin[{extra}]" in install, extra
    assert "pip install wiretwin\n" in install


def test_the_release_procedure_is_documented_and_in_the_site() -> None:
    text = (ROOT / "docs" / "releasing.md").read_text()
    for step in ("make release-check", "git tag", "twine upload", "CHANGELOG.md",
                 "pyproject.toml", "src/wiretwin/__init__.py"):
        assert step in text, step
    assert "releasing.md" in (ROOT / "mkdocs.yml").read_text()
    assert "release-check:" in (ROOT / "Makefile").read_text()


def test_the_docs_build_in_make_test_is_strict_and_shows_its_warnings() -> None:
    # mkdocs' --quiet hides the warnings --strict counts: a broken link passed with both.
    (line,) = [line for line in (ROOT / "Makefile").read_text().splitlines()
               if "mkdocs build" in line]
    assert "--strict" in line and "--quiet" not in line and " -q" not in line
