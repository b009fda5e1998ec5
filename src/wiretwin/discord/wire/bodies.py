"""A message as a client sends it, read as Discord reads it: content, embeds, allowed
mentions, the message replied to, attachment descriptions (and a voice message's
recording metadata), nonce, flags, a poll (:mod:`.polls`).

One reader for every way a message arrives (``POST /channels/{id}/messages``, edits,
webhook executions, interaction responses and followups, a forum post's first message),
so each is refused with the same 50035 tree at the same paths. What a message may *be*
(2000 characters, 10 embeds, not empty, components laid out right) is the model's and
the routes' business; this module only makes sure every field has the type and shape
Discord's schema gives it, so nothing further in has to wonder.

Limits (Discord's "Embed Limits" and "Create Message" reference): titles 256, descriptions
4096, 25 fields (names 256, values 1024), footer text 2048, author names 256, URLs 2048,
all embeds' text 6000 together; colours 0-0xFFFFFF; ``allowed_mentions`` ``users`` and
``roles`` up to 100 ids each; nonces up to 25 characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .fields import INT_MAX, INT_MIN, Form, choices_text
from .polls import PollRequest, read_poll

MENTION_TYPES = ("everyone", "roles", "users")
EMBED_TOTAL = 6000
_URL = 2048


@dataclass
class MessageBody:
    """The message fields a request gave (None: not given, or null)."""

    form: Form
    content: str | None = None
    embeds: list[dict[str, Any]] | None = None
    allowed_mentions: dict[str, Any] | None = None
    reference: dict[str, Any] | None = None
    components: list[Any] | None = None
    attachments: list[dict[str, Any]] | None = None
    flags: int | None = None
    nonce: str | int | None = None
    tts: bool | None = None
    poll: PollRequest | None = None

    def given(self, key: str) -> bool:
        """Whether the request named ``key`` (an edit tells absent from null so)."""
        return self.form.has(key)

    def changes(self, *keys: str) -> dict[str, Any]:
        """The named fields the request gave (null included), typed: what an edit asks."""
        typed = {"content": self.content, "embeds": self.embeds,
                 "components": self.components, "attachments": self.attachments,
                 "flags": self.flags, "allowed_mentions": self.allowed_mentions}
        return {k: typed[k] for k in keys if self.form.has(k)}


def read_message(form: Form, *, legacy_embed: bool = False) -> MessageBody:
    """Every message field of ``form``; problems go to the form (check it after).

    ``legacy_embed``: a single ``embed`` object is taken as ``embeds: [embed]`` (the
    v6-era field that ``POST /channels/{id}/messages`` still reads)."""
    body = MessageBody(form)
    body.content = form.string("content")
    body.embeds = read_embeds(form)
    if legacy_embed and body.embeds is None and form.raw("embed") is not None:
        one = form.object("embed")
        if one is not None:
            _embed(one)
            body.embeds = [one.cleaned()]
    body.allowed_mentions = read_allowed_mentions(form)
    body.reference = read_reference(form)
    body.components = form.array("components")
    body.attachments = read_attachments(form)
    body.flags = form.integer("flags", 0, INT_MAX)
    body.nonce = read_nonce(form)
    body.tts = form.boolean("tts")
    body.poll = read_poll(form)
    return body


# -- embeds -------------------------------------------------------------------------------


def read_embeds(form: Form, key: str = "embeds") -> list[dict[str, Any]] | None:
    """``embeds``, each checked against Discord's embed limits, as Discord keeps them
    (numbers in text fields become text); None when absent or null."""
    embeds = form.objects(key)
    if embeds is None:
        return None
    total = sum(_embed(embed) for embed in embeds)
    if total > EMBED_TOTAL:
        form.add(key, "MAX_EMBED_SIZE_EXCEEDED",
                 f"Embed size exceeds maximum size of {EMBED_TOTAL}")
    return [embed.cleaned() for embed in embeds]


def _embed(embed: Form) -> int:
    """Check one embed; the characters it counts towards the 6000."""
    size = len(embed.string("title", 0, 256) or "")
    size += len(embed.string("description", 0, 4096) or "")
    embed.string("type", 0, 32)
    embed.string("url", 0, _URL)
    embed.timestamp_ms("timestamp")
    embed.color("color")
    footer = embed.object("footer")
    if footer is not None:
        size += len(footer.string("text", 0, 2048, required=True) or "")
        footer.string("icon_url", 0, _URL)
    for key in ("image", "thumbnail"):
        media = embed.object(key)
        if media is not None:
            media.string("url", 0, _URL, required=True)
    for key in ("video", "provider"):
        other = embed.object(key)
        if other is not None:
            other.string("url", 0, _URL)
            other.string("name", 0, 256)
    author = embed.object("author")
    if author is not None:
        size += len(author.string("name", 0, 256, required=True) or "")
        author.string("url", 0, _URL)
        author.string("icon_url", 0, _URL)
    for field in embed.objects("fields", 0, 25) or []:
        for key, high in (("name", 256), ("value", 1024)):
            text = field.string(key, 0, high, required=True)
            if text == "":  # Discord takes an empty name or value for a missing one
                field.add(key, "BASE_TYPE_REQUIRED", "This field is required")
            size += len(text or "")
        field.boolean("inline")
    return size


# -- mentions, replies, attachments, nonce ----------------------------------------------------


def read_allowed_mentions(form: Form) -> dict[str, Any] | None:
    """``allowed_mentions`` as the model reads it: ``parse`` (kinds), ``users`` and
    ``roles`` (ids as strings), ``replied_user``; only the keys given."""
    mentions = form.object("allowed_mentions")
    if mentions is None:
        return None
    out: dict[str, Any] = {}
    parse = mentions.array("parse", set_type=True)
    if parse is not None:
        kinds = []
        for index, kind in enumerate(parse):
            if kind in MENTION_TYPES and isinstance(kind, str):
                kinds.append(kind)
            else:
                mentions.add(("parse", index), "BASE_TYPE_CHOICES",
                             f"Value must be one of {choices_text(MENTION_TYPES)}.")
        out["parse"] = kinds
    for key in ("users", "roles"):
        ids = mentions.snowflakes(key, 0, 100, set_type=True)
        if ids is not None:
            out[key] = [str(i) for i in ids]
    replied = mentions.boolean("replied_user")
    if replied is not None:
        out["replied_user"] = replied
    return out


def read_reference(form: Form, key: str = "message_reference") -> dict[str, Any] | None:
    """``message_reference`` typed: ``type`` (0 reply, 1 forward), ``message_id``,
    ``channel_id``/``guild_id`` (None when not given), ``fail_if_not_exists``."""
    ref = form.object(key)
    if ref is None:
        return None
    kind = ref.choice("type", (0, 1))
    fail = ref.boolean("fail_if_not_exists")
    return {"type": kind or 0, "message_id": ref.snowflake("message_id", required=True),
            "channel_id": ref.snowflake("channel_id"), "guild_id": ref.snowflake("guild_id"),
            "fail_if_not_exists": True if fail is None else fail}


def read_attachments(form: Form) -> list[dict[str, Any]] | None:
    """``attachments``: which files a message keeps or describes, ``[{"id": int,
    "filename"?, "description"?, "duration_secs"?, "waveform"?}]``; ``id`` is an
    attachment's id, or the ``n`` of the ``files[n]`` it describes; ``duration_secs``
    (a number of seconds) and ``waveform`` (base64 text) describe a voice message's
    recording."""
    items = form.objects("attachments")
    if items is None:
        return None
    out = []
    for item in items:
        described: dict[str, Any] = {"id": item.snowflake("id", required=True)}
        filename = item.string("filename", 1, 1024)
        if filename is not None:
            described["filename"] = filename
        description = item.string("description", 0, 1024)
        if description is not None:
            described["description"] = description
        duration = item.number("duration_secs", 0)
        if duration is not None:
            described["duration_secs"] = duration
        waveform = item.string("waveform")
        if waveform is not None:
            described["waveform"] = waveform
        out.append(described)
    return out


def read_nonce(form: Form) -> str | int | None:
    """``nonce``: a string of up to 25 characters or a 64-bit integer."""
    value = form.raw("nonce")
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) > 25:
            form.add("nonce", "NONCE_TYPE_TOO_LONG", "Must be 25 or fewer characters long.")
            return None
        return value
    if isinstance(value, int) and not isinstance(value, bool) and INT_MIN <= value <= INT_MAX:
        return value
    form.add("nonce", "NONCE_TYPE_INVALID_TYPE", "This field must be a string or integer.")
    return None


__all__ = ["EMBED_TOTAL", "MENTION_TYPES", "MessageBody", "read_allowed_mentions",
           "read_attachments", "read_embeds", "read_message", "read_nonce",
           "read_reference"]
