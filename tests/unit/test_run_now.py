"""wiretwin.drivers.tasks.run_now: a coroutine run synchronously until it first waits."""

from __future__ import annotations

import asyncio

import pytest

from wiretwin.drivers.tasks import run_now


async def test_run_now_finishes_what_never_waits_and_hands_the_rest_to_a_task() -> None:
    steps: list[str] = []

    async def quick() -> int:
        steps.append("quick")
        return 1

    async def failing() -> None:
        raise ValueError("no")

    async def waits(gate: asyncio.Future[str]) -> str:
        steps.append("before")
        got = await gate
        steps.append("after")
        return got

    done = run_now(quick())
    assert done.done() and done.result() == 1 and steps == ["quick"]
    with pytest.raises(ValueError, match="no"):
        run_now(failing()).result()
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    rest = run_now(waits(gate))
    assert steps == ["quick", "before"] and not rest.done()
    gate.set_result("opened")
    assert await rest == "opened" and steps[-1] == "after"
    blocked = run_now(waits(asyncio.get_running_loop().create_future()))
    blocked.cancel()
    with pytest.raises(asyncio.CancelledError):
        await blocked


async def test_the_rest_waits_for_a_future_resolved_later() -> None:
    loop = asyncio.get_running_loop()

    async def sleeps() -> str:
        gate: asyncio.Future[str] = loop.create_future()
        loop.call_soon(gate.set_result, "woken")  # pending when run_now hands it over
        return await gate

    rest = run_now(sleeps())
    assert not rest.done()
    assert await rest == "woken"
    assert await run_now(asyncio.sleep(0.001, "slept")) == "slept"
