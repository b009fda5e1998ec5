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
(the SDK refuses to sign one) is signed with the same HMAC; the twin would refuse to
subscribe with it, since real socket ids look like ``"1234.5678"``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from typing import Any, TypeVar

from .apps import App
from .client import Message, PusherTestClient
from .recorder import PusherRecorder, TriggeredEvent
from .twin import PusherTwin

#: What Pusher's socket ids look like (the SDK signs no other).
_SOCKET_ID = re.compile(r"\d+\.\d+")

T = TypeVar("T")
_MISSING: Any = object()

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


def _member(entry: dict[str, Any] | str) -> tuple[str, Any]:
    """``{"id", "info"}`` (mock style) or ``{"user_id", "user_info"}`` (Pusher style)."""
    if isinstance(entry, str):
        return entry, None
    user_id = entry.get("user_id", entry.get("id"))
    if user_id is None:
        raise ValueError(f"a presence member needs an id: {entry!r}")
    return str(user_id), entry.get("user_info", entry.get("info"))


class HarnessClient:
    """A real websocket client of the twin, with a synchronous API.

    It lives in the twin's event loop thread, so it can be driven from sync code and from
    async tests alike (each call hands work to that thread and waits for it).
    """

    def __init__(self, twin: PusherTwin, app: App, timeout: float = 5.0) -> None:
        self._twin = twin
        self._app = app
        self._timeout = timeout
        self._conn: PusherTestClient | None = None
        #: channel -> the members passed to add_channel, to resubscribe after reconnect().
        self._channels: dict[str, list[dict[str, Any] | str] | None] = {}

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._twin.loop).result(
            self._timeout + 1
        )

    # -- connection -------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed.is_set()

    @property
    def socket_id(self) -> str | None:
        return self._conn.socket_id if self.connected and self._conn else None

    @property
    def connection(self) -> PusherTestClient:
        if self._conn is None:
            raise RuntimeError("not connected: call connect() first")
        return self._conn

    def connect(self) -> None:
        if self.connected:
            return

        async def open_() -> PusherTestClient:
            client = PusherTestClient(self._twin.ws_url(), self._app)
            await client.connect(timeout=self._timeout)
            return client

        self._conn = self._run(open_())

    def disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._run(conn.close())

    def reconnect(self) -> None:
        """Disconnect, connect again (a new socket id) and resubscribe every channel."""
        self.disconnect()
        self.connect()
        for name, members in self._channels.items():
            self._subscribe(name, members, virtual=False)

    # -- channels ---------------------------------------------------------------------

    def add_channel(self, name: str,
                    members: Sequence[dict[str, Any] | str] | None = None) -> None:
        """Subscribe this client to ``name`` (connecting first if needed).

        For a presence channel, ``members`` fills the roster: the client joins as the first
        member and the rest are added without sockets, so ``user_count`` is
        ``len(members)``. Without members the client joins as user ``"test-client"``.
        """
        self.connect()
        self._channels[name] = list(members) if members is not None else None
        self._subscribe(name, self._channels[name], virtual=True)

    def _subscribe(self, name: str, members: list[dict[str, Any] | str] | None, *,
                   virtual: bool) -> None:
        user_id: str | None = None
        user_info: Any = None
        presence = name.startswith("presence-")
        if presence:
            user_id, user_info = _member(members[0]) if members else ("test-client", None)
        conn = self.connection
        self._run(conn.subscribe(name, user_id=user_id, user_info=user_info,
                                 timeout=self._timeout))
        if presence and virtual and members:
            for entry in members[1:]:
                uid, info = _member(entry)
                self._twin.add_member(name, uid, info, app=self._app)

    def remove_channel(self, name: str) -> None:
        self._channels.pop(name, None)
        if self.connected:
            self._run(self.connection.unsubscribe(name))

    @property
    def channels(self) -> list[str]:
        return list(self._channels)

    def trigger(self, channel: str, event: str, data: Any) -> None:
        """Send a client event (``client-`` prefix, private or presence channel)."""
        self._run(self.connection.trigger(channel, event, data))

    # -- what happened ----------------------------------------------------------------

    @property
    def triggered_events(self) -> list[TriggeredEvent]:
        """Every event the twin accepted from the HTTP API (or ``twin.trigger``)."""
        return self._twin.recorder.triggered_events

    @property
    def received_events(self) -> list[Message]:
        """Every channel event this client received (not ``pusher:`` internals)."""
        if self._conn is None:
            return []
        return [m for m in self._conn.messages
                if m.channel is not None and not m.event.startswith("pusher")]

    def wait_for_event(self, event: str, channel: str | None = None,
                       timeout: float | None = None) -> Message:
        conn = self.connection
        return self._run(conn.wait_for(event, channel=channel,
                                       timeout=timeout or self._timeout))[0]

    def clear(self) -> None:
        """Forget what was recorded so far (the twin's recorder and this client's log)."""
        self._twin.recorder.clear()
        if self._conn is not None:
            self._conn.messages.clear()


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
        signed = f"{socket_id}:{channel}" + (f":{channel_data}" if channel_data else "")
        digest = hmac.new(self.app.secret.encode(), signed.encode(),
                          hashlib.sha256).hexdigest()
        out: dict[str, Any] = {"auth": f"{self.app.key}:{digest}"}
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


def _recorder_source(source: PusherHarness | PusherTwin | None) -> PusherRecorder:
    if source is None:
        source = current_harness()
        if source is None:
            raise RuntimeError(
                "no Pusher twin to record: pass one (PusherEventRecorder(twin)) or create the "
                "recorder inside async_mock_pusher_context()"
            )
    return source.recorder


class PusherEventRecorder:
    """Assertions over the events a twin really received.

    The twin records every triggered event itself, so there is nothing to feed in by hand:
    :meth:`record` *checks* that an event went over the wire (and claims it, so recording
    the same event twice needs it triggered twice).
    """

    def __init__(self, source: PusherHarness | PusherTwin | None = None) -> None:
        self._recorder = _recorder_source(source)
        self._claimed: set[int] = set()

    @property
    def events(self) -> list[TriggeredEvent]:
        return self._recorder.triggered_events

    def record(self, channel: str, event: str, data: Any = _MISSING) -> TriggeredEvent:
        for index, seen in enumerate(self._recorder.triggered_events):
            if (index not in self._claimed and channel in seen.channels
                    and seen.name == event and (data is _MISSING or seen.decoded == data)):
                self._claimed.add(index)
                return seen
        return self._recorder.assert_triggered(channel, event, data)  # raises, showing all

    def assert_event_count(self, expected: int, *, channel: str | None = None,
                           name: str | None = None) -> None:
        self._recorder.assert_event_count(expected, channel=channel, name=name)

    def assert_channel_used(self, channel: str) -> None:
        self._recorder.assert_channel_used(channel)

    def events_for_channel(self, channel: str) -> list[TriggeredEvent]:
        return self._recorder.events_for_channel(channel)

    get_events_for_channel = events_for_channel

    async def wait_for(self, channel: str | None = None, event: str | None = None, *,
                       count: int = 1, timeout: float = 5.0) -> list[TriggeredEvent]:
        return await self._recorder.wait_for_event(channel, event, count=count,
                                                   timeout=timeout)

    def clear(self) -> None:
        self._recorder.clear()
        self._claimed.clear()


class _HelperBase:
    def __init__(self, source: PusherHarness | PusherTwin | None = None) -> None:
        if source is None:
            source = current_harness()
        if source is None:
            raise RuntimeError("pass a twin or use inside (async_)mock_pusher_context()")
        self.twin = source.twin if isinstance(source, PusherHarness) else source

    def private_auth(self, socket_id: str, channel: str) -> dict[str, str]:
        """What an auth endpoint answers for a private channel."""
        return {"auth": self.twin.sign_channel(socket_id, channel)}

    def presence_auth(self, socket_id: str, channel: str, user_id: str,
                      user_info: Any = None) -> dict[str, str]:
        """What an auth endpoint answers for a presence channel (``auth``, ``channel_data``)."""
        member: dict[str, Any] = {"user_id": user_id}
        if user_info is not None:
            member["user_info"] = user_info
        channel_data = json.dumps(member)
        return {"auth": self.twin.sign_channel(socket_id, channel, channel_data),
                "channel_data": channel_data}

    def members(self, channel: str) -> dict[str, Any]:
        """The presence roster of ``channel``: user id -> user_info."""
        return self.twin.members(channel)


class PusherTestHelper(_HelperBase):
    """Signatures, rosters and blocking waits over a twin, for synchronous tests."""

    def wait_for_event(self, channel: str | None = None, event: str | None = None, *,
                       count: int = 1, timeout: float = 5.0) -> list[TriggeredEvent]:
        return self.twin.recorder.wait_for_event_sync(channel, event, count=count,
                                                      timeout=timeout)


class PusherAsyncTestHelper(_HelperBase):
    """Signatures, rosters, awaitable waits and test clients, for async tests."""

    async def wait_for_event(self, channel: str | None = None, event: str | None = None, *,
                             count: int = 1, timeout: float = 5.0) -> list[TriggeredEvent]:
        return await self.twin.recorder.wait_for_event(channel, event, count=count,
                                                       timeout=timeout)

    async def connect(self) -> PusherTestClient:
        """A new real websocket client of the twin, in the caller's loop."""
        return await self.twin.connect()


__all__ = [
    "HarnessClient",
    "PusherAsyncTestHelper",
    "PusherEventRecorder",
    "PusherHarness",
    "PusherTestHelper",
    "async_mock_pusher_context",
    "current_harness",
    "mock_pusher_context",
]
