"""Pusher's HTTP API (``/apps/{app_id}/...``) as aiohttp handlers: authenticate, parse
(:mod:`.wire`), one model operation, answer.

Every request is authenticated exactly as Pusher does (key, timestamp within 600 s,
``body_md5``, HMAC signature over ``METHOD\\nPATH\\nQUERY``) before anything else is
looked at. Errors are plain-text bodies with Pusher's statuses (400, 401, 403, 404, 413),
which is what pusher-http-python turns into its typed exceptions. A batch is checked whole
before any of it is published: either every event goes out or none does.

In a cluster (scale-out over Redis), the channel queries and a publish's ``info`` answer
with the cluster's numbers, read from Redis (:class:`Census`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from ..runtime.clock import Clock
from .apps import App
from .auth import verify_request
from .errors import ApiError, RequestAuthError, shown
from .limits import PublishRequest
from .model import ChannelCount, PusherModel
from .recorder import PusherRecorder, TriggeredEvent
from .wire import api_dumps, attribute_list, json_object, publish_request


def _error(status: int, message: str) -> web.Response:
    """Pusher's error answer: the status and one line of plain text (made encodable here,
    whatever client text it quotes)."""
    return web.Response(status=status, text=shown(message, 8192) + "\n",
                        content_type="text/plain")


def _json(body: Any) -> web.Response:
    return web.json_response(body, dumps=api_dumps)


class Census(Protocol):
    """Where a cluster's channel numbers come from."""

    @property
    def active(self) -> bool: ...

    async def counts(self, app: App, channels: list[str] | None = None
                     ) -> dict[str, ChannelCount]: ...

    async def users(self, app: App, channel: str) -> list[str]: ...


class PusherHttpApi:
    def __init__(self, model: PusherModel, recorder: PusherRecorder, clock: Clock,
                 census: Census | None = None) -> None:
        self.model = model
        self.recorder = recorder
        self.clock = clock
        self.census = census

    async def _counts(self, app: App, channels: list[str] | None = None
                      ) -> dict[str, ChannelCount] | None:
        """The cluster's numbers, or None (this process's, read by the model)."""
        if self.census is None or not self.census.active:
            return None
        return await self.census.counts(app, channels)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/apps/{app_id}/events", self._guard(self.events)),
            web.post("/apps/{app_id}/batch_events", self._guard(self.batch_events)),
            web.get("/apps/{app_id}/channels", self._guard(self.channels)),
            web.get("/apps/{app_id}/channels/{channel}", self._guard(self.channel)),
            web.get("/apps/{app_id}/channels/{channel}/users", self._guard(self.users)),
            web.post("/apps/{app_id}/users/{user_id}/terminate_connections",
                     self._guard(self.terminate)),
            # pusher-http-python 3.3.x posts here, without the /apps/{id} prefix.
            web.post("/users/{user_id}/terminate_connections", self._guard(self.terminate)),
        ]

    Handler = Callable[[App, web.Request, bytes], Any]

    def _guard(self, handler: Handler) -> Callable[[web.Request], Any]:
        """Authenticate, then run ``handler``; turn rule violations into Pusher errors."""

        async def endpoint(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            try:
                app = self._authenticate(request, body)
                if not app.enabled:
                    return _error(403, f"Application {app.id} is disabled")
                result = handler(app, request, body)
                if inspect.isawaitable(result):
                    result = await result
                assert isinstance(result, web.StreamResponse)
                return result
            except RequestAuthError as exc:
                return _error(exc.status, exc.message)
            except ApiError as exc:
                return _error(exc.status, exc.message)

        return endpoint

    def _authenticate(self, request: web.Request, body: bytes) -> App:
        params = {k: v for k, v in request.query.items()}
        app_id = request.match_info.get("app_id")
        if app_id is not None:
            app = self.model.app_by_id(app_id)
            if app is None:
                raise ApiError(404, f"Unknown app id: {shown(app_id, 64)}")
        else:
            found = self.model.app_by_key(params.get("auth_key", ""))
            if found is None:
                raise RequestAuthError(401, "Unknown auth_key")
            app = found
        verify_request(
            key=app.key, secret=app.secret, method=request.method, path=request.path,
            params=params, body=body, now=self.clock.time(),
        )
        return app

    # -- endpoints ------------------------------------------------------------------

    async def events(self, app: App, request: web.Request, body: bytes) -> web.Response:
        publish = publish_request(json_object(body), batch=False)
        self.model.check_publish(app, publish)
        counts = await self._counts(app, publish.channels) if publish.info else None
        info = self.model.publish(app, publish, counts=counts)
        self._record(app, publish, "events")
        return _json({"channels": info} if publish.info else {})

    async def batch_events(self, app: App, request: web.Request, body: bytes
                           ) -> web.Response:
        batch = json_object(body).get("batch")
        if not isinstance(batch, list):
            raise ApiError(400, "Missing batch: an array of events is required")
        if len(batch) > app.max_batch_events:
            raise ApiError(400, f"Batch too large ({len(batch)} > {app.max_batch_events})")
        requests: list[PublishRequest] = []
        for index, item in enumerate(batch):
            if not isinstance(item, dict):
                raise ApiError(400, f"batch[{index}] must be an object")
            # Pusher answers a bad batch item with the single-event text, no index
            # (e.g. "Missing required parameter: channel").
            publish = publish_request(item, batch=True)
            self.model.check_publish(app, publish)
            requests.append(publish)
        wanted = sorted({p.channels[0] for p in requests if p.info})
        counts = await self._counts(app, wanted) if wanted else None
        results = []
        for publish in requests:
            info = self.model.publish(app, publish, counts=counts)
            self._record(app, publish, "batch_events")
            results.append(info.get(publish.channels[0], {}) if publish.info else {})
        if any(p.info for p in requests):
            return _json({"batch": results})
        return _json({})

    def _record(self, app: App, publish: PublishRequest, source: str) -> None:
        self.recorder.triggered.append(TriggeredEvent(
            app.id, publish.name, tuple(publish.channels), publish.data, publish.socket_id,
            source,
        ))

    async def channels(self, app: App, request: web.Request, body: bytes) -> web.Response:
        prefix = request.query.get("filter_by_prefix", "")
        attrs = attribute_list(request.query.get("info"))
        self.model.channels(app, prefix, attrs, {})  # bad attributes: refused first
        counts = await self._counts(app)
        return _json({"channels": self.model.channels(app, prefix, attrs, counts)})

    async def channel(self, app: App, request: web.Request, body: bytes) -> web.Response:
        name = request.match_info["channel"]
        attrs = attribute_list(request.query.get("info"))
        self.model.channel_info(app, name, attrs, {})  # bad name or attributes: refused
        counts = await self._counts(app, [name])
        return _json(self.model.channel_info(app, name, attrs, counts))

    async def users(self, app: App, request: web.Request, body: bytes) -> web.Response:
        name = request.match_info["channel"]
        self.model.check_users(name)
        if self.census is not None and self.census.active:
            ids = await self.census.users(app, name)
        else:
            ids = self.model.users(app, name)
        return _json({"users": [{"id": uid} for uid in ids]})

    def terminate(self, app: App, request: web.Request, body: bytes) -> web.Response:
        self.model.terminate_user_connections(app, request.match_info["user_id"])
        return _json({})


__all__ = ["PusherHttpApi"]
