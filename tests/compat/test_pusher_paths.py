"""Import paths of the Pusher guide's mocks: the old ones keep working and warn with the
new path, the new ones (and the names ``wiretwin.pusher`` exports) do not warn."""

from __future__ import annotations

import importlib
import warnings

import pytest

import wiretwin.compat.pusher_guide as guide

NEW = "wiretwin.compat.pusher_guide"
OLD_PATHS = [
    ("wiretwin.pusher.guide", "MockPusherClient"),
    ("wiretwin.pusher.guide", "MockPusherService"),
    *[("wiretwin.pusher.harness", name) for name in (
        "HarnessClient", "PusherAsyncTestHelper", "PusherEventRecorder", "PusherHarness",
        "PusherTestHelper", "async_mock_pusher_context", "current_harness",
        "mock_pusher_context")],
]


@pytest.mark.parametrize(("module", "name"), OLD_PATHS)
def test_an_old_path_still_works_and_names_the_new_one(module: str, name: str) -> None:
    old = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=rf"{module}\.{name} moved to {NEW}\.{name}"):
        value = getattr(old, name)
    assert value is getattr(guide, name)


def test_from_import_of_an_old_path_warns() -> None:
    with pytest.warns(DeprecationWarning, match=NEW):
        from wiretwin.pusher.harness import PusherHarness
    assert PusherHarness is guide.PusherHarness


def test_an_old_module_has_only_the_names_it_had() -> None:
    old = importlib.import_module("wiretwin.pusher.guide")
    with pytest.raises(AttributeError):
        old.PusherTwin  # noqa: B018 - the attribute read is the test


@pytest.mark.parametrize("module", [NEW, "wiretwin.pusher"])
def test_the_new_paths_do_not_warn(module: str) -> None:
    package = importlib.import_module(module)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in package.__all__:
            getattr(package, name)
        for submodule in ("client", "harness", "helpers", "mocks"):
            importlib.import_module(f"{NEW}.{submodule}")
        for submodule in ("wire", "http", "channel_auth"):
            importlib.import_module(f"wiretwin.pusher.{submodule}")
