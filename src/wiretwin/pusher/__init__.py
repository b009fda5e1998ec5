"""The Pusher Channels twin (websocket protocol 4-7 and the HTTP API)."""

from __future__ import annotations

from .apps import App, default_app
from .auth import sign_channel, sign_user
from .client import Message, PusherErrorReply, PusherTestClient
from .errors import CloseCode
from .guide import MockPusherClient, MockPusherService
from .harness import (
    HarnessClient,
    PusherAsyncTestHelper,
    PusherEventRecorder,
    PusherHarness,
    PusherTestHelper,
    async_mock_pusher_context,
    mock_pusher_context,
)
from .recorder import ClientEvent, Delivery, PusherRecorder, TriggeredEvent, WebhookAttempt
from .twin import PusherTwin

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
