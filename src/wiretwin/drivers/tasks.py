"""The tasks a client library left running, found by where their code lives; and
coroutines run at once.

Client libraries spawn tasks they never await (event dispatches, reconnect loops, update
handlers); a driver that closes a client waits for them, or ends them, so that nothing
outlives the test's event loop. Waiting on the tasks themselves is event-driven: no
``sleep(0)`` guesses at how many loop turns they need.

:func:`run_now` runs a library's coroutine synchronously as far as it goes without
waiting (Python 3.12's eager tasks, for 3.11 too): much of a client library's "async"
code never waits (parsing a gateway event, building a payload and handing it to a
socket), and a driver that must fill a client's cache before returning to synchronous
code runs it so.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from types import ModuleType
from typing import Any, TypeVar

T = TypeVar("T")


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


def run_now(coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """Run ``coro`` in the calling code until it finishes or first waits: a done future
    (its result, or its exception) if it never waited, else the task that runs the
    rest. Call it from code running in the loop."""
    loop = asyncio.get_running_loop()
    try:
        waiting = coro.send(None)
    except StopIteration as stop:
        done: asyncio.Future[T] = loop.create_future()
        done.set_result(stop.value)
        return done
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        failed: asyncio.Future[T] = loop.create_future()
        failed.set_exception(exc)
        return failed
    return loop.create_task(_rest(coro, waiting))


async def _rest(coro: Coroutine[Any, Any, T], waiting: Any) -> T:
    """Go on with a coroutine :func:`run_now` started, as its task would have."""
    while True:
        try:
            if waiting is None:
                await asyncio.sleep(0)  # a bare yield: one loop turn
            else:
                # A future yielded by ``await`` is marked as blocking its awaiter until a
                # task takes it (and clears the mark, as this does): awaiting it again
                # with the mark set fails with "await wasn't used with future".
                if getattr(waiting, "_asyncio_future_blocking", False):
                    waiting._asyncio_future_blocking = False
                await waiting  # what it waits for (it reads the outcome itself)
        except asyncio.CancelledError as cancelled:
            try:
                waiting = coro.throw(cancelled)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            continue
        except Exception:
            pass  # the coroutine reads the failure from what it awaited
        try:
            waiting = coro.send(None)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


__all__ = ["end_tasks_of", "finish_tasks_of", "run_now", "tasks_of"]
