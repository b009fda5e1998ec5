"""``twin.verify().interaction()``: checks on how the bot answered an interaction.

``assert twin.verify().interaction().content("pong").ephemeral()`` checks the latest
interaction (or the one passed: ``interaction(record)``). The chain is evaluated when it
is used as a bool, so it must be ``assert``-ed; a failure lists every reply the bot made
(callback, followups, edits, deletes) in order.

Checks: ``content(text)`` (``contains()`` makes it a substring check), ``embed(e)``,
``ephemeral(True/False)``, ``deferred(True/False)``, ``component(custom_id)``,
``modal(title=..., custom_id=...)``, ``choices([...])`` (names, values or dicts),
``followups(n)``, ``unanswered()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from .evaluated import Evaluated, as_embed, normal, subset
from .interactions import Interaction
from .interactions.build import custom_ids

if TYPE_CHECKING:
    from .backend import Backend

_UNSET: Any = object()


class VerifyInteraction(Evaluated):
    def __init__(self, backend: Backend, interaction: Interaction | None) -> None:
        self._backend = backend
        self._interaction = interaction
        self._checks: list[tuple[str, Any]] = []
        self._contains = False

    # -- the chain ------------------------------------------------------------------------

    def content(self, text: str | None) -> Self:
        self._checks.append(("content", text))
        return self

    def contains(self) -> Self:
        self._contains = True
        return self

    def embed(self, embed: Any) -> Self:
        self._checks.append(("embed", None if embed is None else as_embed(embed)))
        return self

    def ephemeral(self, expected: bool = True) -> Self:
        self._checks.append(("ephemeral", expected))
        return self

    def deferred(self, expected: bool = True) -> Self:
        self._checks.append(("deferred", expected))
        return self

    def component(self, custom_id: str) -> Self:
        self._checks.append(("component", custom_id))
        return self

    def modal(self, *, title: str | None = None, custom_id: str | None = None) -> Self:
        self._checks.append(("modal", (title, custom_id)))
        return self

    def choices(self, expected: list[Any]) -> Self:
        self._checks.append(("choices", list(expected)))
        return self

    def followups(self, count: int) -> Self:
        self._checks.append(("followups", count))
        return self

    def unanswered(self) -> Self:
        self._checks.append(("unanswered", None))
        return self

    # -- evaluation -----------------------------------------------------------------------

    def _evaluate(self) -> tuple[bool, str]:
        record = self._interaction
        if record is None:
            every = self._backend.interactions()
            if not every:
                return False, "expected an interaction, but none was sent to the bot"
            record = every[-1]
        problems = [p for kind, want in self._checks
                    if (p := self._problem(record, kind, want)) is not None]
        if not problems:
            return True, ""
        return False, "; ".join(problems) + "\n" + record.describe()

    def _problem(self, record: Interaction, kind: str, want: Any) -> str | None:
        if kind == "unanswered":
            return None if record.acknowledged is None else "expected no answer"
        if kind == "content":
            have = record.content
            if want is None:
                return None if not have else f"expected no content, got {have!r}"
            if have is None:
                return f"expected content {want!r}, but there is no response message"
            ok = want in have if self._contains else have == want
            return None if ok else f"expected content {want!r}, got {have!r}"
        if kind == "embed":
            embeds = [normal(e) for e in record.embeds]
            if want is None:
                return None if not embeds else f"expected no embeds, got {embeds!r}"
            wanted = normal(want)
            ok = (any(subset(wanted, e) for e in embeds) if self._contains
                  else wanted in embeds)
            return None if ok else f"expected embed {wanted!r}, got {embeds!r}"
        if kind == "ephemeral":
            return None if record.ephemeral is want else (
                f"expected {'an ephemeral' if want else 'a public'} response")
        if kind == "deferred":
            return None if record.deferred is want else (
                f"expected {'a deferred' if want else 'an immediate'} response")
        if kind == "component":
            present = custom_ids(record.components)
            return None if want in present else (
                f"expected a component {want!r}, the response has {present}")
        if kind == "modal":
            modal = record.modal
            if modal is None:
                return "expected the bot to open a modal"
            title, custom_id = want
            if title is not None and modal.get("title") != title:
                return f"expected a modal titled {title!r}, got {modal.get('title')!r}"
            if custom_id is not None and modal.get("custom_id") != custom_id:
                return f"expected modal {custom_id!r}, got {modal.get('custom_id')!r}"
            return None
        if kind == "choices":
            choices = record.choices
            if choices is None:
                return "expected autocomplete choices, the bot returned none"
            ok = all(w in choices or any(w in (c.get("name"), c.get("value"))
                                         for c in choices)
                     for w in want) and len(want) == len(choices)
            return None if ok else f"expected choices {want!r}, got {choices!r}"
        count = len(record.followups)
        return None if count == want else f"expected {want} followup(s), got {count}"


__all__ = ["VerifyInteraction"]
