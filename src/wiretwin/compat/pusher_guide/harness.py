"""The test-suite vocabulary of Pusher mocks, done for real over the wire.

Suites written against hand-rolled mocks use ``async_mock_pusher_context()``, a
``pusher.client`` with ``add_channel``/``triggered_events``, an event recorder with
``record``/``assert_event_count``/``assert_channel_used``, and helpers. Here each of those
is backed by a running :class:`PusherTwin`:

* ``pusher.trigger(...)``, ``channels_info`` and friends call the real ``pusher`` server SDK,
  pointed at the twin, so requests are signed, checked and answered exactly as Pusher would.
  Pusher answers a trigger with ``{}`` (or the channels' info); the harness, as the
  guide's API promises, returns that body with ``"status": "success"`` added once the
  request succeeded (a refused one raises the SDK's error, as before);
* ``pusher.client`` is a real websocket connection to the twin;
* the recorder reads what the twin actually saw.

Where a mock suite relied on something the real service does not do, the real behaviour
wins: ``authenticate`` signs as Pusher does, so ``auth`` is ``"<key>:<signature>"``
(the guide's ``"socket_456:..."`` is wrong). A made-up socket id such as ``"socket_123"``
(the SDK refuses to sign one) is signed all the same, by the twin's own
:func:`~wiretwin.pusher.auth.sign_channel`; the twin would refuse to subscribe with it,
since real socket ids look like ``"1234.5678"``.

Here: :class:`PusherHarness` and the two contexts. The client is :mod:`.client`, the
recorder and helpers :mod:`.helpers`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from ...pusher.apps import App
from ...pusher.auth import sign_channel
from ...pusher.recorder import PusherRecorder
from ...pusher.twin import PusherTwin
from .client import HarnessClient

#: What Pusher's socket ids look like (the SDK signs no other).
_SOCKET_ID = re.compile(r"\d+\.\d+")

#: The harness of the innermost active ``(async_)mock_pusher_context``, per task/thread.
_current: contextvars.ContextVar[PusherHarness | None] = contextvars.ContextVar(
    "wiretwin_pusher_harness", default=None
)


def _sdk(twin: PusherTwin, app: App) -> Any:
    try:
        import pusher
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "the Pusher harness drives the real server SDK: pip install pusher"
        ) from exc
    return pusher.Pusher(**twin.settings(app)["pusher"])


class PusherHarness:
    """A twin, the real ``pusher`` server SDK pointed at it, and a real client."""

    def __init__(self, twin: PusherTwin, app: App | None = None) -> None:
        self.twin = twin
        self.app = app or twin.app
        self.sdk = _sdk(twin, self.app)
        self.client = HarnessClient(twin, self.app)

    @property
    def recorder(self) -> PusherRecorder:
        return self.twin.recorder

    # connection lifecycle (of the harness client)
    @property
    def connected(self) -> bool:
        return self.client.connected

    def connect(self) -> None:
        self.client.connect()

    def disconnect(self) -> None:
        self.client.disconnect()

    def reconnect(self) -> None:
        self.client.reconnect()

    # the server SDK, over HTTP to the twin
    def trigger(self, channels: str | Sequence[str], event_name: str, data: Any,
                socket_id: str | None = None) -> Any:
        return _succeeded(self.sdk.trigger(channels, event_name, data, socket_id))

    def trigger_batch(self, batch: Sequence[dict[str, Any]]) -> Any:
        return _succeeded(self.sdk.trigger_batch(list(batch)))

    def channels_info(self, prefix_filter: str | None = None,
                      attributes: Sequence[str] = ()) -> Any:
        return self.sdk.channels_info(prefix_filter, list(attributes))

    def channel_info(self, channel: str, attributes: Sequence[str] = ()) -> Any:
        return self.sdk.channel_info(channel, list(attributes))

    def users_info(self, channel: str) -> Any:
        return self.sdk.users_info(channel)

    def authenticate(self, channel: str, socket_id: str,
                     custom_data: dict[str, Any] | None = None) -> Any:
        if _SOCKET_ID.fullmatch(socket_id):
            return self.sdk.authenticate(channel, socket_id, custom_data)
        # A made-up socket id (the guide's "socket_123"): Pusher's signature all the same.
        channel_data = json.dumps(custom_data) if custom_data is not None else None
        out: dict[str, Any] = {"auth": sign_channel(self.app.key, self.app.secret,
                                                    socket_id, channel, channel_data)}
        if channel_data is not None:
            out["channel_data"] = channel_data
        return out

    def authenticate_user(self, socket_id: str, user_data: dict[str, Any]) -> Any:
        return self.sdk.authenticate_user(socket_id, user_data)

    def send_to_user(self, user_id: str, event_name: str, data: Any) -> Any:
        return self.sdk.send_to_user(user_id, event_name, data)

    def terminate_user_connections(self, user_id: str) -> Any:
        return self.sdk.terminate_user_connections(user_id)

    def validate_webhook(self, key: str, signature: str, body: str) -> Any:
        return self.sdk.validate_webhook(key, signature, body)

    def close(self) -> None:
        self.client.disconnect()


def _succeeded(body: Any) -> Any:
    """The guide's ``{"status": "success"}``, over Pusher's own answer (kept)."""
    return {"status": "success", **body} if isinstance(body, dict) else body


@contextlib.contextmanager
def mock_pusher_context(twin: PusherTwin | None = None, *,
                        apps: Sequence[App] | None = None) -> Iterator[PusherHarness]:
    """A :class:`PusherHarness` over a fresh twin (or ``twin``, which must be running)."""
    owned = twin is None
    if twin is None:
        twin = PusherTwin(apps).start_in_thread()
    harness = PusherHarness(twin)
    token = _current.set(harness)
    try:
        yield harness
    finally:
        _current.reset(token)
        harness.close()
        if owned:
            twin.stop_thread()


@contextlib.asynccontextmanager
async def async_mock_pusher_context(
    twin: PusherTwin | None = None, *, apps: Sequence[App] | None = None
) -> AsyncIterator[PusherHarness]:
    """``async with async_mock_pusher_context() as pusher:`` - the twin runs in its own thread,
    so the synchronous SDK calls in the block cannot deadlock against it."""
    owned = twin is None
    if twin is None:
        twin = await asyncio.to_thread(PusherTwin(apps).start_in_thread)
    harness = PusherHarness(twin)
    token = _current.set(harness)
    try:
        yield harness
    finally:
        _current.reset(token)
        await asyncio.to_thread(harness.close)
        if owned:
            await asyncio.to_thread(twin.stop_thread)


def current_harness() -> PusherHarness | None:
    return _current.get()


__all__ = [
    "PusherHarness",
    "async_mock_pusher_context",
    "current_harness",
    "mock_pusher_context",
]
