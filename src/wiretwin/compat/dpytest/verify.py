"""dpytest's ``verify`` module: ``verify()`` and its checks (see :mod:`.checks`), the
comparisons they use, and master's ``Undef`` marker for "not given" (None meaning
"none")."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Literal, TypeVar

from .checks import Verify, VerifyActivity, VerifyMessage, verify
from .queues import sent_queue
from .session import get_config
from .utils import activity_eq, embed_eq

T = TypeVar("T")


class Undef(enum.Enum):
    """A value that was not given (None is a value: "has none")."""

    undefined = None


undefined: Literal[Undef.undefined] = Undef.undefined


def opt_undef_or(start: str, v: T | Undef | None, f: Callable[[T], str]) -> str:
    """``start=f(v)`` for a value, ``start=Empty`` for None, nothing when not given."""
    if v is undefined:
        return ""
    if v is None:
        return f"{start}=Empty"
    return f"{start}={f(v)}"


__all__ = ["Undef", "Verify", "VerifyActivity", "VerifyMessage", "activity_eq", "embed_eq",
           "get_config", "opt_undef_or", "sent_queue", "undefined", "verify"]
