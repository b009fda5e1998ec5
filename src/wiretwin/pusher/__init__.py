"""The Pusher Channels twin (websocket protocol 4-7 and the HTTP API)."""

from __future__ import annotations

from .apps import App, default_app
from .auth import sign_channel, sign_user
from .client import Message, PusherErrorReply, PusherTestClient
from .errors import CloseCode
from .recorder import ClientEvent, Delivery, PusherRecorder, TriggeredEvent, WebhookAttempt
from .twin import PusherTwin

__all__ = [
    "App",
    "ClientEvent",
    "CloseCode",
    "Delivery",
    "Message",
    "PusherErrorReply",
    "PusherRecorder",
    "PusherTestClient",
    "PusherTwin",
    "TriggeredEvent",
    "WebhookAttempt",
    "default_app",
    "sign_channel",
    "sign_user",
]
