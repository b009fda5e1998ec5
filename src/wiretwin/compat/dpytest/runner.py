"""dpytest's ``runner`` module: everything a suite calls at ``dpytest.<name>``, in one
place (the session, the users' actions, the checks, the queues), plus dpytest's
``require_config`` decorator and its ``counter``."""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from . import backend as back
from . import callbacks as callbacks
from .acting import (
    add_reaction,
    add_role,
    finish_on_command_error,
    member_join,
    message,
    remove_reaction,
    remove_role,
    run_all_events,
    set_permission_overrides,
)
from .callbacks import CallbackEvent
from .checks import empty_queue, get_embed, get_message
from .queues import configured, error_queue, sent_queue
from .session import RunnerConfig, cleanup, configure, get_config, ready
from .utils import PeekableQueue

#: dpytest's logger: the layer's own, ``wiretwin.compat.dpytest`` (dpytest's was
#: ``discord.ext.tests``), the same object as ``backend.log`` and ``callbacks.log``.
log = logging.getLogger("wiretwin.compat.dpytest")

P = ParamSpec("P")
T = TypeVar("T")

#: dpytest numbered the attachments of ``message()`` with this; the twin gives them
#: snowflakes, so here it is only a counter a suite may read.
counter = itertools.count(0)


def require_config(func: Callable[P, T]) -> Callable[P, T]:
    """``func``, refusing to run (RuntimeError) before ``configure()``."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        if configured() is None:
            raise RuntimeError(f"Configure runner before calling {func.__name__}")
        return func(*args, **kwargs)

    return wrapper


__all__ = ["CallbackEvent", "PeekableQueue", "RunnerConfig", "add_reaction", "add_role",
           "back", "callbacks", "cleanup", "configure", "counter", "empty_queue",
           "error_queue", "finish_on_command_error", "get_config", "get_embed",
           "get_message", "log", "member_join", "message", "ready", "remove_reaction",
           "remove_role", "require_config", "run_all_events", "sent_queue",
           "set_permission_overrides"]
