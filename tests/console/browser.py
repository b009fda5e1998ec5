"""The Python side of ``driver.mjs``: headless Chromium, driven by playwright-core in a
Node process, one JSON command a line. Every wait has a timeout; nothing sleeps."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.chromium import node_for_chromium

HERE = Path(__file__).parent
#: Seconds any one browser command may take (a wait's own timeout is shorter).
COMMAND_TIMEOUT = 60.0
#: Milliseconds a wait in the page may take.
WAIT_MS = 20_000
SCREENSHOTS = HERE.parent.parent / "build" / "screenshots"


class BrowserError(AssertionError):
    pass


class Browser:
    """One Chromium, its pages numbered from 0."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self._proc = proc
        self._next = 0
        self._lock = asyncio.Lock()

    @classmethod
    async def launch(cls) -> Browser:
        node = node_for_chromium(HERE, "the console's browser tests need")
        proc = await asyncio.create_subprocess_exec(
            node, str(HERE / "driver.mjs"), cwd=HERE, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024)
        browser = cls(proc)
        ready = await browser._read()
        if not ready.get("ready"):
            raise BrowserError(f"driver.mjs did not start: {ready}")
        return browser

    async def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        raw = await asyncio.wait_for(self._proc.stdout.readline(), COMMAND_TIMEOUT)
        if not raw:
            assert self._proc.stderr is not None
            err = await self._proc.stderr.read()
            await self._proc.wait()
            raise BrowserError(f"driver.mjs exited ({self._proc.returncode}):\n{err.decode()}")
        answer: dict[str, Any] = json.loads(raw)
        return answer

    async def call(self, op: str, **args: Any) -> Any:
        async with self._lock:
            self._next += 1
            ident = self._next
            assert self._proc.stdin is not None
            self._proc.stdin.write((json.dumps({"id": ident, "op": op, **args}) + "\n").encode())
            await self._proc.stdin.drain()
            answer = await self._read()
        assert answer.get("id") == ident, answer
        if "error" in answer:
            raise BrowserError(f"{op} {args}: {answer['error']}")
        return answer.get("value")

    async def close(self) -> None:
        if self._proc.returncode is None:
            assert self._proc.stdin is not None
            self._proc.stdin.write(b'{"op": "exit"}\n')
            await self._proc.stdin.drain()
            try:
                await asyncio.wait_for(self._proc.wait(), COMMAND_TIMEOUT)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()

    # -- conveniences -----------------------------------------------------------------

    async def open(self, url: str) -> Page:
        return Page(self, await self.call("open", url=url))


class Page:
    def __init__(self, browser: Browser, ident: int) -> None:
        self.browser = browser
        self.id = ident

    async def call(self, op: str, **args: Any) -> Any:
        return await self.browser.call(op, page=self.id, **args)

    async def goto(self, url: str) -> str:
        return str(await self.call("goto", url=url))

    async def click(self, selector: str, text: str | None = None) -> None:
        await self.call("click", selector=selector, timeout=WAIT_MS,
                        **({"text": text} if text is not None else {}))

    async def fill(self, selector: str, value: str) -> None:
        await self.call("fill", selector=selector, value=value, timeout=WAIT_MS)

    async def select(self, selector: str, value: str) -> None:
        await self.call("select", selector=selector, value=value, timeout=WAIT_MS)

    async def wait(self, selector: str, text: str | None = None, state: str = "visible") -> None:
        await self.call("wait", selector=selector, state=state, timeout=WAIT_MS,
                        **({"text": text} if text is not None else {}))

    async def text(self, selector: str) -> str:
        return str(await self.call("text", selector=selector, timeout=WAIT_MS))

    async def count(self, selector: str) -> int:
        return int(await self.call("count", selector=selector))

    async def until(self, expression: str, arg: Any = None) -> Any:
        """Wait until ``expression`` (a JS function of ``arg``) returns something truthy."""
        return await self.call("waitFunction", expression=expression, arg=arg, timeout=WAIT_MS)

    async def evaluate(self, expression: str, arg: Any = None) -> Any:
        return await self.call("evaluate", expression=expression, arg=arg)

    async def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"console-{name}.png"
        await self.call("screenshot", path=str(path))
        return path

    async def tab(self, name: str) -> None:
        """Open a tab of the console and wait until it has mounted."""
        await self.click(f'[data-test="tab-button-{name}"]')
        await self.wait(f'[data-test="tab-{name}"][data-ready="true"]')


async def page_errors(browser: Browser) -> list[str]:
    """Errors the pages logged or threw so far (and forget them)."""
    return list(await browser.call("errors"))


async def assert_no_page_errors(browser: Browser) -> None:
    """No script of any page threw or logged an error (call it while the twins still run:
    once they stop, pages that reconnect log refusals)."""
    errors = await page_errors(browser)
    assert errors == [], "the pages logged errors:\n" + "\n".join(errors)


__all__ = ["SCREENSHOTS", "Browser", "BrowserError", "Page", "assert_no_page_errors",
           "page_errors"]
