"""The tasks a client library left running, found by where their code lives.

Client libraries spawn tasks they never await (event dispatches, reconnect loops, update
handlers); a driver that closes a client waits for them, or ends them, so that nothing
outlives the test's event loop. Waiting on the tasks themselves is event-driven: no
``sleep(0)`` guesses at how many loop turns they need.
"""

from __future__ import annotations

import asyncio
import os
from types import ModuleType


def tasks_of(library: ModuleType) -> list[asyncio.Task[object]]:
    """The running loop's unfinished tasks (not the current one) whose coroutine is
    ``library``'s code (a package: anything under its folder)."""
    folder = os.path.dirname(library.__file__ or "") + os.sep
    current = asyncio.current_task()
    found = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if task is not current and not task.done() and code is not None and (
                code.co_filename.startswith(folder)):
            found.append(task)
    return found


async def finish_tasks_of(library: ModuleType, *, timeout: float = 5.0) -> None:
    """Wait until ``library`` has no task left, those its tasks start on their way out
    included (up to ``timeout`` real seconds in all; what is left then keeps running)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (pending := tasks_of(library)) and loop.time() < deadline:
        await asyncio.wait(pending, timeout=deadline - loop.time())


async def end_tasks_of(library: ModuleType) -> None:
    """Cancel ``library``'s tasks and wait until they have ended."""
    orphans = tasks_of(library)
    for task in orphans:
        task.cancel()
    if orphans:
        await asyncio.gather(*orphans, return_exceptions=True)


__all__ = ["end_tasks_of", "finish_tasks_of", "tasks_of"]
