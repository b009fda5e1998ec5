"""A poll as a client asks for one (Discord's "poll create request"), read as Discord
reads it, for every way a message arrives (``POST /channels/{id}/messages``, webhook
executions, interaction responses and followups).

Limits, from Discord's Poll resource: the question's ``text`` 1-300 characters (only
text: a question has no emoji); 1-10 answers, each a ``poll_media`` with ``text`` of
1-55 characters and an optional partial emoji (``id`` for a custom one, ``name`` for a
unicode one, "one only needs to send either"); ``duration`` 1-768 hours (32 days),
default 24; ``allow_multiselect`` default false; ``layout_type`` 1 (DEFAULT, the only
layout). discord.py sends ``duration`` as a float (``timedelta.total_seconds() / 3600``,
so ``24.0``), which Discord takes: a whole number reads as its integer. Problems go to
the request's form, refused at once with the rest of it (50035 at ``poll.question.text``,
``poll.answers``, ``poll.answers.N.poll_media.text``, ``poll.duration``...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .fields import REQUIRED, Form

QUESTION_MAX = 300
ANSWER_MAX = 55
MAX_ANSWERS = 10
#: 32 days, in hours.
DURATION_MAX = 768
DURATION_DEFAULT = 24
#: Poll layout types: DEFAULT is the only one.
LAYOUTS = (1,)


@dataclass(frozen=True)
class PollRequest:
    """A poll as asked for: what the model makes the message's poll from."""

    question: str
    #: Each answer's ``poll_media`` as Discord keeps it: ``{"text", "emoji"?}``.
    answers: list[dict[str, Any]] = field(default_factory=list)
    duration_hours: int = DURATION_DEFAULT
    allow_multiselect: bool = False
    layout_type: int = 1


def read_poll(form: Form, key: str = "poll") -> PollRequest | None:
    """``poll`` of ``form``, or None when absent or null; problems go to the form (check
    it before using the request)."""
    poll = form.object(key)
    if poll is None:
        return None
    question = poll.object("question", required=True)
    text = question.string("text", 1, QUESTION_MAX, required=True) if question else None
    answers = []
    for answer in poll.objects("answers", 1, MAX_ANSWERS, required=True) or []:
        media = answer.object("poll_media", required=True)
        if media is None:
            continue
        shown: dict[str, Any] = {"text": media.string("text", 1, ANSWER_MAX, required=True)}
        emoji = _emoji(media)
        if emoji is not None:
            shown["emoji"] = emoji
        answers.append(shown)
    duration = poll.integer("duration", 1, DURATION_MAX, whole_floats=True)
    multiselect = poll.boolean("allow_multiselect")
    layout = poll.choice("layout_type", LAYOUTS)
    return PollRequest(text or "", answers,
                       DURATION_DEFAULT if duration is None else duration,
                       bool(multiselect), layout or 1)


def _emoji(media: Form) -> dict[str, Any] | None:
    """An answer's partial emoji as Discord shows it: ``{"id": "…", "name", "animated"}``
    for a custom emoji, ``{"id": None, "name": "🐶"}`` for a unicode one."""
    emoji = media.object("emoji")
    if emoji is None:
        return None
    emoji_id = emoji.snowflake("id")
    name = emoji.string("name", 1, 32)
    animated = emoji.boolean("animated")
    if emoji_id is None and name is None:
        if emoji.raw("id") is None and emoji.raw("name") is None:
            emoji.add("name", *REQUIRED)
        return None
    if emoji_id is None:
        return {"id": None, "name": name}
    return {"id": str(emoji_id), "name": name, "animated": bool(animated)}


__all__ = ["ANSWER_MAX", "DURATION_DEFAULT", "DURATION_MAX", "LAYOUTS", "MAX_ANSWERS",
           "QUESTION_MAX", "PollRequest", "read_poll"]
