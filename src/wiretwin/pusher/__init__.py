"""The Pusher Channels twin (websocket protocol 4-7 and the HTTP API).

Exports are loaded on first use (:func:`wiretwin.runtime.lazy.lazy_exports`), so
``import wiretwin.pusher`` imports neither aiohttp nor the twin until a name is read.
The Pusher testing guide's mocks (``async_mock_pusher_context``, ``PusherHarness``,
``MockPusherService``...) live in :mod:`wiretwin.compat.pusher_guide`, a layer above the
twin; they are exported here too, by name only, because users import them from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..runtime.lazy import lazy_exports

if TYPE_CHECKING:
    from ..compat.pusher_guide import (
        HarnessClient,
        MockPusherClient,
        MockPusherService,
        PusherAsyncTestHelper,
        PusherEventRecorder,
        PusherHarness,
        PusherTestHelper,
        async_mock_pusher_context,
        mock_pusher_context,
    )
    from .apps import App, default_app
    from .auth import sign_channel, sign_user
    from .client import Message, PusherErrorReply, PusherTestClient
    from .errors import CloseCode
    from .recorder import ClientEvent, Delivery, PusherRecorder, TriggeredEvent, WebhookAttempt
    from .twin import PusherTwin

#: The Pusher testing guide's mocks, one layer up (looked up by name: the twin imports no compat).
_GUIDE = "wiretwin.compat.pusher_guide"

__getattr__, __dir__ = lazy_exports(__name__, {
    "App": ".apps",
    "ClientEvent": ".recorder",
    "CloseCode": ".errors",
    "Delivery": ".recorder",
    "HarnessClient": _GUIDE,
    "Message": ".client",
    "MockPusherClient": _GUIDE,
    "MockPusherService": _GUIDE,
    "PusherAsyncTestHelper": _GUIDE,
    "PusherErrorReply": ".client",
    "PusherEventRecorder": _GUIDE,
    "PusherHarness": _GUIDE,
    "PusherRecorder": ".recorder",
    "PusherTestClient": ".client",
    "PusherTestHelper": _GUIDE,
    "PusherTwin": ".twin",
    "TriggeredEvent": ".recorder",
    "WebhookAttempt": ".recorder",
    "async_mock_pusher_context": _GUIDE,
    "default_app": ".apps",
    "mock_pusher_context": _GUIDE,
    "sign_channel": ".auth",
    "sign_user": ".auth",
})

__all__ = [
    "App",
    "ClientEvent",
    "CloseCode",
    "Delivery",
    "HarnessClient",
    "Message",
    "MockPusherClient",
    "MockPusherService",
    "PusherAsyncTestHelper",
    "PusherErrorReply",
    "PusherEventRecorder",
    "PusherHarness",
    "PusherRecorder",
    "PusherTestClient",
    "PusherTestHelper",
    "PusherTwin",
    "TriggeredEvent",
    "WebhookAttempt",
    "async_mock_pusher_context",
    "default_app",
    "mock_pusher_context",
    "sign_channel",
    "sign_user",
]
