"""Lazy package exports (PEP 562), so importing a package costs only what is used.

``import wiretwin.pusher`` should not import aiohttp for a test that only reads a
snapshot, and the pytest plugin should not pay for three twins on every run. A package
lists where each public name lives; a name's module is imported the first time the name
is read, and the value is cached in the package's namespace::

    __getattr__, __dir__ = lazy_exports(__name__, {"PusherTwin": ".twin"})

Names that moved elsewhere go in ``moved`` with their new module: reading one still
works, with a DeprecationWarning naming the new path.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str,
    names: Mapping[str, str],
    *,
    moved: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``.

    ``names`` maps each exported name to its module, relative to ``package`` (``".twin"``)
    or absolute. ``moved`` maps names kept for old imports to their new absolute module.
    """
    moved = dict(moved or {})

    def __getattr__(name: str) -> Any:
        if name in names:
            value = getattr(importlib.import_module(names[name], package), name)
        elif name in moved:
            warnings.warn(
                f"{package}.{name} moved to {moved[name]}.{name}; import it from there",
                DeprecationWarning, stacklevel=2)
            return getattr(importlib.import_module(moved[name]), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__


__all__ = ["lazy_exports"]
