"""What every ``twin.verify()`` check chain shares: the lazy :class:`Evaluated` result and
how expected embeds are compared (normalised the way Discord keeps them, or as a subset).

Below :mod:`.verify` and :mod:`.verify_interaction`, so the two import it, not each other.
"""

from __future__ import annotations

from typing import Any

from .coerce import embed_dict


def as_embed(value: Any) -> dict[str, Any]:
    """An expected embed (``discord.Embed`` or a dict) as the dict Discord keeps."""
    data = embed_dict(value)
    if data is None:
        raise TypeError(f"expected an embed (discord.Embed or a dict), got {value!r}")
    return data


def normal(value: Any) -> Any:
    """Embeds compared as Discord keeps them: no empty fields, ``type`` rich by default."""
    if isinstance(value, dict):
        out = {k: normal(v) for k, v in value.items()
               if v is not None and v != [] and v != {}}
        if out.get("type") == "rich":
            del out["type"]
        if out.get("flags") == 0:
            del out["flags"]
        return out
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def subset(small: Any, big: Any) -> bool:
    """Whether every key and list item of ``small`` is in ``big`` (``contains()``)."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and subset(v, big[k])
                                             for k, v in small.items())
    if isinstance(small, list):
        return isinstance(big, list) and all(any(subset(s, b) for b in big) for s in small)
    return bool(small == big)



class Evaluated:
    """A chain of checks, evaluated once when used as a bool (so it must be asserted)."""

    _result: bool | None = None
    _report = ""

    def _evaluate(self) -> tuple[bool, str]:
        raise NotImplementedError

    def _label(self) -> str:
        return type(self).__name__

    def __bool__(self) -> bool:
        if self._result is None:
            self._result, self._report = self._evaluate()
        return self._result

    @property
    def failure(self) -> str | None:
        """Why the check failed (None if it passed); evaluates it if not done yet."""
        return None if bool(self) else self._report

    def __repr__(self) -> str:
        if self._result is None:
            return f"<{self._label()} (not evaluated)>"
        if self._result:
            return f"<{self._label()}: passed>"
        # One line: pytest escapes the newlines of a repr (``failure`` keeps them).
        shown = " | ".join(line.strip() for line in self._report.splitlines())
        return f"<{type(self).__name__} failed: {shown}>"


__all__ = ["Evaluated", "as_embed", "normal", "subset"]
