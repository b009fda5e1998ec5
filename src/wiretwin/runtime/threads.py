"""Running a twin's event loop in a thread of its own, and calling into it safely.

A twin lives in exactly one event loop, its *home loop*. That is either the caller's loop
(``async with twin``) or a loop in a background thread (``with twin.running_in_thread()``),
which is what synchronous code under test needs: the ``pusher`` SDK's requests backend
blocks its thread until the HTTP answer comes, so the twin must answer from another one.

Control methods may be called from any thread. :func:`call_in_loop` runs a function in
the home loop: directly when already there, otherwise by handing it over and waiting.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """A daemon thread that runs a fresh event loop until :meth:`stop`."""

    def __init__(self, name: str = "wiretwin") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the loop thread is not running")
        return self._loop

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the loop thread is already running")
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        self._ready.wait()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` in the thread's loop and block until it returns."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None
        self._loop = None
        self._ready.clear()


def in_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    """True when the calling thread is the one running ``loop``."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def call_in_loop(
    loop: asyncio.AbstractEventLoop, fn: Callable[..., T], *args: Any, timeout: float = 30.0
) -> T:
    """Call ``fn(*args)`` in ``loop`` and return its result, from any thread."""
    if in_loop_thread(loop):
        return fn(*args)
    if loop.is_closed() or not loop.is_running():
        # Nothing else can touch the state when its loop is not running.
        return fn(*args)
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def invoke() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed back to the calling thread
            future.set_exception(exc)

    loop.call_soon_threadsafe(invoke)
    return future.result(timeout)


async def await_in_loop(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` in ``loop`` from a coroutine running in any loop."""
    if in_loop_thread(loop):
        return await coro
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    result: Awaitable[T] = asyncio.wrap_future(future)
    return await result


__all__ = ["LoopThread", "await_in_loop", "call_in_loop", "in_loop_thread"]
