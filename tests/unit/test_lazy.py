"""runtime.lazy: package exports loaded on first use (PEP 562)."""

from __future__ import annotations

import subprocess
import sys
import types
import warnings

import pytest

from wiretwin.runtime.lazy import lazy_exports


def _package(name: str, names: dict[str, str], moved: dict[str, str]) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__getattr__, module.__dir__ = lazy_exports(  # type: ignore[method-assign]
        name, names, moved=moved)
    sys.modules[name] = module
    return module


def test_a_name_loads_its_module_once_and_is_cached() -> None:
    pkg = _package("lazy_demo", {"dumps": "json"}, {})
    try:
        import json
        assert pkg.dumps is json.dumps
        assert "dumps" in vars(pkg)  # cached: __getattr__ is not asked again
        assert "dumps" in dir(pkg)
        with pytest.raises(AttributeError, match="no attribute 'loads'"):
            _ = pkg.loads
    finally:
        del sys.modules["lazy_demo"]


def test_a_moved_name_warns_with_its_new_path() -> None:
    pkg = _package("lazy_old", {}, {"dumps": "json"})
    try:
        import json
        with pytest.warns(DeprecationWarning, match=r"lazy_old\.dumps moved to json\.dumps"):
            assert pkg.dumps is json.dumps
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            _ = pkg.dumps
        assert seen, "a moved name warns every time it is read"
    finally:
        del sys.modules["lazy_old"]


def test_importing_the_runtime_does_not_import_aiohttp() -> None:
    code = ("import sys, wiretwin.runtime as r\n"
            "assert 'aiohttp' not in sys.modules, 'eager'\n"
            "assert r.TwinServer.__name__ == 'TwinServer'\n"
            "assert sorted(r.__all__) == sorted(n for n in r.__all__ if getattr(r, n))\n")
    subprocess.run([sys.executable, "-c", code], check=True)
