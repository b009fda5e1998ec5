"""The harness's client: a real websocket client of a Pusher twin, with the synchronous API
the Pusher testing guide's ``pusher.client`` mock had (``connect``, ``add_channel``,
``triggered_events``...).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from ...pusher.apps import App
from ...pusher.client import Message, PusherTestClient
from ...pusher.recorder import TriggeredEvent
from ...pusher.twin import PusherTwin

T = TypeVar("T")


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


__all__ = ["HarnessClient"]
