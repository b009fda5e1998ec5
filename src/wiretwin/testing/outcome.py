"""What the bot did in answer to one action: :class:`Outcome`.

Every action of an :class:`~wiretwin.testing.actors.Actor` returns once the bot has
finished reacting, with the dispatches the twin made meanwhile sorted into what a test
asks about: the messages the bot sent (and, for an interaction, its replies), edited and
deleted, the reactions it added, the interaction itself, and the REST calls it made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..discord.interactions import Interaction
from ..discord.model import Message
from ..runtime.journal import Entry

if TYPE_CHECKING:
    from ..discord.twin import DiscordTwin


#: The callback type that answers a component by updating its message.
UPDATE_MESSAGE = 7


class NoReply(AssertionError):
    """The test asked for the bot's message and the bot sent none (or several)."""


@dataclass
class Outcome:
    """The bot's answer to one action (``action`` describes it)."""

    action: str
    #: Messages the bot created, in order (an interaction's replies first), as they are
    #: now in the twin (one deleted before the action ended is only in :attr:`deleted`).
    messages: list[Message] = field(default_factory=list)
    #: Messages the bot edited (their state now).
    edited: list[Message] = field(default_factory=list)
    #: Ids of messages deleted meanwhile.
    deleted: list[int] = field(default_factory=list)
    #: ``(message id, emoji)`` for every reaction the bot added.
    reactions: list[tuple[int, str]] = field(default_factory=list)
    #: The interaction the action sent, for slash commands, clicks, selects, modals.
    interaction: Interaction | None = None
    #: Every dispatch the twin made meanwhile: ``(event name, payload)``.
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: What the action itself created (the user's message), if anything.
    sent: Message | None = None
    _requests: Sequence[Entry] = ()

    @property
    def message(self) -> Message:
        """The one message the bot answered with (its last, if it sent several); for a
        component interaction answered by updating its message (``UPDATE_MESSAGE``, or
        a deferred update then an edit), that message as it is now."""
        if self.messages:
            return self.messages[-1]
        updated = self._updated()
        if updated is None:
            raise NoReply(f"the bot sent no message in answer to {self.action}"
                          + self._summary())
        return updated

    def _updated(self) -> Message | None:
        interaction = self.interaction
        if interaction is None or interaction.source_message is None:
            return None
        source = interaction.source_message
        edited = next((m for m in self.edited if m.id == source.id), None)
        if edited is not None:
            return edited
        # An ephemeral message's update reaches no one but its user: no dispatch.
        return source if interaction.acknowledged == UPDATE_MESSAGE else None

    @property
    def content(self) -> str:
        """The text of :attr:`message`."""
        return self.message.content

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds

    @property
    def ephemeral(self) -> bool:
        """The interaction's reply was ephemeral."""
        return self.interaction is not None and self.interaction.ephemeral

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened in answer, if it did."""
        return self.interaction.modal if self.interaction is not None else None

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete: the choices the bot offered."""
        return self.interaction.choices if self.interaction is not None else None

    @property
    def deferred(self) -> bool:
        return self.interaction is not None and self.interaction.deferred

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """The bot's REST calls meanwhile: ``(method, path, status)``."""
        return [(str(e.detail.get("method")), str(e.detail.get("path")),
                 int(e.detail.get("status") or 0)) for e in self._requests]

    def _summary(self) -> str:
        lines = [f"  {name}" for name, _ in self.events[:20]]
        lines += [f"  {m} {p} -> {s}" for m, p, s in self.requests[:20]]
        if self.interaction is not None:
            lines.append("  " + self.interaction.describe().replace("\n", "\n  "))
        return (":\n" + "\n".join(lines)) if lines else " (it did nothing the twin saw)"


def collect(twin: DiscordTwin, action: str, events: list[tuple[str, dict[str, Any]]],
            requests: Sequence[Entry], interaction: Interaction | None = None,
            sent: Message | None = None) -> Outcome:
    """Sort ``events`` (the dispatches of one action) into an :class:`Outcome`."""
    model = twin.model
    bot = str(model.bot.id)
    outcome = Outcome(action, events=events, interaction=interaction, sent=sent,
                      _requests=requests)
    seen: set[int] = set()
    if interaction is not None:
        for message in interaction.messages:
            outcome.messages.append(message)
            seen.add(message.id)

    def current(data: dict[str, Any]) -> Message | None:
        try:
            channel, message = int(data["channel_id"]), int(data["id"])
        except (KeyError, TypeError, ValueError):
            return None
        return model.messages.get(channel, {}).get(message)

    for name, data in events:
        author = data.get("author", {}).get("id") if isinstance(data.get("author"), dict) \
            else None
        if name == "MESSAGE_CREATE" and author == bot:
            found = current(data)
            if found is not None and found.id not in seen:
                outcome.messages.append(found)
                seen.add(found.id)
        elif name == "MESSAGE_UPDATE" and author == bot:
            found = current(data)
            if found is not None and found not in outcome.edited:
                outcome.edited.append(found)
        elif name == "MESSAGE_DELETE":
            outcome.deleted.append(int(data["id"]))
        elif name == "MESSAGE_REACTION_ADD" and data.get("user_id") == bot:
            emoji = data.get("emoji") or {}
            shown = emoji.get("name") if not emoji.get("id") \
                else f"{emoji.get('name')}:{emoji.get('id')}"
            outcome.reactions.append((int(data["message_id"]), str(shown)))
    return outcome


__all__ = ["NoReply", "Outcome", "collect"]
