"""A small Pusher websocket client for tests: a real socket, the real protocol.

It signs private, presence and user auth locally with the app's secret (as Pysher does
when given a secret), so a test needs no auth endpoint, and it keeps every message it
receives in a waitable log. It lives in the caller's event loop, whichever loop or thread
the twin runs in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from ..runtime.waiters import WaitableLog
from .apps import App
from .auth import sign_channel, sign_user
from .channels import channel_type


@dataclass(frozen=True)
class Message:
    """One frame the client received, with ``data`` decoded (double encoding undone)."""

    index: int
    event: str
    channel: str | None
    data: Any
    raw: str
    user_id: str | None = None


class PusherTestClient:
    def __init__(self, url: str, app: App, *, protocol: int = 7) -> None:
        self.url = f"{url}/app/{app.key}?protocol={protocol}&client=wiretwin&version=0.1.0"
        self.app = app
        self.messages: WaitableLog[Message] = WaitableLog(
            lambda m: f"{m.event} {m.channel or ''} {m.raw[:120]}"
        )
        self.socket_id: str | None = None
        self.activity_timeout: int | None = None
        self.user_id: str | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._cursor = 0
        self.close_code: int | None = None
        self.closed = asyncio.Event()

    async def connect(self, *, timeout: float = 5.0) -> None:
        self._session = aiohttp.ClientSession()
        try:
            self._ws = await self._session.ws_connect(
                self.url, timeout=aiohttp.ClientWSTimeout(ws_close=1.0)
            )
        except BaseException:
            await self._session.close()
            raise
        self._reader = asyncio.get_running_loop().create_task(self._read())
        first = (await self.messages.wait_for(lambda m: True, timeout=timeout))[0]
        self._cursor = 1
        if first.event != "pusher:connection_established":
            raise ConnectionError(f"expected pusher:connection_established, got {first.raw}")
        self.socket_id = first.data["socket_id"]
        self.activity_timeout = first.data["activity_timeout"]

    #: Answer the twin's ``pusher:ping`` with ``pusher:pong`` (turn off to test 4201).
    answer_pings = True

    async def _read(self) -> None:
        assert self._ws is not None
        index = 0
        async for msg in self._ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            try:
                parsed = json.loads(msg.data)
            except ValueError:
                parsed = {"event": "", "data": msg.data}
            data = parsed.get("data")
            if isinstance(data, str):
                with contextlib.suppress(ValueError):
                    data = json.loads(data)
            self.messages.append(Message(index, parsed.get("event", ""), parsed.get("channel"),
                                         data, msg.data, parsed.get("user_id")))
            index += 1
            if parsed.get("event") == "pusher:ping" and self.answer_pings:
                await self.send({"event": "pusher:pong", "data": {}})
        self.close_code = self._ws.close_code
        self.closed.set()

    # -- sending ----------------------------------------------------------------------

    async def send(self, message: dict[str, Any] | str) -> None:
        """Send a message (a dict is JSON-encoded; a string goes out as is, malformed or not)."""
        if self._ws is None:
            raise RuntimeError("not connected")
        await self._ws.send_str(message if isinstance(message, str) else json.dumps(message))

    async def subscribe(
        self, channel: str, *, user_id: str | int | None = None, user_info: Any = None,
        channel_data: str | None = None, auth: str | None = None, wait: bool = True,
        timeout: float = 5.0,
    ) -> Message | None:
        """Subscribe (signing as the app's auth endpoint would) and wait for the answer.

        Returns ``pusher_internal:subscription_succeeded``; raises :class:`PusherErrorReply`
        if the twin answered with ``pusher:error``.
        """
        assert self.socket_id is not None
        data: dict[str, Any] = {"channel": channel}
        ctype = channel_type(channel)
        if ctype.presence and channel_data is None:
            member: dict[str, Any] = {"user_id": str(user_id if user_id is not None
                                                     else self.socket_id)}
            if user_info is not None:
                member["user_info"] = user_info
            channel_data = json.dumps(member)
        if channel_data is not None:
            data["channel_data"] = channel_data
        if auth is None and ctype.needs_auth:
            auth = sign_channel(self.app.key, self.app.secret, self.socket_id, channel,
                                channel_data if ctype.presence else None)
        data["auth"] = auth or ""
        mark = len(self.messages)
        await self.send({"event": "pusher:subscribe", "data": data})
        if not wait:
            return None
        return await self._answer(mark, channel, "pusher_internal:subscription_succeeded",
                                  timeout)

    async def _answer(self, mark: int, channel: str | None, success: str,
                      timeout: float) -> Message:
        def done(m: Message) -> bool:
            return m.index >= mark and (
                (m.event == success and (channel is None or m.channel == channel))
                or m.event == "pusher:error"
            )

        reply = (await self.messages.wait_for(done, timeout=timeout))[0]
        if reply.event == "pusher:error":
            raise PusherErrorReply(reply.data)
        return reply

    async def unsubscribe(self, channel: str) -> None:
        await self.send({"event": "pusher:unsubscribe", "data": {"channel": channel}})

    async def trigger(self, channel: str, event: str, data: Any) -> None:
        """Send a client event (``event`` must start with ``client-``)."""
        await self.send({"event": event, "channel": channel, "data": data})

    async def signin(self, user_id: str, *, user_info: Any = None,
                     watchlist: list[str] | None = None, user_data: str | None = None,
                     timeout: float = 5.0) -> Message:
        assert self.socket_id is not None
        if user_data is None:
            body: dict[str, Any] = {"id": user_id}
            if user_info is not None:
                body["user_info"] = user_info
            if watchlist is not None:
                body["watchlist"] = watchlist
            user_data = json.dumps(body)
        auth = sign_user(self.app.key, self.app.secret, self.socket_id, user_data)
        mark = len(self.messages)
        await self.send({"event": "pusher:signin",
                         "data": {"auth": auth, "user_data": user_data}})
        reply = await self._answer(mark, None, "pusher:signin_success", timeout)
        self.user_id = user_id
        return reply

    # -- receiving --------------------------------------------------------------------

    async def receive(self, event: str | None = None, *, channel: str | None = None,
                      timeout: float = 5.0) -> Message:
        """The next message not yet received (matching ``event``/``channel``, if given)."""
        cursor = self._cursor

        def match(m: Message) -> bool:
            return (m.index >= cursor and (event is None or m.event == event)
                    and (channel is None or m.channel == channel))

        message = (await self.messages.wait_for(match, timeout=timeout))[0]
        self._cursor = message.index + 1
        return message

    async def wait_for(self, event: str, *, channel: str | None = None, count: int = 1,
                       timeout: float = 5.0) -> list[Message]:
        """Messages ``event`` (on ``channel``) received at any time, waiting for ``count``."""
        return await self.messages.wait_for(
            lambda m: m.event == event and (channel is None or m.channel == channel),
            count=count, timeout=timeout,
        )

    def received(self, event: str | None = None, *, channel: str | None = None
                 ) -> list[Message]:
        return [m for m in self.messages
                if (event is None or m.event == event)
                and (channel is None or m.channel == channel)]

    async def wait_closed(self, timeout: float = 5.0) -> int | None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        return self.close_code

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> PusherTestClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class PusherErrorReply(Exception):
    """The twin answered with ``pusher:error``."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self.code: int | None = data.get("code") if isinstance(data, dict) else None
        self.message: str = data.get("message", "") if isinstance(data, dict) else str(data)
        super().__init__(f"pusher:error {self.code}: {self.message}")


__all__ = ["Message", "PusherErrorReply", "PusherTestClient"]
