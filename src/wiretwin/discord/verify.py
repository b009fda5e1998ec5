"""dpytest's ``verify()`` against what the bot really sent the Discord twin.

``assert twin.verify().message().content("pong")`` takes the oldest message the bot sent
(see :meth:`~wiretwin.discord.backend.Backend.get_message_queue`) and checks it; the chain
is evaluated when it is used as a bool, so it must be ``assert``-ed. ``content(None)``,
``embed(None)`` and ``attachment(None)`` mean "has none"; ``contains()`` makes content a
substring check, an embed a subset check and an attachment "one of them"; ``peek()``
leaves the message in the queue; ``nothing()`` checks the queue is empty.

A failing check reads as what was expected and what the bot actually sent, every queued
message listed, in pytest's assertion report (on one line there: `` | `` between what
``.failure`` puts on lines of their own).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from .evaluated import Evaluated, as_embed, normal, subset
from .model import Message
from .verify_interaction import VerifyInteraction

if TYPE_CHECKING:
    from .backend import Backend
    from .interactions import Interaction

_UNSET: Any = object()


def _file_bytes(value: Any) -> tuple[str | None, bytes]:
    if isinstance(value, bytes):
        return None, value
    if isinstance(value, str | os.PathLike):
        path = Path(value)
        return path.name, path.read_bytes()
    raise TypeError(f"expected an attachment (a path or bytes), got {value!r}")


def describe(message: Message, backend: Backend | None = None) -> str:
    """One message the way a failure report shows it."""
    where = f"channel {message.channel_id}"
    if backend is not None:
        channel = backend.model.channels.get(message.channel_id)
        if channel is not None and channel.name:
            where = f"#{channel.name}"
    parts = [f"{where}: {message.content!r}"]
    for embed in message.embeds:
        shown = {k: embed[k] for k in ("title", "description") if embed.get(k)}
        fields = embed.get("fields") or []
        if fields:
            shown["fields"] = [f"{f.get('name')}={f.get('value')}" for f in fields]
        parts.append(f"embed {shown or embed}")
    for attachment in message.attachments:
        parts.append(f"attachment {attachment.filename} ({attachment.size} bytes)")
    if message.edited_ms is not None:
        parts.append("(edited)")
    return "  ".join(parts)


class VerifyMessage(Evaluated):
    """Checks on the next message the bot sent; evaluated (once) by ``bool()``."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._content: Any = _UNSET
        self._embed: Any = _UNSET
        self._attachment: Any = _UNSET
        self._contains = False
        self._peek = False
        self._nothing = False

    # -- the chain ------------------------------------------------------------------------

    def content(self, text: str | None) -> Self:
        self._content = text
        return self

    def contains(self) -> Self:
        self._contains = True
        return self

    def embed(self, embed: Any) -> Self:
        """A ``discord.Embed`` or its dict (None: no embeds)."""
        self._embed = None if embed is None else as_embed(embed)
        return self

    def attachment(self, attachment: str | os.PathLike[str] | bytes | None) -> Self:
        """A file (compared by bytes) or bytes (None: no attachments)."""
        self._attachment = None if attachment is None else _file_bytes(attachment)
        return self

    def peek(self) -> Self:
        self._peek = True
        return self

    def nothing(self) -> Self:
        self._nothing = True
        return self

    # -- evaluation -----------------------------------------------------------------------

    def _label(self) -> str:
        return f"VerifyMessage {self._wanted()}"

    def _wanted(self) -> str:
        if self._nothing:
            return "nothing sent"
        wanted = []
        if self._content is not _UNSET:
            wanted.append(("content containing " if self._contains else "content ")
                          + repr(self._content))
        if self._embed is not _UNSET:
            wanted.append(("an embed containing " if self._contains else "embed ")
                          + repr(normal(self._embed)))
        if self._attachment is not _UNSET:
            wanted.append("no attachments" if self._attachment is None else
                          f"attachment {self._attachment[0] or ''} "
                          f"({len(self._attachment[1])} bytes)")
        return "a message with " + ", ".join(wanted) if wanted else "any message"

    def _queue_report(self, taken: Message | None, queue: list[Message]) -> str:
        if taken is None:
            return "\n".join(f"  {i}. {describe(m, self._backend)}"
                             for i, m in enumerate(queue, 1))
        lines = [f"  checked: {describe(taken, self._backend)}"]
        rest = queue[1:]
        if rest:
            lines.append(f"  still queued ({len(rest)}):")
            lines.extend(f"    {i}. {describe(m, self._backend)}"
                         for i, m in enumerate(rest, 1))
        return "\n".join(lines)

    def _evaluate(self) -> tuple[bool, str]:
        queue = self._backend.get_message_queue()
        if self._nothing:
            if not queue:
                return True, ""
            return False, (f"expected the bot to have sent nothing, but it sent "
                           f"{len(queue)} message(s):\n" + self._queue_report(None, queue))
        taken = self._backend.get_message(self._peek) if queue else None
        if taken is None:
            return False, (f"expected {self._wanted()}, but the bot sent no message "
                           "(the queue is empty)")
        problems = self._problems(taken)
        if not problems:
            return True, ""
        return False, (f"expected {self._wanted()}, but " + "; ".join(problems) + "\n"
                       + self._queue_report(taken, queue))

    def _problems(self, message: Message) -> list[str]:
        problems = []
        if self._content is not _UNSET:
            want = self._content
            have = message.content
            if want is None:
                if have:
                    problems.append(f"its content is {have!r}")
            elif self._contains:
                if want not in have:
                    problems.append(f"its content {have!r} does not contain {want!r}")
            elif have != want:
                problems.append(f"its content is {have!r}")
        if self._embed is not _UNSET:
            embeds = [normal(e) for e in message.embeds]
            if self._embed is None:
                if embeds:
                    problems.append(f"it has {len(embeds)} embed(s)")
            else:
                want_embed = normal(self._embed)
                match = (any(subset(want_embed, e) for e in embeds) if self._contains
                         else want_embed in embeds)
                if not match:
                    problems.append(f"its embeds are {embeds!r}" if embeds
                                    else "it has no embed")
        if self._attachment is not _UNSET:
            files = [(a.filename, a.data) for a in message.attachments]
            if self._attachment is None:
                if files:
                    problems.append(f"it has attachments {[n for n, _ in files]}")
            else:
                _, data = self._attachment
                found = [d for _, d in files if d == data]
                if not found or (not self._contains and len(files) != 1):
                    problems.append(
                        f"its attachments are {[(n, len(d)) for n, d in files]} "
                        f"(names and sizes), none with the expected "
                        f"{len(data)} bytes" if not found else
                        f"it has {len(files)} attachments (use contains() for one of many)")
        return problems


class Verify:
    """``twin.verify()``: the entry to the checks (``.message()``)."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def message(self) -> VerifyMessage:
        return VerifyMessage(self._backend)

    def interaction(self, interaction: Interaction | None = None) -> VerifyInteraction:
        """Checks on how the bot answered ``interaction`` (by default, the latest)."""
        return VerifyInteraction(self._backend, interaction)


__all__ = ["Evaluated", "Verify", "VerifyMessage", "describe"]
