"""Webhooks: signed POSTs to the app's endpoints, in order, retried on failure.

Each endpoint has its own queue, drained by one task, so an endpoint sees events in the
order they happened. A POST that fails (connection error, timeout, non-2xx) is retried
with exponential backoff (1 s, 2 s, 4 s ... on the twin's clock) until five minutes after
the first attempt, as Pusher does; a retry goes to the back of the queue. Every attempt,
good or bad, is recorded.

``time_ms`` is milliseconds since the epoch, so ``pusher.Pusher.validate_webhook``
accepts what the twin sends (pusher-fake sends seconds, and is rejected).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from ..runtime.clock import Clock, TimerHandle
from .apps import App
from .auth import webhook_signature
from .recorder import PusherRecorder, WebhookAttempt

#: Give up retrying this long after the first attempt.
RETRY_WINDOW = 300.0
FIRST_RETRY_DELAY = 1.0
ATTEMPT_TIMEOUT = 5.0
#: Webhooks waiting for one endpoint (queued or due for a retry) before newer ones are
#: dropped and recorded as not sent: an endpoint that never answers must not grow the
#: twin without end. A bound of the twin's; Pusher does not document one.
MAX_QUEUED = 10_000


@dataclass
class _Job:
    app: App
    url: str
    body: bytes
    payload: dict[str, Any]
    first_attempt: float | None = None
    attempts: int = 0


class WebhookSender:
    def __init__(self, clock: Clock, recorder: PusherRecorder, *,
                 max_queued: int = MAX_QUEUED) -> None:
        self._clock = clock
        self._max_queued = max_queued
        self._recorder = recorder
        self._queues: dict[str, asyncio.Queue[_Job]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._timers: set[TimerHandle] = set()
        self._session: aiohttp.ClientSession | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._pending = 0
        #: Webhooks per endpoint not yet finished with (queued, in flight, or due a retry).
        self._waiting: dict[str, int] = {}

    def send(self, app: App, event: dict[str, Any]) -> None:
        """Queue ``event`` for every webhook URL of ``app`` (call in the home loop)."""
        if not app.webhooks:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a stopped twin sends nothing
        payload = {"time_ms": int(self._clock.time() * 1000), "events": [event]}
        body = json.dumps(payload, separators=(",", ":")).encode()
        for url in app.webhooks:
            self._enqueue(_Job(app, url, body, payload))

    def _enqueue(self, job: _Job) -> None:
        queue = self._queues.get(job.url)
        if queue is None:
            queue = self._queues[job.url] = asyncio.Queue()
            self._workers[job.url] = asyncio.get_running_loop().create_task(
                self._drain(queue), name=f"wiretwin-webhooks {job.url}"
            )
        if job.attempts == 0 and self._waiting.get(job.url, 0) >= self._max_queued:
            self._recorder.webhooks.append(WebhookAttempt(
                job.url, job.payload, 0, error=f"not sent: {self._max_queued} webhooks were "
                "already waiting for this endpoint", size=len(job.body)))
            return
        if job.attempts == 0:
            self._waiting[job.url] = self._waiting.get(job.url, 0) + 1
        self._pending += 1
        self._idle.clear()
        queue.put_nowait(job)

    def _done(self, job: _Job) -> None:
        """``job`` will not be attempted again."""
        left = self._waiting.get(job.url, 1) - 1
        if left > 0:
            self._waiting[job.url] = left
        else:
            self._waiting.pop(job.url, None)

    async def _drain(self, queue: asyncio.Queue[_Job]) -> None:
        while True:
            job = await queue.get()
            try:
                await self._attempt(job)
            finally:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()

    async def _attempt(self, job: _Job) -> None:
        now = self._clock.monotonic()
        if job.first_attempt is None:
            job.first_attempt = now
        job.attempts += 1
        headers = {
            "Content-Type": "application/json",
            "X-Pusher-Key": job.app.key,
            "X-Pusher-Signature": webhook_signature(job.app.secret, job.body),
        }
        record = WebhookAttempt(job.url, job.payload, job.attempts, headers=headers,
                                size=len(job.body))
        try:
            session = self._client()
            async with session.post(job.url, data=job.body, headers=headers) as response:
                await response.read()
                record.status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        retry = False
        if not record.ok:
            delay = FIRST_RETRY_DELAY * 2 ** (job.attempts - 1)
            if now + delay - job.first_attempt <= RETRY_WINDOW:
                self._retry_later(job, delay)
                retry = True
        if not retry:
            self._done(job)
        # Recorded last: whoever sees the attempt also sees its retry scheduled.
        self._recorder.webhooks.append(record)

    def _retry_later(self, job: _Job, delay: float) -> None:
        self._pending += 1
        handle: TimerHandle | None = None

        def fire() -> None:
            if handle is not None:
                self._timers.discard(handle)
            self._pending -= 1
            self._enqueue(job)

        handle = self._clock.call_later(delay, fire)
        self._timers.add(handle)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT)
            )
        return self._session

    async def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no webhook is queued, in flight or waiting for a retry."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def close(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        for task in self._workers.values():
            task.cancel()
        if self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)
        self._workers.clear()
        self._queues.clear()
        self._waiting.clear()
        self._pending = 0
        self._idle = asyncio.Event()  # a restarted twin may run in another loop
        self._idle.set()
        if self._session is not None:
            await self._session.close()
            self._session = None


__all__ = ["WebhookSender"]
