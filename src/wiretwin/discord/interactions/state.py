"""What a reader outside the bot sees of interactions (the admin API, the web console):
an interaction's state as JSON, the modals still open for a user, and a channel's
messages as one user sees them, with the ephemeral answers only they were shown."""

from __future__ import annotations

from typing import Any

from ..model import Channel, DiscordModel, Message
from .records import CALLBACKS, EPHEMERAL, MODAL_SUBMIT, Interaction, Interactions, Reply

#: The interaction's ``type`` -> what it is.
KINDS = {2: "application_command", 3: "message_component", 4: "autocomplete",
         5: "modal_submit"}


def modal_open(opened: Interaction, interactions: Interactions) -> bool:
    """The bot answered ``opened`` with a modal, and no submit of it was answered yet (a
    submit the bot failed to answer leaves it open, as in the Discord client)."""
    if opened.modal is None:
        return False
    return not any(r.opened_by is opened and r.acknowledged is not None
                   for r in interactions if r.type == MODAL_SUBMIT)


def open_modals(interactions: Interactions, user_id: int) -> list[Interaction]:
    """The interactions whose modal is open for ``user_id``, oldest first."""
    return [r for r in interactions if r.user_id == user_id and modal_open(r, interactions)]


def find_message(model: DiscordModel, interactions: Interactions,
                 message_id: int) -> Message | None:
    """A message by id: an ephemeral one (kept in its interaction's record) or one in a
    channel."""
    for record in interactions:
        for candidate in [record.message, *record.followups.values()]:
            if candidate is not None and candidate.id == message_id:
                return candidate
    for messages in model.messages.values():
        if message_id in messages:
            return messages[message_id]
    return None


def seen_by(model: DiscordModel, interactions: Interactions, channel: Channel,
            user_id: int) -> list[Message]:
    """``channel``'s messages as ``user_id`` sees them, oldest first: the channel's, and
    the ephemeral answers to that user's interactions there."""
    shown = list(model.messages.get(channel.id, {}).values())
    for record in interactions:
        if record.user_id != user_id or record.channel_id != channel.id:
            continue
        for message in [record.message, *record.followups.values()]:
            if message is not None and message.flags & EPHEMERAL:
                shown.append(message)
    shown.sort(key=lambda m: m.id)
    return shown


def _callback_name(callback_type: int | None) -> str | None:
    return None if callback_type is None else CALLBACKS.get(callback_type)


def interaction_state(model: DiscordModel, interactions: Interactions,
                      record: Interaction) -> dict[str, Any]:
    """An interaction as JSON: what the user sent (``data``), whether and how the bot
    answered (``callback``), the response message and followups as they are now, the
    modal or autocomplete choices it answered with, and every reply in order."""

    def message(found: Message | None) -> dict[str, Any] | None:
        return None if found is None else model.message_json(found)

    def reply(item: Reply) -> dict[str, Any]:
        return {"kind": item.kind, "callback_type": item.callback_type,
                "callback": _callback_name(item.callback_type), "target": item.target,
                "data": item.data, "message": message(item.message)}

    return {
        "id": str(record.id), "type": record.type, "kind": KINDS.get(record.type),
        "name": record.name, "user_id": str(record.user_id),
        "channel_id": str(record.channel_id),
        "guild_id": None if record.guild_id is None else str(record.guild_id),
        "created": record.created, "data": record.payload.get("data"),
        "responded": record.acknowledged is not None,
        "callback_type": record.acknowledged,
        "callback": _callback_name(record.acknowledged),
        "deferred": record.deferred, "ephemeral": record.ephemeral,
        "message": message(record.message),
        "followups": [model.message_json(m) for m in record.followups.values()],
        "modal": record.modal, "modal_open": modal_open(record, interactions),
        "choices": record.choices,
        "replies": [reply(item) for item in record.replies],
        "source_message_id": None if record.source_message is None
        else str(record.source_message.id),
        "opened_by": None if record.opened_by is None else str(record.opened_by.id),
    }


__all__ = ["KINDS", "find_message", "interaction_state", "modal_open", "open_modals",
           "seen_by"]
