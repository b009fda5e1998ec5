"""Drivers for the server SDKs: pusher-http-python (PyPI ``pusher``) in this process,
pusher-http-node (npm ``pusher``) in a Node process (js/server.mjs) and pusher-http-java
(Maven ``com.pusher:pusher-http-java``) in a JVM (java/.../ServerDriver.java); the last
two answer the same commands. Each is given the twin's host and port, the app's
credentials and the encryption master key."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any

import pusher

from tests.e2e.node_driver import NodeDriver
from tests.e2e.pusher.pusher_js import MASTER_KEY

from ..process import start_driver
from .harness import TIMEOUT, PusherCase, close_sdk
from .java_client import JAVA_DIR, java_command
from .js_clients import JS_DIR, _node


class PythonSdk:
    """pusher-http-python: blocking calls, run in a worker thread."""

    def __init__(self, case: PusherCase) -> None:
        self.sdk = pusher.Pusher(**case.twin.settings()["pusher"],
                                 encryption_master_key_base64=MASTER_KEY)

    async def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(getattr(self.sdk, name), *args, **kwargs)

    async def trigger(self, channels: list[str], event: str, data: Any) -> None:
        await self._call("trigger", channels, event, data)

    async def trigger_batch(self, events: list[dict[str, Any]]) -> None:
        await self._call("trigger_batch", events)

    async def authorize_channel(self, socket_id: str, channel: str,
                                member: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = await self._call("authenticate", channel, socket_id, member)
        # pusher-http-python 3.3 gives the shared secret as base64 bytes.
        if isinstance(body.get("shared_secret"), bytes):
            body["shared_secret"] = body["shared_secret"].decode()
        return body

    async def authenticate_user(self, socket_id: str, user: dict[str, Any]
                                ) -> dict[str, Any]:
        body: dict[str, Any] = await self._call("authenticate_user", socket_id, user)
        return body

    async def send_to_user(self, user_id: str, event: str, data: Any) -> None:
        await self._call("send_to_user", user_id, event, data)

    async def channels(self, prefix: str, info: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = await self._call("channels_info", prefix or None, info)
        return body

    async def channel(self, channel: str, info: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = await self._call("channel_info", channel, info)
        return body

    async def users(self, channel: str) -> list[str]:
        body = await self._call("users_info", channel)
        return [str(user["id"]) for user in body["users"]]

    async def close(self) -> None:
        close_sdk(self.sdk)


class ProcessSdk(NodeDriver):
    """A server SDK in a process of its own (js/server.mjs, ServerDriver.java): one
    command per call, answered by id."""

    failure_type = "fatal"
    timeout = TIMEOUT

    def __init__(self, proc: asyncio.subprocess.Process, client: str) -> None:
        super().__init__(proc)
        self.client = client
        self._ids = itertools.count()

    async def _call(self, cmd: str, **args: Any) -> Any:
        call_id = next(self._ids)
        await self.send(cmd, id=call_id, **args)
        line = await self.expect(type="result", id=call_id)
        if "error" in line:
            raise AssertionError(f"{self.client}'s {cmd} failed: {line['error']}")
        return line.get("value")

    async def trigger(self, channels: list[str], event: str, data: Any) -> None:
        await self._call("trigger", channels=channels, event=event, data=data)

    async def trigger_batch(self, events: list[dict[str, Any]]) -> None:
        await self._call("triggerBatch", batch=events)

    async def authorize_channel(self, socket_id: str, channel: str,
                                member: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = await self._call("authorizeChannel", socketId=socket_id,
                                                channel=channel, presenceData=member)
        return body

    async def authenticate_user(self, socket_id: str, user: dict[str, Any]
                                ) -> dict[str, Any]:
        body: dict[str, Any] = await self._call("authenticateUser", socketId=socket_id,
                                                userData=user)
        return body

    async def send_to_user(self, user_id: str, event: str, data: Any) -> None:
        await self._call("sendToUser", userId=user_id, event=event, data=data)

    async def channels(self, prefix: str, info: list[str]) -> dict[str, Any]:
        params: dict[str, str] = {}
        if prefix:
            params["filter_by_prefix"] = prefix
        if info:
            params["info"] = ",".join(info)
        body: dict[str, Any] = await self._call("get", path="/channels", params=params)
        return body

    async def channel(self, channel: str, info: list[str]) -> dict[str, Any]:
        params = {"info": ",".join(info)} if info else {}
        body: dict[str, Any] = await self._call("get", path=f"/channels/{channel}",
                                                params=params)
        return body

    async def users(self, channel: str) -> list[str]:
        body = await self._call("get", path=f"/channels/{channel}/users", params={})
        return [str(user["id"]) for user in body["users"]]


def _config(case: PusherCase) -> str:
    settings = case.twin.settings()["pusher"]
    return json.dumps({"appId": settings["app_id"], "key": settings["key"],
                       "secret": settings["secret"], "host": settings["host"],
                       "port": str(settings["port"]),
                       "encryptionMasterKeyBase64": MASTER_KEY})


async def node_sdk(case: PusherCase) -> ProcessSdk:
    return await _start([_node(), "server.mjs", _config(case)], JS_DIR, "pusher-http-node")


async def java_sdk(case: PusherCase) -> ProcessSdk:
    return await _start([*java_command("wiretwin.matrix.ServerDriver"), _config(case)],
                        JAVA_DIR, "pusher-http-java")


async def _start(argv: list[str], cwd: Path, client: str) -> ProcessSdk:
    return await start_driver(argv, lambda proc: ProcessSdk(proc, client), cwd=cwd)
