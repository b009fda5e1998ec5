"""The state of a cluster node's link to Redis (:mod:`.cluster`), for users and tests to
see (``twin.cluster.link``, ``GET /_wiretwin/pusher/cluster``) and to wait on.

``up``: the node shares its apps with the cluster. ``down``: Redis went away; the node
serves its own clients alone and tries again now and then. ``stopped``: not started, or
stopped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Literal

LinkState = Literal["up", "down", "stopped"]


class ClusterLink:
    def __init__(self, now: Callable[[], float] = time.time) -> None:
        """``now``: the wall clock (the twin's)."""
        self.now = now
        self.state: LinkState = "stopped"
        #: Wall-clock time of the last change of state.
        self.since = now()
        #: Times the link went down since the node started.
        self.outages = 0
        #: Times the node came back after an outage.
        self.reconnects = 0
        #: Attempts to reach Redis that failed in the current (or last) outage.
        self.failed_attempts = 0
        #: Changes not shared during the current (or last) outage: events published
        #: here, subscriptions, presence changes, sign-ins.
        self.unshared = 0
        #: While down: why the link went down, or why the last attempt failed.
        self.error: str | None = None
        self._waiters: list[tuple[LinkState, asyncio.Future[None]]] = []

    @property
    def up(self) -> bool:
        return self.state == "up"

    def set(self, state: LinkState) -> None:
        if state == self.state:
            return
        if state == "down":
            self.outages += 1
            self.failed_attempts = 0
            self.unshared = 0
        elif state == "up":
            self.error = None
            if self.state == "down":
                self.reconnects += 1
        self.state = state
        self.since = self.now()
        waiting, self._waiters = self._waiters, []
        for wanted, future in waiting:
            if future.done():
                continue
            if wanted == state:
                future.set_result(None)
            else:
                self._waiters.append((wanted, future))

    async def wait(self, state: LinkState = "up", timeout: float = 10.0) -> None:
        """Until the link is ``state`` (at once if it is); TimeoutError after
        ``timeout`` seconds."""
        if self.state == state:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((state, future))
        async with asyncio.timeout(timeout):
            await future

    def to_json(self) -> dict[str, Any]:
        return {"link": self.state, "since": self.since, "outages": self.outages,
                "reconnects": self.reconnects, "failed_attempts": self.failed_attempts,
                "unshared": self.unshared, "error": self.error}


__all__ = ["ClusterLink", "LinkState"]
