"""Discord's error answer, and the "Invalid Form Body" (50035) it gives for bad fields.

A leaf module (it imports nothing of the twin's), so the model, the typed readers
(:mod:`.wire.fields`) and the REST layer can all raise the same error without import cycles.
"""

from __future__ import annotations

from typing import Any

#: Where a bad value sits in a request: object keys and list indexes, outermost first
#: (``("embeds", 0, "color")``).
Path = tuple[str | int, ...]


class DiscordError(Exception):
    """Answered with ``status`` and ``{"code", "message"[, "errors"]}``."""

    def __init__(self, status: int, code: int, message: str,
                 errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class Problems:
    """Discord's nested ``errors`` object, built up as a request is read: every bad field
    at its path (``{"embeds": {"0": {"color": {"_errors": [{"code", "message"}]}}}}``).
    Discord lists every problem of a request at once, so readers add here and the
    request is refused once, at :meth:`check`."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return bool(self.tree)

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.tree
        for part in path:
            child = node.setdefault(str(part), {})
            node = child
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def error(self) -> DiscordError:
        return DiscordError(400, 50035, "Invalid Form Body", self.tree)

    def check(self) -> None:
        """Refuse the request (400 50035) if anything was added."""
        if self.tree:
            raise self.error()


def form_error(field: str | Path, code: str, message: str) -> DiscordError:
    """50035 with one problem, at ``field`` (a dotted path or a :data:`Path`)."""
    problems = Problems()
    problems.add(tuple(field.split(".")) if isinstance(field, str) else field, code,
                 message)
    return problems.error()


__all__ = ["DiscordError", "Path", "Problems", "form_error"]
