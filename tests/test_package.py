"""The package a user installs: the wheel and sdist build, hold what wiretwin needs at
run time, and the wheel works in a clean virtualenv (``wiretwin serve`` answers, the
three twins import the documented way). The checks are the release check's own
(``scripts/package_check.py``), so ``make test`` and ``make release-check`` agree."""

from __future__ import annotations

from pathlib import Path

import pytest

import wiretwin
from scripts.package_check import Dist, build, sdist_problems, smoke_test, wheel_problems


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    return build(tmp_path_factory.mktemp("dist"))


def test_the_wheel_holds_the_package_its_data_and_its_metadata(dist: Dist) -> None:
    assert wheel_problems(dist.wheel, wiretwin.__version__) == []


def test_the_sdist_builds_the_same_package(dist: Dist) -> None:
    assert sdist_problems(dist.sdist, wiretwin.__version__) == []


def test_the_wheel_works_in_a_clean_virtualenv(dist: Dist, tmp_path: Path) -> None:
    smoke_test(dist.wheel, tmp_path, wiretwin.__version__)
