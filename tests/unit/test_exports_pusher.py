"""``wiretwin.pusher``'s public names, pinned: a name added or dropped is a decision, and
each one resolves. The package loads them lazily, so importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys
import warnings

import wiretwin.compat.pusher_guide
import wiretwin.pusher

PUSHER_EXPORTS = [
    "App", "ClientEvent", "CloseCode", "Delivery", "HarnessClient", "Message",
    "MockPusherClient", "MockPusherService", "PusherAsyncTestHelper", "PusherErrorReply",
    "PusherEventRecorder", "PusherHarness", "PusherRecorder", "PusherTestClient",
    "PusherTestHelper", "PusherTwin", "TriggeredEvent", "WebhookAttempt",
    "async_mock_pusher_context", "default_app", "mock_pusher_context", "sign_channel",
    "sign_user",
]
GUIDE_EXPORTS = [
    "HarnessClient", "MockPusherClient", "MockPusherService", "PusherAsyncTestHelper",
    "PusherEventRecorder", "PusherHarness", "PusherTestHelper", "async_mock_pusher_context",
    "current_harness", "mock_pusher_context",
]


def test_the_pusher_exports_are_pinned_and_resolve_without_warnings() -> None:
    assert sorted(wiretwin.pusher.__all__) == sorted(PUSHER_EXPORTS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in wiretwin.pusher.__all__:
            assert getattr(wiretwin.pusher, name) is not None, name
    assert set(PUSHER_EXPORTS) <= set(dir(wiretwin.pusher))


def test_the_guides_names_are_one_object_under_both_paths() -> None:
    assert sorted(wiretwin.compat.pusher_guide.__all__) == sorted(GUIDE_EXPORTS)
    for name in GUIDE_EXPORTS:
        value = getattr(wiretwin.compat.pusher_guide, name)
        if name in PUSHER_EXPORTS:
            assert getattr(wiretwin.pusher, name) is value, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    assert not hasattr(wiretwin.pusher, "NoSuchThing")


def test_importing_the_package_imports_no_aiohttp_and_no_twin() -> None:
    """A fresh interpreter: the package alone loads neither aiohttp, the twin nor compat."""
    script = (
        "import sys, wiretwin.pusher\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('aiohttp', 'wiretwin.')))\n"
        "print(' '.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True)
    loaded = result.stdout.split()
    assert not [m for m in loaded if m.split(".")[0] == "aiohttp"], loaded
    assert "wiretwin.pusher.twin" not in loaded
    assert not [m for m in loaded if m.startswith("wiretwin.compat")], loaded
