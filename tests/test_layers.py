"""The house's layer contracts (docs/design.md), checked on the source itself.

* the layers point one way: ``runtime`` imports no twin; a twin imports no other twin
  and nothing of ``compat``, ``drivers``, ``console``, ``testing`` or ``cli``; ``compat``,
  ``drivers`` and ``console`` import no ``testing`` or ``cli``;
* no import cycle inside a package (imports inside functions count: a cycle held
  together by a function-local import is still a cycle; ``TYPE_CHECKING`` imports and a
  module's PEP 562 ``__getattr__`` do not);
* every module imports on its own, first, in an interpreter that has imported nothing of
  wiretwin.

Imports are read with :mod:`ast`, so a violation is named with its file and line.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "wiretwin"
TWINS = ("pusher", "lavalink", "discord")
UPPER = ("compat", "drivers", "console", "testing", "cli")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node, skipping ``if TYPE_CHECKING:`` blocks and a module's ``__getattr__``
    (PEP 562: lazy exports, and old import paths kept with a DeprecationWarning, are
    looked up when used, not when the module loads)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            yield from (n for stmt in child.orelse for n in [stmt, *_walk(stmt)])
            continue
        if isinstance(child, ast.FunctionDef) and child.name == "__getattr__" \
                and isinstance(node, ast.Module):
            continue
        yield child
        yield from _walk(child)


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> list[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if node.level:
        base = package.split(".")
        base = base[:len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    names = [f"{target}.{alias.name}" for alias in node.names]
    return [name if name in MODULES else target for name in names]


def imports(module: str) -> Iterator[tuple[str, int]]:
    """(imported wiretwin module, line) for every import in ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            targets = _resolve(module, path, node)
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target.startswith(PACKAGE + ".") or target == PACKAGE:
                yield target, node.lineno


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _allowed(source: str, target: str) -> bool:
    here, there = _layer(source), _layer(target)
    if here == there or there in ("", "py") or target == PACKAGE:
        return True
    if here == "runtime":
        return False
    if here in TWINS:
        return there == "runtime" or there == "worlds"
    if here in ("compat", "drivers", "console"):
        return there not in ("testing", "cli")
    return True  # testing, cli and the package root may use everything below them


def test_the_layers_point_one_way() -> None:
    wrong = [f"{MODULES[m].relative_to(SRC)}:{line}: {m} imports {t}"
             for m in MODULES for t, line in imports(m) if not _allowed(m, t)]
    assert wrong == [], "\n".join(wrong)


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    graph = {m: sorted({t for t, _ in imports(m) if t != m and t in MODULES})
             for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


#: Cycles still to be taken apart (the list only shrinks: a cycle gone must leave it).
KNOWN_CYCLES: list[list[str]] = []
#: Modules that cannot be imported first yet (the same rule).
KNOWN_IMPORT_FAILURES: list[str] = []


def test_no_module_imports_itself_back() -> None:
    cycles = sorted(_cycles())
    assert cycles == KNOWN_CYCLES, "\n".join(" <-> ".join(c) for c in cycles)


def test_every_module_imports_on_its_own() -> None:
    """Each module first, with nothing of wiretwin imported before it (one interpreter,
    wiretwin's modules dropped between imports)."""
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'wiretwin']:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(failed))\n"
    )
    names = [m for m in MODULES if not m.endswith("__main__")]
    result = subprocess.run([sys.executable, "-c", script, *names], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    failed = result.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in failed] == KNOWN_IMPORT_FAILURES, "\n".join(failed)
