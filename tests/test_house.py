"""The house's shape (docs/design.md), checked on the source itself.

* every service folder has the same skeleton, same file name for the same job;
* a module longer than 500 lines says why in its docstring ("Longer than 500 lines:");
* no module imports another module's private (underscore) names;
* every package names its public API in ``__all__``, and every name listed resolves.

A package whose modules are its API pins an empty ``__all__``.
"""

from __future__ import annotations

import ast
import importlib
import warnings
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "wiretwin"
SERVICES = ("pusher", "lavalink", "discord")
#: Same file name = same job, in every service folder (a module or a package).
SKELETON = ("errors", "model", "wire", "protocol", "http", "websocket", "snapshot",
            "admin", "twin")
LONG = 500
LONG_REASON = "Longer than 500 lines:"



def _part_exists(service: str, part: str) -> bool:
    folder = PACKAGE / service
    return (folder / f"{part}.py").is_file() or (folder / part / "__init__.py").is_file()


def test_every_service_folder_has_the_same_skeleton() -> None:
    missing = [(s, p) for s in SERVICES for p in SKELETON if not _part_exists(s, p)]
    assert missing == [], f"service folders without their part of the skeleton: {missing}"


def _docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(), str(path))) or ""


def test_long_modules_say_why() -> None:
    long = [str(p.relative_to(PACKAGE)) for p in sorted(PACKAGE.rglob("*.py"))
            if len(p.read_text().splitlines()) > LONG and LONG_REASON not in _docstring(p)]
    assert long == [], f"over {LONG} lines without saying why ({LONG_REASON!r}): {long}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _private_imports(path: Path) -> list[str]:
    """``from wiretwin.x import _name`` (or relative) in ``path``: a private name used
    outside the module that defines it. Importing a private *module* of one's own
    package (``from . import _impl``) is fine; its names are that package's business."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")[:len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if target.split(".")[0] != "wiretwin":
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append(f"{module} imports {target}.{alias.name}")
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    found = [line for p in sorted(PACKAGE.rglob("*.py")) for line in _private_imports(p)]
    assert found == [], "\n".join(found)


def _packages() -> list[str]:
    return sorted(_module_name(p) for p in PACKAGE.rglob("__init__.py"))


def test_every_package_pins_its_public_names() -> None:
    without = [name for name in _packages()
               if "__all__" not in (SRC / name.replace(".", "/") / "__init__.py").read_text()]
    assert without == [], f"packages without __all__: {without}"


@pytest.mark.parametrize("package", _packages())
def test_every_exported_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    with warnings.catch_warnings():  # an old path's shim warns, and still resolves
        warnings.simplefilter("ignore", DeprecationWarning)
        missing = [name for name in getattr(module, "__all__", [])
                   if not hasattr(module, name)]
    assert missing == []

