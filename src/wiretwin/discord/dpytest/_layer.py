"""How a module here serves the layer's names: ``__getattr__``/``__dir__`` that read each
public name (and ``__all__``, so ``import *`` works) from the module of the same name in
:mod:`wiretwin.compat.dpytest`, at every read (nothing is copied: a value the layer
rebinds, a counter or a patched function, reads the same through both paths).

The Discord twin does not import the layer (it sits above the twins); the import happens
on first use, from a name, which the layer contract allows (PEP 562). One module differs: dpytest's
``backend`` here is the layer's :mod:`~wiretwin.compat.dpytest.dpytest_backend`. A name
whose value is one of the layer's modules (``back``, ``dstate``...) reads as the module of
the same name here, when there is one, so dpytest's paths lead to dpytest's paths.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

_HERE = "wiretwin.discord.dpytest"
_LAYER = "wiretwin.compat.dpytest"


#: Modules here served from a layer module of another name: dpytest's own backend
#: (synchronous, dpytest's signatures), where the layer's ``backend`` is the dpytest
#: backend guide's (awaited).
_RENAMED = {".backend": ".dpytest_backend"}


def _layer(name: str) -> ModuleType:
    tail = name.removeprefix(_HERE)
    return importlib.import_module(_LAYER + _RENAMED.get(tail, tail))


def _here(value: Any) -> Any:
    """``value``, or for one of the layer's modules its counterpart here (if any)."""
    if isinstance(value, ModuleType) and value.__name__.startswith(_LAYER + "."):
        counterpart = _HERE + value.__name__.removeprefix(_LAYER)
        if importlib.util.find_spec(counterpart) is not None:
            return importlib.import_module(counterpart)
    return value


def serve(name: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for the module ``name`` (a module here)."""

    def __getattr__(attr: str) -> Any:
        if attr == "__all__" or not attr.startswith("_"):
            layer = _layer(name)
            if hasattr(layer, attr):
                return _here(getattr(layer, attr))
        raise AttributeError(f"module {name!r} has no attribute {attr!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[name])) | set(getattr(_layer(name), "__all__", ())))

    return __getattr__, __dir__


__all__ = ["serve"]
