"""What the Discord matrix's Python scenario bots (dpy_bot.py, hikari_bot.py,
interactions_bot.py) share: the JSON lines they print, the errors their library logs as
``error`` lines, and ``{"cmd": "exit"}`` on stdin.

Each bot runs as a script, from whichever venv has its library (harness.py starts it),
so this module is found beside it (the script's folder comes first on ``sys.path``) and
needs nothing outside the standard library.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any


def out(**line: Any) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


class Errors(logging.Handler):
    """What the library logs at ERROR (the unhandled exceptions of its handlers and
    tasks), printed as ``error`` lines; messages matching ``ignore`` are not failures of
    the bot's and are left out."""

    def __init__(self, ignore: re.Pattern[str] | None = None) -> None:
        super().__init__(logging.ERROR)
        self.ignore = ignore

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if self.ignore is not None and self.ignore.match(text):
            return
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + "".join(traceback.format_exception(record.exc_info[1]))
        out(type="error", where=record.name, message=text)


def stop_on_exit(stop: Callable[[], object]) -> None:
    """Call ``stop`` in the running event loop once stdin says ``{"cmd": "exit"}`` (or
    closes); stdin is read by a thread of its own."""
    loop = asyncio.get_running_loop()

    def read() -> None:
        for raw in sys.stdin:
            if json.loads(raw).get("cmd") == "exit":
                break
        loop.call_soon_threadsafe(stop)

    threading.Thread(target=read, daemon=True).start()
