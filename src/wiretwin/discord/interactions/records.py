"""Interactions the twin sent the bot, and everything the bot answered, in order.

Discord's rules for an interaction's life (its API reference, "Receiving and Responding"):

* The first answer (the *callback*) must come within 3 seconds, or the interaction is
  gone: a late callback gets 404 10062 "Unknown interaction".
* Only one callback: a second gets 400 40060 "Interaction has already been acknowledged."
* The token then works for 15 minutes on the webhook routes (``@original``, followups);
  after that, 401 50027 "Invalid Webhook Token". Before any callback, those routes answer
  404 10015 "Unknown Webhook".

Times are the twin's clock, so a :class:`~wiretwin.runtime.clock.VirtualClock` can step
past a deadline without waiting for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...runtime.waiters import WaitableLog
from ..model import Attachment, Message

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
#: Callback type -> what discord.py and the API reference call it.
CALLBACKS = {1: "PONG", 4: "CHANNEL_MESSAGE_WITH_SOURCE",
             5: "DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE", 6: "DEFERRED_UPDATE_MESSAGE",
             7: "UPDATE_MESSAGE", 8: "APPLICATION_COMMAND_AUTOCOMPLETE_RESULT", 9: "MODAL",
             10: "PREMIUM_REQUIRED", 12: "LAUNCH_ACTIVITY"}
DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60.0
EPHEMERAL = 1 << 6
LOADING = 1 << 7


@dataclass
class Reply:
    """One thing the bot did with an interaction."""

    #: ``"callback"``, ``"followup"``, ``"edit"`` or ``"delete"``.
    kind: str
    #: The callback type (``"callback"`` only).
    callback_type: int | None
    #: What the bot sent: the callback's ``data``, or the webhook route's body.
    data: dict[str, Any]
    #: The message it made or changed, as it is now (None for deletes, modals, choices).
    message: Message | None = None
    #: ``"@original"`` or a followup's id (edits and deletes).
    target: str | None = None

    def describe(self) -> str:
        what = self.kind if self.callback_type is None else (
            f"callback {self.callback_type} ({CALLBACKS.get(self.callback_type, '?')})")
        if self.target is not None:
            what += f" of {self.target}"
        if self.message is not None:
            # What the bot sent then (the message itself may have changed since).
            flags = " ephemeral" if self.message.flags & EPHEMERAL else ""
            what += f":{flags} {self.data.get('content', self.message.content)!r}"
            if self.data.get("embeds"):
                what += f" +{len(self.data['embeds'])} embed(s)"
            if self.data.get("components"):
                what += f" +{len(self.data['components'])} component row(s)"
        elif self.callback_type == 9:
            what += f": {self.data.get('title')!r} ({self.data.get('custom_id')})"
        elif self.callback_type == 8:
            what += f": {[c.get('name') for c in self.data.get('choices') or []]}"
        return what


@dataclass(eq=False)
class Interaction:
    """An interaction the twin sent, and its replies (``twin.slash`` returns one)."""

    id: int
    token: str
    type: int
    #: The command's name (with its subcommand path), or the component's custom_id.
    name: str
    user_id: int
    channel_id: int
    guild_id: int | None
    #: When it was sent, on the twin's clock.
    created: float
    #: The INTERACTION_CREATE payload the bot got.
    payload: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)
    #: The callback type of the first answer, once there is one.
    acknowledged: int | None = None
    original: Message | None = None
    original_deleted: bool = False
    followups: dict[int, Message] = field(default_factory=dict)
    #: The message a component sits on (component interactions, and a modal opened
    #: from one).
    source_message: Message | None = None
    #: The interaction the bot answered with this modal (modal submits).
    opened_by: Interaction | None = None

    # -- what a test asks -------------------------------------------------------------

    @property
    def callback(self) -> Reply | None:
        return next((r for r in self.replies if r.kind == "callback"), None)

    @property
    def callback_type(self) -> int | None:
        return self.acknowledged

    @property
    def deferred(self) -> bool:
        return self.acknowledged in (5, 6)

    @property
    def message(self) -> Message | None:
        """The response message as it is now (None if there is none, or it was deleted)."""
        return None if self.original_deleted else self.original

    @property
    def ephemeral(self) -> bool:
        message = self.original
        return message is not None and bool(message.flags & EPHEMERAL)

    @property
    def content(self) -> str | None:
        return self.message.content if self.message is not None else None

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.message.embeds) if self.message is not None else []

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.message.components) if self.message is not None else []

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (callback 9's data), if it did."""
        callback = self.callback
        return callback.data if callback is not None and callback.callback_type == 9 else None

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """The autocomplete choices the bot returned (callback 8), if it did."""
        callback = self.callback
        if callback is None or callback.callback_type != 8:
            return None
        return list(callback.data.get("choices") or [])

    @property
    def messages(self) -> list[Message]:
        """The response and the followups that still exist, oldest first."""
        out = [] if self.message is None else [self.message]
        return out + list(self.followups.values())

    def describe(self) -> str:
        lines = [f"interaction {self.id} ({self.name!r}):"]
        lines += [f"  {i}. {r.describe()}" for i, r in enumerate(self.replies, 1)]
        if not self.replies:
            lines.append("  the bot has not answered it")
        return "\n".join(lines)


class Interactions:
    """Every interaction of one twin, by id and by token."""

    def __init__(self) -> None:
        self.by_id: dict[int, Interaction] = {}
        self.by_token: dict[str, Interaction] = {}
        #: Files users attached to command options, by attachment id (served like
        #: message attachments).
        self.files: dict[int, Attachment] = {}
        #: (interaction id, reply) for every reply, to wait on (bots in other processes).
        self.log: WaitableLog[tuple[int, Reply]] = WaitableLog(
            lambda item: f"{item[0]}: {item[1].describe()}")

    def record(self, interaction: Interaction, reply: Reply) -> None:
        interaction.replies.append(reply)
        self.log.append((interaction.id, reply))

    def add(self, interaction: Interaction) -> None:
        self.by_id[interaction.id] = interaction
        self.by_token[interaction.token] = interaction

    def clear(self) -> None:
        self.by_id.clear()
        self.by_token.clear()
        self.files.clear()
        self.log.clear()

    def __iter__(self) -> Iterator[Interaction]:
        return iter(list(self.by_id.values()))


__all__ = ["CALLBACKS", "DEADLINE", "EPHEMERAL", "LOADING", "TOKEN_LIFETIME", "Interaction",
           "Interactions", "Reply"]
