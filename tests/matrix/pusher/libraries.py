"""The Pusher matrix's libraries: what each one is, how to start its driver, and what it
cannot do (with why)."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from tests.chromium import CHROMIUM

from ..core import Library, npm_version, python_version
from . import java_client, js_clients, servers
from .harness import PusherCase
from .js_clients import JS_DIR
from .pysher_client import PysherClient
from .scenarios import CLIENT_UNSUPPORTED, SERVER_UNSUPPORTED

MODULES = JS_DIR / "node_modules"


@functools.cache
def _chromium() -> str:
    try:
        out = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True,
                             timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return "not installed"
    return out.split()[1] if len(out.split()) > 1 else out.strip()


def _pusher_js_in_chromium() -> str:
    return f"{npm_version(MODULES / 'pusher-js')()} (Chromium {_chromium()})"


async def _pysher(case: PusherCase) -> PysherClient:
    return PysherClient(case)


async def _python_sdk(case: PusherCase) -> servers.PythonSdk:
    return servers.PythonSdk(case)


async def _unavailable(case: PusherCase) -> None:
    raise RuntimeError("this library cannot be built here (see its entry)")


@dataclass(frozen=True)
class PusherLibrary:
    library: Library
    #: Which side of the scenarios it runs (client_scenarios.py or server_scenarios.py).
    side: Literal["client", "server"]
    open: Callable[[PusherCase], Awaitable[Any]]


PYSHER_UNSUPPORTED = {
    **CLIENT_UNSUPPORTED,
    "subscribe-encrypted": "Pysher 1.0.8 does not decrypt: a private-encrypted- event "
                           "reaches the application as its nonce and ciphertext",
    "user-events": "Pysher 1.0.8 has no user sign-in (pusher:signin) and no user events",
}
ECHO_NOTE = "laravel-echo 2.x over pusher-js 8.6.0"

LIBRARIES = [
    PusherLibrary(Library(
        "pusher-js-node", "pusher-js (Node)", "JavaScript", "websocket client (Node build)",
        "npm pusher-js", npm_version(MODULES / "pusher-js"),
        unsupported=dict(CLIENT_UNSUPPORTED)), "client", js_clients.pusher_js_node),
    PusherLibrary(Library(
        "pusher-js-chromium", "pusher-js (Chromium)", "JavaScript",
        "websocket client (browser build with encryption, in headless Chromium)",
        "npm pusher-js", _pusher_js_in_chromium,
        unsupported=dict(CLIENT_UNSUPPORTED),
        note="Loaded into a page served from the app's own origin (its auth endpoint's)."),
        "client", js_clients.pusher_js_chromium),
    PusherLibrary(Library(
        "laravel-echo", "laravel-echo", "JavaScript", "websocket client (over pusher-js)",
        "npm laravel-echo", npm_version(MODULES / "laravel-echo"),
        unsupported=dict(CLIENT_UNSUPPORTED),
        note="Channels through Echo's channel, private, encryptedPrivate and join; sign-in "
             "through its connector's signin(); user events through the pusher-js "
             "instance Echo holds (Echo has no API of its own for them)."),
        "client", js_clients.laravel_echo),
    PusherLibrary(Library(
        "pysher", "Pysher", "Python", "websocket client (signs with the app secret)",
        "PyPI Pysher", python_version("Pysher"),
        unsupported=PYSHER_UNSUPPORTED,
        note="Signs private and presence subscriptions itself with the app secret. After a "
             "close that comes without an in-band pusher:error (protocol 6 and later) it "
             "reconnects after its reconnect_interval (1 s here), and it resubscribes "
             "private channels without their auth."),
        "client", _pysher),
    PusherLibrary(Library(
        "pusher-java-client", "pusher-java-client", "Java", "websocket client",
        "Maven com.pusher:pusher-java-client", java_client.jar_version("pusher-java-client"),
        unsupported=dict(CLIENT_UNSUPPORTED),
        note="Its PusherEvent.getData() throws for an event that has no data "
             "(pusher:cache_miss); the matrix's driver reads it guarded."),
        "client", java_client.pusher_java_client),
    PusherLibrary(Library(
        "pusher-http-go", "pusher-http-go", "Go", "server SDK (HTTP API)",
        "Go module github.com/pusher/pusher-http-go/v5", lambda: "—",
        unavailable="not downloadable here: the Go module proxy this project's machines "
                    "reach answers 403 (\"This module version is not available\") for "
                    "github.com/pusher/pusher-http-go and for the Go websocket client "
                    "github.com/toorop/go-pusher"), "server", _unavailable),
    PusherLibrary(Library(
        "pusher-http-java", "pusher-http-java", "Java", "server SDK (HTTP API)",
        "Maven com.pusher:pusher-http-java", java_client.jar_version("pusher-http-java"),
        unsupported={**SERVER_UNSUPPORTED,
                     "user-events": "pusher-http-java 1.3.4 has no user authentication "
                                    "and no send-to-user call"},
        note="Its shared_secret for private-encrypted- channels comes without base64 "
             "padding (32 bytes as 43 characters, no '='): pusher-js decodes it as it is; "
             "a strict decoder, such as Python's base64 module, needs the padding put back."),
        "server", servers.java_sdk),
    PusherLibrary(Library(
        "pusher-http-python", "pusher-http-python", "Python", "server SDK (HTTP API)",
        "PyPI pusher", python_version("pusher"),
        unsupported=dict(SERVER_UNSUPPORTED)), "server", _python_sdk),
    PusherLibrary(Library(
        "pusher-http-node", "pusher-http-node", "JavaScript", "server SDK (HTTP API)",
        "npm pusher", npm_version(MODULES / "pusher"),
        unsupported=dict(SERVER_UNSUPPORTED)), "server", servers.node_sdk),
]
